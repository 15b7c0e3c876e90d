//! How a batch's lines ended: the summary people read on stderr and the document `--json`
//! prints on stdout.

use std::path::PathBuf;

use serde::Serialize;

use super::state::Failure;
use crate::error::CliError;

/// How a line ended this run.
pub enum Outcome {
    /// Made now: its PNGs.
    Made(Vec<PathBuf>),
    /// Done by an earlier run: its PNGs.
    Skipped(Vec<PathBuf>),
    Failed(CliError),
    /// Not started (or left as it was) because the batch stopped.
    NotRun,
}

/// An error as the state file and the JSON document keep it.
pub fn failure(e: &CliError) -> Failure {
    Failure {
        code: e.code.clone(),
        message: e.message.clone(),
    }
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub lines: usize,
    pub made: usize,
    pub skipped: usize,
    pub failed: usize,
    pub not_run: usize,
}

impl Summary {
    pub fn of(outcomes: &[Outcome]) -> Self {
        let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
        Self {
            lines: outcomes.len(),
            made: count(|o| matches!(o, Outcome::Made(_))),
            skipped: count(|o| matches!(o, Outcome::Skipped(_))),
            failed: count(|o| matches!(o, Outcome::Failed(_))),
            not_run: count(|o| matches!(o, Outcome::NotRun)),
        }
    }

    /// The summary line on stderr.
    pub fn sentence(&self) -> String {
        format!(
            "Batch: {} lines: {} made, {} already done, {} failed, {} not run.",
            self.lines, self.made, self.skipped, self.failed, self.not_run
        )
    }
}

/// What `atelier batch --json` prints.
#[derive(Serialize)]
pub struct Document<'a> {
    pub summary: &'a Summary,
    pub lines: Vec<LineResult>,
}

/// One line in the JSON document.
#[derive(Serialize)]
pub struct LineResult {
    line: usize,
    prompt: String,
    /// `made`, `skipped` (done by an earlier run), `failed` or `not_run`.
    status: &'static str,
    generation_id: Option<String>,
    files: Vec<PathBuf>,
    error: Option<Failure>,
}

impl LineResult {
    pub fn new(
        line: usize,
        prompt: &str,
        generation_id: Option<String>,
        outcome: &Outcome,
    ) -> Self {
        let (status, files, error) = match outcome {
            Outcome::Made(files) => ("made", files.clone(), None),
            Outcome::Skipped(files) => ("skipped", files.clone(), None),
            Outcome::Failed(e) => ("failed", Vec::new(), Some(failure(e))),
            Outcome::NotRun => ("not_run", Vec::new(), None),
        };
        Self {
            line,
            prompt: prompt.to_owned(),
            status,
            generation_id,
            files,
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Exit;

    #[test]
    fn the_summary_counts_each_ending() {
        let outcomes = [
            Outcome::Made(vec!["a.png".into()]),
            Outcome::Skipped(vec!["b.png".into()]),
            Outcome::Skipped(Vec::new()),
            Outcome::Failed(CliError::new("prompt_blocked", "no", Exit::Failure)),
            Outcome::NotRun,
        ];
        let summary = Summary::of(&outcomes);
        assert_eq!(
            summary.sentence(),
            "Batch: 5 lines: 1 made, 2 already done, 1 failed, 1 not run."
        );
    }
}
