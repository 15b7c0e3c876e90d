import { afterEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type GalleryQuery } from '../backend'
import { NOTHING_CHANGED, SYNC_IDLE, clearCommandMocks, emitLibraryChanged, galleryItem, mockCommands, settle } from '../backend/testing'
import { Gallery } from './gallery.svelte'

afterEach(() => clearCommandMocks())

const ALL: GalleryQuery = { search: null, conversation_id: null, from_ms: null, to_ms: null, favourites_only: false }

describe('the gallery', () => {
  it('reads again what is in view when the live sync brings images or conversations, and only then', async () => {
    let images = [galleryItem(1)]
    const galleryPage = vi.fn(() => ({ items: images, total: images.length }))
    const galleryConversations = vi.fn(() => [])
    mockCommands({ galleryPage, galleryConversations, syncStatus: () => SYNC_IDLE })
    const gallery = new Gallery(tauriBackend, 0)
    await gallery.start()
    await gallery.show(ALL)
    expect(gallery.pages.total).toBe(1)
    const pagesBefore = galleryPage.mock.calls.length

    // Made on another device: its image reached the cache.
    images = [galleryItem(0), galleryItem(1)]
    await emitLibraryChanged({ ...NOTHING_CHANGED, generations: true, images: true, finished_generations: [galleryItem(0).generation_id] })
    await vi.waitFor(() => expect(gallery.pages.total).toBe(2))
    expect(gallery.pages.item(0)?.image_id).toBe(galleryItem(0).image_id)

    // The ledger or an upload is not the gallery's business.
    const pagesNow = galleryPage.mock.calls.length
    expect(pagesNow).toBeGreaterThan(pagesBefore)
    await emitLibraryChanged({ ...NOTHING_CHANGED, credits: true, uploads: true })
    await settle()
    expect(galleryPage.mock.calls.length).toBe(pagesNow)

    // Gone from view: no longer listening.
    gallery.stop()
    await emitLibraryChanged({ ...NOTHING_CHANGED, images: true })
    await settle()
    expect(galleryPage.mock.calls.length).toBe(pagesNow)
  })
})
