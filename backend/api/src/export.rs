//! `GET /v1/me/export`: everything the service holds about the signed-in person, as one JSON
//! document (the right of access and to portability). The desktop writes it into its export zip
//! beside the image files. Lists run oldest first; times are milliseconds since the Unix epoch.

use serde::{Deserialize, Serialize};

use crate::auth::User;
use crate::conversations::Conversation;
use crate::credits::LedgerEntry;
use crate::sync::{GenerationRecord, ImageRecord};

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
}

/// The technical data the service keeps about the person: the IP address, user agent and time
/// of every sign-in. (Rate-limit counters hold only a keyed hash of an IP and expire on their own.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TechnicalData {
    pub sign_ins: Vec<SignInRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRecord {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: i64,
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
