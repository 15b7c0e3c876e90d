import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type Generation } from '../backend'
import { GENERATION, clearCommandMocks, mockCommands } from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import GenerationCard from './GenerationCard.svelte'

beforeEach(() => i18n.set('en'))
afterEach(() => {
  clearCommandMocks()
  vi.useRealTimers()
})

const IMAGE = { id: 'f'.repeat(32), width: 1024, height: 1024, bytes: 2048, content_type: 'image/png' }

function renderCard(generation: Generation, extra: Partial<Record<'onupdate' | 'onrunagain' | 'onuseprompt', (g: Generation) => void>> = {}) {
  const props = {
    backend: tauriBackend,
    generation,
    onupdate: vi.fn(),
    onrunagain: vi.fn(),
    onuseprompt: vi.fn(),
    pollMs: 20,
    ...extra,
  }
  const view = render(GenerationCard, { props })
  return { ...view, props }
}

describe('a generation card', () => {
  it('shows a queued generation with room for its images, and no actions yet', () => {
    mockCommands({ getGeneration: () => GENERATION })
    renderCard(GENERATION)
    expect(screen.getByTestId('generation-card').dataset.status).toBe('queued')
    expect(screen.getByTestId('generation-status').textContent).toContain('Queued')
    expect(screen.queryByText('Run again')).toBeNull()
  })

  it('polls until done, then stops', async () => {
    const states: Generation[] = [
      { ...GENERATION, status: 'generating' },
      { ...GENERATION, status: 'done', images: [IMAGE, { ...IMAGE, id: 'e'.repeat(32) }] },
    ]
    const getGeneration = vi.fn(() => states.shift() ?? states[0] ?? GENERATION)
    mockCommands({ getGeneration })
    const { props } = renderCard(GENERATION)
    await vi.waitFor(() => expect(props.onupdate).toHaveBeenCalledTimes(2), { timeout: 2000 })
    await new Promise((r) => setTimeout(r, 100))
    expect(getGeneration).toHaveBeenCalledTimes(2)
  })

  it('shows the images of a done generation through the img scheme', async () => {
    const done = { ...GENERATION, status: 'done' as const, images: [IMAGE] }
    const { props } = renderCard(done)
    const img = screen.getByTestId('generation-image') as HTMLImageElement
    expect(img.getAttribute('src')).toBe(`img://localhost/thumbnail/${IMAGE.id}`)
    await fireEvent.click(screen.getByText('Run again'))
    expect(props.onrunagain).toHaveBeenCalledWith(done)
    await fireEvent.click(screen.getByText('Use this prompt'))
    expect(props.onuseprompt).toHaveBeenCalledWith(done)
  })

  it('says why a generation failed, in both languages', () => {
    const failed = { ...GENERATION, status: 'failed' as const, failure_code: 'timed_out' }
    const view = renderCard(failed)
    expect(screen.getByTestId('generation-failure').textContent).toContain('took too long')
    expect(screen.getByTestId('generation-failure').textContent).toContain('refunded')
    view.unmount()
    i18n.set('zh-CN')
    renderCard({ ...failed, failure_code: 'upstream_rejected' })
    expect(screen.getByTestId('generation-failure').textContent).toContain('图片服务拒绝了此请求')
    expect(screen.getByTestId('generation-status').textContent).toContain('失败')
  })

  it('stops polling once it is gone', async () => {
    const getGeneration = vi.fn(() => GENERATION)
    mockCommands({ getGeneration })
    const view = renderCard(GENERATION)
    await vi.waitFor(() => expect(getGeneration).toHaveBeenCalled(), { timeout: 2000 })
    view.unmount()
    const calls = getGeneration.mock.calls.length
    await new Promise((r) => setTimeout(r, 100))
    expect(getGeneration.mock.calls.length).toBeLessThanOrEqual(calls + 1)
  })
})
