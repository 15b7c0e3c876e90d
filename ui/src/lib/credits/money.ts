/** Prices and what credits buy, in the reader's language. */
import type { Model, Money } from '../backend'
import type { Locale } from '../i18n/locale.svelte'

/**
 * "$20.00" / "US$20.00": `money` in its currency, written the way `locale` writes it. Cents are
 * the currency's minor unit, so a currency without one (JPY) is not divided by 100.
 */
export function formatMoney(money: Money, locale: Locale): string {
  try {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency })
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2
    return format.format(money.cents / 10 ** digits)
  } catch {
    // A code Intl does not know: the number and the code as they came.
    return `${(money.cents / 100).toFixed(2)} ${money.currency}`
  }
}

/** A count of credits with a true minus sign when below zero ("−8"), as the ledger writes it. */
export function signedCredits(credits: number): string {
  return credits < 0 ? `\u2212${-credits}` : String(credits)
}

/** How many images of `model` `credits` pay for (whole images only). */
export function imagesFor(credits: number, model: Model): number {
  return model.cost_per_image > 0 ? Math.floor(credits / model.cost_per_image) : 0
}
