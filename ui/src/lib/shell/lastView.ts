/**
 * The main view a window was last on (the Studio or the Gallery), so the next start opens there:
 * someone who was browsing their library finds it painted, without a click and before anything
 * else is asked of the service. Kept in the webview's storage, which deleting the account clears.
 */
const KEY = 'atelier.view'

export type MainView = 'studio' | 'gallery'

export function lastView(): MainView {
  try {
    return globalThis.localStorage?.getItem(KEY) === 'gallery' ? 'gallery' : 'studio'
  } catch {
    return 'studio' // storage refused (a locked-down profile): the default
  }
}

/** Remembers `view` when it is a main view; the others (Settings, Credits, Account) are visits. */
export function rememberView(view: string): void {
  if (view !== 'studio' && view !== 'gallery') return
  try {
    globalThis.localStorage?.setItem(KEY, view)
  } catch {
    // Not remembered: the next start opens the Studio.
  }
}
