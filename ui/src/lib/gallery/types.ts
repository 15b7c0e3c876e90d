/**
 * The gallery's IPC contract, written by hand until `cargo xtask bindings` generates it from the
 * Rust commands (`gallery_page`, `gallery_conversations`, `set_favourite`, `delete_images`,
 * `sync_status`, `sync_now`, the `sync-changed` event, `storage_info`, `set_storage_budget`,
 * `clear_cache`, `open_cache_folder`, `copy_image`, `save_image_as`). Field names are the
 * serialized (snake_case) ones; times are milliseconds since the Unix epoch.
 */

/** What the grid shows: every filter at once; `null` leaves that filter off. */
export type GalleryQuery = {
  /** Words of the prompt (full-text); `null` or blank: no search. */
  search: string | null
  conversation_id: string | null
  /** Created at or after (inclusive). */
  from_ms: number | null
  /** Created at or before (inclusive). */
  to_ms: number | null
  favourites_only: boolean
}

/** One cached image with what the detail view shows of it. */
export type GalleryItem = {
  image_id: string
  generation_id: string
  conversation_id: string
  conversation_title: string
  prompt: string
  model: string
  aspect_ratio: string
  width: number
  height: number
  bytes: number
  content_type: string
  favourite: boolean
  created_at: number
  /** Credits spent on this image (its generation's cost divided by its images). */
  credits: number
  /** The full-size original is on this computer (within the storage budget). */
  original_cached: boolean
}

/** A window of the query's matches, newest first, and how many match in all. */
export type GalleryPage = {
  items: GalleryItem[]
  total: number
}

/** A conversation the conversation filter offers, with its image count (from the cache). */
export type GalleryConversation = {
  id: string
  title: string
  images: number
}

export type SyncState = 'idle' | 'syncing' | 'offline' | 'error'

export type SyncStatus = {
  state: SyncState
  /** Offline changes (deletes, favourites) waiting in the outbox. */
  pending_changes: number
  /** While syncing: how far it is; `null` when unknown or not syncing. */
  progress: { done: number; total: number } | null
  last_synced_at: number | null
  /** With `error`: why, as an error code. */
  error_code: string | null
}

/** The local cache on disk. */
export type StorageInfo = {
  cache_bytes: number
  thumbnails_bytes: number
  originals_bytes: number
  /** How many bytes of originals are kept; least recently viewed ones are evicted beyond it. */
  budget_bytes: number
  /** The cache folder, as the OS names it. */
  folder: string
}
