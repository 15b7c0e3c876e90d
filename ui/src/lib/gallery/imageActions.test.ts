import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type Generation, type GenerationRequest, type Model } from '../backend'
import { GENERATION, INPUT_LIMITS, INPUT_MODELS, MODELS, appError, clearCommandMocks, emitGenerationsChanged, galleryItem, mockCommands, settle } from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import { Studio } from '../studio/studio.svelte'
import ImageActions from './ImageActions.svelte'
import ImageInputActions from './ImageInputActions.svelte'
import { blockedReason, imageActions } from './imageActions'
import { cheapestFor, editModelFor } from './imageInputs'

beforeEach(() => {
  localStorage.clear()
  i18n.set('en')
})
afterEach(() => clearCommandMocks())

const tool = (id: string, cost: number): Model => ({
  id,
  display_name: id,
  aspect_ratios: ['auto'],
  cost_per_image: cost,
  kind: 'tool',
  min_input_images: 1,
  max_input_images: 1,
  prompt: 'none',
  variation_model: null,
})
const PRO: Model = {
  id: 'nano-banana-pro',
  display_name: 'Nano Banana Pro',
  aspect_ratios: ['1:1', 'auto', '16:9'],
  cost_per_image: 12,
  kind: 'text_to_image',
  min_input_images: 0,
  max_input_images: 8,
  prompt: 'required',
  variation_model: null,
}
/** The service's catalogue: nano-banana's "more like this" is made by nano-banana-pro. */
const CATALOGUE: Model[] = [
  { ...MODELS[0]!, variation_model: 'nano-banana-pro' },
  MODELS[1]!,
  PRO,
  tool('upscale-2x', 3),
  tool('upscale-4x', 6),
  tool('remove-background', 1),
]
const ITEM = galleryItem(7)

describe('imageActions', () => {
  it('makes the tools take the image alone, with no prompt', () => {
    const actions = imageActions(CATALOGUE, ITEM)
    expect(actions.map((a) => [a.id, a.cost])).toEqual([
      ['upscale-2x', 3],
      ['upscale-4x', 6],
      ['remove-background', 1],
      ['more-like-this', 12],
    ])
    expect(actions[0]!.request).toEqual({
      conversation_id: ITEM.conversation_id,
      prompt: '',
      model: 'upscale-2x',
      aspect_ratio: 'auto',
      count: 1,
      input_images: [ITEM.image_id],
    })
  })

  it('makes "more like this" with the variation model, the same prompt and ratio auto', () => {
    const more = imageActions(CATALOGUE, ITEM).find((a) => a.id === 'more-like-this')!
    expect(more.request).toMatchObject({ model: 'nano-banana-pro', prompt: ITEM.prompt, aspect_ratio: 'auto', input_images: [ITEM.image_id] })
    // A variation model without `auto` gets its default ratio.
    const without = CATALOGUE.map((m) => (m.id === 'nano-banana-pro' ? { ...m, aspect_ratios: ['4:3', '1:1'] } : m))
    expect(imageActions(without, ITEM).find((a) => a.id === 'more-like-this')!.request.aspect_ratio).toBe('4:3')
  })

  it('offers no "more like this" when the image\'s model has no variation model, nor a tool the service lacks', () => {
    const ids = imageActions([MODELS[0]!, tool('upscale-2x', 3)], ITEM).map((a) => a.id)
    expect(ids).toEqual(['upscale-2x'])
    expect(imageActions(CATALOGUE, galleryItem(1, { model: 'seedream' })).map((a) => a.id)).not.toContain('more-like-this')
  })

  it('blocks offline first, then a balance short of the cost; an unknown balance is let through', () => {
    const [upscale] = imageActions(CATALOGUE, ITEM)
    expect(blockedReason(upscale!, 2, false)).toBe('imageAction.notEnough')
    expect(blockedReason(upscale!, 3, false)).toBeNull()
    expect(blockedReason(upscale!, 100, true)).toBe('imageAction.offline')
    expect(blockedReason(upscale!, null, false)).toBeNull()
  })
})

