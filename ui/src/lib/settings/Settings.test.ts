import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import App from '../../App.svelte'
import { tauriBackend, type PrivacySettings } from '../backend'
import {
  APP_INFO,
  NATIVE_HEALTH,
  PRIVACY_UNDECIDED,
  SIGNED_IN,
  SIGNED_OUT,
  appError,
  clearCommandMocks,
  emitAuthChanged,
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

const GRANTED: PrivacySettings = { ...PRIVACY_UNDECIDED, analytics: 'granted' }

/** Signed in, on Settings, with Rust's answers as given; records what was called. */
async function openSettings(mocks: CommandMocks = {}) {
  const calls: string[] = []
  mockCommands({
    appInfo: () => ({ ...APP_INFO, privacy_contact: 'privacy@atelier.test' }),
    checkBackend: () => NATIVE_HEALTH,
    authState: () => SIGNED_IN,
    listModels: () => [],
    listConversations: () => ({ conversations: [], next_cursor: null }),
    creditsBalance: () => 100,
    privacySettings: () => GRANTED,
    setAnalyticsConsent: (granted) => {
      calls.push(`consent:${granted}`)
      return { ...GRANTED, analytics: granted ? 'granted' : 'denied' }
    },
    deleteAccount: () => {
      calls.push('delete')
      return SIGNED_OUT
    },
    trackEvent: (event) => {
      calls.push(`track:${event.name}`)
      return null
    },
    ...mocks,
  })
  render(App, { props: { backend: tauriBackend } })
  await settle(30)
  await fireEvent.click(screen.getByTestId('nav-settings'))
  await settle(30)
  // Opening Settings is a product event (Rust drops it without consent); the tests look past it.
  expect(calls.splice(0)).toEqual(['track:settings_opened'])
  return calls
}

async function tab(id: string) {
  await fireEvent.click(screen.getByTestId(`settings-tab-${id}`))
  await settle(30)
}

describe('Settings → Privacy', () => {
  it('shows analytics on, and turning it off withdraws at once', async () => {
    const calls = await openSettings()
    const toggle = screen.getByTestId('privacy-analytics') as HTMLInputElement
    expect(toggle.checked).toBe(true)
    expect(toggle.getAttribute('role')).toBe('switch')
    expect(screen.getByTestId('privacy-analytics-state').textContent?.trim()).toBe('On')

    await fireEvent.click(toggle)
    await settle(30)
    expect(calls).toEqual(['consent:false'])
    expect(toggle.checked).toBe(false)
    expect(screen.getByTestId('privacy-analytics-state').dataset.state).toBe('denied')

    await fireEvent.click(toggle)
    await settle(30)
    expect(calls).toEqual(['consent:false', 'consent:true'])
    expect(toggle.checked).toBe(true)
  })

  it('leaves the switch where Rust has it when the change fails', async () => {
    await openSettings({
      setAnalyticsConsent: () => {
        throw appError('unknown')
      },
    })
    const toggle = screen.getByTestId('privacy-analytics') as HTMLInputElement
    await fireEvent.click(toggle)
    await settle(30)
    expect(toggle.checked).toBe(true)
    expect(screen.getByTestId('privacy-error').dataset.code).toBe('unknown')
  })

  it('says whether error reports are sent, and what they never hold', async () => {
    await openSettings({ privacySettings: () => ({ ...GRANTED, error_reports_enabled: false }) })
    const line = screen.getByTestId('privacy-error-reports')
    expect(line.dataset.enabled).toBe('false')
    expect(line.textContent).toContain('sends no error reports')
    expect(line.textContent).toContain('never contains your email')
  })

  it('leads to the policy', async () => {
    await openSettings()
    await fireEvent.click(screen.getByTestId('privacy-legal-link'))
    await settle(30)
    expect(screen.getByTestId('settings-tab-legal').getAttribute('aria-selected')).toBe('true')
    expect(screen.getByTestId('legal')).toBeTruthy()
  })
})

describe('Settings → Your data → Delete account', () => {
  it('lists what goes; Cancel changes nothing', async () => {
    const calls = await openSettings()
    await tab('data')
    await fireEvent.click(screen.getByTestId('delete-account-button'))
    await settle(30)
    const dialog = screen.getByTestId('confirm-dialog')
    const items = within(dialog)
      .getAllByRole('listitem')
      .map((li) => li.textContent)
    expect(items).toEqual([
      'your account and email address',
      'every conversation, prompt and image in the cloud',
      'your credits and their history',
      "this computer's copy of your gallery",
      'your saved sign-in',
    ])
    expect(dialog.textContent).toContain("This can't be undone.")
    expect(screen.getByTestId('confirm-accept').textContent).toBe('Delete my account')

    await fireEvent.click(screen.getByTestId('confirm-cancel'))
    await settle(30)
    expect(screen.queryByTestId('confirm-dialog')).toBeNull()
    expect(calls).toEqual([])
    expect(screen.getByTestId('settings')).toBeTruthy()
  })

  it('returns to the sign-in screen once deleted', async () => {
    const calls = await openSettings()
    await tab('data')
    await fireEvent.click(screen.getByTestId('delete-account-button'))
    await settle(30)
    await fireEvent.click(screen.getByTestId('confirm-accept'))
    await settle(30)
    expect(calls).toEqual(['delete'])
    expect(screen.queryByTestId('settings')).toBeNull()
    expect(screen.getByTestId('sign-in')).toBeTruthy()
    expect(screen.getByTestId('session-notice').dataset.notice).toBe('account_deleted')
    expect(screen.getByTestId('session-notice').textContent).toContain('starts a new, empty account')
  })

  it('follows Rust saying the account was deleted (the event), with the same notice', async () => {
    await openSettings()
    await emitAuthChanged({ state: SIGNED_OUT, reason: 'account_deleted' })
    await settle(30)
    expect(screen.getByTestId('session-notice').dataset.notice).toBe('account_deleted')
  })

  it('is busy while deleting, and one click deletes once', async () => {
    let finish!: () => void
    let deletes = 0
    await openSettings({
      deleteAccount: async () => {
        deletes += 1
        await new Promise<void>((resolve) => (finish = resolve))
        return SIGNED_OUT
      },
    })
    await tab('data')
    await fireEvent.click(screen.getByTestId('delete-account-button'))
    await settle(30)
    await fireEvent.click(screen.getByTestId('confirm-accept'))
    await settle(30)
    const accept = screen.getByTestId('confirm-accept')
    expect(accept.getAttribute('aria-disabled')).toBe('true')
    expect(accept.textContent).toBe('Deleting…')
    await fireEvent.click(accept)
    await fireEvent.click(screen.getByTestId('confirm-cancel'))
    await settle(30)
    expect(screen.getByTestId('confirm-dialog')).toBeTruthy()
    expect(deletes).toBe(1)
    finish()
    await settle(30)
    expect(screen.getByTestId('sign-in')).toBeTruthy()
  })

  it('offline: nothing deleted, still signed in, and it says so', async () => {
    await openSettings({
      deleteAccount: () => {
        throw appError('offline')
      },
    })
    await tab('data')
    await fireEvent.click(screen.getByTestId('delete-account-button'))
    await settle(30)
    await fireEvent.click(screen.getByTestId('confirm-accept'))
    await settle(30)
    expect(screen.queryByTestId('confirm-dialog')).toBeNull()
    const error = screen.getByTestId('delete-account-error')
    expect(error.dataset.code).toBe('offline')
    expect(error.textContent).toContain("nothing was deleted and you're still signed in")
    expect(screen.getByTestId('settings')).toBeTruthy()
    expect(screen.queryByTestId('sign-in')).toBeNull()
  })
})

describe('Settings → Language and Legal', () => {
  it('switches the whole window live, and remembers it', async () => {
    await openSettings()
    await tab('language')
    await fireEvent.click(screen.getByTestId('language-zh-CN'))
    await settle(30)
    expect(i18n.locale).toBe('zh-CN')
    expect(localStorage.getItem('atelier.locale')).toBe('zh-CN')
    expect(screen.getByTestId('nav-settings').textContent).toBe('设置')
    expect(screen.getByTestId('settings-tab-language').textContent).toBe('语言')
    await fireEvent.click(screen.getByTestId('language-en'))
    await settle(30)
    expect(screen.getByTestId('nav-settings').textContent).toBe('Settings')
  })

  it('shows the policy with the configured contact, in the reader language', async () => {
    await openSettings()
    await tab('legal')
    const legal = screen.getByTestId('legal')
    expect(legal.textContent).toContain('Last updated: 24 April 2026')
    expect(screen.getAllByTestId('legal-contact').map((e) => e.textContent)).toEqual(['privacy@atelier.test', 'privacy@atelier.test'])
    expect(legal.textContent).not.toContain('ljj231428@gmail.com')
    i18n.set('zh-CN')
    await settle(30)
    expect(screen.getByTestId('legal').textContent).toContain('隐私问题请联系：privacy@atelier.test')
  })
})
