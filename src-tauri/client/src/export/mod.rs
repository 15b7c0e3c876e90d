//! The data export (the right to portability): one zip with the service's export as JSON files,
//! a README, and every original image as a PNG carrying its prompt, model, generation and time.
//! Images come from the cache when it holds them and from the service otherwise; the cache is
//! only read (an export neither fills it nor changes what it evicts next).
//!
//! Progress goes out through a `watch` channel; a cancel (or any failure) deletes the unfinished
//! file, and the target appears only once the archive is complete. [`selected`] exports chosen
//! images the same way (the same image pipeline, zip writer, progress and cancel).

mod layout;
pub mod png_text;
pub mod selected;
mod zip_file;

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use atelier_api::export::{DataExport, GenerationExport};
use atelier_api::sync::ImageRecord;
use atelier_api::uploads::Upload;
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;
pub use tokio_util::sync::CancellationToken;

pub use layout::{
    ACCOUNT_JSON, AccountFile, CONVERSATIONS_JSON, CREDITS_JSON, GENERATIONS_JSON, README,
    README_TXT, UPLOADS_JSON,
};
use png_text::TextEntry;
use zip_file::{Entry, ZipFile};

use crate::ApiClient;
use crate::api::ImageVariant;
use crate::auth::Auth;
use crate::cache::files::{FileStore, sha256_hex};
use crate::error::ClientError;
use crate::library::Library;
use crate::session::SessionToken;

/// Images fetched and converted ahead of the one being written.
const IMAGES_IN_FLIGHT: usize = 4;

/// Where the export stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ExportStage {
    /// Asking the service for the account's data.
    Preparing,
    /// Writing the images (`done` of `total`).
    Images,
    /// Completing the archive and putting it in place.
    Finishing,
    Done,
}

impl ExportStage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preparing => "preparing",
            Self::Images => "images",
            Self::Finishing => "finishing",
            Self::Done => "done",
        }
    }
}

/// Images written of all the account's images, and the stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// The desktop's event of the same name carries this with the export's kind; the container's
// name means nothing in JSON, only to the generated bindings.
#[serde(rename = "ExportCount")]
pub struct ExportProgress {
    pub done: u32,
    pub total: u32,
    pub stage: ExportStage,
}

impl Default for ExportProgress {
    fn default() -> Self {
        Self {
            done: 0,
            total: 0,
            stage: ExportStage::Preparing,
        }
    }
}

/// A finished export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ExportSummary {
    /// Where the zip was written (shown to the person, so a path that is not Unicode is shown
    /// with replacement characters rather than refused).
    #[serde(serialize_with = "shown_path")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub path: PathBuf,
    /// How many images it holds.
    pub images: u32,
    /// Size of the zip.
    pub bytes: u64,
}

fn shown_path<S: serde::Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&path.display())
}

/// Where the export reads from: the service, and the cache's files when there is a cache.
#[derive(Clone)]
pub struct ExportSource {
    pub api: ApiClient,
    pub token: SessionToken,
    pub files: Option<FileStore>,
}

impl ExportSource {
    /// The signed-in account's data; without a usable library every image is downloaded, and
    /// the export still works.
    pub async fn signed_in(auth: &Auth, library: Option<&Library>) -> Result<Self, ClientError> {
        Ok(Self {
            api: auth.api().clone(),
            token: auth.token().await?,
            files: library.map(|l| l.cache().files().clone()),
        })
    }
}

/// `atelier-export-YYYY-MM-DD.zip` for today (local time): the save dialog's suggestion.
pub fn default_file_name() -> String {
    format!(
        "atelier-export-{}.zip",
        chrono::Local::now().format("%Y-%m-%d")
    )
}

/// Writes the account's export to `target` (replacing a file there only once complete).
pub async fn export(
    source: &ExportSource,
    target: &Path,
    progress: &watch::Sender<ExportProgress>,
    cancel: &CancellationToken,
) -> Result<ExportSummary, ClientError> {
    progress.send_replace(ExportProgress::default());
    let data = unless_cancelled(cancel, source.api.data_export(&source.token)).await?;
    let zip = ZipFile::create(target)?;
    let written = write_entries(source, &data, &zip, progress, cancel).await;
    complete(zip, written, target, progress).await
}

