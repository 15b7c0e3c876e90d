import { describe, expect, it, vi } from 'vitest'
import type { GalleryPage, GalleryQuery, Result } from '../backend'
import { galleryItem } from '../backend/testing'
import { GalleryPages } from './pages.svelte'

const ALL: GalleryQuery = { search: null, conversation_id: null, from_ms: null, to_ms: null, favourites_only: false }

/** A fake `gallery_page` over `total` images; `matches` narrows by search. */
function source(total: number) {
  const calls: { query: GalleryQuery; offset: number; limit: number }[] = []
  const fetch = vi.fn(async (query: GalleryQuery, offset: number, limit: number): Promise<Result<GalleryPage>> => {
    calls.push({ query, offset, limit })
    const count = query.search ? Math.floor(total / 10) : total
    const items = []
    for (let i = offset; i < Math.min(offset + limit, count); i++) items.push(galleryItem(i, { prompt: `${query.search ?? 'all'} ${i}` }))
    return { status: 'ok', data: { items, total: count } }
  })
  return { fetch, calls }
}

/** A promise the test resolves by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('the gallery page cache', () => {
  it('learns the total from the first page and fetches windows of 200 as they come into view, once each', async () => {
    const { fetch, calls } = source(100_000)
    const pages = new GalleryPages(fetch)
    expect(pages.loading).toBe(true)
    await pages.setQuery(ALL)
    expect(pages.total).toBe(100_000)
    expect(calls).toEqual([{ query: ALL, offset: 0, limit: 200 }])
    expect(pages.item(199)?.image_id).toBe(galleryItem(199).image_id)
    expect(pages.item(200)).toBeUndefined()

    await pages.ensure(150, 450)
    expect(calls.map((c) => c.offset)).toEqual([0, 200, 400])
    await pages.ensure(150, 450)
    expect(fetch).toHaveBeenCalledTimes(3)

    // The end: never past the last page.
    await pages.ensure(99_950, 100_400)
    expect(calls.at(-1)?.offset).toBe(99_800)
    expect(pages.item(99_999)?.prompt).toBe('all 99999')
  })

  it('asks for a page in flight only once', async () => {
    const { fetch } = source(1000)
    const pages = new GalleryPages(fetch)
    await pages.setQuery(ALL)
    await Promise.all([pages.ensure(200, 300), pages.ensure(250, 260), pages.ensure(210, 399)])
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('keeps a bounded number of pages, dropping the farthest from view', async () => {
    const { fetch } = source(100_000)
    const pages = new GalleryPages(fetch, 200, 3)
    await pages.setQuery(ALL)
    for (const at of [200, 400, 600, 800]) await pages.ensure(at, at)
    expect(pages.cachedPages()).toEqual([2, 3, 4])
    // Scrolling back fetches again.
    await pages.ensure(0, 0)
    expect(fetch).toHaveBeenCalledTimes(6)
  })

  it('drops an answer to an older query that arrives after the newer one', async () => {
    const slow = deferred<Result<GalleryPage>>()
    const fetch = vi.fn(async (query: GalleryQuery): Promise<Result<GalleryPage>> => {
      if (query.search === 'light') return slow.promise
      return { status: 'ok', data: { items: [galleryItem(1, { prompt: 'lighthouse' })], total: 1 } }
    })
    const pages = new GalleryPages(fetch)
    const first = pages.setQuery({ ...ALL, search: 'light' })
    await pages.setQuery({ ...ALL, search: 'lighthouse' })
    expect(pages.total).toBe(1)
    slow.resolve({ status: 'ok', data: { items: [galleryItem(2, { prompt: 'light' }), galleryItem(3)], total: 2 } })
    await first
    expect(pages.total).toBe(1)
    expect(pages.item(0)?.prompt).toBe('lighthouse')
    expect(pages.item(1)).toBeUndefined()
  })

  it('starts over for a new query and keeps showing the old pages while a refresh is under way', async () => {
    const { fetch } = source(1000)
    const pages = new GalleryPages(fetch)
    await pages.setQuery(ALL)
    await pages.ensure(0, 450)
    await pages.setQuery({ ...ALL, search: 'x' })
    expect(pages.total).toBe(100)
    expect(pages.item(0)?.prompt).toBe('x 0')
    expect(pages.item(300)).toBeUndefined()

    const held = deferred<Result<GalleryPage>>()
    fetch.mockImplementationOnce(() => held.promise)
    const refreshed = pages.refresh()
    expect(pages.item(0)?.prompt).toBe('x 0')
    held.resolve({ status: 'ok', data: { items: [galleryItem(0, { prompt: 'fresh' })], total: 1 } })
    await refreshed
    expect(pages.item(0)?.prompt).toBe('fresh')
    expect(pages.total).toBe(1)
  })

  it('keeps the error and tries the page again on the next look', async () => {
    const fetch = vi
      .fn<(q: GalleryQuery, o: number, l: number) => Promise<Result<GalleryPage>>>()
      .mockResolvedValueOnce({ status: 'error', error: { code: 'internal', message: '' } })
      .mockResolvedValue({ status: 'ok', data: { items: [galleryItem(0)], total: 1 } })
    const pages = new GalleryPages(fetch)
    await pages.setQuery(ALL)
    expect(pages.error?.code).toBe('internal')
    expect(pages.loading).toBe(false)
    await pages.ensure(0, 0)
    expect(pages.error).toBeNull()
    expect(pages.total).toBe(1)
  })

  it('resolves positions to ids, fetching pages not in view, and patches an image in place', async () => {
    const { fetch } = source(1000)
    const pages = new GalleryPages(fetch)
    await pages.setQuery(ALL)
    expect(await pages.idsAt([0, 1, 650])).toEqual([0, 1, 650].map((n) => galleryItem(n).image_id))
    expect(pages.cachedPages()).toEqual([0])
    pages.patch(galleryItem(1).image_id, { favourite: true })
    expect(pages.item(1)?.favourite).toBe(true)
  })
})
