import { describe, expect, it } from 'vitest'
import { EMPTY, IMAGE_DRAG_TYPE, click, clear, isSelected, key, selectAll, selectedCount, selectedIndices, startImageDrag, type Selection } from './selection'

const indices = (s: Selection) => [...selectedIndices(s)]

describe('selection by mouse', () => {
  it('a click selects one tile, replacing what was selected', () => {
    let s = click(EMPTY, 3)
    s = click(s, 7)
    expect(indices(s)).toEqual([7])
    expect(s.anchor).toBe(7)
  })

  it('Ctrl/Cmd-click toggles tiles one by one', () => {
    let s = click(EMPTY, 2)
    s = click(s, 5, { ctrl: true })
    s = click(s, 9, { ctrl: true })
    expect(indices(s)).toEqual([2, 5, 9])
    s = click(s, 5, { ctrl: true })
    expect(indices(s)).toEqual([2, 9])
  })

  it('Shift-click selects the range from the anchor, either way, and moves it again from the same anchor', () => {
    let s = click(EMPTY, 10)
    s = click(s, 14, { shift: true })
    expect(indices(s)).toEqual([10, 11, 12, 13, 14])
    s = click(s, 8, { shift: true })
    expect(indices(s)).toEqual([8, 9, 10])
    expect(s.anchor).toBe(10)
  })

  it('Ctrl+Shift-click adds a range to what was picked', () => {
    let s = click(EMPTY, 1)
    s = click(s, 20, { ctrl: true })
    s = click(s, 22, { ctrl: true, shift: true })
    expect(indices(s)).toEqual([1, 20, 21, 22])
  })

  it('keeps ranges merged, so 100,000 tiles cost two numbers', () => {
    const s = selectAll(100_000)
    expect(s.ranges).toEqual([[0, 99_999]])
    expect(selectedCount(s)).toBe(100_000)
    expect(isSelected(s, 99_999)).toBe(true)
    const hole = click(s, 500, { ctrl: true })
    expect(hole.ranges).toEqual([
      [0, 499],
      [501, 99_999],
    ])
    expect(selectedCount(click(hole, 500, { ctrl: true }))).toBe(100_000)
  })
})

describe('selection by keyboard', () => {
  const cols = 4
  const count = 10 // rows: 0-3, 4-7, 8-9

  it('arrows move the focus without selecting; up and down by a row, stopping at the edges', () => {
    let s: Selection = { ...EMPTY, focus: 5 }
    s = key(s, 'ArrowDown', {}, cols, count).selection
    expect(s.focus).toBe(9)
    s = key(s, 'ArrowDown', {}, cols, count).selection
    expect(s.focus).toBe(9)
    s = key(s, 'ArrowRight', {}, cols, count).selection
    expect(s.focus).toBe(9)
    s = key(s, 'ArrowUp', {}, cols, count).selection
    s = key(s, 'ArrowUp', {}, cols, count).selection
    expect(s.focus).toBe(1)
    s = key(s, 'ArrowUp', {}, cols, count).selection
    expect(s.focus).toBe(1)
    s = key(s, 'ArrowLeft', {}, cols, count).selection
    s = key(s, 'ArrowLeft', {}, cols, count).selection
    expect(s.focus).toBe(0)
    expect(selectedCount(s)).toBe(0)
    expect(key(s, 'End', {}, cols, count).selection.focus).toBe(9)
  })

  it('Space toggles the focused tile; Shift+arrows extend from the anchor', () => {
    let s: Selection = { ...EMPTY, focus: 1 }
    s = key(s, ' ', {}, cols, count).selection
    expect(indices(s)).toEqual([1])
    s = key(s, 'ArrowRight', { shift: true }, cols, count).selection
    s = key(s, 'ArrowDown', { shift: true }, cols, count).selection
    expect(indices(s)).toEqual([1, 2, 3, 4, 5, 6])
    s = key(s, 'ArrowUp', { shift: true }, cols, count).selection
    expect(indices(s)).toEqual([1, 2])
    s = key(s, ' ', {}, cols, count).selection
    expect(indices(s)).toEqual([1])
  })

  it('Ctrl/Cmd+A selects all, Esc clears, Delete and Enter ask the grid', () => {
    let s: Selection = { ...EMPTY, focus: 3 }
    const all = key(s, 'a', { ctrl: true }, cols, count)
    expect(all.handled).toBe(true)
    s = all.selection
    expect(selectedCount(s)).toBe(10)
    expect(key(s, 'a', {}, cols, count).handled).toBe(false)
    expect(key(s, 'Delete', {}, cols, count).action).toBe('delete')
    expect(key(s, 'Enter', {}, cols, count).action).toBe('open')
    s = key(s, 'Escape', {}, cols, count).selection
    expect(selectedCount(s)).toBe(0)
    expect(s.focus).toBe(3)
    expect(key(s, 'Escape', {}, cols, count).handled).toBe(false)
    expect(clear(s)).toEqual({ ranges: [], anchor: null, focus: 3 })
  })

  it('does nothing in an empty grid', () => {
    expect(key(EMPTY, 'ArrowDown', {}, cols, 0).handled).toBe(false)
    expect(selectAll(0)).toEqual(EMPTY)
  })
})

describe('dragging a tile', () => {
  it('carries the image id as application/x-atelier-image, to copy, under its thumbnail', () => {
    const data = new Map<string, string>()
    let dragImage: Element | null = null
    const dataTransfer = {
      effectAllowed: 'all',
      setData: (type: string, value: string) => void data.set(type, value),
      setDragImage: (image: Element) => void (dragImage = image),
    }
    const tile = document.createElement('button')
    const thumbnail = tile.appendChild(document.createElement('img'))
    const event = { dataTransfer, currentTarget: tile } as unknown as DragEvent
    startImageDrag(event, '0123456789abcdef0123456789abcdef')
    expect(IMAGE_DRAG_TYPE).toBe('application/x-atelier-image')
    expect([...data]).toEqual([['application/x-atelier-image', '0123456789abcdef0123456789abcdef']])
    expect(dataTransfer.effectAllowed).toBe('copy')
    expect(dragImage).toBe(thumbnail)
  })
})
