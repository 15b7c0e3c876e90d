/**
 * The gallery's "Export selected…": the chosen images' originals as one zip, one export at a
 * time (`ExportRun`), its progress from Rust's `export-progress` events of kind `selected`. One
 * per backend, living as long as the window.
 */
import type { Backend } from '../backend'
import { ExportRun, type ExportCommands } from '../export/exportRun.svelte'

export type { ExportPhase as SelectedExportPhase } from '../export/exportRun.svelte'

export class SelectedExport extends ExportRun {
  /** How many images were chosen for the running (or last) export. */
  count = $state(0)

  #backend: Backend

  constructor(backend: Backend) {
    super()
    this.#backend = backend
  }

  #commands(imageIds: string[]): ExportCommands {
    return {
      onProgress: (listener) => this.#backend.onSelectedExportProgress(listener),
      run: () => this.#backend.exportSelected(imageIds),
      cancel: () => this.#backend.cancelExportSelected(),
    }
  }

  /** Exports `imageIds` (`null`: the selection could not be listed, which fails as `unknown`). */
  async start(imageIds: string[] | null): Promise<void> {
    if (!this.begin()) return
    this.count = imageIds?.length ?? 0
    if (!imageIds || imageIds.length === 0) {
      this.fail({ code: 'unknown', message: 'the selected images could not be listed' })
      return
    }
    await this.run(this.#commands(imageIds))
  }

  cancel(): Promise<void> {
    return this.stop(this.#commands([]))
  }
}

const exports = new WeakMap<Backend, SelectedExport>()

/** The window's export of chosen images for `backend` (the same one each time). */
export function selectedExportFor(backend: Backend): SelectedExport {
  let exporter = exports.get(backend)
  if (!exporter) exports.set(backend, (exporter = new SelectedExport(backend)))
  return exporter
}
