//! `GET /v1/sync?cursor=&limit=&wait=`: the changes after the cursor, in sequence order,
//! keyset-paged; with `wait`, held while there are none ([`super::live`]).

use std::collections::HashMap;
use std::time::Duration;

use atelier_api::ErrorCode;
use atelier_api::conversations::Conversation;
use atelier_api::sync::{
    CreditRecord, SYNC_PAGE_DEFAULT, SYNC_PAGE_MAX, SYNC_WAIT_MAX_SECONDS, SyncChange, SyncKind,
    SyncPage, SyncRecord,
};
use axum::Json;
use axum::extract::State;

use crate::query::ApiQuery;
use serde::Deserialize;

use crate::auth::account::AccountRow;
use crate::auth::session::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::generations::record::{self, GenerationRow, IMAGE_SELECT, ImageRecordRow};
use crate::platform::{Platform, Statement, rows_as};

#[derive(Deserialize)]
pub struct SyncQuery {
    cursor: Option<String>,
    limit: Option<String>,
    wait: Option<String>,
}

#[derive(Deserialize)]
struct LogRow {
    kind: String,
    entity_id: String,
    seq: i64,
    deleted: i64,
}

#[derive(Deserialize)]
pub(super) struct Bounds {
    /// The highest tombstone number pruned.
    sync_floor: i64,
    /// The highest number handed out.
    pub(super) sync_seq: i64,
}

impl Bounds {
    fn of(account: &AccountRow) -> Self {
        Self {
            sync_floor: account.sync_floor,
            sync_seq: account.sync_seq,
        }
    }
}

/// The account's floor and newest number: one row by primary key.
pub(super) async fn bounds<P: Platform>(platform: &P, account_id: &str) -> ApiResult<Bounds> {
    let rows = platform
        .query(
            Statement::new("SELECT sync_floor, sync_seq FROM accounts WHERE id = ?")
                .bind(account_id),
        )
        .await?;
    rows_as::<Bounds>(rows)?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, "this account no longer exists"))
}

/// Where a device stands: the last sequence number it holds, and the account's floor when it
/// began from zero. Tombstones pruned before it began concern records it never had; one pruned
/// since, above its position, may be a deletion it missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct SyncCursor {
    seq: i64,
    floor_seen: i64,
}

impl SyncCursor {
    fn encode(self) -> String {
        format!("{}.{}", self.seq, self.floor_seen)
    }

    fn parse(raw: Option<&str>) -> ApiResult<Option<Self>> {
        let Some(raw) = raw.filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        let number = |s: &str| {
            s.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        };
        raw.split_once('.')
            .and_then(|(seq, floor)| {
                Some(Self {
                    seq: number(seq)?,
                    floor_seen: number(floor)?,
                })
            })
            .map(Some)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidCursor,
                    "this cursor was not handed out by the service",
                )
            })
    }
}

fn parse_limit(raw: Option<&str>) -> ApiResult<i64> {
    match raw {
        None => Ok(i64::from(SYNC_PAGE_DEFAULT)),
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=SYNC_PAGE_MAX).contains(l))
            .map(i64::from)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::BadRequest,
                    format!("limit is a whole number from 1 to {SYNC_PAGE_MAX}"),
                )
            }),
    }
}

/// How long to hold a request with nothing after its cursor: none unless asked.
fn parse_wait(raw: Option<&str>) -> ApiResult<Duration> {
    match raw {
        None => Ok(Duration::ZERO),
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|s| *s <= SYNC_WAIT_MAX_SECONDS)
            .map(|s| Duration::from_secs(u64::from(s)))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::BadRequest,
                    format!("wait is a whole number of seconds from 0 to {SYNC_WAIT_MAX_SECONDS}"),
                )
            }),
    }
}

/// Refuses a cursor the log cannot continue from.
fn check_position(cursor: SyncCursor, bounds: &Bounds) -> ApiResult<()> {
    // A deletion pruned since the device began, above where it stands, may be one it missed;
    // a position beyond the log belongs to some other history. Either way: start again.
    let missed = bounds.sync_floor > cursor.floor_seen && cursor.seq < bounds.sync_floor;
    if missed || cursor.seq > bounds.sync_seq {
        return Err(ApiError::new(
            ErrorCode::ResetRequired,
            "this device's copy is too old to update; sync again from the beginning",
        ));
    }
    Ok(())
}

