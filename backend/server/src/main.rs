//! The native Atelier service: `atelier-server`, configured by environment (README.md).

use std::process::ExitCode;

use atelier_server::config::Config;
use atelier_server::native::{NativeOptions, serve};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let options = match NativeOptions::from_env() {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let config = match Config::from_lookup(|name| std::env::var(name).ok()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    if !cfg!(feature = "test-hooks") && std::env::var_os("ATELIER_TEST_MODE").is_some() {
        tracing::warn!(
            "ATELIER_TEST_MODE is ignored: this build has no test hooks (feature `test-hooks`)"
        );
    }
    match serve(options, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&*e),
    }
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("atelier-server: {e}");
    ExitCode::FAILURE
}
