//! `GET /v1/credits` and `GET /v1/credits/ledger`: the balance is always the sum of the ledger,
//! computed from it, never stored beside it.

pub mod entries;

use atelier_api::credits::{Balance, LEDGER_PAGE_SIZE, LedgerEntry, LedgerKind, LedgerPage, Money};
use axum::Json;
use axum::extract::State;

use crate::query::ApiQuery;
use serde::Deserialize;

use crate::auth::session::Authenticated;
use crate::error::ApiResult;
use crate::paging::Cursor;
use crate::platform::{Platform, Statement, rows_as};

#[derive(Deserialize)]
struct SumRow {
    balance: i64,
}

/// The account's balance: the sum of its ledger.
pub async fn balance_of<P: Platform>(platform: &P, account_id: &str) -> ApiResult<i64> {
    let rows = platform
        .query(Statement::new("SELECT COALESCE(SUM(amount), 0) AS balance FROM credit_ledger WHERE account_id = ?").bind(account_id))
        .await?;
    Ok(rows_as::<SumRow>(rows)?.first().map_or(0, |r| r.balance))
}

pub async fn balance<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
) -> ApiResult<Json<Balance>> {
    Ok(Json(Balance {
        balance: balance_of(&platform, &auth.account.id).await?,
    }))
}

#[derive(Deserialize)]
pub struct LedgerQuery {
    cursor: Option<String>,
}

/// The columns of a ledger entry as [`EntryRow`] reads them.
pub(crate) const ENTRY_COLUMNS: &str =
    "id, amount, kind, reference, paid_cents, paid_currency, created_at";

#[derive(Deserialize)]
pub(crate) struct EntryRow {
    pub(crate) id: String,
    amount: i64,
    kind: String,
    reference: String,
    paid_cents: Option<i64>,
    paid_currency: Option<String>,
    pub(crate) created_at: i64,
}

impl From<EntryRow> for LedgerEntry {
    fn from(r: EntryRow) -> Self {
        Self {
            // The table's CHECK admits only the kinds LedgerKind names.
            kind: LedgerKind::parse(&r.kind).unwrap_or(LedgerKind::Grant),
            id: r.id,
            amount: r.amount,
            reference: r.reference,
            paid: match (r.paid_cents, r.paid_currency) {
                (Some(cents), Some(currency)) => Some(Money { cents, currency }),
                _ => None,
            },
            created_at: r.created_at,
        }
    }
}

/// Newest first, keyset-paged on `(created_at, id)`.
pub async fn ledger<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<LedgerPage>> {
    let after = query.cursor.as_deref().map(Cursor::parse).transpose()?;
    // Two statements rather than a sentinel: D1 cannot bind integers beyond 2^53.
    let statement = match after {
        None => Statement::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM credit_ledger
             WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"
        ))
        .bind(auth.account.id.as_str()),
        Some(c) => Statement::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM credit_ledger
             WHERE account_id = ? AND (created_at < ? OR (created_at = ? AND id < ?))
             ORDER BY created_at DESC, id DESC LIMIT ?"
        ))
        .bind(auth.account.id.as_str())
        .bind(c.time)
        .bind(c.time)
        .bind(c.id),
    };
    let rows = platform
        .query(statement.bind(i64::from(LEDGER_PAGE_SIZE) + 1))
        .await?;
    let mut entries: Vec<LedgerEntry> = rows_as::<EntryRow>(rows)?
        .into_iter()
        .map(LedgerEntry::from)
        .collect();
    let more = entries.len() > LEDGER_PAGE_SIZE as usize;
    entries.truncate(LEDGER_PAGE_SIZE as usize);
    let next_cursor = if more {
        entries.last().map(|e| {
            Cursor {
                time: e.created_at,
                id: e.id.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Json(LedgerPage {
        entries,
        next_cursor,
    }))
}
