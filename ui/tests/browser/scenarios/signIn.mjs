// @ts-check
// Signing in by email: the code typed, mistyped, expired, dead, pasted; the rate limit; the link
// from the email; a keychain that isn't there. Rust's answers are scripted per command; the page
// sees the real bindings.
import { EMAIL_SENT, fail, SIGNED_IN, SIGNED_OUT, STORE_UNAVAILABLE } from '../fixtures.mjs'
import { scenario } from '../scenario.mjs'

/**
 * A sign-in by code: the email goes out; `verify_code` answers as said (signed in, unless).
 * @param {import('../scenario.mjs').ScenarioSpec} spec
 */
const byCode = ({ commands, ...spec }) => scenario({ ...spec, commands: { start_sign_in: { ok: EMAIL_SENT }, verify_code: { ok: SIGNED_IN }, ...commands } })

export default [
  byCode({
    name: 'sign-in-by-code',
    async run(t) {
      await t.expectAttr('sign-in', 'data-step', 'email')
      await t.screenshot('sign-in-email')
      await t.byId('email-input').fill('ada@example.com')
      await t.byId('email-input').press('Enter')
      await t.expectAttr('sign-in', 'data-step', 'code')
      await t.expectArgs('start_sign_in', [{ email: 'ada@example.com', language: 'en' }])
      await t.expectText('code-intro', 'We sent a six-digit code to ada@example.com')
      await t.expectText('resend-countdown', 'Send a new code in 0:')
      await t.expectFocused('code-digit-0')
      await t.screenshot('sign-in-code')
      // Typed as a person would: focus moves on by itself, and the sixth digit submits.
      await t.page.keyboard.type('402139', { delay: 20 })
      // Signed in, the studio opens; the account is one click away.
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.byId('nav-account').click()
      await t.expectText('account-email', 'ada@example.com')
      await t.expectArgs('verify_code', [{ email: 'ada@example.com', code: '402139' }])
      await t.expectText('account-name', 'Ada Lovelace')
      await t.expectText('backend-status', 'Connected')
      await t.screenshot('signed-in')
    },
  }),
  byCode({
    name: 'sign-in-wrong-code',
    commands: { verify_code: [fail('invalid_code', { attempts_left: 4 }), fail('invalid_code', { attempts_left: 3 }), { ok: SIGNED_IN }] },
    async run(t) {
      await t.sendCodeTo('ada@example.com')
      await t.page.keyboard.type('111111', { delay: 10 })
      await t.expectAttr('sign-in-error', 'data-code', 'invalid_code')
      await t.expectText('sign-in-error', "That code isn't right. You have 4 more tries.")
      await t.expectValue('code-digit-0', '')
      await t.expectFocused('code-digit-0')
      await t.page.keyboard.type('222222', { delay: 10 })
      await t.expectText('sign-in-error', 'You have 3 more tries.')
      await t.screenshot('sign-in-wrong-code')
      // Backspace undoes a typo without touching the mouse.
      await t.page.keyboard.type('40', { delay: 10 })
      await t.page.keyboard.press('Backspace')
      await t.page.keyboard.press('Backspace')
      await t.expectValue('code-digit-1', '')
      await t.expectValue('code-digit-0', '')
      await t.page.keyboard.type('402139', { delay: 10 })
      await t.byId('nav-account').click()
      await t.expectText('account-email', 'ada@example.com')
    },
  }),
  byCode({
    name: 'sign-in-expired-code',
    commands: { verify_code: [fail('code_expired'), { ok: SIGNED_IN }] },
    async run(t) {
      await t.sendCodeTo('ada@example.com')
      await t.page.keyboard.type('123456', { delay: 10 })
      await t.expectText('sign-in-error', 'This code has expired or a newer one was sent.')
      await t.screenshot('sign-in-expired-code')
      await t.byId('new-code').click()
      await t.expectText('code-resent', 'We sent a new code to ada@example.com.')
      await t.expectCallCount('start_sign_in', 2)
      await t.expectAbsent('sign-in-error')
    },
  }),
  byCode({
    name: 'sign-in-dead-code',
    colorScheme: 'dark',
    commands: { verify_code: fail('too_many_attempts') },
    async run(t) {
      await t.sendCodeTo('ada@example.com')
      await t.page.keyboard.type('999999', { delay: 10 })
      await t.expectText('sign-in-error', 'Too many wrong codes, so this one no longer works.')
      await t.expectText('new-code', 'Email me a new code')
      await t.screenshot('sign-in-dead-code')
    },
  }),
  scenario({
    name: 'sign-in-rate-limited',
    clock: true,
    commands: { start_sign_in: [fail('rate_limited', { retry_after_seconds: 42 }), { ok: EMAIL_SENT }] },
    async run(t) {
      await t.byId('email-input').fill('ada@example.com')
      await t.byId('send-code').click()
      await t.expectText('rate-limit-wait', 'Too many attempts. You can try again in 42 seconds.')
      await t.expectAttr('send-code', 'aria-disabled', 'true')
      await t.screenshot('sign-in-rate-limited')
      await t.byId('send-code').click({ force: true }) // Playwright respects aria-disabled; a person may not
      await t.expectCallCount('start_sign_in', 1)
      await t.page.clock.runFor(42_000)
      await t.expectText('rate-limit-wait', 'You can try again now.')
      await t.byId('send-code').click()
      await t.expectAttr('sign-in', 'data-step', 'code')
      // The resend countdown runs on the same clock.
      await t.expectText('resend-countdown', '0:30')
      await t.page.clock.runFor(30_000)
      await t.expectText('resend-button', 'Send a new code')
    },
  }),
  byCode({
    name: 'sign-in-paste',
    async run(t) {
      await t.sendCodeTo('ada@example.com')
      // The whole code, as copied from the email with spaces, pasted with the keyboard into box 4.
      await t.page.evaluate(() => navigator.clipboard.writeText(' 402 139 '))
      await t.byId('code-digit-3').focus()
      await t.page.keyboard.press('Control+V')
      await t.byId('nav-account').click()
      await t.expectText('account-email', 'ada@example.com')
      await t.expectArgs('verify_code', [{ email: 'ada@example.com', code: '402139' }])
    },
  }),
  byCode({
    name: 'sign-in-zh-CN',
    locale: 'zh-CN',
    commands: { verify_code: fail('invalid_code', { attempts_left: 2 }) },
    async run(t) {
      await t.expectText('sign-in', '登录 Atelier')
      await t.screenshot('sign-in-zh-CN')
      await t.sendCodeTo('ada@example.com')
      await t.expectArgs('start_sign_in', [{ email: 'ada@example.com', language: 'zh-CN' }])
      await t.expectText('code-intro', '我们已向 ada@example.com 发送了六位数验证码')
      await t.page.keyboard.type('000000', { delay: 10 })
      await t.expectText('sign-in-error', '验证码不正确，你还可以再试 2 次。')
      await t.screenshot('sign-in-code-zh-CN')
    },
  }),
  scenario({
    name: 'sign-in-link',
    async run(t) {
      await t.expectAttr('sign-in', 'data-step', 'email')
      await t.emit('sign-in-link', { phase: 'verifying' })
      await t.expectText('link-verifying', 'Signing you in with the link from your email')
      await t.emit('auth-changed', { state: SIGNED_IN, reason: 'signed_in_by_link' })
      await t.byId('nav-account').click()
      await t.expectText('signed-in-notice', "You're signed in.")
      await t.expectText('account-email', 'ada@example.com')
    },
  }),
  scenario({
    name: 'keychain-unavailable',
    commands: {
      auth_state: { ok: STORE_UNAVAILABLE },
      retry_credential_store: fail('credential_store_unavailable'),
      use_memory_session: { ok: { ...SIGNED_OUT, storage: { kind: 'memory' } } },
    },
    async run(t) {
      await t.expectText('store-notice', "Your system keychain isn't available")
      await t.expectText('store-notice', 'never in a plain file')
      await t.byId('retry-credential-store').click()
      await t.expectText('store-notice', 'The keychain is still unavailable.')
      await t.screenshot('keychain-unavailable')
      await t.byId('use-memory-session').click()
      await t.expectAbsent('store-notice')
      await t.expectCallCount('use_memory_session', 1)
    },
  }),
]
