/**
 * The signed-in state the whole window follows: asked from Rust at start (which reads the OS
 * keychain), then kept current by the commands' answers and by Rust's events (a magic link that
 * signed in, a session the service ended).
 */
import type { AppError, AuthState, Backend, Unlisten } from '../backend'

/** A one-line note for the person after a change they did not see happen on this screen. */
export type Notice = 'session_ended' | 'signed_out' | 'signed_in' | 'account_deleted' | null

export class Session {
  phase = $state<'loading' | 'ready' | 'failed'>('loading')
  state = $state<AuthState | null>(null)
  loadError = $state<AppError | null>(null)
  notice = $state<Notice>(null)
  /** A magic link is being checked. */
  linkVerifying = $state(false)
  /** The last magic link that did not sign in. */
  linkError = $state<AppError | null>(null)

  #backend: Backend
  #unlisten: Unlisten[] = []
  #stopped = false

  constructor(backend: Backend) {
    this.#backend = backend
  }

  get account() {
    return this.state?.account ?? null
  }

  /** Listens first, then asks: a change made meanwhile is heard, not lost. */
  async start(): Promise<void> {
    const listeners = await Promise.all([
      this.#backend.onAuthChanged((event) => {
        this.linkVerifying = false
        if (event.reason === 'signed_in_by_link') this.linkError = null
        this.apply(event.state)
        this.notice =
          event.reason === 'session_ended'
            ? 'session_ended'
            : event.reason === 'signed_in_by_link'
              ? 'signed_in'
              : event.reason === 'account_deleted'
                ? 'account_deleted'
                : null
      }),
      this.#backend.onSignInLink((event) => {
        if (event.phase === 'verifying') {
          this.linkVerifying = true
          this.linkError = null
        } else {
          this.linkVerifying = false
          this.linkError = event.error
          void this.reload() // a sign-in the keychain refused now waits for a choice
        }
      }),
    ])
    if (this.#stopped) {
      for (const unlisten of listeners) unlisten()
      return
    }
    this.#unlisten = listeners
    await this.reload()
  }

  async reload(): Promise<void> {
    const result = await this.#backend.authState()
    if (this.#stopped) return
    if (result.status === 'ok') {
      this.apply(result.data)
    } else if (this.state === null) {
      this.loadError = result.error
      this.phase = 'failed'
    }
  }

  apply(state: AuthState, notice: Notice = null): void {
    this.state = state
    this.loadError = null
    this.phase = 'ready'
    this.notice = notice
  }

  stop(): void {
    this.#stopped = true
    for (const unlisten of this.#unlisten) unlisten()
    this.#unlisten = []
  }
}
