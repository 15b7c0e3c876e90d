//! What Creem's events do to the ledger, each once: a completed checkout becomes a `purchase`
//! (unique on Creem's order id), a refund or dispute a `clawback` (unique on its own id) that
//! never takes back more than its order gave. `checkouts` and `purchases` are read and written
//! only here and in `checkout.rs`.

use atelier_api::credits::LedgerKind;
use serde::Deserialize;

use crate::credits::entries::NewEntry;
use crate::crypto::random_id;
use crate::error::ApiResult;
use crate::platform::{Platform, Statement, rows_as};

/// The guard that keeps a deleted account's late events from writing anything about it.
const ACCOUNT_LIVE: &str = "EXISTS (SELECT 1 FROM accounts WHERE id = ? AND deleted_at IS NULL)";

/// A checkout this service opened, as recorded when it was opened.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckoutRow {
    pub request_id: String,
    pub account_id: String,
    pub product_id: String,
    pub credits: i64,
    pub price_cents: i64,
    pub currency: String,
}

const CHECKOUT_COLUMNS: &str =
    "c.request_id, c.account_id, c.product_id, c.credits, c.price_cents, c.currency";

/// The checkout behind our `request_id` or Creem's checkout id, if its account is live.
pub async fn live_checkout<P: Platform>(
    platform: &P,
    request_id: Option<&str>,
    creem_checkout_id: Option<&str>,
) -> ApiResult<Option<CheckoutRow>> {
    let (column, value) = match (request_id, creem_checkout_id) {
        (Some(id), _) => ("request_id", id),
        (None, Some(id)) => ("creem_checkout_id", id),
        (None, None) => return Ok(None),
    };
    let rows = platform
        .query(
            Statement::new(format!(
                "SELECT {CHECKOUT_COLUMNS} FROM checkouts c JOIN accounts a ON a.id = c.account_id
                 WHERE c.{column} = ? AND a.deleted_at IS NULL"
            ))
            .bind(value),
        )
        .await?;
    Ok(rows_as(rows)?.into_iter().next())
}

/// What a `checkout.completed` event says was paid.
#[derive(Debug, Clone)]
pub struct PaidOrder {
    pub order_id: String,
    pub transaction_id: Option<String>,
    pub product_id: String,
    pub amount_cents: i64,
    pub currency: String,
}

/// How a completed checkout was booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booked {
    /// This event credited the pack.
    Credited,
    /// An earlier delivery of the same order already had (or this one lost the race to it).
    AlreadyBooked,
    /// Product, amount or currency differ from the pack: recorded, nothing credited.
    Mismatch,
}

/// Books a paid order against its checkout: the pack's credits once, or a recorded mismatch.
pub async fn book_purchase<P: Platform>(
    platform: &P,
    checkout: &CheckoutRow,
    order: &PaidOrder,
) -> ApiResult<Booked> {
    let matches = order.product_id == checkout.product_id
        && order.amount_cents == checkout.price_cents
        && order.currency.eq_ignore_ascii_case(&checkout.currency);
    let now = platform.now_ms();
    let record = |status: &str, credits: i64| {
        Statement::new(format!(
            "INSERT INTO purchases (order_id, transaction_id, account_id, request_id, credits, amount_cents, currency, status, created_at)
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE {ACCOUNT_LIVE}
             ON CONFLICT (order_id) DO NOTHING"
        ))
        .bind(order.order_id.as_str())
        .bind(order.transaction_id.clone())
        .bind(checkout.account_id.as_str())
        .bind(checkout.request_id.as_str())
        .bind(credits)
        .bind(order.amount_cents)
        .bind(order.currency.to_ascii_uppercase())
        .bind(status)
        .bind(now)
        .bind(checkout.account_id.as_str())
    };
    if !matches {
        tracing::warn!(order = %order.order_id, "a paid order does not match its pack; nothing credited");
        platform.execute(record("mismatch", 0)).await?;
        return Ok(Booked::Mismatch);
    }
    let purchase = NewEntry {
        id: random_id(platform)?,
        account_id: checkout.account_id.as_str(),
        amount: checkout.credits,
        kind: LedgerKind::Purchase,
        reference: format!("purchase:{}", order.order_id),
        paid: Some((order.amount_cents, &checkout.currency)),
        order_id: Some(&order.order_id),
        created_at: now,
    };
    let mut batch = vec![record("credited", checkout.credits)];
    batch.extend(
        purchase.statements(
            purchase
                .insert_if(&format!(
                    "EXISTS (SELECT 1 FROM purchases WHERE order_id = ? AND account_id = ? AND status = 'credited')
                     AND {ACCOUNT_LIVE}"
                ))
                .bind(order.order_id.as_str())
                .bind(checkout.account_id.as_str())
                .bind(checkout.account_id.as_str()),
        ),
    );
    let changed = platform.batch(batch).await?;
    Ok(if changed.get(1) == Some(&1) {
        Booked::Credited
    } else {
        Booked::AlreadyBooked
    })
}

