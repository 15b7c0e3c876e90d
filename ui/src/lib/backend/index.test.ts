import { afterEach, describe, expect, it } from 'vitest'
import { tauriBackend, toAppError } from '.'
import { APP_INFO, NATIVE_HEALTH, OFFLINE, clearCommandMocks, mockCommands } from './testing'

afterEach(() => clearCommandMocks())

describe('toAppError', () => {
  it('keeps an AppError, including a code this build does not know', () => {
    expect(toAppError(OFFLINE)).toEqual(OFFLINE)
    expect(toAppError({ code: 'brand_new', message: 'x' })).toEqual({ code: 'brand_new', message: 'x' })
    expect(toAppError({ code: 'internal' })).toEqual({ code: 'internal', message: '' })
  })

  it('turns anything else into unknown', () => {
    expect(toAppError('command check_backend not found')).toEqual({
      code: 'unknown',
      message: 'command check_backend not found',
    })
    expect(toAppError(new TypeError('no IPC'))).toEqual({ code: 'unknown', message: 'no IPC' })
    expect(toAppError({ code: 7 }).code).toBe('unknown')
    expect(toAppError(null).code).toBe('unknown')
  })
})

describe('tauriBackend', () => {
  it('returns the commands’ data', async () => {
    mockCommands({ appInfo: () => APP_INFO, checkBackend: () => NATIVE_HEALTH })
    expect(await tauriBackend.appInfo()).toEqual({ status: 'ok', data: APP_INFO })
    expect(await tauriBackend.checkBackend()).toEqual({ status: 'ok', data: NATIVE_HEALTH })
  })

  it('never rejects: errors come back with a code', async () => {
    mockCommands({
      checkBackend: () => {
        throw OFFLINE
      },
    })
    expect(await tauriBackend.checkBackend()).toEqual({ status: 'error', error: OFFLINE })
    const info = await tauriBackend.appInfo()
    expect(info.status === 'error' && info.error.code).toBe('unknown')
  })

  it('reports unknown when there is no Tauri runtime at all', async () => {
    clearCommandMocks()
    const result = await tauriBackend.checkBackend()
    expect(result.status === 'error' && result.error.code).toBe('unknown')
  })
})