describe('ImageActions', () => {
  async function show(balance: number, createGeneration: (r: GenerationRequest) => Generation, offline = false) {
    mockCommands({
      listModels: () => CATALOGUE,
      listConversations: () => ({ conversations: [], next_cursor: null }),
      creditsBalance: () => balance,
      createGeneration,
    })
    const studio = new Studio(tauriBackend, () => true)
    await studio.load()
    const onopen = vi.fn()
    render(ImageActions, { props: { studio, item: ITEM, offline, onopen } })
    return { studio, onopen }
  }

  it('shows each action with its cost and sends the tool request with a fresh key per click', async () => {
    const createGeneration = vi.fn(
      (r: GenerationRequest): Generation => ({ ...GENERATION, id: `g-${createGeneration.mock.calls.length}`, model: r.model, prompt: r.prompt, count: 1, cost: 3 }),
    )
    const { studio, onopen } = await show(100, createGeneration)
    const upscale = screen.getByTestId('image-action-upscale-2x') as HTMLButtonElement
    expect(upscale.textContent).toContain('Upscale 2×')
    expect(upscale.textContent).toContain('3 credits')
    expect(screen.getByTestId('image-action-upscale-4x').textContent).toContain('6 credits')
    expect(screen.getByTestId('image-action-remove-background').textContent?.trim()).toMatch(/Remove background\s+1 credit$/)
    expect(screen.getByTestId('image-action-more-like-this').textContent).toContain('12 credits')

    await fireEvent.click(upscale)
    await settle()
    const sent = createGeneration.mock.calls[0]![0]
    expect(sent).toMatchObject({ model: 'upscale-2x', prompt: '', aspect_ratio: 'auto', count: 1, input_images: [ITEM.image_id], conversation_id: ITEM.conversation_id })
    expect(sent.idempotency_key).toMatch(/^[0-9a-f]{32}$/)
    expect(screen.getByTestId('image-action-status').textContent).toContain('Upscale 2× started')
    // The new card is in the studio, under the image's conversation, where it polls.
    expect(studio.generations[ITEM.conversation_id]?.map((g) => g.model)).toEqual(['upscale-2x'])

    await fireEvent.click(screen.getByTestId('image-action-more-like-this'))
    await settle()
    const again = createGeneration.mock.calls[1]![0]
    expect(again).toMatchObject({ model: 'nano-banana-pro', prompt: ITEM.prompt, input_images: [ITEM.image_id] })
    expect(again.idempotency_key).not.toBe(sent.idempotency_key)

    await fireEvent.click(screen.getByTestId('image-action-open'))
    expect(onopen).toHaveBeenCalledWith(GENERATION.conversation_id)
  })

  it('follows a started generation to the end without its card, so its image reaches the gallery', async () => {
    vi.useFakeTimers()
    try {
      let status: Generation['status'] = 'generating'
      const getGeneration = vi.fn((): Generation => ({ ...GENERATION, id: 'g-up', model: 'upscale-2x', status }))
      mockCommands({
        listModels: () => CATALOGUE,
        listConversations: () => ({ conversations: [], next_cursor: null }),
        creditsBalance: () => 100,
        createGeneration: (): Generation => ({ ...GENERATION, id: 'g-up', model: 'upscale-2x', status: 'queued' }),
        getGeneration,
      })
      const studio = new Studio(tauriBackend, () => true)
      await studio.load()
      await studio.start({ conversation_id: ITEM.conversation_id, prompt: '', model: 'upscale-2x', aspect_ratio: 'auto', count: 1, input_images: [ITEM.image_id] })
      // Not polled every 1.5 s: it waits for the live sync.
      await vi.advanceTimersByTimeAsync(1600)
      expect(getGeneration).not.toHaveBeenCalled()
      await emitGenerationsChanged()
      await vi.advanceTimersByTimeAsync(0)
      expect(getGeneration).toHaveBeenCalledTimes(1)
      // Without a word from it, a slow fallback poll.
      await vi.advanceTimersByTimeAsync(15_000)
      expect(getGeneration).toHaveBeenCalledTimes(2)
      status = 'done'
      await emitGenerationsChanged('g-up')
      await vi.advanceTimersByTimeAsync(0)
      expect(studio.generations[GENERATION.conversation_id]?.find((g) => g.id === 'g-up')?.status).toBe('done')
      // Done: it is not asked about again.
      await emitGenerationsChanged('g-up')
      await vi.advanceTimersByTimeAsync(60_000)
      expect(getGeneration).toHaveBeenCalledTimes(3)
    } finally {
      vi.useRealTimers()
    }
  })

  it('disables what the balance cannot pay for, and says why', async () => {
    const createGeneration = vi.fn((): Generation => GENERATION)
    await show(5, createGeneration)
    expect((screen.getByTestId('image-action-upscale-2x') as HTMLButtonElement).disabled).toBe(false)
    expect((screen.getByTestId('image-action-remove-background') as HTMLButtonElement).disabled).toBe(false)
    const short = screen.getByTestId('image-action-upscale-4x') as HTMLButtonElement
    expect(short.disabled).toBe(true)
    expect((screen.getByTestId('image-action-more-like-this') as HTMLButtonElement).disabled).toBe(true)
    const why = screen.getByTestId('image-action-why')
    expect(why.textContent?.trim()).toBe('Not enough credits: you have 5.')
    expect(short.getAttribute('aria-describedby')).toBe(why.id)
    await fireEvent.click(short)
    expect(createGeneration).not.toHaveBeenCalled()
  })

  it('disables every action offline', async () => {
    await show(100, () => GENERATION, true)
    for (const id of ['upscale-2x', 'upscale-4x', 'remove-background', 'more-like-this']) {
      expect((screen.getByTestId(`image-action-${id}`) as HTMLButtonElement).disabled).toBe(true)
    }
    expect(screen.getAllByTestId('image-action-why').map((p) => p.dataset.reason)).toEqual(['imageAction.offline'])
  })

  it("says the code's words when the service refuses", async () => {
    await show(100, () => {
      throw appError('insufficient_credits')
    })
    await fireEvent.click(screen.getByTestId('image-action-remove-background'))
    await settle()
    const status = screen.getByTestId('image-action-status')
    expect(status.dataset.code).toBe('insufficient_credits')
    expect(status.textContent?.trim()).toBe("You don't have enough credits for this. Nothing was charged.")
  })
})

