/** Numbers, waits and dates in the reader's language (Intl, so no dictionary entries). */
import type { Locale } from './locale.svelte'

/** A countdown as `m:ss` (the same in both languages). */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** "in 42 minutes" / "42分钟后": the wait rounded up to the unit a person would use. */
export function formatWait(seconds: number, locale: Locale): string {
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'always' })
  const s = Math.max(1, Math.ceil(seconds))
  if (s < 60) return rtf.format(s, 'second')
  if (s < 3600) return rtf.format(Math.ceil(s / 60), 'minute')
  return rtf.format(Math.ceil(s / 3600), 'hour')
}

/** A calendar date ("January 15, 2026" / "2026年1月15日"). */
export function formatDate(epochMs: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(new Date(epochMs))
}
