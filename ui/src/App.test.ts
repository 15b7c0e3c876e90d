import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from './App.svelte'
import { tauriBackend, type AppError } from './lib/backend'
import {
  APP_INFO,
  NATIVE_HEALTH,
  OFFLINE,
  WORKER_HEALTH,
  clearCommandMocks,
  mockCommands,
  settle,
} from './lib/backend/testing'
import { i18n } from './lib/i18n/locale.svelte'

beforeEach(() => {
  localStorage.clear()
  i18n.set('en')
})

afterEach(() => {
  clearCommandMocks()
  vi.useRealTimers()
})

function renderApp() {
  return render(App, { props: { backend: tauriBackend } })
}

/** Lets pending IPC promises settle and Svelte flush, without relying on real time. */
const pill = () => screen.getByTestId('backend-status')

describe('connection panel', () => {
  it('shows the server version, runtime and latency when connected', async () => {
    mockCommands({ appInfo: () => APP_INFO, checkBackend: () => NATIVE_HEALTH })
    renderApp()
    expect(pill().dataset.state).toBe('checking')
    expect(pill().textContent).toContain('Checking…')

    await settle()

    expect(pill().dataset.state).toBe('online')
    expect(pill().getAttribute('role')).toBe('status')
    expect(pill().textContent).toContain('Connected')
    expect(screen.getByTestId('server-version').textContent).toBe('0.3.2')
    expect(screen.getByTestId('backend-runtime').textContent).toBe('Native')
    expect(screen.getByTestId('backend-latency').textContent).toBe('12 ms')
    expect(screen.getByTestId('api-url').textContent).toBe('http://127.0.0.1:8787')
    expect(screen.getByTestId('app-version').textContent).toBe('0.1.0')
    expect(screen.queryByTestId('retry-button')).toBeNull()
  })

  it('names the Cloudflare Worker runtime', async () => {
    mockCommands({ appInfo: () => APP_INFO, checkBackend: () => WORKER_HEALTH })
    renderApp()
    await settle()
    expect(screen.getByTestId('backend-runtime').textContent).toBe('Cloudflare Worker')
    expect(screen.getByTestId('backend-latency').textContent).toBe('87 ms')
  })

  it('shows the offline state and re-checks every 5 s until the service answers', async () => {
    vi.useFakeTimers()
    let calls = 0
    let reachable = false
    mockCommands({
      appInfo: () => APP_INFO,
      checkBackend: () => {
        calls++
        if (!reachable) throw OFFLINE
        return NATIVE_HEALTH
      },
    })
    renderApp()
    await settle()

    expect(calls).toBe(1)
    expect(pill().dataset.state).toBe('offline')
    expect(pill().textContent).toContain('Offline')
    const message = screen.getByTestId('backend-message')
    expect(message.textContent).toContain("Can't reach the Atelier service at http://127.0.0.1:8787")
    expect(message.textContent).toContain('tries again every 5 seconds')
    expect(screen.getByTestId('retry-button').textContent).toContain('Retry')
    expect(screen.queryByTestId('server-version')).toBeNull()

    await vi.advanceTimersByTimeAsync(4_999)
    expect(calls).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(calls).toBe(2)
    expect(pill().dataset.state).toBe('offline')

    reachable = true
    await vi.advanceTimersByTimeAsync(5_000)
    await settle()
    expect(calls).toBe(3)
    expect(pill().dataset.state).toBe('online')
    expect(screen.queryByTestId('backend-message')).toBeNull()
    expect(screen.getByTestId('server-version').textContent).toBe('0.3.2')

    // Connected: no more checks.
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls).toBe(3)
  })

  it('checks again at once when Retry is pressed', async () => {
    vi.useFakeTimers()
    let calls = 0
    let reachable = false
    mockCommands({
      appInfo: () => APP_INFO,
      checkBackend: () => {
        calls++
        if (!reachable) throw OFFLINE
        return WORKER_HEALTH
      },
    })
    renderApp()
    await settle()
    expect(pill().dataset.state).toBe('offline')

    reachable = true
    const retry = screen.getByTestId('retry-button')
    retry.focus()
    await fireEvent.click(retry)
    await settle()
    expect(calls).toBe(2)
    expect(pill().dataset.state).toBe('online')

    // Retry had keyboard focus and went away: focus moves to the panel's heading.
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Connection' }))

    // The re-check that was scheduled before the click was cancelled.
    await vi.advanceTimersByTimeAsync(10_000)
    expect(calls).toBe(2)
  })

  it('gives other error codes their own words', async () => {
    const unavailable: AppError = { code: 'unavailable', message: 'HTTP 503' }
    mockCommands({
      appInfo: () => APP_INFO,
      checkBackend: () => {
        throw unavailable
      },
    })
    renderApp()
    await settle()
    expect(pill().dataset.state).toBe('error')
    expect(pill().textContent).toContain('Service error')
    expect(screen.getByTestId('backend-message').textContent).toContain(
      'The Atelier service is temporarily unavailable.',
    )
    expect(screen.getByTestId('error-code').textContent).toBe('unavailable')
  })

  it('shows a generic message for a code this build does not know', async () => {
    mockCommands({
      appInfo: () => APP_INFO,
      checkBackend: () => {
        throw { code: 'quota_exceeded', message: 'a code from a newer service' }
      },
    })
    renderApp()
    await settle()
    expect(pill().dataset.state).toBe('error')
    const message = screen.getByTestId('backend-message')
    expect(message.dataset.code).toBe('quota_exceeded')
    expect(message.textContent).toContain('Something went wrong while talking to the Atelier service.')
    expect(screen.getByTestId('error-code').textContent).toBe('quota_exceeded')
    expect(screen.getByTestId('retry-button')).toBeTruthy()
  })

  it('treats a rejection that is not an AppError as unknown', async () => {
    mockCommands({ appInfo: () => APP_INFO }) // check_backend is "not found", as a bare string
    renderApp()
    await settle()
    expect(pill().dataset.state).toBe('error')
    expect(screen.getByTestId('error-code').textContent).toBe('unknown')
  })

  it('still shows the status when app_info fails', async () => {
    mockCommands({ checkBackend: () => NATIVE_HEALTH })
    renderApp()
    await settle()
    expect(pill().dataset.state).toBe('online')
    expect(screen.getByTestId('api-url').textContent).toBe('—')
    expect(screen.getByTestId('app-version').textContent).toBe('—')
  })
})

