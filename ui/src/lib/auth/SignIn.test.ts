import { fireEvent, render, screen } from '@testing-library/svelte'
import { flushSync } from 'svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from '../../App.svelte'
import { tauriBackend, type AuthState } from '../backend'
import {
  ADA,
  APP_INFO,
  EMAIL_SENT,
  NATIVE_HEALTH,
  SIGNED_IN,
  SIGNED_OUT,
  STORE_UNAVAILABLE,
  appError,
  clearCommandMocks,
  emitAuthChanged,
  emitSignInLink,
  mockCommands,
  type CommandMocks,
  settle,
} from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'

beforeEach(() => {
  localStorage.clear()
  i18n.set('en')
})

afterEach(() => {
  clearCommandMocks()
  vi.useRealTimers()
})

function renderApp(mocks: CommandMocks) {
  mockCommands({ appInfo: () => APP_INFO, checkBackend: () => NATIVE_HEALTH, ...mocks })
  return render(App, { props: { backend: tauriBackend } })
}

/**
 * Signed in, the app opens on the studio and the account card is one click away ("Account" in
 * the header): an element of the card that is not on screen is looked for after that click.
 */
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

async function submitEmail(address: string) {
  await fireEvent.input(byId('email-input'), { target: { value: address } })
  await fireEvent.click(byId('send-code'))
  await settle()
}

async function typeCode(code: string) {
  for (const [i, digit] of [...code].entries()) {
    await fireEvent.keyDown(box(i), { key: digit })
  }
  await settle()
}

