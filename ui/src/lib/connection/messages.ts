/** Which words the UI shows for each error code. Decisions are made on `code`, never on text. */
import type { ErrorCode, Runtime } from '../backend'
import type { MessageKey } from '../i18n/locale.svelte'

// A `Record` over the generated `ErrorCode`: when Rust adds a code, `npm run check` fails here
// until it has words in both languages.
const ERROR_MESSAGES: Record<ErrorCode, MessageKey> = {
  not_found: 'error.not_found',
  method_not_allowed: 'error.method_not_allowed',
  bad_request: 'error.bad_request',
  payload_too_large: 'error.payload_too_large',
  unsupported_media_type: 'error.unsupported_media_type',
  prompt_empty: 'error.prompt_empty',
  prompt_too_long: 'error.prompt_too_long',
  invalid_count: 'error.invalid_count',
  internal: 'error.internal',
  unavailable: 'error.unavailable',
  offline: 'error.offline',
  unknown: 'error.unknown',
}

/** The message for a code; a code newer than this build gets the generic one. */
export function errorMessageKey(code: string): MessageKey {
  return Object.hasOwn(ERROR_MESSAGES, code) ? ERROR_MESSAGES[code as ErrorCode] : 'error.unknown'
}

const RUNTIME_NAMES: Record<Runtime, MessageKey> = {
  native: 'runtime.native',
  worker: 'runtime.worker',
}

export function runtimeNameKey(runtime: Runtime): MessageKey {
  return RUNTIME_NAMES[runtime]
}
