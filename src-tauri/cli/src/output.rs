//! Where things are printed: results on stdout (a line each, or one JSON document), everything
//! for people on stderr, and a one-line progress display there only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, SecondsFormat};
use serde::Serialize;

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

#[derive(Clone)]
pub struct Output {
    json: bool,
    progress: Option<Arc<Mutex<Progress>>>,
}

struct Progress {
    started: Instant,
    frame: usize,
    /// The status line shown now, if any.
    shown: Option<String>,
}

impl Output {
    pub fn new(json: bool) -> Self {
        let progress = std::io::stderr().is_terminal().then(|| {
            Arc::new(Mutex::new(Progress {
                started: Instant::now(),
                frame: 0,
                shown: None,
            }))
        });
        Self { json, progress }
    }

    /// Whether results are wanted as JSON.
    pub fn json(&self) -> bool {
        self.json
    }

    /// One result line on stdout (a closed pipe is not an error: `atelier search x | head`).
    pub fn line(&self, text: impl std::fmt::Display) {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
    }

    /// The one JSON document of a command run with `--json`.
    pub fn document(&self, value: &impl Serialize) {
        match serde_json::to_string(value) {
            Ok(json) => self.line(json),
            Err(e) => self.note(&format!("cannot encode the result: {e}")),
        }
    }

    /// A message for people on stderr, above the progress line.
    pub fn note(&self, text: &str) {
        self.with_progress(|p| {
            let mut stderr = std::io::stderr().lock();
            if p.is_some() {
                let _ = write!(stderr, "\r\x1b[2K");
            }
            let _ = writeln!(stderr, "{text}");
            if let Some(p) = p {
                p.draw(&mut stderr);
            }
        });
    }

    /// Shows `status` as the progress line (only on a terminal).
    pub fn status(&self, status: &str) {
        self.with_progress(|p| {
            if let Some(p) = p {
                p.shown = Some(status.to_owned());
                p.frame += 1;
                p.draw(&mut std::io::stderr().lock());
            }
        });
    }

    /// Takes the progress line away.
    pub fn clear_status(&self) {
        self.with_progress(|p| {
            if let Some(p) = p
                && p.shown.take().is_some()
            {
                let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
            }
        });
    }

    /// Whether stdin and stderr are a person's terminal (then questions are asked there).
    pub fn interactive(&self) -> bool {
        std::io::stdin().is_terminal() && self.progress.is_some()
    }

    fn with_progress(&self, f: impl FnOnce(Option<&mut Progress>)) {
        match &self.progress {
            Some(p) => {
                let mut guard = p.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                f(Some(&mut guard));
            }
            None => f(None),
        }
    }
}

impl Progress {
    fn draw(&self, to: &mut impl Write) {
        if let Some(status) = &self.shown {
            let spinner = SPINNER[self.frame % SPINNER.len()];
            let secs = self.started.elapsed().as_secs();
            let _ = write!(to, "\r\x1b[2K{spinner} {status} ({secs} s)");
            let _ = to.flush();
        }
    }
}

/// A time (ms since the epoch) as results show it: RFC 3339 in UTC, with milliseconds.
pub fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_utc_with_milliseconds() {
        assert_eq!(rfc3339(1_768_469_400_123), "2026-01-15T09:30:00.123Z");
    }
}
