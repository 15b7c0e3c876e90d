//! The app's words for its codes: the desktop UI's English strings (`ui/src/lib/i18n/en.json`),
//! compiled in, so `atelier` says what the app says for the same code.

use std::collections::HashMap;
use std::sync::OnceLock;

const EN: &str = include_str!("../../../ui/src/lib/i18n/en.json");

fn table() -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| serde_json::from_str(EN).unwrap_or_default())
}

/// The app's sentence for an error code (`error.<code>`), if it has one.
pub fn error(code: &str) -> Option<&'static str> {
    table().get(&format!("error.{code}")).map(String::as_str)
}

/// Why a generation failed, in the app's words, and that its credits came back.
pub fn failure(code: Option<&str>) -> String {
    let reason = code
        .and_then(|c| table().get(&format!("failure.{c}")))
        .or_else(|| table().get("failure.other"))
        .map_or("Something went wrong while generating.", String::as_str);
    match table().get("generation.refunded") {
        Some(refunded) => format!("{reason} {refunded}"),
        None => reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_words_are_compiled_in() {
        assert!(!table().is_empty(), "en.json did not parse");
        for code in [
            "unauthenticated",
            "insufficient_credits",
            "offline",
            "prompt_blocked",
            "credential_store_unavailable",
            "invalid_code",
        ] {
            assert!(error(code).is_some(), "no words for {code}");
        }
        assert!(error("no_such_code").is_none());
        assert!(failure(Some("timed_out")).contains("too long"));
        assert!(failure(Some("a_new_code")).contains("Something went wrong"));
    }
}
