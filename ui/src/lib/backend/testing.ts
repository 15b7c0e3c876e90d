/**
 * Test helpers that fake the Rust side at the IPC layer, so tests exercise the real
 * `tauriBackend` and generated bindings. Only tests import this file.
 */
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks'
import type { AppError, AppInfo, BackendHealth } from './bindings'

export const APP_INFO: AppInfo = { version: '0.1.0', api_url: 'http://127.0.0.1:8787' }
export const NATIVE_HEALTH: BackendHealth = { version: '0.3.2', runtime: 'native', latency_ms: 12 }
export const WORKER_HEALTH: BackendHealth = { version: '0.3.2', runtime: 'worker', latency_ms: 87 }
export const OFFLINE: AppError = { code: 'offline', message: 'error sending request: connection refused' }

export type CommandMocks = {
  /** Return the value, or throw an `AppError` (or anything) to make the command fail. */
  appInfo?: () => AppInfo | Promise<AppInfo>
  checkBackend?: () => BackendHealth | Promise<BackendHealth>
}

/** Answers `app_info` and `check_backend` with the given handlers; other commands reject. */
export function mockCommands(mocks: CommandMocks): void {
  mockIPC(async (cmd) => {
    switch (cmd) {
      case 'app_info':
        if (mocks.appInfo) return mocks.appInfo()
        break
      case 'check_backend':
        if (mocks.checkBackend) return mocks.checkBackend()
        break
    }
    // What Tauri itself rejects with for a command that does not exist: a plain string.
    throw `command ${cmd} not found`
  })
}

export { clearMocks as clearCommandMocks }