pub async fn pull<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<SyncQuery>,
) -> ApiResult<Json<SyncPage>> {
    let account_id = auth.account.id.as_str();
    let cursor = SyncCursor::parse(query.cursor.as_deref())?;
    let limit = parse_limit(query.limit.as_deref())?;
    let wait = parse_wait(query.wait.as_deref())?;
    // The session's own read of the account carries its bounds: no second read of the row.
    let mut bounds = Bounds::of(&auth.account);
    let cursor = cursor.unwrap_or(SyncCursor {
        seq: 0,
        floor_seen: bounds.sync_floor,
    });
    check_position(cursor, &bounds)?;
    // Nothing after the cursor and the device is willing to wait: hold the request until there
    // is (its session was checked before; a refused cursor was answered at once above).
    if cursor.seq == bounds.sync_seq && !wait.is_zero() {
        bounds = super::live::wait_past(&platform, account_id, cursor.seq, wait).await?;
        check_position(cursor, &bounds)?;
    }
    if cursor.seq == bounds.sync_seq {
        // Still nothing after it: the same place back, without reading the log (the quiet pull
        // every device makes, one query instead of two).
        return Ok(Json(SyncPage {
            changes: Vec::new(),
            next_cursor: SyncCursor {
                seq: cursor.seq,
                floor_seen: cursor.floor_seen.max(bounds.sync_floor),
            }
            .encode(),
            has_more: false,
        }));
    }
    let rows = platform
        .query(
            Statement::new(
                "SELECT kind, entity_id, seq, deleted FROM sync_changes WHERE account_id = ? AND seq > ?
                 ORDER BY seq LIMIT ?",
            )
            .bind(account_id)
            .bind(cursor.seq)
            .bind(limit + 1),
        )
        .await?;
    let mut log = rows_as::<LogRow>(rows)?;
    let has_more = log.len() as i64 > limit;
    log.truncate(limit as usize);
    // On the last page the device has everything up to the newest number handed out (pruned
    // and forgotten numbers included), so it stands there.
    let seq = if has_more {
        log.last().map_or(cursor.seq, |r| r.seq)
    } else {
        bounds.sync_seq
    };
    let next_cursor = SyncCursor {
        seq,
        // Not `missed`: every tombstone pruned so far is one the device saw or never needed.
        floor_seen: cursor.floor_seen.max(bounds.sync_floor),
    }
    .encode();

    // Each kind's records on this page in one statement, whatever their number: the page's
    // stretch of the log, joined to the kind's table.
    let stretch = LogStretch {
        after: cursor.seq,
        through: log.last().map_or(cursor.seq, |r| r.seq),
    };
    let mut kinds: Vec<SyncKind> = log
        .iter()
        .filter(|r| r.deleted == 0)
        .filter_map(|r| SyncKind::parse(&r.kind))
        .collect();
    kinds.sort_by_key(|k| k.as_str());
    kinds.dedup();
    let mut records = HashMap::new();
    for kind in kinds {
        for record in load(&platform, account_id, kind, stretch).await? {
            records.insert((kind, record.id().to_owned()), record);
        }
    }
    let changes = log
        .into_iter()
        .filter_map(|row| {
            let kind = SyncKind::parse(&row.kind)?;
            let seq = row.seq as u64;
            if row.deleted == 1 {
                return Some(SyncChange::Delete {
                    seq,
                    kind,
                    id: row.entity_id,
                });
            }
            // Deleted since the log was read: its tombstone comes on a later page.
            let record = records.remove(&(kind, row.entity_id))?;
            Some(SyncChange::Upsert { seq, record })
        })
        .collect();
    Ok(Json(SyncPage {
        changes,
        next_cursor,
        has_more,
    }))
}

