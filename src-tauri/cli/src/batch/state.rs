//! What a batch has done so far, kept in `<output>/<batch file name>.atelier-batch.json` so a
//! second run resumes instead of paying again. One entry per line, keyed by the hash of what the
//! line asks for (prompt, model, ratio, count, name) and its occurrence (the same line twice is
//! made twice). Each change is written whole to a temporary file, flushed to disk and renamed
//! over the state: a crash leaves the old state or the new one, never half of either.
//!
//! A line's idempotency key is written before its request is sent, and its generation's id as
//! soon as the service answers: a run that dies anywhere is resumed with the same key (the
//! service answers the same generation, charged once) or by waiting on the same generation.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use atelier_api::generations::NewGeneration;
use atelier_client::cache::files::sha256_hex;
use serde::{Deserialize, Serialize};

use crate::error::{CliError, Exit, codes};

/// The state file's format; another one is refused, never overwritten.
const VERSION: u32 = 1;

/// Where a line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Its request may have reached the service: sent again with the same key.
    Sending,
    /// The service made the generation (`generation_id`): waited on again, never re-sent.
    Waiting,
    /// Its PNGs are written (`files`).
    Done,
    /// Refused by the service, or failed and refunded: the next run tries again, with a new key.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The line's number in the file when it last ran (for people reading the state).
    pub line: usize,
    pub prompt: String,
    pub status: Status,
    pub idempotency_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation_id: Option<String>,
    /// The PNGs' names, in the output folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

#[derive(Serialize, Deserialize)]
struct Document {
    version: u32,
    lines: BTreeMap<String, Entry>,
}

/// The keys of a batch's requests, in order: the hash of each request (prompt, model, ratio,
/// count, inputs, and the name of its PNGs) and, for a request that is there more than once,
/// which occurrence it is.
pub fn keys<'a>(
    requests: impl IntoIterator<Item = (&'a NewGeneration, Option<&'a str>)>,
) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    requests
        .into_iter()
        .map(|(request, name)| {
            let identity = serde_json::json!({
                "prompt": request.prompt,
                "model": request.model,
                "ratio": request.aspect_ratio,
                "n": request.count,
                "inputs": request.input_images,
                "name": name,
            });
            let hash = sha256_hex(identity.to_string().as_bytes());
            let occurrence = seen.entry(hash.clone()).or_default();
            *occurrence += 1;
            if *occurrence == 1 {
                hash
            } else {
                format!("{hash}#{occurrence}")
            }
        })
        .collect()
}

pub struct State {
    path: PathBuf,
    lines: Mutex<BTreeMap<String, Entry>>,
}

impl State {
    /// The state of `batch_file`'s batch into `dir` (created if missing): read when it exists.
    pub fn open(dir: &Path, batch_file: &Path) -> Result<Self, CliError> {
        std::fs::create_dir_all(dir).map_err(|e| CliError::unwritable(dir, &e))?;
        let name = batch_file
            .file_name()
            .map_or_else(|| "batch".into(), |n| n.to_string_lossy().into_owned());
        let path = dir.join(format!("{name}.atelier-batch.json"));
        let lines = match std::fs::read(&path) {
            Ok(bytes) => {
                let document: Document = serde_json::from_slice(&bytes)
                    .ok()
                    .filter(|d: &Document| d.version == VERSION)
                    .ok_or_else(|| unreadable(&path))?;
                document.lines
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(unreadable(&path).with_detail(e.to_string())),
        };
        Ok(Self {
            path,
            lines: Mutex::new(lines),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, key: &str) -> Option<Entry> {
        self.slot().get(key).cloned()
    }

    /// Records `entry` for `key`, on disk before this returns.
    pub fn put(&self, key: &str, entry: Entry) -> Result<(), CliError> {
        let mut lines = self.slot();
        lines.insert(key.to_owned(), entry);
        let document = Document {
            version: VERSION,
            lines: lines.clone(),
        };
        // Encoding strings and numbers cannot fail.
        let json = serde_json::to_vec_pretty(&document).unwrap_or_default();
        write_atomically(&self.path, &json).map_err(|e| CliError::unwritable(&self.path, &e))
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        // Every change is written whole under this lock; a panic cannot leave half of one.
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn unreadable(path: &Path) -> CliError {
    CliError::new(
        codes::BATCH_STATE_UNREADABLE,
        format!(
            "{} is not a batch state this version can read; move it away to start the batch over (lines it recorded as sent may then be paid again)",
            path.display()
        ),
        Exit::Failure,
    )
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, renames it over `path`
/// and flushes the folder, so the change survives a crash or a power cut whole or not at all.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = File::create(&partial).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&partial, path)) {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(prompt: &str, count: u32) -> NewGeneration {
        NewGeneration {
            conversation_id: None,
            prompt: prompt.into(),
            model: "nano-banana".into(),
            aspect_ratio: "1:1".into(),
            count,
            input_images: Vec::new(),
        }
    }

    fn entry(status: Status) -> Entry {
        Entry {
            line: 1,
            prompt: "a fox".into(),
            status,
            idempotency_key: "k".into(),
            generation_id: None,
            files: Vec::new(),
            error: None,
        }
    }

    #[test]
    fn keys_follow_what_a_line_asks_for_and_count_repeats() {
        let (fox, owl, fox2) = (request("fox", 1), request("owl", 1), request("fox", 2));
        let keys = keys([
            (&fox, None),
            (&owl, None),
            (&fox, None),
            (&fox2, None),
            (&fox, Some("named")),
        ]);
        assert_eq!(keys[2], format!("{}#2", keys[0]));
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), 5);
        assert_eq!(
            keys[0],
            super::keys([(&fox, None)])[0],
            "stable across runs"
        );
    }

    #[test]
    fn every_change_is_on_disk_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path(), Path::new("in/prompts.txt")).unwrap();
        assert_eq!(
            state.path(),
            dir.path().join("prompts.txt.atelier-batch.json")
        );
        assert_eq!(state.get("a"), None);
        state.put("a", entry(Status::Sending)).unwrap();
        state.put("b", entry(Status::Done)).unwrap();
        state.put("a", entry(Status::Waiting)).unwrap();
        let again = State::open(dir.path(), Path::new("prompts.txt")).unwrap();
        assert_eq!(again.get("a"), Some(entry(Status::Waiting)));
        assert_eq!(again.get("b"), Some(entry(Status::Done)));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    }

    #[test]
    fn a_state_it_cannot_read_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.txt.atelier-batch.json");
        for foreign in ["not json", "{\"version\": 2, \"lines\": {}}"] {
            std::fs::write(&path, foreign).unwrap();
            let e = State::open(dir.path(), Path::new("b.txt")).err().unwrap();
            assert_eq!(e.code, codes::BATCH_STATE_UNREADABLE);
            assert_eq!(std::fs::read_to_string(&path).unwrap(), foreign);
        }
    }
}
