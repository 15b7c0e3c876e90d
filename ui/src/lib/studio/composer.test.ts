import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type AppError, type CachedUpload, type Generation } from '../backend'
import {
  appError,
  cachedUpload,
  clearCommandMocks,
  GENERATION,
  INPUT_LIMITS,
  INPUT_MODELS,
  mockCommands,
  MODELS,
  settle,
  type CommandMocks,
} from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import Composer from './Composer.svelte'
import { clampCount, costOf, failureMessageKey, MAX_PROMPT_CHARS, modelsFor, promptProblem, PromptHistory, takesPrompt } from './composer'
import { ComposerInputs, IMAGE_DRAG_TYPE } from './composerInputs.svelte'
import { draftOf, type Draft } from './studio.svelte'
import { WaitingSend } from './waitingSend.svelte'

beforeEach(() => i18n.set('en'))
afterEach(() => {
  vi.restoreAllMocks()
  clearCommandMocks()
})

describe('composer rules', () => {
  it('costs the price per image times the count', () => {
    expect(costOf(MODELS[0], 1)).toBe(4)
    expect(costOf(MODELS[0], 4)).toBe(16)
    expect(costOf(MODELS[1], 3)).toBe(18)
    expect(costOf(undefined, 3)).toBe(0)
  })

  it('refuses empty and overlong prompts, counting after trimming', () => {
    expect(promptProblem('   \n ')).toBe('error.prompt_empty')
    expect(promptProblem('x'.repeat(MAX_PROMPT_CHARS))).toBeNull()
    expect(promptProblem(`  ${'x'.repeat(MAX_PROMPT_CHARS)}  `)).toBeNull()
    expect(promptProblem('x'.repeat(MAX_PROMPT_CHARS + 1))).toBe('error.prompt_too_long')
    // Characters, not UTF-16 units.
    expect(promptProblem('画'.repeat(MAX_PROMPT_CHARS))).toBeNull()
  })

  it('keeps the count between 1 and 4', () => {
    expect(clampCount(0)).toBe(1)
    expect(clampCount(9)).toBe(4)
    expect(clampCount(Number.NaN)).toBe(1)
  })

  it('recalls earlier prompts, newest first, and back down to an empty box', () => {
    const h = new PromptHistory()
    expect(h.older()).toBeNull()
    h.remember('first')
    h.remember('second')
    h.remember('second')
    h.remember('  ')
    expect(h.size).toBe(2)
    expect(h.older()).toBe('second')
    expect(h.older()).toBe('first')
    expect(h.older()).toBeNull()
    expect(h.newer()).toBe('second')
    expect(h.newer()).toBe('')
    expect(h.newer()).toBeNull()
  })

  it('offers, for the images there are, only the models that take that many', () => {
    const all = [...MODELS, ...INPUT_MODELS]
    const ids = (n: number) => modelsFor(all, n).map((m) => m.id)
    expect(ids(0)).toEqual(['nano-banana', 'seedream'])
    expect(ids(1)).toEqual(['nano-banana-edit', 'upscale-2x'])
    expect(ids(2)).toEqual(['nano-banana-edit'])
    expect(ids(9)).toEqual([])
    expect(takesPrompt(INPUT_MODELS[1])).toBe(false)
    expect(takesPrompt(INPUT_MODELS[0])).toBe(true)
  })

  it('names every failure code in words', () => {
    expect(failureMessageKey('timed_out')).toBe('failure.timed_out')
    expect(failureMessageKey('upstream_rejected')).toBe('failure.upstream_rejected')
    expect(failureMessageKey('other')).toBe('failure.other')
    expect(failureMessageKey('submission_unconfirmed')).toBe('failure.other')
    expect(failureMessageKey(null)).toBe('failure.other')
  })
})

