import { describe, expect, it } from 'vitest'
import { nextTab } from './tabs'

describe('nextTab', () => {
  it('moves with the arrows, wrapping at both ends', () => {
    expect(nextTab('privacy', 'ArrowRight')).toBe('data')
    expect(nextTab('legal', 'ArrowRight')).toBe('privacy')
    expect(nextTab('privacy', 'ArrowLeft')).toBe('legal')
    expect(nextTab('storage', 'ArrowUp')).toBe('language')
    expect(nextTab('storage', 'ArrowDown')).toBe('legal')
  })

  it('jumps to the ends with Home and End, and ignores other keys', () => {
    expect(nextTab('storage', 'Home')).toBe('privacy')
    expect(nextTab('data', 'End')).toBe('legal')
    expect(nextTab('data', 'Enter')).toBeNull()
    expect(nextTab('data', 'a')).toBeNull()
  })
})
