/** Words for the connection panel's facts. Error codes are in `../errors/messages`. */
import type { Runtime } from '../backend'
import type { MessageKey } from '../i18n/locale.svelte'

const RUNTIME_NAMES: Record<Runtime, MessageKey> = {
  native: 'runtime.native',
  worker: 'runtime.worker',
}

export function runtimeNameKey(runtime: Runtime): MessageKey {
  return RUNTIME_NAMES[runtime]
}
