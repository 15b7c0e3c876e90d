/**
 * One export run by Rust (which shows the save dialog first): its progress from Rust's
 * `export-progress` events of its kind, a way to stop it, and how it ended. Settings' data export
 * and the gallery's export of chosen images are each one of these; each lives as long as the
 * window, so an export keeps its progress bar when the person looks at another view and comes
 * back.
 */
import type { AppError, ExportProgress, ExportSummary, Result, Unlisten } from '../backend'

export type ExportPhase = 'idle' | 'running' | 'cancelling' | 'done' | 'cancelled' | 'failed'

/** What differs between exports: how to hear its progress, start it and stop it. */
export interface ExportCommands {
  onProgress(listener: (progress: ExportProgress) => void): Promise<Unlisten>
  /** `null`: the save dialog was closed (nothing written), or the export was stopped. */
  run(): Promise<Result<ExportSummary | null>>
  cancel(): Promise<Result<null>>
}

export class ExportRun {
  phase = $state<ExportPhase>('idle')
  progress = $state<ExportProgress | null>(null)
  summary = $state<ExportSummary | null>(null)
  error = $state<AppError | null>(null)

  get running(): boolean {
    return this.phase === 'running' || this.phase === 'cancelling'
  }

  /** 0…1 when the total is known, else `null` (an indeterminate bar). */
  get fraction(): number | null {
    const p = this.progress
    return p && p.total > 0 ? Math.min(1, p.done / p.total) : null
  }

  /** Marks a new run as started; `false` when one is running already. */
  protected begin(): boolean {
    if (this.running) return false
    this.phase = 'running'
    this.progress = null
    this.summary = null
    this.error = null
    return true
  }

  /** Ends the run as failed before Rust was asked. */
  protected fail(error: AppError): void {
    this.error = error
    this.phase = 'failed'
  }

  /** Runs the export begun with [`begin`]; answers its summary when it wrote a file. */
  protected async run(commands: ExportCommands): Promise<ExportSummary | null> {
    // Listening before asking: the first events are not lost.
    const unlisten = await commands.onProgress((progress) => {
      if (this.running) this.progress = progress
    })
    const result = await commands.run()
    unlisten()
    const cancelled = (this.phase as ExportPhase) === 'cancelling' // cancel() may have run meanwhile
    if (result.status === 'ok') {
      this.summary = result.data
      this.phase = result.data ? 'done' : cancelled ? 'cancelled' : 'idle'
      return result.data
    }
    if (cancelled || result.error.code === 'export_cancelled') {
      this.phase = 'cancelled'
    } else {
      this.fail(result.error)
    }
    return null
  }

  protected async stop(commands: ExportCommands): Promise<void> {
    if (this.phase !== 'running') return
    this.phase = 'cancelling'
    const result = await commands.cancel()
    // Could not stop it: it carries on and ends as it would have.
    if (result.status === 'error' && this.phase === 'cancelling') this.phase = 'running'
  }

  /** Puts away how the last export ended. */
  dismiss(): void {
    if (!this.running) this.phase = 'idle'
  }
}
