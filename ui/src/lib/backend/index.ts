/**
 * The one seam between the interface and Rust.
 *
 * Nothing outside `src/lib/backend/` imports `@tauri-apps/*` or the generated bindings: the rest
 * of the UI depends on the `Backend` interface, which a test can replace. Every method resolves
 * to a `Result` and never rejects, so callers decide on `error.code`, never on message text.
 */
import { Channel, invoke } from '@tauri-apps/api/core'
import {
  commands,
  events,
  type CachedUpload,
  type Limits,
  type UploadProgress,
  type User_Serialize,
  type AppError,
  type AnalyticsConsent,
  type AnalyticsEvent,
  type AppInfo,
  type ExportKind,
  type ExportProgress,
  type ExportStage,
  type ExportSummary,
  type PrivacySettings,
  type AuthChanged_Serialize,
  type AuthChangeReason,
  type AuthState_Serialize,
  type BackendHealth,
  type Code_Serialize,
  type Conversation,
  type ConversationPage_Serialize,
  type GalleryConversation,
  type GalleryItem,
  type GalleryPage,
  type GalleryQuery_Serialize,
  type ImageSource,
  type OutgoingFile,
  type StorageInfo,
  type SyncProgress,
  type SyncState,
  type SyncStatus_Serialize,
  type GeneratedImage,
  type GenerationRequest_Deserialize,
  type GenerationPage_Serialize,
  type GenerationStatus,
  type FailureCode_Serialize,
  type Generation_Serialize,
  type CheckoutStarted,
  type CreditPack,
  type CreditsChanged,
  type LibraryChanges,
  type LedgerEntry_Serialize,
  type LedgerKind,
  type Money,
  type LedgerPage_Serialize,
  type Model,
  type SignInStarted,
  type ErrorCode,
  type Language,
  type Runtime,
  type Storage,
  type SignInLink_Serialize,
} from './bindings'
import { osNotifier } from './notifications'

export type { AppError, AppInfo, AuthChangeReason, BackendHealth, ErrorCode, Language, Runtime }
/** The answer to "email me a code": when it expires, when another may be asked for. */
export type EmailSent = SignInStarted
/** Where the session is kept. */
export type SessionStorage = Storage
export type { Conversation, GeneratedImage, GenerationStatus, LedgerKind, Model }
export type { CheckoutStarted, CreditPack, CreditsChanged, Money }
export type LedgerEntry = LedgerEntry_Serialize
export type ConversationPage = ConversationPage_Serialize
export type Generation = Generation_Serialize
/** Why a generation failed; a code the service knows and this build does not is `other`. */
export type FailureCode = FailureCode_Serialize
export type GenerationPage = GenerationPage_Serialize
export type GenerationRequest = GenerationRequest_Deserialize
export type LedgerPage = LedgerPage_Serialize
export type { GalleryConversation, GalleryItem, GalleryPage, ImageSource, OutgoingFile, StorageInfo, SyncProgress, SyncState }
export type GalleryQuery = GalleryQuery_Serialize
export type SyncStatus = SyncStatus_Serialize
export type { LibraryChanges }
export type { AnalyticsConsent, AnalyticsEvent, ExportKind, ExportProgress, ExportStage, ExportSummary, PrivacySettings }
export type { CachedUpload, UploadProgress }
/** What the composer checks before it sends anything (the service decides in the end). */
export type InputLimits = Pick<Limits, 'max_upload_bytes' | 'max_upload_pixels' | 'max_input_images'>

/** What Rust sends (its serialized shapes). */
/** The signed-in person. */
export type Account = User_Serialize
export type AuthState = AuthState_Serialize
export type AuthChanged = AuthChanged_Serialize
export type SignInLink = SignInLink_Serialize
/** Every code this build knows, the service's and the desktop's own: exhaustive, no `string`. */
export type KnownCode = Code_Serialize

export type Result<T, E = AppError> = { status: 'ok'; data: T } | { status: 'error'; error: E }

/** Stops listening. */
export type Unlisten = () => void

export interface Backend {
  /** The app's own version and the service URL it talks to. */
  appInfo(): Promise<Result<AppInfo>>
  /** Asks the Atelier service whether it is up; `offline` when it cannot be reached. */
  checkBackend(): Promise<Result<BackendHealth>>

