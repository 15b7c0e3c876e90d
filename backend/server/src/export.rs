//! `GET /v1/me/export`: everything the service holds about the signed-in person, as one JSON
//! document. Each table is read oldest first in keyset pages, so no statement grows with the
//! account (a Worker's memory and D1's row limits hold however much there is).

use crate::uploads::rows::UploadRow;
use atelier_api::conversations::Conversation;
use atelier_api::credits::LedgerEntry;
use atelier_api::export::{
    AccountEvent, CreditsExport, DataExport, EmailChangeRecord, GenerationExport, SignInRecord,
    TechnicalData,
};
use atelier_api::sync::ImageRecord;
use atelier_api::uploads::Upload;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::auth::account::AccountRow;
use crate::auth::session::Authenticated;
use crate::credits::{ENTRY_COLUMNS, EntryRow};
use crate::error::ApiResult;
use crate::generations::record::{self, GenerationRow};
use crate::generations::record::{IMAGE_SELECT, ImageRecordRow, sync_record};
use crate::platform::{Platform, Statement, rows_as};

/// Rows per statement. A page of generations also names its images in one `IN (…)` list, and
/// D1 binds at most 100 parameters.
const PAGE: usize = 90;

/// A row's place in `ORDER BY created_at, id`.
trait Keyed {
    fn key(&self) -> (i64, &str);
}

#[derive(Deserialize)]
struct SignInRow {
    id: String,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: i64,
    event: String,
    previous_email: Option<String>,
    new_email: Option<String>,
}

impl From<SignInRow> for SignInRecord {
    fn from(row: SignInRow) -> Self {
        let email_change = match (row.event.as_str(), row.previous_email, row.new_email) {
            ("email_change", Some(from), Some(to)) => Some(EmailChangeRecord { from, to }),
            _ => None,
        };
        Self {
            ip: row.ip,
            user_agent: row.user_agent,
            created_at: row.created_at,
            event: if email_change.is_some() {
                AccountEvent::EmailChange
            } else {
                AccountEvent::SignIn
            },
            email_change,
        }
    }
}

impl Keyed for SignInRow {
    fn key(&self) -> (i64, &str) {
        (self.created_at, &self.id)
    }
}

impl Keyed for EntryRow {
    fn key(&self) -> (i64, &str) {
        (self.created_at, &self.id)
    }
}

impl Keyed for Conversation {
    fn key(&self) -> (i64, &str) {
        (self.created_at, &self.id)
    }
}

impl Keyed for UploadRow {
    fn key(&self) -> (i64, &str) {
        (self.created_at, &self.id)
    }
}

impl Keyed for GenerationRow {
    fn key(&self) -> (i64, &str) {
        (self.created_at, &self.id)
    }
}

/// Reads `select` (`SELECT … FROM <table>`) for one account page by page, oldest first.
struct Pages<'a, T> {
    select: &'a str,
    account_id: &'a str,
    after: Option<(i64, String)>,
    done: bool,
    rows: std::marker::PhantomData<T>,
}

impl<'a, T: DeserializeOwned + Keyed> Pages<'a, T> {
    fn new(select: &'a str, account_id: &'a str) -> Self {
        Self {
            select,
            account_id,
            after: None,
            done: false,
            rows: std::marker::PhantomData,
        }
    }

    /// The next page, or `None` after the last.
    async fn next<P: Platform>(&mut self, platform: &P) -> ApiResult<Option<Vec<T>>> {
        if self.done {
            return Ok(None);
        }
        let (select, account_id) = (self.select, self.account_id);
        let statement = match &self.after {
            None => Statement::new(format!(
                "{select} WHERE account_id = ? ORDER BY created_at, id LIMIT ?"
            ))
            .bind(account_id),
            Some((time, id)) => Statement::new(format!(
                "{select} WHERE account_id = ? AND (created_at > ? OR (created_at = ? AND id > ?))
                 ORDER BY created_at, id LIMIT ?"
            ))
            .bind(account_id)
            .bind(*time)
            .bind(*time)
            .bind(id.as_str()),
        };
        let page: Vec<T> = rows_as(platform.query(statement.bind(PAGE as i64)).await?)?;
        self.done = page.len() < PAGE;
        self.after = page.last().map(|r| {
            let (time, id) = r.key();
            (time, id.to_owned())
        });
        Ok(Some(page))
    }
}

