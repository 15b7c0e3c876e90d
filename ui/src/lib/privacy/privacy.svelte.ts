/**
 * The analytics choice the window follows: asked from Rust once at start, changed by the consent
 * banner or Settings → Privacy. Rust holds the gate (nothing reaches PostHog without consent);
 * this only shows the choice and passes it on.
 */
import type { AppError, Backend, PrivacySettings } from '../backend'

export class Privacy {
  settings = $state<PrivacySettings | null>(null)
  /** The last change that failed (the choice shown is still the one Rust holds). */
  error = $state<AppError | null>(null)
  busy = $state(false)

  #backend: Backend

  constructor(backend: Backend) {
    this.#backend = backend
  }

  /** First launch: analytics are on offer and nobody has answered yet. */
  get askConsent(): boolean {
    return this.settings?.analytics === 'undecided' && this.settings.analytics_available
  }

  get granted(): boolean {
    return this.settings?.analytics === 'granted'
  }

  /** Without an answer the banner stays hidden and Settings says the state is unknown. */
  async load(): Promise<void> {
    const result = await this.#backend.privacySettings()
    if (result.status === 'ok') this.settings = result.data
    else this.error = result.error
  }

  async setConsent(granted: boolean): Promise<void> {
    if (this.busy) return
    this.busy = true
    this.error = null
    const result = await this.#backend.setAnalyticsConsent(granted)
    this.busy = false
    if (result.status === 'ok') this.settings = result.data
    else this.error = result.error
  }
}
