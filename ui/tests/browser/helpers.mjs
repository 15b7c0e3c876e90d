// @ts-check
// What a scenario can ask of its page: `t` in `run(t)`. Every `expect…` polls until it holds or
// TIMEOUT_MS passes, then fails with what it last saw.
import { join, relative } from 'node:path'

import { TIMEOUT_MS } from './fixtures.mjs'

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Locator} Locator */
/** @typedef {{ ok: boolean, seen: unknown }} Probe */

/**
 * @param {Page} page
 * @param {string[]} problems what went wrong in the page so far (errors, console, requests)
 * @param {{ screenshotDir: string, repoDir: string }} where screenshots go, and what their printed paths are relative to
 */
export function helpers(page, problems, { screenshotDir, repoDir }) {
  const byId = (/** @type {string} */ id) => page.getByTestId(id)
  const activeTestId = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))

  /**
   * @param {string} describe
   * @param {() => Promise<Probe>} probe
   */
  async function poll(describe, probe) {
    const deadline = Date.now() + TIMEOUT_MS
    let last
    for (;;) {
      last = await probe().catch((error) => ({ ok: false, seen: String(error) }))
      if (last.ok) return
      if (Date.now() > deadline) throw new Error(`${describe}; saw ${JSON.stringify(last.seen)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  /**
   * Polls what `read` gets from [data-testid=id] until `holds` says it is right.
   * @template V
   * @param {string} describe
   * @param {string} id
   * @param {(locator: Locator) => Promise<V>} read
   * @param {(seen: V) => boolean} holds
   */
  function expectOn(describe, id, read, holds) {
    return poll(describe, async () => {
      const seen = await read(byId(id))
      return { ok: holds(seen), seen }
    })
  }
  /** What the fake IPC recorded of `cmd` (see installTauriIpcMock): its `calls` or its `args`. */
  const recorded = (/** @type {'calls' | 'args'} */ what, /** @type {string} */ cmd) =>
    page.evaluate(([what, c]) => window.__ATELIER_IPC__[what][c], /** @type {const} */ ([what, cmd]))

  const t = {
    page,
    byId,
    /** The fake gallery's tile at position `i` (see installMockGallery). */
    tile: (/** @type {number} */ i) => page.locator(`[data-testid="gallery-tile"][data-index="${i}"]`),
    /** How many times `cmd` was called so far (undefined: never). */
    callsOf: (/** @type {string} */ cmd) => recorded('calls', cmd),
    /** The arguments of each call of `cmd` so far (undefined: never called). */
    argsOf: (/** @type {string} */ cmd) => recorded('args', cmd),
    /**
     * @param {string} id
     * @param {string} name
     * @param {string | null} expected
     */
    async expectAttr(id, name, expected) {
      await expectOn(`[data-testid=${id}] should have ${name}=${expected}`, id, (l) => l.getAttribute(name, { timeout: 500 }), (seen) => seen === expected)
    },
    async expectFocused(/** @type {string} */ id) {
      await poll(`[data-testid=${id}] should have focus`, async () => {
        const seen = await activeTestId()
        return { ok: seen === id, seen }
      })
    },
    /**
     * @param {string} cmd
     * @param {number} expected
     */
    async expectCallCount(cmd, expected) {
      await poll(`${cmd} should have been called ${expected} times`, async () => {
        const seen = (await recorded('calls', cmd)) ?? 0
        return { ok: seen === expected, seen }
      })
    },
    /**
     * The arguments of each call of `cmd` so far, in order.
     * @param {string} cmd
     * @param {unknown[]} expected
     */
    async expectArgs(cmd, expected) {
      await poll(`${cmd} should have been called with ${JSON.stringify(expected)}`, async () => {
        const seen = (await recorded('args', cmd)) ?? []
        return { ok: JSON.stringify(seen) === JSON.stringify(expected), seen }
      })
    },
    /**
     * Plays Rust emitting an event to the window.
     * @param {string} event
     * @param {unknown} payload
     */
    async emit(event, payload) {
      await page.evaluate(([e, p]) => window.__ATELIER_IPC__.emit(e, p), /** @type {const} */ ([event, payload]))
    },
    /** The email step, done: the code step is showing and has focus. */
    async sendCodeTo(/** @type {string} */ email) {
      await byId('email-input').fill(email)
      await byId('send-code').click()
      await page.locator('[data-testid="sign-in"][data-step="code"]').waitFor({ timeout: TIMEOUT_MS })
      await t.expectFocused('code-digit-0')
    },
    async waitForState(/** @type {string} */ state) {
      await page.locator(`[data-testid="backend-status"][data-state="${state}"]`).waitFor({ timeout: TIMEOUT_MS })
    },
    /** [data-testid=id] is on the page. */
    async expectShown(/** @type {string} */ id) {
      await byId(id).waitFor({ timeout: TIMEOUT_MS })
    },
    /** A dialog named `name` is open. */
    async expectDialog(/** @type {string} */ name) {
      await page.getByRole('dialog', { name }).waitFor({ timeout: TIMEOUT_MS })
    },
    /**
     * @param {string} id
     * @param {string} expected
     */
    async expectText(id, expected) {
      await expectOn(`[data-testid=${id}] should contain ${JSON.stringify(expected)}`, id, (l) => l.innerText({ timeout: 500 }), (seen) => seen.includes(expected))
    },
    /**
     * @param {string} id
     * @param {string} expected
     */
    async expectValue(id, expected) {
      await expectOn(`[data-testid=${id}] should have value ${expected}`, id, (l) => l.inputValue({ timeout: 500 }), (seen) => seen === expected)
    },
    /**
     * @param {string} id
     * @param {boolean} expected
     */
    async expectChecked(id, expected) {
      await expectOn(`[data-testid=${id}] should be ${expected ? 'checked' : 'unchecked'}`, id, (l) => l.isChecked({ timeout: 500 }), (seen) => seen === expected)
    },
    /**
     * Another window comes to the front and this page loses the focus (headless Chromium
     * pretends every page has it unless told not to).
     */
    async toBackground() {
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false })
      await page.bringToFront()
      await (await page.context().newPage()).bringToFront()
      await poll('the page should have lost the focus', async () => {
        const seen = await page.evaluate(() => document.hasFocus())
        return { ok: !seen, seen }
      })
    },
    /**
     * The viewer shows the original of `id`, decoded at its full `width`.
     * @param {string} id
     * @param {number} width
     */
    async expectOriginalLoaded(id, width) {
      await poll(`the original of ${id} should have loaded`, async () => {
        const seen = await page.evaluate(() => {
          const img = document.querySelector('[data-testid="image-viewer"] img')
          const state = /** @type {HTMLElement | null} */ (document.querySelector('[data-testid="viewer-loading"], [data-testid="viewer-error"]'))
          if (!(img instanceof HTMLImageElement)) return null
          const box = img.getBoundingClientRect()
          return {
            src: img.getAttribute('src'),
            width: img.complete && img.naturalWidth,
            visible: getComputedStyle(img).opacity === '1',
            state: state?.dataset.testid ?? null,
            // Whole in the window, at its own proportions.
            fits: box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth,
            proportional: Math.abs(box.width / box.height - img.naturalWidth / img.naturalHeight) < 0.02,
          }
        })
        const ok =
          seen?.src === `http://img.localhost/original/${id}` &&
          seen.width === width &&
          seen.visible &&
          seen.state === null &&
          seen.fits &&
          seen.proportional
        return { ok, seen }
      })
    },
    /** `count` generated images on screen, each decoded (served through the image scheme). */
    async expectImagesLoaded(/** @type {number} */ count) {
      await poll(`${count} generated images should have loaded`, async () => {
        const seen = await page.evaluate(() =>
          [...document.querySelectorAll('[data-testid="generation-image"]')].map((img) => img instanceof HTMLImageElement && img.complete && img.naturalWidth),
        )
        return { ok: seen.length === count && seen.every((w) => /** @type {number} */ (w) > 0), seen }
      })
    },
    /**
     * Polls `fn` in the page (it returns `{ ok, seen }`) until it is ok.
     * @param {string} describe
     * @param {(arg: any) => Probe} fn
     * @param {unknown} [arg]
     */
    async waitUntil(describe, fn, arg) {
      await poll(describe, () => page.evaluate(fn, arg))
    },
    /** Every gallery tile on screen has its thumbnail decoded, and there is at least one. */
    async expectTilesLoaded() {
      await poll('the gallery tiles in view should have loaded', async () => {
        const seen = await page.evaluate(() => {
          const scroller = document.querySelector('[data-testid="gallery-grid"] .scroller')
          if (!scroller) return null
          const view = scroller.getBoundingClientRect()
          const tiles = [...scroller.querySelectorAll('[data-testid="gallery-tile"], [data-testid="gallery-placeholder"]')].filter((el) => {
            const box = el.getBoundingClientRect()
            return box.bottom > view.top && box.top < view.bottom
          })
          return { tiles: tiles.length, waiting: tiles.filter((el) => !el.querySelector('img')?.complete || !el.querySelector('img')?.naturalWidth).length }
        })
        return { ok: !!seen && seen.tiles > 0 && seen.waiting === 0, seen }
      })
    },
    /**
     * Scrolls the gallery down by `fraction` of a screen every frame for 3 s and returns the frame
     * times in ms, sorted. Measured, never asserted.
     * @param {number} fraction
     * @returns {Promise<number[]>}
     */
    async measureScroll(fraction) {
      return page.evaluate(
        (fraction) =>
          new Promise((resolve) => {
            const scroller = /** @type {HTMLElement} */ (document.querySelector('[data-testid="gallery-grid"] .scroller'))
            /** @type {number[]} */
            const times = []
            let last = performance.now()
            const began = last
            const step = (/** @type {number} */ now) => {
              times.push(now - last)
              last = now
              scroller.scrollTop += scroller.clientHeight * fraction
              if (now - began < 3000) requestAnimationFrame(step)
              else resolve(times.slice(1).sort((a, b) => a - b))
            }
            requestAnimationFrame(step)
          }),
        fraction,
      )
    },
    /** Lets a command scripted with `wait: true` answer, once it has been called. */
    async release(/** @type {string} */ cmd) {
      await poll(`${cmd} should be waiting for an answer`, async () => {
        const seen = await page.evaluate((c) => window.__ATELIER_IPC__.release(c), cmd)
        return { ok: seen, seen }
      })
    },
    /** Presses Tab from the top of the page until `id` has the focus (at most 40 times). */
    async tabTo(/** @type {string} */ id) {
      await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur())
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab')
        if ((await activeTestId()) === id) return
      }
      throw new Error(`Tab never reached [data-testid=${id}]`)
    },
    /** The window's visible text has no Latin word of 2+ letters but `allowed` ones (names, units). */
    async expectOnlyChinese(/** @type {string[]} */ allowed) {
      await poll('the page should have no English words left', async () => {
        const text = await page.evaluate(() => document.body.innerText)
        const seen = [...new Set(text.match(/[A-Za-z]{2,}/g) ?? [])].filter((w) => !allowed.includes(w) && !['IP', 'ID'].includes(w))
        return { ok: seen.length === 0, seen }
      })
    },
    /**
     * @param {string} id
     * @param {string} unexpected
     */
    async expectNoText(id, unexpected) {
      const seen = await byId(id).innerText({ timeout: TIMEOUT_MS })
      if (seen.includes(unexpected)) throw new Error(`[data-testid=${id}] should not contain ${JSON.stringify(unexpected)}`)
    },
    async expectAbsent(/** @type {string} */ id) {
      const count = await byId(id).count()
      if (count !== 0) throw new Error(`[data-testid=${id}] should not be shown`)
    },
    async expectLang(/** @type {string} */ expected) {
      const lang = await page.evaluate(() => document.documentElement.lang)
      if (lang !== expected) throw new Error(`<html lang> should be ${expected}, is ${lang}`)
    },
    /** Checks the layout and the page's problems so far, then saves target/screenshots/ui-<name>.png. */
    async screenshot(/** @type {string} */ name) {
      await assertLayout(page)
      if (problems.length > 0) throw new Error(problems.join('\n'))
      const path = join(screenshotDir, `ui-${name}.png`)
      await page.screenshot({ path, animations: 'disabled', caret: 'hide' })
      console.log(`    screenshot ${relative(repoDir, path)}`)
    },
  }
  return t
}

/**
 * Nothing may stick out of the window or out of its box horizontally.
 * @param {Page} page
 */
async function assertLayout(page) {
  const overflow = await page.evaluate(() => {
    const found = []
    const root = /** @type {Element} */ (document.scrollingElement)
    if (root.scrollWidth > window.innerWidth) found.push(`page is ${root.scrollWidth}px wide in a ${window.innerWidth}px window`)
    for (const el of document.querySelectorAll('#app *')) {
      if (el instanceof SVGElement || el.closest('svg')) continue
      const style = getComputedStyle(el)
      if (style.display === 'inline' || style.position === 'absolute') continue
      // Truncated on purpose, with an ellipsis (the whole text is in its tooltip).
      if (style.textOverflow === 'ellipsis' && el.hasAttribute('title')) continue
      if (el.scrollWidth > el.clientWidth + 1) {
        found.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} overflows (${el.scrollWidth} > ${el.clientWidth})`)
      }
    }
    return found
  })
  if (overflow.length > 0) throw new Error(`layout clips:\n  ${overflow.join('\n  ')}`)
}
