/**
 * OS notifications through Tauri's notification plugin.
 *
 * The plugin's script (injected by Rust before the page loads) replaces `window.Notification`
 * with one that invokes `plugin:notification|…`; its JavaScript API goes through that. The OS
 * permission is asked for once per window: refused, nothing is ever shown and nothing is asked
 * again. Nothing here rejects: without the plugin (or the permission) a notice is simply not shown.
 */
import { isPermissionGranted, requestPermission, sendNotification } from '@tauri-apps/plugin-notification'

export type Notifier = {
  /** Shows `title` and `body` as an OS notification; `false` when it was not shown. */
  notify(title: string, body: string): Promise<boolean>
}

/** A notifier with its own memory of the permission (one per window; tests make their own). */
export function osNotifier(): Notifier {
  let allowed: Promise<boolean> | null = null
  const permission = async (): Promise<boolean> => {
    if (await isPermissionGranted()) return true
    return (await requestPermission()) === 'granted'
  }
  return {
    async notify(title, body) {
      allowed ??= permission().catch(() => false)
      if (!(await allowed)) return false
      try {
        sendNotification({ title, body })
        return true
      } catch {
        return false
      }
    },
  }
}
