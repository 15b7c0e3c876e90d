import { describe, expect, it } from 'vitest'
import { DEFAULT_BUDGET_BYTES, GB, budgetToField, parseBudget } from './budget'

describe('the originals budget field', () => {
  it('shows bytes as GB, the default as 2', () => {
    expect(budgetToField(DEFAULT_BUDGET_BYTES)).toBe('2')
    expect(budgetToField(1.5 * GB)).toBe('1.5')
  })

  it('accepts sizes from 0.5 to 1024 GB, with a comma or a point', () => {
    expect(parseBudget('2')).toBe(2 * GB)
    expect(parseBudget(' 1,5 ')).toBe(1.5 * GB)
    expect(parseBudget('0.5')).toBe(GB / 2)
    expect(parseBudget('1024')).toBe(1024 * GB)
  })

  it('refuses what is not a size in range', () => {
    for (const bad of ['', 'abc', '-1', '0', '0.4', '1025', '1e3', '2 GB', 'Infinity']) expect(parseBudget(bad), bad).toBeNull()
  })
})
