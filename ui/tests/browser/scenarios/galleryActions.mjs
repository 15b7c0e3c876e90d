// @ts-check
// Issue 13 from the gallery: what an image was made from, new images made from one (each with
// its price, some out of reach), exporting a selection, editing in the studio, and tiles dragged
// out of the window or onto the composer.
import { CATALOGUE, galleryId, INPUT_LIMITS, listed, TIMEOUT_MS, UPSCALE, UPSCALE_DONE } from '../fixtures.mjs'
import { inGallery } from '../scenario.mjs'
import { expectModels, openDetail, openGallery } from '../steps.mjs'

export default [
  inGallery({
    // The detail view names what an image was made from, and a gallery input opens in its turn;
    // a tile dragged out of the window carries its original as a file.
    name: 'gallery-made-from',
    gallery: { count: 500 },
    async run(t) {
      await openGallery(t)
      await openDetail(t, 1)
      await t.expectText('detail-prompt', 'A harbour at dusk, no. 2')
      await t.expectShown('made-from')
      const kinds = await t.page.locator('[data-testid="made-from-source"]').evaluateAll((els) => els.map((el) => /** @type {HTMLElement} */ (el).dataset.kind))
      if (kinds.join() !== 'image,upload,gone') throw new Error(`made from ${kinds}`)
      await t.page.getByText('No longer in your library').waitFor({ timeout: TIMEOUT_MS })
      await t.screenshot('gallery-made-from')
      await t.page.getByRole('button', { name: 'Open input image 1' }).click()
      await t.expectText('detail-prompt', 'A forest at dusk, no. 3')
      await t.expectAbsent('made-from')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('gallery-detail')

      // A press makes the original's file; the drag that follows carries its file:// URL.
      const tile = t.tile(0)
      await tile.dispatchEvent('pointerdown', { button: 0 })
      // (The double-click that opened image 2 was a press on its tile too.)
      await t.expectArgs('prepare_drag_out', [1, 0].map((n) => ({ imageId: galleryId(n) })))
      const carried = await tile.evaluate(async (el) => {
        await new Promise((resolve) => setTimeout(resolve, 50))
        const data = new DataTransfer()
        el.dispatchEvent(new DragEvent('dragstart', { dataTransfer: data, bubbles: true }))
        return { uris: data.getData('text/uri-list'), id: data.getData('application/x-atelier-image') }
      })
      const expected = 'file:///home/ada/.local/share/app.atelier.desktop/cache/outgoing/atelier-00000000.png'
      if (carried.uris !== expected || carried.id !== galleryId(0)) throw new Error(`the drag carried ${JSON.stringify(carried)}`)
    },
  }),
  inGallery({
    // New images from one in the detail view, each with its price; an upscale starts a
    // generation with the image as its one input and no prompt, followed in the studio.
    name: 'gallery-image-actions',
    commands: {
      list_models: { ok: CATALOGUE },
      credits_balance: [{ ok: 100 }, { ok: 97 }],
      create_generation: { ok: UPSCALE },
      list_generations: listed('generations', []),
      get_generation: [{ ok: { ...UPSCALE, status: 'generating' } }, { ok: UPSCALE_DONE }],
    },
    async run(t) {
      await openGallery(t)
      // Image 1 was made by nano-banana, which has a "more like this".
      const image = galleryId(1)
      await openDetail(t, 1)
      await t.expectOriginalLoaded(image, 1024)
      await t.expectText('image-action-upscale-2x', 'Upscale 2×')
      await t.expectText('image-action-upscale-2x', '3 credits')
      await t.expectText('image-action-upscale-4x', '6 credits')
      await t.expectText('image-action-remove-background', '1 credit')
      await t.expectText('image-action-more-like-this', '12 credits')
      await t.expectAbsent('image-action-why')
      await t.screenshot('gallery-image-actions')

      await t.byId('image-action-upscale-2x').click()
      await t.expectText('image-action-status', 'Upscale 2× started.')
      const [{ request }] = await t.argsOf('create_generation')
      const { idempotency_key, ...rest } = request
      const expected = { conversation_id: 'c0000000000000000000000000000002', prompt: '', model: 'upscale-2x', aspect_ratio: 'auto', count: 1, input_images: [image] }
      const sorted = (/** @type {object} */ o) => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1))))
      if (sorted(rest) !== sorted(expected)) throw new Error(`create_generation got ${JSON.stringify(rest)}`)
      if (!/^[0-9a-f]{32}$/.test(idempotency_key)) throw new Error('no idempotency key')
      await t.screenshot('gallery-image-action-started')

      // Followed in the studio, where its card polls until done.
      await t.byId('image-action-open').click()
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.expectText('generation-card', 'upscale-2x')
      await t.expectAttr('generation-card', 'data-status', 'done')
      await t.expectText('composer-balance', '97 credits left')
    },
  }),
  inGallery({
    // Too few credits for some actions: those are disabled and the reason is said once; in Chinese.
    name: 'gallery-image-actions-short-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    commands: { list_models: { ok: CATALOGUE }, credits_balance: { ok: 5 } },
    async run(t) {
      await openGallery(t)
      await t.tile(1).dblclick()
      await t.expectText('image-action-upscale-4x', '6 积分')
      await t.expectAttr('image-action-upscale-4x', 'disabled', '')
      await t.expectAttr('image-action-more-like-this', 'disabled', '')
      await t.expectAttr('image-action-upscale-2x', 'disabled', null)
      await t.expectText('image-action-why', '积分不足：你还有 5 积分。')
      await t.screenshot('gallery-image-actions-short-zh-CN-dark')
      await t.byId('image-action-upscale-4x').click({ force: true })
      await t.expectCallCount('create_generation', 0)
    },
  }),
  inGallery({
    // Three images chosen, "Export selected…" zips their originals (Rust shows the save dialog),
    // with its progress; and a tile dragged carries its image id for the composer.
    name: 'gallery-export-selected',
    gallery: { count: 2_000 },
    commands: {
      export_selected: { wait: true, ok: { path: '/home/ada/Pictures/atelier-images-2026-11-24.zip', images: 3, bytes: 3_400_000 } },
      cancel_export: { ok: null },
    },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectAttr('gallery-count', 'data-count', '2000')
      await t.expectTilesLoaded()

      // A tile's dragstart sets the image id as application/x-atelier-image. (A page-made
      // DataTransfer keeps its data but not `effectAllowed`; the unit test checks that.)
      const dragged = await t.page.evaluate(() => {
        const tile = /** @type {HTMLElement} */ (document.querySelector('[data-testid="gallery-tile"][data-index="1"]'))
        const dataTransfer = new DataTransfer()
        tile.dispatchEvent(new DragEvent('dragstart', { dataTransfer, bubbles: true, cancelable: true }))
        return { draggable: tile.draggable, id: tile.dataset.id, carried: dataTransfer.getData('application/x-atelier-image') }
      })
      if (!dragged.draggable || dragged.carried !== dragged.id) throw new Error(`a dragged tile should carry its id: ${JSON.stringify(dragged)}`)

      await t.tile(0).click()
      await t.tile(2).click({ modifiers: ['Control'] })
      await t.tile(4).click({ modifiers: ['Control'] })
      await t.expectAttr('selection-count', 'data-count', '3')
      const ids = await t.page.evaluate(() => [0, 2, 4].map((i) => /** @type {HTMLElement} */ (document.querySelector(`[data-testid="gallery-tile"][data-index="${i}"]`)).dataset.id))
      await t.expectText('bulk-export', 'Export selected…')
      await t.byId('bulk-export').click()
      await t.expectArgs('export_selected', [{ imageIds: ids }])
      await t.expectAttr('export-selected', 'data-phase', 'running')
      await t.expectText('export-selected', 'Exporting 3 images')
      await t.emit('export-progress', { kind: 'selected', done: 0, total: 3, stage: 'preparing' })
      await t.expectText('export-selected-progress-text', 'Preparing your export…')
      await t.emit('export-progress', { kind: 'selected', done: 1, total: 3, stage: 'images' })
      await t.expectText('export-selected-progress-text', '1 of 3')
      await t.expectAttr('export-selected-progress', 'value', '33')
      // Another export's progress (Settings' data export) is not this one's.
      await t.emit('export-progress', { kind: 'data', done: 150, total: 200, stage: 'images' })
      await t.expectText('export-selected-progress-text', '1 of 3')
      await t.screenshot('gallery-export-selected-progress')
      await t.emit('export-progress', { kind: 'selected', done: 3, total: 3, stage: 'finishing' })
      await t.expectAttr('export-selected-progress', 'value', '100')
      await t.release('export_selected')
      await t.expectAttr('export-selected', 'data-phase', 'done')
      await t.expectText('export-selected', 'Exported 3 images (3.2\u00a0MB) to:')
      await t.expectText('export-selected-path', '/home/ada/Pictures/atelier-images-2026-11-24.zip')
      await t.screenshot('gallery-export-selected-done')
      await t.byId('export-selected-dismiss').click()
      await t.expectAbsent('export-selected')
      await t.expectCallCount('export_selected', 1)
      await t.expectCallCount('cancel_export', 0)
    },
  }),
  inGallery({
    // "Edit" opens the studio with the image as the composer's one chip and an edit model
    // chosen; "Use as reference" adds another; a tile dropped on the composer goes in by id,
    // with no upload.
    name: 'gallery-edit',
    gallery: { count: 2_000 },
    commands: {
      list_models: { ok: CATALOGUE },
      input_limits: { ok: INPUT_LIMITS },
      list_generations: listed('generations', []),
    },
    async run(t) {
      await openGallery(t)
      const id = (/** @type {number} */ i) => t.page.evaluate((i) => /** @type {HTMLElement} */ (document.querySelector(`[data-testid="gallery-tile"][data-index="${i}"]`)).dataset.id, i)
      const first = await id(2)
      await openDetail(t, 2)
      await t.expectText('image-action-edit', 'Edit')
      await t.expectText('image-action-reference', 'Use as reference')
      await t.screenshot('gallery-edit-actions')
      const cost = await t.page.evaluate(() => /** @type {HTMLElement} */ (document.querySelector('[data-testid="image-action-edit"]')).dataset.cost)
      await t.byId('image-action-edit').click()
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.expectAttr('input-chip', 'data-id', /** @type {string} */ (first))
      await t.expectText('composer-cost', `Costs ${cost} credits`)
      const model = await t.page.evaluate(() => /** @type {HTMLSelectElement} */ (document.querySelector('[data-testid="composer-model"]')).value)
      if (!['nano-banana-edit', 'nano-banana-pro'].includes(model)) throw new Error(`an edit model should be chosen, not ${model}`)

      // "Use as reference" on another image: added after the first, the studio not opened.
      await openGallery(t)
      const second = await id(5)
      await t.tile(5).dblclick()
      await t.byId('image-action-reference').click()
      await t.expectText('image-input-status', "Added to the studio's images (2 now).")
      await t.screenshot('gallery-edit-reference')
      await t.byId('image-input-open').click()
      await t.expectAttr('nav-studio', 'aria-current', 'page')

      // A gallery tile's drag data dropped on the composer: a third chip, by id.
      const third = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3'
      await t.page.evaluate((third) => {
        const composer = /** @type {Element} */ (document.querySelector('[data-testid="composer"]'))
        const dataTransfer = new DataTransfer()
        dataTransfer.setData('application/x-atelier-image', third)
        for (const type of ['dragenter', 'dragover', 'drop']) composer.dispatchEvent(new DragEvent(type, { dataTransfer, bubbles: true, cancelable: true }))
      }, third)
      await t.waitUntil('three chips, in order, none uploaded', (ids) => {
        const chips = [...document.querySelectorAll('[data-testid="input-chip"]')].map((c) => /** @type {HTMLElement} */ (c).dataset.id)
        return { ok: JSON.stringify(chips) === JSON.stringify(ids), seen: chips }
      }, [first, second, third])
      await t.expectCallCount('upload_image', 0)
      await expectModels(t, ['nano-banana-pro', 'nano-banana-edit'])
      await t.screenshot('gallery-edit-studio')
    },
  }),
]