/// A purchase found by its order or its transaction.
#[derive(Debug, Clone, Deserialize)]
struct PurchaseRow {
    order_id: String,
    account_id: String,
    credits: i64,
    amount_cents: i64,
    currency: String,
    /// Credits already taken back from this order (a negative sum, or zero).
    clawed: i64,
}

/// A refund or dispute, as its event states it.
#[derive(Debug, Clone)]
pub struct Reversal {
    /// Creem's `ref_…` or `disp_…`: the clawback is unique on it.
    pub id: String,
    pub order_id: Option<String>,
    pub transaction_id: Option<String>,
    pub amount_cents: i64,
    pub currency: String,
}

/// How a refund or dispute was booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClawedBack {
    /// Credits were taken back by this event.
    Taken(i64),
    /// Nothing (more) to take: a duplicate delivery, or the order is already fully taken back.
    Nothing,
    /// No credited purchase matches (unknown order, a mismatch, or a deleted account).
    NoPurchase,
}

/// Takes back the part of the order's credits this refund or dispute stands for (rounded up,
/// never more than what is left of the order), once per event. The balance may go below zero:
/// only a clawback can do that.
pub async fn claw_back<P: Platform>(platform: &P, reversal: &Reversal) -> ApiResult<ClawedBack> {
    let (column, value) = match (&reversal.order_id, &reversal.transaction_id) {
        (Some(order), _) => ("order_id", order.as_str()),
        (None, Some(transaction)) => ("transaction_id", transaction.as_str()),
        (None, None) => return Ok(ClawedBack::NoPurchase),
    };
    // A concurrent clawback of the same order changes what is left: read, then write only if
    // nothing changed in between, and read again if it did.
    for _ in 0..5 {
        let rows = platform
            .query(
                Statement::new(format!(
                    "SELECT p.order_id, p.account_id, p.credits, p.amount_cents, p.currency,
                            COALESCE((SELECT SUM(l.amount) FROM credit_ledger l
                                      WHERE l.order_id = p.order_id AND l.kind = 'clawback'), 0) AS clawed
                     FROM purchases p JOIN accounts a ON a.id = p.account_id
                     WHERE p.{column} = ? AND p.status = 'credited' AND a.deleted_at IS NULL"
                ))
                .bind(value),
            )
            .await?;
        let Some(purchase) = rows_as::<PurchaseRow>(rows)?.into_iter().next() else {
            return Ok(ClawedBack::NoPurchase);
        };
        let left = purchase.credits + purchase.clawed;
        let share = if purchase.amount_cents > 0 {
            // Rounded up: a partial refund of money never leaves a fraction of a credit behind.
            (purchase.credits * reversal.amount_cents.max(0) + purchase.amount_cents - 1)
                / purchase.amount_cents
        } else {
            purchase.credits
        };
        let take = share.min(left);
        if take <= 0 {
            return Ok(ClawedBack::Nothing);
        }
        let currency = if reversal.currency.is_empty() {
            purchase.currency.clone()
        } else {
            reversal.currency.to_ascii_uppercase()
        };
        let clawback = NewEntry {
            id: random_id(platform)?,
            account_id: purchase.account_id.as_str(),
            amount: -take,
            kind: LedgerKind::Clawback,
            reference: format!("clawback:{}", reversal.id),
            paid: Some((reversal.amount_cents, &currency)),
            order_id: Some(&purchase.order_id),
            created_at: platform.now_ms(),
        };
        let guard = format!(
            "COALESCE((SELECT SUM(amount) FROM credit_ledger WHERE order_id = ? AND kind = 'clawback'), 0) = ?
             AND {ACCOUNT_LIVE}"
        );
        let changed = platform
            .batch(
                clawback.statements(
                    clawback
                        .insert_if(&guard)
                        .bind(purchase.order_id.as_str())
                        .bind(purchase.clawed)
                        .bind(purchase.account_id.as_str()),
                ),
            )
            .await?;
        if changed.first() == Some(&1) {
            return Ok(ClawedBack::Taken(take));
        }
        if already_booked(platform, &clawback.reference).await? {
            return Ok(ClawedBack::Nothing);
        }
    }
    Err(crate::error::ApiError::internal(
        "a clawback kept losing to concurrent ones",
    ))
}

async fn already_booked<P: Platform>(platform: &P, reference: &str) -> ApiResult<bool> {
    let rows = platform
        .query(Statement::new("SELECT id FROM credit_ledger WHERE reference = ?").bind(reference))
        .await?;
    Ok(!rows.is_empty())
}
