/**
 * Which tiles of the grid are selected, by position in the current query's results (so a range
 * over 100,000 images is two numbers, not 100,000 ids), and the focused tile the keyboard moves.
 * Pure functions over a plain value: the grid keeps one in `$state` and replaces it.
 */

/** Inclusive, sorted, disjoint, never touching. */
export type Range = readonly [start: number, end: number]

export type Selection = {
  ranges: readonly Range[]
  /** Where a Shift-extended range starts. */
  anchor: number | null
  /** The tile the keyboard is on. */
  focus: number
}

export const EMPTY: Selection = { ranges: [], anchor: null, focus: 0 }

export type Modifiers = { shift?: boolean; ctrl?: boolean }

/** What a key asks the grid to do besides changing the selection. */
export type KeyOutcome = { selection: Selection; handled: boolean; action?: 'delete' | 'open' }

function normalise(ranges: Iterable<Range>): Range[] {
  const sorted = [...ranges].filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0])
  const out: [number, number][] = []
  for (const [a, b] of sorted) {
    const last = out.at(-1)
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b)
    else out.push([a, b])
  }
  return out
}

const span = (a: number, b: number): Range => (a <= b ? [a, b] : [b, a])

export function isSelected(selection: Selection, index: number): boolean {
  return selection.ranges.some(([a, b]) => index >= a && index <= b)
}

export function selectedCount(selection: Selection): number {
  return selection.ranges.reduce((sum, [a, b]) => sum + b - a + 1, 0)
}

/** Every selected position, in order. */
export function* selectedIndices(selection: Selection): Generator<number> {
  for (const [a, b] of selection.ranges) for (let i = a; i <= b; i++) yield i
}

function without(ranges: readonly Range[], index: number): Range[] {
  const out: Range[] = []
  for (const [a, b] of ranges) {
    if (index < a || index > b) out.push([a, b])
    else {
      if (a <= index - 1) out.push([a, index - 1])
      if (index + 1 <= b) out.push([index + 1, b])
    }
  }
  return out
}

function toggle(selection: Selection, index: number): Selection {
  const ranges = isSelected(selection, index)
    ? without(selection.ranges, index)
    : normalise([...selection.ranges, [index, index]])
  return { ranges, anchor: index, focus: index }
}

/**
 * A click on tile `index`: alone, it selects just that tile; Ctrl/Cmd toggles it; Shift selects
 * from the anchor to it (Ctrl+Shift adds that range to what was selected).
 */
export function click(selection: Selection, index: number, mods: Modifiers = {}): Selection {
  if (mods.shift && selection.anchor !== null) {
    const range = span(selection.anchor, index)
    const ranges = mods.ctrl ? normalise([...selection.ranges, range]) : [range]
    return { ranges, anchor: selection.anchor, focus: index }
  }
  if (mods.ctrl) return toggle(selection, index)
  return { ranges: [[index, index]], anchor: index, focus: index }
}

export function selectAll(count: number, selection: Selection = EMPTY): Selection {
  if (count <= 0) return EMPTY
  return { ranges: [[0, count - 1]], anchor: selection.anchor ?? 0, focus: Math.min(selection.focus, count - 1) }
}

export function clear(selection: Selection): Selection {
  return { ranges: [], anchor: null, focus: selection.focus }
}

const MOVES: Record<string, (focus: number, columns: number, count: number) => number> = {
  ArrowLeft: (f) => f - 1,
  ArrowRight: (f) => f + 1,
  ArrowUp: (f, c) => f - c,
  ArrowDown: (f, c) => f + c,
  Home: () => 0,
  End: (_f, _c, n) => n - 1,
}

/**
 * A key pressed in the grid of `count` tiles laid out in `columns`: arrows (and Home/End) move the
 * focus, with Shift they extend the selection from the anchor; Space toggles the focused tile;
 * Ctrl/Cmd+A selects all; Esc clears; Delete asks to delete; Enter asks to open.
 */
export function key(selection: Selection, key: string, mods: Modifiers, columns: number, count: number): KeyOutcome {
  const unchanged = { selection, handled: false }
  if (count <= 0) return unchanged
  const focus = Math.min(Math.max(selection.focus, 0), count - 1)
  const move = MOVES[key]
  if (move && !mods.ctrl) {
    let next = move(focus, Math.max(1, columns), count)
    // Up and down stop at the first or last row; left and right at the ends.
    if (next < 0 || next >= count) next = key === 'ArrowUp' || key === 'ArrowDown' ? focus : Math.min(Math.max(next, 0), count - 1)
    if (mods.shift) {
      const anchor = selection.anchor ?? focus
      return { selection: { ranges: [span(anchor, next)], anchor, focus: next }, handled: true }
    }
    return { selection: { ...selection, focus: next }, handled: true }
  }
  switch (key) {
    case ' ':
      return { selection: toggle(selection, focus), handled: true }
    case 'a':
    case 'A':
      return mods.ctrl ? { selection: selectAll(count, selection), handled: true } : unchanged
    case 'Escape':
      return selection.ranges.length ? { selection: clear(selection), handled: true } : unchanged
    case 'Delete':
    case 'Backspace':
      return { selection, handled: true, action: 'delete' }
    case 'Enter':
      return { selection, handled: true, action: 'open' }
  }
  return unchanged
}

/** The drag data type of a gallery image: its id (what the studio's composer accepts as an input). */
export const IMAGE_DRAG_TYPE = 'application/x-atelier-image'

/**
 * A tile's `dragstart`: the drag carries the image's id, to be copied (never moved) where it is
 * dropped, and shows the tile's thumbnail under the pointer; `outside` adds what other
 * applications take (the original as a file, see `dragOut.ts`).
 */
export function startImageDrag(event: DragEvent, imageId: string, outside?: (data: DataTransfer) => void): void {
  const data = event.dataTransfer
  if (!data) return
  data.setData(IMAGE_DRAG_TYPE, imageId)
  outside?.(data)
  data.effectAllowed = 'copy'
  const thumbnail = (event.currentTarget as Element | null)?.querySelector?.('img')
  if (thumbnail) data.setDragImage(thumbnail, 24, 24)
}
