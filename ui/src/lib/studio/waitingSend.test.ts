import { afterEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type AppError, type GenerationRequest } from '../backend'
import { appError, clearCommandMocks, GENERATION, mockCommands } from '../backend/testing'
import { Studio } from './studio.svelte'
import { WaitingSend } from './waitingSend.svelte'
import type { Draft } from './studio.svelte'

afterEach(() => {
  clearCommandMocks()
  vi.useRealTimers()
})

const DRAFT: Draft = { prompt: 'a harbour at night', model: 'nano-banana', aspect_ratio: '1:1', count: 1, input_images: [] }

describe('a draft waiting for the service', () => {
  it('is not told a try that was still under way when it was cancelled', async () => {
    let answer: (e: AppError | null) => void = () => {}
    const send = vi.fn(() => new Promise<AppError | null>((resolve) => (answer = resolve)))
    const waiting = new WaitingSend(send)
    waiting.wait(DRAFT, 'k1')
    const trying = waiting.retry()
    // A second nudge (the connection back, the timer) while it tries does not send twice.
    void waiting.retry()
    expect(send).toHaveBeenCalledTimes(1)
    waiting.cancel()
    answer(null)
    await trying
    expect(waiting.current).toBeNull()
    expect(waiting.take()).toBeNull()
  })

  it('is sent by the studio to the conversation it was written in, whichever is open by then', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const requests: GenerationRequest[] = []
    mockCommands({
      createGeneration: (request) => {
        requests.push(request)
        if (requests.length === 1) throw appError('offline')
        return { ...GENERATION, conversation_id: request.conversation_id ?? GENERATION.conversation_id }
      },
      creditsBalance: () => 100,
      listConversations: () => ({ conversations: [], next_cursor: null }),
    })
    const studio = new Studio(tauriBackend, () => true)
    studio.selected = 'c0000000000000000000000000000007'
    expect((await studio.generate(DRAFT, 'k1'))?.code).toBe('offline')
    studio.waiting.wait(DRAFT, 'k1')
    // Meanwhile the person opened another conversation.
    studio.selected = 'c0000000000000000000000000000009'
    await vi.advanceTimersByTimeAsync(5_000)
    expect(requests.map((r) => [r.conversation_id, r.idempotency_key])).toEqual([
      ['c0000000000000000000000000000007', 'k1'],
      ['c0000000000000000000000000000007', 'k1'],
    ])
    expect(studio.waiting.current).toBeNull()
    expect(studio.waiting.take()).toMatchObject({ key: 'k1', error: null })
    // Gone: the studio shows where it went, as after any send.
    expect(studio.selected).toBe('c0000000000000000000000000000007')
    // A new action goes where the person is then.
    studio.selected = 'c0000000000000000000000000000009'
    await studio.generate(DRAFT, 'k2')
    expect(requests[2]?.conversation_id).toBe('c0000000000000000000000000000009')
  })
})
