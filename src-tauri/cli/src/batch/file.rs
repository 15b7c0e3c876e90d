//! The batch file: one prompt a line, or a JSON object of a prompt and its own options. Blank
//! lines and `#` comments are skipped. Every line is checked before anything is sent, so a file
//! with a mistake changes nothing.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{CliError, codes};

/// Longest image name a line may give (the PNGs are `<name>.png` or `<name>-<n>.png`).
const MAX_NAME_CHARS: usize = 100;

/// One line to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Its number in the file, from 1.
    pub number: usize,
    pub prompt: String,
    pub model: Option<String>,
    pub ratio: Option<String>,
    pub count: Option<u32>,
    /// The PNGs' name instead of their image ids.
    pub name: Option<String>,
}

/// A line in JSON: `{"prompt": …, "model": …, "ratio": …, "n": …, "name": …}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonLine {
    prompt: String,
    #[serde(default)]
    model: Option<String>,
    #[serde(default, alias = "aspect_ratio")]
    ratio: Option<String>,
    #[serde(default, alias = "count")]
    n: Option<u32>,
    #[serde(default, alias = "output")]
    name: Option<String>,
}

fn invalid(path: &Path, number: usize, why: impl std::fmt::Display) -> CliError {
    CliError::usage(
        codes::INVALID_BATCH_FILE,
        format!("{}, line {number}: {why}", path.display()),
    )
}

/// Reads and checks the batch file.
pub fn read(path: &Path) -> Result<Vec<Line>, CliError> {
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::usage(
            codes::INVALID_BATCH_FILE,
            format!("cannot read {}", path.display()),
        )
        .with_detail(e.to_string())
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        CliError::usage(
            codes::INVALID_BATCH_FILE,
            format!("{} is not UTF-8 text", path.display()),
        )
    })?;
    parse(path, &text)
}

/// The lines of `text` (read from `path`, named in errors).
pub fn parse(path: &Path, text: &str) -> Result<Vec<Line>, CliError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line = if trimmed.starts_with('{') {
            let json: JsonLine =
                serde_json::from_str(trimmed).map_err(|e| invalid(path, number, e))?;
            Line {
                number,
                prompt: json.prompt,
                model: json.model,
                ratio: json.ratio,
                count: json.n,
                name: json.name,
            }
        } else {
            Line {
                number,
                prompt: trimmed.to_owned(),
                model: None,
                ratio: None,
                count: None,
                name: None,
            }
        };
        if let Some(name) = &line.name {
            check_name(name).map_err(|why| invalid(path, number, why))?;
            if let Some(first) = names.insert(name.to_lowercase(), number) {
                return Err(invalid(
                    path,
                    number,
                    format!("the name {name:?} is already line {first}'s"),
                ));
            }
        }
        lines.push(line);
    }
    Ok(lines)
}

/// A name is a plain file name on every system: no folders, nothing hidden, no characters
/// Windows refuses.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.starts_with('.')
        && !name.ends_with(['.', ' '])
        && !name.chars().any(|c| {
            c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a file name (1 to {MAX_NAME_CHARS} characters, no folders, not starting with a dot)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Vec<Line>, CliError> {
        parse(Path::new("b.txt"), text)
    }

    #[test]
    fn plain_and_json_lines_with_comments_and_blanks() {
        let lines = parsed(
            "\u{feff}# a comment\n\na red fox  \r\n{\"prompt\": \"a blue owl\", \"model\": \"seedream-4\", \"ratio\": \"16:9\", \"n\": 2, \"name\": \"owl\"}\n",
        )
        .unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].number, 3);
        assert_eq!(lines[0].prompt, "a red fox");
        assert_eq!(lines[0].model, None);
        assert_eq!(lines[1].number, 4);
        assert_eq!(lines[1].model.as_deref(), Some("seedream-4"));
        assert_eq!(lines[1].ratio.as_deref(), Some("16:9"));
        assert_eq!(lines[1].count, Some(2));
        assert_eq!(lines[1].name.as_deref(), Some("owl"));
    }

    #[test]
    fn mistakes_name_their_line() {
        for (text, line) in [
            ("ok\n{\"prompt\": \"x\", \"colour\": \"red\"}", 2),
            ("{\"prompt\": \"x\"", 1),
            ("{\"model\": \"x\"}", 1),
            ("a\nb\n{\"prompt\": \"x\", \"name\": \"../up\"}", 3),
            ("{\"prompt\": \"x\", \"name\": \".hidden\"}", 1),
            ("{\"prompt\": \"x\", \"name\": \"\"}", 1),
            (
                "{\"prompt\": \"x\", \"name\": \"a\"}\n{\"prompt\": \"y\", \"name\": \"A\"}",
                2,
            ),
        ] {
            let e = parsed(text).unwrap_err();
            assert_eq!(e.code, codes::INVALID_BATCH_FILE, "{text}");
            assert!(
                e.message.starts_with(&format!("b.txt, line {line}: ")),
                "{text}: {}",
                e.message
            );
        }
    }

    #[test]
    fn an_empty_file_has_no_lines() {
        assert_eq!(parsed("\n# nothing\n").unwrap(), Vec::new());
    }
}
