// @ts-check
// Issue 13: the keyboard shortcuts. ? lists them (a dialog on its Close button; Esc closes it);
// the window's own keys switch views and find the gallery's search, but are text in the prompt box.
import { inStudio } from '../scenario.mjs'

export default [
  inStudio({
    name: 'shortcuts',
    images: true,
    gallery: { count: 200 },
    async run(t) {
      await t.expectText('composer-balance', '100 credits left')
      await t.byId('composer-prompt').click()
      await t.page.keyboard.type('n?')
      await t.expectValue('composer-prompt', 'n?')
      await t.expectAbsent('shortcuts-help')
      await t.page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement).blur())
      await t.page.keyboard.press('?')
      await t.expectDialog('Keyboard shortcuts')
      await t.expectFocused('shortcuts-close')
      await t.screenshot('shortcuts')
      await t.page.keyboard.press('Tab')
      await t.expectFocused('shortcuts-close')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('shortcuts-help')

      await t.page.keyboard.press('Control+2')
      await t.expectAttr('nav-gallery', 'aria-current', 'page')
      await t.expectTilesLoaded()
      await t.page.keyboard.press('/')
      await t.expectFocused('gallery-search')
      await t.expectValue('gallery-search', '')
      await t.page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement).blur())
      await t.page.keyboard.press('g')
      await t.page.keyboard.press('s')
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.expectValue('composer-prompt', '')
      await t.page.keyboard.press('Control+Comma')
      await t.expectAttr('nav-settings', 'aria-current', 'page')
      await t.page.keyboard.press('Control+1')
      await t.expectAttr('nav-studio', 'aria-current', 'page')

      // The mouse's way in, and ? again to close: the focus goes back to the button.
      await t.byId('shortcuts-button').click()
      await t.expectFocused('shortcuts-close')
      await t.page.keyboard.press('?')
      await t.expectAbsent('shortcuts-help')
      await t.expectFocused('shortcuts-button')
    },
  }),
  inStudio({
    name: 'shortcuts-zh-CN-dark-narrow',
    locale: 'zh-CN',
    colorScheme: 'dark',
    viewport: { width: 640, height: 600 },
    async run(t) {
      await t.expectText('composer-balance', '100')
      await t.byId('shortcuts-button').click()
      await t.expectDialog('键盘快捷键')
      await t.expectText('shortcuts-help', '前往图库')
      await t.screenshot('shortcuts-zh-CN-dark-narrow')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('shortcuts-help')
      // A new conversation on n, and the prompt box ready for its first prompt.
      await t.page.keyboard.press('n')
      await t.expectCallCount('create_conversation', 1)
      await t.expectFocused('composer-prompt')
    },
  }),
]
