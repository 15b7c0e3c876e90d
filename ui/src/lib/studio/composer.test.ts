import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AppError } from '../backend'
import { MODELS, settle } from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import Composer from './Composer.svelte'
import { clampCount, costOf, failureMessageKey, MAX_PROMPT_CHARS, promptProblem, PromptHistory } from './composer'
import type { Draft } from './studio.svelte'

beforeEach(() => i18n.set('en'))
afterEach(() => vi.restoreAllMocks())

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

  it('names every failure code in words', () => {
    expect(failureMessageKey('timed_out')).toBe('failure.timed_out')
    expect(failureMessageKey('upstream_rejected')).toBe('failure.upstream_rejected')
    expect(failureMessageKey('something_new')).toBe('failure.other')
    expect(failureMessageKey(null)).toBe('failure.other')
  })
})

describe('the composer', () => {
  function renderComposer(onsubmit: (d: Draft, key: string) => Promise<AppError | null>, balance: number | null = 100) {
    return render(Composer, { props: { models: MODELS, balance, onsubmit } })
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
    expect(draft).toEqual({ prompt: 'a red kite', model: 'nano-banana', aspect_ratio: '1:1', count: 1 })
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

  it('says why the service refused, and retries an offline send under the same key', async () => {
    const answers: AppError[] = [
      { code: 'offline', message: 'x' },
      { code: 'insufficient_credits', message: 'x' },
    ]
    const onsubmit = vi.fn(async () => answers.shift() ?? null)
    renderComposer(onsubmit)
    await settle(10)
    await fireEvent.input(prompt(), { target: { value: 'a harbour' } })
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle(10)
    expect(screen.getByTestId('composer-error').dataset.code).toBe('offline')
    await fireEvent.click(screen.getByTestId('composer-submit'))
    await settle(10)
    const keys = onsubmit.mock.calls.map((c) => (c as unknown as [Draft, string])[1])
    expect(keys[0]).toBe(keys[1])
    expect(screen.getByTestId('composer-error').dataset.code).toBe('insufficient_credits')
    expect(screen.getByTestId('composer-error').textContent).toContain("don't have enough credits")
    expect(prompt().value).toBe('a harbour')
  })
})
