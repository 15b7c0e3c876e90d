//! `atelier batch FILE`: a generation for every line of the file, `--concurrency` at a time,
//! each written as PNGs into the output folder; resumable (`state`): a line done is skipped, a
//! line sent is never paid for twice. Prints the paths written as each line finishes (or one
//! JSON document at the end), a summary on stderr, and exits 0 only when every line is done.

mod file;
mod report;
mod state;

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use atelier_api::ErrorCode;
use atelier_api::generations::{Generation, NewGeneration};
use atelier_client::ClientError;
use atelier_client::api::IdempotencyKey;
use atelier_client::session::SessionToken;

use crate::app::App;
use crate::cli::BatchArgs;
use crate::error::{CliError, Exit, codes};
use crate::generation::{self, Models};
use file::Line;
use report::{Document, LineResult, Outcome, Summary, failure};
use state::{Entry, State, Status};

/// Wait after `rate_limited` when the service does not say how long, and the longest wait.
const RATE_LIMIT_WAIT: Duration = Duration::from_secs(10);
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(120);

/// One line with what it asks the service for.
struct Job {
    line: Line,
    request: NewGeneration,
    key: String,
}

/// What every worker shares.
struct Run<'a> {
    app: &'a App,
    token: SessionToken,
    state: State,
    dir: &'a Path,
    jobs: Vec<Job>,
    queue: Mutex<VecDeque<usize>>,
    outcomes: Mutex<Vec<Option<Outcome>>>,
    /// Set by the first error that stops the whole batch (no session, no credits, no network,
    /// nowhere to write): no line starts after it.
    stop: Mutex<Option<CliError>>,
}

