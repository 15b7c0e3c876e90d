// @ts-check
// The shape of a scenario, and the defaults that let each one state only what it is about.
//
// A scenario file exports an array of scenarios made by `scenario`, `inStudio` or `inGallery`:
// each fills in what nearly every scenario shares (the app's info, a native service answering
// its health check, the Windows user agent where images are served), so a scenario names only
// the commands, window and fakes that make it what it is.
import { APP_INFO, NATIVE, STUDIO, WINDOWS_UA } from './fixtures.mjs'

/** @typedef {ReturnType<typeof import('./helpers.mjs').helpers>} T what `run(t)` can ask of its page */

/**
 * What a scripted command answers: `ok`'s value, `error` (rejected with it), never (`hang`), or
 * only once the test calls `t.release(cmd)` (`wait`).
 * @typedef {{ ok?: any, error?: unknown, hang?: boolean, wait?: boolean }} Outcome
 */
/**
 * Each command's outcome, or a list of outcomes taken in turn (the last one repeats).
 * @typedef {Record<string, Outcome | Outcome[]>} Commands
 */
/**
 * What the fake Tauri runtime answers (see installTauriIpcMock).
 * @typedef {object} Ipc
 * @property {object} [appInfo] what `app_info` answers
 * @property {object} [health] what `check_backend` answers, unless `error` or `hang`
 * @property {object | null} [error] `check_backend` fails with this (the test may clear it)
 * @property {boolean} [hang] `check_backend` never answers
 * @property {Commands} [commands] every other command, over DEFAULT_COMMANDS
 */
/**
 * What `sync_status` answers and `sync-changed` carries.
 * @typedef {{ state: string, pending_changes: number, progress: { done: number, total: number } | null, last_synced_at: number | null, error_code: string | null }} SyncState
 */
/**
 * The fake gallery (see installMockGallery).
 * @typedef {object} GalleryOptions
 * @property {number} count how many synthetic images the cache holds
 * @property {SyncState} [sync] the sync state at the start
 * @property {boolean[]} [saveAs] what each "Save as" dialog answers in turn
 */
/**
 * What a scenario says about itself; everything but `name` and `run` has a default.
 * @typedef {object} ScenarioSpec
 * @property {string} name what `npm run test:browser -- <filter>` matches
 * @property {(t: T) => Promise<void>} run the steps and checks, on a fresh browser profile
 * @property {Ipc} [ipc] over `{ appInfo: APP_INFO, health: NATIVE }`
 * @property {Commands} [commands] the scripted commands (`inStudio`: over STUDIO)
 * @property {string} [locale] the browser's language ('en-US')
 * @property {'light' | 'dark'} [colorScheme] ('light')
 * @property {{ width: number, height: number }} [viewport] (960 × 680)
 * @property {boolean} [clock] page time stands still until `t.page.clock` moves it
 * @property {boolean} [images] serve the image scheme's thumbnails and originals (as Windows)
 * @property {string[]} [missingOriginals] image ids whose original answers 404
 * @property {string[]} [missingThumbnails] image ids whose thumbnail answers 404
 * @property {RegExp[]} [expectedConsole] console errors and warnings that are no problem
 * @property {GalleryOptions} [gallery] install the fake gallery
 * @property {object} [privacy] install the fake privacy settings, starting from these
 */
/**
 * What the runner runs: a spec with its defaults filled in.
 * @typedef {Omit<ScenarioSpec, 'ipc' | 'commands'> & { ipc: Ipc, userAgent?: string }} Scenario
 */

/**
 * A scenario with the defaults: the app's info, the native service healthy; with `images`, the
 * Windows user agent (whose form of the image scheme, http://img.localhost, Playwright can
 * route); with missing images, Chromium's logging of their 404s allowed.
 * @param {ScenarioSpec} spec
 * @returns {Scenario}
 */
export function scenario({ ipc, commands, ...spec }) {
  const missing = spec.missingOriginals ?? spec.missingThumbnails
  return {
    ...(spec.images ? { userAgent: WINDOWS_UA } : {}),
    ...(missing ? { expectedConsole: [/status of 404/] } : {}),
    ...spec,
    ipc: { appInfo: APP_INFO, health: NATIVE, ...ipc, commands: { ...commands } },
  }
}

/**
 * Signed in as Ada, in the studio (STUDIO's commands, under the scenario's own).
 * @param {ScenarioSpec} spec
 */
export const inStudio = ({ commands, ...spec }) => scenario({ ...spec, commands: { ...STUDIO, ...commands } })

/**
 * Signed in, with the fake gallery (100,000 images unless said) and its images served.
 * @param {Omit<ScenarioSpec, 'gallery'> & { gallery?: Partial<GalleryOptions> }} spec
 */
export const inGallery = ({ gallery, ...spec }) => inStudio({ images: true, ...spec, gallery: { count: 100_000, ...gallery } })
