/**
 * The Credits page's state for the signed-in account: the packs on sale, the ledger read so far,
 * and the purchase under way. The balance itself is the studio's (the top bar and the composer
 * show it too); this asks it to refresh. It listens to Rust's `credits-changed` for as long as
 * the account is signed in, so a purchase that lands while another page is open still shows.
 */
import type { AppError, Backend, CreditPack, LedgerEntry, Model } from '../backend'
import { Purchase } from './purchase.svelte'

/** Where the balance lives and what a credit buys (the studio). */
export interface Wallet {
  readonly balance: number | null
  readonly models: Model[]
  refreshBalance(): Promise<void>
}

export type Packs =
  | { status: 'loading' }
  | { status: 'ready'; packs: CreditPack[] }
  | { status: 'failed'; error: AppError }

const newestFirst = (a: LedgerEntry, b: LedgerEntry): number =>
  b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

export class Credits {
  packs = $state<Packs>({ status: 'loading' })
  entries = $state<LedgerEntry[]>([])
  /** Where the next (older) page starts; `null` once the oldest is shown. */
  cursor = $state<string | null>(null)
  ledgerLoaded = $state(false)
  ledgerBusy = $state(false)
  ledgerError = $state<AppError | null>(null)
  readonly purchase: Purchase
  private stopListening: (() => void) | null = null
  private live = true

  constructor(
    private readonly backend: Backend,
    readonly wallet: Wallet,
  ) {
    this.purchase = new Purchase(backend, () => this.refresh())
  }

  get balance(): number | null {
    return this.wallet.balance
  }

  /** The model whose price the packs are measured in: the composer's default, the first. */
  get defaultModel(): Model | null {
    return this.wallet.models[0] ?? null
  }

  /** Starts listening for `credits-changed`, for the life of the signed-in account. */
  async start(): Promise<void> {
    const stop = await this.backend.onCreditsChanged(() => void this.changed())
    if (!this.live) return stop()
    this.stopListening = stop
  }

  stop(): void {
    this.live = false
    this.stopListening?.()
    this.stopListening = null
    this.purchase.stop()
  }

  /** The page opened: what is on sale, the balance and the newest history. */
  async open(): Promise<void> {
    await Promise.all([this.loadPacks(), this.refresh()])
  }

  async loadPacks(): Promise<void> {
    if (this.packs.status !== 'ready') this.packs = { status: 'loading' }
    const packs = await this.backend.creditPacks()
    this.packs = packs.status === 'ok' ? { status: 'ready', packs: packs.data } : { status: 'failed', error: packs.error }
  }

  /** Buys `pack` (see `Purchase`). A pack no longer on sale, or no sales at all: the list again. */
  async buy(pack: CreditPack): Promise<void> {
    await this.purchase.buy(pack)
    const state = this.purchase.state
    if (state.phase === 'failed' && (state.error.code === 'unknown_pack' || state.error.code === 'purchases_unavailable'))
      await this.loadPacks()
  }

  /** The next (older) page of the ledger, or the first. */
  async more(): Promise<void> {
    if (this.ledgerBusy) return
    this.ledgerBusy = true
    this.ledgerError = null
    const page = await this.backend.creditsLedger(this.ledgerLoaded ? this.cursor : null)
    this.ledgerBusy = false
    if (page.status === 'error') {
      this.ledgerError = page.error
      return
    }
    this.merge(page.data.entries)
    this.cursor = page.data.next_cursor
    this.ledgerLoaded = true
  }

  /** The balance and the newest history again; older pages already shown stay. */
  async refresh(): Promise<void> {
    if (!this.ledgerLoaded) {
      await Promise.all([this.wallet.refreshBalance(), this.more()])
      return
    }
    const [, page] = await Promise.all([this.wallet.refreshBalance(), this.backend.creditsLedger(null)])
    if (page.status === 'ok') this.merge(page.data.entries)
  }

  /** Rust says the credits may have changed. */
  private async changed(): Promise<void> {
    await Promise.all([this.refresh(), this.purchase.check()])
  }

  /** Adds entries not shown yet; the ledger never changes an entry, so one seen is kept. */
  private merge(incoming: LedgerEntry[]): void {
    const seen = new Set(this.entries.map((e) => e.id))
    const added = incoming.filter((e) => !seen.has(e.id))
    if (added.length > 0) this.entries = [...this.entries, ...added].sort(newestFirst)
  }
}