/// The sequence numbers a page covers: after its cursor, through its last change.
#[derive(Clone, Copy)]
struct LogStretch {
    after: i64,
    through: i64,
}

/// The live (not deleted) records of one kind whose changes fall in the stretch. A record changed
/// since the log was read has moved past the stretch and comes on a later page; one deleted since
/// is simply missing here, and its tombstone comes later too.
async fn load<P: Platform>(
    platform: &P,
    account_id: &str,
    kind: SyncKind,
    stretch: LogStretch,
) -> ApiResult<Vec<SyncRecord>> {
    let in_stretch = "SELECT entity_id FROM sync_changes
         WHERE account_id = ?1 AND kind = ?2 AND deleted = 0 AND seq > ?3 AND seq <= ?4";
    let sql = match kind {
        SyncKind::Conversation => format!(
            "SELECT id, title, created_at, updated_at FROM conversations WHERE account_id = ?1 AND id IN ({in_stretch})"
        ),
        SyncKind::Generation => format!(
            "SELECT {} FROM generations WHERE account_id = ?1 AND id IN ({in_stretch})",
            record::COLUMNS
        ),
        SyncKind::Image => {
            format!("{IMAGE_SELECT} WHERE i.account_id = ?1 AND i.id IN ({in_stretch})")
        }
        SyncKind::Credit => format!(
            "SELECT {} FROM credit_ledger WHERE account_id = ?1 AND id IN ({in_stretch})",
            crate::credits::ENTRY_COLUMNS
        ),
        SyncKind::Upload => format!(
            "SELECT {} FROM uploads WHERE account_id = ?1 AND id IN ({in_stretch})",
            crate::uploads::rows::COLUMNS
        ),
    };
    let statement = Statement::new(sql)
        .bind(account_id)
        .bind(kind.as_str())
        .bind(stretch.after)
        .bind(stretch.through);
    let rows = platform.query(statement).await?;
    Ok(match kind {
        SyncKind::Conversation => rows_as::<Conversation>(rows)?
            .into_iter()
            .map(SyncRecord::Conversation)
            .collect(),
        SyncKind::Generation => rows_as::<GenerationRow>(rows)?
            .into_iter()
            .map(|g| SyncRecord::Generation(record::sync_record(g)))
            .collect(),
        SyncKind::Image => rows_as::<ImageRecordRow>(rows)?
            .into_iter()
            .map(|i| SyncRecord::Image(i.into()))
            .collect(),
        SyncKind::Credit => rows_as::<crate::credits::EntryRow>(rows)?
            .into_iter()
            .map(|e| SyncRecord::Credit(CreditRecord { entry: e.into() }))
            .collect(),
        SyncKind::Upload => rows_as::<crate::uploads::rows::UploadRow>(rows)?
            .into_iter()
            .map(|u| SyncRecord::Upload(u.into()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        assert_eq!(SyncCursor::parse(None).unwrap(), None);
        let c = SyncCursor {
            seq: 42,
            floor_seen: 7,
        };
        assert_eq!(SyncCursor::parse(Some(&c.encode())).unwrap(), Some(c));
        for bad in [
            "42",
            "-1.0",
            "+3.0",
            "1.5.0",
            "x.1",
            ".",
            "3.",
            "99999999999999999999.0",
        ] {
            assert!(SyncCursor::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn waits_are_whole_seconds_up_to_the_most() {
        assert_eq!(parse_wait(None).unwrap(), Duration::ZERO);
        assert_eq!(parse_wait(Some("0")).unwrap(), Duration::ZERO);
        assert_eq!(parse_wait(Some("25")).unwrap(), Duration::from_secs(25));
        for bad in ["26", "-1", "1.5", "x", ""] {
            let e = parse_wait(Some(bad)).unwrap_err();
            assert_eq!(e.body.code, ErrorCode::BadRequest, "{bad}");
        }
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(parse_limit(None).unwrap(), 500);
        assert_eq!(parse_limit(Some("1000")).unwrap(), 1000);
        for bad in ["0", "1001", "-5", "ten"] {
            assert!(parse_limit(Some(bad)).is_err(), "{bad}");
        }
    }
}
