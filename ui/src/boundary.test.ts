import { describe, expect, it } from 'vitest'

// Every source file of the UI, as text.
const sources = import.meta.glob<string>('/src/**/*.{ts,svelte}', { query: '?raw', import: 'default', eager: true })

const TAURI = '@tauri-apps' + '/'
const importsBindings = /from\s+['"][^'"]*\/bindings(\.ts)?['"]/

describe('the backend seam', () => {
  it('is the only place that imports Tauri or the generated bindings', () => {
    const offenders = Object.entries(sources)
      .filter(([path]) => !path.startsWith('/src/lib/backend/'))
      .filter(([, text]) => text.includes(TAURI) || importsBindings.test(text))
      .map(([path]) => path)
    expect(Object.keys(sources).length).toBeGreaterThan(5)
    expect(offenders).toEqual([])
  })
})
