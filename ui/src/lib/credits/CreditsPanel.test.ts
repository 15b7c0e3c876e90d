import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type LedgerEntry, type LedgerPage } from '../backend'
import {
  MODELS,
  PACKS,
  appError,
  clearCommandMocks,
  emitCreditsChanged,
  mockCommands,
  type CommandMocks,
} from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import { Studio } from '../studio/studio.svelte'
import { Credits } from './credits.svelte'
import CreditsPanel from './CreditsPanel.svelte'

beforeEach(() => i18n.set('en'))
afterEach(() => clearCommandMocks())

const entry = (n: number, kind: LedgerEntry['kind'], amount: number, extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
  id: `e${n}`,
  amount,
  kind,
  reference: `generation:${n}`,
  created_at: Date.UTC(2026, 10, 24, 7, 0) - n * 60_000,
  ...extra,
})
const USD = (cents: number) => ({ cents, currency: 'USD' })

/** The Credits page of a signed-in window over the mocked commands. */
async function open(mocks: CommandMocks): Promise<Credits> {
  mockCommands({
    listModels: () => MODELS,
    listConversations: () => ({ conversations: [], next_cursor: null }),
    creditPacks: () => PACKS,
    creditsLedger: () => ({ entries: [], next_cursor: null }),
    ...mocks,
  })
  const studio = new Studio(tauriBackend)
  await studio.load()
  const credits = new Credits(tauriBackend, studio)
  await credits.start()
  render(CreditsPanel, { props: { credits } })
  return credits
}

const rows = () => screen.getAllByTestId('ledger-entry').map((r) => r.textContent ?? '')

describe('the credits panel', () => {
  it('shows the balance and the ledger in words, a page at a time', async () => {
    const first = [entry(1, 'refund', 4), entry(2, 'debit', -4)]
    const second = [entry(3, 'grant', 100)]
    const creditsLedger = vi.fn((cursor: string | null) =>
      cursor === null ? { entries: first, next_cursor: 'c1' } : { entries: second, next_cursor: null },
    )
    await open({ creditsBalance: () => 100, creditsLedger })
    await vi.waitFor(() => expect(screen.getAllByTestId('ledger-entry')).toHaveLength(2))
    expect(screen.getByTestId('credits-balance').textContent?.trim()).toBe('100 credits')
    expect(rows()[0]).toContain('Refund for a failed generation')
    expect(rows()[0]).toContain('+4 credits')
    expect(rows()[1]).toContain('Spent on a generation')
    expect(rows()[1]).toContain('−4 credits')
    await fireEvent.click(screen.getByTestId('ledger-more'))
    await vi.waitFor(() => expect(screen.getAllByTestId('ledger-entry')).toHaveLength(3))
    expect(creditsLedger).toHaveBeenLastCalledWith('c1')
    expect(screen.queryByTestId('ledger-more')).toBeNull()
  })

  it('tells purchases, clawbacks and a repeated welcome grant apart, with the money', async () => {
    const ledger = [
      entry(1, 'clawback', -500, { reference: 'clawback:ref_1', paid: USD(2000) }),
      entry(2, 'purchase', 500, { reference: 'purchase:ord_1', paid: USD(2000) }),
      entry(3, 'grant', 0, { reference: 'sign-up:a' }),
    ]
    await open({ creditsBalance: () => -500, creditsLedger: () => ({ entries: ledger, next_cursor: null }) })
    await vi.waitFor(() => expect(screen.getAllByTestId('ledger-entry')).toHaveLength(3))
    expect(rows()[0]).toContain('Refund: 500 credits taken back ($20.00)')
    expect(rows()[0]).toContain('−500 credits')
    expect(rows()[1]).toContain('Bought 500 credits — $20.00')
    expect(rows()[1]).toContain('+500 credits')
    expect(rows()[2]).toContain('Welcome credits were already given to this address')
    expect(rows()[2]).toContain('0 credits')
    // Below zero: why generating is refused.
    expect(screen.getByTestId('credits-balance').textContent?.trim()).toBe('−500 credits')
    expect(screen.getByTestId('credits-negative').textContent).toContain("You can't generate images")

    i18n.set('zh-CN')
    await vi.waitFor(() => expect(rows()[0]).toContain('退款：收回 500 积分（US$20.00）'))
    expect(rows()[1]).toContain('购买 500 积分 — US$20.00')
    expect(rows()[2]).toContain('此邮箱地址已领取过欢迎积分')
    expect(screen.getByTestId('credits-negative').textContent).toContain('余额低于零')
  })

  it('reads in Chinese', async () => {
    i18n.set('zh-CN')
    await open({ creditsBalance: () => 96, creditsLedger: () => ({ entries: [entry(1, 'grant', 100)], next_cursor: null }) })
    await vi.waitFor(() => expect(screen.getAllByTestId('ledger-entry')).toHaveLength(1))
    expect(screen.getByTestId('ledger-entry').textContent).toContain('赠送积分')
    expect(screen.getByTestId('ledger-entry').textContent).toContain('+100 积分')
    expect(screen.getByTestId('credits-balance').textContent?.trim()).toBe('96 积分')
    expect(screen.getAllByTestId('pack-price').map((p) => p.textContent)).toEqual(['US$5.00', 'US$20.00', 'US$60.00'])
  })
})

