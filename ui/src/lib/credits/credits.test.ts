import { afterEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type LedgerEntry } from '../backend'
import { MODELS, clearCommandMocks, emitCreditsChanged, mockCommands } from '../backend/testing'
import { Credits, type Wallet } from './credits.svelte'

afterEach(() => clearCommandMocks())

const entry = (id: string, amount: number, created_at: number): LedgerEntry => ({
  id,
  amount,
  kind: amount > 0 ? 'grant' : 'debit',
  reference: id,
  created_at,
})

function wallet(): Wallet & { refreshBalance: ReturnType<typeof vi.fn> } {
  return { balance: 100, models: MODELS, refreshBalance: vi.fn(async () => {}) }
}

describe('the credits of a signed-in window', () => {
  it('follow credits-changed until stopped, wherever the window is', async () => {
    let ledger = [entry('a', 100, 1)]
    mockCommands({ creditsLedger: () => ({ entries: ledger, next_cursor: null }) })
    const w = wallet()
    const credits = new Credits(tauriBackend, w)
    await credits.start()
    await emitCreditsChanged({ reason: 'synced' })
    await vi.waitFor(() => expect(w.refreshBalance).toHaveBeenCalledOnce())
    await vi.waitFor(() => expect(credits.entries.map((e) => e.id)).toEqual(['a']))
    ledger = [entry('b', -4, 2), ...ledger]
    await emitCreditsChanged({ reason: 'checkout_returned' })
    await vi.waitFor(() => expect(credits.entries.map((e) => e.id)).toEqual(['b', 'a']))
    credits.stop()
    await emitCreditsChanged({ reason: 'synced' })
    expect(w.refreshBalance).toHaveBeenCalledTimes(2)
  })

  it('keep older pages already shown when the newest page is read again', async () => {
    const pages: Record<string, { entries: LedgerEntry[]; next_cursor: string | null }> = {
      first: { entries: [entry('c', -4, 3), entry('b', -4, 2)], next_cursor: 'older' },
      older: { entries: [entry('a', 100, 1)], next_cursor: null },
    }
    mockCommands({ creditsLedger: (cursor) => pages[cursor ?? 'first']! })
    const credits = new Credits(tauriBackend, wallet())
    await credits.more()
    await credits.more()
    expect(credits.entries.map((e) => e.id)).toEqual(['c', 'b', 'a'])
    pages.first = { entries: [entry('d', 500, 4), entry('c', -4, 3)], next_cursor: 'older' }
    await credits.refresh()
    expect(credits.entries.map((e) => e.id)).toEqual(['d', 'c', 'b', 'a'])
    expect(credits.cursor).toBeNull()
  })
})
