/** A ledger entry in words: what happened, and the credits it added or took. */
import type { LedgerEntry } from '../backend'
import { t, type Locale } from '../i18n/locale.svelte'
import { formatMoney } from './money'

/** "Spent on a generation", "Bought 500 credits — $20.00", "Refund: 500 credits taken back ($20.00)". */
export function entryLabel(e: LedgerEntry, locale: Locale): string {
  const credits = Math.abs(e.amount)
  const price = e.paid ? formatMoney(e.paid, locale) : null
  switch (e.kind) {
    case 'grant':
      // A sign-up grant of nothing: this address had its welcome credits once already.
      return e.amount === 0 ? t('credits.kind.grantRepeat') : t('credits.kind.grant')
    case 'purchase':
      return price ? t('credits.kind.purchase', { credits, price }) : t('credits.kind.purchaseNoPrice', { credits })
    case 'clawback':
      return price ? t('credits.kind.clawback', { credits, price }) : t('credits.kind.clawbackNoPrice', { credits })
    default:
      return t(`credits.kind.${e.kind}`)
  }
}

/** "+4 credits", "−500 credits", "0 credits". */
export function entryAmount(e: LedgerEntry): string {
  if (e.amount === 0) return t('credits.zero')
  return t(e.amount > 0 ? 'credits.plus' : 'credits.minus', { credits: Math.abs(e.amount) })
}
