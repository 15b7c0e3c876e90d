/**
 * The privacy commands (issue 6) as their contract says, until `cargo xtask bindings` carries
 * them: then `index.ts` calls `commands.*` / `events.*` from the bindings and this file goes.
 * Same names, arguments and shapes as the Rust side, and the same `{status, data|error}` answer.
 */
import { invoke } from '@tauri-apps/api/core'
import { listen } from '@tauri-apps/api/event'
import type { AppError_Serialize, AuthState_Serialize } from './bindings'

export type AnalyticsConsent = 'undecided' | 'granted' | 'denied'

export type PrivacySettings = {
  analytics: AnalyticsConsent
  /** Built with a PostHog key: without one there is nothing to consent to. */
  analytics_available: boolean
  /** Built with a Sentry DSN (they never carry email, IP, hostname, prompt or home-folder path). */
  error_reports_enabled: boolean
}

export type ExportSummary = { path: string; images: number; bytes: number }
export type ExportProgress = { done: number; total: number; stage: string }

type Answer<T> = { status: 'ok'; data: T } | { status: 'error'; error: AppError_Serialize }

async function typedError<T>(call: Promise<T>): Promise<Answer<T>> {
  try {
    return { status: 'ok', data: await call }
  } catch (error) {
    if (error instanceof Error) throw error
    return { status: 'error', error: error as AppError_Serialize }
  }
}

export const privacyCommands = {
  privacySettings: () => typedError(invoke<PrivacySettings>('privacy_settings')),
  setAnalyticsConsent: (granted: boolean) => typedError(invoke<PrivacySettings>('set_analytics_consent', { granted })),
  exportData: () => typedError(invoke<ExportSummary | null>('export_data')),
  cancelExport: () => typedError(invoke<null>('cancel_export')),
  deleteAccount: () => typedError(invoke<AuthState_Serialize>('delete_account')),
  exportProgress: {
    listen: (handler: (event: { payload: ExportProgress }) => void) => listen<ExportProgress>('export-progress', handler),
  },
}
