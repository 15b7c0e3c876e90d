/**
 * A draft the service could not be reached for, kept and sent again until it goes: at once when
 * the connection comes back (`retry`, called by whoever watches the connection) and every
 * `retryMs` meanwhile, in case nothing is re-checking the connection. Always under the key of its
 * first attempt, so a request that did reach the service before the line dropped is not charged
 * twice (the service de-duplicates by it).
 *
 * The studio owns one, not the composer: it keeps trying while another view is open, and a
 * composer shown again picks up what waits, or what became of it (`outcome`).
 */
import type { AppError } from '../backend'
import type { Draft } from './studio.svelte'

/** How often a waiting draft is tried again whatever the connection says. */
export const WAIT_RETRY_MS = 5_000

/** The answers that mean "not now" rather than "no": the send waits for the connection. */
export function isUnreachable(error: AppError): boolean {
  return error.code === 'offline' || error.code === 'unavailable'
}

export type Waiting = { draft: Draft; key: string }
/** How a waiting draft ended: sent (`error` null), or refused for another reason. */
export type Outcome = { draft: Draft; key: string; error: AppError | null }

export class WaitingSend {
  /** The draft waiting to go, with its key; `null` when nothing waits. */
  current = $state.raw<Waiting | null>(null)
  /** How the last waiting draft ended, until the composer takes it (see `take`). */
  outcome = $state.raw<Outcome | null>(null)

  #timer: ReturnType<typeof setTimeout> | undefined
  #sending = false

  constructor(
    private readonly send: (draft: Draft, key: string) => Promise<AppError | null>,
    readonly retryMs = WAIT_RETRY_MS,
  ) {}

  /** Keeps `draft` (which found the service unreachable under `key`) to send again. */
  wait(draft: Draft, key: string): void {
    this.current = { draft, key }
    this.outcome = null
    this.#schedule()
  }

  /** Sends the waiting draft now, unless a try is already under way. */
  async retry(): Promise<void> {
    const waiting = this.current
    if (!waiting || this.#sending) return
    clearTimeout(this.#timer)
    this.#sending = true
    const failed = await this.send(waiting.draft, waiting.key)
    this.#sending = false
    // Cancelled meanwhile: what the person does next is theirs. (Had it gone, its card shows it,
    // and sending the unchanged draft again reuses the key, so it is not charged twice.)
    if (this.current !== waiting) return
    if (failed && isUnreachable(failed)) return this.#schedule()
    this.current = null
    this.outcome = { ...waiting, error: failed }
  }

  /** Stops waiting; the draft stays with the composer, editable again. */
  cancel(): void {
    clearTimeout(this.#timer)
    this.current = null
  }

  /** The outcome not yet shown, once: the composer clears the draft or shows why it was refused. */
  take(): Outcome | null {
    const outcome = this.outcome
    this.outcome = null
    return outcome
  }

  #schedule(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.retry(), this.retryMs)
  }
}
