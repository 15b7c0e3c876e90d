/**
 * Correcting the signed-in account's email: the new address, then the six-digit code mailed to
 * it, typed on this computer. The session stays signed in and follows the new address.
 *
 * Asking for a code answers the same whether or not the address already has an account (a taken
 * address gets a note instead of a code), so nothing here may tell the two apart: the code step
 * follows every accepted request. Only `email_in_use` at the end says it, when another account
 * took the address between asking and confirming.
 */
import type { AppError, Backend } from '../backend'
import { errorMessageKey } from '../errors/messages'
import { i18n, type MessageKey, type Params } from '../i18n/locale.svelte'
import { Countdown } from './countdown.svelte'
import type { Session } from './session.svelte'

/** Closed (the Change button), typing the new address, or typing its code. */
export type Step = 'closed' | 'address' | 'code'

export type EmailChangeMessage = {
  key: MessageKey
  params?: Params
  /** The way out the message offers: mail a new code to the same address. */
  offerNewCode: boolean
}

/** The words for a failed change; `address` is the new address it was about. */
export function emailChangeMessage(error: AppError, address: string): EmailChangeMessage {
  const plain = (key: MessageKey, params?: Params) => ({ key, params, offerNewCode: false })
  switch (error.code) {
    case 'invalid_email':
      return plain('signIn.error.invalid_email')
    case 'email_unchanged':
      return plain('emailChange.error.email_unchanged')
    case 'email_in_use':
      return plain('emailChange.error.email_in_use', { email: address })
    case 'invalid_code': {
      const left = error.attempts_left
      if (left === 1) return plain('signIn.error.invalid_code_one')
      if (typeof left === 'number' && left > 1) return plain('signIn.error.invalid_code_many', { n: left })
      return plain('signIn.error.invalid_code')
    }
    case 'code_expired':
      return { key: 'emailChange.error.code_expired', offerNewCode: true }
    case 'too_many_attempts':
      return { key: 'emailChange.error.too_many_attempts', offerNewCode: true }
    case 'offline':
      return plain('emailChange.error.offline')
    default:
      return plain(errorMessageKey(error.code))
  }
}

export class EmailChange {
  step = $state<Step>('closed')
  /** What the person typed as the new address. */
  address = $state('')
  /** The address the current code was sent to. */
  sentTo = $state('')
  sending = $state(false)
  confirming = $state(false)
  error = $state<AppError | null>(null)
  /** A second code went out (shown until the next action). */
  resent = $state(false)
  expiresMinutes = $state(10)
  /** The address the account just moved to, for the status line; cleared by the next change. */
  changedTo = $state<string | null>(null)
  /** Until another code may be asked for. */
  readonly resendWait = new Countdown()
  /** The service's `Retry-After` after `rate_limited`. */
  readonly rateWait = new Countdown()

  #backend: Backend
  #session: Session

  constructor(backend: Backend, session: Session) {
    this.#backend = backend
    this.#session = session
  }

  get busy(): boolean {
    return this.sending || this.confirming
  }

  /** Rate limited and the wait is not over: asking again is pointless. */
  get waiting(): boolean {
    return this.error?.code === 'rate_limited' && this.rateWait.running
  }

  get message(): EmailChangeMessage | null {
    return this.error ? emailChangeMessage(this.error, this.sentTo || this.address.trim()) : null
  }

  open(): void {
    this.step = 'address'
    this.address = ''
    this.sentTo = ''
    this.error = null
    this.resent = false
    this.changedTo = null
  }

  /** Back to the Change button; a code already mailed then goes unused. */
  cancel(): void {
    this.step = 'closed'
    this.error = null
    this.resent = false
    this.stop()
  }

  /**
   * Mails a code to the typed address (from the address step) or again to the same one (from
   * the code step). Answers whether one went out.
   */
  async send(): Promise<boolean> {
    if (this.step === 'closed' || this.busy || this.waiting) return false
    const again = this.step === 'code'
    const address = (again ? this.sentTo : this.address).trim()
    if (address === '') {
      this.#fail({ code: 'invalid_email', message: '' })
      return false
    }
    this.sending = true
    this.error = null
    this.resent = false
    const result = await this.#backend.startEmailChange(address, i18n.locale)
    this.sending = false
    if ((this.step as Step) === 'closed') return false // cancelled meanwhile
    if (result.status === 'error') {
      this.#fail(result.error)
      return false
    }
    this.resent = again
    this.sentTo = address
    this.step = 'code'
    this.expiresMinutes = Math.max(1, Math.round(result.data.expires_in_seconds / 60))
    this.resendWait.start(result.data.resend_after_seconds)
    return true
  }

  /** Confirms with the emailed code. Answers whether the account moved. */
  async confirm(code: string): Promise<boolean> {
    if (this.step !== 'code' || this.busy || this.waiting) return false
    this.confirming = true
    this.error = null
    this.resent = false
    const result = await this.#backend.confirmEmailChange(code)
    this.confirming = false
    if (result.status === 'ok') {
      this.#session.apply(result.data)
      this.changedTo = result.data.account?.email ?? this.sentTo
      this.step = 'closed'
      this.stop()
      return true
    }
    if ((this.step as Step) === 'closed') return false // cancelled meanwhile: nothing to show
    this.#fail(result.error)
    if (result.error.code === 'email_in_use') {
      // The change is over and nothing changed: another address may be tried.
      this.step = 'address'
      this.address = this.sentTo
      this.resendWait.stop()
    }
    return false
  }

  /** Stops the countdowns (the component goes away). */
  stop(): void {
    this.resendWait.stop()
    this.rateWait.stop()
  }

  #fail(error: AppError): void {
    this.error = error
    if (error.code === 'rate_limited') this.rateWait.start(error.retry_after_seconds ?? 60)
    if (error.code === 'unauthenticated') void this.#session.reload() // the session ended: sign in again
  }
}
