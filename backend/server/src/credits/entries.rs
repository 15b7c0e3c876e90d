//! The one writer of `credit_ledger`: every entry (grant, debit, refund, purchase, clawback) is
//! inserted here, unique by its cause (`reference`), with its change in the sync log in the same
//! batch, so every credit movement reaches every device exactly once.

use atelier_api::credits::LedgerKind;
use atelier_api::sync::SyncKind;

use crate::platform::Statement;
use crate::sync::log;

/// An entry to write. `id` is fresh per attempt: a duplicate attempt (same `reference`) writes
/// nothing, and its log change, guarded by its own `id`, takes no number.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub id: String,
    pub account_id: &'a str,
    pub amount: i64,
    pub kind: LedgerKind,
    pub reference: String,
    /// Money behind a purchase or clawback: cents and currency.
    pub paid: Option<(i64, &'a str)>,
    /// The Creem order of a purchase or clawback.
    pub order_id: Option<&'a str>,
    pub created_at: i64,
}

impl NewEntry<'_> {
    /// The INSERT, written only when `guard` (an SQL condition) holds; bind the guard's
    /// parameters on the returned statement, in order.
    pub fn insert_if(&self, guard: &str) -> Statement {
        Statement::new(format!(
            "INSERT INTO credit_ledger (id, account_id, amount, kind, reference, paid_cents, paid_currency, order_id, created_at)
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE {guard}
             ON CONFLICT (reference) DO NOTHING"
        ))
        .bind(self.id.as_str())
        .bind(self.account_id)
        .bind(self.amount)
        .bind(self.kind.as_str())
        .bind(self.reference.as_str())
        .bind(self.paid.map(|(cents, _)| cents))
        .bind(self.paid.map(|(_, currency)| currency.to_owned()))
        .bind(self.order_id.map(str::to_owned))
        .bind(self.created_at)
    }

    /// The sync-log change of this entry: it follows the insert in the same batch.
    pub fn logged(&self) -> [Statement; 2] {
        log::changed(self.account_id, SyncKind::Credit, &self.id, self.created_at)
    }

    /// The insert (guarded) and its log change, in batch order.
    pub fn statements(&self, guarded: Statement) -> Vec<Statement> {
        let mut batch = vec![guarded];
        batch.extend(self.logged());
        batch
    }
}