describe('sign-in by code', () => {
  it('emails a code in the UI language, then signs in with it', async () => {
    let state: AuthState = SIGNED_OUT
    const startSignIn = vi.fn(() => EMAIL_SENT)
    const verifyCode = vi.fn((_email: string, code: string) => {
      if (code !== '402139') throw appError('invalid_code', { attempts_left: 4 })
      state = SIGNED_IN
      return state
    })
    renderApp({ authState: () => state, startSignIn, verifyCode })
    await settle()

    expect(byId('sign-in').dataset.step).toBe('email')
    expect(screen.getByRole('heading', { name: 'Sign in to Atelier' })).toBeTruthy()
    await submitEmail('  ada@example.com ')
    expect(startSignIn).toHaveBeenCalledWith('ada@example.com', 'en')

    expect(byId('sign-in').dataset.step).toBe('code')
    expect(text('code-intro')).toContain('ada@example.com')
    expect(document.activeElement).toBe(box(0))
    expect(text('resend-countdown')).toContain('Send a new code in 0:30')

    await typeCode('402139')
    expect(verifyCode).toHaveBeenCalledWith('ada@example.com', '402139')
    expect(text('account-email')).toBe('ada@example.com')
    expect(text('account-name')).toContain('Ada Lovelace')
    expect(screen.queryByTestId('sign-in')).toBeNull()
  })

  it('a wrong code says how many tries are left, and empties the boxes for another go', async () => {
    let left = 4
    renderApp({
      authState: () => SIGNED_OUT,
      startSignIn: () => EMAIL_SENT,
      verifyCode: () => {
        throw appError('invalid_code', { attempts_left: left-- })
      },
    })
    await settle()
    await submitEmail('ada@example.com')
    await typeCode('111111')
    expect(byId('sign-in-error').dataset.code).toBe('invalid_code')
    expect(text('sign-in-error')).toContain("That code isn't right. You have 4 more tries.")
    expect(box(0).value).toBe('')
    expect(box(0).getAttribute('aria-invalid')).toBe('true')
    expect(document.activeElement).toBe(box(0))
    for (let i = 0; i < 2; i++) await typeCode('111111')
    await typeCode('111111')
    expect(text('sign-in-error')).toContain('You have 1 more try.')
  })

  it('five wrong codes: the dead code offers a new email', async () => {
    const startSignIn = vi.fn(() => EMAIL_SENT)
    renderApp({
      authState: () => SIGNED_OUT,
      startSignIn,
      verifyCode: () => {
        throw appError('too_many_attempts')
      },
    })
    await settle()
    await submitEmail('ada@example.com')
    await typeCode('999999')
    expect(text('sign-in-error')).toContain('Too many wrong codes, so this one no longer works.')
    await fireEvent.click(byId('new-code'))
    await settle()
    expect(startSignIn).toHaveBeenCalledTimes(2)
    expect(text('code-resent')).toContain('We sent a new code to ada@example.com.')
    expect(screen.queryByTestId('sign-in-error')).toBeNull()
  })

  it('an expired code says so and offers a new one', async () => {
    renderApp({
      authState: () => SIGNED_OUT,
      startSignIn: () => EMAIL_SENT,
      verifyCode: () => {
        throw appError('code_expired')
      },
    })
    await settle()
    await submitEmail('ada@example.com')
    await typeCode('123456')
    expect(byId('sign-in-error').dataset.code).toBe('code_expired')
    expect(text('sign-in-error')).toContain('This code has expired or a newer one was sent.')
    expect(byId('new-code')).toBeTruthy()
  })

  it('resend counts down, then sends another email', async () => {
    vi.useFakeTimers()
    const startSignIn = vi.fn(() => EMAIL_SENT)
    renderApp({ authState: () => SIGNED_OUT, startSignIn })
    await settle()
    await submitEmail('ada@example.com')
    expect(text('resend-countdown')).toContain('0:30')
    expect(screen.queryByTestId('resend-button')).toBeNull()
    await vi.advanceTimersByTimeAsync(12_000)
    expect(text('resend-countdown')).toContain('0:18')
    await vi.advanceTimersByTimeAsync(18_000)
    await settle()
    expect(screen.queryByTestId('resend-countdown')).toBeNull()
    await fireEvent.click(byId('resend-button'))
    await settle()
    expect(startSignIn).toHaveBeenCalledTimes(2)
    expect(text('code-resent')).toContain('We sent a new code')
    expect(text('resend-countdown')).toContain('0:30')
  })

  it('rate limits show the wait, block the button, and lift when it is over', async () => {
    vi.useFakeTimers()
    const startSignIn = vi.fn((): never => {
      throw appError('rate_limited', { retry_after_seconds: 42 })
    })
    renderApp({ authState: () => SIGNED_OUT, startSignIn })
    await settle()
    await submitEmail('ada@example.com')
    expect(text('rate-limit-wait')).toContain('Too many attempts. You can try again in 42 seconds.')
    expect(byId('send-code').getAttribute('aria-disabled')).toBe('true')
    await fireEvent.click(byId('send-code'))
    expect(startSignIn).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(42_000)
    await settle()
    expect(text('rate-limit-wait')).toContain('You can try again now.')
    expect(byId('send-code').getAttribute('aria-disabled')).toBe('false')
  })

  it('long waits read in minutes', async () => {
    renderApp({
      authState: () => SIGNED_OUT,
      startSignIn: () => {
        throw appError('rate_limited', { retry_after_seconds: 1_500 })
      },
    })
    await settle()
    await submitEmail('ada@example.com')
    expect(text('rate-limit-wait')).toContain('in 25 minutes')
  })

  it('says when the email address is not valid, and when the service is unreachable', async () => {
    let failure = appError('invalid_email')
    renderApp({
      authState: () => SIGNED_OUT,
      startSignIn: () => {
        throw failure
      },
    })
    await settle()
    await submitEmail('not-an-address')
    expect(text('sign-in-error')).toContain('Enter a valid email address')
    expect(byId('email-input').getAttribute('aria-invalid')).toBe('true')
    failure = appError('offline')
    await submitEmail('ada@example.com')
    expect(text('sign-in-error')).toContain("You're offline.")
  })

  it('an empty address is caught before asking Rust', async () => {
    const startSignIn = vi.fn(() => EMAIL_SENT)
    renderApp({ authState: () => SIGNED_OUT, startSignIn })
    await settle()
    await submitEmail('   ')
    expect(startSignIn).not.toHaveBeenCalled()
    expect(byId('sign-in-error').dataset.code).toBe('invalid_email')
  })

  it('"use a different email" goes back with the address ready to correct', async () => {
    renderApp({ authState: () => SIGNED_OUT, startSignIn: () => EMAIL_SENT })
    await settle()
    await submitEmail('ada@exmaple.com')
    await fireEvent.click(byId('different-email'))
    await settle()
    expect(byId('sign-in').dataset.step).toBe('email')
    expect((byId('email-input') as HTMLInputElement).value).toBe('ada@exmaple.com')
  })

  it('a pasted sign-in link signs in through its token', async () => {
    const verifyLinkToken = vi.fn(() => SIGNED_IN)
    renderApp({ authState: () => SIGNED_OUT, startSignIn: () => EMAIL_SENT, verifyLinkToken })
    await settle()
    await submitEmail('ada@example.com')
    const event = new Event('paste', { bubbles: true, cancelable: true })
    const link = 'http://127.0.0.1:8787/auth/link?token=q8Jd3kL0pZx_Vb7-Ww2NcYt5HsRa9eUfq8Jd3kL0pZx'
    Object.defineProperty(event, 'clipboardData', { value: { getData: () => link } })
    box(2).dispatchEvent(event)
    await settle()
    expect(verifyLinkToken).toHaveBeenCalledWith('q8Jd3kL0pZx_Vb7-Ww2NcYt5HsRa9eUfq8Jd3kL0pZx')
    expect(text('account-email')).toBe('ada@example.com')
  })

  it('works in Chinese, and the email is asked for in Chinese', async () => {
    i18n.set('zh-CN')
    const startSignIn = vi.fn(() => EMAIL_SENT)
    renderApp({
      authState: () => SIGNED_OUT,
      startSignIn,
      verifyCode: () => {
        throw appError('invalid_code', { attempts_left: 2 })
      },
    })
    await settle()
    expect(screen.getByRole('heading', { name: '登录 Atelier' })).toBeTruthy()
    await submitEmail('ada@example.com')
    expect(startSignIn).toHaveBeenCalledWith('ada@example.com', 'zh-CN')
    expect(text('code-intro')).toContain('我们已向 ada@example.com 发送了六位数验证码')
    expect(text('resend-countdown')).toContain('0:30 后可重新发送')
    await typeCode('000000')
    expect(text('sign-in-error')).toContain('验证码不正确，你还可以再试 2 次。')
  })
})

