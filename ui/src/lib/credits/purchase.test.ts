import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type LedgerEntry, type LedgerPage } from '../backend'
import { PACKS, appError, clearCommandMocks, mockCommands, settle } from '../backend/testing'
import { OVERDUE_MS, POLL_MS, Purchase } from './purchase.svelte'

const PACK = PACKS[1]!

const grant: LedgerEntry = { id: 'g', amount: 100, kind: 'grant', reference: 'sign-up:a', created_at: 1 }
const oldPurchase: LedgerEntry = {
  id: 'p0',
  amount: 100,
  kind: 'purchase',
  reference: 'purchase:ord_0',
  paid: { cents: 500, currency: 'USD' },
  created_at: 2,
}
const newPurchase: LedgerEntry = { ...oldPurchase, id: 'p1', amount: 500, reference: 'purchase:ord_1', created_at: 3 }
const CHECKOUT = { checkout_id: 'ch_1', checkout_url: 'https://checkout.creem.io/ch_1', opened: true }

/** The ledger as the service has it; a test adds to it when "the webhook" arrives. */
function world(entries: LedgerEntry[] = [grant, oldPurchase]) {
  const ledger = { entries: [...entries] }
  const creditsLedger = vi.fn((): LedgerPage => ({ entries: [...ledger.entries].reverse(), next_cursor: null }))
  const buyCredits = vi.fn(() => CHECKOUT)
  mockCommands({ creditsLedger, buyCredits })
  const onlanded = vi.fn(async () => {})
  const purchase = new Purchase(tauriBackend, onlanded)
  return { ledger, creditsLedger, buyCredits, onlanded, purchase }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => {
  vi.useRealTimers()
  clearCommandMocks()
})

describe('a purchase', () => {
  it('opens the checkout, waits, and lands when a new purchase is in the ledger', async () => {
    const { ledger, buyCredits, creditsLedger, onlanded, purchase } = world()
    await purchase.buy(PACK)
    expect(buyCredits).toHaveBeenCalledWith('studio')
    expect(purchase.state).toEqual({ phase: 'waiting', pack: PACK, checkout: CHECKOUT })
    // The purchase made before this one is not it.
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(purchase.state.phase).toBe('waiting')
    const looks = creditsLedger.mock.calls.length
    ledger.entries.push(newPurchase)
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(creditsLedger.mock.calls.length).toBe(looks + 1)
    expect(purchase.state).toEqual({ phase: 'landed', credits: 500 })
    expect(onlanded).toHaveBeenCalledOnce()
    // No more looking once it landed.
    await vi.advanceTimersByTimeAsync(POLL_MS * 5)
    expect(creditsLedger.mock.calls.length).toBe(looks + 1)
  })

  it('looks at once when asked (Rust said the credits changed), without waiting for the tick', async () => {
    const { ledger, purchase } = world()
    await purchase.buy(PACK)
    ledger.entries.push(newPurchase)
    await purchase.check()
    expect(purchase.state).toEqual({ phase: 'landed', credits: 500 })
  })

  it('says the payment has not arrived after ten minutes, and still takes it later', async () => {
    const { ledger, creditsLedger, purchase } = world()
    await purchase.buy(PACK)
    await vi.advanceTimersByTimeAsync(OVERDUE_MS - 1)
    expect(purchase.state.phase).toBe('waiting')
    await vi.advanceTimersByTimeAsync(1)
    expect(purchase.state.phase).toBe('overdue')
    // Polling stops; sync and credits-changed still bring it.
    const looks = creditsLedger.mock.calls.length
    await vi.advanceTimersByTimeAsync(POLL_MS * 10)
    expect(creditsLedger.mock.calls.length).toBe(looks)
    ledger.entries.push(newPurchase)
    await purchase.check()
    expect(purchase.state).toEqual({ phase: 'landed', credits: 500 })
  })

  it('fails with the code when no checkout opens, and stops waiting when dismissed', async () => {
    const { buyCredits, creditsLedger, purchase } = world()
    buyCredits.mockImplementationOnce(() => {
      throw appError('payment_provider_unavailable')
    })
    await purchase.buy(PACK)
    expect(purchase.state).toMatchObject({ phase: 'failed', error: { code: 'payment_provider_unavailable' } })
    await purchase.buy(PACK)
    expect(purchase.state.phase).toBe('waiting')
    purchase.dismiss()
    const looks = creditsLedger.mock.calls.length
    await vi.advanceTimersByTimeAsync(OVERDUE_MS)
    expect(creditsLedger.mock.calls.length).toBe(looks)
    expect(purchase.state.phase).toBe('idle')
  })

  it('keeps waiting through a failed look (offline for a moment)', async () => {
    const { ledger, creditsLedger, purchase } = world()
    await purchase.buy(PACK)
    creditsLedger.mockImplementationOnce(() => {
      throw appError('offline')
    })
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(purchase.state.phase).toBe('waiting')
    ledger.entries.push(newPurchase)
    await vi.advanceTimersByTimeAsync(POLL_MS)
    await settle()
    expect(purchase.state.phase).toBe('landed')
  })
})
