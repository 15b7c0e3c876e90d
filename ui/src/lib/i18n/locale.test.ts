import { beforeEach, describe, expect, it } from 'vitest'
import en from './en.json'
import zhCN from './zh-CN.json'
import { LOCALES, dictionaries, i18n, resolveLocale, t } from './locale.svelte'

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('dictionaries', () => {
  it('have identical key sets', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort())
  })

  it('have no empty strings', () => {
    for (const locale of LOCALES) {
      for (const [key, text] of Object.entries(dictionaries[locale.id])) {
        expect(text.trim(), `${locale.id}: ${key}`).not.toBe('')
      }
    }
  })

  it('use the same placeholders in every language', () => {
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders(zhCN[key as keyof typeof zhCN]), key).toEqual(placeholders(text))
    }
  })
})

describe('resolveLocale', () => {
  it('follows the system language: zh* is Simplified Chinese, anything else English', () => {
    expect(resolveLocale(null, 'zh-CN')).toBe('zh-CN')
    expect(resolveLocale(null, 'zh')).toBe('zh-CN')
    expect(resolveLocale(null, 'zh-Hans-SG')).toBe('zh-CN')
    expect(resolveLocale(null, 'ZH-tw')).toBe('zh-CN')
    expect(resolveLocale(null, 'en-GB')).toBe('en')
    expect(resolveLocale(null, 'fr-FR')).toBe('en')
    expect(resolveLocale(null, undefined)).toBe('en')
  })

  it('prefers a remembered choice, ignoring anything unknown', () => {
    expect(resolveLocale('en', 'zh-CN')).toBe('en')
    expect(resolveLocale('zh-CN', 'en-US')).toBe('zh-CN')
    expect(resolveLocale('klingon', 'zh-CN')).toBe('zh-CN')
  })
})

describe('t', () => {
  beforeEach(() => {
    localStorage.clear()
    i18n.set('en')
  })

  it('fills placeholders and follows the current locale', () => {
    expect(t('latency.value', { ms: 42 })).toBe('42 ms')
    i18n.set('zh-CN')
    expect(t('latency.value', { ms: 42 })).toBe('42 毫秒')
    expect(localStorage.getItem('atelier.locale')).toBe('zh-CN')
  })

  it('leaves a placeholder without a value visible rather than blank', () => {
    expect(t('offline.title')).toBe("Can't reach the Atelier service at {url}")
  })
})
