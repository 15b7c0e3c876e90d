import { describe, expect, it } from 'vitest'
import { MODELS } from '../backend/testing'
import { formatMoney, imagesFor, signedCredits } from './money'

describe('prices', () => {
  it('are written in the reader’s language, in the pack’s currency', () => {
    expect(formatMoney({ cents: 2000, currency: 'USD' }, 'en')).toBe('$20.00')
    expect(formatMoney({ cents: 2000, currency: 'USD' }, 'zh-CN')).toBe('US$20.00')
    expect(formatMoney({ cents: 499, currency: 'EUR' }, 'en')).toBe('€4.99')
    expect(formatMoney({ cents: 123456, currency: 'CNY' }, 'zh-CN')).toBe('¥1,234.56')
  })

  it('count minor units as the currency does: a yen has none', () => {
    expect(formatMoney({ cents: 1500, currency: 'JPY' }, 'en')).toBe('¥1,500')
  })

  it('fall back to the number and code for a currency Intl does not know', () => {
    expect(formatMoney({ cents: 2000, currency: 'not-a-currency' }, 'en')).toBe('20.00 not-a-currency')
  })
})

describe('what credits buy', () => {
  it('is whole images of the model', () => {
    const [nano, seedream] = MODELS as [(typeof MODELS)[0], (typeof MODELS)[0]]
    expect(imagesFor(500, nano)).toBe(125)
    expect(imagesFor(500, seedream)).toBe(83)
    expect(imagesFor(3, nano)).toBe(0)
    expect(imagesFor(100, { ...nano, cost_per_image: 0 })).toBe(0)
  })
})

describe('a balance', () => {
  it('below zero carries a true minus sign, as the ledger writes it', () => {
    expect(signedCredits(-8)).toBe('−8')
    expect(signedCredits(0)).toBe('0')
    expect(signedCredits(600)).toBe('600')
  })
})
