/**
 * Where a window's start-up time goes: the first time each phase happens, a performance mark
 * `atelier:<phase>`, which `cargo xtask bench startup` reads through WebDriver beside the app's
 * own `startup:` log lines. A mark costs nothing a person notices and is never sent anywhere.
 */
export function markFirst(phase: string): void {
  const name = `atelier:${phase}`
  if (typeof performance === 'undefined' || typeof performance.mark !== 'function') return
  if (performance.getEntriesByName(name, 'mark').length > 0) return
  performance.mark(name)
}

const counts = new Map<string, number>()

/** Marks `phase` the first time this is called for it `times` times (say, the first screen of tiles shown). */
export function markAfter(phase: string, times: number): void {
  const seen = (counts.get(phase) ?? 0) + 1
  counts.set(phase, seen)
  if (seen === times) markFirst(phase)
}
