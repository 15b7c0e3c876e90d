//! `atelier-simulators [--listen 127.0.0.1:PORT] [--public-url URL] [--creem-webhook-url URL]`
//!
//! Prints one JSON line to stdout, `{"base_url": ..., "env": {...}}`, for a parent process to read,
//! then human-readable notes to stderr, and serves until SIGTERM or ctrl-c.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use atelier_simulators::{SimulatorOptions, spawn};

const USAGE: &str = "usage: atelier-simulators [--listen 127.0.0.1:PORT] [--public-url URL] \
                     [--creem-webhook-url URL]";

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error("{0} needs a value\n{USAGE}")]
    MissingValue(&'static str),
    #[error("--listen: {0:?} is not an address like 127.0.0.1:8787\n{USAGE}")]
    BadAddress(String),
    #[error("{0}: {1:?} is not an http(s) URL\n{USAGE}")]
    BadUrl(&'static str, String),
    #[error("unknown argument {0:?}\n{USAGE}")]
    Unknown(String),
}

enum Command {
    Run(Box<SimulatorOptions>),
    Help,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, CliError> {
    let mut options = SimulatorOptions::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "--listen" => {
                let value = inline
                    .or_else(|| args.next())
                    .ok_or(CliError::MissingValue("--listen"))?;
                let addr: SocketAddr = value
                    .parse()
                    .map_err(|_| CliError::BadAddress(value.clone()))?;
                options.listen = Some(addr);
            }
            "--public-url" => {
                let value = inline
                    .or_else(|| args.next())
                    .ok_or(CliError::MissingValue("--public-url"))?;
                options.public_url = Some(value);
            }
            "--creem-webhook-url" => {
                let value = inline
                    .or_else(|| args.next())
                    .ok_or(CliError::MissingValue("--creem-webhook-url"))?;
                if !value.starts_with("http://") && !value.starts_with("https://") {
                    return Err(CliError::BadUrl("--creem-webhook-url", value));
                }
                options.creem.webhook_url = Some(value);
            }
            "-h" | "--help" => return Ok(Command::Help),
            _ => return Err(CliError::Unknown(arg)),
        }
    }
    Ok(Command::Run(Box::new(options)))
}

/// The signals that stop the simulators. Handlers are installed when this is made, before the
/// JSON line goes out, so a parent that signals right after reading it is never met by the
/// default action (an unclean exit).
struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(windows)]
        {
            Ok(Self {
                ctrl_c: tokio::signal::windows::ctrl_c()?,
            })
        }
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(windows)]
        self.ctrl_c.recv().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("atelier-simulators: {e}");
            return ExitCode::from(2);
        }
    };
    let signals = match StopSignals::install() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("atelier-simulators: cannot install signal handlers: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sims = match spawn(*options).await {
        Ok(sims) => sims,
        Err(e) => {
            eprintln!("atelier-simulators: {e}");
            return ExitCode::FAILURE;
        }
    };
    let env: serde_json::Map<String, serde_json::Value> = sims
        .env()
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    let line = serde_json::json!({ "base_url": sims.public_url(), "env": env });
    {
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{line}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            eprintln!("atelier-simulators: could not write to stdout");
        }
    }
    let base = sims.public_url();
    eprintln!("atelier-simulators listening on {}", sims.base_url());
    eprintln!(
        "  kie.ai   {}   (key {})",
        sims.kie_url(),
        sims.kie().api_key()
    );
    eprintln!(
        "  Creem    {}   (key {}, webhook secret {}, webhooks to {})",
        sims.creem_url(),
        sims.creem().api_key(),
        sims.creem().webhook_secret(),
        sims.creem().webhook().url.as_deref().unwrap_or("nowhere")
    );
    eprintln!(
        "  Resend   {}   (key {})",
        sims.resend_url(),
        sims.resend().api_key()
    );
    eprintln!(
        "  PostHog  {}   (key {})",
        sims.posthog_url(),
        sims.posthog().api_key()
    );
    eprintln!("  Sentry   {}", sims.sentry_dsn());
    eprintln!(
        "Received mail: GET {base}/resend/emails   (one email: GET {base}/resend/emails/{{id}})"
    );
    eprintln!(
        "PostHog events: GET {base}/posthog/events   Sentry envelopes: GET {base}/sentry/envelopes"
    );
    eprintln!("Faults: PUT {base}/{{svc}}/__control/faults   Reset: POST {base}/__control/reset");

    signals.wait().await;
    eprintln!("atelier-simulators: stopping");
    sims.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::{Command, parse};

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_flags() {
        let Ok(Command::Run(options)) = parse(args(&[
            "--listen",
            "127.0.0.1:9000",
            "--public-url=http://x",
            "--creem-webhook-url",
            "http://127.0.0.1:8787/webhooks/creem",
        ])) else {
            panic!("should parse");
        };
        assert_eq!(options.listen.map(|a| a.port()), Some(9000));
        assert_eq!(options.public_url.as_deref(), Some("http://x"));
        assert_eq!(
            options.creem.webhook_url.as_deref(),
            Some("http://127.0.0.1:8787/webhooks/creem")
        );
        assert!(parse(args(&["--creem-webhook-url", "ftp://x"])).is_err());
        assert!(parse(args(&["--listen"])).is_err());
        assert!(parse(args(&["--bogus"])).is_err());
        assert!(parse(args(&["--listen", "localhost"])).is_err());
    }
}
