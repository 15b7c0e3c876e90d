/**
 * The gallery's "Export selected…": the chosen images' originals as one zip (Rust shows the save
 * dialog), its progress from Rust's `export-progress` events of kind `selected`, a way to stop
 * it, and how it ended. One per backend, living as long as the window: an export keeps its
 * progress when the person goes to another view and comes back.
 */
import type { AppError, Backend, ExportProgress, ExportSummary, Unlisten } from '../backend'

export type SelectedExportPhase = 'idle' | 'running' | 'cancelling' | 'done' | 'cancelled' | 'failed'

export class SelectedExport {
  phase = $state<SelectedExportPhase>('idle')
  /** How many images were chosen for the running (or last) export. */
  count = $state(0)
  progress = $state<ExportProgress | null>(null)
  summary = $state<ExportSummary | null>(null)
  error = $state<AppError | null>(null)

  #backend: Backend

  constructor(backend: Backend) {
    this.#backend = backend
  }

  get running(): boolean {
    return this.phase === 'running' || this.phase === 'cancelling'
  }

  /** 0…1 when the total is known, else `null` (an indeterminate bar). */
  get fraction(): number | null {
    const p = this.progress
    return p && p.total > 0 ? Math.min(1, p.done / p.total) : null
  }

  /** Exports `imageIds` (`null`: the selection could not be listed, which fails as `unknown`). */
  async start(imageIds: string[] | null): Promise<void> {
    if (this.running) return
    this.phase = 'running'
    this.count = imageIds?.length ?? 0
    this.progress = null
    this.summary = null
    this.error = null
    if (!imageIds || imageIds.length === 0) {
      this.error = { code: 'unknown', message: 'the selected images could not be listed' }
      this.phase = 'failed'
      return
    }
    // Listening before asking: the first events are not lost.
    const unlisten: Unlisten = await this.#backend.onSelectedExportProgress((progress) => {
      if (this.running) this.progress = progress
    })
    const result = await this.#backend.exportSelected(imageIds)
    unlisten()
    const cancelled = (this.phase as SelectedExportPhase) === 'cancelling' // cancel() may have run meanwhile
    if (result.status === 'ok') {
      this.summary = result.data
      // `null`: the save dialog was closed (nothing written), or the export was stopped.
      this.phase = result.data ? 'done' : cancelled ? 'cancelled' : 'idle'
    } else if (cancelled || result.error.code === 'export_cancelled') {
      this.phase = 'cancelled'
    } else {
      this.error = result.error
      this.phase = 'failed'
    }
  }

  async cancel(): Promise<void> {
    if (this.phase !== 'running') return
    this.phase = 'cancelling'
    const result = await this.#backend.cancelExportSelected()
    // Could not stop it: it carries on and ends as it would have.
    if (result.status === 'error' && this.phase === 'cancelling') this.phase = 'running'
  }

  /** Puts away how the last export ended. */
  dismiss(): void {
    if (!this.running) this.phase = 'idle'
  }
}

const exports = new WeakMap<Backend, SelectedExport>()

/** The window's export of chosen images for `backend` (the same one each time). */
export function selectedExportFor(backend: Backend): SelectedExport {
  let exporter = exports.get(backend)
  if (!exporter) exports.set(backend, (exporter = new SelectedExport(backend)))
  return exporter
}
