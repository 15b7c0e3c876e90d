/**
 * The gallery's filters as the person sets them, and the query the grid shows: the search
 * follows typing after a short pause (`SEARCH_DEBOUNCE_MS`); the other filters apply at once.
 */
import type { GalleryQuery } from '../backend'

export const SEARCH_DEBOUNCE_MS = 150

/** `yyyy-mm-dd` (an `<input type="date">` value) → the start of that day, local time. */
export function dayStart(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return null
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime()
}

/** `yyyy-mm-dd` → the last millisecond of that day, local time. */
export function dayEnd(value: string): number | null {
  const start = dayStart(value)
  if (start === null) return null
  const d = new Date(start)
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime() - 1
}

export class GalleryFilters {
  /** What is in the search box, as typed. */
  search = $state('')
  conversationId = $state<string | null>(null)
  /** `yyyy-mm-dd` or empty. */
  from = $state('')
  to = $state('')
  favouritesOnly = $state(false)
  /** The search the query uses: `search`, once typing paused. */
  private settledSearch = $state('')
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly debounceMs = SEARCH_DEBOUNCE_MS) {}

  /** Called as the person types. */
  type(text: string): void {
    this.search = text
    clearTimeout(this.timer)
    this.timer = setTimeout(() => (this.settledSearch = text), this.debounceMs)
  }

  /** Applies the search at once (Enter, or the clear button). */
  flush(): void {
    clearTimeout(this.timer)
    this.settledSearch = this.search
  }

  get active(): boolean {
    return !!(this.search.trim() || this.conversationId || this.from || this.to || this.favouritesOnly)
  }

  reset(): void {
    this.search = ''
    this.conversationId = null
    this.from = ''
    this.to = ''
    this.favouritesOnly = false
    this.flush()
  }

  get query(): GalleryQuery {
    const search = this.settledSearch.trim()
    let from_ms = dayStart(this.from)
    let to_ms = dayEnd(this.to)
    // A range typed backwards still means the days between.
    if (from_ms !== null && to_ms !== null && from_ms > to_ms) {
      from_ms = dayStart(this.to)
      to_ms = dayEnd(this.from)
    }
    return {
      search: search || null,
      conversation_id: this.conversationId,
      from_ms,
      to_ms,
      favourites_only: this.favouritesOnly,
    }
  }

  stop(): void {
    clearTimeout(this.timer)
  }
}
