//! Images brought into the composer (dropped or pasted): their bytes arrive as the raw body of
//! the IPC request (no JSON array of numbers, no base64), their progress goes back on the
//! channel the webview names in a header, and `atelier-client` does the rest.

use std::str::FromStr;
use std::sync::Arc;

use atelier_api::limits::{LIMITS, Limits};
use atelier_client::api::Progress;
use atelier_client::cache::uploads::CachedUpload;
use serde::Serialize;
use tauri::ipc::{Channel, CommandArg, CommandItem, InvokeBody, InvokeError, JavaScriptChannelId};
use tauri::{Runtime, State};

use crate::error::AppError;
use crate::state::AppState;

/// The header that carries the progress channel (`__CHANNEL__:<id>`, a `Channel`'s JSON form).
pub const PROGRESS_HEADER: &str = "atelier-progress-channel";

/// How much of an upload has gone.
#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
pub struct UploadProgress {
    pub sent: u32,
    pub total: u32,
}

/// The bytes of an image, sent as the raw IPC body, and where to tell its progress.
pub struct ImageBody {
    bytes: Vec<u8>,
    progress: Option<Channel<UploadProgress>>,
}

impl<'de, R: Runtime> CommandArg<'de, R> for ImageBody {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        let bytes = match command.message.payload() {
            InvokeBody::Raw(bytes) => bytes.clone(),
            // The postMessage fallback of the IPC sends a byte array as JSON numbers.
            InvokeBody::Json(value) => serde_json::from_value(value.clone())
                .map_err(|_| InvokeError::from("the body must be the image's bytes"))?,
        };
        let progress = command
            .message
            .headers()
            .get(PROGRESS_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| JavaScriptChannelId::from_str(v).ok())
            .map(|id| id.channel_on(command.message.webview()));
        Ok(Self { bytes, progress })
    }
}

impl ImageBody {
    /// The bytes, and the progress callback the upload reports to (to the channel, if named).
    fn into_parts(self) -> (Vec<u8>, Progress) {
        let channel = self.progress;
        let progress = Arc::new(move |sent: u64, total: u64| {
            if let Some(channel) = &channel {
                let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
                let _ = channel.send(UploadProgress {
                    sent: clamp(sent),
                    total: clamp(total),
                });
            }
        });
        (self.bytes, progress)
    }
}

// Not an argument the bindings can pass: the UI sends the body itself (`backend/index.ts`).
impl specta::function::FunctionArg for ImageBody {
    fn to_datatype(_: &mut specta::Types) -> Option<specta::datatype::DataType> {
        None
    }
}

/// Uploads the image in the request's body and keeps it in the cache with its thumbnail; the
/// chip shows it through `img://localhost/thumbnail/<id>`. The generated binding sends no body:
/// call it as `backend/index.ts` does, with the bytes and the progress header.
#[tauri::command]
#[specta::specta]
pub async fn upload_image(
    state: State<'_, AppState>,
    image: ImageBody,
) -> Result<CachedUpload, AppError> {
    let auth = state.auth()?;
    let library = state.library().await?;
    let (bytes, progress) = image.into_parts();
    let upload = library.upload(auth, bytes.into(), progress).await;
    // The chip shows the code; the log keeps the detail (which write failed, and why).
    Ok(upload.inspect_err(|e| tracing::warn!(error = %e, "upload failed"))?)
}

/// The limits on inputs, from `GET /v1/limits` (this build's when the service cannot be
/// reached: it decides in the end).
#[tauri::command]
#[specta::specta]
pub async fn input_limits(state: State<'_, AppState>) -> Result<Limits, AppError> {
    let client = state.client.as_ref().map_err(AppError::from)?;
    match client.limits().await {
        Err(e) if e.is_offline() => Ok(LIMITS),
        other => Ok(other?),
    }
}
