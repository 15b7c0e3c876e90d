/**
 * Test helpers that fake the Rust side at the IPC layer, so tests exercise the real
 * `tauriBackend` and generated bindings. Only tests import this file.
 */
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks'
import { emit } from '@tauri-apps/api/event'
import { tick } from 'svelte'
import type {
  Account,
  EmailSent,
  AnalyticsEvent,
  CheckoutStarted,
  CreditPack,
  CreditsChanged,
  AuthChanged,
  AuthState,
  CachedUpload,
  Conversation,
  ConversationPage,
  GalleryConversation,
  GalleryPage,
  GalleryQuery,
  ImageSource,
  OutgoingFile,
  Generation,
  GenerationPage,
  GenerationRequest,
  LibraryChanges,
  InputLimits,
  KnownCode,
  ExportProgress,
  ExportSummary,
  LedgerPage,
  Model,
  PrivacySettings,
  SignInLink,
  StorageInfo,
  SyncStatus,
} from '.'
import { PROGRESS_HEADER } from '.'
import type { AppError, AppError_Serialize, AppInfo, BackendHealth, Language } from './bindings'

export const APP_INFO: AppInfo = { version: '0.1.0', api_url: 'http://127.0.0.1:8787', privacy_contact: 'ljj231428@gmail.com' }
export const NATIVE_HEALTH: BackendHealth = { version: '0.3.2', runtime: 'native', latency_ms: 12 }
export const WORKER_HEALTH: BackendHealth = { version: '0.3.2', runtime: 'worker', latency_ms: 87 }
export const OFFLINE: AppError = { code: 'offline', message: 'error sending request: connection refused' }

export const ADA: Account = {
  id: 'usr_0123456789abcdef',
  email: 'ada@example.com',
  display_name: 'Ada Lovelace',
  auth_provider: 'email',
  created_at: Date.UTC(2026, 0, 15, 9, 30),
}
export const SIGNED_OUT: AuthState = { account: null, storage: { kind: 'keychain' }, unsaved: null }
export const SIGNED_IN: AuthState = { account: ADA, storage: { kind: 'keychain' }, unsaved: null }
export const STORE_UNAVAILABLE: AuthState = {
  account: null,
  storage: { kind: 'unavailable', reason: 'Platform secure storage failure: no Secret Service' },
  unsaved: null,
}
export const EMAIL_SENT: EmailSent = { expires_in_seconds: 600, resend_after_seconds: 30 }

type Handler<Args extends unknown[], T> = (...args: Args) => T | Promise<T>