/// Ends an export whose entries were `written` (how many images, or why not): the archive is
/// finished and put in place, or abandoned (its temporary file deleted) with the error that
/// says most.
async fn complete(
    zip: ZipFile,
    written: Result<u32, ClientError>,
    target: &Path,
    progress: &watch::Sender<ExportProgress>,
) -> Result<ExportSummary, ClientError> {
    let images = match written {
        Ok(images) => images,
        Err(e) => {
            let writer = zip.abandon().await;
            return Err(match (e, writer) {
                (ClientError::ExportCancelled, _) => ClientError::ExportCancelled,
                // The writer's own failure (a full disk) says more than "it stopped".
                (_, Err(writer)) => writer,
                (e, Ok(())) => e,
            });
        }
    };
    progress.send_replace(ExportProgress {
        done: images,
        total: images,
        stage: ExportStage::Finishing,
    });
    let bytes = zip.finish().await?;
    progress.send_replace(ExportProgress {
        done: images,
        total: images,
        stage: ExportStage::Done,
    });
    Ok(ExportSummary {
        path: target.to_path_buf(),
        images,
        bytes,
    })
}

async fn unless_cancelled<T>(
    cancel: &CancellationToken,
    work: impl Future<Output = Result<T, ClientError>>,
) -> Result<T, ClientError> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(ClientError::ExportCancelled),
        result = work => result,
    }
}

/// The JSON files, the README, then every image; answers how many images.
async fn write_entries(
    source: &ExportSource,
    data: &DataExport,
    zip: &ZipFile,
    progress: &watch::Sender<ExportProgress>,
    cancel: &CancellationToken,
) -> Result<u32, ClientError> {
    let json = layout::json_files(data)
        .map_err(|e| ClientError::Protocol(format!("encoding the export: {e}")))?;
    for (name, bytes) in json {
        zip.add(Entry {
            name: name.to_owned(),
            bytes,
            deflate: true,
            modified_ms: data.exported_at,
        })
        .await?;
    }
    zip.add(Entry {
        name: README_TXT.to_owned(),
        bytes: README.as_bytes().to_vec(),
        deflate: true,
        modified_ms: data.exported_at,
    })
    .await?;

    let folders = layout::conversation_folders(&data.conversations);
    let images: Vec<(&GenerationExport, &ImageRecord)> = data
        .generations
        .iter()
        .flat_map(|g| g.images.iter().map(move |i| (g, i)))
        .collect();
    let total = u32::try_from(images.len() + data.uploads.len()).unwrap_or(u32::MAX);
    let mut state = ExportProgress {
        done: 0,
        total,
        stage: ExportStage::Images,
    };
    progress.send_replace(state);
    let jobs: Vec<ImageJob> = images
        .iter()
        .map(|(generation, image)| ImageJob {
            path: layout::image_path(
                &folders,
                &image.conversation_id,
                &image.id,
                image.created_at,
            ),
            text: text_of(generation, image),
            id: image.id.clone(),
            sha256: image.sha256.clone(),
            created_at: image.created_at,
        })
        // Owned, so the future holds no borrowing closure (it must stay `Send` for any lifetime).
        .collect();
    write_images(source, jobs, zip, progress, &mut state, cancel).await?;
    // Uploads go as they were uploaded (they carry no prompt to write into them).
    for upload in &data.uploads {
        let entry = unless_cancelled(cancel, upload_entry(source, upload)).await?;
        unless_cancelled(cancel, zip.add(entry)).await?;
        state.done += 1;
        progress.send_replace(state);
    }
    Ok(state.done)
}

/// One image to write: where it goes in the zip, the text it carries, and its original.
struct ImageJob {
    path: String,
    text: Vec<TextEntry>,
    id: String,
    sha256: String,
    created_at: i64,
}

/// Writes the images of `jobs` in order, a few fetched and converted ahead of the one being
/// written, counting each in `state` (sent as progress). Any export of images goes through
/// here: the data export and an export of chosen images alike.
async fn write_images(
    source: &ExportSource,
    jobs: Vec<ImageJob>,
    zip: &ZipFile,
    progress: &watch::Sender<ExportProgress>,
    state: &mut ExportProgress,
    cancel: &CancellationToken,
) -> Result<(), ClientError> {
    let mut pending = Pending::default();
    let mut next = jobs.into_iter();
    loop {
        while pending.0.len() < IMAGES_IN_FLIGHT {
            let Some(job) = next.next() else {
                break;
            };
            pending
                .0
                .push_back(tokio::spawn(image_entry(source.clone(), job)));
        }
        let Some(task) = pending.0.pop_front() else {
            break;
        };
        let entry = unless_cancelled(cancel, async {
            task.await
                .map_err(|e| ClientError::Protocol(format!("preparing an image: {e}")))?
        })
        .await?;
        unless_cancelled(cancel, zip.add(entry)).await?;
        state.done += 1;
        progress.send_replace(*state);
    }
    Ok(())
}

