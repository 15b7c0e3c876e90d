// @ts-check
// Credits: the packs on sale, a purchase from "Buy" to the credits added (or overdue), and the
// ledger with each kind of entry, a refund taking a purchase back among them.
import { CLAWBACK, CREDITS, DEBIT, GRANT, PURCHASE, REPEAT_GRANT } from '../fixtures.mjs'
import { inStudio } from '../scenario.mjs'

/** @typedef {import('../scenario.mjs').ScenarioSpec} ScenarioSpec */

/**
 * Signed in, with the credits page's commands (CREDITS) under the scenario's own.
 * @param {ScenarioSpec} spec
 */
const withCredits = ({ commands, ...spec }) => inStudio({ ...spec, commands: { ...CREDITS, ...commands } })

/**
 * A purchase refunded later (the balance below zero), after a debit and a repeated sign-up.
 * @param {ScenarioSpec} spec
 */
const clawedBack = (spec) =>
  withCredits({
    ...spec,
    commands: { credits_balance: { ok: -8 }, credits_ledger: { ok: { entries: [CLAWBACK, DEBIT, PURCHASE, REPEAT_GRANT], next_cursor: null } } },
  })

export default [
  withCredits({
    name: 'credits-packs',
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectText('credits-balance', '100 credits')
      await t.expectAttr('buy-credits', 'data-status', 'ready')
      for (const text of ['100 credits', '$5.00', '500 credits', 'About 125 images with Nano Banana', '$20.00', '2000 credits', '$60.00']) {
        await t.expectText('buy-credits', text)
      }
      const label = await t.page.locator('[data-pack="studio"] [data-testid="buy"]').getAttribute('aria-label')
      if (label !== 'Buy 500 credits for $20.00') throw new Error(`the Buy button is labelled ${label}`)
      await t.expectText('ledger', 'Credits granted')
      await t.screenshot('credits-packs')
    },
  }),
  withCredits({
    name: 'credits-unavailable',
    colorScheme: 'dark',
    commands: { credit_packs: { ok: [] } },
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectText('purchases-unavailable', "Purchases aren't available")
      await t.expectText('purchases-unavailable', "This Atelier service doesn't sell credits.")
      await t.expectAbsent('buy')
      await t.expectText('ledger', 'Credits granted')
      await t.screenshot('credits-unavailable-dark')
    },
  }),
  withCredits({
    // Buy: Rust opens the checkout in the browser; the page waits. The webhook reaches the
    // service, the browser comes back (atelier://billing/return) and Rust says so: the credits
    // show at once, with no tick of the page's clock (it stands still).
    name: 'credits-purchase-lands',
    clock: true,
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectAttr('buy-credits', 'data-status', 'ready')
      await t.page.locator('[data-pack="studio"] [data-testid="buy"]').click()
      await t.expectAttr('purchase', 'data-phase', 'waiting')
      await t.expectArgs('buy_credits', [{ pack: 'studio' }])
      await t.expectText('purchase', 'Waiting for your payment')
      await t.expectText('purchase', 'Finish paying for 500 credits in your browser.')
      await t.screenshot('credits-waiting')
      await t.page.evaluate(
        ([purchase, grant]) => {
          const commands = window.__ATELIER_IPC__.commands
          commands.credits_ledger = { ok: { entries: [purchase, grant], next_cursor: null } }
          commands.credits_balance = { ok: 600 }
        },
        [PURCHASE, GRANT],
      )
      await t.emit('credits-changed', { reason: 'checkout_returned' })
      await t.expectAttr('purchase', 'data-phase', 'landed')
      await t.expectText('purchase', '500 credits added')
      await t.expectText('purchase', 'Your balance is now 600 credits.')
      await t.expectText('credits-balance', '600 credits')
      await t.expectText('nav-credits', '600')
      await t.expectText('ledger', 'Bought 500 credits — $20.00')
      await t.screenshot('credits-landed')
      await t.byId('purchase-dismiss').click()
      await t.expectAbsent('purchase')
    },
  }),
  withCredits({
    // Nothing arrives: after ten minutes the page says so, suggests the receipt email or another
    // try, and can be put away.
    name: 'credits-payment-overdue',
    clock: true,
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectAttr('buy-credits', 'data-status', 'ready')
      await t.page.locator('[data-pack="pro"] [data-testid="buy"]').click()
      await t.expectAttr('purchase', 'data-phase', 'waiting')
      const looks = await t.callsOf('credits_ledger')
      // The ledger is read every few seconds while waiting.
      await t.page.clock.runFor(8_000)
      await t.expectCallCount('credits_ledger', looks + 2)
      await t.page.clock.runFor(10 * 60_000)
      await t.expectAttr('purchase', 'data-phase', 'overdue')
      await t.expectText('purchase', "Your payment hasn't arrived")
      await t.expectText('purchase', 'check your email for a receipt')
      await t.screenshot('credits-overdue')
      await t.byId('purchase-retry').click()
      await t.expectAttr('purchase', 'data-phase', 'waiting')
      await t.expectArgs('buy_credits', [{ pack: 'pro' }, { pack: 'pro' }])
      await t.byId('purchase-stop').click()
      await t.expectAbsent('purchase')
    },
  }),
  clawedBack({
    // A purchase refunded later: its credits taken back, the balance below zero and why
    // generating is refused; a second sign-up with the same address got no welcome credits.
    name: 'credits-ledger-clawback',
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectText('credits-balance', '−8 credits')
      await t.expectText('nav-credits', '−8')
      await t.expectText('credits-negative', "You can't generate images until your balance covers their cost again.")
      await t.expectText('ledger', 'Refund: 500 credits taken back ($20.00)')
      await t.expectText('ledger', 'Bought 500 credits — $20.00')
      await t.expectText('ledger', 'Welcome credits were already given to this address')
      await t.byId('ledger').scrollIntoViewIfNeeded()
      await t.screenshot('credits-ledger-clawback')
      await t.byId('nav-studio').click()
      await t.expectText('composer-negative', 'Your balance is below zero after a refund')
      await t.screenshot('studio-negative-balance')
    },
  }),
  clawedBack({
    name: 'credits-ledger-zh-CN',
    locale: 'zh-CN',
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectText('credits-balance', '−8 积分')
      await t.expectText('credits-negative', '余额低于零')
      await t.expectText('ledger', '退款：收回 500 积分（US$20.00）')
      await t.expectText('ledger', '购买 500 积分 — US$20.00')
      await t.expectText('ledger', '此邮箱地址已领取过欢迎积分')
      await t.expectText('buy-credits', '使用 Nano Banana 约可生成 125 张图片')
      await t.expectText('buy-credits', 'US$20.00')
      await t.expectOnlyChinese(['Atelier', 'English', 'Creem', 'Nano', 'Banana', 'US'])
      await t.screenshot('credits-packs-zh-CN')
      await t.byId('ledger').scrollIntoViewIfNeeded()
      await t.screenshot('credits-ledger-zh-CN')
    },
  }),
]
