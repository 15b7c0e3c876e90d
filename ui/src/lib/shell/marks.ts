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
