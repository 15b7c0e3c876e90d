// What the fakes in ipcMock.mjs put on the page's window, for the type checker (see tsconfig.json).
export {}

declare global {
  interface Window {
    /** The fake Tauri IPC: the scenario's script, and what it recorded (installTauriIpcMock). */
    __ATELIER_IPC__: any
    /** The fake gallery's commands and state (installMockGallery). */
    __ATELIER_GALLERY__: any
    /** The fake privacy settings' commands (installMockPrivacy). */
    __ATELIER_PRIVACY__: any
    /** What `@tauri-apps/api/core` reads (installTauriIpcMock). */
    __TAURI_INTERNALS__: any
    __TAURI_EVENT_PLUGIN_INTERNALS__: any
  }
}
