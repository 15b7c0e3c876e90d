/**
 * Everything the Gallery screen holds: the filters and the query they make, the page cache,
 * the selection, the conversations to filter by, the sync state, and the bulk actions. What is in
 * view is read again when a sync (live or a pass) changes the library (`library-changed`).
 */
import type { AppError, Backend, GalleryConversation, GalleryItem, GalleryQuery } from '../backend'
import { GalleryFilters } from './filters.svelte'
import { GalleryPages } from './pages.svelte'
import { EMPTY, selectedCount, selectedIndices, type Selection } from './selection'
import { SyncWatcher } from './sync.svelte'
import { DragOut } from './dragOut'

export class Gallery {
  readonly filters: GalleryFilters
  readonly pages: GalleryPages
  readonly sync: SyncWatcher
  /** Tiles dragged out of the window, as files. */
  readonly dragOut: DragOut
  selection = $state<Selection>(EMPTY)
  conversations = $state<GalleryConversation[]>([])
  /** The last bulk action's failure. */
  actionError = $state<AppError | null>(null)
  busy = $state(false)
  private query: GalleryQuery | null = null
  private stopListening: (() => void) | null = null
  private live = true

  constructor(
    private readonly backend: Backend,
    debounceMs?: number,
  ) {
    this.filters = new GalleryFilters(debounceMs)
    this.pages = new GalleryPages((query, offset, limit) => backend.galleryPage(query, offset, limit))
    this.sync = new SyncWatcher(backend)
    this.dragOut = new DragOut(backend)
  }

  get selected(): number {
    return selectedCount(this.selection)
  }

  async start(): Promise<void> {
    await Promise.all([this.loadConversations(), this.sync.start(), this.listen()])
  }

  stop(): void {
    this.live = false
    this.stopListening?.()
    this.stopListening = null
    this.sync.stop()
    this.filters.stop()
  }

  /** A sync brought images or conversations (made or deleted on any device): show them. */
  private async listen(): Promise<void> {
    const stop = await this.backend.onLibraryChanged((changes) => {
      if (changes.images || changes.conversations) void this.changed()
    })
    if (!this.live) return stop()
    this.stopListening = stop
  }

  async loadConversations(): Promise<void> {
    const list = await this.backend.galleryConversations()
    if (list.status === 'ok') this.conversations = list.data
  }

  /** Shows `query` from the top, with nothing selected. */
  show(query: GalleryQuery): Promise<void> {
    this.query = query
    this.selection = EMPTY
    return this.pages.setQuery(query)
  }

  /** The images changed underneath (a sync, a delete): fetch again what is in view. */
  async changed(): Promise<void> {
    const before = this.pages.total
    await Promise.all([this.pages.refresh(), this.loadConversations()])
    // Positions moved: a selection by position no longer means the same images.
    if (this.pages.total !== before) this.selection = { ...EMPTY, focus: Math.min(this.selection.focus, Math.max(0, (this.pages.total ?? 1) - 1)) }
  }

  /** The selected images' ids (fetching pages of a range not in view). */
  selectedIds(): Promise<string[] | null> {
    return this.pages.idsAt(selectedIndices(this.selection))
  }

  async deleteSelected(): Promise<boolean> {
    return this.run(async () => {
      const ids = await this.selectedIds()
      if (!ids) return { code: 'unknown', message: 'the selected images could not be listed' }
      const done = await this.backend.deleteImages(ids)
      if (done.status === 'error') return done.error
      const focus = this.selection.ranges[0]?.[0] ?? this.selection.focus
      this.selection = { ...EMPTY, focus }
      await this.changed()
      return null
    })
  }

  async favouriteSelected(favourite: boolean): Promise<boolean> {
    return this.run(async () => {
      const ids = await this.selectedIds()
      if (!ids) return { code: 'unknown', message: 'the selected images could not be listed' }
      return this.favourite(ids, favourite)
    })
  }

  async toggleFavourite(item: GalleryItem): Promise<boolean> {
    return this.run(() => this.favourite([item.image_id], !item.favourite))
  }

  private async favourite(ids: string[], favourite: boolean): Promise<AppError | null> {
    const done = await this.backend.setFavourite(ids, favourite)
    if (done.status === 'error') return done.error
    for (const id of ids) this.pages.patch(id, { favourite })
    // With "favourites only", unfavoured images leave the view.
    if (this.query?.favourites_only && !favourite) await this.changed()
    return null
  }

  private async run(action: () => Promise<AppError | null>): Promise<boolean> {
    if (this.busy) return false
    this.busy = true
    this.actionError = null
    try {
      this.actionError = await action()
    } finally {
      this.busy = false
    }
    return this.actionError === null
  }
}
