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

/** A date with its time ("November 24, 2026 at 7:00 AM" / "2026年11月24日 07:00"). */
export function formatDateTime(epochMs: number, locale: Locale): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short' }).format(new Date(epochMs))
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const

/** A size on disk in binary steps (1 KB = 1024 bytes), as file managers show it: "1.5 GB". */
export function formatBytes(bytes: number, locale: Locale): string {
  let value = Math.max(0, bytes)
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit += 1
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1
  // A no-break space: the number never wraps away from its unit.
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)}\u00a0${UNITS[unit]}`
}
