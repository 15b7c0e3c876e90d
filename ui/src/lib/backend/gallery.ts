/**
 * The gallery's Rust commands and the `sync-changed` event, called by name until the generated
 * bindings carry them. Same shape as the generated `commands`: a command's own error comes back
 * as `{ status: 'error' }`; anything Tauri itself throws as an `Error` propagates.
 */
import { invoke } from '@tauri-apps/api/core'
import { listen } from '@tauri-apps/api/event'
import type {
  GalleryConversation,
  GalleryPage,
  GalleryQuery,
  StorageInfo,
  SyncStatus,
} from '../gallery/types'

type Typed<T> = { status: 'ok'; data: T } | { status: 'error'; error: unknown }

async function typedError<T>(result: Promise<T>): Promise<Typed<T>> {
  try {
    return { status: 'ok', data: await result }
  } catch (e) {
    if (e instanceof Error) throw e
    return { status: 'error', error: e }
  }
}

const call = <T>(cmd: string, args?: Record<string, unknown>) => typedError<T>(invoke<T>(cmd, args))

export const galleryCommands = {
  galleryPage: (query: GalleryQuery, offset: number, limit: number) =>
    call<GalleryPage>('gallery_page', { query, offset, limit }),
  galleryConversations: () => call<GalleryConversation[]>('gallery_conversations'),
  setFavourite: (imageIds: string[], favourite: boolean) => call<null>('set_favourite', { imageIds, favourite }),
  deleteImages: (imageIds: string[]) => call<null>('delete_images', { imageIds }),
  syncStatus: () => call<SyncStatus>('sync_status'),
  syncNow: () => call<SyncStatus>('sync_now'),
  storageInfo: () => call<StorageInfo>('storage_info'),
  setStorageBudget: (bytes: number) => call<StorageInfo>('set_storage_budget', { bytes }),
  clearCache: () => call<StorageInfo>('clear_cache'),
  openCacheFolder: () => call<null>('open_cache_folder'),
  copyImage: (imageId: string) => call<null>('copy_image', { imageId }),
  saveImageAs: (imageId: string) => call<boolean>('save_image_as', { imageId }),
}

export const galleryEvents = {
  syncChanged: {
    listen: (handler: (event: { payload: SyncStatus }) => void) => listen<SyncStatus>('sync-changed', handler),
  },
}
