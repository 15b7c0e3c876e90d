import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type LedgerEntry } from '../backend'
import { clearCommandMocks, mockCommands } from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import CreditsPanel from './CreditsPanel.svelte'

beforeEach(() => i18n.set('en'))
afterEach(() => clearCommandMocks())

const entry = (n: number, kind: LedgerEntry['kind'], amount: number): LedgerEntry => ({
  id: `e${n}`,
  amount,
  kind,
  reference: `generation:${n}`,
  created_at: Date.UTC(2026, 10, 24, 7, 0) - n * 60_000,
})

describe('the credits panel', () => {
  it('shows the balance and the ledger in words, a page at a time', async () => {
    const first = [entry(1, 'refund', 4), entry(2, 'debit', -4)]
    const second = [entry(3, 'grant', 100)]
    const creditsLedger = vi.fn((cursor: string | null) =>
      cursor === null ? { entries: first, next_cursor: 'c1' } : { entries: second, next_cursor: null },
    )
    mockCommands({ creditsBalance: () => 100, creditsLedger })
    render(CreditsPanel, { props: { backend: tauriBackend } })
    await vi.waitFor(() => expect(screen.getAllByTestId('ledger-entry')).toHaveLength(2))
    expect(screen.getByTestId('credits-balance').textContent?.trim()).toBe('100 credits')
    const rows = screen.getAllByTestId('ledger-entry').map((r) => r.textContent ?? '')
    expect(rows[0]).toContain('Refund for a failed generation')
    expect(rows[0]).toContain('+4 credits')
    expect(rows[1]).toContain('Spent on a generation')
    expect(rows[1]).toContain('−4 credits')
    await fireEvent.click(screen.getByTestId('ledger-more'))
    await vi.waitFor(() => expect(screen.getAllByTestId('ledger-entry')).toHaveLength(3))
    expect(creditsLedger).toHaveBeenLastCalledWith('c1')
    expect(screen.queryByTestId('ledger-more')).toBeNull()
  })

  it('reads in Chinese', async () => {
    i18n.set('zh-CN')
    mockCommands({ creditsBalance: () => 96, creditsLedger: () => ({ entries: [entry(1, 'grant', 100)], next_cursor: null }) })
    render(CreditsPanel, { props: { backend: tauriBackend } })
    await vi.waitFor(() => expect(screen.getAllByTestId('ledger-entry')).toHaveLength(1))
    expect(screen.getByTestId('ledger-entry').textContent).toContain('赠送积分')
    expect(screen.getByTestId('ledger-entry').textContent).toContain('+100 积分')
    expect(screen.getByTestId('credits-balance').textContent?.trim()).toBe('96 积分')
  })
})