describe('the composer', () => {
  function renderComposer(onsubmit: (d: Draft, key: string) => Promise<AppError | null>, balance: number | null = 100) {
    const inputs = new ComposerInputs(tauriBackend)
    return render(Composer, { props: { models: MODELS, inputs, balance, onsubmit } })
  }
  const prompt = () => screen.getByTestId('composer-prompt') as HTMLTextAreaElement

  it('shows the cost before sending and the credits left', async () => {
    renderComposer(async () => null, 10)
    await settle(10)
    expect(screen.getByTestId('composer-cost').textContent).toBe('Costs 4 credits')
    expect(screen.getByTestId('composer-balance').textContent?.trim()).toBe('10 credits left')
    await fireEvent.change(screen.getByTestId('composer-count'), { target: { value: '3' } })
    expect(screen.getByTestId('composer-cost').textContent).toBe('Costs 12 credits')
    expect(screen.getByTestId('composer-cost').classList.contains('short')).toBe(true)
    await fireEvent.change(screen.getByTestId('composer-model'), { target: { value: 'seedream' } })
    expect(screen.getByTestId('composer-cost').textContent).toBe('Costs 18 credits')
    expect((screen.getByTestId('composer-ratio') as HTMLSelectElement).value).toBe('1:1')
  })

  it('sends on Enter, keeps Shift+Enter for a new line, and recalls with ↑', async () => {
    const onsubmit = vi.fn(async () => null)
    renderComposer(onsubmit)
    await settle(10)
    await fireEvent.input(prompt(), { target: { value: 'a red kite' } })
    await fireEvent.keyDown(prompt(), { key: 'Enter', shiftKey: true })
    expect(onsubmit).not.toHaveBeenCalled()
    await fireEvent.keyDown(prompt(), { key: 'Enter' })
    await settle(10)
    expect(onsubmit).toHaveBeenCalledTimes(1)
    const [draft, key] = onsubmit.mock.calls[0] as unknown as [Draft, string]
    expect(draft).toEqual({ prompt: 'a red kite', model: 'nano-banana', aspect_ratio: '1:1', count: 1, input_images: [] })
    expect(key).toMatch(/^[0-9a-f]{32}$/)
    expect(prompt().value).toBe('')
    await fireEvent.keyDown(prompt(), { key: 'ArrowUp' })
    expect(prompt().value).toBe('a red kite')
    await fireEvent.keyDown(prompt(), { key: 'ArrowDown' })
    expect(prompt().value).toBe('')
  })

  it('does not send an empty prompt and says why', async () => {
    const onsubmit = vi.fn(async () => null)
    renderComposer(onsubmit)
    await settle(10)
    await fireEvent.click(screen.getByTestId('composer-submit'))
    expect(onsubmit).not.toHaveBeenCalled()
    expect(screen.getByTestId('composer-problem').textContent).toBe('Write a prompt first.')
    expect(prompt().getAttribute('aria-invalid')).toBe('true')
  })

  it('says why the service refused, and takes the next send as a new action', async () => {
    const answers: AppError[] = [{ code: 'insufficient_credits', message: 'x' }]
    const onsubmit = vi.fn(async () => answers.shift() ?? null)
    renderComposer(onsubmit)
    await settle(10)
    await fireEvent.input(prompt(), { target: { value: 'a harbour' } })
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle(10)
    expect(screen.getByTestId('composer-error').dataset.code).toBe('insufficient_credits')
    expect(screen.getByTestId('composer-error').textContent).toContain("don't have enough credits")
    expect(prompt().value).toBe('a harbour')
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle(10)
    const keys = onsubmit.mock.calls.map((c) => (c as unknown as [Draft, string])[1])
    expect(keys[1]).not.toBe(keys[0])
  })
})

