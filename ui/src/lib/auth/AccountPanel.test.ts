import { fireEvent, render, screen } from '@testing-library/svelte'
import { flushSync } from 'svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from '../../App.svelte'
import { tauriBackend, type AuthState } from '../backend'
import {
  ADA,
  APP_INFO,
  NATIVE_HEALTH,
  SIGNED_IN,
  SIGNED_OUT,
  appError,
  clearCommandMocks,
  mockCommands,
  type CommandMocks,
  settle,
} from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'

beforeEach(() => {
  localStorage.clear()
  i18n.set('en')
})

afterEach(() => clearCommandMocks())

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

describe('signed in', () => {
  it('opens on the account when Rust restored a session, with the connection still in view', async () => {
    renderApp({ authState: () => SIGNED_IN })
    expect(byId('auth-loading')).toBeTruthy()
    await settle()
    expect(text('account-email')).toBe('ada@example.com')
    expect(text('account-name')).toContain('Ada Lovelace')
    expect(text('member-since')).toBe('January 15, 2026')
    expect(byId('session-storage').dataset.storage).toBe('keychain')
    expect(text('session-storage')).toContain('system keychain')
    expect(byId('backend-status').dataset.state).toBe('online')
    expect(text('server-version')).toBe('0.3.2')
  })

  it('edits the display name, and clears it when left empty', async () => {
    const updateDisplayName = vi.fn((name: string | null): AuthState => ({
      ...SIGNED_IN,
      account: { ...ADA, display_name: name },
    }))
    renderApp({ authState: () => SIGNED_IN, updateDisplayName })
    await settle()
    await fireEvent.click(byId('edit-name'))
    await settle()
    const input = byId('name-input') as HTMLInputElement
    expect(input.value).toBe('Ada Lovelace')
    expect(document.activeElement).toBe(input)
    await fireEvent.input(input, { target: { value: '  Countess of Lovelace ' } })
    await fireEvent.click(byId('save-name'))
    await settle()
    expect(updateDisplayName).toHaveBeenLastCalledWith('Countess of Lovelace')
    expect(text('account-name')).toContain('Countess of Lovelace')
    expect(screen.queryByTestId('name-input')).toBeNull()
    expect(document.activeElement).toBe(byId('edit-name'))

    await fireEvent.click(byId('edit-name'))
    await settle()
    await fireEvent.input(byId('name-input'), { target: { value: '   ' } })
    await fireEvent.click(byId('save-name'))
    await settle()
    expect(updateDisplayName).toHaveBeenLastCalledWith(null)
    // Without a display name, the email stands in as the name.
    expect(text('account-name')).toBe('ada@example.com')
  })

  it('says when a display name is refused, and keeps the editor open', async () => {
    renderApp({
      authState: () => SIGNED_IN,
      updateDisplayName: () => {
        throw appError('invalid_display_name')
      },
    })
    await settle()
    await fireEvent.click(byId('edit-name'))
    await settle()
    await fireEvent.click(byId('save-name'))
    await settle()
    expect(byId('account-error').dataset.code).toBe('invalid_display_name')
    expect(text('account-error')).toContain("That name can't be used.")
    expect(byId('name-input')).toBeTruthy()
  })

  it('signs out of this device', async () => {
    const signOut = vi.fn(() => SIGNED_OUT)
    renderApp({ authState: () => SIGNED_IN, signOut })
    await settle()
    await fireEvent.click(byId('sign-out'))
    await settle()
    expect(signOut).toHaveBeenCalledTimes(1)
    expect(byId('sign-in').dataset.step).toBe('email')
    expect(text('session-notice')).toContain("You're signed out.")
  })

  it('signs out of every device after confirming', async () => {
    const signOutEverywhere = vi.fn(() => SIGNED_OUT)
    renderApp({ authState: () => SIGNED_IN, signOutEverywhere })
    await settle()
    await fireEvent.click(byId('sign-out-everywhere'))
    await settle()
    expect(signOutEverywhere).not.toHaveBeenCalled()
    expect(text('confirm-everywhere')).toContain('on every device, including this one')
    expect(document.activeElement).toBe(byId('confirm-sign-out-everywhere'))
    await fireEvent.click(byId('confirm-sign-out-everywhere'))
    await settle()
    expect(signOutEverywhere).toHaveBeenCalledTimes(1)
    expect(byId('sign-in')).toBeTruthy()
  })

  it('signing out everywhere needs the service: offline, it says so and stays signed in', async () => {
    renderApp({
      authState: () => SIGNED_IN,
      signOutEverywhere: () => {
        throw appError('offline')
      },
    })
    await settle()
    await fireEvent.click(byId('sign-out-everywhere'))
    await settle()
    await fireEvent.click(byId('confirm-sign-out-everywhere'))
    await settle()
    expect(text('account-error')).toContain('Signing out of all devices needs a connection.')
    expect(byId('account')).toBeTruthy()
  })

  it('a session that ended meanwhile sends the person back to sign in', async () => {
    let state: AuthState = SIGNED_IN
    renderApp({
      authState: () => state,
      updateDisplayName: () => {
        state = SIGNED_OUT
        throw appError('unauthenticated')
      },
    })
    await settle()
    await fireEvent.click(byId('edit-name'))
    await settle()
    await fireEvent.click(byId('save-name'))
    await settle()
    expect(byId('sign-in')).toBeTruthy()
  })

  it('reads in Chinese', async () => {
    i18n.set('zh-CN')
    renderApp({ authState: () => ({ ...SIGNED_IN, storage: { kind: 'memory' } }) })
    await settle()
    await fireEvent.click(byId('nav-account'))
    expect(byId('nav-account').textContent).toBe('账户')
    expect(screen.getByRole('heading', { name: '你的账户' })).toBeTruthy()
    expect(text('member-since')).toBe('2026年1月15日')
    expect(text('session-storage')).toContain('退出 Atelier 后你将被登出。')
    expect(text('sign-out')).toContain('退出登录')
  })
})

describe('start-up', () => {
  it('says so when Rust cannot give the sign-in state, and can ask again', async () => {
    let fail = true
    renderApp({
      authState: () => {
        if (fail) throw appError('internal')
        return SIGNED_OUT
      },
    })
    await settle()
    expect(byId('auth-failed').dataset.code).toBe('internal')
    fail = false
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    await settle()
    expect(byId('sign-in')).toBeTruthy()
  })
})
