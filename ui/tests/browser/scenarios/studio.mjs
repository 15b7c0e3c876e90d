// @ts-check
// The studio: a prompt becomes a card that goes from queued to done (or fails), the OS told when
// the window is in the background, a conversation's history, the image viewer, and the images a
// card was made from.
import { CATALOGUE, CONVERSATION, fail, GEN, GEN_DONE, GEN_ONE, HISTORY_IDS, history, IMAGE_IDS, LEDGER, LEDGER_2, listed, MAKES_TWO, TIMEOUT_MS, UPLOADS } from '../fixtures.mjs'
import { inStudio } from '../scenario.mjs'

/** @typedef {import('../scenario.mjs').T} T */

/** Opens CONVERSATION from the list and waits for its `images`. */
async function openConversation(/** @type {T} */ t, /** @type {number} */ images) {
  await t.page.getByRole('button', { name: CONVERSATION.title }).click()
  await t.expectImagesLoaded(images)
}

/** A generation that timed out. */
const timedOut = (/** @type {object} */ generation) => ({ ...generation, status: 'failed', failure_code: 'timed_out' })

/**
 * Issue 13: a card made from images shows them small under its prompt; one whose thumbnail
 * cannot be had (deleted since) is a neutral tile, not a broken image. The conversation has one
 * card made by an edit model from an upload, a gallery image and an image deleted since (its
 * thumbnail answers 404).
 * @param {{ name: string, locale?: string, colorScheme?: 'dark' }} spec
 */
