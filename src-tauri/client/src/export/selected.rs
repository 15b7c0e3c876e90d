//! "Export selected…" in the gallery: a zip of the chosen images' originals, each a PNG carrying
//! its prompt, model, generation and time like the data export's, named for what it shows.
//!
//! The images' details come from the cache (so choosing works offline); their originals from
//! the cache's files when it holds them and from the service otherwise, the same way as the data
//! export (which this shares its pipeline, zip writer, progress and cancel with). Offline with
//! originals missing, it stops before writing anything that would stay, and says how many.

use std::collections::HashSet;
use std::path::Path;

use atelier_api::ErrorCode;
use tokio::sync::watch;

use super::layout::{safe_name, utc};
use super::zip_file::ZipFile;
use super::{
    CancellationToken, ExportProgress, ExportSource, ExportStage, ExportSummary, ImageJob,
    complete, image_text, unless_cancelled, write_images,
};
use crate::api::is_valid_id;
use crate::cache::Cache;
use crate::cache::chosen::ChosenImage as Chosen;
use crate::error::ClientError;

/// How much of the prompt a file name shows.
const NAME_PROMPT_CHARS: usize = 40;

/// `atelier-images-YYYY-MM-DD.zip` for today (local time): the save dialog's suggestion.
pub fn default_file_name() -> String {
    format!(
        "atelier-images-{}.zip",
        chrono::Local::now().format("%Y-%m-%d")
    )
}

/// Writes the originals of `image_ids` (in that order, each once) to a zip at `target`, replacing
/// a file there only once complete. `not_found` when an id is not in the cache (deleted since it
/// was chosen); `originals_unavailable` when some originals are neither cached nor reachable.
pub async fn export_selected(
    cache: &Cache,
    source: &ExportSource,
    image_ids: &[String],
    target: &Path,
    progress: &watch::Sender<ExportProgress>,
    cancel: &CancellationToken,
) -> Result<ExportSummary, ClientError> {
    progress.send_replace(ExportProgress::default());
    let ids = distinct(image_ids)?;
    let chosen = unless_cancelled(cancel, cache.chosen_images(&ids)).await?;
    let total = u32::try_from(chosen.len()).unwrap_or(u32::MAX);

    // Those to download go first: offline, the export stops at its first image, not its last.
    let files = cache.files().clone();
    let (missing, cached): (Vec<Chosen>, Vec<Chosen>) = tokio::task::spawn_blocking(move || {
        chosen
            .into_iter()
            .partition(|c| !files.has(&c.sha256, u64::try_from(c.bytes).unwrap_or(0)))
    })
    .await
    .map_err(|e| ClientError::Cache(format!("checking the originals: {e}")))?;
    let missing_count = u32::try_from(missing.len()).unwrap_or(u32::MAX);
    let names = file_names(missing.iter().chain(&cached));
    let jobs: Vec<ImageJob> = missing
        .into_iter()
        .chain(cached)
        .zip(names)
        .map(|(c, path)| ImageJob {
            text: image_text(&c.prompt, &c.model, &c.generation_id, c.created_at),
            path,
            id: c.id,
            sha256: c.sha256,
            created_at: c.created_at,
        })
        .collect();

    let zip = ZipFile::create(target)?;
    let mut state = ExportProgress {
        done: 0,
        total,
        stage: ExportStage::Images,
    };
    progress.send_replace(state);
    let written = write_images(source, jobs, &zip, progress, &mut state, cancel)
        .await
        .map(|()| state.done)
        .map_err(|e| match e {
            ClientError::Offline { .. } if missing_count > 0 => ClientError::OriginalsUnavailable {
                missing: missing_count,
                total,
            },
            e => e,
        });
    complete(zip, written, target, progress).await
}

