import { fireEvent, render, screen } from '@testing-library/svelte'
import { flushSync } from 'svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from '../../App.svelte'
import { tauriBackend, type AppError, type AuthState } from '../backend'
import {
  ADA,
  APP_INFO,
  EMAIL_SENT,
  NATIVE_HEALTH,
  SIGNED_IN,
  SIGNED_OUT,
  appError,
  clearCommandMocks,
  mockCommands,
  type CommandMocks,
  settle,
} from '../backend/testing'
import en from '../i18n/en.json'
import { i18n } from '../i18n/locale.svelte'
import { EmailChange, emailChangeMessage } from './emailChange.svelte'
import { Session } from './session.svelte'

beforeEach(() => {
  localStorage.clear()
  i18n.set('en')
})

afterEach(() => {
  clearCommandMocks()
  vi.useRealTimers()
})

const MOVED: AuthState = { ...SIGNED_IN, account: { ...ADA, email: 'ada@lovelace.org' } }

function renderApp(mocks: CommandMocks) {
  mockCommands({ appInfo: () => APP_INFO, checkBackend: () => NATIVE_HEALTH, authState: () => SIGNED_IN, ...mocks })
  return render(App, { props: { backend: tauriBackend } })
}

/** Signed in, the account card is one click away ("Account" in the header). */
function byId(id: string): HTMLElement {
  const found = screen.queryByTestId(id)
  if (found) return found
  const tab = screen.queryByTestId('nav-account')
  if (tab && tab.getAttribute('aria-current') !== 'page') {
    tab.click()
    flushSync()
  }
  return screen.getByTestId(id)
}
const text = (id: string) => byId(id).textContent ?? ''
const box = (i: number) => byId(`code-digit-${i}`) as HTMLInputElement
const focused = () => document.activeElement?.getAttribute('data-testid')

/** Opens the form and asks for a code for `address`. */
async function askFor(address: string) {
  await settle()
  await fireEvent.click(byId('change-email'))
  await settle()
  await fireEvent.input(byId('new-email-input'), { target: { value: address } })
  await fireEvent.click(byId('send-email-code'))
  await settle()
}

async function typeCode(code: string) {
  for (const [i, digit] of [...code].entries()) {
    await fireEvent.keyDown(box(i), { key: digit })
  }
  await settle()
}

