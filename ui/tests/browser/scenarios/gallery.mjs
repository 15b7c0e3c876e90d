// @ts-check
// The gallery over the fake cache's synthetic images (see installMockGallery): scrolling all
// 100,000, search and filters, selecting and deleting, the detail view, offline with changes
// waiting to sync; in Chinese and dark.
import { galleryId, OFFLINE, TIMEOUT_MS } from '../fixtures.mjs'
import { inGallery } from '../scenario.mjs'
import { openDetail, openGallery, openSettings } from '../steps.mjs'

/**
 * The sync state of a gallery that went offline with `pending` changes waiting.
 * @param {number} pending
 * @param {number | null} last_synced_at
 */
const offline = (pending, last_synced_at) => ({ state: 'offline', pending_changes: pending, progress: null, last_synced_at, error_code: null })

export default [
  inGallery({
    // The window opens on the main view it was last on: the gallery again after a restart, not
    // Settings (a visit), and the Studio once that was the last.
    name: 'gallery-reopens-where-left',
    async run(t) {
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.byId('nav-gallery').click()
      await t.byId('nav-settings').click()
      await t.page.reload()
      await t.expectAttr('nav-gallery', 'aria-current', 'page')
      await t.expectAttr('gallery-count', 'data-count', '100000')
      await t.expectTilesLoaded()
      await t.byId('nav-studio').click()
      await t.page.reload()
      await t.expectAttr('nav-studio', 'aria-current', 'page')
    },
  }),
  inGallery({
    // Scrolls the whole way down: pages of 200 come as they are needed, the last image shows.
    name: 'gallery-scroll',
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectAttr('gallery-count', 'data-count', '100000')
      await t.expectText('gallery-count', '100,000 images')
      await t.expectTilesLoaded()
      await t.screenshot('gallery')

      for (const [speed, fraction] of /** @type {const} */ ([['wheel', 0.15], ['fling', 0.8]])) {
        const frames = await t.measureScroll(fraction)
        const pct = (/** @type {number} */ p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))].toFixed(1)
        console.log(`    scroll 100,000 images (${speed}, ${fraction} screen a frame): ${frames.length} frames, p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms`)
      }

      await t.page.evaluate(() => {
        const scroller = /** @type {HTMLElement} */ (document.querySelector('[data-testid="gallery-grid"] .scroller'))
        scroller.scrollTop = scroller.scrollHeight
      })
      await t.waitUntil('the last image should be in view, its thumbnail loaded', (id) => {
        const tile = /** @type {HTMLElement | null} */ (document.querySelector(`[data-testid="gallery-tile"][data-index="99999"]`))
        const img = tile?.querySelector('img')
        const scroller = document.querySelector('[data-testid="gallery-grid"] .scroller')
        if (!tile || !img || !scroller) return { ok: false, seen: null }
        const box = tile.getBoundingClientRect()
        const view = scroller.getBoundingClientRect()
        const seen = { id: tile.dataset.id, loaded: img.complete && img.naturalWidth > 0, inView: box.top >= view.top - 1 && box.bottom <= view.bottom + 1 }
        return { ok: seen.id === id && seen.loaded && seen.inView, seen }
      }, galleryId(99_999))
      await t.expectTilesLoaded()
      await t.screenshot('gallery-end')
      // Every page asked for was a window of 200, and far fewer than 500 of them.
      const args = await t.argsOf('gallery_page')
      if (!args.every((/** @type {any} */ a) => a.limit === 200 && a.offset % 200 === 0)) throw new Error(`pages should be windows of 200: ${JSON.stringify(args.slice(0, 5))}`)
      if (args.length > 120) throw new Error(`${args.length} pages fetched for one scroll`)
    },
  }),
  inGallery({
    // Search narrows as you type (once typing pauses), then a Shift-click range is deleted.
    name: 'gallery-search-select-delete',
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectAttr('gallery-count', 'data-count', '100000')
      await t.byId('gallery-search').click()
      await t.page.keyboard.type('harbour', { delay: 40 })
      await t.expectAttr('gallery-count', 'data-count', '12500')
      const searches = (await t.argsOf('gallery_page')).map((/** @type {any} */ a) => a.query.search)
      if (searches.some((/** @type {string | null} */ q) => q !== null && q !== 'harbour')) throw new Error(`searched while typing: ${JSON.stringify(searches)}`)
      await t.expectTilesLoaded()
      const prompts = await t.page.evaluate(() => [...document.querySelectorAll('[data-testid="gallery-tile"]')].map((b) => b.getAttribute('aria-label')))
      if (!prompts.length || !prompts.every((p) => p?.includes('harbour'))) throw new Error(`tiles should all be harbours: ${prompts.slice(0, 3)}`)
      // More words narrow further; the conversation filter too.
      await t.byId('gallery-search').fill('harbour fog')
      await t.expectAttr('gallery-count', 'data-count', '2083')
      await t.byId('gallery-search').fill('')
      await t.byId('gallery-conversation').selectOption({ label: 'Harbours (12,500)' }, { timeout: TIMEOUT_MS })
      await t.expectAttr('gallery-count', 'data-count', '12500')
      await t.byId('gallery-favourites').check()
      await t.expectAttr('gallery-count', 'data-count', '1785')
      await t.byId('gallery-reset').click()
      await t.expectAttr('gallery-count', 'data-count', '100000')
      await t.expectTilesLoaded()

      // Click the first, Shift-click the sixth: six selected.
      await t.tile(0).click()
      await t.tile(5).click({ modifiers: ['Shift'] })
      await t.expectAttr('selection-count', 'data-count', '6')
      // Ctrl-click takes one out; the keyboard extends.
      await t.tile(3).click({ modifiers: ['Control'] })
      await t.expectAttr('selection-count', 'data-count', '5')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('selection-bar')
      await t.expectFocused('gallery-tile')
      await t.page.keyboard.press('Shift+ArrowRight')
      await t.page.keyboard.press('Shift+ArrowRight')
      await t.expectAttr('selection-count', 'data-count', '3')
      await t.page.keyboard.press('Control+a')
      await t.expectAttr('selection-count', 'data-count', '100000')
      await t.page.keyboard.press('Escape')
      await t.tile(0).click()
      await t.tile(5).click({ modifiers: ['Shift'] })
      await t.expectAttr('selection-count', 'data-count', '6')
      await t.screenshot('gallery-selected')

      const ids = await t.page.evaluate(() => [...Array(6).keys()].map((i) => /** @type {HTMLElement} */ (document.querySelector(`[data-testid="gallery-tile"][data-index="${i}"]`)).dataset.id))
      await t.byId('bulk-delete').click()
      await t.expectText('confirm-dialog', 'Delete 6 images?')
      await t.expectFocused('confirm-cancel')
      await t.screenshot('gallery-confirm-delete')
      await t.byId('confirm-accept').click()
      await t.expectAttr('gallery-count', 'data-count', '99994')
      await t.expectAbsent('confirm-dialog')
      await t.expectArgs('delete_images', [{ imageIds: ids }])
      await t.expectAbsent('selection-bar')
      // What was seventh is now first.
      await t.waitUntil('the first tile should be what was seventh', (id) => {
        const seen = /** @type {HTMLElement | null} */ (document.querySelector('[data-testid="gallery-tile"][data-index="0"]'))?.dataset.id
        return { ok: seen === id, seen }
      }, galleryId(6))
      // Delete on the keyboard asks too; Esc says no.
      await t.tile(0).click()
      await t.page.keyboard.press('Delete')
      await t.expectText('confirm-dialog', 'Delete this image?')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('confirm-dialog')
      await t.expectCallCount('delete_images', 1)
    },
  }),
  inGallery({
    // Double-click opens the detail view: the original, what it cost, and what to do with it.
    name: 'gallery-detail',
    gallery: { saveAs: [false, true] },
    async run(t) {
      await openGallery(t)
      const first = galleryId(0)
      await openDetail(t, 0)
      await t.expectOriginalLoaded(first, 1024)
      await t.expectText('detail-prompt', 'A lighthouse at dusk, no. 1')
      await t.expectText('detail-model', 'seedream · 1:1')
      await t.expectText('detail-size', '1024 × 1024 px · 176\u00a0KB')
      await t.expectText('detail-date', 'November 24, 2026')
      await t.expectText('detail-credits', '6 credits')
      await t.expectText('detail-conversation', 'Lighthouses')
      await t.expectAttr('detail-favourite', 'aria-pressed', 'true')
      await t.screenshot('gallery-detail')

      await t.byId('detail-favourite').click()
      await t.expectAttr('detail-favourite', 'aria-pressed', 'false')
      await t.expectArgs('set_favourite', [{ imageIds: [first], favourite: false }])
      await t.byId('detail-copy-prompt').click()
      await t.expectText('detail-status', 'Prompt copied.')
      const copied = await t.page.evaluate(() => navigator.clipboard.readText())
      if (copied !== 'A lighthouse at dusk, no. 1') throw new Error(`clipboard holds ${JSON.stringify(copied)}`)
      await t.byId('detail-copy-image').click()
      await t.expectText('detail-status', 'Image copied.')
      await t.expectArgs('copy_image', [{ imageId: first }])
      // Cancelled in the dialog: nothing said. Then saved.
      await t.byId('detail-save').click()
      await t.expectCallCount('save_image_as', 1)
      await t.waitUntil('nothing should be said after a cancelled save', () => {
        const text = /** @type {HTMLElement} */ (document.querySelector('[data-testid="detail-status"]')).textContent.trim()
        return { ok: text === '', seen: text }
      })
      await t.byId('detail-save').click()
      await t.expectText('detail-status', 'Saved.')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('gallery-detail')
      // The first tile is no longer a favourite.
      await t.waitUntil('the first tile should have lost its star', () => {
        const star = document.querySelector('[data-testid="gallery-tile"][data-index="0"] [data-testid="tile-favourite"]')
        return { ok: !star, seen: !!star }
      })

      // "Use this prompt" takes it to the studio's composer.
      await t.tile(1).click()
      await t.page.keyboard.press('Enter')
      await t.byId('viewer-use-prompt').click()
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.expectValue('composer-prompt', 'A harbour at dusk, no. 2')
    },
  }),
  inGallery({
    // Offline: the banner counts the changes waiting; a delete adds one; Sync now shows progress.
    name: 'gallery-offline',
    gallery: { sync: offline(3, Date.UTC(2026, 10, 24, 6)) },
    ipc: { error: OFFLINE },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectAttr('sync-banner', 'data-state', 'offline')
      await t.expectText('sync-banner', "You're offline.")
      await t.expectText('sync-pending', '3 changes waiting to sync')
      await t.expectTilesLoaded()
      await t.screenshot('gallery-offline')
      await t.tile(2).click()
      await t.byId('bulk-delete').click()
      await t.byId('confirm-accept').click()
      await t.expectAttr('gallery-count', 'data-count', '99999')
      await t.expectText('sync-pending', '4 changes waiting to sync')
      await t.byId('sync-now').click()
      await t.expectAttr('sync-banner', 'data-state', 'syncing')
      await t.emit('sync-changed', { state: 'syncing', pending_changes: 4, progress: { done: 2, total: 4 }, last_synced_at: null, error_code: null })
      await t.expectText('sync-progress', '2 of 4')
      await t.screenshot('gallery-syncing')
      await t.emit('sync-changed', { state: 'idle', pending_changes: 0, progress: null, last_synced_at: Date.UTC(2026, 10, 24, 9), error_code: null })
      await t.expectAbsent('sync-banner')
    },
  }),
  inGallery({
    name: 'gallery-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    gallery: { sync: offline(12, null) },
    ipc: { error: OFFLINE },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectText('gallery-count', '100,000 张图片')
      await t.expectText('sync-pending', '12 项更改等待同步')
      await t.expectTilesLoaded()
      await t.tile(1).click()
      await t.tile(3).click({ modifiers: ['Shift'] })
      await t.expectText('selection-count', '已选择 3 张')
      await t.screenshot('gallery-zh-CN-dark')
      await t.byId('selection-clear').click()
      await t.tile(0).dblclick()
      await t.expectText('detail-credits', '6 积分')
      await t.expectText('detail-date', '2026年11月24日')
      await t.screenshot('gallery-detail-zh-CN-dark')
      await t.page.keyboard.press('Escape')
      await openSettings(t, 'storage')
      await t.expectText('storage-originals', '1.7\u00a0GB / 2\u00a0GB')
      await t.screenshot('settings-storage-zh-CN-dark')
    },
  }),
]