export type CommandMocks = {
  /** Return the value, or throw an `AppError` (or anything) to make the command fail. */
  appInfo?: Handler<[], AppInfo>
  checkBackend?: Handler<[], BackendHealth>
  authState?: Handler<[], AuthState>
  startSignIn?: Handler<[email: string, language: Language], EmailSent>
  verifyCode?: Handler<[email: string, code: string], AuthState>
  verifyLinkToken?: Handler<[token: string], AuthState>
  updateDisplayName?: Handler<[displayName: string | null], AuthState>
  startEmailChange?: Handler<[email: string, language: Language], EmailSent>
  confirmEmailChange?: Handler<[code: string], AuthState>
  signOut?: Handler<[], AuthState>
  signOutEverywhere?: Handler<[], AuthState>
  useMemorySession?: Handler<[], AuthState>
  retryCredentialStore?: Handler<[], AuthState>
  listModels?: Handler<[], Model[]>
  listConversations?: Handler<[cursor: string | null], ConversationPage>
  createConversation?: Handler<[title: string | null], Conversation>
  renameConversation?: Handler<[id: string, title: string], Conversation>
  deleteConversation?: Handler<[id: string], null>
  createGeneration?: Handler<[request: GenerationRequest], Generation>
  getGeneration?: Handler<[id: string], Generation>
  listGenerations?: Handler<[conversationId: string, cursor: string | null], GenerationPage>
  creditsBalance?: Handler<[], number>
  creditsLedger?: Handler<[cursor: string | null], LedgerPage>
  creditPacks?: Handler<[], CreditPack[]>
  buyCredits?: Handler<[pack: string], CheckoutStarted>
  galleryPage?: Handler<[query: GalleryQuery, offset: number, limit: number], GalleryPage>
  galleryConversations?: Handler<[], GalleryConversation[]>
  imageSources?: Handler<[imageId: string], ImageSource[]>
  prepareDragOut?: Handler<[imageId: string], OutgoingFile>
  setFavourite?: Handler<[imageIds: string[], favourite: boolean], null>
  deleteImages?: Handler<[imageIds: string[]], null>
  syncStatus?: Handler<[], SyncStatus>
  syncNow?: Handler<[], SyncStatus>
  storageInfo?: Handler<[], StorageInfo>
  setStorageBudget?: Handler<[bytes: number], StorageInfo>
  clearCache?: Handler<[], StorageInfo>
  openCacheFolder?: Handler<[], null>
  copyImage?: Handler<[imageId: string], null>
  saveImageAs?: Handler<[imageId: string], boolean>
  privacySettings?: Handler<[], PrivacySettings>
  setAnalyticsConsent?: Handler<[granted: boolean], PrivacySettings>
  trackEvent?: Handler<[event: AnalyticsEvent], null>
  exportData?: Handler<[], ExportSummary | null>
  cancelExport?: Handler<[], null>
  exportSelected?: Handler<[imageIds: string[]], ExportSummary | null>
  cancelExportSelected?: Handler<[], null>
  deleteAccount?: Handler<[], AuthState>
  /** The image's bytes; call `progress` to move the chip's bar as Rust would. */
  uploadImage?: Handler<[bytes: Uint8Array, progress: (sent: number, total: number) => void], CachedUpload>
  inputLimits?: Handler<[], InputLimits>

  /** The notification plugin: allowed (`null`: not decided yet), what asking answers, a notice shown. */
  notificationGranted?: Handler<[], boolean | null>
  requestNotificationPermission?: Handler<[], NotificationPermissionState>
  notify?: Handler<[options: NotificationOptions], null>
}

/** What the notification plugin's `request_permission` answers. */
export type NotificationPermissionState = 'granted' | 'denied' | 'prompt' | 'prompt-with-rationale'
/** What the notification plugin's `notify` receives. */
export type NotificationOptions = { title: string; body?: string }

/**
 * What the notification plugin's script (injected by Rust before the page) does: a
 * `window.Notification` whose permission and notices go through `plugin:notification|…`.
 */
function installNotificationScript(): void {
  let permission: NotificationPermission = 'default'
  const invoke = (cmd: string, args?: Record<string, unknown>) =>
    (window as unknown as { __TAURI_INTERNALS__: { invoke: (c: string, a?: unknown) => Promise<unknown> } }).__TAURI_INTERNALS__.invoke(cmd, args)
  const Notification = function (title: string, options: Record<string, unknown> = {}) {
    void invoke('plugin:notification|notify', { options: { ...options, title } }).catch(() => {})
  } as unknown as { permission: NotificationPermission; requestPermission: () => Promise<string> }
  Notification.requestPermission = async () => {
    const state = (await invoke('plugin:notification|request_permission')) as string
    permission = state === 'prompt' || state === 'prompt-with-rationale' ? 'default' : (state as NotificationPermission)
    return state
  }
  Object.defineProperty(Notification, 'permission', { get: () => permission, configurable: true })
  Object.defineProperty(window, 'Notification', { value: Notification, configurable: true, writable: true })
}

/** Models that take images: an edit (1–8 inputs) and a tool (one input, no prompt). */
export const INPUT_MODELS: Model[] = [
  { id: 'nano-banana-edit', display_name: 'Nano Banana Edit', aspect_ratios: ['auto', '1:1'], cost_per_image: 5, kind: 'edit', min_input_images: 1, max_input_images: 8, prompt: 'required', variation_model: 'nano-banana-edit' },
  { id: 'upscale-2x', display_name: 'Upscale 2×', aspect_ratios: ['auto'], cost_per_image: 3, kind: 'tool', min_input_images: 1, max_input_images: 1, prompt: 'none', variation_model: null },
]

