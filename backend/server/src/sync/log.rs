//! Statements that record a change in the sync log. Each pair goes into the same batch as the
//! write it describes, after it, and is guarded by that write's effect: a conditional write that
//! did nothing records nothing and takes no number.
//!
//! Sequence numbers come from the account's counter (`accounts.sync_seq`), so a number is never
//! handed out twice, whatever is later pruned or forgotten. (Triggers would do this without help
//! from the write sites, but `wrangler d1 migrations apply --remote` splits trigger bodies apart;
//! plain statements are what D1 accepts everywhere.)

use atelier_api::sync::SyncKind;

use crate::platform::{SqlValue, Statement};

/// The statement that takes the next number: the one place `accounts.sync_seq` moves. Its guard
/// follows; ?1 is the account.
const ADVANCE: &str =
    "UPDATE accounts SET sync_seq = sync_seq + 1 WHERE id = ?1 AND ?3 IS NOT NULL AND ";

fn table(kind: SyncKind) -> &'static str {
    match kind {
        SyncKind::Conversation => "conversations",
        SyncKind::Generation => "generations",
        SyncKind::Image => "images",
        SyncKind::Credit => "credit_ledger",
        SyncKind::Upload => "uploads",
    }
}

/// The column a write sets to `now`: ledger entries and uploads are written once and never updated.
fn stamp(kind: SyncKind) -> &'static str {
    match kind {
        SyncKind::Credit | SyncKind::Upload => "created_at",
        _ => "updated_at",
    }
}

/// Takes the next number, then writes the change at it; both only when the guard holds. Both
/// statements number their parameters alike: ?1 the account, ?2 the record's id, ?3 the time
/// (named in the UPDATE even where its guard does not use it, so every guard binds the same three).
fn record(
    account_id: &str,
    kind: SyncKind,
    id: &str,
    deleted: bool,
    now: i64,
    guard: &str,
) -> [Statement; 2] {
    let common = |s: Statement| s.bind(account_id).bind(id).bind(now);
    [
        common(Statement::new(format!("{ADVANCE}{guard}"))),
        common(Statement::new(format!(
            "INSERT INTO sync_changes (account_id, kind, entity_id, seq, deleted, changed_at)
             SELECT ?1, ?4, ?2, (SELECT sync_seq FROM accounts WHERE id = ?1), ?5, ?3 WHERE {guard}
             ON CONFLICT (account_id, kind, entity_id)
             DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted, changed_at = excluded.changed_at"
        )))
        .bind(kind.as_str())
        .bind(i64::from(deleted)),
    ]
}

/// The accounts whose log a committed batch moved forward: those whose numbering statement
/// changed a row (`changed` holds rows changed per statement, as `Sql::batch` returns them). A
/// runtime that can wake held `GET /v1/sync` requests calls this after each commit.
pub fn advanced<'a>(
    statements: &'a [Statement],
    changed: &'a [u64],
) -> impl Iterator<Item = &'a str> + 'a {
    statements
        .iter()
        .zip(changed)
        .filter(|(statement, rows)| **rows > 0 && statement.sql.starts_with(ADVANCE))
        .filter_map(|(statement, _)| match statement.params.first() {
            Some(SqlValue::Text(account_id)) => Some(account_id.as_str()),
            _ => None,
        })
}

/// The record was created or updated by this batch: its row carries `updated_at = now`
/// (`created_at` for a ledger entry).
pub fn changed(account_id: &str, kind: SyncKind, id: &str, now: i64) -> [Statement; 2] {
    let guard = format!(
        "EXISTS (SELECT 1 FROM {} WHERE id = ?2 AND account_id = ?1 AND {} = ?3)",
        table(kind),
        stamp(kind)
    );
    record(account_id, kind, id, false, now, &guard)
}

/// The record was deleted by this batch: a tombstone, once the row is gone.
pub fn deleted(account_id: &str, kind: SyncKind, id: &str, now: i64) -> [Statement; 2] {
    let guard = format!("NOT EXISTS (SELECT 1 FROM {} WHERE id = ?2)", table(kind));
    record(account_id, kind, id, true, now, &guard)
}

/// Before a conversation is deleted: its generations' and images' rows leave the log, because
/// the conversation's tombstone stands for them (a device deletes them with it).
pub fn forget_children(account_id: &str, conversation_id: &str) -> Statement {
    Statement::new(
        "DELETE FROM sync_changes WHERE account_id = ?1 AND (
           (kind = 'generation' AND entity_id IN (SELECT id FROM generations WHERE conversation_id = ?2 AND account_id = ?1))
           OR (kind = 'image' AND entity_id IN (SELECT i.id FROM images i JOIN generations g ON g.id = i.generation_id
                                               WHERE g.conversation_id = ?2 AND g.account_id = ?1)))",
    )
    .bind(account_id)
    .bind(conversation_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_advanced_the_accounts_whose_numbering_changed_a_row() {
        let mut batch =
            vec![Statement::new("UPDATE images SET favourite = 1 WHERE id = ?").bind("i1")];
        batch.extend(changed("acct-a", SyncKind::Image, "i1", 5));
        batch.extend(deleted("acct-b", SyncKind::Image, "i2", 5));
        batch.extend(changed("acct-c", SyncKind::Image, "i3", 5));
        // acct-c's guard did not hold: its write changed nothing, so nothing was numbered.
        let rows = [1, 1, 1, 1, 1, 0, 0];
        assert_eq!(
            advanced(&batch, &rows).collect::<Vec<_>>(),
            ["acct-a", "acct-b"]
        );
        assert_eq!(advanced(&batch, &[]).count(), 0);
    }
}
