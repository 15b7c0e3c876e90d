//! One generation from prompt to files, as the desktop makes it: the request (the service's
//! models and their first ratio as defaults), the `POST` under an idempotency key, polling until
//! it is done or failed, then a sync so the images are in the shared library (and the desktop's
//! gallery) before their originals are read from it and written as PNGs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use atelier_api::ErrorCode;
use atelier_api::generations::{
    FailureCode, GeneratedImage, Generation, GenerationStatus, NewGeneration,
};
use atelier_api::limits::LIMITS;
use atelier_api::models::{Model, ModelList, PromptUse};
use atelier_api::prompt::PromptCheckRequest;
use atelier_client::ClientError;
use atelier_client::api::{IdempotencyKey, ImageVariant};
use atelier_client::cache::files::sha256_hex;
use atelier_client::cache::gallery::{GalleryQuery, MAX_WINDOW};
use atelier_client::library::Library;
use atelier_client::session::SessionToken;

use crate::app::App;
use crate::error::{CliError, Exit};
use crate::png_file;

/// The first wait between two looks at a generation; it grows to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(250);
const MAX_POLL: Duration = Duration::from_secs(2);

/// The models on offer, for the defaults of a request.
pub struct Models(ModelList);

impl Models {
    pub async fn fetch(app: &App, token: &SessionToken) -> Result<Self, CliError> {
        Ok(Self(app.api().models(token).await?))
    }

    /// The request for `prompt` from `inputs`: the model asked for (else the service's first
    /// that takes that many input images), the ratio asked for (else the model's first), the
    /// count asked for (else 1). What the service would refuse (an empty or too long prompt for
    /// a model that takes one, a model or ratio it does not offer, too few or too many inputs) is
    /// refused here with the service's code, before anything is sent.
    pub fn request(
        &self,
        prompt: &str,
        model: Option<&str>,
        ratio: Option<&str>,
        count: Option<u32>,
        inputs: Vec<String>,
    ) -> Result<NewGeneration, ClientError> {
        let takes = |m: &&Model| {
            (m.min_input_images as usize..=m.max_input_images as usize).contains(&inputs.len())
        };
        let offered = match model {
            Some(id) => self.0.models.iter().find(|m| m.id == id),
            None => self.0.models.iter().find(takes).or(self.0.models.first()),
        };
        let refused = |body| ClientError::Api {
            body,
            retry_after: None,
            attempts_left: None,
        };
        let checked = atelier_api::prompt::check_as(
            &PromptCheckRequest {
                prompt: prompt.to_owned(),
                count: count.unwrap_or(1),
            },
            offered.map_or(PromptUse::Required, |m| m.prompt),
            &LIMITS,
        )
        .map_err(refused)?;
        if let Some(m) = offered.filter(|m| !takes(m)) {
            let code = if inputs.len() < m.min_input_images as usize {
                ErrorCode::InputImagesRequired
            } else {
                ErrorCode::TooManyInputImages
            };
            return Err(ClientError::api(
                code,
                format!(
                    "{} takes {} to {} input images, not {}",
                    m.id,
                    m.min_input_images,
                    m.max_input_images,
                    inputs.len()
                ),
            ));
        }
        let ids = || {
            let ids: Vec<&str> = self.0.models.iter().map(|m| m.id.as_str()).collect();
            ids.join(", ")
        };
        let Some(offered) = offered else {
            return Err(ClientError::api(
                ErrorCode::UnknownModel,
                format!(
                    "no model {:?}; the service offers {}",
                    model.unwrap_or_default(),
                    ids()
                ),
            ));
        };
        let ratio = match ratio {
            Some(r) if offered.aspect_ratios.iter().any(|offered| offered == r) => r.to_owned(),
            Some(r) => {
                return Err(ClientError::api(
                    ErrorCode::InvalidAspectRatio,
                    format!(
                        "{} does not offer {r:?}; it offers {}",
                        offered.id,
                        offered.aspect_ratios.join(", ")
                    ),
                ));
            }
            None => offered.aspect_ratios.first().cloned().unwrap_or_default(),
        };
        Ok(NewGeneration {
            conversation_id: None,
            prompt: checked.prompt,
            model: offered.id.clone(),
            aspect_ratio: ratio,
            count: checked.count,
            input_images: inputs,
        })
    }
}

/// `POST /v1/generations` under `key` (the same key again returns the same generation, charged
/// once).
pub async fn create(
    app: &App,
    token: &SessionToken,
    key: &IdempotencyKey,
    request: &NewGeneration,
) -> Result<Generation, ClientError> {
    app.api().create_generation(token, key, request).await
}

fn finished(g: &Generation) -> bool {
    matches!(g.status, GenerationStatus::Done | GenerationStatus::Failed)
}

