/**
 * The one seam between the interface and Rust.
 *
 * Nothing outside `src/lib/backend/` imports `@tauri-apps/*` or the generated bindings: the rest
 * of the UI depends on the `Backend` interface, which a test can replace. Every method resolves
 * to a `Result` and never rejects, so callers decide on `error.code`, never on message text.
 */
import {
  commands,
  type AppError,
  type AppInfo,
  type BackendHealth,
  type ErrorCode,
  type Runtime,
} from './bindings'

export type { AppError, AppInfo, BackendHealth, ErrorCode, Runtime }

export type Result<T, E = AppError> = { status: 'ok'; data: T } | { status: 'error'; error: E }

export interface Backend {
  /** The app's own version and the service URL it talks to. */
  appInfo(): Promise<Result<AppInfo>>
  /** Asks the Atelier service whether it is up; `offline` when it cannot be reached. */
  checkBackend(): Promise<Result<BackendHealth>>
}

/**
 * Turns whatever a failed IPC call produced into `{ code, message }`.
 *
 * Rust's commands reject with an `AppError`; Tauri itself rejects with a plain string (a missing
 * command, a denied permission) or an `Error` (no Tauri runtime at all). Those become `unknown`.
 * A code this build does not know yet is passed through untouched: the UI shows its generic
 * message for it.
 */
export function toAppError(thrown: unknown): AppError {
  if (typeof thrown === 'object' && thrown !== null && 'code' in thrown) {
    const { code, message } = thrown as { code: unknown; message?: unknown }
    if (typeof code === 'string' && code.length > 0) {
      return { code: code as ErrorCode, message: typeof message === 'string' ? message : '' }
    }
  }
  if (thrown instanceof Error) return { code: 'unknown', message: thrown.message }
  return { code: 'unknown', message: typeof thrown === 'string' ? thrown : String(thrown) }
}

async function attempt<T>(call: () => Promise<T>): Promise<Result<T>> {
  try {
    return { status: 'ok', data: await call() }
  } catch (thrown) {
    return { status: 'error', error: toAppError(thrown) }
  }
}

/** The real backend: the Rust commands of the Tauri shell. */
export const tauriBackend: Backend = {
  appInfo: () => attempt(() => commands.appInfo()),
  async checkBackend() {
    const result = await attempt(() => commands.checkBackend())
    if (result.status === 'error') return result
    const inner = result.data
    return inner.status === 'ok' ? inner : { status: 'error', error: toAppError(inner.error) }
  },
}