pub async fn run(app: &App, args: &BatchArgs) -> Result<Exit, CliError> {
    let lines = file::read(&args.file)?;
    let _running = lock(&args.file)?;
    let token = app.token().await?;
    let options = &args.options;
    let jobs = if lines.is_empty() {
        Vec::new()
    } else {
        let models = Models::fetch(app, &token).await?;
        let requests = lines
            .iter()
            .map(|line| {
                models
                    .request(
                        &line.prompt,
                        line.model.as_deref().or(options.model.as_deref()),
                        line.ratio.as_deref().or(options.ratio.as_deref()),
                        line.count.or(options.count),
                        Vec::new(),
                    )
                    .map_err(|e| {
                        let mut e = CliError::from(e);
                        e.message = format!(
                            "{}, line {}: {}",
                            args.file.display(),
                            line.number,
                            e.message
                        );
                        e
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let keys = state::keys(
            requests
                .iter()
                .zip(&lines)
                .map(|(r, l)| (r, l.name.as_deref())),
        );
        lines
            .into_iter()
            .zip(requests)
            .zip(keys)
            .map(|((line, request), key)| Job { line, request, key })
            .collect()
    };
    let state = State::open(&options.output, &args.file)?;
    let run = Run {
        app,
        token,
        state,
        dir: &options.output,
        queue: Mutex::new((0..jobs.len()).collect()),
        outcomes: Mutex::new((0..jobs.len()).map(|_| None).collect()),
        jobs,
        stop: Mutex::new(None),
    };
    let workers = (0..args.concurrency.max(1)).map(|_| run.worker());
    futures_util::future::join_all(workers).await;
    run.finish()
}

/// Holds the batch file locked: a second run of the same batch at the same time would send its
/// lines again under keys of its own.
fn lock(path: &Path) -> Result<File, CliError> {
    let file = File::open(path).map_err(|e| {
        CliError::usage(
            codes::INVALID_BATCH_FILE,
            format!("cannot read {}", path.display()),
        )
        .with_detail(e.to_string())
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(CliError::new(
            codes::BATCH_RUNNING,
            format!(
                "{} is being made by another `atelier batch` right now",
                path.display()
            ),
            Exit::Failure,
        )),
        // A file system without locks: the batch runs unguarded, as it would have anyway.
        Err(std::fs::TryLockError::Error(e)) => {
            tracing::info!(error = %e, "cannot lock the batch file");
            Ok(file)
        }
    }
}

/// Whether an error ends the whole batch rather than its line: every other line would fail the
/// same way, or be paid for with nowhere to put it.
fn stops_the_batch(e: &CliError) -> bool {
    matches!(
        e.exit,
        Exit::Unauthenticated | Exit::InsufficientCredits | Exit::Offline | Exit::CredentialStore
    ) || e.code == codes::OUTPUT_UNWRITABLE
}

impl Run<'_> {
    /// The error that stopped the batch, if one did.
    fn stop_error(&self) -> Option<CliError> {
        self.stop
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Takes lines from the queue until it is empty or the batch stops.
    async fn worker(&self) {
        loop {
            if self.stop_error().is_some() {
                return;
            }
            let next = self
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop_front();
            let Some(index) = next else {
                return;
            };
            self.show_progress();
            let outcome = match self.line(&self.jobs[index]).await {
                Ok(outcome) => outcome,
                Err(e) if stops_the_batch(&e) => {
                    let mut stop = self.stop.lock().unwrap_or_else(PoisonError::into_inner);
                    if stop.is_none() {
                        *stop = Some(e);
                    }
                    Outcome::NotRun
                }
                Err(e) => Outcome::Failed(e),
            };
            self.report(index, &outcome);
            self.outcomes.lock().unwrap_or_else(PoisonError::into_inner)[index] = Some(outcome);
            self.show_progress();
        }
    }

    /// Makes one line, or resumes it where an earlier run left it.
    async fn line(&self, job: &Job) -> Result<Outcome, CliError> {
        let recorded = self.state.get(&job.key);
        let mut entry = match recorded {
            Some(done) if done.status == Status::Done => {
                let files: Vec<PathBuf> = done.files.iter().map(|f| self.dir.join(f)).collect();
                if files.iter().all(|f| f.is_file()) {
                    return Ok(Outcome::Skipped(files));
                }
                // Files moved away: written again from the same generation, not paid again.
                done
            }
            // Sent before (perhaps answered, perhaps not): the same key, so the same generation.
            Some(sent) if sent.generation_id.is_none() || sent.status != Status::Failed => sent,
            // Its generation failed and was refunded: a new request.
            _ => Entry {
                line: job.line.number,
                prompt: job.request.prompt.clone(),
                status: Status::Sending,
                idempotency_key: IdempotencyKey::new().as_str().to_owned(),
                generation_id: None,
                files: Vec::new(),
                error: None,
            },
        };
        entry.line = job.line.number;
        let generation = match entry.generation_id.clone() {
            Some(id) => match self.app.api().generation(&self.token, &id).await {
                Ok(generation) => generation,
                Err(e) if e.code() == ErrorCode::NotFound => {
                    // Deleted since (or made by another account): made anew only when asked.
                    entry.status = Status::Failed;
                    let e = CliError::from(e);
                    let gone = CliError {
                        message: format!(
                            "its generation {id} is gone (deleted, or another account's); run the batch again to make it anew"
                        ),
                        ..e
                    };
                    entry.error = Some(failure(&gone));
                    self.state.put(&job.key, entry)?;
                    return Err(gone);
                }
                Err(e) => return Err(e.into()),
            },
            None => {
                entry.status = Status::Sending;
                // Recorded before it is sent: a crash from here on resends the same key.
                self.state.put(&job.key, entry.clone())?;
                match self.send(&entry.idempotency_key, &job.request).await {
                    Ok(generation) => generation,
                    Err(e) => {
                        if !stops_the_batch(&e) {
                            entry.status = Status::Failed;
                            entry.error = Some(failure(&e));
                            self.state.put(&job.key, entry)?;
                        }
                        return Err(e);
                    }
                }
            }
        };
        if entry.generation_id.is_none() || entry.status != Status::Done {
            entry.generation_id = Some(generation.id.clone());
            entry.status = Status::Waiting;
            entry.error = None;
            // Recorded before waiting: a crash from here on waits for this generation again.
            self.state.put(&job.key, entry.clone())?;
        }
        let done =
            generation::wait(self.app, &self.token, generation, |_| self.show_progress()).await?;
        if let Some(e) = generation::failure(&done) {
            entry.status = Status::Failed;
            entry.error = Some(failure(&e));
            self.state.put(&job.key, entry)?;
            return Err(e);
        }
        let files = generation::save(
            self.app,
            &self.token,
            &done,
            self.dir,
            job.line.name.as_deref(),
        )
        .await?;
        entry.status = Status::Done;
        entry.files = files
            .iter()
            .filter_map(|f| f.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        self.state.put(&job.key, entry)?;
        Ok(Outcome::Made(files))
    }

    /// `POST /v1/generations` under `key`, waiting out the service's rate limit.
    async fn send(&self, key: &str, request: &NewGeneration) -> Result<Generation, CliError> {
        let key = IdempotencyKey::parse(key)?;
        loop {
            match generation::create(self.app, &self.token, &key, request).await {
                Err(ClientError::Api {
                    ref body,
                    retry_after,
                    ..
                }) if body.code == ErrorCode::RateLimited => {
                    let wait = retry_after
                        .unwrap_or(RATE_LIMIT_WAIT)
                        .min(MAX_RATE_LIMIT_WAIT);
                    self.app.out.status(&format!(
                        "batch: the service asks to slow down; waiting {} s",
                        wait.as_secs()
                    ));
                    tokio::time::sleep(wait).await;
                    if let Some(stop) = self.stop_error() {
                        return Err(stop);
                    }
                }
                other => return Ok(other?),
            }
        }
    }

    /// Tells people how a line ended: its paths on stdout, a failure on stderr.
    fn report(&self, index: usize, outcome: &Outcome) {
        let number = self.jobs[index].line.number;
        match outcome {
            Outcome::Made(files) if !self.app.out.json() => {
                for file in files {
                    self.app.out.line(file.display());
                }
            }
            Outcome::Failed(e) => self
                .app
                .out
                .note(&format!("line {number}: {}", e.render(&self.app.server))),
            _ => {}
        }
    }

    fn show_progress(&self) {
        let outcomes = self.outcomes.lock().unwrap_or_else(PoisonError::into_inner);
        let finished = outcomes.iter().filter(|o| o.is_some()).count();
        let failed = outcomes
            .iter()
            .filter(|o| matches!(o, Some(Outcome::Failed(_))))
            .count();
        let waiting = self
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        let running = outcomes.len().saturating_sub(finished + waiting);
        self.app.out.status(&format!(
            "batch: {finished} of {} lines finished, {running} being made, {failed} failed",
            outcomes.len()
        ));
    }

    /// The summary (stderr), the JSON document (stdout, with `--json`) and the exit status.
    fn finish(self) -> Result<Exit, CliError> {
        let outcomes: Vec<Outcome> = self
            .outcomes
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .into_iter()
            .map(|o| o.unwrap_or(Outcome::NotRun))
            .collect();
        let stop = self
            .stop
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let summary = Summary::of(&outcomes);
        let out = &self.app.out;
        out.clear_status();
        out.note(&summary.sentence());
        if out.json() {
            let lines = self
                .jobs
                .iter()
                .zip(&outcomes)
                .map(|(job, outcome)| {
                    let generation_id = self.state.get(&job.key).and_then(|e| e.generation_id);
                    LineResult::new(job.line.number, &job.request.prompt, generation_id, outcome)
                })
                .collect();
            out.document(&Document {
                summary: &summary,
                lines,
            });
        }
        if let Some(stop) = stop {
            return Err(stop);
        }
        if summary.failed > 0 {
            return Err(CliError::new(
                codes::BATCH_INCOMPLETE,
                format!(
                    "{} of {} lines failed; run the same batch again to retry them (progress is kept in {})",
                    summary.failed,
                    summary.lines,
                    self.state.path().display()
                ),
                Exit::BatchIncomplete,
            ));
        }
        Ok(Exit::Success)
    }
}
