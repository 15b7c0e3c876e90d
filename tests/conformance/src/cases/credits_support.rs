//! What every money case checks at its end: the balance is exactly the sum of the ledger.

use atelier_api::credits::{Balance, LedgerEntry, LedgerPage};

use crate::{CaseResult, Ctx, ensure};

/// The whole ledger, newest first, across its pages.
pub(super) async fn whole_ledger(ctx: &Ctx, token: &str) -> Result<Vec<LedgerEntry>, String> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/credits/ledger?cursor={c}"),
            None => "/v1/credits/ledger".to_owned(),
        };
        let page: LedgerPage = ctx
            .get(&path)
            .token(token)
            .send()
            .await?
            .expect_status(200)?
            .json()?;
        entries.extend(page.entries);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(entries),
        }
    }
}

pub(super) async fn ledger_is_the_balance(ctx: &Ctx, token: &str) -> CaseResult {
    let balance: Balance = ctx
        .get("/v1/credits")
        .token(token)
        .send()
        .await?
        .expect_status(200)?
        .json()?;
    let entries = whole_ledger(ctx, token).await?;
    let sum: i64 = entries.iter().map(|e| e.amount).sum();
    ensure!(
        sum == balance.balance,
        "the balance {} is not the ledger's sum {sum}: {entries:?}",
        balance.balance
    );
    let mut references: Vec<&str> = entries.iter().map(|e| e.reference.as_str()).collect();
    references.sort_unstable();
    references.dedup();
    ensure!(
        references.len() == entries.len(),
        "two ledger entries share a cause: {entries:?}"
    );
    Ok(())
}