/** The service's limits on inputs. */
export const INPUT_LIMITS: InputLimits = { max_upload_bytes: 10 * 1024 * 1024, max_upload_pixels: 4096 * 4096, max_input_images: 8 }

/** An upload as `upload_image` answers it, numbered `n`. */
export function cachedUpload(n: number, extra: Partial<CachedUpload> = {}): CachedUpload {
  const hex = n.toString(16).padStart(32, '0')
  return {
    id: `a${hex.slice(1)}`,
    width: 640,
    height: 480,
    content_type: 'image/png',
    sha256: hex.repeat(2),
    thumbnail_sha256: hex.repeat(2),
    created_at: Date.UTC(2026, 10, 24),
    thumbnail_cached: true,
    ...extra,
  }
}

export const MODELS: Model[] = [
  { id: 'nano-banana', display_name: 'Nano Banana', aspect_ratios: ['1:1', '16:9', '9:16'], cost_per_image: 4, kind: 'text_to_image', min_input_images: 0, max_input_images: 0, prompt: 'required', variation_model: null },
  { id: 'seedream', display_name: 'Seedream', aspect_ratios: ['1:1', '4:3'], cost_per_image: 6, kind: 'text_to_image', min_input_images: 0, max_input_images: 0, prompt: 'required', variation_model: null },
]

/** What a service that sells credits offers. */
export const PACKS: CreditPack[] = [
  { id: 'starter', credits: 100, price: { cents: 500, currency: 'USD' } },
  { id: 'studio', credits: 500, price: { cents: 2000, currency: 'USD' } },
  { id: 'pro', credits: 2000, price: { cents: 6000, currency: 'USD' } },
]

export const GENERATION: Generation = {
  id: '0123456789abcdef0123456789abcdef',
  conversation_id: 'c0000000000000000000000000000001',
  prompt: 'a lighthouse at dusk',
  model: 'nano-banana',
  aspect_ratio: '1:1',
  count: 2,
  cost: 8,
  status: 'queued',
  input_images: [],
  images: [],
  failure_code: null,
  created_at: Date.UTC(2026, 10, 24, 7, 0),
  updated_at: Date.UTC(2026, 10, 24, 7, 0),
}

/**
 * Answers the commands that have a handler; other commands reject as Tauri does. Events work,
 * and so does the notification plugin's `window.Notification`.
 */
