//! What goes where in the export zip: the JSON files cut from the service's export, the README,
//! and one folder of images per conversation.

use std::collections::HashMap;

use atelier_api::auth::User;
use atelier_api::conversations::Conversation;
use atelier_api::export::{DataExport, TechnicalData};
use atelier_api::uploads::Upload;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

pub const ACCOUNT_JSON: &str = "account.json";
pub const CONVERSATIONS_JSON: &str = "conversations.json";
pub const GENERATIONS_JSON: &str = "generations.json";
pub const CREDITS_JSON: &str = "credits.json";
pub const UPLOADS_JSON: &str = "uploads.json";
pub const README_TXT: &str = "README.txt";

/// What each file holds, in English and Chinese.
pub const README: &str = include_str!("README.txt");

/// `account.json`: who the person is to the service, and the technical data it keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFile {
    pub exported_at: i64,
    pub account: User,
    pub technical: TechnicalData,
}

/// The JSON files of the zip, name and pretty-printed bytes, from the service's export.
pub fn json_files(export: &DataExport) -> Result<Vec<(&'static str, Vec<u8>)>, serde_json::Error> {
    let account = AccountFile {
        exported_at: export.exported_at,
        account: export.account.clone(),
        technical: export.technical.clone(),
    };
    Ok(vec![
        (ACCOUNT_JSON, serde_json::to_vec_pretty(&account)?),
        (
            CONVERSATIONS_JSON,
            serde_json::to_vec_pretty(&export.conversations)?,
        ),
        (
            GENERATIONS_JSON,
            serde_json::to_vec_pretty(&export.generations)?,
        ),
        (CREDITS_JSON, serde_json::to_vec_pretty(&export.credits)?),
        (UPLOADS_JSON, serde_json::to_vec_pretty(&export.uploads)?),
    ])
}

/// Where an upload lands in the zip: `uploads/<id>.<png|jpg|webp>`, its bytes as uploaded.
pub fn upload_path(upload: &Upload) -> String {
    let extension = match upload.content_type.as_str() {
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        _ => "png",
    };
    format!("uploads/{}.{extension}", upload.id)
}

/// A time as RFC 3339 in UTC, milliseconds included.
pub fn rfc3339(ms: i64) -> String {
    utc(ms).to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The folder of each conversation's images: its title made safe for every file system, and the
/// start of its id so two conversations of the same title stay apart.
pub fn conversation_folders(conversations: &[Conversation]) -> HashMap<String, String> {
    conversations
        .iter()
        .map(|c| {
            let short: String = c.id.chars().take(8).collect();
            (c.id.clone(), format!("{} ({short})", safe_name(&c.title)))
        })
        .collect()
}

/// `images/<folder>/<image id>.png`; the folder is the conversation's, or the day the image was
/// made when its conversation is unknown.
pub fn image_path(
    folders: &HashMap<String, String>,
    conversation_id: &str,
    image_id: &str,
    created_at: i64,
) -> String {
    let folder = folders
        .get(conversation_id)
        .cloned()
        .unwrap_or_else(|| utc(created_at).format("%Y-%m-%d").to_string());
    format!("images/{folder}/{}.png", safe_name(image_id))
}

/// A file-name part: no path separators, reserved or control characters, no leading or trailing
/// dots and spaces, at most 60 characters; never empty.
pub fn safe_name(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let name: String = words.join(" ").chars().take(60).collect();
    let name = name.trim_matches(|c: char| c == '.' || c == ' ');
    if name.is_empty() {
        "Untitled".to_owned()
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_everywhere() {
        assert_eq!(safe_name("Trip to 京都"), "Trip to 京都");
        assert_eq!(safe_name("../../etc/passwd"), "etc passwd");
        assert_eq!(
            safe_name("a\\b:c*d?e\"f<g>h|i\u{7}j"),
            "a b c d e f g h i j"
        );
        assert_eq!(safe_name(" .. "), "Untitled");
        assert_eq!(safe_name("CON."), "CON");
        assert_eq!(safe_name(&"字".repeat(100)).chars().count(), 60);
    }

    #[test]
    fn images_sit_in_their_conversations_folder_or_their_day() {
        let conversation = Conversation {
            id: "0123456789abcdef0123456789abcdef".into(),
            title: "Cats / 猫".into(),
            created_at: 0,
            updated_at: 0,
        };
        let folders = conversation_folders(&[conversation]);
        assert_eq!(
            image_path(&folders, "0123456789abcdef0123456789abcdef", "ab", 0),
            "images/Cats 猫 (01234567)/ab.png"
        );
        assert_eq!(
            image_path(&folders, "elsewhere", "cd", 1_776_988_800_000),
            "images/2026-04-24/cd.png"
        );
        assert_eq!(rfc3339(1_698_765_432_123), "2023-10-31T15:17:12.123Z");
    }
}
