//! Finding images by the words of their prompt: long words through the trigrams of `prompts`,
//! words of one or two characters (Chinese, kana, Hangul, "AI") through the character pairs of
//! `prompt_grams`; both indexes keyed by the generation's rowid (client migrations 0001, 0005).

use sqlx::{QueryBuilder, Sqlite};

/// Search terms longer than this are cut (a prompt is at most 4,000 characters).
const MAX_SEARCH_CHARS: usize = 500;

/// Words of fewer characters than this are found through `prompt_grams` (pairs of characters)
/// instead of the trigrams of `prompts`.
pub(super) const TRIGRAM: usize = 3;

/// Quotes words for FTS5: each a phrase, so no character is an operator.
fn fts_phrase<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words
        .into_iter()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `prompt_grams` query for words of one or two characters, folded as `lower` and LIKE fold
/// (ASCII only) and written as the index writes them (the hex of their UTF-8): two characters
/// are one token; one character is the prefix of the tokens that start with it.
pub(super) fn grams_query<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words
        .into_iter()
        .map(|w| {
            let hex: String = w
                .to_ascii_lowercase()
                .bytes()
                .map(|b| format!("{b:02X}"))
                .collect();
            if w.chars().count() == 1 {
                format!("\"{hex}\" *")
            } else {
                format!("\"{hex}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `AND …` restricting images `i` to those whose prompt has every word of `raw` somewhere.
pub(super) fn push_search(sql: &mut QueryBuilder<'_, Sqlite>, raw: &str) {
    let search: String = raw.trim().chars().take(MAX_SEARCH_CHARS).collect();
    // Every word somewhere in the prompt: the long ones by trigrams, the short ones by pairs of
    // characters; both indexes are keyed by the generation's rowid.
    let (long, short): (Vec<&str>, Vec<&str>) = search
        .split_whitespace()
        .partition(|w| w.chars().count() >= TRIGRAM);
    if long.is_empty() && short.is_empty() {
        return;
    }
    // The generations whose prompt has the long words (trigrams) and the short ones (pairs), each
    // index asked only when it has words to match.
    let (table, first, rest) = if long.is_empty() {
        ("prompt_grams", grams_query(short), None)
    } else {
        (
            "prompts",
            fts_phrase(long),
            (!short.is_empty()).then(|| grams_query(short)),
        )
    };
    sql.push(format!(
        " AND i.generation_id IN (SELECT g.id FROM {table} JOIN generations g ON g.rowid = {table}.rowid
          WHERE {table} MATCH "
    ))
    .push_bind(first);
    if let Some(grams) = rest {
        sql.push(" AND g.rowid IN (SELECT rowid FROM prompt_grams WHERE prompt_grams MATCH ")
            .push_bind(grams)
            .push(")");
    }
    sql.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_words_are_written_as_the_index_writes_them() {
        assert_eq!(grams_query(["灯塔"]), "\"E781AFE5A194\"");
        assert_eq!(grams_query(["A", "\""]), "\"61\" * \"22\" *");
        assert_eq!(grams_query(["É"]), "\"C389\" *");
    }

    #[test]
    fn searches_are_quoted_for_fts() {
        assert_eq!(fts_phrase("red  fox".split_whitespace()), "\"red\" \"fox\"");
        assert_eq!(
            fts_phrase("a\"b OR c*".split_whitespace()),
            "\"a\"\"b\" \"OR\" \"c*\""
        );
    }
}