describe('a draft sent while the service cannot be reached', () => {
  /** A composer whose connection is `online`, re-rendered as the connection changes. */
  async function offlineComposer(answers: (AppError | null)[], props: Record<string, unknown> = {}) {
    const onsubmit = vi.fn(async (_d: Draft, _key: string) => answers.shift() ?? null)
    const onunreachable = vi.fn()
    const inputs = new ComposerInputs(tauriBackend)
    const view = render(Composer, { props: { models: MODELS, inputs, balance: 100, onsubmit, online: true, onunreachable, ...props } })
    await settle(10)
    await fireEvent.input(prompt(), { target: { value: 'a harbour at night' } })
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle(10)
    const keys = () => onsubmit.mock.calls.map(([, key]) => key)
    return { ...view, onsubmit, onunreachable, keys, inputs }
  }
  const OFFLINE_ERROR: AppError = { code: 'offline', message: 'x' }
  const UNAVAILABLE: AppError = { code: 'unavailable', message: 'x' }
  const prompt = () => screen.getByTestId('composer-prompt') as HTMLTextAreaElement
  const waiting = () => screen.queryByTestId('composer-waiting')

  afterEach(() => vi.useRealTimers())

  it('waits for the connection instead of failing, with the draft locked, and asks the connection to look again', async () => {
    const { onsubmit, onunreachable } = await offlineComposer([OFFLINE_ERROR])
    expect(waiting()?.textContent).toContain('Waiting for the connection — this will be sent as soon as Atelier is back online.')
    expect(screen.queryByTestId('composer-error')).toBeNull()
    expect(onunreachable).toHaveBeenCalledTimes(1)
    // Locked: the prompt cannot be changed, nor the settings, nor can it be sent twice.
    expect(prompt().readOnly).toBe(true)
    expect((screen.getByTestId('composer-model') as HTMLSelectElement).disabled).toBe(true)
    expect((screen.getByTestId('composer-count') as HTMLSelectElement).disabled).toBe(true)
    expect((screen.getByTestId('composer-attach') as HTMLButtonElement).disabled).toBe(true)
    expect(screen.getByTestId('composer-submit').textContent?.trim()).toBe('Waiting…')
    expect(screen.getByTestId('composer-submit').getAttribute('aria-disabled')).toBe('true')
    await fireEvent.keyDown(prompt(), { key: 'Enter' })
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle(10)
    expect(onsubmit).toHaveBeenCalledTimes(1)
    expect(prompt().value).toBe('a harbour at night')
  })

  it('sends it again under the same key when the connection comes back, and clears it once it went', async () => {
    const { rerender, onsubmit, keys } = await offlineComposer([OFFLINE_ERROR])
    // The connection looked again and found the service gone, then back.
    await rerender({ online: false })
    await settle(10)
    expect(onsubmit).toHaveBeenCalledTimes(1)
    await rerender({ online: true })
    await settle(10)
    expect(onsubmit).toHaveBeenCalledTimes(2)
    expect(keys()[1]).toBe(keys()[0])
    expect(onsubmit.mock.calls[1]![0]).toEqual(onsubmit.mock.calls[0]![0])
    expect(waiting()).toBeNull()
    expect(prompt().value).toBe('')
    expect(prompt().readOnly).toBe(false)
  })

  it('tries again every 5 s, in case nothing re-checks the connection, always under the same key', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { onsubmit, keys } = await offlineComposer([UNAVAILABLE, OFFLINE_ERROR])
    expect(waiting()).not.toBeNull()
    await vi.advanceTimersByTimeAsync(4_900)
    expect(onsubmit).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(200)
    expect(onsubmit).toHaveBeenCalledTimes(2)
    expect(waiting()).not.toBeNull()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(onsubmit).toHaveBeenCalledTimes(3)
    expect(new Set(keys()).size).toBe(1)
    await settle(10)
    expect(waiting()).toBeNull()
    await vi.advanceTimersByTimeAsync(20_000)
    expect(onsubmit).toHaveBeenCalledTimes(3)
  })

  it('stops on Cancel and gives the draft back, editable; sent again unchanged, it keeps its key', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { rerender, onsubmit, keys } = await offlineComposer([OFFLINE_ERROR])
    await fireEvent.click(screen.getByTestId('composer-wait-cancel'))
    expect(waiting()).toBeNull()
    expect(prompt().value).toBe('a harbour at night')
    expect(prompt().readOnly).toBe(false)
    expect(screen.getByTestId('composer-submit').textContent?.trim()).toBe('Generate')
    // Neither the timer nor the connection coming back sends it now.
    await vi.advanceTimersByTimeAsync(30_000)
    await rerender({ online: false })
    await rerender({ online: true })
    await settle(10)
    expect(onsubmit).toHaveBeenCalledTimes(1)
    // The person sends it again themselves: the same action, so the same key.
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle(10)
    expect(onsubmit).toHaveBeenCalledTimes(2)
    expect(keys()[1]).toBe(keys()[0])
    expect(prompt().value).toBe('')
  })

  it('says why when the service refuses it once reached, and gives the draft back', async () => {
    const { rerender, keys, onsubmit } = await offlineComposer([OFFLINE_ERROR, { code: 'insufficient_credits', message: 'x' }])
    await rerender({ online: false })
    await rerender({ online: true })
    await settle(10)
    expect(waiting()).toBeNull()
    expect(screen.getByTestId('composer-error').dataset.code).toBe('insufficient_credits')
    expect(prompt().value).toBe('a harbour at night')
    expect(prompt().readOnly).toBe(false)
    // Refused: the next send is a new action.
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle(10)
    expect(onsubmit).toHaveBeenCalledTimes(3)
    expect(keys()[2]).not.toBe(keys()[0])
  })

  it("keeps waiting in the studio's hands while the composer is away, and shows what became of it", async () => {
    const sent: string[] = []
    let reachable = false
    const waitingSend = new WaitingSend(async (_draft, key) => {
      sent.push(key)
      return reachable ? null : OFFLINE_ERROR
    })
    const first = await offlineComposer([OFFLINE_ERROR], { waiting: waitingSend })
    first.unmount()
    // Shown again (the person went to the gallery and back): the draft, locked, still waiting.
    const inputs = new ComposerInputs(tauriBackend)
    const props = { models: MODELS, inputs, balance: 100, onsubmit: vi.fn(async () => null), waiting: waitingSend }
    const second = render(Composer, { props })
    await settle(10)
    expect(waiting()).not.toBeNull()
    expect(prompt().value).toBe('a harbour at night')
    expect(prompt().readOnly).toBe(true)
    second.unmount()
    // It went while the composer was away: shown again, the draft is cleared.
    reachable = true
    await waitingSend.retry()
    expect(sent).toEqual([first.keys()[0]])
    render(Composer, { props })
    await settle(10)
    expect(waiting()).toBeNull()
    expect(prompt().value).toBe('')
    expect(props.onsubmit).not.toHaveBeenCalled()
  })
})

