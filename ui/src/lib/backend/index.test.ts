import { afterEach, describe, expect, it } from 'vitest'
import { tauriBackend, toAppError } from '.'
import {
  APP_INFO,
  EMAIL_SENT,
  NATIVE_HEALTH,
  OFFLINE,
  SIGNED_IN,
  SIGNED_OUT,
  appError,
  clearCommandMocks,
  emitAuthChanged,
  galleryItem,
  mockCommands,
} from './testing'

afterEach(() => clearCommandMocks())

describe('toAppError', () => {
  it('keeps an AppError, including a code this build does not know', () => {
    expect(toAppError(OFFLINE)).toEqual(OFFLINE)
    expect(toAppError({ code: 'brand_new', message: 'x' })).toEqual({ code: 'brand_new', message: 'x' })
    expect(toAppError({ code: 'internal' })).toEqual({ code: 'internal', message: '' })
  })

  it('keeps the details a person needs: the wait and the tries left', () => {
    expect(toAppError({ code: 'rate_limited', message: 'm', retry_after_seconds: 42 })).toEqual({
      code: 'rate_limited',
      message: 'm',
      retry_after_seconds: 42,
    })
    expect(toAppError({ code: 'invalid_code', message: 'm', attempts_left: 3, retry_after_seconds: 'soon' })).toEqual({
      code: 'invalid_code',
      message: 'm',
      attempts_left: 3,
    })
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

describe('sign-in commands', () => {
  it('pass their arguments by the names Rust expects and return its answer', async () => {
    const seen: unknown[] = []
    mockCommands({
      startSignIn: (email, language) => {
        seen.push(['start', email, language])
        return EMAIL_SENT
      },
      verifyCode: (email, code) => {
        seen.push(['verify', email, code])
        throw appError('invalid_code', { attempts_left: 4 })
      },
      updateDisplayName: (name) => {
        seen.push(['name', name])
        return SIGNED_IN
      },
    })
    expect(await tauriBackend.startSignIn('ada@example.com', 'zh-CN')).toEqual({ status: 'ok', data: EMAIL_SENT })
    const wrong = await tauriBackend.verifyCode('ada@example.com', '123456')
    expect(wrong.status === 'error' && wrong.error.attempts_left).toBe(4)
    expect(await tauriBackend.updateDisplayName(null)).toEqual({ status: 'ok', data: SIGNED_IN })
    expect(seen).toEqual([
      ['start', 'ada@example.com', 'zh-CN'],
      ['verify', 'ada@example.com', '123456'],
      ['name', null],
    ])
  })

  it('changing the email passes the names Rust expects and keeps the tries left', async () => {
    const seen: unknown[] = []
    const moved = { ...SIGNED_IN, account: { ...SIGNED_IN.account!, email: 'ada@lovelace.org' } }
    mockCommands({
      startEmailChange: (email, language) => {
        seen.push(['start', email, language])
        return EMAIL_SENT
      },
      confirmEmailChange: (code) => {
        seen.push(['confirm', code])
        if (code === '000000') throw appError('invalid_code', { attempts_left: 2 })
        if (code === '111111') throw appError('email_in_use')
        return moved
      },
    })
    expect(await tauriBackend.startEmailChange('ada@lovelace.org', 'en')).toEqual({ status: 'ok', data: EMAIL_SENT })
    const wrong = await tauriBackend.confirmEmailChange('000000')
    expect(wrong.status === 'error' && wrong.error.attempts_left).toBe(2)
    const taken = await tauriBackend.confirmEmailChange('111111')
    expect(taken.status === 'error' && taken.error.code).toBe('email_in_use')
    expect(await tauriBackend.confirmEmailChange('402139')).toEqual({ status: 'ok', data: moved })
    expect(seen).toEqual([
      ['start', 'ada@lovelace.org', 'en'],
      ['confirm', '000000'],
      ['confirm', '111111'],
      ['confirm', '402139'],
    ])
  })

  it('hears Rust’s events until told to stop', async () => {
    mockCommands({})
    const heard: unknown[] = []
    const stop = await tauriBackend.onAuthChanged((event) => heard.push(event.reason))
    await emitAuthChanged({ state: SIGNED_OUT, reason: 'session_ended' })
    stop()
    await emitAuthChanged({ state: SIGNED_OUT, reason: 'session_ended' })
    expect(heard).toEqual(['session_ended'])
  })

  it('listening without a Tauri runtime hears nothing and stops quietly', async () => {
    clearCommandMocks()
    const stop = await tauriBackend.onSignInLink(() => {})
    expect(() => stop()).not.toThrow()
  })
})

describe('the gallery commands', () => {
  it('send their arguments under the names Rust expects and return its data', async () => {
    const seen: unknown[] = []
    mockCommands({
      galleryPage: (query, offset, limit) => {
        seen.push({ query, offset, limit })
        return { items: [galleryItem(offset)], total: 1000 }
      },
      deleteImages: (imageIds) => {
        seen.push({ imageIds })
        return null
      },
      setFavourite: (imageIds, favourite) => {
        seen.push({ imageIds, favourite })
        return null
      },
      saveImageAs: () => false,
    })
    const query = { search: 'dusk', conversation_id: null, from_ms: 1, to_ms: null, favourites_only: true }
    const page = await tauriBackend.galleryPage(query, 400, 200)
    expect(page).toEqual({ status: 'ok', data: { items: [galleryItem(400)], total: 1000 } })
    expect(await tauriBackend.deleteImages(['a', 'b'])).toEqual({ status: 'ok', data: null })
    expect(await tauriBackend.setFavourite(['a'], true)).toEqual({ status: 'ok', data: null })
    expect(await tauriBackend.saveImageAs('a')).toEqual({ status: 'ok', data: false })
    expect(seen).toEqual([{ query, offset: 400, limit: 200 }, { imageIds: ['a', 'b'] }, { imageIds: ['a'], favourite: true }])
  })

  it('turn a cache failure into its code', async () => {
    mockCommands({
      storageInfo: () => {
        throw appError('cache_unavailable')
      },
    })
    const info = await tauriBackend.storageInfo()
    expect(info.status === 'error' && info.error.code).toBe('cache_unavailable')
  })
})
