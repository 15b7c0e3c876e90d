//! The credit ledger as sync brought it: written by [`super::apply`], read here for the balance
//! (the ledger's sum) and the history when the service cannot be reached.

use atelier_api::credits::{LedgerEntry, LedgerKind, Money};
use sqlx::{Sqlite, Transaction};

use super::Cache;
use crate::error::ClientError;

/// Where a page of the cached ledger ends: the last entry's time and id (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerMark {
    pub created_at: i64,
    pub id: String,
}

type Row = (
    String,
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    i64,
);

fn entry((id, amount, kind, reference, cents, currency, created_at): Row) -> Option<LedgerEntry> {
    Some(LedgerEntry {
        id,
        amount,
        // Written from a parsed record, so always known; a row that is not is skipped.
        kind: LedgerKind::parse(&kind)?,
        reference,
        paid: cents
            .zip(currency)
            .map(|(cents, currency)| Money { cents, currency }),
        created_at,
    })
}

/// Stores one entry (entries never change, so a repeat writes the same values).
pub(super) async fn upsert(
    tx: &mut Transaction<'_, Sqlite>,
    e: &LedgerEntry,
) -> Result<(), ClientError> {
    sqlx::query(
        "INSERT INTO credit_ledger (id, amount, kind, reference, paid_cents, paid_currency, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET amount = excluded.amount, kind = excluded.kind,
           reference = excluded.reference, paid_cents = excluded.paid_cents,
           paid_currency = excluded.paid_currency, created_at = excluded.created_at",
    )
    .bind(&e.id)
    .bind(e.amount)
    .bind(e.kind.as_str())
    .bind(&e.reference)
    .bind(e.paid.as_ref().map(|m| m.cents))
    .bind(e.paid.as_ref().map(|m| m.currency.as_str()))
    .bind(e.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Cache {
    /// The balance as this device last synced it: the sum of the cached ledger; `None` before
    /// sync brought any entry (every account has at least its sign-up entry).
    pub async fn credit_balance(&self) -> Result<Option<i64>, ClientError> {
        let (entries, sum): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), SUM(amount) FROM credit_ledger")
                .fetch_one(&self.pool)
                .await?;
        Ok((entries > 0).then(|| sum.unwrap_or_default()))
    }

    /// Up to `limit` cached entries, newest first, after `after` (the previous page's last);
    /// with the mark to pass for the next page when there may be one.
    pub async fn credit_ledger(
        &self,
        after: Option<&LedgerMark>,
        limit: u32,
    ) -> Result<(Vec<LedgerEntry>, Option<LedgerMark>), ClientError> {
        let (at, id) = after.map_or((i64::MAX, ""), |m| (m.created_at, m.id.as_str()));
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, amount, kind, reference, paid_cents, paid_currency, created_at
             FROM credit_ledger
             WHERE created_at < ?1 OR (created_at = ?1 AND id < ?2)
             ORDER BY created_at DESC, id DESC LIMIT ?3",
        )
        .bind(at)
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let full = rows.len() as u64 == u64::from(limit);
        let next = rows
            .last()
            .filter(|_| full)
            .map(|(id, _, _, _, _, _, created_at)| LedgerMark {
                created_at: *created_at,
                id: id.clone(),
            });
        Ok((rows.into_iter().filter_map(entry).collect(), next))
    }
}