/// Every row of `select` for the account, oldest first.
async fn all<P: Platform, T: DeserializeOwned + Keyed>(
    platform: &P,
    select: &str,
    account_id: &str,
) -> ApiResult<Vec<T>> {
    let mut pages = Pages::new(select, account_id);
    let mut out = Vec::new();
    while let Some(page) = pages.next(platform).await? {
        out.extend(page);
    }
    Ok(out)
}

/// The generations with their images: one statement for the images of each page.
async fn generations<P: Platform>(
    platform: &P,
    account_id: &str,
) -> ApiResult<Vec<GenerationExport>> {
    let select = format!("SELECT {} FROM generations", record::COLUMNS);
    let mut pages = Pages::<GenerationRow>::new(&select, account_id);
    let mut out = Vec::new();
    while let Some(page) = pages.next(platform).await? {
        if page.is_empty() {
            continue;
        }
        let list = vec!["?"; page.len()].join(", ");
        let mut statement = Statement::new(format!(
            "{IMAGE_SELECT} WHERE i.account_id = ? AND i.generation_id IN ({list})
             ORDER BY i.generation_id, i.idx"
        ))
        .bind(account_id);
        for row in &page {
            statement = statement.bind(row.id.as_str());
        }
        let mut images: Vec<ImageRecord> =
            rows_as::<ImageRecordRow>(platform.query(statement).await?)?
                .into_iter()
                .map(ImageRecord::from)
                .collect();
        for row in page {
            let (mine, rest) = images.into_iter().partition(|i| i.generation_id == row.id);
            images = rest;
            out.push(GenerationExport {
                generation: sync_record(row),
                images: mine,
            });
        }
    }
    Ok(out)
}

/// The whole export of one account.
pub async fn collect<P: Platform>(platform: &P, account: &AccountRow) -> ApiResult<DataExport> {
    let account_id = account.id.as_str();
    let exported_at = platform.now_ms();
    let sign_ins: Vec<SignInRow> = all(
        platform,
        "SELECT id, ip, user_agent, created_at, event, previous_email, new_email FROM sign_ins",
        account_id,
    )
    .await?;
    let ledger: Vec<EntryRow> = all(
        platform,
        &format!("SELECT {ENTRY_COLUMNS} FROM credit_ledger"),
        account_id,
    )
    .await?;
    let conversations: Vec<Conversation> = all(
        platform,
        "SELECT id, title, created_at, updated_at FROM conversations",
        account_id,
    )
    .await?;
    let generations = generations(platform, account_id).await?;
    let uploads: Vec<UploadRow> = all(
        platform,
        &format!("SELECT {} FROM uploads", crate::uploads::rows::COLUMNS),
        account_id,
    )
    .await?;
    let ledger: Vec<LedgerEntry> = ledger.into_iter().map(LedgerEntry::from).collect();
    Ok(DataExport {
        exported_at,
        account: account.to_user(),
        technical: TechnicalData {
            sign_ins: sign_ins.into_iter().map(SignInRecord::from).collect(),
        },
        credits: CreditsExport {
            // The sum of the ledger as read, not a second query that might see a newer entry.
            balance: ledger.iter().map(|e| e.amount).sum(),
            ledger,
        },
        conversations,
        generations,
        uploads: uploads.into_iter().map(Upload::from).collect(),
    })
}

/// `GET /v1/me/export`.
pub async fn export<P: Platform>(
    State(platform): State<P>,
    auth: Authenticated,
) -> ApiResult<Json<DataExport>> {
    Ok(Json(collect(&platform, &auth.account).await?))
}
