//! Conversations: create, list (newest activity first, keyset-paged), rename, delete.

use atelier_api::ErrorCode;
use atelier_api::conversations::{
    CONVERSATION_PAGE_SIZE, Conversation, ConversationPage, NewConversation, RenameConversation,
    UNTITLED,
};
use atelier_api::sync::SyncKind;
use axum::Json;
use axum::extract::State;

use crate::query::ApiQuery;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::auth::session::Authenticated;
use crate::crypto::random_id;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::paging::Cursor;
use crate::path::ApiPath;
use crate::platform::{BlobKey, MAX_DELETE_KEYS, Platform, Statement, rows_as};
use crate::sync::log;

#[derive(Deserialize)]
struct Row {
    id: String,
    title: String,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for Conversation {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            title: r.title,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, title, created_at, updated_at";

/// Trims a title; refuses empty, overlong or control characters.
pub fn clean_title(raw: &str) -> ApiResult<String> {
    let title = raw.trim();
    let max = atelier_api::limits::LIMITS.max_title_chars as usize;
    if title.is_empty() || title.chars().count() > max || title.chars().any(char::is_control) {
        return Err(ApiError::new(
            ErrorCode::InvalidTitle,
            format!("a title has 1 to {max} characters, none of them control characters"),
        ));
    }
    Ok(title.to_owned())
}

/// The title a first prompt gives a conversation: its first line, cut at the title limit.
pub fn title_from_prompt(prompt: &str) -> String {
    let max = atelier_api::limits::LIMITS.max_title_chars as usize;
    let line = prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(UNTITLED);
    let clean: String = line.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() <= max {
        clean
    } else {
        format!("{}…", clean.chars().take(max - 1).collect::<String>())
    }
}

/// A conversation id is 32 hex characters; anything else cannot name one.
fn check_id(id: &str) -> ApiResult<()> {
    if crate::path::is_id(id) {
        Ok(())
    } else {
        Err(not_found())
    }
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such conversation")
}

/// The owner's conversation, or `not_found` (also for someone else's: no existence leaks).
pub async fn owned<P: Platform>(
    platform: &P,
    account_id: &str,
    id: &str,
) -> ApiResult<Conversation> {
    check_id(id)?;
    let rows = platform
        .query(
            Statement::new(format!(
                "SELECT {COLUMNS} FROM conversations WHERE id = ? AND account_id = ?"
            ))
            .bind(id)
            .bind(account_id),
        )
        .await?;
    rows_as::<Row>(rows)?
        .into_iter()
        .next()
        .map(Into::into)
        .ok_or_else(not_found)
}

pub async fn create<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiJson(request): ApiJson<NewConversation>,
) -> ApiResult<(StatusCode, Json<Conversation>)> {
    let (title, untitled) = match request.title.as_deref() {
        Some(t) => (clean_title(t)?, 0),
        None => (UNTITLED.to_owned(), 1),
    };
    let id = random_id(&platform)?;
    let now = platform.now_ms();
    let mut batch = vec![
        Statement::new("INSERT INTO conversations (id, account_id, title, untitled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(id.clone())
            .bind(auth.account.id.as_str())
            .bind(title.clone())
            .bind(untitled)
            .bind(now)
            .bind(now),
    ];
    batch.extend(log::changed(
        &auth.account.id,
        SyncKind::Conversation,
        &id,
        now,
    ));
    platform.batch(batch).await?;
    Ok((
        StatusCode::CREATED,
        Json(Conversation {
            id,
            title,
            created_at: now,
            updated_at: now,
        }),
    ))
}

#[derive(Deserialize)]
pub struct ListQuery {
    cursor: Option<String>,
}

pub async fn list<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<ConversationPage>> {
    let after = query.cursor.as_deref().map(Cursor::parse).transpose()?;
    let statement = match after {
        None => Statement::new(format!(
            "SELECT {COLUMNS} FROM conversations WHERE account_id = ? ORDER BY updated_at DESC, id DESC LIMIT ?"
        ))
        .bind(auth.account.id.as_str()),
        Some(c) => Statement::new(format!(
            "SELECT {COLUMNS} FROM conversations WHERE account_id = ?
             AND (updated_at < ? OR (updated_at = ? AND id < ?)) ORDER BY updated_at DESC, id DESC LIMIT ?"
        ))
        .bind(auth.account.id.as_str())
        .bind(c.time)
        .bind(c.time)
        .bind(c.id),
    };
    let rows = platform
        .query(statement.bind(i64::from(CONVERSATION_PAGE_SIZE) + 1))
        .await?;
    let mut conversations: Vec<Conversation> =
        rows_as::<Row>(rows)?.into_iter().map(Into::into).collect();
    let more = conversations.len() > CONVERSATION_PAGE_SIZE as usize;
    conversations.truncate(CONVERSATION_PAGE_SIZE as usize);
    let next_cursor = if more {
        conversations.last().map(|c| {
            Cursor {
                time: c.updated_at,
                id: c.id.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Json(ConversationPage {
        conversations,
        next_cursor,
    }))
}

pub async fn rename<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<RenameConversation>,
) -> ApiResult<Json<Conversation>> {
    let title = clean_title(&request.title)?;
    let mut conversation = owned(&platform, &auth.account.id, &id).await?;
    let now = platform.now_ms();
    let mut batch = vec![
        Statement::new("UPDATE conversations SET title = ?, untitled = 0, updated_at = ? WHERE id = ? AND account_id = ?")
            .bind(title.clone())
            .bind(now)
            .bind(id.as_str())
            .bind(auth.account.id.as_str()),
    ];
    batch.extend(log::changed(
        &auth.account.id,
        SyncKind::Conversation,
        &id,
        now,
    ));
    platform.batch(batch).await?;
    conversation.title = title;
    conversation.updated_at = now;
    Ok(Json(conversation))
}

pub async fn delete<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    owned(&platform, &auth.account.id, &id).await?;
    // The images' bytes first: if the blob store fails, nothing is deleted and a retry finishes
    // the job; once the rows are gone, nothing would point at the bytes any more.
    #[derive(Deserialize)]
    struct Keys {
        original_key: String,
        thumbnail_key: String,
    }
    let rows = platform
        .query(
            Statement::new(
                "SELECT i.original_key, i.thumbnail_key FROM images i JOIN generations g ON g.id = i.generation_id
                 WHERE g.conversation_id = ? AND g.account_id = ?",
            )
            .bind(id.as_str())
            .bind(auth.account.id.as_str()),
        )
        .await?;
    let mut keys = Vec::new();
    for k in rows_as::<Keys>(rows)? {
        keys.push(BlobKey::new(k.original_key)?);
        keys.push(BlobKey::new(k.thumbnail_key)?);
    }
    for chunk in keys.chunks(MAX_DELETE_KEYS) {
        platform.blob_delete(chunk).await?;
    }
    // Generations, their tasks and images go with the conversation (ON DELETE CASCADE); its
    // tombstone stands for all of them in the sync log.
    let mut batch = vec![
        log::forget_children(&auth.account.id, &id),
        Statement::new("DELETE FROM conversations WHERE id = ? AND account_id = ?")
            .bind(id.as_str())
            .bind(auth.account.id.as_str()),
    ];
    batch.extend(log::deleted(
        &auth.account.id,
        SyncKind::Conversation,
        &id,
        platform.now_ms(),
    ));
    platform.batch(batch).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_from_the_first_non_blank_line_and_are_bounded() {
        assert_eq!(title_from_prompt("\n  a red fox \nin snow"), "a red fox");
        let long = "猫".repeat(500);
        let t = title_from_prompt(&long);
        assert_eq!(t.chars().count(), 200);
        assert!(t.ends_with('…'));
    }

    #[test]
    fn titles_are_checked() {
        assert!(clean_title("  ").is_err());
        assert!(clean_title("a\tb").is_err());
        assert_eq!(clean_title(" Trip ").unwrap(), "Trip");
    }
}