describe('language switch', () => {
  it('turns the visible text into Chinese and remembers the choice', async () => {
    mockCommands({ appInfo: () => APP_INFO, checkBackend: () => NATIVE_HEALTH })
    renderApp()
    await settle()
    expect(pill().textContent).toContain('Connected')

    const select = screen.getByTestId('language-switch') as HTMLSelectElement
    expect(select.value).toBe('en')
    expect(screen.getByLabelText('Language')).toBe(select)

    await fireEvent.change(select, { target: { value: 'zh-CN' } })

    expect(pill().textContent).toContain('已连接')
    expect(screen.getByText('连接')).toBeTruthy()
    expect(screen.getByTestId('backend-runtime').textContent).toBe('原生服务')
    expect(screen.getByTestId('backend-latency').textContent).toBe('12 毫秒')
    expect(screen.getByLabelText('语言')).toBe(select)
    expect(document.documentElement.lang).toBe('zh-CN')
    expect(localStorage.getItem('atelier.locale')).toBe('zh-CN')
  })

  it('shows the offline message in Chinese', async () => {
    i18n.set('zh-CN')
    mockCommands({
      appInfo: () => APP_INFO,
      checkBackend: () => {
        throw OFFLINE
      },
    })
    renderApp()
    await settle()
    expect(pill().textContent).toContain('离线')
    expect(screen.getByTestId('backend-message').textContent).toContain(
      '无法连接到位于 http://127.0.0.1:8787 的 Atelier 服务',
    )
    expect(screen.getByTestId('retry-button').textContent).toContain('重试')
  })
})
