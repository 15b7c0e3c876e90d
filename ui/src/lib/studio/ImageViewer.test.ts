import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type Generation } from '../backend'
import { GENERATION } from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import GenerationCard from './GenerationCard.svelte'

beforeEach(() => i18n.set('en'))

const ids = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)]
const DONE: Generation = {
  ...GENERATION,
  status: 'done',
  count: 3,
  images: ids.map((id, i) => ({ id, width: 1024 + i, height: 768, bytes: 2048, sha256: id.repeat(2), content_type: 'image/png' })),
}

function renderCard(generation: Generation = DONE) {
  const onuseprompt = vi.fn()
  render(GenerationCard, {
    props: { backend: tauriBackend, generation, onupdate: vi.fn(), onrunagain: vi.fn(), onuseprompt, pollMs: 20 },
  })
  return { onuseprompt }
}

const dialog = () => screen.queryByRole('dialog')
const shown = () => (screen.getByTestId('viewer-image') as HTMLImageElement).getAttribute('src')
const original = (i: number) => `img://localhost/original/${ids[i]}`

async function open(index: number): Promise<HTMLElement> {
  const thumb = screen.getAllByTestId('open-image')[index]!
  thumb.focus()
  await fireEvent.click(thumb)
  return thumb
}

describe('the image viewer', () => {
  it('opens the clicked image’s original in a modal dialog, focus on its close button', async () => {
    renderCard()
    expect(dialog()).toBeNull()
    expect(screen.getAllByTestId('open-image')[1]!.getAttribute('aria-label')).toBe('Open image 2 of 3')
    await open(1)
    const viewer = dialog()!
    expect(viewer.getAttribute('aria-modal')).toBe('true')
    expect(viewer.getAttribute('aria-label')).toBe('Image 2 of 3')
    expect(shown()).toBe(original(1))
    expect(screen.getByTestId('viewer-position').textContent).toBe('2 / 3')
    expect(screen.getByTestId('viewer-prompt').textContent).toBe(DONE.prompt)
    expect(document.activeElement).toBe(screen.getByTestId('viewer-close'))
  })

  it('closes with Esc and gives the focus back to the image that opened it', async () => {
    renderCard()
    const thumb = await open(2)
    await fireEvent.keyDown(window, { key: 'Escape' })
    expect(dialog()).toBeNull()
    expect(document.activeElement).toBe(thumb)
  })

  it('closes with its close button, or a click beside the image (not on it)', async () => {
    renderCard()
    await open(0)
    await fireEvent.click(screen.getByTestId('viewer-close'))
    expect(dialog()).toBeNull()
    await open(0)
    const img = screen.getByTestId('viewer-image')
    await fireEvent.click(img)
    expect(dialog()).toBeTruthy()
    await fireEvent.click(img.parentElement!)
    expect(dialog()).toBeNull()
  })

  it('moves between the generation’s images with ← and →, round from the last to the first', async () => {
    renderCard()
    await open(0)
    await fireEvent.keyDown(window, { key: 'ArrowRight' })
    expect(shown()).toBe(original(1))
    expect(dialog()!.getAttribute('aria-label')).toBe('Image 2 of 3')
    await fireEvent.keyDown(window, { key: 'ArrowRight' })
    await fireEvent.keyDown(window, { key: 'ArrowRight' })
    expect(shown()).toBe(original(0))
    await fireEvent.keyDown(window, { key: 'ArrowLeft' })
    expect(shown()).toBe(original(2))
    await fireEvent.click(screen.getByTestId('viewer-previous'))
    expect(shown()).toBe(original(1))
    await fireEvent.click(screen.getByTestId('viewer-next'))
    expect(shown()).toBe(original(2))
  })

  it('shows a spinner until the original has loaded, and says so in words when it cannot', async () => {
    renderCard()
    await open(0)
    expect(screen.getByTestId('viewer-loading').textContent).toContain('Loading the full-size image')
    await fireEvent.load(screen.getByTestId('viewer-image'))
    expect(screen.queryByTestId('viewer-loading')).toBeNull()
    // The next one fails, and can be tried again.
    await fireEvent.keyDown(window, { key: 'ArrowRight' })
    expect(screen.getByTestId('viewer-loading')).toBeTruthy()
    await fireEvent.error(screen.getByTestId('viewer-image'))
    expect(screen.getByTestId('viewer-error').textContent).toContain("The full-size image couldn't be loaded.")
    await fireEvent.click(screen.getByTestId('viewer-retry'))
    expect(screen.queryByTestId('viewer-error')).toBeNull()
    expect(screen.getByTestId('viewer-loading')).toBeTruthy()
    expect(shown()).toBe(original(1))
  })

  it('keeps Tab inside the dialog', async () => {
    renderCard()
    await open(0)
    const first = screen.getByTestId('viewer-use-prompt')
    const last = screen.getByTestId('viewer-next')
    // From the last control, Tab goes round to the first; Shift+Tab from the first to the last.
    last.focus()
    await fireEvent.keyDown(window, { key: 'Tab' })
    expect(document.activeElement).toBe(first)
    await fireEvent.keyDown(window, { key: 'Tab', shiftKey: true })
    expect(document.activeElement).toBe(last)
    // In between, Tab is the browser's own.
    screen.getByTestId('viewer-close').focus()
    expect((await fireEvent.keyDown(window, { key: 'Tab' }))).toBe(true)
    // Focus that lands behind it comes back.
    screen.getByText('Run again').focus()
    expect(dialog()!.contains(document.activeElement)).toBe(true)
  })

  it('speaks Chinese, and “Use this prompt” closes it and hands the prompt over', async () => {
    i18n.set('zh-CN')
    const { onuseprompt } = renderCard({ ...DONE, images: DONE.images.slice(0, 1) })
    await open(0)
    expect(dialog()!.getAttribute('aria-label')).toBe('第 1 张，共 1 张')
    expect(screen.queryByTestId('viewer-next')).toBeNull()
    await fireEvent.keyDown(window, { key: 'ArrowRight' })
    expect(shown()).toBe(original(0))
    expect(screen.getByTestId('viewer-use-prompt').textContent).toBe('使用此提示词')
    await fireEvent.click(screen.getByTestId('viewer-use-prompt'))
    expect(dialog()).toBeNull()
    expect(onuseprompt).toHaveBeenCalledOnce()
  })
})
