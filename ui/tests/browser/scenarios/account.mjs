// @ts-check
// The account page: signing out (everywhere), and correcting the account's email with a code
// sent to the new address, typed here, while staying signed in.
import { EMAIL_SENT, fail, MOVED, MOVED_LONG, SIGNED_IN, SIGNED_OUT } from '../fixtures.mjs'
import { inStudio, scenario } from '../scenario.mjs'

/** @typedef {import('../scenario.mjs').T} T */

/** The email change asked for, `confirm_email_change` answering as said. */
const changingEmail = (/** @type {import('../scenario.mjs').Outcome | import('../scenario.mjs').Outcome[]} */ confirm) => ({
  start_email_change: { ok: EMAIL_SENT },
  confirm_email_change: confirm,
})

/** The account page, its email-change form open. */
async function openEmailChange(/** @type {T} */ t) {
  await t.byId('nav-account').click()
  await t.byId('change-email').click()
}

export default [
  scenario({
    name: 'account-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    commands: { auth_state: { ok: SIGNED_IN }, sign_out: { ok: SIGNED_OUT } },
    async run(t) {
      await t.byId('nav-account').click()
      await t.expectText('account-email', 'ada@example.com')
      await t.expectText('member-since', '2026年1月15日')
      await t.byId('sign-out-everywhere').click()
      await t.expectText('confirm-everywhere', '包括这台电脑')
      await t.screenshot('account-zh-CN-dark')
      await t.byId('sign-out').click()
      await t.expectText('session-notice', '你已退出登录。')
    },
  }),
  inStudio({
    name: 'change-email',
    commands: changingEmail([fail('invalid_code', { attempts_left: 4 }), { ok: MOVED }]),
    async run(t) {
      await t.byId('nav-account').click()
      await t.expectText('account-email', 'ada@example.com')
      await t.byId('change-email').click()
      await t.expectFocused('new-email-input')
      await t.page.keyboard.type('ada@lovelace.org', { delay: 5 })
      await t.page.keyboard.press('Enter')
      await t.expectAttr('email-change', 'data-step', 'code')
      await t.expectArgs('start_email_change', [{ email: 'ada@lovelace.org', language: 'en' }])
      await t.expectText('email-code-intro', 'We sent a six-digit code to ada@lovelace.org. It works for 10 minutes, on this computer only.')
      await t.expectText('email-resend-countdown', 'Send a new code in 0:')
      await t.expectFocused('code-digit-0')
      await t.expectText('account-email', 'ada@example.com')
      await t.screenshot('change-email-code')
      await t.page.keyboard.type('111111', { delay: 10 })
      await t.expectAttr('email-change-error', 'data-code', 'invalid_code')
      await t.expectText('email-change-error', "That code isn't right. You have 4 more tries.")
      await t.expectValue('code-digit-0', '')
      await t.expectFocused('code-digit-0')
      await t.screenshot('change-email-wrong-code')
      await t.page.keyboard.type('402139', { delay: 10 })
      await t.expectText('email-changed', 'Your email is now ada@lovelace.org.')
      await t.expectAttr('email-changed', 'role', 'status')
      await t.expectText('account-email', 'ada@lovelace.org')
      await t.expectFocused('change-email')
      await t.expectArgs('confirm_email_change', [{ code: '111111' }, { code: '402139' }])
      await t.expectText('account-name', 'Ada Lovelace')
      await t.screenshot('change-email-done')
      // From the keyboard alone: Enter on Change opens the form, Escape closes it, the focus comes back.
      await t.page.keyboard.press('Enter')
      await t.expectFocused('new-email-input')
      await t.page.keyboard.press('Escape')
      await t.expectFocused('change-email')
      await t.expectAbsent('email-change')
      await t.expectCallCount('start_email_change', 1)
    },
  }),
  inStudio({
    // The narrowest the window gets (tauri.conf.json's minWidth × minHeight), with a long address.
    name: 'change-email-narrow',
    viewport: { width: 900, height: 600 },
    commands: changingEmail({ ok: MOVED_LONG }),
    async run(t) {
      await openEmailChange(t)
      await t.expectFocused('new-email-input')
      await t.screenshot('change-email-address-narrow')
      // (Typed, the long address scrolls inside its field, as text fields do.)
      await t.byId('new-email-input').fill(MOVED_LONG.account.email)
      await t.byId('send-email-code').click()
      await t.expectAttr('email-change', 'data-step', 'code')
      await t.expectFocused('code-digit-0')
      await t.byId('email-change').scrollIntoViewIfNeeded()
      await t.screenshot('change-email-code-narrow')
      await t.page.keyboard.type('402139', { delay: 10 })
      await t.expectText('email-changed', `Your email is now ${MOVED_LONG.account.email}.`)
      await t.expectText('account-email', MOVED_LONG.account.email)
      await t.screenshot('change-email-done-narrow')
    },
  }),
  inStudio({
    // Another account took the address between asking and confirming: nothing changed, and the
    // form is back at the address for another try. (Asking never says whether it is taken.)
    name: 'change-email-taken-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    commands: changingEmail(fail('email_in_use')),
    async run(t) {
      await openEmailChange(t)
      await t.byId('new-email-input').fill('grace@example.com')
      await t.byId('send-email-code').click()
      await t.expectText('email-code-intro', '我们已向 grace@example.com 发送了六位数验证码，10 分钟内有效，且只能在这台电脑上使用。')
      await t.expectAbsent('email-change-error')
      await t.screenshot('change-email-code-zh-CN-dark')
      await t.expectFocused('code-digit-0')
      await t.page.keyboard.type('402139', { delay: 10 })
      await t.expectAttr('email-change-error', 'data-code', 'email_in_use')
      await t.expectText('email-change-error', 'grace@example.com 刚刚被另一个账户使用，因此没有做任何更改。')
      await t.expectAttr('email-change', 'data-step', 'address')
      await t.expectValue('new-email-input', 'grace@example.com')
      await t.expectFocused('new-email-input')
      await t.expectText('account-email', 'ada@example.com')
      // Names, addresses and the service's URL (in the connection panel) only.
      await t.expectOnlyChinese(['Atelier', 'English', 'Ada', 'Lovelace', 'ada', 'example', 'com', 'grace', 'http'])
      await t.screenshot('change-email-taken-zh-CN-dark')
    },
  }),
]
