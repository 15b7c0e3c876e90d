import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import App from '../../App.svelte'
import { tauriBackend, type PrivacySettings } from '../backend'
import {
  APP_INFO,
  NATIVE_HEALTH,
  PRIVACY_UNDECIDED,
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

/** The app signed out, with Rust's privacy settings as given; records every consent sent. */
function renderApp(settings: PrivacySettings | (() => PrivacySettings), mocks: CommandMocks = {}) {
  const sent: boolean[] = []
  mockCommands({
    appInfo: () => APP_INFO,
    checkBackend: () => NATIVE_HEALTH,
    authState: () => SIGNED_OUT,
    privacySettings: typeof settings === 'function' ? settings : () => settings,
    setAnalyticsConsent: (granted) => {
      sent.push(granted)
      return { ...PRIVACY_UNDECIDED, analytics: granted ? 'granted' : 'denied' }
    },
    ...mocks,
  })
  render(App, { props: { backend: tauriBackend } })
  return sent
}

describe('the consent banner', () => {
  it('asks on first launch, sends nothing until answered, and leaves once accepted', async () => {
    const sent = renderApp(PRIVACY_UNDECIDED)
    await settle()
    const banner = screen.getByTestId('consent-banner')
    expect(banner.textContent).toContain('No email, prompt or IP is ever sent.')
    expect(banner.textContent).toContain('Settings → Privacy')
    expect(sent).toEqual([])
    // Both answers are plain buttons of the same kind: neither is the "default".
    const accept = screen.getByTestId('consent-accept')
    const decline = screen.getByTestId('consent-decline')
    expect(accept.className).toBe(decline.className)
    expect(accept.tagName).toBe('BUTTON')

    await fireEvent.click(accept)
    await settle()
    expect(sent).toEqual([true])
    expect(screen.queryByTestId('consent-banner')).toBeNull()
  })

  it('sends the refusal, and leaves', async () => {
    const sent = renderApp(PRIVACY_UNDECIDED)
    await settle()
    await fireEvent.click(screen.getByTestId('consent-decline'))
    await settle()
    expect(sent).toEqual([false])
    expect(screen.queryByTestId('consent-banner')).toBeNull()
  })

  it.each([
    ['accepted before', { ...PRIVACY_UNDECIDED, analytics: 'granted' }],
    ['declined before', { ...PRIVACY_UNDECIDED, analytics: 'denied' }],
    ['built without analytics', { ...PRIVACY_UNDECIDED, analytics_available: false }],
  ] as const)('is not shown when %s', async (_, settings) => {
    renderApp(settings)
    await settle()
    expect(screen.getByTestId('sign-in')).toBeTruthy()
    expect(screen.queryByTestId('consent-banner')).toBeNull()
  })

  it('is not shown when the settings cannot be read (Rust keeps analytics off)', async () => {
    renderApp(() => {
      throw appError('unknown')
    })
    await settle()
    expect(screen.queryByTestId('consent-banner')).toBeNull()
  })

  it('stays, with the reason, when the answer cannot be saved', async () => {
    renderApp(PRIVACY_UNDECIDED, {
      setAnalyticsConsent: () => {
        throw appError('unknown')
      },
    })
    await settle()
    await fireEvent.click(screen.getByTestId('consent-accept'))
    await settle()
    expect(screen.getByTestId('consent-banner')).toBeTruthy()
    expect(screen.getByTestId('consent-error').dataset.code).toBe('unknown')
  })

  it('speaks Chinese', async () => {
    i18n.set('zh-CN')
    renderApp(PRIVACY_UNDECIDED)
    await settle()
    expect(screen.getByTestId('consent-banner').textContent).toContain('设置 → 隐私')
    expect(screen.getByTestId('consent-accept').textContent).toBe('接受')
  })
})
