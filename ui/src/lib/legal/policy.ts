/**
 * The privacy policy as the app shows it (Settings → Legal), in each language. The texts live in
 * `policy.en.ts` and `policy.zh-CN.ts` with the same shape, section for section; `{contact}`
 * stands for the privacy contact address the desktop is configured with.
 */
import type { Locale } from '../i18n/locale.svelte'
import { POLICY_EN } from './policy.en'
import { POLICY_ZH_CN } from './policy.zh-CN'

/** A list item: an optional lead term (shown bold, then a colon) and its text. */
export type PolicyItem = { term?: string; text: string }
export type PolicyBlock = { paragraph: string } | { list: PolicyItem[] }
export type PolicySection = { heading: string; blocks: PolicyBlock[] }
export type Policy = { title: string; updated: string; sections: PolicySection[] }

/** The address in the published policy, used when the desktop reports none. */
export const DEFAULT_PRIVACY_CONTACT = 'ljj231428@gmail.com'

export const POLICIES: Record<Locale, Policy> = { en: POLICY_EN, 'zh-CN': POLICY_ZH_CN }

/** `text` cut around each `{contact}`, so the address can be shown as a link between the parts. */
export function splitContact(text: string): string[] {
  return text.split('{contact}')
}
