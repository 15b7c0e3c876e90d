import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { GalleryFilters, SEARCH_DEBOUNCE_MS, dayEnd, dayStart } from './filters.svelte'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('the search box', () => {
  it('applies what was typed once typing pauses for 150 ms, not on every key', () => {
    expect(SEARCH_DEBOUNCE_MS).toBe(150)
    const filters = new GalleryFilters()
    const seen: (string | null)[] = []
    const look = () => seen.at(-1) !== filters.query.search && seen.push(filters.query.search)
    look()
    for (const text of ['l', 'li', 'lig', 'ligh']) {
      filters.type(text)
      vi.advanceTimersByTime(100)
      look()
    }
    expect(filters.query.search).toBeNull()
    vi.advanceTimersByTime(49)
    look()
    expect(filters.query.search).toBeNull()
    vi.advanceTimersByTime(1)
    look()
    expect(seen).toEqual([null, 'ligh'])
  })

  it('Enter applies at once; blank means no search', () => {
    const filters = new GalleryFilters()
    filters.type('  dusk ')
    filters.flush()
    expect(filters.query.search).toBe('dusk')
    filters.type('   ')
    vi.advanceTimersByTime(150)
    expect(filters.query.search).toBeNull()
  })
})

describe('the other filters', () => {
  it('apply at once and reset together', () => {
    const filters = new GalleryFilters()
    filters.conversationId = 'c1'
    filters.favouritesOnly = true
    filters.from = '2026-11-01'
    filters.to = '2026-11-24'
    expect(filters.active).toBe(true)
    expect(filters.query).toEqual({
      search: null,
      conversation_id: 'c1',
      from_ms: new Date(2026, 10, 1).getTime(),
      to_ms: new Date(2026, 10, 25).getTime() - 1,
      favourites_only: true,
    })
    filters.reset()
    expect(filters.active).toBe(false)
    expect(filters.query).toEqual({ search: null, conversation_id: null, from_ms: null, to_ms: null, favourites_only: false })
  })

  it('read a backwards date range as the days between, and ignore a half-typed date', () => {
    const filters = new GalleryFilters()
    filters.from = '2026-11-24'
    filters.to = '2026-11-01'
    expect(filters.query.from_ms).toBe(dayStart('2026-11-01'))
    expect(filters.query.to_ms).toBe(dayEnd('2026-11-24'))
    expect(dayStart('2026-1')).toBeNull()
    expect(dayEnd('')).toBeNull()
  })
})
