/**
 * Whether the Atelier service answers, kept as reactive state.
 *
 * The first check shows `checking`. A failed check schedules the next one after `recheckMs`
 * and keeps showing the failure meanwhile (`busy` tells a check is in flight), so the status
 * does not flicker and screen readers are not told "checking" every few seconds. Once the
 * service answers, re-checking stops.
 */
import type { AppError, Backend, BackendHealth } from '../backend'

export type ConnectionStatus =
  | { state: 'checking' }
  | { state: 'online'; health: BackendHealth }
  | { state: 'offline'; error: AppError }
  | { state: 'error'; error: AppError }

export type ConnectionState = ConnectionStatus['state']

export const RECHECK_MS = 5_000

export class Connection {
  status = $state<ConnectionStatus>({ state: 'checking' })
  busy = $state(false)
  readonly recheckMs: number

  #backend: Backend
  #timer: ReturnType<typeof setTimeout> | undefined
  #stopped = false

  constructor(backend: Backend, recheckMs = RECHECK_MS) {
    this.#backend = backend
    this.recheckMs = recheckMs
  }

  /** Checks now, unless a check is already running; cancels a scheduled re-check. */
  async check(): Promise<void> {
    if (this.busy || this.#stopped) return
    this.#cancelRecheck()
    this.busy = true
    const result = await this.#backend.checkBackend()
    if (this.#stopped) return
    this.busy = false

    if (result.status === 'ok') {
      this.status = { state: 'online', health: result.data }
      return
    }
    const error = result.error
    this.status = error.code === 'offline' ? { state: 'offline', error } : { state: 'error', error }
    this.#timer = setTimeout(() => void this.check(), this.recheckMs)
  }

  /** Stops re-checking for good (the view that owns this went away). */
  stop(): void {
    this.#stopped = true
    this.#cancelRecheck()
  }

  #cancelRecheck(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