export function mockCommands(mocks: CommandMocks): void {
  installNotificationScript()
  mockIPC(
    async (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>
      const call = (): unknown => {
        switch (cmd) {
          case 'app_info':
            return mocks.appInfo?.()
          case 'check_backend':
            return mocks.checkBackend?.()
          case 'auth_state':
            return mocks.authState?.()
          case 'start_sign_in':
            return mocks.startSignIn?.(args.email as string, args.language as Language)
          case 'verify_code':
            return mocks.verifyCode?.(args.email as string, args.code as string)
          case 'verify_link_token':
            return mocks.verifyLinkToken?.(args.token as string)
          case 'update_display_name':
            return mocks.updateDisplayName?.(args.displayName as string | null)
          case 'start_email_change':
            return mocks.startEmailChange?.(args.email as string, args.language as Language)
          case 'confirm_email_change':
            return mocks.confirmEmailChange?.(args.code as string)
          case 'sign_out':
            return mocks.signOut?.()
          case 'sign_out_everywhere':
            return mocks.signOutEverywhere?.()
          case 'use_memory_session':
            return mocks.useMemorySession?.()
          case 'retry_credential_store':
            return mocks.retryCredentialStore?.()
          case 'list_models':
            return mocks.listModels?.()
          case 'list_conversations':
            return mocks.listConversations?.((args.cursor ?? null) as string | null)
          case 'create_conversation':
            return mocks.createConversation?.((args.title ?? null) as string | null)
          case 'rename_conversation':
            return mocks.renameConversation?.(args.id as string, args.title as string)
          case 'delete_conversation':
            return mocks.deleteConversation?.(args.id as string)
          case 'create_generation':
            return mocks.createGeneration?.(args.request as GenerationRequest)
          case 'get_generation':
            return mocks.getGeneration?.(args.id as string)
          case 'list_generations':
            return mocks.listGenerations?.(args.conversationId as string, (args.cursor ?? null) as string | null)
          case 'credits_balance':
            return mocks.creditsBalance?.()
          case 'credits_ledger':
            return mocks.creditsLedger?.((args.cursor ?? null) as string | null)
          case 'credit_packs':
            return mocks.creditPacks?.()
          case 'buy_credits':
            return mocks.buyCredits?.(args.pack as string)
          case 'gallery_page':
            return mocks.galleryPage?.(args.query as GalleryQuery, args.offset as number, args.limit as number)
          case 'gallery_conversations':
            return mocks.galleryConversations?.()
          case 'image_sources':
            return mocks.imageSources?.(args.imageId as string)
          case 'prepare_drag_out':
            return mocks.prepareDragOut?.(args.imageId as string)
          case 'set_favourite':
            return mocks.setFavourite?.(args.imageIds as string[], args.favourite as boolean)
          case 'delete_images':
            return mocks.deleteImages?.(args.imageIds as string[])
          case 'sync_status':
            return mocks.syncStatus?.()
          case 'sync_now':
            return mocks.syncNow?.()
          case 'storage_info':
            return mocks.storageInfo?.()
          case 'set_storage_budget':
            return mocks.setStorageBudget?.(args.bytes as number)
          case 'clear_cache':
            return mocks.clearCache?.()
          case 'open_cache_folder':
            return mocks.openCacheFolder?.()
          case 'copy_image':
            return mocks.copyImage?.(args.imageId as string)
          case 'save_image_as':
            return mocks.saveImageAs?.(args.imageId as string)
          case 'privacy_settings':
            return mocks.privacySettings?.()
          case 'set_analytics_consent':
            return mocks.setAnalyticsConsent?.(args.granted as boolean)
          case 'track_event':
            return mocks.trackEvent?.(args.event as AnalyticsEvent)
          case 'export_data':
            return mocks.exportData?.()
          case 'cancel_export':
            return args.kind === 'selected' ? mocks.cancelExportSelected?.() : mocks.cancelExport?.()
          case 'export_selected':
            return mocks.exportSelected?.(args.imageIds as string[])
          case 'delete_account':
            return mocks.deleteAccount?.()
          case 'upload_image':
            return mocks.uploadImage?.(payload as unknown as Uint8Array, progressTo(lastHeaders[PROGRESS_HEADER]))
          case 'input_limits':
            return mocks.inputLimits?.()
          case 'plugin:notification|is_permission_granted':
            return mocks.notificationGranted?.()
          case 'plugin:notification|request_permission':
            return mocks.requestNotificationPermission?.()
          case 'plugin:notification|notify':
            return mocks.notify?.(args.options as NotificationOptions)
        }
        return undefined
      }
      const result = await call()
      // What Tauri itself rejects with for a command that does not exist: a plain string.
      if (result === undefined) throw `command ${cmd} not found`
      return result
    },
    { shouldMockEvents: true },
  )
  // `mockIPC` drops the options of a call; the upload's progress channel is named in a header.
  const internals = (window as unknown as { __TAURI_INTERNALS__: TauriInternals }).__TAURI_INTERNALS__
  const mocked = internals.invoke
  internals.invoke = (cmd, args, options) => {
    lastHeaders = (options?.headers ?? {}) as Record<string, string>
    return mocked(cmd, args, options)
  }
}

type TauriInternals = {
  invoke: (cmd: string, args?: unknown, options?: { headers?: unknown }) => Promise<unknown>
  runCallback: (id: number, data: unknown) => void
}

let lastHeaders: Record<string, string> = {}