  /** Who is signed in and where the session is kept (the first call reads the OS keychain). */
  authState(): Promise<Result<AuthState>>
  /** Emails a six-digit code and a sign-in link, written in `language`. */
  startSignIn(email: string, language: Language): Promise<Result<EmailSent>>
  /** Signs in with the emailed code; `invalid_code` carries `attempts_left`. */
  verifyCode(email: string, code: string): Promise<Result<AuthState>>
  /** Signs in with a magic link's token (or the whole `atelier://auth?token=…` link). */
  verifyLinkToken(token: string): Promise<Result<AuthState>>
  /** Sets the display name; `null` clears it. */
  updateDisplayName(displayName: string | null): Promise<Result<AuthState>>
  /**
   * Emails a code to `email` (written in `language`) that moves the signed-in account there. The
   * answer is the same whether or not the address already has an account: never say which.
   */
  startEmailChange(email: string, language: Language): Promise<Result<EmailSent>>
  /**
   * Confirms the change with the code from the new address; the session stays signed in and the
   * state shows the new email. `invalid_code` carries `attempts_left`; `email_in_use`: the
   * address was taken meanwhile and nothing changed.
   */
  confirmEmailChange(code: string): Promise<Result<AuthState>>
  signOut(): Promise<Result<AuthState>>
  signOutEverywhere(): Promise<Result<AuthState>>
  /** The explicit choice when the OS keychain is unavailable: signed in until the app quits. */
  useMemorySession(): Promise<Result<AuthState>>
  /** Tries the OS keychain again. */
  retryCredentialStore(): Promise<Result<AuthState>>

  /**
   * Uploads an image (PNG, JPEG or WebP bytes) to work from and keeps it in the cache with its
   * thumbnail; `onProgress` hears how much has gone. The same bytes again are the same upload.
   */
  uploadImage(bytes: Uint8Array, onProgress: (progress: UploadProgress) => void): Promise<Result<CachedUpload>>
  /** The limits on input images (size, pixels, how many): the service's, this build's offline. */
  inputLimits(): Promise<Result<InputLimits>>

  /** The models on offer, their aspect ratios and prices. */
  listModels(): Promise<Result<Model[]>>
  listConversations(cursor: string | null): Promise<Result<ConversationPage>>
  createConversation(title: string | null): Promise<Result<Conversation>>
  renameConversation(id: string, title: string): Promise<Result<Conversation>>
  /** Deletes a conversation with its generations and images. */
  deleteConversation(id: string): Promise<Result<null>>
  /** Starts a generation; the same `idempotency_key` again is charged once. */
  createGeneration(request: GenerationRequest): Promise<Result<Generation>>
  getGeneration(id: string): Promise<Result<Generation>>
  /** One page of a conversation's generations, newest first; `next_cursor` pages to older ones. */
  listGenerations(conversationId: string, cursor: string | null): Promise<Result<GenerationPage>>
  /** Credits left: the service's, or offline as last synced. */
  creditsBalance(): Promise<Result<number>>
  /** One page of the ledger, newest first (offline: as last synced). */
  creditsLedger(cursor: string | null): Promise<Result<LedgerPage>>
  /** The packs on sale; empty when this service sells no credits. */
  creditPacks(): Promise<Result<CreditPack[]>>
  /**
   * Opens a checkout for `pack` in the system browser (`opened: false` when it could not be
   * started: show the address). The credits arrive later, by the service's webhook.
   */
  buyCredits(pack: string): Promise<Result<CheckoutStarted>>
  /** The balance and ledger may have changed (sync brought entries, or a checkout came back). */
  onCreditsChanged(listener: (event: CreditsChanged) => void): Promise<Unlisten>

  /** Rust changed the session by itself (a magic link, an expired session, …). */
  onAuthChanged(listener: (event: AuthChanged) => void): Promise<Unlisten>
  /** A magic link reached the app: it is being checked, or it failed. */
  onSignInLink(listener: (event: SignInLink) => void): Promise<Unlisten>