describe('images in the composer', () => {
  const png = (name = 'harbour.png', type = 'image/png') => new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])], name, { type })
  /** What a drop from the OS carries (jsdom has no DataTransfer). */
  const files = (...list: File[]) => ({ types: ['Files'], files: list, getData: () => '' })
  /** What a gallery tile's drag carries. */
  const tile = (id: string) => ({ types: [IMAGE_DRAG_TYPE], files: [], getData: (type: string) => (type === IMAGE_DRAG_TYPE ? id : '') })

  async function show(mocks: CommandMocks = {}, balance = 100) {
    const onsubmit = vi.fn(async (_d: Draft, _key: string): Promise<AppError | null> => null)
    mockCommands({ inputLimits: () => INPUT_LIMITS, ...mocks })
    const inputs = new ComposerInputs(tauriBackend)
    await inputs.loadLimits()
    render(Composer, { props: { models: [...MODELS, ...INPUT_MODELS], inputs, balance, onsubmit } })
    await settle(10)
    return { inputs, onsubmit, composer: screen.getByTestId('composer') }
  }
  const offered = () => [...(screen.getByTestId('composer-model') as HTMLSelectElement).options].map((o) => o.value)
  const chips = () => screen.queryAllByTestId('input-chip')

  it('uploads a dropped PNG with a progress bar, then shows it as a chip', async () => {
    let finish: (u: CachedUpload) => void = () => {}
    const uploadImage = vi.fn((_bytes: Uint8Array, progress: (sent: number, total: number) => void) => {
      progress(3, 7)
      return new Promise<CachedUpload>((resolve) => (finish = resolve))
    })
    const { composer } = await show({ uploadImage })
    await fireEvent.dragOver(composer, { dataTransfer: files(png()) })
    expect(screen.getByTestId('composer-drop').textContent).toContain('Drop images here')
    await fireEvent.drop(composer, { dataTransfer: files(png()) })
    await settle()
    expect(screen.queryByTestId('composer-drop')).toBeNull()
    expect(uploadImage).toHaveBeenCalledTimes(1)
    expect([...uploadImage.mock.calls[0]![0]]).toEqual([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])
    expect(chips()[0]!.dataset.state).toBe('uploading')
    expect(screen.getByTestId('input-progress').getAttribute('aria-valuenow')).toBe('43')

    finish(cachedUpload(1))
    await settle()
    expect(chips()[0]!.dataset.state).toBe('ready')
    expect(chips()[0]!.dataset.id).toBe(cachedUpload(1).id)
    expect(chips()[0]!.querySelector('img')?.getAttribute('src')).toContain(`/thumbnail/${cachedUpload(1).id}`)
    expect(screen.queryByTestId('input-progress')).toBeNull()
  })

  it('takes an image pasted into the prompt as a chip, not as text', async () => {
    const uploadImage = vi.fn(() => cachedUpload(2))
    await show({ uploadImage })
    const prompt = screen.getByTestId('composer-prompt')
    const pasted = await fireEvent.paste(prompt, { clipboardData: { files: [png('clipboard.png')] } })
    await settle()
    expect(pasted).toBe(false) // the default (pasting text) was prevented
    expect(uploadImage).toHaveBeenCalledTimes(1)
    expect(chips().map((c) => c.dataset.id)).toEqual([cachedUpload(2).id])
  })

  it('takes a gallery tile dropped on it by id, with no upload', async () => {
    const uploadImage = vi.fn(() => cachedUpload(3))
    const { composer } = await show({ uploadImage })
    await fireEvent.drop(composer, { dataTransfer: tile('0123456789abcdef0123456789abcdef') })
    await settle()
    expect(uploadImage).not.toHaveBeenCalled()
    expect(chips().map((c) => [c.dataset.id, c.dataset.state])).toEqual([['0123456789abcdef0123456789abcdef', 'ready']])
  })

  it('removes a chip with its ×, and the models follow', async () => {
    let n = 10
    const { composer } = await show({ uploadImage: () => cachedUpload(n++) })
    await fireEvent.drop(composer, { dataTransfer: files(png('a.png'), png('b.jpg', 'image/jpeg')) })
    await settle()
    expect(chips()).toHaveLength(2)
    expect(offered()).toEqual(['nano-banana-edit'])
    await fireEvent.click(screen.getAllByTestId('input-remove')[0]!)
    expect(chips().map((c) => c.dataset.id)).toEqual([cachedUpload(11).id])
    expect(offered()).toEqual(['nano-banana-edit', 'upscale-2x'])
    await fireEvent.click(screen.getByTestId('input-remove'))
    expect(chips()).toHaveLength(0)
    expect(offered()).toEqual(['nano-banana', 'seedream'])
  })

  it('narrows the models to those that take the images, updates the cost, and sends the ids in chip order', async () => {
    let n = 20
    const { composer, onsubmit } = await show({ uploadImage: () => cachedUpload(n++) })
    expect(offered()).toEqual(['nano-banana', 'seedream'])
    expect(screen.getByTestId('composer-cost').textContent).toBe('Costs 4 credits')
    await fireEvent.drop(composer, { dataTransfer: files(png()) })
    await settle()
    await fireEvent.drop(composer, { dataTransfer: tile('0123456789abcdef0123456789abcdef') })
    await settle()
    expect(offered()).toEqual(['nano-banana-edit'])
    expect(screen.getByTestId('composer-cost').textContent).toBe('Costs 5 credits')
    await fireEvent.change(screen.getByTestId('composer-count'), { target: { value: '2' } })
    expect(screen.getByTestId('composer-cost').textContent).toBe('Costs 10 credits')
    expect(screen.getByTestId('composer-prompt').getAttribute('placeholder')).toContain('from the images')

    await fireEvent.input(screen.getByTestId('composer-prompt'), { target: { value: 'make it winter' } })
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle()
    const [draft] = onsubmit.mock.calls[0]!
    expect(draft).toEqual({
      prompt: 'make it winter',
      model: 'nano-banana-edit',
      aspect_ratio: 'auto',
      count: 2,
      input_images: [cachedUpload(20).id, '0123456789abcdef0123456789abcdef'],
    })
    // Sent: the chips go with the prompt.
    expect(chips()).toHaveLength(0)
  })

  it('hides the prompt for a tool, which makes one image from the image alone', async () => {
    const { composer, onsubmit } = await show({ uploadImage: () => cachedUpload(30) })
    await fireEvent.drop(composer, { dataTransfer: files(png()) })
    await settle()
    await fireEvent.change(screen.getByTestId('composer-model'), { target: { value: 'upscale-2x' } })
    expect(screen.queryByTestId('composer-prompt')).toBeNull()
    expect(screen.getByTestId('composer-no-prompt').textContent).toContain('Upscale 2× takes no prompt')
    expect((screen.getByTestId('composer-count') as HTMLSelectElement).disabled).toBe(true)
    expect(screen.getByTestId('composer-cost').textContent).toBe('Costs 3 credits')
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle()
    expect(onsubmit.mock.calls[0]![0]).toEqual({ prompt: '', model: 'upscale-2x', aspect_ratio: 'auto', count: 1, input_images: [cachedUpload(30).id] })
  })

  it('refuses other files and too many, in words, and uploads the rest', async () => {
    let n = 40
    const uploadImage = vi.fn(() => cachedUpload(n++))
    mockCommands({})
    const { composer } = await show({ uploadImage, inputLimits: () => ({ ...INPUT_LIMITS, max_input_images: 2 }) })
    await fireEvent.drop(composer, { dataTransfer: files(new File(['%PDF'], 'notes.pdf', { type: 'application/pdf' })) })
    await settle()
    expect(screen.getByTestId('input-refusal').textContent).toContain('“notes.pdf” can\'t be used: only PNG, JPEG and WebP images can.')
    expect(uploadImage).not.toHaveBeenCalled()

    await fireEvent.drop(composer, { dataTransfer: files(png('1.png'), png('2.png'), png('3.png')) })
    await settle()
    expect(chips()).toHaveLength(2)
    expect(uploadImage).toHaveBeenCalledTimes(2)
    expect(screen.getByTestId('input-refusal').textContent).toContain('Too many images: one generation takes at most 2.')

    i18n.set('zh-CN')
    await settle()
    expect(screen.getByTestId('input-refusal').textContent).toContain('一次生成最多使用 2 张图片')
  })

  it("shows the service's reason on a failed chip, retries it, and will not send until it is fixed", async () => {
    const answers: Array<() => CachedUpload> = [
      () => {
        throw appError('image_too_large')
      },
      () => cachedUpload(50),
    ]
    const uploadImage = vi.fn(() => answers.shift()!())
    const { composer, onsubmit } = await show({ uploadImage })
    await fireEvent.drop(composer, { dataTransfer: files(png('huge.png')) })
    await settle()
    expect(chips()[0]!.dataset.state).toBe('failed')
    expect(screen.getByTestId('input-error').dataset.code).toBe('image_too_large')
    expect(screen.getByTestId('input-error').textContent).toContain('at most 16 megapixels')
    await fireEvent.input(screen.getByTestId('composer-prompt'), { target: { value: 'make it winter' } })
    await fireEvent.click(screen.getByTestId('composer-submit'))
    expect(onsubmit).not.toHaveBeenCalled()
    expect(screen.getByTestId('composer-problem').textContent).toContain("Retry or remove the images that didn't upload")

    await fireEvent.click(screen.getByTestId('input-retry'))
    await settle()
    expect(chips()[0]!.dataset.state).toBe('ready')
    expect(screen.queryByTestId('input-error')).toBeNull()
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle()
    expect(onsubmit.mock.calls[0]![0].input_images).toEqual([cachedUpload(50).id])
  })

  it('says offline on the chip when the service cannot be reached', async () => {
    const { composer } = await show({
      uploadImage: () => {
        throw appError('offline')
      },
    })
    await fireEvent.drop(composer, { dataTransfer: files(png()) })
    await settle()
    expect(screen.getByTestId('input-error').dataset.code).toBe('offline')
    expect(screen.getByTestId('input-error').textContent).toContain("You're offline")
    expect(screen.getByTestId('input-retry')).toBeTruthy()
  })
})

describe('a finished generation as a draft', () => {
  const edit: Generation = { ...GENERATION, model: 'nano-banana-edit', aspect_ratio: 'auto', count: 1, input_images: ['a1'.repeat(16), 'f1'.repeat(16)] }

  it('runs again from the same images, in the same order', () => {
    expect(draftOf(edit, { withInputs: true })).toEqual({
      prompt: edit.prompt,
      model: 'nano-banana-edit',
      aspect_ratio: 'auto',
      count: 1,
      input_images: ['a1'.repeat(16), 'f1'.repeat(16)],
    })
  })

  it('takes only the words when the prompt is used, and names no images for a text-to-image one', () => {
    expect(draftOf(edit, { withInputs: false }).input_images).toBeUndefined()
    expect(draftOf(GENERATION, { withInputs: true }).input_images).toBeUndefined()
  })
})