/// One upload as a zip entry: its original, cached or downloaded, checked against its SHA-256.
async fn upload_entry(source: &ExportSource, upload: &Upload) -> Result<Entry, ClientError> {
    let files = source.files.clone();
    let hash = upload.sha256.clone();
    let cached = tokio::task::spawn_blocking(move || files.and_then(|f| f.read_verified(&hash)))
        .await
        .ok()
        .flatten();
    let bytes = match cached {
        Some(bytes) => bytes,
        None => {
            let fetched = source
                .api
                .upload_bytes(&source.token, &upload.id, ImageVariant::Original)
                .await?;
            if sha256_hex(&fetched.bytes) != upload.sha256 {
                return Err(ClientError::Protocol(format!(
                    "upload {} does not match its SHA-256",
                    upload.id
                )));
            }
            fetched.bytes.to_vec()
        }
    };
    Ok(Entry {
        name: layout::upload_path(upload),
        bytes,
        deflate: false,
        modified_ms: upload.created_at,
    })
}

/// Image tasks still running; dropped (an error, a cancel), they are stopped.
#[derive(Default)]
struct Pending(VecDeque<JoinHandle<Result<Entry, ClientError>>>);

impl Drop for Pending {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// The text chunks of one image.
fn text_of(generation: &GenerationExport, image: &ImageRecord) -> Vec<TextEntry> {
    let g = &generation.generation;
    image_text(&g.prompt, &g.model, &g.id, image.created_at)
}

/// The text chunks every exported image carries (prompt, model, generation id, the image's
/// creation time in ms since the epoch, software), in this order; `atelier generate` writes the
/// same into its PNGs.
pub fn image_text(
    prompt: &str,
    model: &str,
    generation_id: &str,
    created_at: i64,
) -> Vec<TextEntry> {
    vec![
        TextEntry::utf8("Prompt", prompt),
        TextEntry::plain("Model", model),
        TextEntry::plain("Generation", generation_id),
        TextEntry::plain("Creation Time", layout::rfc3339(created_at)),
        TextEntry::plain("Software", "Atelier"),
    ]
}

/// One image as a zip entry: its original (cached or downloaded, checked against its SHA-256)
/// as a PNG with its text.
async fn image_entry(source: ExportSource, job: ImageJob) -> Result<Entry, ClientError> {
    let ImageJob {
        path,
        text,
        id,
        sha256,
        created_at,
    } = job;
    let files = source.files.clone();
    let hash = sha256.clone();
    let cached = tokio::task::spawn_blocking(move || files.and_then(|f| f.read_verified(&hash)))
        .await
        .ok()
        .flatten();
    let original = match cached {
        Some(bytes) => bytes,
        None => {
            let fetched = source
                .api
                .image(&source.token, &id, ImageVariant::Original)
                .await?;
            let bytes = fetched.bytes.to_vec();
            if sha256_hex(&bytes) != sha256 {
                return Err(ClientError::Protocol(format!(
                    "image {id} does not match its SHA-256"
                )));
            }
            bytes
        }
    };
    let png = tokio::task::spawn_blocking(move || png_text::to_png_with_text(&original, &text))
        .await
        .map_err(|e| ClientError::Protocol(format!("preparing image {id}: {e}")))?
        .map_err(|e| ClientError::Protocol(format!("image {id}: {e}")))?;
    Ok(Entry {
        name: path,
        bytes: png,
        deflate: false,
        modified_ms: created_at,
    })
}

/// Where each image lands in the zip, by image id.
pub fn image_paths(data: &DataExport) -> HashMap<String, String> {
    let folders = layout::conversation_folders(&data.conversations);
    data.generations
        .iter()
        .flat_map(|g| g.images.iter())
        .map(|i| {
            (
                i.id.clone(),
                layout::image_path(&folders, &i.conversation_id, &i.id, i.created_at),
            )
        })
        .collect()
}
