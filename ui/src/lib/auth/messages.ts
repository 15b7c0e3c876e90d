/** The words for what went wrong while signing in. Decided on `code` and its details only. */
import type { AppError } from '../backend'
import { errorMessageKey } from '../errors/messages'
import type { MessageKey, Params } from '../i18n/locale.svelte'

/** What the failure was about: a typed code, a magic link, or sending the email. */
export type Context = 'email' | 'code' | 'link'

export type SignInMessage = {
  key: MessageKey
  params?: Params
  /** The way out the message offers: ask for a new email. */
  offerNewCode: boolean
}

export function signInMessage(error: AppError, context: Context): SignInMessage {
  const plain = (key: MessageKey, params?: Params) => ({ key, params, offerNewCode: false })
  switch (error.code) {
    case 'invalid_email':
      return plain('signIn.error.invalid_email')
    case 'invalid_code': {
      const left = error.attempts_left
      if (left === 1) return plain('signIn.error.invalid_code_one')
      if (typeof left === 'number' && left > 1) return plain('signIn.error.invalid_code_many', { n: left })
      return plain('signIn.error.invalid_code')
    }
    case 'code_expired':
      return {
        key: context === 'link' ? 'signIn.error.link_expired' : 'signIn.error.code_expired',
        offerNewCode: true,
      }
    case 'too_many_attempts':
      return { key: 'signIn.error.too_many_attempts', offerNewCode: true }
    case 'offline':
      return plain('signIn.error.offline')
    case 'unavailable':
      return plain(context === 'email' ? 'signIn.error.unavailable' : 'error.unavailable')
    case 'bad_request':
      return plain(context === 'link' ? 'signIn.error.bad_link' : 'error.bad_request')
    default:
      return plain(errorMessageKey(error.code))
  }
}