/// Looks at the generation until it is done or failed, telling `seen` each state on the way.
/// Answers it finished, either way ([`failure`] says whether it failed).
pub async fn wait(
    app: &App,
    token: &SessionToken,
    mut generation: Generation,
    mut seen: impl FnMut(&Generation),
) -> Result<Generation, CliError> {
    let mut delay = FIRST_POLL;
    loop {
        seen(&generation);
        if finished(&generation) {
            return Ok(generation);
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 3 / 2).min(MAX_POLL);
        generation = app.api().generation(token, &generation.id).await?;
    }
}

/// Why a finished generation failed (its credits came back), or `None` when it is done.
pub fn failure(generation: &Generation) -> Option<CliError> {
    (generation.status == GenerationStatus::Failed)
        .then(|| CliError::generation_failed(generation.failure_code.map(FailureCode::as_str)))
}

/// A short description of where a generation stands, for the progress line.
pub fn describe(g: &Generation) -> String {
    let images = if g.count == 1 {
        "1 image".to_owned()
    } else {
        format!("{} images", g.count)
    };
    match g.status {
        GenerationStatus::Queued => format!("queued: {images}"),
        GenerationStatus::Generating => {
            format!("generating: {} of {images}", g.images.len())
        }
        GenerationStatus::Done => format!("done: {images}"),
        GenerationStatus::Failed => "failed".to_owned(),
    }
}

/// The file name of image `index` (from 0) of a generation of `count` images: `<image id>.png`,
/// or, when the images are named, `<name>.png` for one image and `<name>-<n>.png` (from 1) for
/// several.
pub fn file_name(name: Option<&str>, image_id: &str, index: usize, count: usize) -> String {
    match name {
        None => format!("{image_id}.png"),
        Some(name) if count == 1 => format!("{name}.png"),
        Some(name) => format!("{name}-{}.png", index + 1),
    }
}

/// Syncs the library (so the images are in the shared cache and gallery), then writes each
/// original into `dir` (named by [`file_name`]) with the export's text chunks. Answers the paths.
pub async fn save(
    app: &App,
    token: &SessionToken,
    generation: &Generation,
    dir: &Path,
    name: Option<&str>,
) -> Result<Vec<PathBuf>, CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError::unwritable(dir, &e))?;
    let library = match app.library().await {
        Ok(library) => library,
        Err(e) if e.exit == Exit::Unauthenticated => return Err(e),
        Err(e) => {
            // Paid for: the images are written from the service even without the library.
            tracing::warn!(code = %e.code, "saving without the library");
            return write_all(app, token, generation, dir, name, None).await;
        }
    };
    if let Err(e) = library.sync(&app.auth).await {
        // The originals can still come from the service; the gallery catches up next sync.
        tracing::info!(error = %e, "sync after the generation stopped");
    }
    let page = library
        .cache()
        .gallery_page(
            &GalleryQuery {
                conversation_id: Some(generation.conversation_id.clone()),
                ..GalleryQuery::default()
            },
            0,
            MAX_WINDOW,
        )
        .await?;
    let created: HashMap<String, i64> = page
        .items
        .into_iter()
        .map(|i| (i.image_id, i.created_at))
        .collect();
    write_all(app, token, generation, dir, name, Some((&library, created))).await
}

/// Writes every image of `generation` into `dir`: each original from the library (which keeps
/// it, and knows when each image was made) or, without one, from the service.
async fn write_all(
    app: &App,
    token: &SessionToken,
    generation: &Generation,
    dir: &Path,
    name: Option<&str>,
    library: Option<(&Library, HashMap<String, i64>)>,
) -> Result<Vec<PathBuf>, CliError> {
    let mut paths = Vec::with_capacity(generation.images.len());
    for (index, image) in generation.images.iter().enumerate() {
        let (original, created_at) = match &library {
            Some((library, created)) => (
                library
                    .image(&app.auth, ImageVariant::Original, &image.id)
                    .await?,
                created.get(&image.id).copied(),
            ),
            None => (
                app.api()
                    .image(token, &image.id, ImageVariant::Original)
                    .await?,
                None,
            ),
        };
        let created_at = created_at.unwrap_or(generation.updated_at);
        let path = dir.join(file_name(name, &image.id, index, generation.images.len()));
        write_checked(
            generation,
            image,
            created_at,
            original.bytes.to_vec(),
            &path,
        )
        .await?;
        paths.push(path);
    }
    Ok(paths)
}

/// Writes one original, refused unless it is the image the service described.
async fn write_checked(
    generation: &Generation,
    image: &GeneratedImage,
    created_at: i64,
    original: Vec<u8>,
    path: &Path,
) -> Result<(), CliError> {
    if sha256_hex(&original) != image.sha256 {
        return Err(ClientError::Protocol(format!(
            "image {} does not match its SHA-256",
            image.id
        ))
        .into());
    }
    let text = png_file::text_chunks(generation, created_at);
    png_file::write(path, original, text).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_named_by_id_or_by_the_name_given() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(file_name(None, id, 0, 2), format!("{id}.png"));
        assert_eq!(file_name(Some("fox"), id, 0, 1), "fox.png");
        assert_eq!(file_name(Some("fox"), id, 1, 3), "fox-2.png");
    }
}
