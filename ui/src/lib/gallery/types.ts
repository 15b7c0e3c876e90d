/**
 * The gallery's IPC types, for the gallery's own files. They are the generated ones (from the
 * Rust commands `gallery_page`, `gallery_conversations`, `set_favourite`, `delete_images`,
 * `sync_status`, `sync_now`, the `sync-changed` event, `storage_info`, `set_storage_budget`,
 * `clear_cache`, `open_cache_folder`, `copy_image`, `save_image_as`), as `backend/` exports them:
 * serialized (snake_case) field names, times in milliseconds since the Unix epoch.
 */
export type {
  GalleryConversation,
  GalleryItem,
  GalleryPage,
  GalleryQuery,
  StorageInfo,
  SyncProgress,
  SyncState,
  SyncStatus,
} from '../backend'
