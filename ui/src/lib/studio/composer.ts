/** The composer's rules, kept apart from its markup so they are tested directly. */
import type { FailureCode, Model } from '../backend'
import type { MessageKey } from '../i18n/locale.svelte'

/** The service's limit on a prompt, counted after trimming. */
export const MAX_PROMPT_CHARS = 4000
export const MIN_COUNT = 1
export const MAX_COUNT = 4

/** Credits a generation of `count` images of `model` costs. */
export function costOf(model: Model | undefined, count: number): number {
  return model ? model.cost_per_image * count : 0
}

/**
 * The models the composer offers for `inputs` images: with none, those that make images from
 * words alone; with some, those that take that many.
 */
export function modelsFor(catalogue: Model[], inputs: number): Model[] {
  return catalogue.filter((m) =>
    inputs === 0 ? m.min_input_images === 0 : m.min_input_images <= inputs && inputs <= m.max_input_images,
  )
}

/** Whether the model reads a prompt; a tool (upscale, remove the background) takes none. */
export function takesPrompt(model: Model | undefined): boolean {
  return model?.prompt !== 'none'
}

/** Why the prompt cannot be sent yet, in words; `null` when it can. */
export function promptProblem(prompt: string): MessageKey | null {
  const trimmed = prompt.trim()
  if (trimmed.length === 0) return 'error.prompt_empty'
  if ([...trimmed].length > MAX_PROMPT_CHARS) return 'error.prompt_too_long'
  return null
}

export function clampCount(count: number): number {
  if (!Number.isFinite(count)) return MIN_COUNT
  return Math.min(MAX_COUNT, Math.max(MIN_COUNT, Math.round(count)))
}

/**
 * Earlier prompts, newest last, recalled with ↑ (older) and ↓ (newer) as a shell does. A repeat
 * of the newest is kept once.
 */
export class PromptHistory {
  private items: string[] = []
  private cursor = 0

  constructor(private readonly limit = 50) {}

  remember(prompt: string): void {
    const trimmed = prompt.trim()
    if (trimmed.length === 0) return
    if (this.items.at(-1) !== trimmed) this.items.push(trimmed)
    if (this.items.length > this.limit) this.items.shift()
    this.cursor = this.items.length
  }

  /** The prompt before the one shown; `null` when there is none. */
  older(): string | null {
    if (this.cursor === 0) return null
    this.cursor -= 1
    return this.items[this.cursor] ?? null
  }

  /** The prompt after the one shown; `''` past the newest. */
  newer(): string | null {
    if (this.cursor >= this.items.length) return null
    this.cursor += 1
    return this.items[this.cursor] ?? ''
  }

  get size(): number {
    return this.items.length
  }
}

/** Words for why a generation failed, from its failure code. */
export function failureMessageKey(code: FailureCode | null): MessageKey {
  switch (code) {
    case 'generation_failed':
      return 'failure.generation_failed'
    case 'timed_out':
      return 'failure.timed_out'
    case 'result_unavailable':
      return 'failure.result_unavailable'
    case 'upstream_rejected':
      return 'failure.upstream_rejected'
    case 'unknown_model':
      return 'failure.unknown_model'
    case 'submission_unconfirmed':
    case 'account_deleted':
    case 'other':
    case null:
      return 'failure.other'
  }
}
