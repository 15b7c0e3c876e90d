//! Step 4 of `POST /v1/generations`: debit and record in one atomic batch that writes nothing
//! unless the balance covers the cost and no request with the same idempotency key got there
//! first. The generation, its debit (unique by its cause, `generation:<id>`), its pending tasks
//! and their sync-log entries land together or not at all.

use atelier_api::credits::LedgerKind;
use atelier_api::sync::SyncKind;

use super::rows::{GenerationInsert, TaskInsert, TaskPhase};
use crate::conversations::title_from_prompt;
use crate::credits::entries::NewEntry;
use crate::crypto::random_id;
use crate::error::ApiResult;
use crate::platform::{Platform, Statement};
use crate::sync::log;

/// A validated, screened request, ready to be paid for.
pub struct Charge<'a> {
    pub account_id: &'a str,
    pub idempotency_key: &'a str,
    pub generation_id: &'a str,
    /// The owner's conversation it continues; `None` starts a new one.
    pub conversation_id: Option<&'a str>,
    /// What names a new conversation: the prompt, or a tool's name.
    pub title_source: &'a str,
    pub prompt: &'a str,
    pub model: &'a str,
    pub aspect_ratio: &'a str,
    pub count: u32,
    pub cost_per_image: u32,
    /// The checked input ids, as stored (`inputs::check`).
    pub input_images: String,
}

impl Charge<'_> {
    pub fn cost(&self) -> i64 {
        i64::from(self.cost_per_image) * i64::from(self.count)
    }

    /// Runs the batch; `true` when this request recorded (and paid for) the generation, `false`
    /// when it wrote nothing (the balance was short, or the same key won concurrently).
    pub async fn record<P: Platform>(&self, platform: &P) -> ApiResult<bool> {
        let now = platform.now_ms();
        let cost = self.cost();
        let account = self.account_id;
        let key = self.idempotency_key;
        let generation_id = self.generation_id;
        let proceeds = |s: Statement| s.bind(account).bind(cost).bind(account).bind(key);
        const PROCEEDS: &str =
            "(SELECT COALESCE(SUM(amount), 0) FROM credit_ledger WHERE account_id = ?) >= ?
            AND NOT EXISTS (SELECT 1 FROM generations WHERE account_id = ? AND idempotency_key = ?)";
        let title = title_from_prompt(self.title_source);
        let mut batch = Vec::new();
        let conversation_id = match self.conversation_id {
            Some(existing) => {
                batch.push(proceeds(
                    Statement::new(format!(
                        "UPDATE conversations SET updated_at = ?, title = CASE WHEN untitled = 1 THEN ? ELSE title END, untitled = 0
                         WHERE id = ? AND account_id = ? AND {PROCEEDS}"
                    ))
                    .bind(now)
                    .bind(title)
                    .bind(existing)
                    .bind(account),
                ));
                existing.to_owned()
            }
            None => {
                let id = random_id(platform)?;
                batch.push(proceeds(
                    Statement::new(format!(
                        "INSERT INTO conversations (id, account_id, title, untitled, created_at, updated_at)
                         SELECT ?, ?, ?, 0, ?, ? WHERE {PROCEEDS}"
                    ))
                    .bind(id.clone())
                    .bind(account)
                    .bind(title)
                    .bind(now)
                    .bind(now),
                ));
                id
            }
        };
        let generation_index = batch.len();
        batch.push(
            GenerationInsert {
                id: generation_id,
                account_id: account,
                conversation_id: &conversation_id,
                idempotency_key: key,
                prompt: self.prompt,
                model: self.model,
                aspect_ratio: self.aspect_ratio,
                count: i64::from(self.count),
                cost_per_image: i64::from(self.cost_per_image),
                input_images: &self.input_images,
                status: "queued",
                created_at: now,
            }
            // Only while the balance covers it, and once per key (a repeat finds the first).
            .insert_where(
                "(SELECT COALESCE(SUM(amount), 0) FROM credit_ledger WHERE account_id = ?) >= ?
                 ON CONFLICT (account_id, idempotency_key) DO NOTHING",
            )
            .bind(account)
            .bind(cost),
        );
        let debit = NewEntry {
            id: random_id(platform)?,
            account_id: account,
            amount: -cost,
            kind: LedgerKind::Debit,
            reference: format!("generation:{generation_id}"),
            paid: None,
            order_id: None,
            created_at: now,
        };
        batch.extend(
            debit.statements(
                debit
                    .insert_if("EXISTS (SELECT 1 FROM generations WHERE id = ?)")
                    .bind(generation_id),
            ),
        );
        for idx in 0..i64::from(self.count) {
            batch.push(
                TaskInsert {
                    generation_id,
                    idx,
                    kie_task_id: None,
                    callback_secret_hash: "",
                    state: TaskPhase::Pending,
                    next_poll_at: now,
                    updated_at: now,
                }
                .insert_where("EXISTS (SELECT 1 FROM generations WHERE id = ?)")
                .bind(generation_id),
            );
        }
        batch.extend(log::changed(
            account,
            SyncKind::Conversation,
            &conversation_id,
            now,
        ));
        batch.extend(log::changed(
            account,
            SyncKind::Generation,
            generation_id,
            now,
        ));
        let changed = platform.batch(batch).await?;
        Ok(changed.get(generation_index) == Some(&1))
    }
}