describe('changing the email', () => {
  it('mails a code to the new address, then moves the account there and says so', async () => {
    const startEmailChange = vi.fn(() => EMAIL_SENT)
    const confirmEmailChange = vi.fn(() => MOVED)
    renderApp({ startEmailChange, confirmEmailChange })
    await settle()
    expect(text('account-email')).toBe('ada@example.com')
    expect(byId('change-email').getAttribute('aria-label')).toBe('Change email')

    await fireEvent.click(byId('change-email'))
    await settle()
    const input = byId('new-email-input') as HTMLInputElement
    expect(input.type).toBe('email')
    expect(input.autocomplete).toBe('email')
    expect(input.value).toBe('')
    expect(focused()).toBe('new-email-input')
    expect(byId('email-change').dataset.step).toBe('address')

    await fireEvent.input(input, { target: { value: '  ada@lovelace.org ' } })
    await fireEvent.submit(input.form!)
    await settle()
    expect(startEmailChange).toHaveBeenCalledWith('ada@lovelace.org', 'en')
    expect(byId('email-change').dataset.step).toBe('code')
    expect(text('email-code-intro')).toBe(
      'We sent a six-digit code to ada@lovelace.org. It works for 10 minutes, on this computer only.',
    )
    expect(byId('code-boxes').getAttribute('aria-label')).toBe('Code from your new email')
    expect(text('email-resend-countdown')).toContain('Send a new code in 0:30')
    expect(focused()).toBe('code-digit-0')
    // Nothing changed yet.
    expect(text('account-email')).toBe('ada@example.com')

    await typeCode('402139')
    expect(confirmEmailChange).toHaveBeenCalledWith('402139')
    expect(text('account-email')).toBe('ada@lovelace.org')
    expect(screen.queryByTestId('email-change')).toBeNull()
    const done = byId('email-changed')
    expect(done.getAttribute('role')).toBe('status')
    expect(done.textContent).toContain('Your email is now ada@lovelace.org.')
    expect(focused()).toBe('change-email')
    // Still signed in, on the same account card.
    expect(text('account-name')).toContain('Ada Lovelace')
    expect(screen.queryByTestId('sign-in')).toBeNull()

    // The next change starts afresh and the old status goes.
    await fireEvent.click(byId('change-email'))
    await settle()
    expect(screen.queryByTestId('email-changed')).toBeNull()
    expect((byId('new-email-input') as HTMLInputElement).value).toBe('')
  })

  it('does not tell a taken address from a free one when sending the code', async () => {
    // grace@ has an account and gets a note instead of a code, linus@ gets the code: Rust
    // answers the same for both, and the page must show the same for both.
    const startEmailChange = vi.fn(() => EMAIL_SENT)
    const shown: string[] = []
    for (const address of ['grace@example.com', 'linus@example.com']) {
      const { unmount } = renderApp({ startEmailChange })
      await askFor(address)
      expect(byId('email-change').dataset.step).toBe('code')
      expect(screen.queryByTestId('email-change-error')).toBeNull()
      shown.push(text('account').replaceAll(address, '<address>').replace(/\d+:\d\d/g, 'm:ss'))
      unmount()
      clearCommandMocks()
    }
    expect(startEmailChange.mock.calls).toEqual([
      ['grace@example.com', 'en'],
      ['linus@example.com', 'en'],
    ])
    expect(shown[0]).toBe(shown[1])
    expect(shown[0]).toContain('We sent a six-digit code to <address>.')
    expect(shown[0]).not.toMatch(/another account|taken|in use|already/i)
  })

  it('a wrong code says how many tries are left and clears the boxes', async () => {
    const confirmEmailChange = vi
      .fn<(code: string) => AuthState>()
      .mockImplementationOnce(() => {
        throw appError('invalid_code', { attempts_left: 4 })
      })
      .mockImplementationOnce(() => {
        throw appError('invalid_code', { attempts_left: 1 })
      })
      .mockImplementation(() => MOVED)
    renderApp({ startEmailChange: () => EMAIL_SENT, confirmEmailChange })
    await askFor('ada@lovelace.org')

    await typeCode('111111')
    const error = byId('email-change-error')
    expect(error.dataset.code).toBe('invalid_code')
    expect(error.textContent).toContain("That code isn't right. You have 4 more tries.")
    expect(box(0).getAttribute('aria-invalid')).toBe('true')
    expect(box(0).value).toBe('')
    expect(focused()).toBe('code-digit-0')
    expect(byId('code-boxes').getAttribute('aria-describedby')).toBe('email-code-intro email-change-error')
    expect(text('account-email')).toBe('ada@example.com')

    await typeCode('222222')
    expect(text('email-change-error')).toContain('You have 1 more try.')

    await typeCode('402139')
    expect(confirmEmailChange).toHaveBeenCalledTimes(3)
    expect(text('account-email')).toBe('ada@lovelace.org')
    expect(screen.queryByTestId('email-change-error')).toBeNull()
  })

  it('when the address was taken meanwhile, nothing changes and another address can be tried', async () => {
    const startEmailChange = vi.fn(() => EMAIL_SENT)
    renderApp({
      startEmailChange,
      confirmEmailChange: () => {
        throw appError('email_in_use')
      },
    })
    await askFor('grace@example.com')
    await typeCode('402139')
    expect(byId('email-change').dataset.step).toBe('address')
    const error = byId('email-change-error')
    expect(error.dataset.code).toBe('email_in_use')
    expect(error.textContent).toContain('grace@example.com was just taken by another account, so nothing changed.')
    const input = byId('new-email-input') as HTMLInputElement
    expect(input.value).toBe('grace@example.com')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    expect(focused()).toBe('new-email-input')
    expect(text('account-email')).toBe('ada@example.com')
    expect(screen.queryByTestId('email-changed')).toBeNull()

    await fireEvent.input(input, { target: { value: 'ada@lovelace.org' } })
    await fireEvent.click(byId('send-email-code'))
    await settle()
    expect(startEmailChange).toHaveBeenLastCalledWith('ada@lovelace.org', 'en')
    expect(text('email-code-intro')).toContain('ada@lovelace.org')
  })

  it('Cancel and Escape close the form, nothing is confirmed, and the focus is back on Change', async () => {
    const confirmEmailChange = vi.fn(() => MOVED)
    renderApp({ startEmailChange: () => EMAIL_SENT, confirmEmailChange })
    await settle()
    await fireEvent.click(byId('change-email'))
    await settle()
    await fireEvent.keyDown(byId('new-email-input'), { key: 'Escape' })
    await settle()
    expect(screen.queryByTestId('email-change')).toBeNull()
    expect(focused()).toBe('change-email')

    await askFor('ada@lovelace.org')
    await fireEvent.keyDown(box(0), { key: '4' })
    await fireEvent.keyDown(box(1), { key: 'Escape' })
    await settle()
    expect(screen.queryByTestId('email-change')).toBeNull()
    expect(focused()).toBe('change-email')

    await askFor('ada@lovelace.org')
    await fireEvent.click(byId('cancel-email-change'))
    await settle()
    expect(screen.queryByTestId('email-change')).toBeNull()
    expect(focused()).toBe('change-email')
    expect(confirmEmailChange).not.toHaveBeenCalled()
    expect(text('account-email')).toBe('ada@example.com')
  })

  it('refuses the current address and a malformed one at the address step', async () => {
    const startEmailChange = vi.fn((email: string): never => {
      throw appError(email === 'ada@example.com' ? 'email_unchanged' : 'invalid_email')
    })
    renderApp({ startEmailChange })
    await askFor('   ')
    expect(startEmailChange).not.toHaveBeenCalled()
    expect(byId('email-change-error').dataset.code).toBe('invalid_email')
    expect(text('email-change-error')).toContain('Enter a valid email address, like name@example.com.')
    expect(focused()).toBe('new-email-input')

    await fireEvent.input(byId('new-email-input'), { target: { value: 'ada@example.com' } })
    await fireEvent.click(byId('send-email-code'))
    await settle()
    expect(byId('email-change-error').dataset.code).toBe('email_unchanged')
    expect(text('email-change-error')).toContain("That's already your account's email.")
    expect(byId('new-email-input').getAttribute('aria-invalid')).toBe('true')
    expect(byId('email-change').dataset.step).toBe('address')

    await fireEvent.input(byId('new-email-input'), { target: { value: 'ada@' } })
    await fireEvent.click(byId('send-email-code'))
    await settle()
    expect(text('email-change-error')).toContain('Enter a valid email address')
  })

  it('a dead code offers a new one, which goes to the same address', async () => {
    const startEmailChange = vi.fn(() => EMAIL_SENT)
    const confirmEmailChange = vi
      .fn<(code: string) => AuthState>()
      .mockImplementationOnce(() => {
        throw appError('code_expired')
      })
      .mockImplementationOnce(() => {
        throw appError('too_many_attempts')
      })
      .mockImplementation(() => MOVED)
    renderApp({ startEmailChange, confirmEmailChange })
    await askFor('ada@lovelace.org')
    await typeCode('123456')
    expect(text('email-change-error')).toContain('This code no longer works')
    await typeCode('654321')
    expect(text('email-change-error')).toContain('Too many wrong codes, so this change was stopped.')
    await fireEvent.click(byId('email-change-new-code'))
    await settle()
    expect(startEmailChange).toHaveBeenCalledTimes(2)
    expect(startEmailChange).toHaveBeenLastCalledWith('ada@lovelace.org', 'en')
    expect(text('email-code-resent')).toContain('We sent a new code to ada@lovelace.org.')
    expect(screen.queryByTestId('email-change-error')).toBeNull()
    expect(focused()).toBe('code-digit-0')
    await typeCode('402139')
    expect(text('account-email')).toBe('ada@lovelace.org')
  })

  it('send again waits for the countdown', async () => {
    vi.useFakeTimers()
    const startEmailChange = vi.fn(() => EMAIL_SENT)
    renderApp({ startEmailChange })
    await askFor('ada@lovelace.org')
    expect(text('email-resend-countdown')).toContain('0:30')
    expect(screen.queryByTestId('email-resend-button')).toBeNull()
    await vi.advanceTimersByTimeAsync(30_000)
    await settle()
    expect(screen.queryByTestId('email-resend-countdown')).toBeNull()
    await fireEvent.click(byId('email-resend-button'))
    await settle()
    expect(startEmailChange).toHaveBeenCalledTimes(2)
    expect(text('email-code-resent')).toContain('We sent a new code to ada@lovelace.org.')
    expect(text('email-resend-countdown')).toContain('0:30')
  })

  it('rate limits show the wait and block sending until it is over', async () => {
    vi.useFakeTimers()
    const startEmailChange = vi.fn((): never => {
      throw appError('rate_limited', { retry_after_seconds: 42 })
    })
    renderApp({ startEmailChange })
    await askFor('ada@lovelace.org')
    expect(text('email-change-error')).toContain('Too many attempts. You can try again in 42 seconds.')
    expect(byId('send-email-code').getAttribute('aria-disabled')).toBe('true')
    await fireEvent.click(byId('send-email-code'))
    expect(startEmailChange).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(42_000)
    await settle()
    expect(text('email-change-error')).toContain('You can try again now.')
    expect(byId('send-email-code').getAttribute('aria-disabled')).toBe('false')
  })

  it('offline, it says that changing the email needs a connection', async () => {
    renderApp({
      startEmailChange: () => {
        throw appError('offline')
      },
    })
    await askFor('ada@lovelace.org')
    expect(text('email-change-error')).toContain("You're offline. Changing your email needs a connection.")
  })

  it('a session that ended meanwhile sends the person back to sign in', async () => {
    let state: AuthState = SIGNED_IN
    renderApp({
      authState: () => state,
      startEmailChange: () => {
        state = SIGNED_OUT
        throw appError('unauthenticated')
      },
    })
    await askFor('ada@lovelace.org')
    expect(byId('sign-in')).toBeTruthy()
  })

  it('reads in Chinese', async () => {
    i18n.set('zh-CN')
    renderApp({
      startEmailChange: () => EMAIL_SENT,
      confirmEmailChange: (code) => {
        if (code === '000000') throw appError('invalid_code', { attempts_left: 2 })
        return MOVED
      },
    })
    await settle()
    expect(text('change-email')).toContain('更改')
    await askFor('ada@lovelace.org')
    expect(text('email-code-intro')).toBe('我们已向 ada@lovelace.org 发送了六位数验证码，10 分钟内有效，且只能在这台电脑上使用。')
    await typeCode('000000')
    expect(text('email-change-error')).toContain('验证码不正确，你还可以再试 2 次。')
    await typeCode('402139')
    expect(text('email-changed')).toContain('你的邮箱已改为 ada@lovelace.org')
  })
})

