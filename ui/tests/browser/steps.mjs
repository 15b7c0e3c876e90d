// @ts-check
// Steps more than one scenario file takes.
import { png } from './fixtures.mjs'

/** @typedef {import('./scenario.mjs').T} T */
/** @typedef {{ name: string, type: string, hue?: number }} FileSpec a file from the OS: a real PNG for images */

/** Opens the gallery and waits for the tiles in view. */
export async function openGallery(/** @type {T} */ t) {
  await t.byId('nav-gallery').click()
  await t.expectTilesLoaded()
}

/** Opens image `i`'s detail view from its tile (a double-click), in English. */
export async function openDetail(/** @type {T} */ t, /** @type {number} */ i) {
  await t.tile(i).dblclick()
  await t.expectDialog('Image details')
}

/** Settings, on one of its tabs. */
export async function openSettings(/** @type {T} */ t, /** @type {'storage' | 'data' | 'language'} */ tab) {
  await t.byId('nav-settings').click()
  await t.byId(`settings-tab-${tab}`).click()
}

/** The composer's model menu should offer exactly `ids`. */
export async function expectModels(/** @type {T} */ t, /** @type {string[]} */ ids) {
  await t.waitUntil(`the models offered should be ${ids}`, (ids) => {
    const offered = [.../** @type {HTMLSelectElement} */ (document.querySelector('[data-testid="composer-model"]')).options].map((o) => o.value)
    return { ok: JSON.stringify(offered) === JSON.stringify(ids), seen: offered }
  }, ids)
}

/** Files for a synthetic DataTransfer: a real PNG for images, a few bytes for anything else. */
function fileSpecs(/** @type {FileSpec[]} */ files) {
  return files.map((f) => ({ ...f, bytes: [...(f.type === 'image/png' ? png(f.hue ?? 0, 64) : Buffer.from('%PDF-1.7'))] }))
}

/**
 * Drags files from the OS onto `id` (and drops them, unless `drop` is false), as Chromium does.
 * @param {T} t
 * @param {string} id
 * @param {FileSpec[]} files
 */
export async function dropFiles(t, id, files, { drop = true } = {}) {
  await t.page.evaluate(
    ({ id, files, drop }) => {
      const target = /** @type {Element} */ (document.querySelector(`[data-testid="${id}"]`))
      const dataTransfer = new DataTransfer()
      for (const f of files) dataTransfer.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }))
      const types = drop ? ['dragenter', 'dragover', 'drop'] : ['dragenter', 'dragover']
      for (const type of types) target.dispatchEvent(new DragEvent(type, { dataTransfer, bubbles: true, cancelable: true }))
    },
    { id, files: fileSpecs(files), drop },
  )
}

/**
 * Pastes files into `id`, as a paste of an image copied elsewhere does.
 * @param {T} t
 * @param {string} id
 * @param {FileSpec[]} files
 */
export async function pasteFiles(t, id, files) {
  await t.page.evaluate(
    ({ id, files }) => {
      const target = /** @type {Element} */ (document.querySelector(`[data-testid="${id}"]`))
      const clipboardData = new DataTransfer()
      for (const f of files) clipboardData.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }))
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }))
    },
    { id, files: fileSpecs(files) },
  )
}
