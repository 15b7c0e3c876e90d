import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from '../../App.svelte'
import { tauriBackend, type Generation, type GenerationRequest } from '../backend'
import {
  APP_INFO,
  GENERATION,
  MODELS,
  NATIVE_HEALTH,
  SIGNED_IN,
  appError,
  clearCommandMocks,
  emitGenerationsChanged,
  mockCommands,
} from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'

beforeEach(() => {
  localStorage.clear()
  i18n.set('en')
})
afterEach(() => clearCommandMocks())

const CONVERSATION = { id: GENERATION.conversation_id, title: 'a lighthouse at dusk', created_at: 1, updated_at: 1 }

describe('the studio', () => {
  it('opens signed in, sends a prompt and shows its card with the charge', async () => {
    let balance = 100
    let conversations: (typeof CONVERSATION)[] = []
    const createGeneration = vi.fn((request: GenerationRequest): Generation => {
      balance -= 8
      conversations = [CONVERSATION]
      return { ...GENERATION, prompt: request.prompt, count: request.count, cost: 4 * request.count }
    })
    mockCommands({
      appInfo: () => APP_INFO,
      checkBackend: () => NATIVE_HEALTH,
      authState: () => SIGNED_IN,
      listModels: () => MODELS,
      listConversations: () => ({ conversations, next_cursor: null }),
      creditsBalance: () => balance,
      createGeneration,
      getGeneration: () => GENERATION,
    })
    render(App, { props: { backend: tauriBackend } })
    await vi.waitFor(() => expect(screen.getByTestId('composer-balance').textContent?.trim()).toBe('100 credits left'))
    expect(screen.getByTestId('backend-status')).toBeTruthy()
    const prompt = screen.getByTestId('composer-prompt')
    await fireEvent.input(prompt, { target: { value: 'a lighthouse at dusk' } })
    await fireEvent.change(screen.getByTestId('composer-count'), { target: { value: '2' } })
    await fireEvent.keyDown(prompt, { key: 'Enter' })
    await vi.waitFor(() => expect(screen.getByTestId('generation-card')).toBeTruthy())
    expect(createGeneration.mock.calls[0]?.[0]).toMatchObject({ conversation_id: null, count: 2, model: 'nano-banana' })
    await vi.waitFor(() => expect(screen.getByTestId('composer-balance').textContent?.trim()).toBe('92 credits left'))
    expect(screen.getAllByTestId('conversation')).toHaveLength(1)
  })

  it('offers only the models that work from words alone', async () => {
    const upscale = { ...MODELS[0], id: 'upscale-2x', display_name: 'Upscale 2×', kind: 'tool' as const, min_input_images: 1, max_input_images: 1, prompt: 'none' as const }
    mockCommands({
      appInfo: () => APP_INFO,
      checkBackend: () => NATIVE_HEALTH,
      authState: () => SIGNED_IN,
      listModels: () => [...MODELS, upscale],
      listConversations: () => ({ conversations: [], next_cursor: null }),
      creditsBalance: () => 100,
    })
    render(App, { props: { backend: tauriBackend } })
    await vi.waitFor(() => expect(screen.getByTestId('composer-balance').textContent?.trim()).toBe('100 credits left'))
    const offered = [...(screen.getByTestId('composer-model') as HTMLSelectElement).options].map((o) => o.value)
    expect(offered).toEqual(MODELS.map((m) => m.id))
  })

  it('says a blocked prompt was not charged', async () => {
    mockCommands({
      appInfo: () => APP_INFO,
      checkBackend: () => NATIVE_HEALTH,
      authState: () => SIGNED_IN,
      listModels: () => MODELS,
      listConversations: () => ({ conversations: [], next_cursor: null }),
      creditsBalance: () => 100,
      createGeneration: () => {
        throw appError('prompt_blocked')
      },
    })
    render(App, { props: { backend: tauriBackend } })
    await vi.waitFor(() => expect(screen.getByTestId('composer-balance').textContent?.trim()).toBe('100 credits left'))
    await fireEvent.input(screen.getByTestId('composer-prompt'), { target: { value: 'forbidden' } })
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await vi.waitFor(() => expect(screen.getByTestId('composer-error').dataset.code).toBe('prompt_blocked'))
    expect(screen.getByTestId('composer-error').textContent).toContain('Nothing was charged')
  })

  it('opens a conversation with history: oldest at the top, earlier pages on demand', async () => {
    const gen = (n: number, extra: Partial<Generation> = {}): Generation => ({
      ...GENERATION,
      id: n.toString(16).padStart(32, '0'),
      prompt: `prompt ${n}`,
      status: 'done',
      created_at: GENERATION.created_at + n,
      updated_at: GENERATION.created_at + n,
      ...extra,
    })
    const listGenerations = vi.fn((conversationId: string, cursor: string | null) => {
      expect(conversationId).toBe(CONVERSATION.id)
      return cursor === null
        ? { generations: [gen(4, { status: 'generating' }), gen(3)], next_cursor: 'older' }
        : { generations: [gen(2), gen(1)], next_cursor: null }
    })
    const getGeneration = vi.fn(() => gen(4))
    mockCommands({
      appInfo: () => APP_INFO,
      checkBackend: () => NATIVE_HEALTH,
      authState: () => SIGNED_IN,
      listModels: () => MODELS,
      listConversations: () => ({ conversations: [CONVERSATION], next_cursor: null }),
      creditsBalance: () => 100,
      listGenerations,
      getGeneration,
    })
    const prompts = () => screen.getAllByTestId('generation-card').map((c) => c.querySelector('.prompt')?.textContent)
    render(App, { props: { backend: tauriBackend } })
    await vi.waitFor(() => expect(screen.getByTestId('conversation')).toBeTruthy())
    await fireEvent.click(screen.getByText(CONVERSATION.title))
    await vi.waitFor(() => expect(prompts()).toEqual(['prompt 3', 'prompt 4']))
    expect(listGenerations).toHaveBeenCalledTimes(1)
    // The unfinished one is not polled every 1.5 s: it is read again when the live sync says it
    // finished.
    await new Promise((r) => setTimeout(r, 1700))
    expect(getGeneration).not.toHaveBeenCalled()
    await emitGenerationsChanged(gen(4).id)
    await vi.waitFor(() => expect(getGeneration).toHaveBeenCalledTimes(1))
    await vi.waitFor(() =>
      expect(screen.getAllByTestId('generation-card').map((c) => c.dataset.status)).toEqual(['done', 'done']),
    )
    await fireEvent.click(screen.getByTestId('history-earlier'))
    await vi.waitFor(() => expect(prompts()).toEqual(['prompt 1', 'prompt 2', 'prompt 3', 'prompt 4']))
    expect(listGenerations).toHaveBeenLastCalledWith(CONVERSATION.id, 'older')
    expect(screen.queryByTestId('history-earlier')).toBeNull()
  })

  it('offers to retry when the history cannot be loaded', async () => {
    let fail = true
    mockCommands({
      appInfo: () => APP_INFO,
      checkBackend: () => NATIVE_HEALTH,
      authState: () => SIGNED_IN,
      listModels: () => MODELS,
      listConversations: () => ({ conversations: [CONVERSATION], next_cursor: null }),
      creditsBalance: () => 100,
      listGenerations: () => {
        if (fail) throw appError('offline')
        return { generations: [{ ...GENERATION, status: 'done' }], next_cursor: null }
      },
    })
    render(App, { props: { backend: tauriBackend } })
    await vi.waitFor(() => expect(screen.getByTestId('conversation')).toBeTruthy())
    await fireEvent.click(screen.getByText(CONVERSATION.title))
    await vi.waitFor(() => expect(screen.getByTestId('history-error').dataset.code).toBe('offline'))
    fail = false
    await fireEvent.click(screen.getByText('Retry'))
    await vi.waitFor(() => expect(screen.getAllByTestId('generation-card')).toHaveLength(1))
    expect(screen.queryByTestId('history-error')).toBeNull()
  })
})