describe('buying credits', () => {
  it('lists each pack with its price and what it makes with the default model', async () => {
    await open({ creditsBalance: () => 100 })
    await vi.waitFor(() => expect(screen.getAllByTestId('pack')).toHaveLength(3))
    const packs = screen.getAllByTestId('pack').map((p) => p.textContent ?? '')
    expect(packs[1]).toContain('500 credits')
    expect(packs[1]).toContain('About 125 images with Nano Banana')
    expect(packs[1]).toContain('$20.00')
    expect(screen.getAllByTestId('buy')[1]?.getAttribute('aria-label')).toBe('Buy 500 credits for $20.00')
  })

  it('says so when the service sells nothing', async () => {
    await open({ creditsBalance: () => 100, creditPacks: () => [] })
    await vi.waitFor(() => expect(screen.getByTestId('purchases-unavailable')).toBeTruthy())
    expect(screen.getByTestId('purchases-unavailable').textContent).toContain("Purchases aren't available")
    expect(screen.queryByTestId('buy')).toBeNull()
  })

  it('waits for the payment after Buy, and shows the credits added when Rust says they came', async () => {
    let balance = 100
    const ledger: LedgerEntry[] = [entry(9, 'grant', 100)]
    const buyCredits = vi.fn(() => ({ checkout_id: 'ch_1', checkout_url: 'https://checkout.creem.io/ch_1', opened: true }))
    await open({
      creditsBalance: () => balance,
      creditsLedger: (): LedgerPage => ({ entries: [...ledger], next_cursor: null }),
      buyCredits,
    })
    await vi.waitFor(() => expect(screen.getAllByTestId('buy')).toHaveLength(3))
    await fireEvent.click(screen.getAllByTestId('buy')[1]!)
    await vi.waitFor(() => expect(screen.getByTestId('purchase').dataset.phase).toBe('waiting'))
    expect(buyCredits).toHaveBeenCalledWith('studio')
    expect(screen.getByTestId('purchase').textContent).toContain('Finish paying for 500 credits in your browser')
    expect(screen.queryByTestId('checkout-url')).toBeNull()

    // The webhook reached the service; sync brought the entry and Rust says so.
    balance = 600
    ledger.unshift(entry(0, 'purchase', 500, { reference: 'purchase:ord_1', paid: USD(2000) }))
    await emitCreditsChanged({ reason: 'synced' })
    await vi.waitFor(() => expect(screen.getByTestId('purchase').dataset.phase).toBe('landed'))
    expect(screen.getByTestId('purchase-landed').textContent).toBe('500 credits added')
    await vi.waitFor(() => expect(screen.getByTestId('credits-balance').textContent?.trim()).toBe('600 credits'))
    expect(screen.getByTestId('purchase').textContent).toContain('Your balance is now 600 credits')
    expect(rows()[0]).toContain('Bought 500 credits — $20.00')
    await fireEvent.click(screen.getByTestId('purchase-dismiss'))
    expect(screen.queryByTestId('purchase')).toBeNull()
  })

  it('gives the address when the browser did not open', async () => {
    const url = 'https://checkout.creem.io/ch_2'
    await open({ creditsBalance: () => 100, buyCredits: () => ({ checkout_id: 'ch_2', checkout_url: url, opened: false }) })
    await vi.waitFor(() => expect(screen.getAllByTestId('buy')).toHaveLength(3))
    await fireEvent.click(screen.getAllByTestId('buy')[0]!)
    await vi.waitFor(() => expect(screen.getByTestId('checkout-url').textContent).toBe(url))
    expect(screen.getByTestId('purchase').textContent).toContain("Your browser didn't open")
  })

  it('says why a checkout could not be opened, and shows the list again for a pack no longer on sale', async () => {
    const creditPacks = vi.fn(() => PACKS)
    const buyCredits = vi.fn((): never => {
      throw appError('payment_provider_unavailable')
    })
    await open({ creditsBalance: () => 100, creditPacks, buyCredits })
    await vi.waitFor(() => expect(screen.getAllByTestId('buy')).toHaveLength(3))
    await fireEvent.click(screen.getAllByTestId('buy')[2]!)
    await vi.waitFor(() => expect(screen.getByTestId('purchase').dataset.phase).toBe('failed'))
    expect(screen.getByTestId('purchase').textContent).toContain("The payment service couldn't open a checkout just now")
    expect(screen.getByTestId('purchase-retry')).toBeTruthy()

    buyCredits.mockImplementation(() => {
      throw appError('unknown_pack')
    })
    creditPacks.mockImplementation(() => PACKS.slice(0, 2))
    await fireEvent.click(screen.getByTestId('purchase-retry'))
    await vi.waitFor(() => expect(screen.getByTestId('purchase').dataset.code).toBe('unknown_pack'))
    expect(screen.getByTestId('purchase').textContent).toContain("That credit pack isn't on sale any more")
    await vi.waitFor(() => expect(screen.getAllByTestId('pack')).toHaveLength(2))
    expect(screen.queryByTestId('purchase-retry')).toBeNull()
  })
})