describe('the magic link, handled in Rust', () => {
  it('shows the link being checked, then the account', async () => {
    renderApp({ authState: () => SIGNED_OUT })
    await settle()
    await emitSignInLink({ phase: 'verifying' })
    await settle()
    expect(text('link-verifying')).toContain('Signing you in with the link from your email')
    await emitAuthChanged({ state: SIGNED_IN, reason: 'signed_in_by_link' })
    await settle()
    expect(text('account-email')).toBe('ada@example.com')
    expect(text('signed-in-notice')).toContain("You're signed in.")
  })

  it('an expired link says so', async () => {
    renderApp({ authState: () => SIGNED_OUT })
    await settle()
    await emitSignInLink({ phase: 'failed', error: appError('code_expired') })
    await settle()
    expect(text('sign-in-error')).toContain('This sign-in link has expired or was already used.')
  })

  it('a session the service ended brings back the sign-in screen with a note', async () => {
    renderApp({ authState: () => SIGNED_IN })
    await settle()
    expect(byId('account')).toBeTruthy()
    await emitAuthChanged({ state: SIGNED_OUT, reason: 'session_ended' })
    await settle()
    expect(text('session-notice')).toContain('Your session has ended.')
  })
})

describe('without a system keychain', () => {
  it('explains, blocks the form until the person chooses, then signs in until quit', async () => {
    let state: AuthState = STORE_UNAVAILABLE
    const useMemorySession = vi.fn(() => {
      state = { ...SIGNED_OUT, storage: { kind: 'memory' } }
      return state
    })
    renderApp({
      authState: () => state,
      useMemorySession,
      retryCredentialStore: () => {
        throw appError('credential_store_unavailable')
      },
      startSignIn: () => EMAIL_SENT,
      verifyCode: () => ({ ...SIGNED_IN, storage: { kind: 'memory' } }),
    })
    await settle()
    expect(text('store-notice')).toContain("Your system keychain isn't available")
    expect(text('store-notice')).toContain('never in a plain file')
    expect((byId('email-input') as HTMLInputElement).disabled).toBe(true)
    expect(byId('send-code').getAttribute('aria-disabled')).toBe('true')

    await fireEvent.click(byId('retry-credential-store'))
    await settle()
    expect(text('store-notice')).toContain('The keychain is still unavailable.')

    await fireEvent.click(byId('use-memory-session'))
    await settle()
    expect(useMemorySession).toHaveBeenCalledTimes(1)
    expect(screen.queryByTestId('store-notice')).toBeNull()
    await submitEmail('ada@example.com')
    await typeCode('123456')
    expect(byId('session-storage').dataset.storage).toBe('memory')
    expect(text('session-storage')).toContain("You'll be signed out when you quit Atelier.")
  })

  it('a sign-in the keychain refused waits for the choice', async () => {
    let state: AuthState = SIGNED_OUT
    renderApp({
      authState: () => state,
      startSignIn: () => EMAIL_SENT,
      verifyCode: () => {
        state = { account: null, storage: STORE_UNAVAILABLE.storage, unsaved: ADA }
        throw appError('credential_store_unavailable')
      },
      useMemorySession: () => ({ ...SIGNED_IN, storage: { kind: 'memory' } }),
    })
    await settle()
    await submitEmail('ada@example.com')
    await typeCode('123456')
    expect(byId('store-notice').dataset.unsaved).toBe('true')
    expect(text('store-notice')).toContain("You're signed in, but Atelier can't save it")
    expect(text('store-notice')).toContain('Signed in as ada@example.com')
    await fireEvent.click(byId('use-memory-session'))
    await settle()
    expect(text('account-email')).toBe('ada@example.com')
  })
})
