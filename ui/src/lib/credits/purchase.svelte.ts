/**
 * One purchase, from "Buy" to "N credits added". Rust opens the checkout in the browser; the
 * credits come later, only when the payment provider's signed webhook reaches the service. So
 * after "Buy" this waits: it looks at the ledger every few seconds, and at once when Rust says
 * the credits may have changed (a sync brought entries, or the browser came back from the
 * checkout), until a purchase this window has not seen before is there. After ten minutes
 * without one it says so, and still takes the purchase if it arrives later.
 */
import type { AppError, Backend, CheckoutStarted, CreditPack } from '../backend'

/** How often the ledger is read while waiting. */
export const POLL_MS = 4_000
/** How long to wait before saying the payment has not arrived. */
export const OVERDUE_MS = 10 * 60_000

export type PurchaseState =
  | { phase: 'idle' }
  | { phase: 'opening'; pack: CreditPack }
  | { phase: 'waiting'; pack: CreditPack; checkout: CheckoutStarted }
  | { phase: 'overdue'; pack: CreditPack; checkout: CheckoutStarted }
  | { phase: 'landed'; credits: number }
  | { phase: 'failed'; pack: CreditPack; error: AppError }

export class Purchase {
  state = $state<PurchaseState>({ phase: 'idle' })
  /** Ledger entries that were there before the checkout: none of them is this purchase. */
  private known = new Set<string>()
  private poll: ReturnType<typeof setInterval> | null = null
  private overdue: ReturnType<typeof setTimeout> | null = null
  private checking = false

  constructor(
    private readonly backend: Backend,
    /** Runs when the purchase is in the ledger: show the new balance and history. */
    private readonly onlanded: () => Promise<void>,
  ) {}

  get busy(): boolean {
    return this.state.phase === 'opening'
  }

  /** Opens a checkout for `pack` and starts waiting for its credits. */
  async buy(pack: CreditPack): Promise<void> {
    if (this.busy) return
    this.stopTimers()
    this.state = { phase: 'opening', pack }
    // What is in the ledger now is not the purchase; anything new of kind `purchase` will be.
    const before = await this.backend.creditsLedger(null)
    if (before.status === 'error') {
      this.state = { phase: 'failed', pack, error: before.error }
      return
    }
    for (const e of before.data.entries) this.known.add(e.id)
    const checkout = await this.backend.buyCredits(pack.id)
    if (this.state.phase !== 'opening') return
    if (checkout.status === 'error') {
      this.state = { phase: 'failed', pack, error: checkout.error }
      return
    }
    this.state = { phase: 'waiting', pack, checkout: checkout.data }
    this.poll = setInterval(() => void this.check(), POLL_MS)
    this.overdue = setTimeout(() => {
      if (this.state.phase === 'waiting') this.state = { ...this.state, phase: 'overdue' }
      // Sync and `credits-changed` still bring a late payment; polling stops here.
      if (this.poll !== null) clearInterval(this.poll)
      this.poll = null
    }, OVERDUE_MS)
  }

  /** Looks at the ledger now (Rust said the credits may have changed, or it is time). */
  async check(): Promise<void> {
    if ((this.state.phase !== 'waiting' && this.state.phase !== 'overdue') || this.checking) return
    this.checking = true
    const page = await this.backend.creditsLedger(null)
    this.checking = false
    // A failed look is tried again at the next tick or event.
    if (page.status === 'error' || (this.state.phase !== 'waiting' && this.state.phase !== 'overdue')) return
    const fresh = page.data.entries.filter((e) => e.kind === 'purchase' && !this.known.has(e.id))
    if (fresh.length === 0) return
    for (const e of fresh) this.known.add(e.id)
    this.stopTimers()
    this.state = { phase: 'landed', credits: fresh.reduce((sum, e) => sum + e.amount, 0) }
    await this.onlanded()
  }

  /** Back to the packs: stop waiting, or put away the outcome. */
  dismiss(): void {
    this.stopTimers()
    this.state = { phase: 'idle' }
  }

  /** The window is going away (signed out): no more timers. */
  stop(): void {
    this.stopTimers()
  }

  private stopTimers(): void {
    if (this.poll !== null) clearInterval(this.poll)
    if (this.overdue !== null) clearTimeout(this.overdue)
    this.poll = null
    this.overdue = null
  }
}
