//! Credits: the balance and the append-only ledger it is the sum of.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub balance: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum LedgerKind {
    Grant,
    Debit,
    Refund,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: String,
    /// Signed: grants and refunds are positive, debits negative.
    pub amount: i64,
    pub kind: LedgerKind,
    /// Unique per entry: what caused it (`sign-up:<account>`, `generation:<id>`, …).
    pub reference: String,
    pub created_at: i64,
}

/// One page of the ledger, newest first; pass `next_cursor` back as `?cursor=` for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    pub next_cursor: Option<String>,
}

/// Entries per ledger page.
pub const LEDGER_PAGE_SIZE: u32 = 50;
