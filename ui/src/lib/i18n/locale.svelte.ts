/**
 * A small runes-based translation store: one reactive `locale` and `t(key, params)` over two
 * JSON dictionaries with identical keys (a unit test checks that). Components that call `t` in
 * their markup re-render when the locale changes.
 */
import en from './en.json'
import zhCN from './zh-CN.json'

export type MessageKey = keyof typeof en
export type Locale = 'en' | 'zh-CN'
export type Params = Record<string, string | number>

/** Each language is named in itself, so a reader can find theirs whatever is shown. */
export const LOCALES: readonly { id: Locale; name: string }[] = [
  { id: 'en', name: 'English' },
  { id: 'zh-CN', name: '简体中文' },
]

// Typed as a full record so a key missing from a translation fails `npm run check`.
export const dictionaries: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN }

export const STORAGE_KEY = 'atelier.locale'

export function isLocale(value: unknown): value is Locale {
  return LOCALES.some((locale) => locale.id === value)
}

/** A remembered choice wins; otherwise Chinese for any `zh*` system language, else English. */
export function resolveLocale(stored: string | null, systemLanguage: string | undefined): Locale {
  if (isLocale(stored)) return stored
  return systemLanguage?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

function readStored(): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null
  } catch {
    return null // storage can be disabled; the system language still applies
  }
}

function writeStored(locale: Locale): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, locale)
  } catch {
    // not remembered this time; nothing else depends on it
  }
}

function applyToDocument(locale: Locale): void {
  // Lets assistive technology pick the right voice and the browser the right CJK glyphs.
  if (typeof document !== 'undefined') document.documentElement.lang = locale
}

class I18n {
  locale = $state<Locale>('en')

  constructor() {
    this.locale = resolveLocale(readStored(), globalThis.navigator?.language)
    applyToDocument(this.locale)
  }

  /** Switches the language now and remembers it for the next start. */
  set(locale: Locale): void {
    this.locale = locale
    writeStored(locale)
    applyToDocument(locale)
  }
}

export const i18n = new I18n()

/** The message for `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params?: Params): string {
  const template = dictionaries[i18n.locale][key] ?? dictionaries.en[key] ?? key
  if (!params) return template
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) =>
    name in params ? String(params[name]) : placeholder,
  )
}
