import { afterEach, describe, expect, it, vi } from 'vitest'
import { osNotifier } from './notifications'
import { clearCommandMocks, mockCommands } from './testing'

afterEach(() => clearCommandMocks())

describe('OS notifications', () => {
  it('are shown through the notification plugin when allowed', async () => {
    const notify = vi.fn(() => null)
    mockCommands({ notificationGranted: () => true, notify })
    expect(await osNotifier().notify('2 images ready', 'a lighthouse at dusk')).toBe(true)
    await vi.waitFor(() => expect(notify).toHaveBeenCalledExactlyOnceWith({ title: '2 images ready', body: 'a lighthouse at dusk' }))
  })

  it('ask for the permission once, the first time, and go ahead when it is given', async () => {
    const requestNotificationPermission = vi.fn(() => 'granted' as const)
    const notify = vi.fn(() => null)
    mockCommands({ notificationGranted: () => null, requestNotificationPermission, notify })
    const notifier = osNotifier()
    expect(await notifier.notify('a', 'b')).toBe(true)
    expect(await notifier.notify('c', 'd')).toBe(true)
    expect(requestNotificationPermission).toHaveBeenCalledOnce()
    await vi.waitFor(() => expect(notify).toHaveBeenCalledTimes(2))
  })

  it('show nothing, and never ask again, once refused', async () => {
    const requestNotificationPermission = vi.fn(() => 'denied' as const)
    const notify = vi.fn(() => null)
    mockCommands({ notificationGranted: () => null, requestNotificationPermission, notify })
    const notifier = osNotifier()
    expect(await notifier.notify('a', 'b')).toBe(false)
    expect(await notifier.notify('c', 'd')).toBe(false)
    expect(requestNotificationPermission).toHaveBeenCalledOnce()
    await new Promise((r) => setTimeout(r, 10))
    expect(notify).not.toHaveBeenCalled()
  })

  it('never reject, even without the plugin or any runtime', async () => {
    mockCommands({})
    expect(await osNotifier().notify('a', 'b')).toBe(false)
    clearCommandMocks()
    expect(await osNotifier().notify('a', 'b')).toBe(false)
  })
})