/** What a Rust `Channel` named `__CHANNEL__:<id>` does when it sends: the message, in order. */
function progressTo(channel: string | undefined): (sent: number, total: number) => void {
  const id = Number(channel?.split(':')[1])
  let index = 0
  return (sent, total) => {
    if (!Number.isFinite(id)) return
    const internals = (window as unknown as { __TAURI_INTERNALS__: TauriInternals }).__TAURI_INTERNALS__
    internals.runCallback(id, { message: { sent, total }, index: index++ })
  }
}

/** Rust emitting `auth-changed`. */
export async function emitAuthChanged(event: AuthChanged): Promise<void> {
  await emit('auth-changed', event)
}

/** Rust emitting `sign-in-link`. */
export async function emitSignInLink(event: SignInLink): Promise<void> {
  await emit('sign-in-link', event)
}

/** Rust emitting `sync-changed`. */
export async function emitSyncChanged(status: SyncStatus): Promise<void> {
  await emit('sync-changed', status)
}

/** A sync pass that changed nothing: the base of a `library-changed` event. */
export const NOTHING_CHANGED: LibraryChanges = {
  conversations: false,
  generations: false,
  images: false,
  uploads: false,
  credits: false,
  finished_generations: [],
  more_finished: false,
}

/** Rust emitting `library-changed`. */
export async function emitLibraryChanged(changes: LibraryChanges): Promise<void> {
  await emit('library-changed', changes)
}

/**
 * Rust emitting `library-changed` for generations that finished on the service (what the live
 * sync tells when their images reached the cache); none named: one only moved on (say, queued to
 * generating).
 */
export async function emitGenerationsChanged(...finished: string[]): Promise<void> {
  await emitLibraryChanged({ ...NOTHING_CHANGED, generations: true, images: finished.length > 0, finished_generations: finished })
}

/** Rust emitting `credits-changed`. */
export async function emitCreditsChanged(event: CreditsChanged): Promise<void> {
  await emit('credits-changed', event)
}

/** Rust emitting `export-progress` (without a `kind`: the data export's, as the UI reads it). */
export async function emitExportProgress(progress: Omit<ExportProgress, 'kind'> & Partial<Pick<ExportProgress, 'kind'>>): Promise<void> {
  await emit('export-progress', progress)
}

/** First launch: analytics on offer, not decided yet; error reports configured. */
export const PRIVACY_UNDECIDED: PrivacySettings = { analytics: 'undecided', analytics_available: true, error_reports_enabled: true }

export const SYNC_IDLE: SyncStatus = { state: 'idle', pending_changes: 0, progress: null, last_synced_at: null, error_code: null }

/** A cached image, numbered `n` (newest first when `n` is smallest), for gallery tests. */
export function galleryItem(n: number, extra: Partial<GalleryPage['items'][number]> = {}): GalleryPage['items'][number] {
  const hex = n.toString(16).padStart(32, '0')
  return {
    image_id: hex,
    generation_id: `g${hex.slice(1)}`,
    conversation_id: 'c0000000000000000000000000000001',
    conversation_title: 'Lighthouses',
    prompt: `a lighthouse at dusk #${n}`,
    model: 'nano-banana',
    aspect_ratio: '1:1',
    width: 1024,
    height: 1024,
    bytes: 250_000,
    content_type: 'image/png',
    favourite: false,
    created_at: Date.UTC(2026, 10, 24) - n * 60_000,
    credits: 4,
    original_cached: true,
    ...extra,
  }
}

/** An error as Rust sends it, to throw from a handler or put in an event. */
export function appError(code: KnownCode, extra: Partial<AppError_Serialize> = {}): AppError_Serialize {
  return { code, message: `${code} (from the fake service)`, ...extra }
}

/** Undoes `mockCommands`. */
export function clearCommandMocks(): void {
  clearMocks()
  delete (window as { Notification?: unknown }).Notification
}

/** Lets promises and Svelte's updates run `rounds` times: what a test awaits after an action. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await Promise.resolve()
    await tick()
  }
}