function madeFromImages(spec) {
  const zh = spec.locale === 'zh-CN'
  const inputs = [UPLOADS[0].id, 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3', 'd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0']
  const card = { ...GEN_DONE, model: 'nano-banana-edit', prompt: 'Make it winter, with snow on the roofs', input_images: inputs }
  return inStudio({
    ...spec,
    images: true,
    missingThumbnails: [inputs[2]],
    commands: { list_models: { ok: CATALOGUE }, ...history(card) },
    async run(t) {
      await openConversation(t, 2)
      await t.waitUntil('two input thumbnails loaded and one missing, in order', (ids) => {
        const seen = [...document.querySelectorAll('[data-testid="generation-input"]')].map((li) => {
          const img = li.querySelector('img')
          return [/** @type {HTMLElement} */ (li).dataset.id, /** @type {HTMLElement} */ (li).dataset.missing, img ? img.complete && img.naturalWidth > 0 : null]
        })
        const ok = JSON.stringify(seen) === JSON.stringify([[ids[0], 'false', true], [ids[1], 'false', true], [ids[2], 'true', null]])
        return { ok, seen }
      }, inputs)
      await t.page.getByRole('list', { name: zh ? '来源' : 'Made from' }).waitFor({ timeout: TIMEOUT_MS })
      await t.page.getByRole('img', { name: zh ? '输入图片 3（无法显示）' : 'Input image 3 (not available)' }).waitFor({ timeout: TIMEOUT_MS })
      await t.screenshot(spec.name)
    },
  })
}

export default [
  inStudio({
    name: 'generation-done',
    images: true,
    commands: MAKES_TWO,
    async run(t) {
      await t.expectText('composer-balance', '100 credits left')
      await t.expectText('composer-cost', 'Costs 4 credits')
      await t.screenshot('studio-empty')
      await t.byId('composer-prompt').fill('A lighthouse at dusk, oil painting')
      await t.byId('composer-count').selectOption('2')
      await t.expectText('composer-cost', 'Costs 8 credits')
      await t.byId('composer-prompt').press('Enter')
      await t.expectAttr('generation-card', 'data-status', 'queued')
      await t.screenshot('generation-queued')
      const [request] = await t.argsOf('create_generation')
      if (!/^[0-9a-f]{32}$/.test(request.request.idempotency_key)) throw new Error('no idempotency key')
      await t.expectAttr('generation-card', 'data-status', 'generating')
      await t.expectAttr('generation-card', 'data-status', 'done')
      await t.expectText('composer-balance', '92 credits left')
      await t.expectText('conversations', 'A lighthouse at dusk')
      await t.expectImagesLoaded(2)
      await t.screenshot('generation-done')
      // The window had the focus all along: no OS notification.
      if (!(await t.page.evaluate(() => document.hasFocus()))) throw new Error('the page should have the focus')
      await t.expectCallCount('plugin:notification|notify', 0)
      // ↑ in the empty box brings the prompt back.
      await t.byId('composer-prompt').press('ArrowUp')
      await t.expectValue('composer-prompt', 'A lighthouse at dusk, oil painting')
    },
  }),
  inStudio({
    // The person switches to another window while it generates: the OS is asked to tell them.
    name: 'generation-done-in-background',
    images: true,
    commands: MAKES_TWO,
    async run(t) {
      await t.expectText('composer-balance', '100 credits left')
      await t.byId('composer-prompt').fill('A lighthouse at dusk, oil painting')
      await t.byId('composer-count').selectOption('2')
      await t.byId('composer-prompt').press('Enter')
      await t.expectAttr('generation-card', 'data-status', 'queued')
      await t.toBackground()
      await t.expectAttr('generation-card', 'data-status', 'done')
      await t.expectArgs('plugin:notification|notify', [{ options: { title: '2 images ready', body: 'A lighthouse at dusk, oil painting' } }])
      // The permission was already granted: nothing was asked.
      await t.expectCallCount('plugin:notification|request_permission', 0)
    },
  }),
  inStudio({
    // Not decided yet: asked once; refused, nothing is shown, now or later.
    name: 'notification-refused',
    commands: {
      'plugin:notification|is_permission_granted': { ok: null },
      'plugin:notification|request_permission': { ok: 'denied' },
      create_generation: [{ ok: GEN_ONE }, { ok: { ...GEN_ONE, id: HISTORY_IDS[0] } }],
      get_generation: [{ ok: timedOut(GEN_ONE) }, { ok: timedOut({ ...GEN_ONE, id: HISTORY_IDS[0] }) }],
    },
    async run(t) {
      const failed = t.page.locator('[data-testid="generation-card"][data-status="failed"]')
      await t.byId('composer-prompt').fill('A lighthouse at dusk, oil painting')
      await t.byId('composer-prompt').press('Enter')
      await t.toBackground()
      await failed.waitFor({ timeout: TIMEOUT_MS })
      await t.expectCallCount('plugin:notification|request_permission', 1)
      await t.byId('composer-prompt').fill('A lighthouse at dawn')
      await t.byId('composer-prompt').press('Enter')
      await t.toBackground()
      await failed.nth(1).waitFor({ timeout: TIMEOUT_MS })
      await new Promise((r) => setTimeout(r, 200))
      await t.expectCallCount('plugin:notification|request_permission', 1)
      await t.expectCallCount('plugin:notification|notify', 0)
    },
  }),
  inStudio({
    // A click on a thumbnail opens the full-size original; ← and → move, Esc closes.
    name: 'image-viewer',
    images: true,
    commands: history(GEN_DONE),
    async run(t) {
      await openConversation(t, 2)
      await t.page.getByRole('button', { name: 'Open image 1 of 2' }).click()
      await t.expectDialog('Image 1 of 2')
      await t.expectAttr('image-viewer', 'aria-modal', 'true')
      await t.expectFocused('viewer-close')
      await t.expectOriginalLoaded(IMAGE_IDS[0], 1024)
      await t.expectText('viewer-position', '1 / 2')
      await t.screenshot('image-viewer')
      await t.page.keyboard.press('ArrowRight')
      await t.expectAttr('image-viewer', 'data-index', '1')
      await t.expectOriginalLoaded(IMAGE_IDS[1], 1024)
      await t.expectText('viewer-position', '2 / 2')
      // Tab stays inside: round from the last control to the first.
      for (let i = 0; i < 6; i++) await t.page.keyboard.press('Tab')
      const inside = await t.page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]'))
      if (!inside) throw new Error('Tab should keep the focus inside the viewer')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('image-viewer')
      await t.expectFocused('open-image')
      await t.expectArgs('plugin:notification|notify', [])
    },
  }),
  inStudio({
    name: 'image-viewer-missing-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    viewport: { width: 900, height: 600 },
    images: true,
    missingOriginals: [IMAGE_IDS[1]],
    commands: history(GEN_DONE),
    async run(t) {
      await openConversation(t, 2)
      await t.page.getByRole('button', { name: '打开第 2 张图片（共 2 张）' }).click()
      await t.expectText('viewer-error', '无法加载原图。')
      await t.expectText('viewer-retry', '重试')
      await t.screenshot('image-viewer-missing-zh-CN-dark')
      await t.byId('viewer-previous').click()
      await t.expectOriginalLoaded(IMAGE_IDS[0], 1024)
      await t.expectAbsent('viewer-error')
      await t.byId('viewer-use-prompt').click()
      await t.expectAbsent('image-viewer')
      await t.expectValue('composer-prompt', 'A lighthouse at dusk, oil painting')
    },
  }),
  madeFromImages({ name: 'generation-inputs' }),
  madeFromImages({ name: 'generation-inputs-zh-CN-dark', locale: 'zh-CN', colorScheme: 'dark' }),
  inStudio({
    name: 'generation-failed',
    commands: {
      create_generation: { ok: GEN_ONE },
      get_generation: { ok: { ...GEN_ONE, status: 'failed', failure_code: 'result_unavailable' } },
    },
    async run(t) {
      await t.byId('composer-prompt').fill('A lighthouse at dusk, oil painting')
      await t.byId('composer-submit').click()
      await t.expectAttr('generation-card', 'data-status', 'failed')
      await t.expectText('generation-failure', "The finished image couldn't be downloaded.")
      await t.expectText('generation-failure', 'Your credits were refunded.')
      await t.screenshot('generation-failed')
      await t.page.getByRole('button', { name: 'Use this prompt' }).click()
      await t.expectValue('composer-prompt', 'A lighthouse at dusk, oil painting')
    },
  }),
  inStudio({
    name: 'insufficient-credits',
    commands: { credits_balance: { ok: 6 }, create_generation: fail('insufficient_credits') },
    async run(t) {
      await t.expectText('composer-balance', '6 credits left')
      await t.byId('composer-prompt').fill('Four views of a harbour')
      await t.byId('composer-count').selectOption('4')
      await t.expectText('composer-cost', 'Costs 16 credits')
      await t.byId('composer-submit').click()
      await t.expectText('composer-error', "You don't have enough credits for this. Nothing was charged.")
      await t.expectValue('composer-prompt', 'Four views of a harbour')
      await t.screenshot('insufficient-credits')
    },
  }),
  inStudio({
    // A conversation from an earlier session: its newest page shows at once (oldest at the top),
    // the unfinished card keeps polling, and "Show earlier" brings the page before it.
    name: 'studio-history',
    images: true,
    commands: {
      list_conversations: listed('conversations', [CONVERSATION]),
      list_generations: [
        listed(
          'generations',
          [
            { ...GEN, id: HISTORY_IDS[2], prompt: 'Harbour at night', status: 'generating', created_at: GEN.created_at + 2 },
            { ...GEN_DONE, id: HISTORY_IDS[1], prompt: 'Harbour at noon', created_at: GEN.created_at + 1 },
          ],
          'page-2',
        ),
        listed('generations', [{ ...GEN_DONE, id: HISTORY_IDS[0], prompt: 'Harbour at dawn', count: 1, cost: 4, images: GEN_DONE.images.slice(0, 1) }]),
      ],
      get_generation: { ok: { ...GEN_DONE, id: HISTORY_IDS[2], prompt: 'Harbour at night', created_at: GEN.created_at + 2 } },
    },
    async run(t) {
      const expectPrompts = (/** @type {string[]} */ expected) =>
        t.waitUntil(`cards should be ${JSON.stringify(expected)}`, (expected) => {
          const seen = [...document.querySelectorAll('[data-testid="generation-card"] .prompt')].map((p) => p.textContent)
          return { ok: JSON.stringify(seen) === JSON.stringify(expected), seen }
        }, expected)
      await t.expectText('conversations', CONVERSATION.title)
      await t.page.getByRole('button', { name: CONVERSATION.title }).click()
      await expectPrompts(['Harbour at noon', 'Harbour at night'])
      await t.expectText('history-earlier', 'Show earlier')
      await t.expectImagesLoaded(4)
      await t.screenshot('studio-history')
      await t.byId('history-earlier').click()
      await expectPrompts(['Harbour at dawn', 'Harbour at noon', 'Harbour at night'])
      await t.expectImagesLoaded(5)
      await t.expectArgs('list_generations', [
        { conversationId: CONVERSATION.id, cursor: null },
        { conversationId: CONVERSATION.id, cursor: 'page-2' },
      ])
      await t.expectAbsent('history-earlier')
    },
  }),
  inStudio({
    name: 'studio-zh-CN',
    locale: 'zh-CN',
    images: true,
    commands: {
      create_generation: { ok: GEN },
      get_generation: { ok: GEN_DONE },
      credits_ledger: [{ ok: LEDGER }, { ok: LEDGER_2 }],
    },
    async run(t) {
      await t.expectText('composer-balance', '剩余 100 积分')
      await t.byId('composer-prompt').fill('黄昏时的灯塔，油画')
      await t.byId('composer-prompt').press('Enter')
      await t.expectAttr('generation-card', 'data-status', 'done')
      await t.expectText('generation-status', '已完成')
      await t.expectImagesLoaded(2)
      await t.screenshot('generation-done-zh-CN')
      await t.byId('nav-credits').click()
      await t.expectText('credits-balance', '92 积分')
      await t.expectText('ledger', '生成失败退款')
      await t.byId('ledger-more').click()
      await t.expectText('ledger', '赠送积分')
      await t.expectText('ledger', '+100 积分')
      await t.expectAbsent('ledger-more')
      await t.screenshot('credits-zh-CN')
    },
  }),
]
