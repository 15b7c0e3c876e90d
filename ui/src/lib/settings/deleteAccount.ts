import type { MessageKey } from '../i18n/locale.svelte'

/**
 * What deleting the account removes, in the order the confirmation lists it: everything the
 * service holds and everything this computer keeps for the account. Tests read the same list.
 */
export const DELETED_ITEMS: readonly MessageKey[] = [
  'deleteAccount.item.account',
  'deleteAccount.item.cloud',
  'deleteAccount.item.credits',
  'deleteAccount.item.gallery',
  'deleteAccount.item.signIn',
]
