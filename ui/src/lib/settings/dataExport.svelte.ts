/**
 * Settings → Export my data: everything the account holds as one zip, one export at a time
 * (`ExportRun`), its progress from Rust's `export-progress` events of kind `data`.
 */
import type { Backend } from '../backend'
import { ExportRun, type ExportCommands } from '../export/exportRun.svelte'

export type { ExportPhase } from '../export/exportRun.svelte'

export class DataExport extends ExportRun {
  #backend: Backend
  #commands: ExportCommands

  constructor(backend: Backend) {
    super()
    this.#backend = backend
    this.#commands = {
      onProgress: (listener) => backend.onExportProgress(listener),
      run: () => backend.exportData(),
      cancel: () => backend.cancelExport(),
    }
  }

  async start(): Promise<void> {
    if (!this.begin()) return
    if (await this.run(this.#commands)) void this.#backend.trackEvent({ name: 'export_completed' })
  }

  cancel(): Promise<void> {
    return this.stop(this.#commands)
  }
}
