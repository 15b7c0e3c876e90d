import type { ExportStage } from '../backend'
import type { MessageKey } from '../i18n/locale.svelte'

/** Words for each of Rust's export stages (`done` is the zip being closed: still finishing until the command answers). */
export const STAGE_MESSAGES: Record<ExportStage, MessageKey> = {
  preparing: 'export.stage.preparing',
  images: 'export.stage.images',
  finishing: 'export.stage.finishing',
  done: 'export.stage.finishing',
}
