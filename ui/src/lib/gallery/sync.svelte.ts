/**
 * The sync engine's state as the window sees it: asked once, then kept current by Rust's
 * `sync-changed` events. What a sync brought reaches the grid as `library-changed` (the Gallery
 * listens), once its rows are in the cache; a finished sync that brought nothing reads nothing.
 */
import type { AppError, Backend, SyncStatus } from '../backend'

export class SyncWatcher {
  status = $state<SyncStatus | null>(null)
  /** A failed "Sync now" (the status itself reports sync errors). */
  error = $state<AppError | null>(null)
  private stopListening: (() => void) | null = null
  private live = true

  constructor(private readonly backend: Backend) {}

  async start(): Promise<void> {
    const stop = await this.backend.onSyncChanged((status) => this.set(status))
    if (!this.live) return stop()
    this.stopListening = stop
    const status = await this.backend.syncStatus()
    // An event may have come first; it is at least as new.
    if (status.status === 'ok' && this.status === null) this.status = status.data
  }

  async syncNow(): Promise<void> {
    this.error = null
    const status = await this.backend.syncNow()
    if (status.status === 'ok') this.set(status.data)
    else this.error = status.error
  }

  stop(): void {
    this.live = false
    this.stopListening?.()
    this.stopListening = null
  }

  private set(status: SyncStatus): void {
    this.status = status
  }
}
