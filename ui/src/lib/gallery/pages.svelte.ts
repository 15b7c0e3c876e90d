/**
 * The grid's window onto a query's results: pages of `PAGE_SIZE` fetched as they come into view
 * (each once; again after a failure), kept up to `maxPages` (the farthest from view go first),
 * and `total` for sizing the grid. A new query starts a new generation: answers to an older one
 * are dropped, so a slow search never overwrites a newer one.
 */
import type { AppError, GalleryItem, GalleryPage, GalleryQuery, Result } from '../backend'
import { markFirst } from '../shell/marks'

export const PAGE_SIZE = 200

export type FetchPage = (query: GalleryQuery, offset: number, limit: number) => Promise<Result<GalleryPage>>

export class GalleryPages {
  /** How many images match; `null` until the first page answers. */
  total = $state<number | null>(null)
  error = $state<AppError | null>(null)
  /** Bumped whenever a page arrives or leaves, so `item()` readers re-render. */
  revision = $state(0)

  private query: GalleryQuery | null = null
  private generation = 0
  private pages = new Map<number, GalleryItem[]>()
  /** Shown while a refresh refetches: the previous generation's pages. */
  private stale = new Map<number, GalleryItem[]>()
  private inflight = new Set<number>()
  private lastWanted: [number, number] = [0, 0]

  constructor(
    private readonly fetchPage: FetchPage,
    private readonly pageSize = PAGE_SIZE,
    private readonly maxPages = 60,
  ) {}

  get loading(): boolean {
    return this.total === null && this.error === null
  }

  /** Shows `query`'s results from the start (what was cached belongs to the old query). */
  setQuery(query: GalleryQuery): Promise<void> {
    this.query = query
    this.generation += 1
    this.pages = new Map()
    this.stale = new Map()
    this.inflight = new Set()
    this.total = null
    this.error = null
    this.revision += 1
    return this.ensure(0, 0)
  }

  /**
   * The same query again (after a delete, a favourite, a sync): what is shown stays until the
   * fresh pages in view replace it.
   */
  refresh(): Promise<void> {
    if (!this.query) return Promise.resolve()
    this.generation += 1
    this.stale = new Map([...this.stale, ...this.pages])
    this.pages = new Map()
    this.inflight = new Set()
    this.error = null
    const [from, to] = this.lastWanted
    return this.ensure(from, to)
  }

  /** The image at `index`, when its page is here. */
  item(index: number): GalleryItem | undefined {
    void this.revision
    const page = Math.floor(index / this.pageSize)
    const items = this.pages.get(page) ?? this.stale.get(page)
    return items?.[index - page * this.pageSize]
  }

  /** Pages cached for the current query (for tests and diagnostics). */
  cachedPages(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b)
  }

  /** Fetches what is missing to show positions `from`…`to` (inclusive). */
  async ensure(from: number, to: number): Promise<void> {
    if (!this.query) return
    this.lastWanted = [from, to]
    const first = Math.max(0, Math.floor(from / this.pageSize))
    let last = Math.floor(Math.max(from, to) / this.pageSize)
    if (this.total !== null) last = Math.min(last, Math.max(0, Math.ceil(this.total / this.pageSize) - 1))
    const wanted: Promise<void>[] = []
    for (let page = first; page <= last; page++) {
      if (!this.pages.has(page) && !this.inflight.has(page)) wanted.push(this.load(page))
    }
    await Promise.all(wanted)
  }

  /** The ids at `indices`, fetching the pages they are on; `null` if a page cannot be had. */
  async idsAt(indices: Iterable<number>): Promise<string[] | null> {
    const byPage = new Map<number, number[]>()
    for (const i of indices) {
      const page = Math.floor(i / this.pageSize)
      let list = byPage.get(page)
      if (!list) byPage.set(page, (list = []))
      list.push(i)
    }
    const ids: string[] = []
    for (const [page, list] of byPage) {
      let items = this.pages.get(page)
      if (!items) {
        if (!this.query) return null
        const answer = await this.fetchPage(this.query, page * this.pageSize, this.pageSize)
        if (answer.status === 'error') return null
        items = answer.data.items
      }
      for (const i of list) {
        const item = items[i - page * this.pageSize]
        if (item) ids.push(item.image_id)
      }
    }
    return ids
  }

  /** Changes one cached image in place (a favourite toggled) without a refetch. */
  patch(imageId: string, change: Partial<GalleryItem>): void {
    for (const map of [this.pages, this.stale]) {
      for (const [page, items] of map) {
        const at = items.findIndex((item) => item.image_id === imageId)
        if (at >= 0) map.set(page, items.map((item, i) => (i === at ? { ...item, ...change } : item)))
      }
    }
    this.revision += 1
  }

  private async load(page: number): Promise<void> {
    const query = this.query
    if (!query) return
    const generation = this.generation
    this.inflight.add(page)
    markFirst('gallery-query')
    const answer = await this.fetchPage(query, page * this.pageSize, this.pageSize)
    markFirst('gallery-page')
    // An answer for an older query or an older refresh: someone else is showing now.
    if (generation !== this.generation) return
    this.inflight.delete(page)
    if (answer.status === 'error') {
      this.error = answer.error
      return
    }
    this.pages.set(page, answer.data.items)
    this.stale.delete(page)
    this.total = answer.data.total
    this.error = null
    if (this.inflight.size === 0) this.stale.clear()
    this.evict()
    this.revision += 1
  }

  /** Keeps at most `maxPages`, dropping those farthest from what was last wanted. */
  private evict(): void {
    if (this.pages.size <= this.maxPages) return
    const centre = (this.lastWanted[0] + this.lastWanted[1]) / 2 / this.pageSize
    const byDistance = [...this.pages.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre))
    for (const page of byDistance.slice(0, this.pages.size - this.maxPages)) this.pages.delete(page)
  }
}