describe('EmailChange', () => {
  it('an answer that comes after Cancel does not reopen the form', async () => {
    let answer!: () => void
    mockCommands({
      startEmailChange: () => EMAIL_SENT,
      confirmEmailChange: async () => {
        await new Promise<void>((resolve) => (answer = resolve))
        throw appError('email_in_use')
      },
    })
    const change = new EmailChange(tauriBackend, new Session(tauriBackend))
    change.open()
    change.address = 'grace@example.com'
    expect(await change.send()).toBe(true)
    const confirming = change.confirm('402139')
    await settle()
    expect(change.confirming).toBe(true)
    change.cancel()
    answer()
    expect(await confirming).toBe(false)
    expect(change.step).toBe('closed')
    expect(change.error).toBeNull()
    change.stop()
  })
})

describe('emailChangeMessage', () => {
  const e = (code: string, extra: Partial<AppError> = {}): AppError => ({ code, message: '', ...extra }) as AppError

  it('names only keys that exist, and offers a new code when the code is dead', () => {
    for (const code of [
      'invalid_email',
      'email_unchanged',
      'email_in_use',
      'invalid_code',
      'code_expired',
      'too_many_attempts',
      'rate_limited',
      'offline',
      'unauthenticated',
      'brand_new_code',
    ]) {
      expect(Object.hasOwn(en, emailChangeMessage(e(code), 'x@example.com').key), code).toBe(true)
    }
    expect(emailChangeMessage(e('code_expired'), '').offerNewCode).toBe(true)
    expect(emailChangeMessage(e('too_many_attempts'), '').offerNewCode).toBe(true)
    expect(emailChangeMessage(e('email_in_use'), 'x@example.com')).toEqual({
      key: 'emailChange.error.email_in_use',
      params: { email: 'x@example.com' },
      offerNewCode: false,
    })
    expect(emailChangeMessage(e('invalid_code', { attempts_left: 3 }), '')).toMatchObject({
      key: 'signIn.error.invalid_code_many',
      params: { n: 3 },
    })
    expect(emailChangeMessage(e('brand_new_code'), '').key).toBe('error.unknown')
    expect(emailChangeMessage(e('internal'), '').key).toBe('error.internal')
  })
})