/// The ids in the order given, each once; refuses an empty choice and anything not an id.
fn distinct(image_ids: &[String]) -> Result<Vec<String>, ClientError> {
    let mut seen = HashSet::new();
    let mut ids = Vec::with_capacity(image_ids.len());
    for id in image_ids {
        if !is_valid_id(id) {
            return Err(ClientError::api(ErrorCode::BadRequest, "not an image id"));
        }
        // As the cache stores them: an id in capitals would otherwise be "no longer there".
        let id = id.to_ascii_lowercase();
        if seen.insert(id.clone()) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(ClientError::api(ErrorCode::BadRequest, "no images chosen"));
    }
    Ok(ids)
}

/// `2026-04-24 a lighthouse at dusk (0123abcd).png`: the day it was made, the start of its
/// prompt (its model when it has none) and the start of its id. Names never collide, even on
/// file systems that ignore case: a name already taken uses the whole id instead.
fn file_names<'a>(images: impl Iterator<Item = &'a Chosen>) -> Vec<String> {
    let mut taken = HashSet::new();
    images
        .map(|c| {
            let day = utc(c.created_at).format("%Y-%m-%d");
            let words = if c.prompt.trim().is_empty() {
                &c.model
            } else {
                &c.prompt
            };
            let whole = safe_name(words);
            let mut title: String = whole.chars().take(NAME_PROMPT_CHARS).collect();
            // Cut short at a word's end, not inside one.
            if title.len() < whole.len()
                && let Some(space) = title.rfind(' ')
            {
                title.truncate(space);
            }
            let title = title.trim_end_matches(['.', ' ', ',']);
            let short: String = c.id.chars().take(8).collect();
            let mut name = format!("{day} {title} ({short}).png");
            let mut again = 1;
            while !taken.insert(name.to_lowercase()) {
                name = if again == 1 {
                    format!("{day} {title} ({}).png", c.id)
                } else {
                    format!("{day} {title} ({}) {again}.png", c.id)
                };
                again += 1;
            }
            name
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(id: &str, prompt: &str, created_at: i64) -> Chosen {
        Chosen {
            id: id.into(),
            generation_id: "g".repeat(32),
            sha256: "0".repeat(64),
            bytes: 1,
            created_at,
            prompt: prompt.into(),
            model: "nano-banana".into(),
        }
    }

    #[test]
    fn names_say_what_the_image_is_and_never_collide() {
        let day = 1_776_988_800_000; // 2026-04-24
        let a = "0123abcd".to_owned() + &"a".repeat(24);
        let b = "0123ABCD".to_owned() + &"b".repeat(24);
        let images = [
            chosen(
                &a,
                "A lighthouse at dusk / 灯塔, seen from the sea on a very long evening",
                day,
            ),
            chosen(
                &b,
                "a lighthouse at dusk / 灯塔, seen from the sea on a very long evening",
                day,
            ),
            chosen(&("9".repeat(32)), "  ", day),
        ];
        let names = file_names(images.iter());
        assert_eq!(
            names[0],
            "2026-04-24 A lighthouse at dusk 灯塔, seen from the (0123abcd).png"
        );
        // The same day, prompt and short id, differing only in case: the whole id tells them apart.
        assert_eq!(
            names[1],
            format!("2026-04-24 a lighthouse at dusk 灯塔, seen from the ({b}).png")
        );
        assert_eq!(names[2], "2026-04-24 nano-banana (99999999).png");
        let distinct: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(distinct.len(), names.len());
    }

    #[test]
    fn a_choice_is_ids_each_once_and_not_empty() {
        let a = "a".repeat(32);
        assert_eq!(
            distinct(&[a.clone(), a.to_uppercase(), a.clone()]).unwrap_or_default(),
            std::slice::from_ref(&a)
        );
        assert_eq!(
            distinct(&[a.to_uppercase()]).unwrap_or_default(),
            [a],
            "the cache's form"
        );
        for bad in [vec![], vec!["../etc/passwd".to_owned()]] {
            let refused = distinct(&bad).map_err(|e| e.code());
            assert_eq!(refused, Err(ErrorCode::BadRequest.into()));
        }
    }
}
