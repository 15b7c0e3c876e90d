//! `GET /v1/me/export`: everything the service holds about the signed-in person, as one JSON
//! document (the right of access and to portability). The desktop writes it into its export zip
//! beside the image files. Lists run oldest first; times are milliseconds since the Unix epoch.

use serde::{Deserialize, Serialize};

use crate::auth::User;
use crate::conversations::Conversation;
use crate::credits::LedgerEntry;
use crate::sync::{GenerationRecord, ImageRecord};
use crate::uploads::Upload;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataExport {
    /// When the service read this data.
    pub exported_at: i64,
    /// Email, authentication provider, sign-up date (`created_at`), display name.
    pub account: User,
    pub technical: TechnicalData,
    pub credits: CreditsExport,
    pub conversations: Vec<Conversation>,
    pub generations: Vec<GenerationExport>,
    /// The images the person uploaded (their bytes: `GET /v1/uploads/{id}/original`).
    #[serde(default)]
    pub uploads: Vec<Upload>,
}

/// The technical data the service keeps about the person: the IP address, user agent and time
/// of every sign-in and of every change of the account's email (with the addresses before and
/// after). (Rate-limit counters hold only a keyed hash of an IP and expire on their own.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TechnicalData {
    pub sign_ins: Vec<SignInRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRecord {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: i64,
    /// A sign-in, or the confirmation of a new email (older exports have no `event`: sign-ins).
    #[serde(default)]
    pub event: AccountEvent,
    /// For [`AccountEvent::EmailChange`]: the address before and after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_change: Option<EmailChangeRecord>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountEvent {
    #[default]
    SignIn,
    EmailChange,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailChangeRecord {
    pub from: String,
    pub to: String,
}

/// The balance and the whole ledger it is the sum of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditsExport {
    pub balance: i64,
    pub ledger: Vec<LedgerEntry>,
}

/// A generation (prompt, model, parameters, status, times) with its stored images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerationExport {
    #[serde(flatten)]
    pub generation: GenerationRecord,
    /// In their order within the generation.
    pub images: Vec<ImageRecord>,
}
