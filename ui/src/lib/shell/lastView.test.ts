import { afterEach, describe, expect, it } from 'vitest'
import { lastView, rememberView } from './lastView'

afterEach(() => localStorage.clear())

describe('the view a window opens on', () => {
  it('is the Studio at first, then the main view last shown', () => {
    expect(lastView()).toBe('studio')
    rememberView('gallery')
    expect(lastView()).toBe('gallery')
    // Settings and the other visits do not change where the next start opens.
    rememberView('settings')
    expect(lastView()).toBe('gallery')
    rememberView('studio')
    expect(lastView()).toBe('studio')
  })

  it('falls back to the Studio for anything else in storage', () => {
    localStorage.setItem('atelier.view', 'account')
    expect(lastView()).toBe('studio')
  })
})
