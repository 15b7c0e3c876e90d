//! Credits: the balance, the append-only ledger it is the sum of, and the packs people buy.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub balance: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum LedgerKind {
    /// The sign-up grant (zero for an address that already had one).
    Grant,
    /// A generation's cost.
    Debit,
    /// A failed image's cost, given back.
    Refund,
    /// Credits bought through a Creem checkout (granted by its signed webhook only).
    Purchase,
    /// A purchase taken back after a refund or a dispute; the only entry that may take the
    /// balance below zero.
    Clawback,
}

impl LedgerKind {
    /// The spelling stored in `credit_ledger.kind` and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grant => "grant",
            Self::Debit => "debit",
            Self::Refund => "refund",
            Self::Purchase => "purchase",
            Self::Clawback => "clawback",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Grant,
            Self::Debit,
            Self::Refund,
            Self::Purchase,
            Self::Clawback,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }
}

/// Money as Creem states it: an integer number of the currency's minor units (cents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Money {
    pub cents: i64,
    /// ISO 4217, upper case (`USD`, `EUR`).
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LedgerEntry {
    pub id: String,
    /// Signed: grants, refunds and purchases are positive, debits and clawbacks negative.
    pub amount: i64,
    pub kind: LedgerKind,
    /// Unique per entry: what caused it (`sign-up:<account>`, `generation:<id>`,
    /// `purchase:<creem order>`, `clawback:<creem refund or dispute>`, …).
    pub reference: String,
    /// For purchases and clawbacks: the money paid (or taken back) with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Money>,
    pub created_at: i64,
}

/// One page of the ledger, newest first; pass `next_cursor` back as `?cursor=` for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    pub next_cursor: Option<String>,
}

/// Entries per ledger page.
pub const LEDGER_PAGE_SIZE: u32 = 50;

/// A pack of credits on sale (`GET /v1/credits/packs`). Creem's product id stays on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CreditPack {
    pub id: String,
    pub credits: i64,
    pub price: Money,
}

/// `GET /v1/credits/packs`: empty when purchases are not available on this service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CreditPacks {
    pub packs: Vec<CreditPack>,
}

/// `POST /v1/credits/checkout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    pub pack: String,
}

/// A Creem checkout to open in the system browser. Paying it is not proof of anything: credits
/// arrive only with Creem's signed `checkout.completed` webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Checkout {
    pub checkout_id: String,
    pub checkout_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_spelling() {
        for kind in [
            LedgerKind::Grant,
            LedgerKind::Debit,
            LedgerKind::Refund,
            LedgerKind::Purchase,
            LedgerKind::Clawback,
        ] {
            assert_eq!(LedgerKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!(LedgerKind::parse("gift"), None);
    }

    #[test]
    fn an_entry_without_money_has_no_paid_field() {
        let entry = LedgerEntry {
            id: "a".into(),
            amount: -4,
            kind: LedgerKind::Debit,
            reference: "generation:g".into(),
            paid: None,
            created_at: 1,
        };
        let json = serde_json::to_value(&entry).unwrap();
        assert!(json.get("paid").is_none(), "{json}");
        assert_eq!(serde_json::from_value::<LedgerEntry>(json).unwrap(), entry);
    }
}
