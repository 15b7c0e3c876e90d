//! The gallery, served from the local cache (so it works offline), and the changes made to it:
//! favourites and deletions go to the cache at once and reach the service through the outbox.

use atelier_client::api::ImageVariant;
use atelier_client::cache::gallery::{GalleryConversation, GalleryPage, GalleryQuery};
use atelier_client::cache::sources::ImageSource;
use atelier_client::cache::storage::StorageInfo;
use atelier_client::library::outgoing::{self, OutgoingFile};
use atelier_client::sync::SyncStatus;
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;

use crate::error::AppError;
use crate::save_dialog::ask_where;
use crate::state::AppState;

/// `limit` images from `offset` of those matching `query`, newest first, with how many match.
#[tauri::command]
#[specta::specta]
pub async fn gallery_page(
    state: State<'_, AppState>,
    query: GalleryQuery,
    offset: u32,
    limit: u32,
) -> Result<GalleryPage, AppError> {
    Ok(state
        .library()
        .await?
        .cache()
        .gallery_page(&query, offset, limit)
        .await?)
}

/// Conversations with images on this device, for the gallery's filter.
#[tauri::command]
#[specta::specta]
pub async fn gallery_conversations(
    state: State<'_, AppState>,
) -> Result<Vec<GalleryConversation>, AppError> {
    Ok(state
        .library()
        .await?
        .cache()
        .gallery_conversations()
        .await?)
}

/// What an image was made from, for the detail view's links; offline too.
#[tauri::command]
#[specta::specta]
pub async fn image_sources(
    state: State<'_, AppState>,
    image_id: String,
) -> Result<Vec<ImageSource>, AppError> {
    Ok(state
        .library()
        .await?
        .cache()
        .image_sources(&image_id)
        .await?)
}

/// Marks or unmarks favourites: here at once, on the service when it is reachable.
#[tauri::command]
#[specta::specta]
pub async fn set_favourite(
    state: State<'_, AppState>,
    image_ids: Vec<String>,
    favourite: bool,
) -> Result<(), AppError> {
    let library = state.library().await?;
    library.cache().set_favourite(&image_ids, favourite).await?;
    library.engine().refresh_pending().await?;
    state.sync_wanted.notify_one();
    Ok(())
}

/// Deletes images: their files here at once, on the service when it is reachable.
#[tauri::command]
#[specta::specta]
pub async fn delete_images(
    state: State<'_, AppState>,
    image_ids: Vec<String>,
) -> Result<(), AppError> {
    let library = state.library().await?;
    library.cache().delete_images(&image_ids).await?;
    library.engine().refresh_pending().await?;
    state.sync_wanted.notify_one();
    Ok(())
}

/// Where sync stands.
#[tauri::command]
#[specta::specta]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, AppError> {
    let library = state.library().await?;
    library.engine().refresh_pending().await?;
    Ok(library.engine().status())
}

/// Syncs now and answers where it stands afterwards (offline is a state, not an error).
#[tauri::command]
#[specta::specta]
pub async fn sync_now(state: State<'_, AppState>) -> Result<SyncStatus, AppError> {
    let library = state.library().await?;
    if let Err(e) = library.sync(state.auth()?).await {
        tracing::info!(error = %e, "sync stopped");
    }
    Ok(library.engine().status())
}

#[tauri::command]
#[specta::specta]
pub async fn storage_info(state: State<'_, AppState>) -> Result<StorageInfo, AppError> {
    Ok(state.library().await?.cache().storage_info().await?)
}

/// Sets the originals' budget (bytes), evicting the least recently viewed over it.
#[tauri::command]
#[specta::specta]
pub async fn set_storage_budget(
    state: State<'_, AppState>,
    bytes: u64,
) -> Result<StorageInfo, AppError> {
    let library = state.library().await?;
    let cache = library.cache();
    cache.set_originals_budget(bytes).await?;
    Ok(cache.storage_info().await?)
}

/// Removes every cached file; the next sync fetches thumbnails again.
#[tauri::command]
#[specta::specta]
pub async fn clear_cache(state: State<'_, AppState>) -> Result<StorageInfo, AppError> {
    let library = state.library().await?;
    let cache = library.cache();
    cache.clear_files().await?;
    state.sync_wanted.notify_one();
    Ok(cache.storage_info().await?)
}

/// Opens the data folder in the OS file manager.
#[tauri::command]
#[specta::specta]
pub async fn open_cache_folder(app: AppHandle, state: State<'_, AppState>) -> Result<(), AppError> {
    let dir = state.library().await?.cache().dir().display().to_string();
    app.opener()
        .open_path(dir, None::<&str>)
        .map_err(|e| AppError::new(atelier_api::ErrorCode::Internal, e.to_string()))
}

async fn original(
    state: &AppState,
    image_id: &str,
) -> Result<atelier_client::api::ImageBytes, AppError> {
    Ok(state
        .library()
        .await?
        .image(state.auth()?, ImageVariant::Original, image_id)
        .await?)
}

/// Puts the full-size image on the clipboard.
#[tauri::command]
#[specta::specta]
pub async fn copy_image(
    app: AppHandle,
    state: State<'_, AppState>,
    image_id: String,
) -> Result<(), AppError> {
    let bytes = original(&state, &image_id).await?.bytes;
    let (rgba, width, height) = atelier_client::image_bytes::rgba(&bytes)?;
    let image = tauri::image::Image::new_owned(rgba, width, height);
    app.clipboard()
        .write_image(&image)
        .map_err(|e| AppError::new(atelier_api::ErrorCode::Internal, e.to_string()))
}

/// The original as a file another application can take, for a tile dragged out of the window.
#[tauri::command]
#[specta::specta]
pub async fn prepare_drag_out(
    state: State<'_, AppState>,
    image_id: String,
) -> Result<OutgoingFile, AppError> {
    Ok(state
        .library()
        .await?
        .outgoing_file(state.auth()?, &image_id)
        .await?)
}

/// Saves the original where the person chooses; `false` when they cancel the dialog.
#[tauri::command]
#[specta::specta]
pub async fn save_image_as(
    app: AppHandle,
    state: State<'_, AppState>,
    image_id: String,
) -> Result<bool, AppError> {
    let image = original(&state, &image_id).await?;
    let name = outgoing::file_name(&image_id, &image.bytes);
    let extension = outgoing::extension(&image.bytes);
    let Some(path) = ask_where(&app, name, "Image", &[extension]).await? else {
        return Ok(false);
    };
    std::fs::write(&path, &image.bytes)
        .map_err(|e| AppError::new(atelier_api::ErrorCode::Internal, format!("saving: {e}")))?;
    Ok(true)
}
