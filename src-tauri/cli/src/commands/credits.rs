//! `atelier credits [--ledger]`: the balance, and with `--ledger` every ledger entry, newest
//! first. Offline, both are the copy the last sync kept, as in the desktop app.

use atelier_api::credits::LedgerEntry;
use atelier_client::library::Library;
use serde::Serialize;

use crate::app::App;
use crate::cli::CreditsArgs;
use crate::error::CliError;
use crate::output::rfc3339;

#[derive(Serialize)]
struct Credits {
    balance: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger: Option<Vec<LedgerEntry>>,
}

pub async fn run(app: &App, args: &CreditsArgs) -> Result<(), CliError> {
    app.user().await?;
    // Without a usable library the service's answer still does; offline it is the fallback.
    let library = app.library().await.ok();
    let cache = library.as_ref().map(Library::cache);
    let balance = atelier_client::credits::balance(&app.auth, cache).await?;
    let ledger = if args.ledger {
        let mut entries = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = atelier_client::credits::ledger(&app.auth, cache, cursor.as_deref()).await?;
            entries.extend(page.entries);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        Some(entries)
    } else {
        None
    };
    if app.out.json() {
        app.out.document(&Credits { balance, ledger });
        return Ok(());
    }
    app.out.line(balance);
    for e in ledger.iter().flatten() {
        app.out.line(format!(
            "{}\t{:+}\t{}\t{}",
            rfc3339(e.created_at),
            e.amount,
            e.kind.as_str(),
            e.reference
        ));
    }
    Ok(())
}
