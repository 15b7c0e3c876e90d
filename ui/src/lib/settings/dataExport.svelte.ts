/**
 * Settings → Export my data: one export at a time, its progress from Rust's `export-progress`
 * events, and how it ended. Lives as long as the window, so an export keeps its progress bar
 * when the person looks at another view and comes back.
 */
import type { AppError, Backend, ExportProgress, ExportSummary, Unlisten } from '../backend'

export type ExportPhase = 'idle' | 'running' | 'cancelling' | 'done' | 'cancelled' | 'failed'

export class DataExport {
  phase = $state<ExportPhase>('idle')
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

  async start(): Promise<void> {
    if (this.running) return
    this.phase = 'running'
    this.progress = null
    this.summary = null
    this.error = null
    // Listening before asking: the first events are not lost.
    const unlisten: Unlisten = await this.#backend.onExportProgress((progress) => {
      if (this.running) this.progress = progress
    })
    const result = await this.#backend.exportData()
    unlisten()
    const cancelled = (this.phase as ExportPhase) === 'cancelling' // cancel() may have run meanwhile
    if (result.status === 'ok') {
      this.summary = result.data
      // `null`: the save dialog was closed without a place, so nothing was written.
      this.phase = result.data ? 'done' : cancelled ? 'cancelled' : 'idle'
      if (result.data) void this.#backend.trackEvent({ name: 'export_completed' })
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
    const result = await this.#backend.cancelExport()
    // Could not stop it: it carries on and ends as it would have.
    if (result.status === 'error' && this.phase === 'cancelling') this.phase = 'running'
  }
}
