import { describe, expect, it } from 'vitest'
import en from '../i18n/en.json'
import zhCN from '../i18n/zh-CN.json'
import { errorMessageKey } from './messages'

describe('errorMessageKey', () => {
  it('has words in both languages for the email-change codes', () => {
    for (const code of ['email_unchanged', 'email_in_use']) {
      const key = errorMessageKey(code)
      expect(key).toBe(`error.${code}`)
      expect(Object.hasOwn(en, key) && Object.hasOwn(zhCN, key)).toBe(true)
    }
  })

  it('gives a code newer than this build the generic words', () => {
    expect(errorMessageKey('brand_new_code')).toBe('error.unknown')
  })
})
