/** Which words the UI shows for each error code. Decisions are made on `code`, never on text. */
import type { KnownCode } from '../backend'
import type { MessageKey } from '../i18n/locale.svelte'

// A `Record` over every code the generated bindings know (the service's and the desktop's own):
// when Rust adds a code, `npm run check` fails here until it has words in both languages.
const ERROR_MESSAGES: Record<KnownCode, MessageKey> = {
  not_found: 'error.not_found',
  method_not_allowed: 'error.method_not_allowed',
  bad_request: 'error.bad_request',
  payload_too_large: 'error.payload_too_large',
  unsupported_media_type: 'error.unsupported_media_type',
  prompt_empty: 'error.prompt_empty',
  prompt_too_long: 'error.prompt_too_long',
  invalid_count: 'error.invalid_count',
  invalid_email: 'error.invalid_email',
  invalid_code: 'error.invalid_code',
  code_expired: 'error.code_expired',
  too_many_attempts: 'error.too_many_attempts',
  unauthenticated: 'error.unauthenticated',
  email_unchanged: 'error.email_unchanged',
  email_in_use: 'error.email_in_use',
  invalid_display_name: 'error.invalid_display_name',
  invalid_title: 'error.invalid_title',
  invalid_cursor: 'error.invalid_cursor',
  unknown_model: 'error.unknown_model',
  invalid_aspect_ratio: 'error.invalid_aspect_ratio',
  invalid_image: 'error.invalid_image',
  image_too_large: 'error.image_too_large',
  input_images_required: 'error.input_images_required',
  too_many_input_images: 'error.too_many_input_images',
  idempotency_key_required: 'error.idempotency_key_required',
  prompt_blocked: 'error.prompt_blocked',
  moderation_unavailable: 'error.moderation_unavailable',
  insufficient_credits: 'error.insufficient_credits',
  reset_required: 'error.reset_required',
  rate_limited: 'error.rate_limited',
  unknown_pack: 'error.unknown_pack',
  purchases_unavailable: 'error.purchases_unavailable',
  payment_provider_unavailable: 'error.payment_provider_unavailable',
  internal: 'error.internal',
  unavailable: 'error.unavailable',
  offline: 'error.offline',
  unknown: 'error.unknown',
  credential_store_unavailable: 'error.credential_store_unavailable',
  cache_unavailable: 'error.cache_unavailable',
  invalid_sync_data: 'error.invalid_sync_data',
  export_target_unwritable: 'error.export_target_unwritable',
  export_cancelled: 'error.export_cancelled',
  originals_unavailable: 'error.originals_unavailable',
  sign_in_not_pending: 'error.sign_in_not_pending',
}

/** The message for a code; a code newer than this build gets the generic one. */
export function errorMessageKey(code: string): MessageKey {
  return Object.hasOwn(ERROR_MESSAGES, code) ? ERROR_MESSAGES[code as KnownCode] : 'error.unknown'
}
