// @ts-check
// The composer (issue 13): a draft sent while offline waits and goes by itself, or is cancelled;
// images dropped, pasted or refused become input chips, and the models and cost follow them.
import { CATALOGUE, fail, GEN, GEN_ONE, INPUT_LIMITS, listed, MAKES_TWO, OFFLINE, TIMEOUT_MS, UPLOADS } from '../fixtures.mjs'
import { inStudio } from '../scenario.mjs'
import { dropFiles, expectModels, pasteFiles } from '../steps.mjs'

/** The service's whole catalogue, and what it takes as input. */
const WITH_INPUTS = { list_models: { ok: CATALOGUE }, input_limits: { ok: INPUT_LIMITS } }

export default [
  inStudio({
    // Sent while the service cannot be reached, the draft waits (locked, with Cancel) instead of
    // failing, and goes by itself under the same key once the service answers again.
    name: 'composer-offline-wait',
    images: true,
    commands: { ...MAKES_TWO, create_generation: [fail('offline'), { ok: GEN }] },
    async run(t) {
      await t.expectText('composer-balance', '100 credits left')
      await t.waitForState('online')
      // The line drops: the service's health check fails from now on too.
      await t.page.evaluate((offline) => (window.__ATELIER_IPC__.error = offline), OFFLINE)
      await t.byId('composer-prompt').fill('A lighthouse at dusk, oil painting')
      await t.byId('composer-count').selectOption('2')
      await t.byId('composer-prompt').press('Enter')
      await t.expectText('composer-waiting', 'Waiting for the connection — this will be sent as soon as Atelier is back online.')
      await t.expectText('composer-submit', 'Waiting…')
      // The composer asked the connection to look again: it says offline too.
      await t.waitForState('offline')
      const locked = await t.page.evaluate(() => ({
        readOnly: /** @type {HTMLTextAreaElement} */ (document.querySelector('[data-testid="composer-prompt"]')).readOnly,
        model: /** @type {HTMLSelectElement} */ (document.querySelector('[data-testid="composer-model"]')).disabled,
      }))
      if (!locked.readOnly || !locked.model) throw new Error(`the waiting draft should be locked: ${JSON.stringify(locked)}`)
      await t.expectAbsent('composer-error')
      await t.screenshot('composer-offline-wait')
      // Back online: it goes by itself.
      await t.page.evaluate(() => (window.__ATELIER_IPC__.error = null))
      await t.page.locator('[data-testid="generation-card"]').waitFor({ timeout: TIMEOUT_MS })
      await t.expectValue('composer-prompt', '')
      await t.expectAbsent('composer-waiting')
      const keys = (await t.argsOf('create_generation')).map((/** @type {any} */ a) => a.request.idempotency_key)
      if (keys.length !== 2 || keys[0] !== keys[1]) throw new Error(`sent again under the same key, once: ${JSON.stringify(keys)}`)
      await t.expectAttr('generation-card', 'data-status', 'done')
      await t.waitForState('online')
      await t.expectImagesLoaded(2)
      await t.screenshot('composer-offline-wait-sent')
    },
  }),
  inStudio({
    // Waiting, in Chinese and dark; Cancel gives the draft back, editable, and nothing more is sent.
    name: 'composer-offline-cancel-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    viewport: { width: 640, height: 600 },
    commands: { create_generation: fail('unavailable') },
    async run(t) {
      await t.expectText('composer-balance', '100')
      await t.byId('composer-prompt').fill('黄昏时的灯塔，油画')
      await t.byId('composer-submit').click()
      await t.expectText('composer-waiting', '正在等待网络连接——Atelier 恢复在线后会立即发送。')
      await t.expectText('composer-submit', '等待中…')
      await t.screenshot('composer-offline-cancel-zh-CN-dark')
      await t.byId('composer-wait-cancel').click()
      await t.expectAbsent('composer-waiting')
      await t.expectText('composer-submit', '生成')
      await t.expectValue('composer-prompt', '黄昏时的灯塔，油画')
      await t.byId('composer-prompt').fill('黄昏时的灯塔，水彩')
      await new Promise((r) => setTimeout(r, 5_500))
      await t.expectCallCount('create_generation', 1)
    },
  }),
  inStudio({
    // A PNG dropped on the composer uploads with a progress bar and becomes a chip; a pasted one
    // joins it; another file is refused in words; the models narrow to those that take that many
    // images, the cost follows, a tool hides the prompt; the ids go in order.
    name: 'composer-inputs',
    images: true,
    commands: {
      ...WITH_INPUTS,
      upload_image: [{ wait: true, ok: UPLOADS[0] }, { ok: UPLOADS[1] }],
      create_generation: { ok: { ...GEN_ONE, model: 'nano-banana-edit', prompt: 'make it winter' } },
      list_generations: listed('generations', []),
      get_generation: { ok: { ...GEN_ONE, model: 'nano-banana-edit', prompt: 'make it winter', status: 'generating' } },
    },
    async run(t) {
      await t.expectText('composer-balance', '100 credits left')
      await expectModels(t, ['nano-banana', 'seedream', 'nano-banana-pro'])
      await t.expectText('composer-cost', 'Costs 4 credits')

      // Dragged over: the composer says where to drop.
      await dropFiles(t, 'composer', [{ name: 'harbour.png', type: 'image/png', hue: 30 }], { drop: false })
      await t.expectText('composer-drop', 'Drop images here to work from them')
      await t.screenshot('composer-inputs-dragover')
      await dropFiles(t, 'composer', [{ name: 'harbour.png', type: 'image/png', hue: 30 }])
      await t.expectAbsent('composer-drop')
      await t.expectAttr('input-chip', 'data-state', 'uploading')
      // The bytes went as they are (the raw IPC body), not as JSON.
      const sent = await t.page.evaluate(() => {
        const body = window.__ATELIER_IPC__.args.upload_image[0]
        return { raw: body instanceof Uint8Array, png: body[0] === 0x89 && body[1] === 0x50, length: body.length }
      })
      if (!sent.raw || !sent.png) throw new Error(`upload_image should get the PNG's bytes: ${JSON.stringify(sent)}`)
      // Rust tells the progress on the channel the call named (the newest callback).
      await t.page.evaluate((total) => {
        const internals = window.__TAURI_INTERNALS__
        const channel = Math.max(...internals.callbacks.keys())
        internals.runCallback(channel, { message: { sent: Math.round(total * 0.4), total }, index: 0 })
      }, sent.length)
      await t.expectAttr('input-progress', 'aria-valuenow', '40')
      await t.screenshot('composer-inputs-uploading')
      await t.release('upload_image')
      await t.expectAttr('input-chip', 'data-state', 'ready')
      await t.expectAttr('input-chip', 'data-id', UPLOADS[0].id)
      await expectModels(t, ['nano-banana-pro', 'nano-banana-edit', 'upscale-2x', 'upscale-4x', 'remove-background'])

      // Pasted into the prompt: a second chip, and only the models that take two.
      await t.byId('composer-prompt').click()
      await pasteFiles(t, 'composer-prompt', [{ name: 'image.png', type: 'image/png', hue: 160 }])
      await t.waitUntil('two ready chips, in order', (ids) => {
        const chips = [...document.querySelectorAll('[data-testid="input-chip"]')].map((c) => [/** @type {HTMLElement} */ (c).dataset.state, /** @type {HTMLElement} */ (c).dataset.id])
        return { ok: JSON.stringify(chips) === JSON.stringify(ids.map((/** @type {string} */ id) => ['ready', id])), seen: chips }
      }, UPLOADS.map((u) => u.id))
      await t.expectValue('composer-prompt', '')
      await expectModels(t, ['nano-banana-pro', 'nano-banana-edit'])

      // Not an image: refused in words, nothing uploaded.
      await dropFiles(t, 'composer', [{ name: 'notes.pdf', type: 'application/pdf' }])
      await t.expectText('input-refusal', '“notes.pdf” can\'t be used: only PNG, JPEG and WebP images can.')
      await t.expectCallCount('upload_image', 2)
      await t.screenshot('composer-inputs-chips')

      // One image again: the tools come back; a tool takes no prompt and makes one image.
      await t.page.locator('[data-testid="input-remove"]').nth(1).click()
      await t.byId('composer-model').selectOption('upscale-2x')
      await t.expectAbsent('composer-prompt')
      await t.expectText('composer-no-prompt', 'Upscale 2× takes no prompt')
      await t.expectText('composer-cost', 'Costs 3 credits')
      await t.screenshot('composer-inputs-tool')

      await t.byId('composer-model').selectOption('nano-banana-edit')
      await t.expectText('composer-cost', 'Costs 4 credits')
      await t.byId('composer-prompt').fill('make it winter')
      await t.byId('composer-submit').click()
      await t.waitUntil('create_generation should name the upload', (id) => {
        const [args] = window.__ATELIER_IPC__.args.create_generation ?? []
        const r = args?.request
        const ok = r && r.model === 'nano-banana-edit' && r.prompt === 'make it winter' && JSON.stringify(r.input_images) === JSON.stringify([id])
        return { ok, seen: r }
      }, UPLOADS[0].id)
      await t.expectAbsent('input-chip')
    },
  }),
  inStudio({
    // The service refuses an upload: its reason on the chip, Retry; too many refused; in Chinese.
    name: 'composer-inputs-refused-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    images: true,
    commands: {
      ...WITH_INPUTS,
      input_limits: { ok: { ...INPUT_LIMITS, max_input_images: 2 } },
      upload_image: [fail('image_too_large'), { ok: UPLOADS[0] }, { ok: UPLOADS[1] }],
    },
    async run(t) {
      await t.expectText('composer-balance', '100')
      await dropFiles(t, 'composer', [{ name: 'panorama.png', type: 'image/png', hue: 90 }])
      await t.expectAttr('input-chip', 'data-state', 'failed')
      await t.expectAttr('input-error', 'data-code', 'image_too_large')
      await t.expectText('input-error', '像素过多')
      await t.byId('composer-prompt').fill('冬天的港口')
      await t.byId('composer-submit').click()
      await t.expectText('composer-problem', '请先重试或移除上传失败的图片。')
      await t.expectCallCount('create_generation', 0)
      await t.screenshot('composer-inputs-refused-zh-CN-dark')
      await t.byId('input-retry').click()
      await t.expectAttr('input-chip', 'data-state', 'ready')
      await dropFiles(t, 'composer', [
        { name: 'a.png', type: 'image/png', hue: 10 },
        { name: 'b.png', type: 'image/png', hue: 200 },
      ])
      await t.expectText('input-refusal', '一次生成最多使用 2 张图片。')
      await t.expectCallCount('upload_image', 3)
      await t.expectOnlyChinese(['Atelier', 'English', 'Enter', 'Shift', 'PNG', 'JPEG', 'WebP', 'Nano', 'Banana', 'Pro', 'Edit', 'auto'])
    },
  }),
]