describe('working from an image in the composer', () => {
  const EDIT = INPUT_MODELS[0]! // nano-banana-edit, 5 credits, 1–8 inputs
  const WITH_EDIT: Model[] = [...CATALOGUE, EDIT]

  it("edits with the image's variation model when it takes one image and a prompt, else the first edit model", () => {
    expect(editModelFor(WITH_EDIT, ITEM)?.id).toBe('nano-banana-pro')
    expect(editModelFor(WITH_EDIT, galleryItem(1, { model: 'seedream' }))?.id).toBe('nano-banana-edit')
    // A tool is no edit: it takes no prompt.
    expect(editModelFor([MODELS[0]!, tool('upscale-2x', 3)], ITEM)).toBeUndefined()
    expect(cheapestFor(WITH_EDIT, 1)).toBe(5)
    expect(cheapestFor(WITH_EDIT, 9)).toBeNull()
  })

  it("\"Edit\" keeps the image's own shape when the edit model offers it, as every image action does", async () => {
    const { studio } = await show(WITH_EDIT)
    const shapes = { ...EDIT, aspect_ratios: ['1:1', 'auto'] }
    studio.edit(ITEM.image_id, shapes)
    expect(studio.prefill?.aspect_ratio).toBe('auto')
    studio.edit(ITEM.image_id, { ...EDIT, aspect_ratios: ['4:3', '1:1'] })
    expect(studio.prefill?.aspect_ratio).toBe('4:3')
  })

  async function show(models: Model[], limits = INPUT_LIMITS) {
    mockCommands({
      listModels: () => models,
      listConversations: () => ({ conversations: [], next_cursor: null }),
      creditsBalance: () => 100,
      inputLimits: () => limits,
    })
    const studio = new Studio(tauriBackend, () => true)
    await studio.load()
    const onopen = vi.fn()
    render(ImageInputActions, { props: { studio, item: galleryItem(1, { model: 'seedream' }), onopen } })
    await settle()
    return { studio, onopen, item: galleryItem(1, { model: 'seedream' }) }
  }

  it('"Edit" makes the image the composer\'s only input, picks an edit model and opens the studio', async () => {
    const { studio, onopen, item } = await show(WITH_EDIT)
    studio.inputs.addImage('f'.repeat(32))
    const edit = screen.getByTestId('image-action-edit')
    expect(edit.textContent).toContain('Edit')
    expect(edit.textContent).toContain('5 credits')
    await fireEvent.click(edit)
    expect(studio.inputs.ids).toEqual([item.image_id])
    expect(studio.prefill).toMatchObject({ model: 'nano-banana-edit', count: 1 })
    expect(onopen).toHaveBeenCalledWith(item.conversation_id)
  })

  it('"Use as reference" adds the image after the others, says so, and stays', async () => {
    const { studio, onopen, item } = await show(WITH_EDIT)
    studio.inputs.addImage('f'.repeat(32))
    await settle()
    const reference = screen.getByTestId('image-action-reference') as HTMLButtonElement
    expect(reference.textContent).toContain('Use as reference')
    expect(reference.textContent).toContain('5 credits') // two images: the cheapest model that takes two
    await fireEvent.click(reference)
    expect(studio.inputs.ids).toEqual(['f'.repeat(32), item.image_id])
    expect(screen.getByTestId('image-input-status').textContent).toContain("Added to the studio's images (2 now).")
    expect(reference.disabled).toBe(true)
    expect(onopen).not.toHaveBeenCalled()
    await fireEvent.click(screen.getByTestId('image-input-open'))
    expect(onopen).toHaveBeenCalledWith(item.conversation_id)
  })

  it('"Use as reference" says why when the composer holds as many images as a generation takes', async () => {
    const { studio } = await show(WITH_EDIT, { ...INPUT_LIMITS, max_input_images: 1 })
    studio.inputs.addImage('f'.repeat(32))
    await settle()
    await fireEvent.click(screen.getByTestId('image-action-reference'))
    expect(studio.inputs.ids).toEqual(['f'.repeat(32)])
    const status = screen.getByTestId('image-input-status')
    expect(status.dataset.refused).toBe('inputs.tooMany')
    expect(status.textContent).toContain('Too many images: one generation takes at most 1.')
  })

  it('offers neither when no model takes an image and a prompt', async () => {
    await show([...MODELS, tool('upscale-2x', 3)])
    expect(screen.queryByTestId('image-input-actions')).toBeNull()
  })
})