  /** One window of the cached images matching `query`, newest first, and how many match in all. */
  galleryPage(query: GalleryQuery, offset: number, limit: number): Promise<Result<GalleryPage>>
  /** The conversations the gallery filter offers (from the cache: works offline). */
  galleryConversations(): Promise<Result<GalleryConversation[]>>
  /** What an image was made from (its generation's inputs), from the cache: offline too. */
  imageSources(imageId: string): Promise<Result<ImageSource[]>>
  /** The original as a file other applications can take, for a tile dragged out of the window. */
  prepareDragOut(imageId: string): Promise<Result<OutgoingFile>>
  /** Marks images favourite or not; offline it waits in the outbox. */
  setFavourite(imageIds: string[], favourite: boolean): Promise<Result<null>>
  /** Deletes images (their cached files at once); offline it waits in the outbox. */
  deleteImages(imageIds: string[]): Promise<Result<null>>
  syncStatus(): Promise<Result<SyncStatus>>
  /** Starts a sync now (or joins the running one). */
  syncNow(): Promise<Result<SyncStatus>>
  /** The sync engine's state changed (progress, offline, changes waiting, …). */
  onSyncChanged(listener: (status: SyncStatus) => void): Promise<Unlisten>
  /**
   * A sync pass changed the cache (the live channel brought the service's changes): which kinds
   * of records, and which generations finished. Read again what it names.
   */
  onLibraryChanged(listener: (changes: LibraryChanges) => void): Promise<Unlisten>
  storageInfo(): Promise<Result<StorageInfo>>
  /** How many bytes of originals to keep on this computer. */
  setStorageBudget(bytes: number): Promise<Result<StorageInfo>>
  /** Removes every cached file (they come back from the cloud as needed). */
  clearCache(): Promise<Result<StorageInfo>>
  /** Shows the cache folder in the OS file manager. */
  openCacheFolder(): Promise<Result<null>>
  /** Puts the image itself on the clipboard. */
  copyImage(imageId: string): Promise<Result<null>>
  /** Asks where to save the original and saves it there; `false` when the person cancelled. */
  saveImageAs(imageId: string): Promise<Result<boolean>>

  /** Whether analytics were accepted, declined or not asked yet; whether error reports are on. */
  privacySettings(): Promise<Result<PrivacySettings>>
  /** Accepts (`true`) or declines/withdraws (`false`) analytics; withdrawing stops them at once. */
  setAnalyticsConsent(granted: boolean): Promise<Result<PrivacySettings>>
  /** One of the fixed product events; Rust drops it unless analytics were accepted. Never fails. */
  trackEvent(event: AnalyticsEvent): Promise<void>
  /**
   * Asks where to save, then writes the zip of everything the account holds; `null` when the
   * person closed the save dialog or cancelled the export. Progress comes as `onExportProgress`.
   */
  exportData(): Promise<Result<ExportSummary | null>>
  /** Stops a running export: its `exportData` then answers `null` and its unfinished file is gone. */
  cancelExport(): Promise<Result<null>>
  onExportProgress(listener: (progress: ExportProgress) => void): Promise<Unlisten>
  /**
   * Asks where to save, then writes a zip of the originals of `imageIds`, each a PNG carrying its
   * prompt; `null` when the person closed the save dialog or cancelled. Progress comes as
   * `onSelectedExportProgress`. `originals_unavailable` (with `missing`): offline, and that many
   * originals are not on this computer; nothing was written.
   */
  exportSelected(imageIds: string[]): Promise<Result<ExportSummary | null>>
  /** Stops a running `exportSelected`: it then answers `null` and its unfinished file is gone. */
  cancelExportSelected(): Promise<Result<null>>
  onSelectedExportProgress(listener: (progress: ExportProgress) => void): Promise<Unlisten>
  /**
   * Deletes the account on the service, then this computer's copy and saved sign-in; answers the
   * signed-out state. `offline`: the service was not reached and nothing was deleted.
   */
  deleteAccount(): Promise<Result<AuthState>>

  /**
   * Shows an OS notification, asking for the permission the first time; `false` when it was
   * not shown (refused, or no notification service).
   */
  notify(title: string, body: string): Promise<boolean>
}

