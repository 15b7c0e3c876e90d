//! `atelier`: the command line of Atelier. Parses the arguments (clap: usage errors exit 2),
//! runs the command, and turns its outcome into the documented exit status; an error is printed
//! to stderr as `error[<code>]: <message>`. Logs (`RUST_LOG`) go to stderr and are off unless
//! asked for, so stderr holds only what the command says to people.

mod app;
mod batch;
mod cli;
mod commands;
mod error;
mod generation;
mod inputs;
mod output;
mod png_file;
mod words;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::error::{CliError, Exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs();
    let server = cli.global.server.clone();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let e =
                CliError::new("internal", "cannot start", Exit::Failure).with_detail(e.to_string());
            eprintln!("{}", e.render(&server));
            return e.exit.code();
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(exit) => exit.code(),
        Err(e) => {
            eprintln!("{}", e.render(&server));
            e.exit.code()
        }
    }
}

/// `RUST_LOG` (say `RUST_LOG=atelier_client=debug`) to stderr; nothing without it.
fn init_logs() {
    let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG") else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
