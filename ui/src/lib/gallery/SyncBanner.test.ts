import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type SyncStatus } from '../backend'
import { SYNC_IDLE, clearCommandMocks, emitSyncChanged, mockCommands } from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import SyncBanner from './SyncBanner.svelte'
import { SyncWatcher } from './sync.svelte'

beforeEach(() => i18n.set('en'))
afterEach(() => clearCommandMocks())

const OFFLINE: SyncStatus = { ...SYNC_IDLE, state: 'offline', pending_changes: 3 }

describe('the offline banner', () => {
  it('says nothing while all is in step', () => {
    render(SyncBanner, { props: { status: SYNC_IDLE, onsyncnow: vi.fn() } })
    expect(screen.queryByTestId('sync-banner')).toBeNull()
  })

  it('shows the changes waiting when offline, and offers to sync now', async () => {
    const onsyncnow = vi.fn()
    render(SyncBanner, { props: { status: OFFLINE, onsyncnow } })
    expect(screen.getByTestId('sync-banner').dataset.state).toBe('offline')
    expect(screen.getByTestId('sync-pending').textContent).toBe('3 changes waiting to sync')
    await fireEvent.click(screen.getByTestId('sync-now'))
    expect(onsyncnow).toHaveBeenCalledOnce()
  })

  it('counts one change in the singular and says none is waiting, in Chinese too', () => {
    const { rerender } = render(SyncBanner, { props: { status: { ...OFFLINE, pending_changes: 1 }, onsyncnow: vi.fn() } })
    expect(screen.getByTestId('sync-pending').textContent).toBe('1 change waiting to sync')
    i18n.set('zh-CN')
    void rerender({ status: { ...OFFLINE, pending_changes: 0 }, onsyncnow: vi.fn() })
    return vi.waitFor(() => expect(screen.getByTestId('sync-pending').textContent).toBe('没有待同步的更改'))
  })

  it('shows progress while syncing, and the error words by code', async () => {
    const { rerender } = render(SyncBanner, {
      props: { status: { ...SYNC_IDLE, state: 'syncing', progress: { done: 120, total: 500 } }, onsyncnow: vi.fn() },
    })
    expect(screen.getByTestId('sync-progress').textContent).toBe('120 of 500')
    expect(screen.queryByTestId('sync-now')).toBeNull()
    await rerender({ status: { ...SYNC_IDLE, state: 'error', error_code: 'unauthenticated' }, onsyncnow: vi.fn() })
    expect(screen.getByTestId('sync-error').textContent).toContain("You're not signed in")
  })
})

describe('the sync watcher', () => {
  it('asks once and follows sync-changed', async () => {
    mockCommands({ syncStatus: () => OFFLINE, syncNow: () => ({ ...SYNC_IDLE, state: 'syncing', progress: { done: 0, total: 3 } }) })
    const watcher = new SyncWatcher(tauriBackend)
    await watcher.start()
    expect(watcher.status).toEqual(OFFLINE)
    await watcher.syncNow()
    expect(watcher.status?.state).toBe('syncing')
    await emitSyncChanged({ ...SYNC_IDLE, last_synced_at: 1 })
    await vi.waitFor(() => expect(watcher.status?.state).toBe('idle'))
    watcher.stop()
    await emitSyncChanged(OFFLINE)
    expect(watcher.status?.state).toBe('idle')
  })
})
