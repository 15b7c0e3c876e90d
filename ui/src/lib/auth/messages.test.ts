import { describe, expect, it } from 'vitest'
import en from '../i18n/en.json'
import { formatClock, formatDate, formatWait } from '../i18n/format'
import { signInMessage } from './messages'

describe('signInMessage', () => {
  it('counts the tries left, in the right grammatical number', () => {
    const e = (attempts_left?: number) => ({ code: 'invalid_code' as const, message: '', attempts_left })
    expect(signInMessage(e(4), 'code')).toEqual({
      key: 'signIn.error.invalid_code_many',
      params: { n: 4 },
      offerNewCode: false,
    })
    expect(signInMessage(e(1), 'code').key).toBe('signIn.error.invalid_code_one')
    expect(signInMessage(e(), 'code').key).toBe('signIn.error.invalid_code')
    expect(signInMessage(e(0), 'code').key).toBe('signIn.error.invalid_code')
  })

  it('offers a new email when the code or link is dead', () => {
    expect(signInMessage({ code: 'code_expired', message: '' }, 'code')).toMatchObject({
      key: 'signIn.error.code_expired',
      offerNewCode: true,
    })
    expect(signInMessage({ code: 'code_expired', message: '' }, 'link').key).toBe('signIn.error.link_expired')
    expect(signInMessage({ code: 'too_many_attempts', message: '' }, 'code').offerNewCode).toBe(true)
  })

  it('falls back to the shared words, and to the generic one for unknown codes', () => {
    expect(signInMessage({ code: 'internal', message: '' }, 'email').key).toBe('error.internal')
    expect(signInMessage({ code: 'brand_new_code', message: '' }, 'email').key).toBe('error.unknown')
    expect(signInMessage({ code: 'bad_request', message: '' }, 'link').key).toBe('signIn.error.bad_link')
    expect(signInMessage({ code: 'unavailable', message: '' }, 'email').key).toBe('signIn.error.unavailable')
  })

  it('only names keys that exist', () => {
    for (const code of ['invalid_email', 'invalid_code', 'code_expired', 'too_many_attempts', 'offline', 'rate_limited']) {
      for (const context of ['email', 'code', 'link'] as const) {
        expect(Object.hasOwn(en, signInMessage({ code, message: '' } as never, context).key)).toBe(true)
      }
    }
  })
})

describe('formats', () => {
  it('counts down as m:ss', () => {
    expect(formatClock(30)).toBe('0:30')
    expect(formatClock(5.2)).toBe('0:06')
    expect(formatClock(125)).toBe('2:05')
    expect(formatClock(-3)).toBe('0:00')
  })

  it('says waits the way people do, in both languages', () => {
    expect(formatWait(42, 'en')).toBe('in 42 seconds')
    expect(formatWait(61, 'en')).toBe('in 2 minutes')
    expect(formatWait(3599, 'en')).toBe('in 60 minutes')
    expect(formatWait(3600, 'en')).toBe('in 1 hour')
    expect(formatWait(3601, 'en')).toBe('in 2 hours')
    expect(formatWait(42, 'zh-CN')).toBe('42秒钟后')
    expect(formatWait(600, 'zh-CN')).toBe('10分钟后')
  })

  it('writes dates in the reader’s language', () => {
    const day = Date.UTC(2026, 0, 15, 12)
    expect(formatDate(day, 'en')).toBe('January 15, 2026')
    expect(formatDate(day, 'zh-CN')).toBe('2026年1月15日')
  })
})
