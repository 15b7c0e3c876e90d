//! `atelier-sync`: one sync pass of the desktop cache, without the app: for power users
//! (`ATELIER_DATA_DIR` picks the cache) and for the crash-safety test, which kills it mid-pass.
//!
//! Environment: `ATELIER_API_URL` (default the embedded server), `ATELIER_DATA_DIR`,
//! `ATELIER_SESSION_TOKEN` (a session of the account), `ATELIER_SYNC_PAGE_SIZE` (default 500).
//! Prints the integrity check and the pass as one line each; exits 1 when the pass fails.

use std::process::ExitCode;

use atelier_client::cache::Cache;
use atelier_client::session::SessionToken;
use atelier_client::sync::{SyncEngine, SyncOptions};
use atelier_client::{ApiClient, ApiClientOptions, DEFAULT_API_URL};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

async fn run() -> Result<(), String> {
    let url = env("ATELIER_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_owned());
    let token = SessionToken::new(env("ATELIER_SESSION_TOKEN").ok_or("set ATELIER_SESSION_TOKEN")?);
    let page_size = env("ATELIER_SYNC_PAGE_SIZE")
        .map(|v| v.parse().map_err(|_| "ATELIER_SYNC_PAGE_SIZE is a number"))
        .transpose()?
        .unwrap_or(500);
    let dir = atelier_client::cache::data_dir().map_err(|e| e.to_string())?;
    let cache = Cache::open(&dir).await.map_err(|e| e.to_string())?;
    let integrity = cache.check_integrity().await.map_err(|e| e.to_string())?;
    println!("integrity: {integrity:?}");
    let api = ApiClient::new(ApiClientOptions::new(url)).map_err(|e| e.to_string())?;
    let options = SyncOptions {
        page_size,
        ..SyncOptions::default()
    };
    let report = SyncEngine::new(cache, api, options)
        .run(&token)
        .await
        .map_err(|e| format!("{}: {e}", e.code()))?;
    println!("sync: {report:?}");
    Ok(())
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("atelier-sync: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("atelier-sync: {e}");
            ExitCode::FAILURE
        }
    }
}