/**
 * Turns whatever a failed IPC call produced into `{ code, message }`.
 *
 * Rust's commands reject with an `AppError`; Tauri itself rejects with a plain string (a missing
 * command, a denied permission) or an `Error` (no Tauri runtime at all). Those become `unknown`.
 * A code this build does not know yet is passed through untouched: the UI shows its generic
 * message for it. Optional details (`retry_after_seconds`, `attempts_left`, `missing`) are kept
 * when numeric.
 */
export function toAppError(thrown: unknown): AppError {
  if (typeof thrown === 'object' && thrown !== null && 'code' in thrown) {
    const { code, message, retry_after_seconds, attempts_left, missing } = thrown as Record<string, unknown>
    if (typeof code === 'string' && code.length > 0) {
      const error: AppError = { code: code as ErrorCode, message: typeof message === 'string' ? message : '' }
      if (typeof retry_after_seconds === 'number') error.retry_after_seconds = retry_after_seconds
      if (typeof attempts_left === 'number') error.attempts_left = attempts_left
      if (typeof missing === 'number') error.missing = missing
      return error
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

type Typed<T> = { status: 'ok'; data: T } | { status: 'error'; error: unknown }

/** A command whose Rust side returns `Result`: its error, or any IPC failure, as an `AppError`. */
async function typed<T>(call: () => Promise<Typed<T>>): Promise<Result<T>> {
  const result = await attempt(call)
  if (result.status === 'error') return result
  const inner = result.data
  return inner.status === 'ok' ? inner : { status: 'error', error: toAppError(inner.error) }
}

/**
 * Listening needs the Tauri runtime; without one (or when denied) nothing is heard. Stopping
 * never throws: the window may already be going away.
 */
async function listening<T>(
  listen: (handler: (event: { payload: T }) => void) => Promise<() => unknown>,
  listener: (payload: T) => void,
): Promise<Unlisten> {
  try {
    const stop = await listen((event) => listener(event.payload))
    return () => {
      try {
        void Promise.resolve(stop()).catch(() => {})
      } catch {
        // already gone
      }
    }
  } catch {
    return () => {}
  }
}

/**
 * Passes on the progress of exports of `kind` only. An event without a kind is the data
 * export's: it was the only export before events carried one.
 */
function ofKind(kind: ExportKind, listener: (progress: ExportProgress) => void): (progress: ExportProgress) => void {
  return (progress) => {
    if (((progress.kind as ExportKind | undefined) ?? 'data') === kind) listener(progress)
  }
}

const notifier = osNotifier()

/** Where `upload_image` looks for its progress channel (`commands/uploads.rs`). */
export const PROGRESS_HEADER = 'atelier-progress-channel'

/** The real backend: the Rust commands of the Tauri shell and the plugins it registers. */
export const tauriBackend: Backend = {
  appInfo: () => attempt(() => commands.appInfo()),
  checkBackend: () => typed(() => commands.checkBackend()),
  authState: () => typed(() => commands.authState()),
  startSignIn: (email, language) => typed(() => commands.startSignIn(email, language)),
  verifyCode: (email, code) => typed(() => commands.verifyCode(email, code)),
  verifyLinkToken: (token) => typed(() => commands.verifyLinkToken(token)),
  updateDisplayName: (displayName) => typed(() => commands.updateDisplayName(displayName)),
  startEmailChange: (email, language) => typed(() => commands.startEmailChange(email, language)),
  confirmEmailChange: (code) => typed(() => commands.confirmEmailChange(code)),
  signOut: () => typed(() => commands.signOut()),
  signOutEverywhere: () => typed(() => commands.signOutEverywhere()),
  useMemorySession: () => typed(() => commands.useMemorySession()),
  retryCredentialStore: () => typed(() => commands.retryCredentialStore()),
  uploadImage: (bytes, onProgress) =>
    attempt(() => {
      // The bytes go as the raw IPC body (no JSON array of numbers), so the generated binding,
      // which sends JSON, is not used; the progress channel is named in a header.
      const progress = new Channel<UploadProgress>(onProgress)
      return invoke<CachedUpload>('upload_image', bytes, { headers: { [PROGRESS_HEADER]: progress.toJSON() } })
    }),
  inputLimits: () => typed(() => commands.inputLimits()),
  listModels: () => typed(() => commands.listModels()),
  listConversations: (cursor) => typed(() => commands.listConversations(cursor)),
  createConversation: (title) => typed(() => commands.createConversation(title)),
  renameConversation: (id, title) => typed(() => commands.renameConversation(id, title)),
  deleteConversation: (id) => typed(() => commands.deleteConversation(id)),
  createGeneration: (request) => typed(() => commands.createGeneration(request)),
  getGeneration: (id) => typed(() => commands.getGeneration(id)),
  listGenerations: (conversationId, cursor) => typed(() => commands.listGenerations(conversationId, cursor)),
  creditsBalance: () => typed(() => commands.creditsBalance()),
  creditsLedger: (cursor) => typed(() => commands.creditsLedger(cursor)),
  creditPacks: () => typed(() => commands.creditPacks()),
  buyCredits: (pack) => typed(() => commands.buyCredits(pack)),
  onCreditsChanged: (listener) => listening((h) => events.creditsChanged.listen(h), listener),
  onAuthChanged: (listener) => listening((h) => events.authChanged.listen(h), listener),
  onSignInLink: (listener) => listening((h) => events.signInLink.listen(h), listener),
  galleryPage: (query, offset, limit) => typed(() => commands.galleryPage(query, offset, limit)),
  galleryConversations: () => typed(() => commands.galleryConversations()),
  imageSources: (imageId) => typed(() => commands.imageSources(imageId)),
  prepareDragOut: (imageId) => typed(() => commands.prepareDragOut(imageId)),
  setFavourite: (imageIds, favourite) => typed(() => commands.setFavourite(imageIds, favourite)),
  deleteImages: (imageIds) => typed(() => commands.deleteImages(imageIds)),
  syncStatus: () => typed(() => commands.syncStatus()),
  syncNow: () => typed(() => commands.syncNow()),
  onSyncChanged: (listener) => listening((h) => events.syncChanged.listen(h), listener),
  onLibraryChanged: (listener) => listening((h) => events.libraryChanged.listen(h), listener),
  storageInfo: () => typed(() => commands.storageInfo()),
  setStorageBudget: (bytes) => typed(() => commands.setStorageBudget(bytes)),
  clearCache: () => typed(() => commands.clearCache()),
  openCacheFolder: () => typed(() => commands.openCacheFolder()),
  copyImage: (imageId) => typed(() => commands.copyImage(imageId)),
  saveImageAs: (imageId) => typed(() => commands.saveImageAs(imageId)),
  privacySettings: () => attempt(() => commands.privacySettings()),
  setAnalyticsConsent: (granted) => typed(() => commands.setAnalyticsConsent(granted)),
  // Analytics are best effort: a failure is nobody's business but Rust's log.
  trackEvent: (event) => attempt(() => commands.trackEvent(event)).then(() => undefined),
  exportData: () => typed(() => commands.exportData()),
  cancelExport: () => typed(() => commands.cancelExport('data')),
  // One event for every export, tagged with its kind: each listener hears its own.
  onExportProgress: (listener) => listening((h) => events.exportProgress.listen(h), ofKind('data', listener)),
  exportSelected: (imageIds) => typed(() => commands.exportSelected(imageIds)),
  cancelExportSelected: () => typed(() => commands.cancelExport('selected')),
  onSelectedExportProgress: (listener) => listening((h) => events.exportProgress.listen(h), ofKind('selected', listener)),
  deleteAccount: () => typed(() => commands.deleteAccount()),
  notify: (title, body) => notifier.notify(title, body),
}

/**
 * Where the webview loads an image from: the app's `img` scheme, which Rust serves with the
 * session (`img://localhost/…` on Linux and macOS, `http://img.localhost/…` on Windows).
 * `grid` is the thumbnail at a tile's size (256 px), `thumbnail` the 512 px one.
 */
export function imageUrl(id: string, variant: 'grid' | 'thumbnail' | 'original'): string {
  const windows = typeof navigator !== 'undefined' && /Windows/.test(navigator.userAgent)
  const base = windows ? 'http://img.localhost' : 'img://localhost'
  return `${base}/${variant}/${encodeURIComponent(id)}`
}

/** A fresh Idempotency-Key for one user action (reused when that action is retried). */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
