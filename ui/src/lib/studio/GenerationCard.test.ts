import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type Generation } from '../backend'
import { GENERATION, NOTHING_CHANGED, clearCommandMocks, emitGenerationsChanged, emitLibraryChanged, mockCommands, settle } from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import GenerationCard from './GenerationCard.svelte'

beforeEach(() => i18n.set('en'))
afterEach(() => {
  clearCommandMocks()
  vi.useRealTimers()
})

const IMAGE = { id: 'f'.repeat(32), width: 1024, height: 1024, bytes: 2048, sha256: 'f'.repeat(64), content_type: 'image/png' }

function renderCard(
  generation: Generation,
  extra: Partial<Record<'onupdate' | 'onrunagain' | 'onuseprompt', (g: Generation) => void>> = {},
  pollMs?: number,
) {
  const props = {
    backend: tauriBackend,
    generation,
    ...(pollMs === undefined ? {} : { pollMs }),
    onupdate: vi.fn(),
    onrunagain: vi.fn(),
    onuseprompt: vi.fn(),
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

  it('reads the generation again when the live sync says it moved on, until it is done', async () => {
    const states: Generation[] = [
      { ...GENERATION, status: 'generating' },
      { ...GENERATION, status: 'done', images: [IMAGE, { ...IMAGE, id: 'e'.repeat(32) }] },
    ]
    const getGeneration = vi.fn(() => states.shift() ?? GENERATION)
    mockCommands({ getGeneration })
    const { props } = renderCard(GENERATION)
    await settle()
    // Queued, then generating: a change of generations that names none finished.
    await emitGenerationsChanged()
    await vi.waitFor(() => expect(props.onupdate).toHaveBeenCalledTimes(1))
    expect(props.onupdate).toHaveBeenLastCalledWith(expect.objectContaining({ status: 'generating' }))
    // Done: named.
    await emitGenerationsChanged(GENERATION.id)
    await vi.waitFor(() => expect(props.onupdate).toHaveBeenCalledTimes(2))
    expect(props.onupdate).toHaveBeenLastCalledWith(expect.objectContaining({ status: 'done' }))
    // Finished: later changes are not its business.
    await emitGenerationsChanged(GENERATION.id)
    await settle()
    expect(getGeneration).toHaveBeenCalledTimes(2)
  })

  it('ignores changes that are not about generations', async () => {
    const getGeneration = vi.fn(() => GENERATION)
    mockCommands({ getGeneration })
    renderCard(GENERATION)
    await settle()
    await emitLibraryChanged({ ...NOTHING_CHANGED, credits: true, uploads: true })
    await settle()
    expect(getGeneration).not.toHaveBeenCalled()
  })

  it('no longer polls every 1.5 s: only a slow fallback poll, every 15 s, while it runs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const getGeneration = vi.fn(() => ({ ...GENERATION, status: 'generating' as const }))
    mockCommands({ getGeneration })
    renderCard(GENERATION)
    await vi.advanceTimersByTimeAsync(14_000)
    expect(getGeneration).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1_500)
    expect(getGeneration).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(15_000)
    expect(getGeneration).toHaveBeenCalledTimes(2)
  })

  it('a finished generation is never read again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const getGeneration = vi.fn(() => GENERATION)
    mockCommands({ getGeneration })
    renderCard({ ...GENERATION, status: 'done', images: [IMAGE] })
    await emitGenerationsChanged(GENERATION.id)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(getGeneration).not.toHaveBeenCalled()
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
    const failed = { ...GENERATION, status: 'failed' as const, failure_code: 'timed_out' as const }
    const view = renderCard(failed)
    expect(screen.getByTestId('generation-failure').textContent).toContain('took too long')
    expect(screen.getByTestId('generation-failure').textContent).toContain('refunded')
    view.unmount()
    i18n.set('zh-CN')
    renderCard({ ...failed, failure_code: 'upstream_rejected' as const })
    expect(screen.getByTestId('generation-failure').textContent).toContain('图片服务拒绝了此请求')
    expect(screen.getByTestId('generation-status').textContent).toContain('失败')
  })

  it('stops listening and polling once it is gone', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const getGeneration = vi.fn(() => GENERATION)
    mockCommands({ getGeneration })
    const view = renderCard(GENERATION, {}, 100)
    await vi.advanceTimersByTimeAsync(150)
    expect(getGeneration).toHaveBeenCalledTimes(1)
    view.unmount()
    await emitGenerationsChanged(GENERATION.id)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(getGeneration).toHaveBeenCalledTimes(1)
  })
})

describe('a card made from images', () => {
  const UPLOAD = 'a'.repeat(32)
  const GALLERY_IMAGE = 'b'.repeat(32)
  /** A done generation of an edit model that worked from `inputs` (as the service answers it). */
  const madeFrom = (inputs: string[]) => ({ ...GENERATION, status: 'done' as const, model: 'nano-banana-edit', images: [IMAGE], input_images: inputs })
  const thumbnails = () => screen.getAllByTestId('generation-input')

  it('shows its inputs small under the prompt, in order, through the img scheme, each named', () => {
    renderCard(madeFrom([UPLOAD, GALLERY_IMAGE]))
    const row = screen.getByTestId('generation-inputs')
    expect(row.textContent).toContain('Made from')
    expect(screen.getByRole('list', { name: 'Made from' })).toBeTruthy()
    const images = thumbnails().map((li) => li.querySelector('img')!)
    expect(images.map((img) => img.getAttribute('src'))).toEqual([`img://localhost/thumbnail/${UPLOAD}`, `img://localhost/thumbnail/${GALLERY_IMAGE}`])
    expect(images.map((img) => img.alt)).toEqual(['Input image 1', 'Input image 2'])
    // The row sits with the prompt, before the settings line and the results.
    const card = screen.getByTestId('generation-card')
    expect([...card.children].map((el) => el.className.split(' ')[0])).toEqual(['card-head', 'inputs', 'meta', 'images', 'actions'])
  })

  it('shows a neutral tile, still named, for an input whose thumbnail cannot be had', async () => {
    renderCard(madeFrom([UPLOAD, GALLERY_IMAGE]))
    await fireEvent.error(thumbnails()[1]!.querySelector('img')!)
    expect(thumbnails().map((li) => li.dataset.missing)).toEqual(['false', 'true'])
    expect(thumbnails()[1]!.querySelector('img')).toBeNull()
    expect(screen.getByRole('img', { name: 'Input image 2 (not available)' })).toBeTruthy()
    // The other one is untouched.
    expect(screen.getByRole('img', { name: 'Input image 1' }).getAttribute('src')).toContain(UPLOAD)
  })

  it('names them in Chinese too', () => {
    i18n.set('zh-CN')
    renderCard(madeFrom([UPLOAD]))
    expect(screen.getByTestId('generation-inputs').textContent).toContain('来源')
    expect(screen.getByRole('img', { name: '输入图片 1' })).toBeTruthy()
  })

  it('adds nothing to a card made from words alone', () => {
    renderCard({ ...GENERATION, status: 'done', images: [IMAGE] })
    expect(screen.queryByTestId('generation-inputs')).toBeNull()
    renderCard(madeFrom([]))
    expect(screen.queryByTestId('generation-inputs')).toBeNull()
  })
})
