// Drives the built UI in Debian's Chromium with the Tauri IPC faked, one scenario per fresh
// browser profile, and saves a screenshot of each to <repo>/target/screenshots/ui-<name>.png.
//
//   npm run test:browser            all scenarios
//   npm run test:browser -- zh-CN   only the scenarios whose name contains "zh-CN"
//
// It builds `dist/`, serves it with `vite preview` (which sends the app's strict CSP), and
// stops everything it started before it exits. Exit status 1 when any scenario fails.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'
import { chromium } from 'playwright-core'

const uiDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const repoDir = resolve(uiDir, '..')
const screenshotDir = join(repoDir, 'target', 'screenshots')
const viteBin = join(uiDir, 'node_modules', '.bin', 'vite')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const TIMEOUT_MS = 10_000

const APP_INFO = { version: '0.1.0', api_url: 'http://127.0.0.1:8787', privacy_contact: 'ljj231428@gmail.com' }
const NATIVE = { version: '0.3.2', runtime: 'native', latency_ms: 12 }
const WORKER = { version: '0.3.2', runtime: 'worker', latency_ms: 87 }
const OFFLINE = { code: 'offline', message: 'error sending request for url (http://127.0.0.1:8787/v1/health)' }

const ADA = { id: 'usr_0123456789abcdef', email: 'ada@example.com', display_name: 'Ada Lovelace', created_at: Date.UTC(2026, 0, 15, 9, 30) }
const SIGNED_OUT = { account: null, storage: { kind: 'keychain' }, unsaved: null }
const SIGNED_IN = { account: ADA, storage: { kind: 'keychain' }, unsaved: null }
const STORE_UNAVAILABLE = {
  account: null,
  storage: { kind: 'unavailable', reason: 'Platform secure storage failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files' },
  unsaved: null,
}
const EMAIL_SENT = { expires_in_seconds: 600, resend_after_seconds: 30 }
// Ada's account after correcting its email (a long address, to see it wrap in a narrow window).
const MOVED = { ...SIGNED_IN, account: { ...ADA, email: 'ada@lovelace.org' } }
const MOVED_LONG = { ...SIGNED_IN, account: { ...ADA, email: 'augusta.ada.king.countess.of.lovelace@analytical-engine.example.org' } }
const PRIVACY_UNDECIDED = { analytics: 'undecided', analytics_available: true, error_reports_enabled: true }
// The studio: models, a generation going from queued to done, the ledger.
const MODELS = [
  { id: 'nano-banana', display_name: 'Nano Banana', aspect_ratios: ['1:1', '16:9', '9:16'], cost_per_image: 4, kind: 'text_to_image', min_input_images: 0, max_input_images: 0, prompt: 'required', variation_model: null },
  { id: 'seedream', display_name: 'Seedream', aspect_ratios: ['1:1', '4:3'], cost_per_image: 6, kind: 'text_to_image', min_input_images: 0, max_input_images: 0, prompt: 'required', variation_model: null },
]
// What the service offers since images became input (issue 13): nano-banana's "more like this"
// is made by nano-banana-pro; the tools take one image and no prompt.
const tool = (id, display_name, cost_per_image) => ({ id, display_name, aspect_ratios: ['auto'], cost_per_image, kind: 'tool', min_input_images: 1, max_input_images: 1, prompt: 'none', variation_model: null })
const CATALOGUE = [
  { ...MODELS[0], variation_model: 'nano-banana-pro' },
  MODELS[1],
  { id: 'nano-banana-pro', display_name: 'Nano Banana Pro', aspect_ratios: ['auto', '1:1', '16:9'], cost_per_image: 12, kind: 'text_to_image', min_input_images: 0, max_input_images: 8, prompt: 'required', variation_model: null },
  { id: 'nano-banana-edit', display_name: 'Nano Banana Edit', aspect_ratios: ['auto', '1:1'], cost_per_image: 4, kind: 'edit', min_input_images: 1, max_input_images: 8, prompt: 'required', variation_model: null },
  tool('upscale-2x', 'Upscale 2×', 3),
  tool('upscale-4x', 'Upscale 4×', 6),
  tool('remove-background', 'Remove background', 1),
]
/** What `input_limits` answers: the service's. */
const INPUT_LIMITS = { max_upload_bytes: 10 * 1024 * 1024, max_upload_pixels: 4096 * 4096, max_input_images: 8 }
/** What `upload_image` answers for the scenarios' files. */
const UPLOADS = ['f1', 'f2'].map((p, i) => ({
  id: p.repeat(16),
  width: 512,
  height: 512,
  content_type: 'image/png',
  sha256: p.repeat(32),
  thumbnail_sha256: p.repeat(32),
  created_at: Date.UTC(2026, 10, 24, 8, i),
  thumbnail_cached: true,
}))

const CONVERSATION = { id: 'c0ffee00c0ffee00c0ffee00c0ffee00', title: 'A lighthouse at dusk, oil painting', created_at: Date.UTC(2026, 10, 24, 7), updated_at: Date.UTC(2026, 10, 24, 7) }
const IMAGE_IDS = ['a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2']
const GEN = {
  id: '0123456789abcdef0123456789abcdef',
  conversation_id: CONVERSATION.id,
  prompt: 'A lighthouse at dusk, oil painting',
  model: 'nano-banana',
  aspect_ratio: '1:1',
  count: 2,
  cost: 8,
  status: 'queued',
  images: [],
  failure_code: null,
  created_at: Date.UTC(2026, 10, 24, 7),
  updated_at: Date.UTC(2026, 10, 24, 7),
}
const GEN_DONE = {
  ...GEN,
  status: 'done',
  images: IMAGE_IDS.map((id) => ({ id, width: 1024, height: 1024, bytes: 40_000, content_type: 'image/png' })),
}
// An upscale of gallery image 1 (in the "Harbours" conversation), queued, then done.
const UPSCALE = {
  ...GEN,
  id: 'e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5',
  conversation_id: 'c0000000000000000000000000000002',
  prompt: '',
  model: 'upscale-2x',
  aspect_ratio: 'auto',
  count: 1,
  cost: 3,
}
const UPSCALE_DONE = { ...UPSCALE, status: 'done', images: [{ id: 'e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6', width: 2048, height: 2048, bytes: 160_000, content_type: 'image/png' }] }
const HISTORY_IDS = ['d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1', 'd2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2', 'd3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3']
const LEDGER = {
  entries: [
    { id: 'l3', amount: 4, kind: 'refund', reference: 'refund:g2', created_at: Date.UTC(2026, 10, 24, 7, 5) },
    { id: 'l2', amount: -4, kind: 'debit', reference: 'generation:g2', created_at: Date.UTC(2026, 10, 24, 7, 4) },
    { id: 'l1', amount: -8, kind: 'debit', reference: 'generation:g1', created_at: Date.UTC(2026, 10, 24, 7, 0) },
  ],
  next_cursor: 'page-2',
}
const LEDGER_2 = {
  entries: [{ id: 'l0', amount: 100, kind: 'grant', reference: 'sign-up:ada', created_at: Date.UTC(2026, 10, 20, 9) }],
  next_cursor: null,
}
// Credits on sale, a checkout, and ledger entries of each kind.
const PACKS = [
  { id: 'starter', credits: 100, price: { cents: 500, currency: 'USD' } },
  { id: 'studio', credits: 500, price: { cents: 2000, currency: 'USD' } },
  { id: 'pro', credits: 2000, price: { cents: 6000, currency: 'USD' } },
]
const CHECKOUT = { checkout_id: 'ch_5f3a9c', checkout_url: 'https://checkout.creem.io/ch_5f3a9c', opened: true }
const GRANT = { id: 'g0', amount: 100, kind: 'grant', reference: 'sign-up:ada', paid: null, created_at: Date.UTC(2026, 10, 20, 9) }
const PURCHASE = {
  id: 'p1',
  amount: 500,
  kind: 'purchase',
  reference: 'purchase:ord_7Hq2',
  paid: { cents: 2000, currency: 'USD' },
  created_at: Date.UTC(2026, 10, 24, 8),
}
const CLAWBACK = {
  id: 'c1',
  amount: -500,
  kind: 'clawback',
  reference: 'clawback:ref_93Kd',
  paid: { cents: 2000, currency: 'USD' },
  created_at: Date.UTC(2026, 10, 27, 16, 30),
}
// Signed up again with an address that had its welcome credits once: a grant of nothing.
const REPEAT_GRANT = { ...GRANT, amount: 0 }
const DEBIT = { id: 'd1', amount: -8, kind: 'debit', reference: 'generation:g1', paid: null, created_at: Date.UTC(2026, 10, 25, 10) }
/** The credits page: the packs, a balance of 100 from the sign-up grant. */
const CREDITS = {
  credits_balance: { ok: 100 },
  credits_ledger: { ok: { entries: [GRANT], next_cursor: null } },
  credit_packs: { ok: PACKS },
  buy_credits: { ok: CHECKOUT },
}
const STUDIO = {
  auth_state: { ok: SIGNED_IN },
  list_models: { ok: MODELS },
  list_conversations: [{ ok: { conversations: [], next_cursor: null } }, { ok: { conversations: [CONVERSATION], next_cursor: null } }],
  credits_balance: [{ ok: 100 }, { ok: 92 }],
  credit_packs: { ok: PACKS },
}
/** A purchase refunded later (the balance below zero), after a debit and a repeated sign-up. */
const clawedBack = () => ({
  appInfo: APP_INFO,
  health: NATIVE,
  commands: {
    ...STUDIO,
    ...CREDITS,
    credits_balance: { ok: -8 },
    credits_ledger: { ok: { entries: [CLAWBACK, DEBIT, PURCHASE, REPEAT_GRANT], next_cursor: null } },
  },
})
// Windows' form of the image scheme (http://img.localhost), which Playwright can route; the
// Linux form (img://localhost) is the same path under another origin.
const WINDOWS_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36'

/** A square PNG (512 px: a thumbnail; 1024: an original): a dusk gradient with a light, tinted by `hue`, so screenshots show real images. */
function png(hue, size = 512) {
  const w = size
  const h = size
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3
      const t = y / h
      const d = Math.hypot((x * 512) / w - 340, (y * 512) / h - 200) / 80
      const glow = Math.max(0, 1 - d) * 255
      raw[o] = Math.min(255, 40 + t * 180 + glow + hue)
      raw[o + 1] = Math.min(255, 30 + t * 90 + glow * 0.8)
      raw[o + 2] = Math.min(255, 110 - t * 60 + glow * 0.4 + (hue ? 0 : 40))
    }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type), data])
    const sum = Buffer.alloc(4)
    sum.writeUInt32BE(crc(body))
    return Buffer.concat([len, body, sum])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
/** PNGs made once per run, by tint and size. */
const pngCache = new Map()
const fail = (code, extra = {}) => ({ error: { code, message: `${code} (from the fake service)`, ...extra } })
/**
 * Commands every scenario answers unless it says otherwise: signed out, keychain available,
 * notifications allowed (the notification plugin's commands; its `notify` calls are recorded).
 */
const DEFAULT_COMMANDS = {
  auth_state: { ok: SIGNED_OUT },
  // Analytics already declined, so the consent banner stays out of the scenarios not about it.
  privacy_settings: { ok: { analytics: 'denied', analytics_available: true, error_reports_enabled: true } },
  track_event: { ok: null },
  'plugin:notification|is_permission_granted': { ok: true },
  'plugin:notification|notify': { ok: null },
}

// ---------------------------------------------------------------------------------------------
// The fake Tauri runtime. Runs in the page before any of its scripts (so CSP does not apply to
// it). It provides what `@tauri-apps/api/core` reads from `window.__TAURI_INTERNALS__`: `invoke`
// for commands and `transformCallback` (with its companions) for callbacks and channels, and
// the event plugin's listen/unlisten, so the test can play Rust emitting an event.
// A rejected command rejects with the serialized error, as Tauri does. The test steers it
// through `window.__ATELIER_IPC__`: `commands[cmd]` is one outcome (`{ok}`, `{error}`, `{hang}`)
// or a list of them taken in turn (the last one repeats); `calls` and `args` record what came.
// An outcome with `wait: true` answers only when the test calls `release(cmd)`.

function installTauriIpcMock(config) {
  const ipc = { ...config, calls: {}, args: {}, listeners: {}, waiting: {}, cspViolations: [] }
  window.__ATELIER_IPC__ = ipc
  document.addEventListener('securitypolicyviolation', (event) => {
    ipc.cspViolations.push(`${event.violatedDirective}: ${event.blockedURI || event.sample || 'inline'}`)
  })

  const callbacks = new Map()
  let nextCallbackId = 1
  window.__TAURI_INTERNALS__ = {
    metadata: {
      currentWindow: { label: 'main' },
      currentWebview: { windowLabel: 'main', label: 'main' },
    },
    transformCallback(callback, once = false) {
      const id = nextCallbackId++
      callbacks.set(id, (data) => {
        if (once) callbacks.delete(id)
        return callback?.(data)
      })
      return id
    },
    unregisterCallback(id) {
      callbacks.delete(id)
    },
    runCallback(id, data) {
      callbacks.get(id)?.(data)
    },
    callbacks,
    convertFileSrc(path, protocol = 'asset') {
      return `${protocol}://localhost/${encodeURIComponent(path)}`
    },
    async invoke(cmd, args) {
      ipc.calls[cmd] = (ipc.calls[cmd] ?? 0) + 1
      ;(ipc.args[cmd] ??= []).push(args ?? null)
      switch (cmd) {
        case 'app_info':
          return ipc.appInfo
        case 'check_backend':
          if (ipc.hang) return new Promise(() => {})
          if (ipc.error) throw ipc.error
          return ipc.health
        case 'plugin:event|listen':
          ipc.listeners[args.handler] = args.event
          if (args.event === 'library-changed') ipc.generationsMoveOn()
          return args.handler
        case 'plugin:event|unlisten':
          return null
      }
      const script = ipc.commands?.[cmd]
      const gallery = window.__ATELIER_GALLERY__
      if (script === undefined && gallery && typeof gallery[cmd] === 'function') return gallery[cmd](args ?? {})
      const privacy = window.__ATELIER_PRIVACY__
      if (script === undefined && privacy && typeof privacy[cmd] === 'function') return privacy[cmd](args ?? {})
      if (script === undefined) throw `command ${cmd} not found`
      const list = Array.isArray(script) ? script : [script]
      const outcome = list[Math.min(ipc.calls[cmd] - 1, list.length - 1)]
      if (outcome.hang) return new Promise(() => {})
      if (outcome.wait) await new Promise((resolve) => (ipc.waiting[cmd] = resolve))
      if ('error' in outcome) throw outcome.error
      if (cmd === 'get_generation' && !['done', 'failed'].includes(outcome.ok?.status)) ipc.generationsMoveOn()
      return outcome.ok
    },
  }
  // The live sync: while a scenario scripts generations moving on (`get_generation`), Rust says
  // generations changed 1.5 s after a card starts listening and after each unfinished state it
  // read, as the shell does when the live sync brings their changes; the card then reads its
  // generation again (its next scripted state).
  ipc.generationsMoveOn = () => {
    if (!ipc.commands?.get_generation) return
    const changed = { conversations: false, generations: true, images: false, uploads: false, credits: false, finished_generations: [], more_finished: false }
    setTimeout(() => ipc.emit('library-changed', changed), 1500)
  }
  // Lets a command waiting with `wait: true` answer.
  ipc.release = (cmd) => {
    const resolve = ipc.waiting[cmd]
    delete ipc.waiting[cmd]
    resolve?.()
    return !!resolve
  }
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = {
    unregisterListener(_event, id) {
      delete ipc.listeners[id]
    },
  }
  // Rust emitting `event` to this window.
  ipc.emit = (event, payload) => {
    for (const [id, name] of Object.entries(ipc.listeners)) {
      if (name === event) window.__TAURI_INTERNALS__.runCallback(Number(id), { event, id: Number(id), payload })
    }
  }

  // What the notification plugin's script (injected by Rust before the page) does: a
  // `window.Notification` whose permission and notices go through `plugin:notification|…`, its
  // permission read once at load.
  const invoke = (cmd, args) => window.__TAURI_INTERNALS__.invoke(cmd, args)
  let permission = 'default'
  function Notification(title, options = {}) {
    void invoke('plugin:notification|notify', { options: { ...options, title } }).catch(() => {})
  }
  Notification.requestPermission = async () => {
    const state = await invoke('plugin:notification|request_permission')
    permission = state === 'prompt' || state === 'prompt-with-rationale' ? 'default' : state
    return state
  }
  Object.defineProperty(Notification, 'permission', { enumerable: true, get: () => permission })
  window.Notification = Notification
  void invoke('plugin:notification|is_permission_granted')
    .then((granted) => (permission = granted === null ? 'default' : granted ? 'granted' : 'denied'))
    .catch(() => {})
}

// ---------------------------------------------------------------------------------------------
// The fake gallery: what Rust's cache would answer, over `count` synthetic images made the same
// way every run (image `i` is the i-th newest), with search, filters, favourites, deletes (an
// outbox while offline), the sync state and the storage numbers. Runs in the page, before it.

function installMockGallery(options) {
  const count = options.count
  const DAY = 86_400_000
  const NEWEST = Date.UTC(2026, 10, 24, 18)
  const SUBJECTS = ['lighthouse', 'harbour', 'forest', 'desert', 'city street', 'mountain lake', 'old library', 'garden']
  const MOODS = ['at dusk', 'at dawn', 'in fog', 'as an oil painting', 'in watercolour', 'at night']
  const CONVERSATIONS = SUBJECTS.map((subject, n) => ({
    id: `c${String(n + 1).padStart(31, '0')}`,
    title: subject[0].toUpperCase() + subject.slice(1) + 's',
  }))
  const GB = 1024 ** 3
  const deleted = new Set()
  const favourites = new Set()
  for (let i = 0; i < count; i += 7) favourites.add(i)
  const state = {
    sync: options.sync ?? { state: 'idle', pending_changes: 0, progress: null, last_synced_at: NEWEST, error_code: null },
    storage: { cache_bytes: 0, thumbnails_bytes: 1.2 * GB, originals_bytes: 1.7 * GB, budget_bytes: 2 * GB, folder: '/home/ada/.local/share/app.atelier.desktop/cache' },
    saveAs: options.saveAs ?? [true],
    saves: 0,
    version: 0,
  }
  state.storage.cache_bytes = state.storage.thumbnails_bytes + state.storage.originals_bytes

  const id = (i) => i.toString(16).padStart(32, '0')
  const item = (i) => {
    const subject = i % SUBJECTS.length
    return {
      image_id: id(i),
      generation_id: `9${id(i).slice(1)}`,
      conversation_id: CONVERSATIONS[subject].id,
      conversation_title: CONVERSATIONS[subject].title,
      prompt: `${/^[aeiou]/.test(SUBJECTS[subject]) ? 'An' : 'A'} ${SUBJECTS[subject]} ${MOODS[Math.floor(i / SUBJECTS.length) % MOODS.length]}, no. ${i + 1}`,
      model: i % 3 === 0 ? 'seedream' : 'nano-banana',
      aspect_ratio: '1:1',
      width: 1024,
      height: 1024,
      bytes: 180_000 + ((i * 7919) % 900_000),
      content_type: 'image/png',
      favourite: favourites.has(i),
      created_at: NEWEST - Math.floor((i * DAY) / 400),
      credits: i % 3 === 0 ? 6 : 4,
      original_cached: i % 11 !== 5,
    }
  }
  // The positions matching a query, newest first; remembered until the query or the data change.
  let memo = { key: null, list: [] }
  function matching(query) {
    const key = JSON.stringify(query) + state.version
    if (memo.key === key) return memo.list
    const words = (query.search ?? '').toLowerCase().split(/\s+/).filter(Boolean)
    const list = []
    for (let i = 0; i < count; i++) {
      if (deleted.has(i)) continue
      if (query.favourites_only && !favourites.has(i)) continue
      const it = words.length || query.conversation_id || query.from_ms !== null || query.to_ms !== null ? item(i) : null
      if (it && query.conversation_id && it.conversation_id !== query.conversation_id) continue
      if (it && query.from_ms !== null && it.created_at < query.from_ms) continue
      if (it && query.to_ms !== null && it.created_at > query.to_ms) continue
      if (it && words.length) {
        const prompt = it.prompt.toLowerCase()
        if (!words.every((w) => prompt.includes(w))) continue
      }
      list.push(i)
    }
    memo = { key, list }
    return list
  }
  const changed = () => {
    state.version += 1
  }
  const emitSync = () => window.__ATELIER_IPC__?.emit('sync-changed', state.sync)
  const outbox = (n) => {
    if (state.sync.state !== 'offline') return
    state.sync = { ...state.sync, pending_changes: state.sync.pending_changes + n }
    setTimeout(emitSync, 0)
  }
  const index = (imageId) => parseInt(imageId, 16)

  window.__ATELIER_GALLERY__ = {
    state,
    gallery_page({ query, offset, limit }) {
      const list = matching(query)
      return { items: list.slice(offset, offset + limit).map(item), total: list.length }
    },
    gallery_conversations() {
      const images = new Map()
      for (let i = 0; i < count; i++) {
        if (deleted.has(i)) continue
        const c = CONVERSATIONS[i % SUBJECTS.length].id
        images.set(c, (images.get(c) ?? 0) + 1)
      }
      return CONVERSATIONS.map((c) => ({ ...c, images: images.get(c.id) ?? 0 }))
    },
    set_favourite({ imageIds, favourite }) {
      for (const imageId of imageIds) favourite ? favourites.add(index(imageId)) : favourites.delete(index(imageId))
      changed()
      outbox(1)
      return null
    },
    delete_images({ imageIds }) {
      for (const imageId of imageIds) deleted.add(index(imageId))
      changed()
      outbox(1)
      return null
    },
    sync_status: () => state.sync,
    sync_now() {
      state.sync = { ...state.sync, state: 'syncing', progress: { done: 0, total: Math.max(1, state.sync.pending_changes) } }
      return state.sync
    },
    storage_info: () => state.storage,
    set_storage_budget({ bytes }) {
      state.storage = { ...state.storage, budget_bytes: bytes }
      return state.storage
    },
    clear_cache() {
      state.storage = { ...state.storage, cache_bytes: 0, thumbnails_bytes: 0, originals_bytes: 0 }
      return state.storage
    },
    open_cache_folder: () => null,
    // Image 2 ("A harbour at dusk, no. 2") was made from image 3, an upload, and an image
    // deleted since; every other image from words alone.
    image_sources: ({ imageId }) =>
      index(imageId) === 1
        ? [
            { kind: 'image', item: item(2) },
            { kind: 'upload', id: 'f1'.repeat(16), width: 640, height: 480 },
            { kind: 'gone', id: 'd0'.repeat(16) },
          ]
        : [],
    prepare_drag_out: ({ imageId }) => {
      const path = `/home/ada/.local/share/app.atelier.desktop/cache/outgoing/atelier-${imageId.slice(0, 8)}.png`
      return { path, url: `file://${path}` }
    },
    copy_image: () => null,
    save_image_as() {
      const answer = state.saveAs[Math.min(state.saves, state.saveAs.length - 1)]
      state.saves += 1
      return answer
    },
  }
}

// ---------------------------------------------------------------------------------------------
// The fake privacy settings: what Rust keeps (the analytics choice survives a reload, as Rust's
// file does), kept in the page's localStorage under a key of the test's own.

function installMockPrivacy(initial) {
  const KEY = 'atelier.test.privacy'
  const read = () => JSON.parse(localStorage.getItem(KEY) ?? 'null') ?? initial
  window.__ATELIER_PRIVACY__ = {
    privacy_settings: () => read(),
    set_analytics_consent({ granted }) {
      const next = { ...read(), analytics: granted ? 'granted' : 'denied' }
      localStorage.setItem(KEY, JSON.stringify(next))
      return next
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios. Each gets a new browser with an empty profile.

const scenarios = [
  {
    name: 'online-native',
    ipc: { appInfo: APP_INFO, health: NATIVE },
    async run(t) {
      await t.waitForState('online')
      await t.expectText('backend-status', 'Connected')
      await t.expectText('server-version', '0.3.2')
      await t.expectText('backend-runtime', 'Native')
      await t.expectText('backend-latency', '12 ms')
      await t.expectText('api-url', 'http://127.0.0.1:8787')
      await t.expectText('app-version', '0.1.0')
      await t.expectAbsent('retry-button')
      await t.screenshot('online-native')

      // The language switch changes the words at once and is remembered across a reload.
      await t.page.getByTestId('language-switch').selectOption('zh-CN')
      await t.expectText('backend-status', '已连接')
      await t.page.reload()
      await t.waitForState('online')
      await t.expectText('backend-status', '已连接')
      await t.expectValue('language-switch', 'zh-CN')
    },
  },
  {
    name: 'online-worker',
    colorScheme: 'dark',
    ipc: { appInfo: APP_INFO, health: WORKER },
    async run(t) {
      await t.waitForState('online')
      await t.expectText('backend-runtime', 'Cloudflare Worker')
      await t.expectText('backend-latency', '87 ms')
      await t.screenshot('online-worker')
    },
  },
  {
    name: 'offline-recovering',
    clock: true,
    ipc: { appInfo: APP_INFO, health: NATIVE, error: OFFLINE },
    async run(t) {
      await t.waitForState('offline')
      await t.expectText('backend-status', 'Offline')
      await t.expectText('backend-message', "Can't reach the Atelier service at http://127.0.0.1:8787")
      await t.expectText('retry-button', 'Retry')
      await t.expectCalls(1)
      await t.screenshot('offline')

      // Re-checked every 5 s, and the failure stays on screen meanwhile.
      await t.page.clock.runFor(4_999)
      await t.expectCalls(1)
      await t.page.clock.runFor(1)
      await t.expectCalls(2)
      await t.waitForState('offline')

      // Retry checks at once.
      await t.page.getByTestId('retry-button').click()
      await t.expectCalls(3)
      await t.waitForState('offline')

      // The service comes back: the next automatic check finds it, then checking stops.
      await t.page.evaluate(() => {
        window.__ATELIER_IPC__.error = null
      })
      await t.page.clock.runFor(5_000)
      await t.waitForState('online')
      await t.expectCalls(4)
      await t.expectText('server-version', '0.3.2')
      await t.expectAbsent('backend-message')
      await t.page.clock.runFor(30_000)
      await t.expectCalls(4)
      await t.screenshot('offline-recovered')
    },
  },
  {
    name: 'zh-CN',
    locale: 'zh-CN',
    ipc: { appInfo: APP_INFO, health: NATIVE },
    async run(t) {
      await t.waitForState('online')
      await t.expectText('backend-status', '已连接')
      await t.expectText('backend-runtime', '原生服务')
      await t.expectText('backend-latency', '12 毫秒')
      await t.expectValue('language-switch', 'zh-CN')
      await t.expectLang('zh-CN')
      await t.screenshot('zh-CN')
    },
  },
  {
    name: 'zh-CN-offline-narrow',
    locale: 'zh-CN',
    viewport: { width: 480, height: 760 },
    ipc: { appInfo: APP_INFO, health: NATIVE, error: OFFLINE },
    async run(t) {
      await t.waitForState('offline')
      await t.expectText('backend-status', '离线')
      await t.expectText('backend-message', '无法连接到位于 http://127.0.0.1:8787 的 Atelier 服务')
      await t.expectText('retry-button', '重试')
      await t.screenshot('zh-CN-offline-narrow')
    },
  },
  {
    name: 'error-unknown-code',
    colorScheme: 'dark',
    ipc: { appInfo: APP_INFO, health: NATIVE, error: { code: 'quota_exceeded', message: 'from a newer service' } },
    async run(t) {
      await t.waitForState('error')
      await t.expectText('backend-status', 'Service error')
      await t.expectText('backend-message', 'Something went wrong while talking to the Atelier service.')
      await t.page.getByText('Details').click()
      await t.expectText('error-code', 'quota_exceeded')
      await t.screenshot('error-unknown-code')
    },
  },
  {
    name: 'checking',
    ipc: { appInfo: APP_INFO, hang: true },
    async run(t) {
      await t.waitForState('checking')
      await t.expectText('backend-status', 'Checking…')
      await t.screenshot('checking')
    },
  },

  // Sign-in by email. Rust's answers are scripted per command; the page sees the real bindings.
  {
    name: 'sign-in-by-code',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { start_sign_in: { ok: EMAIL_SENT }, verify_code: { ok: SIGNED_IN } },
    },
    async run(t) {
      await t.expectAttr('sign-in', 'data-step', 'email')
      await t.screenshot('sign-in-email')
      await t.byId('email-input').fill('ada@example.com')
      await t.byId('email-input').press('Enter')
      await t.expectAttr('sign-in', 'data-step', 'code')
      await t.expectArgs('start_sign_in', [{ email: 'ada@example.com', language: 'en' }])
      await t.expectText('code-intro', 'We sent a six-digit code to ada@example.com')
      await t.expectText('resend-countdown', 'Send a new code in 0:')
      await t.expectFocused('code-digit-0')
      await t.screenshot('sign-in-code')
      // Typed as a person would: focus moves on by itself, and the sixth digit submits.
      await t.page.keyboard.type('402139', { delay: 20 })
      // Signed in, the studio opens; the account is one click away.
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.byId('nav-account').click()
      await t.expectText('account-email', 'ada@example.com')
      await t.expectArgs('verify_code', [{ email: 'ada@example.com', code: '402139' }])
      await t.expectText('account-name', 'Ada Lovelace')
      await t.expectText('backend-status', 'Connected')
      await t.screenshot('signed-in')
    },
  },
  {
    name: 'sign-in-wrong-code',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        start_sign_in: { ok: EMAIL_SENT },
        verify_code: [fail('invalid_code', { attempts_left: 4 }), fail('invalid_code', { attempts_left: 3 }), { ok: SIGNED_IN }],
      },
    },
    async run(t) {
      await t.sendCodeTo('ada@example.com')
      await t.page.keyboard.type('111111', { delay: 10 })
      await t.expectAttr('sign-in-error', 'data-code', 'invalid_code')
      await t.expectText('sign-in-error', "That code isn't right. You have 4 more tries.")
      await t.expectValue('code-digit-0', '')
      await t.expectFocused('code-digit-0')
      await t.page.keyboard.type('222222', { delay: 10 })
      await t.expectText('sign-in-error', 'You have 3 more tries.')
      await t.screenshot('sign-in-wrong-code')
      // Backspace undoes a typo without touching the mouse.
      await t.page.keyboard.type('40', { delay: 10 })
      await t.page.keyboard.press('Backspace')
      await t.page.keyboard.press('Backspace')
      await t.expectValue('code-digit-1', '')
      await t.expectValue('code-digit-0', '')
      await t.page.keyboard.type('402139', { delay: 10 })
      await t.byId('nav-account').click()
      await t.expectText('account-email', 'ada@example.com')
    },
  },
  {
    name: 'sign-in-expired-code',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { start_sign_in: { ok: EMAIL_SENT }, verify_code: [fail('code_expired'), { ok: SIGNED_IN }] },
    },
    async run(t) {
      await t.sendCodeTo('ada@example.com')
      await t.page.keyboard.type('123456', { delay: 10 })
      await t.expectText('sign-in-error', 'This code has expired or a newer one was sent.')
      await t.screenshot('sign-in-expired-code')
      await t.byId('new-code').click()
      await t.expectText('code-resent', 'We sent a new code to ada@example.com.')
      await t.expectCallCount('start_sign_in', 2)
      await t.expectAbsent('sign-in-error')
    },
  },
  {
    name: 'sign-in-dead-code',
    colorScheme: 'dark',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { start_sign_in: { ok: EMAIL_SENT }, verify_code: fail('too_many_attempts') },
    },
    async run(t) {
      await t.sendCodeTo('ada@example.com')
      await t.page.keyboard.type('999999', { delay: 10 })
      await t.expectText('sign-in-error', 'Too many wrong codes, so this one no longer works.')
      await t.expectText('new-code', 'Email me a new code')
      await t.screenshot('sign-in-dead-code')
    },
  },
  {
    name: 'sign-in-rate-limited',
    clock: true,
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { start_sign_in: [fail('rate_limited', { retry_after_seconds: 42 }), { ok: EMAIL_SENT }] },
    },
    async run(t) {
      await t.byId('email-input').fill('ada@example.com')
      await t.byId('send-code').click()
      await t.expectText('rate-limit-wait', 'Too many attempts. You can try again in 42 seconds.')
      await t.expectAttr('send-code', 'aria-disabled', 'true')
      await t.screenshot('sign-in-rate-limited')
      await t.byId('send-code').click({ force: true }) // Playwright respects aria-disabled; a person may not
      await t.expectCallCount('start_sign_in', 1)
      await t.page.clock.runFor(42_000)
      await t.expectText('rate-limit-wait', 'You can try again now.')
      await t.byId('send-code').click()
      await t.expectAttr('sign-in', 'data-step', 'code')
      // The resend countdown runs on the same clock.
      await t.expectText('resend-countdown', '0:30')
      await t.page.clock.runFor(30_000)
      await t.expectText('resend-button', 'Send a new code')
    },
  },
  {
    name: 'sign-in-paste',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { start_sign_in: { ok: EMAIL_SENT }, verify_code: { ok: SIGNED_IN } },
    },
    async run(t) {
      await t.sendCodeTo('ada@example.com')
      // The whole code, as copied from the email with spaces, pasted with the keyboard into box 4.
      await t.page.evaluate(() => navigator.clipboard.writeText(' 402 139 '))
      await t.byId('code-digit-3').focus()
      await t.page.keyboard.press('Control+V')
      await t.byId('nav-account').click()
      await t.expectText('account-email', 'ada@example.com')
      await t.expectArgs('verify_code', [{ email: 'ada@example.com', code: '402139' }])
    },
  },
  {
    name: 'sign-in-zh-CN',
    locale: 'zh-CN',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { start_sign_in: { ok: EMAIL_SENT }, verify_code: fail('invalid_code', { attempts_left: 2 }) },
    },
    async run(t) {
      await t.expectText('sign-in', '登录 Atelier')
      await t.screenshot('sign-in-zh-CN')
      await t.sendCodeTo('ada@example.com')
      await t.expectArgs('start_sign_in', [{ email: 'ada@example.com', language: 'zh-CN' }])
      await t.expectText('code-intro', '我们已向 ada@example.com 发送了六位数验证码')
      await t.page.keyboard.type('000000', { delay: 10 })
      await t.expectText('sign-in-error', '验证码不正确，你还可以再试 2 次。')
      await t.screenshot('sign-in-code-zh-CN')
    },
  },
  {
    name: 'sign-in-link',
    ipc: { appInfo: APP_INFO, health: NATIVE },
    async run(t) {
      await t.expectAttr('sign-in', 'data-step', 'email')
      await t.emit('sign-in-link', { phase: 'verifying' })
      await t.expectText('link-verifying', 'Signing you in with the link from your email')
      await t.emit('auth-changed', { state: SIGNED_IN, reason: 'signed_in_by_link' })
      await t.byId('nav-account').click()
      await t.expectText('signed-in-notice', "You're signed in.")
      await t.expectText('account-email', 'ada@example.com')
    },
  },
  {
    name: 'keychain-unavailable',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        auth_state: { ok: STORE_UNAVAILABLE },
        retry_credential_store: fail('credential_store_unavailable'),
        use_memory_session: { ok: { ...SIGNED_OUT, storage: { kind: 'memory' } } },
      },
    },
    async run(t) {
      await t.expectText('store-notice', "Your system keychain isn't available")
      await t.expectText('store-notice', 'never in a plain file')
      await t.byId('retry-credential-store').click()
      await t.expectText('store-notice', 'The keychain is still unavailable.')
      await t.screenshot('keychain-unavailable')
      await t.byId('use-memory-session').click()
      await t.expectAbsent('store-notice')
      await t.expectCallCount('use_memory_session', 1)
    },
  },
  {
    name: 'account-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { auth_state: { ok: SIGNED_IN }, sign_out: { ok: SIGNED_OUT } },
    },
    async run(t) {
      await t.byId('nav-account').click()
      await t.expectText('account-email', 'ada@example.com')
      await t.expectText('member-since', '2026年1月15日')
      await t.byId('sign-out-everywhere').click()
      await t.expectText('confirm-everywhere', '包括这台电脑')
      await t.screenshot('account-zh-CN-dark')
      await t.byId('sign-out').click()
      await t.expectText('session-notice', '你已退出登录。')
    },
  },

  // Correcting the account's email: a code to the new address, typed here; still signed in.
  {
    name: 'change-email',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        start_email_change: { ok: EMAIL_SENT },
        confirm_email_change: [fail('invalid_code', { attempts_left: 4 }), { ok: MOVED }],
      },
    },
    async run(t) {
      await t.byId('nav-account').click()
      await t.expectText('account-email', 'ada@example.com')
      await t.byId('change-email').click()
      await t.expectFocused('new-email-input')
      await t.page.keyboard.type('ada@lovelace.org', { delay: 5 })
      await t.page.keyboard.press('Enter')
      await t.expectAttr('email-change', 'data-step', 'code')
      await t.expectArgs('start_email_change', [{ email: 'ada@lovelace.org', language: 'en' }])
      await t.expectText('email-code-intro', 'We sent a six-digit code to ada@lovelace.org. It works for 10 minutes, on this computer only.')
      await t.expectText('email-resend-countdown', 'Send a new code in 0:')
      await t.expectFocused('code-digit-0')
      await t.expectText('account-email', 'ada@example.com')
      await t.screenshot('change-email-code')
      await t.page.keyboard.type('111111', { delay: 10 })
      await t.expectAttr('email-change-error', 'data-code', 'invalid_code')
      await t.expectText('email-change-error', "That code isn't right. You have 4 more tries.")
      await t.expectValue('code-digit-0', '')
      await t.expectFocused('code-digit-0')
      await t.screenshot('change-email-wrong-code')
      await t.page.keyboard.type('402139', { delay: 10 })
      await t.expectText('email-changed', 'Your email is now ada@lovelace.org.')
      await t.expectAttr('email-changed', 'role', 'status')
      await t.expectText('account-email', 'ada@lovelace.org')
      await t.expectFocused('change-email')
      await t.expectArgs('confirm_email_change', [{ code: '111111' }, { code: '402139' }])
      await t.expectText('account-name', 'Ada Lovelace')
      await t.screenshot('change-email-done')
      // From the keyboard alone: Enter on Change opens the form, Escape closes it, the focus comes back.
      await t.page.keyboard.press('Enter')
      await t.expectFocused('new-email-input')
      await t.page.keyboard.press('Escape')
      await t.expectFocused('change-email')
      await t.expectAbsent('email-change')
      await t.expectCallCount('start_email_change', 1)
    },
  },
  {
    // The narrowest the window gets (tauri.conf.json's minWidth × minHeight), with a long address.
    name: 'change-email-narrow',
    viewport: { width: 900, height: 600 },
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { ...STUDIO, start_email_change: { ok: EMAIL_SENT }, confirm_email_change: { ok: MOVED_LONG } },
    },
    async run(t) {
      await t.byId('nav-account').click()
      await t.byId('change-email').click()
      await t.expectFocused('new-email-input')
      await t.screenshot('change-email-address-narrow')
      // (Typed, the long address scrolls inside its field, as text fields do.)
      await t.byId('new-email-input').fill(MOVED_LONG.account.email)
      await t.byId('send-email-code').click()
      await t.expectAttr('email-change', 'data-step', 'code')
      await t.expectFocused('code-digit-0')
      await t.byId('email-change').scrollIntoViewIfNeeded()
      await t.screenshot('change-email-code-narrow')
      await t.page.keyboard.type('402139', { delay: 10 })
      await t.expectText('email-changed', `Your email is now ${MOVED_LONG.account.email}.`)
      await t.expectText('account-email', MOVED_LONG.account.email)
      await t.screenshot('change-email-done-narrow')
    },
  },
  {
    // Another account took the address between asking and confirming: nothing changed, and the
    // form is back at the address for another try. (Asking never says whether it is taken.)
    name: 'change-email-taken-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { ...STUDIO, start_email_change: { ok: EMAIL_SENT }, confirm_email_change: fail('email_in_use') },
    },
    async run(t) {
      await t.byId('nav-account').click()
      await t.byId('change-email').click()
      await t.byId('new-email-input').fill('grace@example.com')
      await t.byId('send-email-code').click()
      await t.expectText('email-code-intro', '我们已向 grace@example.com 发送了六位数验证码，10 分钟内有效，且只能在这台电脑上使用。')
      await t.expectAbsent('email-change-error')
      await t.screenshot('change-email-code-zh-CN-dark')
      await t.expectFocused('code-digit-0')
      await t.page.keyboard.type('402139', { delay: 10 })
      await t.expectAttr('email-change-error', 'data-code', 'email_in_use')
      await t.expectText('email-change-error', 'grace@example.com 刚刚被另一个账户使用，因此没有做任何更改。')
      await t.expectAttr('email-change', 'data-step', 'address')
      await t.expectValue('new-email-input', 'grace@example.com')
      await t.expectFocused('new-email-input')
      await t.expectText('account-email', 'ada@example.com')
      // Names, addresses and the service's URL (in the connection panel) only.
      await t.expectOnlyChinese(['Atelier', 'English', 'Ada', 'Lovelace', 'ada', 'example', 'com', 'grace', 'http'])
      await t.screenshot('change-email-taken-zh-CN-dark')
    },
  },
  {
    name: 'generation-done',
    userAgent: WINDOWS_UA,
    images: true,
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        create_generation: { ok: GEN },
        get_generation: [{ ok: { ...GEN, status: 'generating' } }, { ok: GEN_DONE }],
      },
    },
    async run(t) {
      await t.expectText('composer-balance', '100 credits left')
      await t.expectText('composer-cost', 'Costs 4 credits')
      await t.screenshot('studio-empty')
      await t.byId('composer-prompt').fill('A lighthouse at dusk, oil painting')
      await t.byId('composer-count').selectOption('2')
      await t.expectText('composer-cost', 'Costs 8 credits')
      await t.byId('composer-prompt').press('Enter')
      await t.expectAttr('generation-card', 'data-status', 'queued')
      await t.screenshot('generation-queued')
      const [request] = await t.page.evaluate(() => window.__ATELIER_IPC__.args.create_generation)
      if (!/^[0-9a-f]{32}$/.test(request.request.idempotency_key)) throw new Error('no idempotency key')
      await t.expectAttr('generation-card', 'data-status', 'generating')
      await t.expectAttr('generation-card', 'data-status', 'done')
      await t.expectText('composer-balance', '92 credits left')
      await t.expectText('conversations', 'A lighthouse at dusk')
      await t.expectImagesLoaded(2)
      await t.screenshot('generation-done')
      // The window had the focus all along: no OS notification.
      if (!(await t.page.evaluate(() => document.hasFocus()))) throw new Error('the page should have the focus')
      await t.expectCallCount('plugin:notification|notify', 0)
      // ↑ in the empty box brings the prompt back.
      await t.byId('composer-prompt').press('ArrowUp')
      await t.expectValue('composer-prompt', 'A lighthouse at dusk, oil painting')
    },
  },
  {
    // The person switches to another window while it generates: the OS is asked to tell them.
    name: 'generation-done-in-background',
    userAgent: WINDOWS_UA,
    images: true,
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        create_generation: { ok: GEN },
        get_generation: [{ ok: { ...GEN, status: 'generating' } }, { ok: GEN_DONE }],
      },
    },
    async run(t) {
      await t.expectText('composer-balance', '100 credits left')
      await t.byId('composer-prompt').fill('A lighthouse at dusk, oil painting')
      await t.byId('composer-count').selectOption('2')
      await t.byId('composer-prompt').press('Enter')
      await t.expectAttr('generation-card', 'data-status', 'queued')
      await t.toBackground()
      await t.expectAttr('generation-card', 'data-status', 'done')
      await t.expectArgs('plugin:notification|notify', [{ options: { title: '2 images ready', body: 'A lighthouse at dusk, oil painting' } }])
      // The permission was already granted: nothing was asked.
      await t.expectCallCount('plugin:notification|request_permission', 0)
    },
  },
  {
    // Not decided yet: asked once; refused, nothing is shown, now or later.
    name: 'notification-refused',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        'plugin:notification|is_permission_granted': { ok: null },
        'plugin:notification|request_permission': { ok: 'denied' },
        create_generation: [{ ok: { ...GEN, count: 1, cost: 4 } }, { ok: { ...GEN, id: HISTORY_IDS[0], count: 1, cost: 4 } }],
        get_generation: [
          { ok: { ...GEN, count: 1, cost: 4, status: 'failed', failure_code: 'timed_out' } },
          { ok: { ...GEN, id: HISTORY_IDS[0], count: 1, cost: 4, status: 'failed', failure_code: 'timed_out' } },
        ],
      },
    },
    async run(t) {
      await t.byId('composer-prompt').fill('A lighthouse at dusk, oil painting')
      await t.byId('composer-prompt').press('Enter')
      await t.toBackground()
      await t.page.locator('[data-testid="generation-card"][data-status="failed"]').waitFor({ timeout: TIMEOUT_MS })
      await t.expectCallCount('plugin:notification|request_permission', 1)
      await t.byId('composer-prompt').fill('A lighthouse at dawn')
      await t.byId('composer-prompt').press('Enter')
      await t.toBackground()
      await t.page.locator('[data-testid="generation-card"][data-status="failed"]').nth(1).waitFor({ timeout: TIMEOUT_MS })
      await new Promise((r) => setTimeout(r, 200))
      await t.expectCallCount('plugin:notification|request_permission', 1)
      await t.expectCallCount('plugin:notification|notify', 0)
    },
  },
  {
    // A click on a thumbnail opens the full-size original; ← and → move, Esc closes.
    name: 'image-viewer',
    userAgent: WINDOWS_UA,
    images: true,
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        list_conversations: { ok: { conversations: [CONVERSATION], next_cursor: null } },
        list_generations: { ok: { generations: [GEN_DONE], next_cursor: null } },
      },
    },
    async run(t) {
      await t.page.getByRole('button', { name: CONVERSATION.title }).click()
      await t.expectImagesLoaded(2)
      await t.page.getByRole('button', { name: 'Open image 1 of 2' }).click()
      const dialog = t.page.getByRole('dialog', { name: 'Image 1 of 2' })
      await dialog.waitFor({ timeout: TIMEOUT_MS })
      await t.expectAttr('image-viewer', 'aria-modal', 'true')
      await t.expectFocused('viewer-close')
      await t.expectOriginalLoaded(IMAGE_IDS[0], 1024)
      await t.expectText('viewer-position', '1 / 2')
      await t.screenshot('image-viewer')
      await t.page.keyboard.press('ArrowRight')
      await t.expectAttr('image-viewer', 'data-index', '1')
      await t.expectOriginalLoaded(IMAGE_IDS[1], 1024)
      await t.expectText('viewer-position', '2 / 2')
      // Tab stays inside: round from the last control to the first.
      for (let i = 0; i < 6; i++) await t.page.keyboard.press('Tab')
      const inside = await t.page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]'))
      if (!inside) throw new Error('Tab should keep the focus inside the viewer')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('image-viewer')
      await t.expectFocused('open-image')
      await t.expectArgs('plugin:notification|notify', [])
    },
  },
  {
    name: 'image-viewer-missing-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    viewport: { width: 900, height: 600 },
    userAgent: WINDOWS_UA,
    images: true,
    missingOriginals: [IMAGE_IDS[1]],
    // Chromium logs the 404 of the missing original.
    expectedConsole: [/status of 404/],
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        list_conversations: { ok: { conversations: [CONVERSATION], next_cursor: null } },
        list_generations: { ok: { generations: [GEN_DONE], next_cursor: null } },
      },
    },
    async run(t) {
      await t.page.getByRole('button', { name: CONVERSATION.title }).click()
      await t.expectImagesLoaded(2)
      await t.page.getByRole('button', { name: '打开第 2 张图片（共 2 张）' }).click()
      await t.expectText('viewer-error', '无法加载原图。')
      await t.expectText('viewer-retry', '重试')
      await t.screenshot('image-viewer-missing-zh-CN-dark')
      await t.byId('viewer-previous').click()
      await t.expectOriginalLoaded(IMAGE_IDS[0], 1024)
      await t.expectAbsent('viewer-error')
      await t.byId('viewer-use-prompt').click()
      await t.expectAbsent('image-viewer')
      await t.expectValue('composer-prompt', 'A lighthouse at dusk, oil painting')
    },
  },
  {
    // Issue 13: a card made from images shows them small under its prompt; one whose thumbnail
    // cannot be had (deleted since) is a neutral tile, not a broken image.
    name: 'generation-inputs',
    ...madeFromImages(),
  },
  {
    name: 'generation-inputs-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    ...madeFromImages(),
  },
  {
    // Issue 13: sent while the service cannot be reached, the draft waits (locked, with Cancel)
    // instead of failing, and goes by itself under the same key once the service answers again.
    name: 'composer-offline-wait',
    userAgent: WINDOWS_UA,
    images: true,
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        create_generation: [fail('offline'), { ok: GEN }],
        get_generation: [{ ok: { ...GEN, status: 'generating' } }, { ok: GEN_DONE }],
      },
    },
    async run(t) {
      await t.expectText('composer-balance', '100 credits left')
      await t.waitForState('online')
      // The line drops: the service's health check fails from now on too.
      await t.page.evaluate((offline) => (window.__ATELIER_IPC__.error = offline), OFFLINE)
      await t.byId('composer-prompt').fill('A lighthouse at dusk, oil painting')
      await t.byId('composer-count').selectOption('2')
      await t.byId('composer-prompt').press('Enter')
      await t.expectText('composer-waiting', 'Waiting for the connection — this will be sent as soon as Atelier is back online.')
      await t.expectText('composer-submit', 'Waiting…')
      // The composer asked the connection to look again: it says offline too.
      await t.waitForState('offline')
      const locked = await t.page.evaluate(() => ({
        readOnly: document.querySelector('[data-testid="composer-prompt"]').readOnly,
        model: document.querySelector('[data-testid="composer-model"]').disabled,
      }))
      if (!locked.readOnly || !locked.model) throw new Error(`the waiting draft should be locked: ${JSON.stringify(locked)}`)
      await t.expectAbsent('composer-error')
      await t.screenshot('composer-offline-wait')
      // Back online: it goes by itself.
      await t.page.evaluate(() => (window.__ATELIER_IPC__.error = null))
      await t.page.locator('[data-testid="generation-card"]').waitFor({ timeout: TIMEOUT_MS })
      await t.expectValue('composer-prompt', '')
      await t.expectAbsent('composer-waiting')
      const keys = await t.page.evaluate(() => window.__ATELIER_IPC__.args.create_generation.map((a) => a.request.idempotency_key))
      if (keys.length !== 2 || keys[0] !== keys[1]) throw new Error(`sent again under the same key, once: ${JSON.stringify(keys)}`)
      await t.expectAttr('generation-card', 'data-status', 'done')
      await t.waitForState('online')
      await t.expectImagesLoaded(2)
      await t.screenshot('composer-offline-wait-sent')
    },
  },
  {
    // Waiting, in Chinese and dark; Cancel gives the draft back, editable, and nothing more is sent.
    name: 'composer-offline-cancel-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    viewport: { width: 640, height: 600 },
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { ...STUDIO, create_generation: fail('unavailable') },
    },
    async run(t) {
      await t.expectText('composer-balance', '100')
      await t.byId('composer-prompt').fill('黄昏时的灯塔，油画')
      await t.byId('composer-submit').click()
      await t.expectText('composer-waiting', '正在等待网络连接——Atelier 恢复在线后会立即发送。')
      await t.expectText('composer-submit', '等待中…')
      await t.screenshot('composer-offline-cancel-zh-CN-dark')
      await t.byId('composer-wait-cancel').click()
      await t.expectAbsent('composer-waiting')
      await t.expectText('composer-submit', '生成')
      await t.expectValue('composer-prompt', '黄昏时的灯塔，油画')
      await t.byId('composer-prompt').fill('黄昏时的灯塔，水彩')
      await new Promise((r) => setTimeout(r, 5_500))
      await t.expectCallCount('create_generation', 1)
    },
  },
  {
    // Issue 13: ? lists the shortcuts (a dialog on its Close button; Esc closes it); the window's
    // own keys switch views and find the gallery's search, but are text in the prompt box.
    name: 'shortcuts',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 200 },
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.expectText('composer-balance', '100 credits left')
      await t.byId('composer-prompt').click()
      await t.page.keyboard.type('n?')
      await t.expectValue('composer-prompt', 'n?')
      await t.expectAbsent('shortcuts-help')
      await t.page.evaluate(() => document.activeElement.blur())
      await t.page.keyboard.press('?')
      await t.page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ timeout: TIMEOUT_MS })
      await t.expectFocused('shortcuts-close')
      await t.screenshot('shortcuts')
      await t.page.keyboard.press('Tab')
      await t.expectFocused('shortcuts-close')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('shortcuts-help')

      await t.page.keyboard.press('Control+2')
      await t.expectAttr('nav-gallery', 'aria-current', 'page')
      await t.expectTilesLoaded()
      await t.page.keyboard.press('/')
      await t.expectFocused('gallery-search')
      await t.expectValue('gallery-search', '')
      await t.page.evaluate(() => document.activeElement.blur())
      await t.page.keyboard.press('g')
      await t.page.keyboard.press('s')
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.expectValue('composer-prompt', '')
      await t.page.keyboard.press('Control+Comma')
      await t.expectAttr('nav-settings', 'aria-current', 'page')
      await t.page.keyboard.press('Control+1')
      await t.expectAttr('nav-studio', 'aria-current', 'page')

      // The mouse's way in, and ? again to close: the focus goes back to the button.
      await t.byId('shortcuts-button').click()
      await t.expectFocused('shortcuts-close')
      await t.page.keyboard.press('?')
      await t.expectAbsent('shortcuts-help')
      await t.expectFocused('shortcuts-button')
    },
  },
  {
    name: 'shortcuts-zh-CN-dark-narrow',
    locale: 'zh-CN',
    colorScheme: 'dark',
    viewport: { width: 640, height: 600 },
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.expectText('composer-balance', '100')
      await t.byId('shortcuts-button').click()
      await t.page.getByRole('dialog', { name: '键盘快捷键' }).waitFor({ timeout: TIMEOUT_MS })
      await t.expectText('shortcuts-help', '前往图库')
      await t.screenshot('shortcuts-zh-CN-dark-narrow')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('shortcuts-help')
      // A new conversation on n, and the prompt box ready for its first prompt.
      await t.page.keyboard.press('n')
      await t.expectCallCount('create_conversation', 1)
      await t.expectFocused('composer-prompt')
    },
  },
  {
    name: 'generation-failed',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        create_generation: { ok: { ...GEN, count: 1, cost: 4 } },
        get_generation: { ok: { ...GEN, count: 1, cost: 4, status: 'failed', failure_code: 'result_unavailable' } },
      },
    },
    async run(t) {
      await t.byId('composer-prompt').fill('A lighthouse at dusk, oil painting')
      await t.byId('composer-submit').click()
      await t.expectAttr('generation-card', 'data-status', 'failed')
      await t.expectText('generation-failure', "The finished image couldn't be downloaded.")
      await t.expectText('generation-failure', 'Your credits were refunded.')
      await t.screenshot('generation-failed')
      await t.page.getByRole('button', { name: 'Use this prompt' }).click()
      await t.expectValue('composer-prompt', 'A lighthouse at dusk, oil painting')
    },
  },
  {
    name: 'insufficient-credits',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: { ...STUDIO, credits_balance: { ok: 6 }, create_generation: fail('insufficient_credits') },
    },
    async run(t) {
      await t.expectText('composer-balance', '6 credits left')
      await t.byId('composer-prompt').fill('Four views of a harbour')
      await t.byId('composer-count').selectOption('4')
      await t.expectText('composer-cost', 'Costs 16 credits')
      await t.byId('composer-submit').click()
      await t.expectText('composer-error', "You don't have enough credits for this. Nothing was charged.")
      await t.expectValue('composer-prompt', 'Four views of a harbour')
      await t.screenshot('insufficient-credits')
    },
  },
  {
    // A conversation from an earlier session: its newest page shows at once (oldest at the top),
    // the unfinished card keeps polling, and "Show earlier" brings the page before it.
    name: 'studio-history',
    userAgent: WINDOWS_UA,
    images: true,
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        list_conversations: { ok: { conversations: [CONVERSATION], next_cursor: null } },
        list_generations: [
          {
            ok: {
              generations: [
                { ...GEN, id: HISTORY_IDS[2], prompt: 'Harbour at night', status: 'generating', created_at: GEN.created_at + 2 },
                { ...GEN_DONE, id: HISTORY_IDS[1], prompt: 'Harbour at noon', created_at: GEN.created_at + 1 },
              ],
              next_cursor: 'page-2',
            },
          },
          { ok: { generations: [{ ...GEN_DONE, id: HISTORY_IDS[0], prompt: 'Harbour at dawn', count: 1, cost: 4, images: GEN_DONE.images.slice(0, 1) }], next_cursor: null } },
        ],
        get_generation: { ok: { ...GEN_DONE, id: HISTORY_IDS[2], prompt: 'Harbour at night', created_at: GEN.created_at + 2 } },
      },
    },
    async run(t) {
      const prompts = () => t.page.evaluate(() => [...document.querySelectorAll('[data-testid="generation-card"] .prompt')].map((p) => p.textContent))
      const expectPrompts = async (expected) => {
        const deadline = Date.now() + TIMEOUT_MS
        for (;;) {
          const seen = await prompts()
          if (JSON.stringify(seen) === JSON.stringify(expected)) return
          if (Date.now() > deadline) throw new Error(`cards should be ${JSON.stringify(expected)}; saw ${JSON.stringify(seen)}`)
          await new Promise((r) => setTimeout(r, 50))
        }
      }
      await t.expectText('conversations', CONVERSATION.title)
      await t.page.getByRole('button', { name: CONVERSATION.title }).click()
      await expectPrompts(['Harbour at noon', 'Harbour at night'])
      await t.expectText('history-earlier', 'Show earlier')
      await t.expectImagesLoaded(4)
      await t.screenshot('studio-history')
      await t.byId('history-earlier').click()
      await expectPrompts(['Harbour at dawn', 'Harbour at noon', 'Harbour at night'])
      await t.expectImagesLoaded(5)
      await t.expectArgs('list_generations', [
        { conversationId: CONVERSATION.id, cursor: null },
        { conversationId: CONVERSATION.id, cursor: 'page-2' },
      ])
      await t.expectAbsent('history-earlier')
    },
  },
  {
    name: 'studio-zh-CN',
    locale: 'zh-CN',
    userAgent: WINDOWS_UA,
    images: true,
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        create_generation: { ok: GEN },
        get_generation: { ok: GEN_DONE },
        credits_ledger: [{ ok: LEDGER }, { ok: LEDGER_2 }],
      },
    },
    async run(t) {
      await t.expectText('composer-balance', '剩余 100 积分')
      await t.byId('composer-prompt').fill('黄昏时的灯塔，油画')
      await t.byId('composer-prompt').press('Enter')
      await t.expectAttr('generation-card', 'data-status', 'done')
      await t.expectText('generation-status', '已完成')
      await t.expectImagesLoaded(2)
      await t.screenshot('generation-done-zh-CN')
      await t.byId('nav-credits').click()
      await t.expectText('credits-balance', '92 积分')
      await t.expectText('ledger', '生成失败退款')
      await t.byId('ledger-more').click()
      await t.expectText('ledger', '赠送积分')
      await t.expectText('ledger', '+100 积分')
      await t.expectAbsent('ledger-more')
      await t.screenshot('credits-zh-CN')
    },
  },
  // ---- Credits: the packs on sale, a purchase from "Buy" to the credits added, the ledger. ----
  {
    name: 'credits-packs',
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: { ...STUDIO, ...CREDITS } },
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectText('credits-balance', '100 credits')
      await t.expectAttr('buy-credits', 'data-status', 'ready')
      for (const text of ['100 credits', '$5.00', '500 credits', 'About 125 images with Nano Banana', '$20.00', '2000 credits', '$60.00']) {
        await t.expectText('buy-credits', text)
      }
      const label = await t.page.locator('[data-pack="studio"] [data-testid="buy"]').getAttribute('aria-label')
      if (label !== 'Buy 500 credits for $20.00') throw new Error(`the Buy button is labelled ${label}`)
      await t.expectText('ledger', 'Credits granted')
      await t.screenshot('credits-packs')
    },
  },
  {
    name: 'credits-unavailable',
    colorScheme: 'dark',
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: { ...STUDIO, ...CREDITS, credit_packs: { ok: [] } } },
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectText('purchases-unavailable', "Purchases aren't available")
      await t.expectText('purchases-unavailable', "This Atelier service doesn't sell credits.")
      await t.expectAbsent('buy')
      await t.expectText('ledger', 'Credits granted')
      await t.screenshot('credits-unavailable-dark')
    },
  },
  {
    // Buy: Rust opens the checkout in the browser; the page waits. The webhook reaches the
    // service, the browser comes back (atelier://billing/return) and Rust says so: the credits
    // show at once, with no tick of the page's clock (it stands still).
    name: 'credits-purchase-lands',
    clock: true,
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: { ...STUDIO, ...CREDITS } },
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectAttr('buy-credits', 'data-status', 'ready')
      await t.page.locator('[data-pack="studio"] [data-testid="buy"]').click()
      await t.expectAttr('purchase', 'data-phase', 'waiting')
      await t.expectArgs('buy_credits', [{ pack: 'studio' }])
      await t.expectText('purchase', 'Waiting for your payment')
      await t.expectText('purchase', 'Finish paying for 500 credits in your browser.')
      await t.screenshot('credits-waiting')
      await t.page.evaluate(
        ([purchase, grant]) => {
          const commands = window.__ATELIER_IPC__.commands
          commands.credits_ledger = { ok: { entries: [purchase, grant], next_cursor: null } }
          commands.credits_balance = { ok: 600 }
        },
        [PURCHASE, GRANT],
      )
      await t.emit('credits-changed', { reason: 'checkout_returned' })
      await t.expectAttr('purchase', 'data-phase', 'landed')
      await t.expectText('purchase', '500 credits added')
      await t.expectText('purchase', 'Your balance is now 600 credits.')
      await t.expectText('credits-balance', '600 credits')
      await t.expectText('nav-credits', '600')
      await t.expectText('ledger', 'Bought 500 credits — $20.00')
      await t.screenshot('credits-landed')
      await t.byId('purchase-dismiss').click()
      await t.expectAbsent('purchase')
    },
  },
  {
    // Nothing arrives: after ten minutes the page says so, suggests the receipt email or another
    // try, and can be put away.
    name: 'credits-payment-overdue',
    clock: true,
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: { ...STUDIO, ...CREDITS } },
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectAttr('buy-credits', 'data-status', 'ready')
      await t.page.locator('[data-pack="pro"] [data-testid="buy"]').click()
      await t.expectAttr('purchase', 'data-phase', 'waiting')
      const looks = await t.page.evaluate(() => window.__ATELIER_IPC__.calls.credits_ledger)
      // The ledger is read every few seconds while waiting.
      await t.page.clock.runFor(8_000)
      await t.expectCallCount('credits_ledger', looks + 2)
      await t.page.clock.runFor(10 * 60_000)
      await t.expectAttr('purchase', 'data-phase', 'overdue')
      await t.expectText('purchase', "Your payment hasn't arrived")
      await t.expectText('purchase', 'check your email for a receipt')
      await t.screenshot('credits-overdue')
      await t.byId('purchase-retry').click()
      await t.expectAttr('purchase', 'data-phase', 'waiting')
      await t.expectArgs('buy_credits', [{ pack: 'pro' }, { pack: 'pro' }])
      await t.byId('purchase-stop').click()
      await t.expectAbsent('purchase')
    },
  },
  {
    // A purchase refunded later: its credits taken back, the balance below zero and why
    // generating is refused; a second sign-up with the same address got no welcome credits.
    name: 'credits-ledger-clawback',
    ipc: clawedBack(),
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectText('credits-balance', '−8 credits')
      await t.expectText('nav-credits', '−8')
      await t.expectText('credits-negative', "You can't generate images until your balance covers their cost again.")
      await t.expectText('ledger', 'Refund: 500 credits taken back ($20.00)')
      await t.expectText('ledger', 'Bought 500 credits — $20.00')
      await t.expectText('ledger', 'Welcome credits were already given to this address')
      await t.byId('ledger').scrollIntoViewIfNeeded()
      await t.screenshot('credits-ledger-clawback')
      await t.byId('nav-studio').click()
      await t.expectText('composer-negative', 'Your balance is below zero after a refund')
      await t.screenshot('studio-negative-balance')
    },
  },
  {
    name: 'credits-ledger-zh-CN',
    locale: 'zh-CN',
    ipc: clawedBack(),
    async run(t) {
      await t.byId('nav-credits').click()
      await t.expectText('credits-balance', '−8 积分')
      await t.expectText('credits-negative', '余额低于零')
      await t.expectText('ledger', '退款：收回 500 积分（US$20.00）')
      await t.expectText('ledger', '购买 500 积分 — US$20.00')
      await t.expectText('ledger', '此邮箱地址已领取过欢迎积分')
      await t.expectText('buy-credits', '使用 Nano Banana 约可生成 125 张图片')
      await t.expectText('buy-credits', 'US$20.00')
      await t.expectOnlyChinese(['Atelier', 'English', 'Creem', 'Nano', 'Banana', 'US'])
      await t.screenshot('credits-packs-zh-CN')
      await t.byId('ledger').scrollIntoViewIfNeeded()
      await t.screenshot('credits-ledger-zh-CN')
    },
  },
  // ---- The gallery: 100,000 synthetic images in the mocked cache (see installMockGallery). ----
  {
    // Scrolls the whole way down: pages of 200 come as they are needed, the last image shows.
    name: 'gallery-scroll',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 100_000 },
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectAttr('gallery-count', 'data-count', '100000')
      await t.expectText('gallery-count', '100,000 images')
      await t.expectTilesLoaded()
      await t.screenshot('gallery')

      for (const [speed, fraction] of [['wheel', 0.15], ['fling', 0.8]]) {
        const frames = await t.measureScroll(fraction)
        const pct = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))].toFixed(1)
        console.log(`    scroll 100,000 images (${speed}, ${fraction} screen a frame): ${frames.length} frames, p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms`)
      }

      await t.page.evaluate(() => {
        const scroller = document.querySelector('[data-testid="gallery-grid"] .scroller')
        scroller.scrollTop = scroller.scrollHeight
      })
      const last = (99_999).toString(16).padStart(32, '0')
      await t.waitUntil('the last image should be in view, its thumbnail loaded', (id) => {
        const tile = document.querySelector(`[data-testid="gallery-tile"][data-index="99999"]`)
        const img = tile?.querySelector('img')
        const scroller = document.querySelector('[data-testid="gallery-grid"] .scroller')
        if (!tile || !img || !scroller) return { ok: false, seen: null }
        const box = tile.getBoundingClientRect()
        const view = scroller.getBoundingClientRect()
        const seen = { id: tile.dataset.id, loaded: img.complete && img.naturalWidth > 0, inView: box.top >= view.top - 1 && box.bottom <= view.bottom + 1 }
        return { ok: seen.id === id && seen.loaded && seen.inView, seen }
      }, last)
      await t.expectTilesLoaded()
      await t.screenshot('gallery-end')
      // Every page asked for was a window of 200, and far fewer than 500 of them.
      const args = await t.page.evaluate(() => window.__ATELIER_IPC__.args.gallery_page)
      if (!args.every((a) => a.limit === 200 && a.offset % 200 === 0)) throw new Error(`pages should be windows of 200: ${JSON.stringify(args.slice(0, 5))}`)
      if (args.length > 120) throw new Error(`${args.length} pages fetched for one scroll`)
    },
  },
  {
    // Search narrows as you type (once typing pauses), then a Shift-click range is deleted.
    name: 'gallery-search-select-delete',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 100_000 },
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectAttr('gallery-count', 'data-count', '100000')
      await t.byId('gallery-search').click()
      await t.page.keyboard.type('harbour', { delay: 40 })
      await t.expectAttr('gallery-count', 'data-count', '12500')
      const searches = await t.page.evaluate(() => window.__ATELIER_IPC__.args.gallery_page.map((a) => a.query.search))
      if (searches.some((q) => q !== null && q !== 'harbour')) throw new Error(`searched while typing: ${JSON.stringify(searches)}`)
      await t.expectTilesLoaded()
      const prompts = await t.page.evaluate(() => [...document.querySelectorAll('[data-testid="gallery-tile"]')].map((b) => b.getAttribute('aria-label')))
      if (!prompts.length || !prompts.every((p) => p.includes('harbour'))) throw new Error(`tiles should all be harbours: ${prompts.slice(0, 3)}`)
      // More words narrow further; the conversation filter too.
      await t.byId('gallery-search').fill('harbour fog')
      await t.expectAttr('gallery-count', 'data-count', '2083')
      await t.byId('gallery-search').fill('')
      await t.byId('gallery-conversation').selectOption({ label: 'Harbours (12,500)' }, { timeout: TIMEOUT_MS })
      await t.expectAttr('gallery-count', 'data-count', '12500')
      await t.byId('gallery-favourites').check()
      await t.expectAttr('gallery-count', 'data-count', '1785')
      await t.byId('gallery-reset').click()
      await t.expectAttr('gallery-count', 'data-count', '100000')
      await t.expectTilesLoaded()

      // Click the first, Shift-click the sixth: six selected.
      const tile = (i) => t.page.locator(`[data-testid="gallery-tile"][data-index="${i}"]`)
      await tile(0).click()
      await tile(5).click({ modifiers: ['Shift'] })
      await t.expectAttr('selection-count', 'data-count', '6')
      // Ctrl-click takes one out; the keyboard extends.
      await tile(3).click({ modifiers: ['Control'] })
      await t.expectAttr('selection-count', 'data-count', '5')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('selection-bar')
      await t.expectFocused('gallery-tile')
      await t.page.keyboard.press('Shift+ArrowRight')
      await t.page.keyboard.press('Shift+ArrowRight')
      await t.expectAttr('selection-count', 'data-count', '3')
      await t.page.keyboard.press('Control+a')
      await t.expectAttr('selection-count', 'data-count', '100000')
      await t.page.keyboard.press('Escape')
      await tile(0).click()
      await tile(5).click({ modifiers: ['Shift'] })
      await t.expectAttr('selection-count', 'data-count', '6')
      await t.screenshot('gallery-selected')

      const ids = await t.page.evaluate(() => [...Array(6).keys()].map((i) => document.querySelector(`[data-testid="gallery-tile"][data-index="${i}"]`).dataset.id))
      await t.byId('bulk-delete').click()
      await t.expectText('confirm-dialog', 'Delete 6 images?')
      await t.expectFocused('confirm-cancel')
      await t.screenshot('gallery-confirm-delete')
      await t.byId('confirm-accept').click()
      await t.expectAttr('gallery-count', 'data-count', '99994')
      await t.expectAbsent('confirm-dialog')
      await t.expectArgs('delete_images', [{ imageIds: ids }])
      await t.expectAbsent('selection-bar')
      // What was seventh is now first.
      await t.waitUntil('the first tile should be what was seventh', (id) => {
        const seen = document.querySelector('[data-testid="gallery-tile"][data-index="0"]')?.dataset.id
        return { ok: seen === id, seen }
      }, (6).toString(16).padStart(32, '0'))
      // Delete on the keyboard asks too; Esc says no.
      await tile(0).click()
      await t.page.keyboard.press('Delete')
      await t.expectText('confirm-dialog', 'Delete this image?')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('confirm-dialog')
      await t.expectCallCount('delete_images', 1)
    },
  },
  {
    // Double-click opens the detail view: the original, what it cost, and what to do with it.
    name: 'gallery-detail',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 100_000, saveAs: [false, true] },
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectTilesLoaded()
      const first = (0).toString(16).padStart(32, '0')
      await t.page.locator('[data-testid="gallery-tile"][data-index="0"]').dblclick()
      await t.page.getByRole('dialog', { name: 'Image details' }).waitFor({ timeout: TIMEOUT_MS })
      await t.expectOriginalLoaded(first, 1024)
      await t.expectText('detail-prompt', 'A lighthouse at dusk, no. 1')
      await t.expectText('detail-model', 'seedream · 1:1')
      await t.expectText('detail-size', '1024 × 1024 px · 176\u00a0KB')
      await t.expectText('detail-date', 'November 24, 2026')
      await t.expectText('detail-credits', '6 credits')
      await t.expectText('detail-conversation', 'Lighthouses')
      await t.expectAttr('detail-favourite', 'aria-pressed', 'true')
      await t.screenshot('gallery-detail')

      await t.byId('detail-favourite').click()
      await t.expectAttr('detail-favourite', 'aria-pressed', 'false')
      await t.expectArgs('set_favourite', [{ imageIds: [first], favourite: false }])
      await t.byId('detail-copy-prompt').click()
      await t.expectText('detail-status', 'Prompt copied.')
      const copied = await t.page.evaluate(() => navigator.clipboard.readText())
      if (copied !== 'A lighthouse at dusk, no. 1') throw new Error(`clipboard holds ${JSON.stringify(copied)}`)
      await t.byId('detail-copy-image').click()
      await t.expectText('detail-status', 'Image copied.')
      await t.expectArgs('copy_image', [{ imageId: first }])
      // Cancelled in the dialog: nothing said. Then saved.
      await t.byId('detail-save').click()
      await t.expectCallCount('save_image_as', 1)
      await t.waitUntil('nothing should be said after a cancelled save', () => {
        const text = document.querySelector('[data-testid="detail-status"]').textContent.trim()
        return { ok: text === '', seen: text }
      })
      await t.byId('detail-save').click()
      await t.expectText('detail-status', 'Saved.')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('gallery-detail')
      // The first tile is no longer a favourite.
      await t.waitUntil('the first tile should have lost its star', () => {
        const star = document.querySelector('[data-testid="gallery-tile"][data-index="0"] [data-testid="tile-favourite"]')
        return { ok: !star, seen: !!star }
      })

      // "Use this prompt" takes it to the studio's composer.
      await t.page.locator('[data-testid="gallery-tile"][data-index="1"]').click()
      await t.page.keyboard.press('Enter')
      await t.byId('viewer-use-prompt').click()
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.expectValue('composer-prompt', 'A harbour at dusk, no. 2')
    },
  },
  {
    // Issue 13: the detail view names what an image was made from, and a gallery input opens in
    // its turn; a tile dragged out of the window carries its original as a file.
    name: 'gallery-made-from',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 500 },
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectTilesLoaded()
      await t.page.locator('[data-testid="gallery-tile"][data-index="1"]').dblclick()
      await t.page.getByRole('dialog', { name: 'Image details' }).waitFor({ timeout: TIMEOUT_MS })
      await t.expectText('detail-prompt', 'A harbour at dusk, no. 2')
      await t.byId('made-from').waitFor({ timeout: TIMEOUT_MS })
      const kinds = await t.page.locator('[data-testid="made-from-source"]').evaluateAll((els) => els.map((el) => el.dataset.kind))
      if (kinds.join() !== 'image,upload,gone') throw new Error(`made from ${kinds}`)
      await t.page.getByText('No longer in your library').waitFor({ timeout: TIMEOUT_MS })
      await t.screenshot('gallery-made-from')
      await t.page.getByRole('button', { name: 'Open input image 1' }).click()
      await t.expectText('detail-prompt', 'A forest at dusk, no. 3')
      await t.expectAbsent('made-from')
      await t.page.keyboard.press('Escape')
      await t.expectAbsent('gallery-detail')

      // A press makes the original's file; the drag that follows carries its file:// URL.
      const tile = t.page.locator('[data-testid="gallery-tile"][data-index="0"]')
      await tile.dispatchEvent('pointerdown', { button: 0 })
      // (The double-click that opened image 2 was a press on its tile too.)
      await t.expectArgs('prepare_drag_out', [1, 0].map((n) => ({ imageId: n.toString(16).padStart(32, '0') })))
      const carried = await tile.evaluate(async (el) => {
        await new Promise((resolve) => setTimeout(resolve, 50))
        const data = new DataTransfer()
        el.dispatchEvent(new DragEvent('dragstart', { dataTransfer: data, bubbles: true }))
        return { uris: data.getData('text/uri-list'), id: data.getData('application/x-atelier-image') }
      })
      const expected = 'file:///home/ada/.local/share/app.atelier.desktop/cache/outgoing/atelier-00000000.png'
      if (carried.uris !== expected || carried.id !== (0).toString(16).padStart(32, '0')) throw new Error(`the drag carried ${JSON.stringify(carried)}`)
    },
  },
  {
    // Issue 13: new images from one in the detail view, each with its price; an upscale starts a
    // generation with the image as its one input and no prompt, followed in the studio.
    name: 'gallery-image-actions',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 100_000 },
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        list_models: { ok: CATALOGUE },
        credits_balance: [{ ok: 100 }, { ok: 97 }],
        create_generation: { ok: UPSCALE },
        list_generations: { ok: { generations: [], next_cursor: null } },
        get_generation: [{ ok: { ...UPSCALE, status: 'generating' } }, { ok: UPSCALE_DONE }],
      },
    },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectTilesLoaded()
      // Image 1 was made by nano-banana, which has a "more like this".
      const image = (1).toString(16).padStart(32, '0')
      await t.page.locator('[data-testid="gallery-tile"][data-index="1"]').dblclick()
      await t.page.getByRole('dialog', { name: 'Image details' }).waitFor({ timeout: TIMEOUT_MS })
      await t.expectOriginalLoaded(image, 1024)
      await t.expectText('image-action-upscale-2x', 'Upscale 2×')
      await t.expectText('image-action-upscale-2x', '3 credits')
      await t.expectText('image-action-upscale-4x', '6 credits')
      await t.expectText('image-action-remove-background', '1 credit')
      await t.expectText('image-action-more-like-this', '12 credits')
      await t.expectAbsent('image-action-why')
      await t.screenshot('gallery-image-actions')

      await t.byId('image-action-upscale-2x').click()
      await t.expectText('image-action-status', 'Upscale 2× started.')
      const [{ request }] = await t.page.evaluate(() => window.__ATELIER_IPC__.args.create_generation)
      const { idempotency_key, ...rest } = request
      const expected = { conversation_id: 'c0000000000000000000000000000002', prompt: '', model: 'upscale-2x', aspect_ratio: 'auto', count: 1, input_images: [image] }
      const sorted = (o) => JSON.stringify(Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1))))
      if (sorted(rest) !== sorted(expected)) throw new Error(`create_generation got ${JSON.stringify(rest)}`)
      if (!/^[0-9a-f]{32}$/.test(idempotency_key)) throw new Error('no idempotency key')
      await t.screenshot('gallery-image-action-started')

      // Followed in the studio, where its card polls until done.
      await t.byId('image-action-open').click()
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.expectText('generation-card', 'upscale-2x')
      await t.expectAttr('generation-card', 'data-status', 'done')
      await t.expectText('composer-balance', '97 credits left')
    },
  },
  {
    // Too few credits for some actions: those are disabled and the reason is said once; in Chinese.
    name: 'gallery-image-actions-short-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 100_000 },
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: { ...STUDIO, list_models: { ok: CATALOGUE }, credits_balance: { ok: 5 } } },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectTilesLoaded()
      await t.page.locator('[data-testid="gallery-tile"][data-index="1"]').dblclick()
      await t.expectText('image-action-upscale-4x', '6 积分')
      await t.expectAttr('image-action-upscale-4x', 'disabled', '')
      await t.expectAttr('image-action-more-like-this', 'disabled', '')
      await t.expectAttr('image-action-upscale-2x', 'disabled', null)
      await t.expectText('image-action-why', '积分不足：你还有 5 积分。')
      await t.screenshot('gallery-image-actions-short-zh-CN-dark')
      await t.byId('image-action-upscale-4x').click({ force: true })
      await t.expectCallCount('create_generation', 0)
    },
  },
  {
    // Offline: the banner counts the changes waiting; a delete adds one; Sync now shows progress.
    name: 'gallery-offline',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 100_000, sync: { state: 'offline', pending_changes: 3, progress: null, last_synced_at: Date.UTC(2026, 10, 24, 6), error_code: null } },
    ipc: { appInfo: APP_INFO, health: NATIVE, error: OFFLINE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectAttr('sync-banner', 'data-state', 'offline')
      await t.expectText('sync-banner', "You're offline.")
      await t.expectText('sync-pending', '3 changes waiting to sync')
      await t.expectTilesLoaded()
      await t.screenshot('gallery-offline')
      await t.page.locator('[data-testid="gallery-tile"][data-index="2"]').click()
      await t.byId('bulk-delete').click()
      await t.byId('confirm-accept').click()
      await t.expectAttr('gallery-count', 'data-count', '99999')
      await t.expectText('sync-pending', '4 changes waiting to sync')
      await t.byId('sync-now').click()
      await t.expectAttr('sync-banner', 'data-state', 'syncing')
      await t.emit('sync-changed', { state: 'syncing', pending_changes: 4, progress: { done: 2, total: 4 }, last_synced_at: null, error_code: null })
      await t.expectText('sync-progress', '2 of 4')
      await t.screenshot('gallery-syncing')
      await t.emit('sync-changed', { state: 'idle', pending_changes: 0, progress: null, last_synced_at: Date.UTC(2026, 10, 24, 9), error_code: null })
      await t.expectAbsent('sync-banner')
    },
  },
  {
    name: 'settings-storage',
    gallery: { count: 10 },
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.byId('settings-tab-storage').click()
      await t.expectText('storage-total', '2.9\u00a0GB')
      await t.expectText('storage-thumbnails', '1.2\u00a0GB')
      await t.expectText('storage-originals', '1.7\u00a0GB of 2\u00a0GB')
      await t.expectValue('storage-budget', '2')
      await t.expectText('storage-folder', '/home/ada/.local/share/app.atelier.desktop/cache')
      await t.screenshot('settings-storage')
      await t.byId('storage-budget').fill('lots')
      await t.byId('storage-save').click()
      await t.expectText('storage-budget-invalid', 'Enter a size from 0.5 to 1024 GB.')
      await t.expectAttr('storage-budget', 'aria-invalid', 'true')
      await t.expectCallCount('set_storage_budget', 0)
      await t.byId('storage-budget').fill('5')
      await t.byId('storage-budget').press('Enter')
      await t.expectText('storage-originals', '1.7\u00a0GB of 5\u00a0GB')
      await t.expectArgs('set_storage_budget', [{ bytes: 5 * 1024 ** 3 }])
      await t.byId('storage-open-folder').click()
      await t.expectCallCount('open_cache_folder', 1)
      await t.byId('storage-clear').click()
      await t.expectText('confirm-dialog', 'Clear the cache?')
      await t.screenshot('settings-storage-clear')
      await t.byId('confirm-accept').click()
      await t.expectText('storage-total', '0\u00a0B')
      await t.expectText('storage-status', 'Cache cleared.')
      await t.expectCallCount('clear_cache', 1)
    },
  },
  {
    name: 'gallery-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 100_000, sync: { state: 'offline', pending_changes: 12, progress: null, last_synced_at: null, error_code: null } },
    ipc: { appInfo: APP_INFO, health: NATIVE, error: OFFLINE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectText('gallery-count', '100,000 张图片')
      await t.expectText('sync-pending', '12 项更改等待同步')
      await t.expectTilesLoaded()
      await t.page.locator('[data-testid="gallery-tile"][data-index="1"]').click()
      await t.page.locator('[data-testid="gallery-tile"][data-index="3"]').click({ modifiers: ['Shift'] })
      await t.expectText('selection-count', '已选择 3 张')
      await t.screenshot('gallery-zh-CN-dark')
      await t.byId('selection-clear').click()
      await t.page.locator('[data-testid="gallery-tile"][data-index="0"]').dblclick()
      await t.expectText('detail-credits', '6 积分')
      await t.expectText('detail-date', '2026年11月24日')
      await t.screenshot('gallery-detail-zh-CN-dark')
      await t.page.keyboard.press('Escape')
      await t.byId('nav-settings').click()
      await t.byId('settings-tab-storage').click()
      await t.expectText('storage-originals', '1.7\u00a0GB / 2\u00a0GB')
      await t.screenshot('settings-storage-zh-CN-dark')
    },
  },
  // Privacy (issue 6): consent, Settings → Privacy / Your data / Language / Legal.
  {
    name: 'consent-accept',
    privacy: PRIVACY_UNDECIDED,
    ipc: { appInfo: APP_INFO, health: NATIVE },
    async run(t) {
      await t.expectText('consent-banner', 'No email, prompt or IP is ever sent.')
      await t.expectText('consent-banner', 'Settings → Privacy')
      await t.byId('sign-in').waitFor({ timeout: TIMEOUT_MS })
      await t.screenshot('consent-banner')
      // Nothing analytic before an answer: neither the choice nor any event.
      await t.expectCallCount('set_analytics_consent', 0)
      await t.expectCallCount('track_event', 0)
      // Reachable by keyboard alone: Tab comes to Decline, then Accept; Enter answers.
      await t.tabTo('consent-decline')
      await t.page.keyboard.press('Tab')
      await t.expectFocused('consent-accept')
      await t.page.keyboard.press('Enter')
      await t.expectArgs('set_analytics_consent', [{ granted: true }])
      await t.expectAbsent('consent-banner')
      // Rust remembers the answer: the next start does not ask again.
      await t.page.reload()
      await t.byId('sign-in').waitFor({ timeout: TIMEOUT_MS })
      await t.expectCallCount('privacy_settings', 1)
      await t.expectAbsent('consent-banner')
      await t.expectCallCount('set_analytics_consent', 0)
    },
  },
  {
    name: 'consent-decline-zh-CN',
    locale: 'zh-CN',
    privacy: PRIVACY_UNDECIDED,
    viewport: { width: 560, height: 720 },
    ipc: { appInfo: APP_INFO, health: NATIVE },
    async run(t) {
      await t.expectText('consent-banner', '设置 → 隐私')
      await t.screenshot('consent-banner-zh-CN-narrow')
      await t.byId('consent-decline').click()
      await t.expectArgs('set_analytics_consent', [{ granted: false }])
      await t.expectAbsent('consent-banner')
      await t.page.reload()
      await t.byId('sign-in').waitFor({ timeout: TIMEOUT_MS })
      await t.expectCallCount('privacy_settings', 1)
      await t.expectAbsent('consent-banner')
    },
  },
  {
    name: 'settings-privacy-withdraw',
    privacy: { ...PRIVACY_UNDECIDED, analytics: 'granted' },
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.expectArgs('track_event', [{ event: { name: 'settings_opened' } }])
      await t.expectAttr('settings-tab-privacy', 'aria-selected', 'true')
      await t.expectAttr('privacy-analytics-state', 'data-state', 'granted')
      await t.expectChecked('privacy-analytics', true)
      await t.expectText('privacy-error-reports', 'never contains your email')
      await t.screenshot('settings-privacy')
      await t.byId('privacy-analytics').click()
      await t.expectArgs('set_analytics_consent', [{ granted: false }])
      await t.expectAttr('privacy-analytics-state', 'data-state', 'denied')
      await t.expectChecked('privacy-analytics', false)
      await t.expectText('privacy-analytics-state', 'Off')
      // Withdrawn for good: after a restart it is still off, and no banner asks again.
      await t.page.reload()
      await t.byId('nav-settings').click()
      await t.expectAttr('privacy-analytics-state', 'data-state', 'denied')
      await t.expectAbsent('consent-banner')
    },
  },
  {
    name: 'delete-account',
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: { ...STUDIO, delete_account: { wait: true, ok: SIGNED_OUT } } },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.byId('settings-tab-data').click()
      await t.byId('delete-account-button').click()
      for (const item of [
        'your account and email address',
        'every conversation, prompt and image in the cloud',
        'your credits and their history',
        "this computer's copy of your gallery",
        'your saved sign-in',
        "This can't be undone.",
      ]) {
        await t.expectText('confirm-dialog', item)
      }
      await t.expectText('confirm-accept', 'Delete my account')
      await t.expectFocused('confirm-cancel')
      await t.screenshot('delete-account-dialog')
      // Cancel changes nothing.
      await t.byId('confirm-cancel').click()
      await t.expectAbsent('confirm-dialog')
      await t.expectCallCount('delete_account', 0)
      await t.byId('settings').waitFor({ timeout: TIMEOUT_MS })
      // Confirmed: busy while Rust works, then the sign-in screen.
      await t.byId('delete-account-button').click()
      await t.byId('confirm-accept').click()
      await t.expectText('confirm-accept', 'Deleting…')
      await t.expectAttr('confirm-accept', 'aria-disabled', 'true')
      await t.screenshot('delete-account-busy')
      await t.release('delete_account')
      await t.expectAttr('sign-in', 'data-step', 'email')
      await t.expectAttr('session-notice', 'data-notice', 'account_deleted')
      await t.expectAbsent('settings')
      await t.expectAbsent('nav-settings')
      await t.screenshot('delete-account-done')
      await t.expectCallCount('delete_account', 1)
    },
  },
  {
    name: 'delete-account-offline-zh-CN',
    locale: 'zh-CN',
    colorScheme: 'dark',
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: { ...STUDIO, delete_account: fail('offline') } },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.byId('settings-tab-data').click()
      await t.byId('delete-account-button').click()
      await t.expectText('confirm-dialog', '此操作无法撤销。')
      await t.screenshot('delete-account-dialog-zh-CN-dark')
      await t.byId('confirm-accept').click()
      await t.expectAttr('delete-account-error', 'data-code', 'offline')
      await t.expectText('delete-account-error', '没有删除任何内容，你仍处于登录状态')
      await t.expectAbsent('confirm-dialog')
      await t.expectAbsent('sign-in')
      await t.byId('nav-settings').waitFor({ timeout: TIMEOUT_MS })
      await t.screenshot('delete-account-offline-zh-CN-dark')
    },
  },
  {
    name: 'export-progress',
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        export_data: [
          { wait: true, ok: { path: '/home/ada/Documents/atelier-export-2026-11-24.zip', images: 200, bytes: 50 * 1024 ** 2 } },
          // After cancel_export, Rust answers `null` (its unfinished file deleted).
          { wait: true, ok: null },
        ],
        cancel_export: { ok: null },
      },
    },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.byId('settings-tab-data').click()
      await t.byId('export-start').click()
      await t.byId('export-cancel').waitFor({ timeout: TIMEOUT_MS })
      await t.expectText('export-stage', 'Exporting your data…')
      await t.emit('export-progress', { done: 0, total: 200, stage: 'preparing' })
      await t.expectText('export-stage', 'Preparing your export…')
      await t.emit('export-progress', { done: 50, total: 200, stage: 'images' })
      await t.expectText('export-progress-text', '50 of 200')
      await t.expectText('export-stage', 'Exporting your images…')
      await t.expectAttr('export-progress', 'value', '25')
      await t.screenshot('settings-export-progress')
      await t.emit('export-progress', { done: 200, total: 200, stage: 'finishing' })
      await t.expectAttr('export-progress', 'value', '100')
      await t.expectText('export-stage', 'Finishing the zip file…')
      await t.release('export_data')
      await t.expectAttr('export-status', 'data-phase', 'done')
      await t.expectText('export-status', 'Exported 200 images (50\u00a0MB) to:')
      await t.expectText('export-path', '/home/ada/Documents/atelier-export-2026-11-24.zip')
      await t.screenshot('settings-export-done')
      // A second export, cancelled: Rust is asked to stop and the page says it stopped.
      await t.byId('export-start').click()
      await t.byId('export-cancel').click()
      await t.expectCallCount('cancel_export', 1)
      await t.release('export_data')
      await t.expectAttr('export-status', 'data-phase', 'cancelled')
      await t.expectText('export-status', 'Export cancelled.')
    },
  },
  {
    name: 'export-failed-zh-CN',
    locale: 'zh-CN',
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: { ...STUDIO, export_data: fail('export_target_unwritable') } },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.byId('settings-tab-data').click()
      await t.byId('export-start').click()
      await t.expectAttr('export-status', 'data-code', 'export_target_unwritable')
      await t.expectText('export-status', '导出未能完成。无法写入所选位置')
      await t.expectAbsent('export-cancel')
      await t.screenshot('settings-export-failed-zh-CN')
    },
  },
  {
    name: 'settings-language-switch',
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.byId('settings-tab-language').click()
      await t.byId('language-zh-CN').check()
      // The whole visible page changes at once.
      await t.expectText('nav-settings', '设置')
      await t.expectText('nav-gallery', '图库')
      await t.expectText('settings-tab-privacy', '隐私')
      await t.expectText('settings-tab-legal', '法律信息')
      await t.expectText('language-settings', '语言')
      await t.expectText('backend-status', '已连接')
      await t.expectValue('language-switch', 'zh-CN')
      await t.expectLang('zh-CN')
      await t.byId('settings-tab-privacy').click()
      await t.expectText('privacy', '分享匿名使用情况分析')
      await t.screenshot('settings-privacy-zh-CN')
      // No English left on any Settings tab but names (the policy's own names are checked in its unit test).
      for (const tab of ['privacy', 'data', 'language', 'storage']) {
        await t.byId(`settings-tab-${tab}`).click()
        await t.expectOnlyChinese(['Atelier', 'English', 'Sentry', 'zip', 'GB', 'MB'])
      }
      await t.byId('settings-tab-language').click()
      await t.byId('language-en').check()
      await t.expectText('nav-settings', 'Settings')
      await t.expectText('settings-tab-privacy', 'Privacy')
      await t.expectText('backend-status', 'Connected')
      await t.expectLang('en')
    },
  },
  {
    name: 'settings-privacy-zh-CN-narrow-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    viewport: { width: 640, height: 760 },
    privacy: { analytics: 'undecided', analytics_available: true, error_reports_enabled: false },
    ipc: { appInfo: APP_INFO, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.expectAttr('privacy-analytics-state', 'data-state', 'undecided')
      await t.expectChecked('privacy-analytics', false)
      await t.expectText('privacy', '你还没有做出选择，因此不会发送任何数据。')
      await t.expectText('privacy-error-reports', '此版本的 Atelier 不发送错误报告。')
      // Undecided, the banner is there too, under the page.
      await t.expectText('consent-banner', '设置 → 隐私')
      await t.screenshot('settings-privacy-zh-CN-narrow-dark')
      // Turning it on from Settings answers the question: the banner goes.
      await t.byId('privacy-analytics').click()
      await t.expectArgs('set_analytics_consent', [{ granted: true }])
      await t.expectAbsent('consent-banner')
      await t.expectText('privacy-analytics-state', '已开启')
    },
  },
  {
    name: 'settings-legal',
    ipc: { appInfo: { ...APP_INFO, privacy_contact: 'privacy@atelier.test' }, health: NATIVE, commands: STUDIO },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.byId('privacy-legal-link').click()
      await t.expectText('legal', 'Privacy Policy')
      await t.expectText('legal-updated', 'Last updated: 24 April 2026')
      await t.expectText('legal', 'Privacy questions: privacy@atelier.test')
      await t.expectNoText('legal', 'ljj231428@gmail.com')
      await t.screenshot('settings-legal')
      await t.page.getByTestId('legal-contact').last().scrollIntoViewIfNeeded()
      await t.screenshot('settings-legal-contact')
      await t.page.getByTestId('language-switch').selectOption('zh-CN')
      await t.expectText('legal', '隐私政策')
      await t.expectText('legal', '隐私问题请联系：privacy@atelier.test')
      await t.screenshot('settings-legal-zh-CN')
    },
  },
  {
    // Issue 13: three images chosen, "Export selected…" zips their originals (Rust shows the save
    // dialog), with its progress; and a tile dragged carries its image id for the composer.
    name: 'gallery-export-selected',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 2_000 },
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        export_selected: { wait: true, ok: { path: '/home/ada/Pictures/atelier-images-2026-11-24.zip', images: 3, bytes: 3_400_000 } },
        cancel_export: { ok: null },
      },
    },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectAttr('gallery-count', 'data-count', '2000')
      await t.expectTilesLoaded()
      const tile = (i) => t.page.locator(`[data-testid="gallery-tile"][data-index="${i}"]`)

      // A tile's dragstart sets the image id as application/x-atelier-image. (A page-made
      // DataTransfer keeps its data but not `effectAllowed`; the unit test checks that.)
      const dragged = await t.page.evaluate(() => {
        const tile = document.querySelector('[data-testid="gallery-tile"][data-index="1"]')
        const dataTransfer = new DataTransfer()
        tile.dispatchEvent(new DragEvent('dragstart', { dataTransfer, bubbles: true, cancelable: true }))
        return { draggable: tile.draggable, id: tile.dataset.id, carried: dataTransfer.getData('application/x-atelier-image') }
      })
      if (!dragged.draggable || dragged.carried !== dragged.id) throw new Error(`a dragged tile should carry its id: ${JSON.stringify(dragged)}`)

      await tile(0).click()
      await tile(2).click({ modifiers: ['Control'] })
      await tile(4).click({ modifiers: ['Control'] })
      await t.expectAttr('selection-count', 'data-count', '3')
      const ids = await t.page.evaluate(() => [0, 2, 4].map((i) => document.querySelector(`[data-testid="gallery-tile"][data-index="${i}"]`).dataset.id))
      await t.expectText('bulk-export', 'Export selected…')
      await t.byId('bulk-export').click()
      await t.expectArgs('export_selected', [{ imageIds: ids }])
      await t.expectAttr('export-selected', 'data-phase', 'running')
      await t.expectText('export-selected', 'Exporting 3 images')
      await t.emit('export-progress', { kind: 'selected', done: 0, total: 3, stage: 'preparing' })
      await t.expectText('export-selected-progress-text', 'Preparing your export…')
      await t.emit('export-progress', { kind: 'selected', done: 1, total: 3, stage: 'images' })
      await t.expectText('export-selected-progress-text', '1 of 3')
      await t.expectAttr('export-selected-progress', 'value', '33')
      // Another export's progress (Settings' data export) is not this one's.
      await t.emit('export-progress', { kind: 'data', done: 150, total: 200, stage: 'images' })
      await t.expectText('export-selected-progress-text', '1 of 3')
      await t.screenshot('gallery-export-selected-progress')
      await t.emit('export-progress', { kind: 'selected', done: 3, total: 3, stage: 'finishing' })
      await t.expectAttr('export-selected-progress', 'value', '100')
      await t.release('export_selected')
      await t.expectAttr('export-selected', 'data-phase', 'done')
      await t.expectText('export-selected', 'Exported 3 images (3.2\u00a0MB) to:')
      await t.expectText('export-selected-path', '/home/ada/Pictures/atelier-images-2026-11-24.zip')
      await t.screenshot('gallery-export-selected-done')
      await t.byId('export-selected-dismiss').click()
      await t.expectAbsent('export-selected')
      await t.expectCallCount('export_selected', 1)
      await t.expectCallCount('cancel_export', 0)
    },
  },
  {
    // Issue 13: a PNG dropped on the composer uploads with a progress bar and becomes a chip; a
    // pasted one joins it; another file is refused in words; the models narrow to those that
    // take that many images, the cost follows, a tool hides the prompt; the ids go in order.
    name: 'composer-inputs',
    userAgent: WINDOWS_UA,
    images: true,
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        list_models: { ok: CATALOGUE },
        input_limits: { ok: INPUT_LIMITS },
        upload_image: [{ wait: true, ok: UPLOADS[0] }, { ok: UPLOADS[1] }],
        create_generation: { ok: { ...GEN, model: 'nano-banana-edit', prompt: 'make it winter', count: 1, cost: 4 } },
        list_generations: { ok: { generations: [], next_cursor: null } },
        get_generation: { ok: { ...GEN, model: 'nano-banana-edit', prompt: 'make it winter', count: 1, cost: 4, status: 'generating' } },
      },
    },
    async run(t) {
      await t.expectText('composer-balance', '100 credits left')
      await expectModels(t, ['nano-banana', 'seedream', 'nano-banana-pro'])
      await t.expectText('composer-cost', 'Costs 4 credits')

      // Dragged over: the composer says where to drop.
      await dropFiles(t, 'composer', [{ name: 'harbour.png', type: 'image/png', hue: 30 }], { drop: false })
      await t.expectText('composer-drop', 'Drop images here to work from them')
      await t.screenshot('composer-inputs-dragover')
      await dropFiles(t, 'composer', [{ name: 'harbour.png', type: 'image/png', hue: 30 }])
      await t.expectAbsent('composer-drop')
      await t.expectAttr('input-chip', 'data-state', 'uploading')
      // The bytes went as they are (the raw IPC body), not as JSON.
      const sent = await t.page.evaluate(() => {
        const body = window.__ATELIER_IPC__.args.upload_image[0]
        return { raw: body instanceof Uint8Array, png: body[0] === 0x89 && body[1] === 0x50, length: body.length }
      })
      if (!sent.raw || !sent.png) throw new Error(`upload_image should get the PNG's bytes: ${JSON.stringify(sent)}`)
      // Rust tells the progress on the channel the call named (the newest callback).
      await t.page.evaluate((total) => {
        const internals = window.__TAURI_INTERNALS__
        const channel = Math.max(...internals.callbacks.keys())
        internals.runCallback(channel, { message: { sent: Math.round(total * 0.4), total }, index: 0 })
      }, sent.length)
      await t.expectAttr('input-progress', 'aria-valuenow', '40')
      await t.screenshot('composer-inputs-uploading')
      await t.release('upload_image')
      await t.expectAttr('input-chip', 'data-state', 'ready')
      await t.expectAttr('input-chip', 'data-id', UPLOADS[0].id)
      await expectModels(t, ['nano-banana-pro', 'nano-banana-edit', 'upscale-2x', 'upscale-4x', 'remove-background'])

      // Pasted into the prompt: a second chip, and only the models that take two.
      await t.byId('composer-prompt').click()
      await pasteFiles(t, 'composer-prompt', [{ name: 'image.png', type: 'image/png', hue: 160 }])
      await t.waitUntil('two ready chips, in order', (ids) => {
        const chips = [...document.querySelectorAll('[data-testid="input-chip"]')].map((c) => [c.dataset.state, c.dataset.id])
        return { ok: JSON.stringify(chips) === JSON.stringify(ids.map((id) => ['ready', id])), seen: chips }
      }, UPLOADS.map((u) => u.id))
      await t.expectValue('composer-prompt', '')
      await expectModels(t, ['nano-banana-pro', 'nano-banana-edit'])

      // Not an image: refused in words, nothing uploaded.
      await dropFiles(t, 'composer', [{ name: 'notes.pdf', type: 'application/pdf' }])
      await t.expectText('input-refusal', '“notes.pdf” can\'t be used: only PNG, JPEG and WebP images can.')
      await t.expectCallCount('upload_image', 2)
      await t.screenshot('composer-inputs-chips')

      // One image again: the tools come back; a tool takes no prompt and makes one image.
      await t.page.locator('[data-testid="input-remove"]').nth(1).click()
      await t.byId('composer-model').selectOption('upscale-2x')
      await t.expectAbsent('composer-prompt')
      await t.expectText('composer-no-prompt', 'Upscale 2× takes no prompt')
      await t.expectText('composer-cost', 'Costs 3 credits')
      await t.screenshot('composer-inputs-tool')

      await t.byId('composer-model').selectOption('nano-banana-edit')
      await t.expectText('composer-cost', 'Costs 4 credits')
      await t.byId('composer-prompt').fill('make it winter')
      await t.byId('composer-submit').click()
      await t.waitUntil('create_generation should name the upload', (id) => {
        const [args] = window.__ATELIER_IPC__.args.create_generation ?? []
        const r = args?.request
        const ok = r && r.model === 'nano-banana-edit' && r.prompt === 'make it winter' && JSON.stringify(r.input_images) === JSON.stringify([id])
        return { ok, seen: r }
      }, UPLOADS[0].id)
      await t.expectAbsent('input-chip')
    },
  },
  {
    // The service refuses an upload: its reason on the chip, Retry; too many refused; in Chinese.
    name: 'composer-inputs-refused-zh-CN-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    userAgent: WINDOWS_UA,
    images: true,
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        list_models: { ok: CATALOGUE },
        input_limits: { ok: { ...INPUT_LIMITS, max_input_images: 2 } },
        upload_image: [fail('image_too_large'), { ok: UPLOADS[0] }, { ok: UPLOADS[1] }],
      },
    },
    async run(t) {
      await t.expectText('composer-balance', '100')
      await dropFiles(t, 'composer', [{ name: 'panorama.png', type: 'image/png', hue: 90 }])
      await t.expectAttr('input-chip', 'data-state', 'failed')
      await t.expectAttr('input-error', 'data-code', 'image_too_large')
      await t.expectText('input-error', '像素过多')
      await t.byId('composer-prompt').fill('冬天的港口')
      await t.byId('composer-submit').click()
      await t.expectText('composer-problem', '请先重试或移除上传失败的图片。')
      await t.expectCallCount('create_generation', 0)
      await t.screenshot('composer-inputs-refused-zh-CN-dark')
      await t.byId('input-retry').click()
      await t.expectAttr('input-chip', 'data-state', 'ready')
      await dropFiles(t, 'composer', [
        { name: 'a.png', type: 'image/png', hue: 10 },
        { name: 'b.png', type: 'image/png', hue: 200 },
      ])
      await t.expectText('input-refusal', '一次生成最多使用 2 张图片。')
      await t.expectCallCount('upload_image', 3)
      await t.expectOnlyChinese(['Atelier', 'English', 'Enter', 'Shift', 'PNG', 'JPEG', 'WebP', 'Nano', 'Banana', 'Pro', 'Edit', 'auto'])
    },
  },
  {
    // Issue 13 from the gallery: "Edit" opens the studio with the image as the composer's one
    // chip and an edit model chosen; "Use as reference" adds another; a tile dropped on the
    // composer goes in by id, with no upload.
    name: 'gallery-edit',
    userAgent: WINDOWS_UA,
    images: true,
    gallery: { count: 2_000 },
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        list_models: { ok: CATALOGUE },
        input_limits: { ok: INPUT_LIMITS },
        list_generations: { ok: { generations: [], next_cursor: null } },
      },
    },
    async run(t) {
      await t.byId('nav-gallery').click()
      await t.expectTilesLoaded()
      const id = (i) => t.page.evaluate((i) => document.querySelector(`[data-testid="gallery-tile"][data-index="${i}"]`).dataset.id, i)
      const first = await id(2)
      await t.page.locator('[data-testid="gallery-tile"][data-index="2"]').dblclick()
      await t.page.getByRole('dialog', { name: 'Image details' }).waitFor({ timeout: TIMEOUT_MS })
      await t.expectText('image-action-edit', 'Edit')
      await t.expectText('image-action-reference', 'Use as reference')
      await t.screenshot('gallery-edit-actions')
      const cost = await t.page.evaluate(() => document.querySelector('[data-testid="image-action-edit"]').dataset.cost)
      await t.byId('image-action-edit').click()
      await t.expectAttr('nav-studio', 'aria-current', 'page')
      await t.expectAttr('input-chip', 'data-id', first)
      await t.expectText('composer-cost', `Costs ${cost} credits`)
      const model = await t.page.evaluate(() => document.querySelector('[data-testid="composer-model"]').value)
      if (!['nano-banana-edit', 'nano-banana-pro'].includes(model)) throw new Error(`an edit model should be chosen, not ${model}`)

      // "Use as reference" on another image: added after the first, the studio not opened.
      await t.byId('nav-gallery').click()
      await t.expectTilesLoaded()
      const second = await id(5)
      await t.page.locator('[data-testid="gallery-tile"][data-index="5"]').dblclick()
      await t.byId('image-action-reference').click()
      await t.expectText('image-input-status', "Added to the studio's images (2 now).")
      await t.screenshot('gallery-edit-reference')
      await t.byId('image-input-open').click()
      await t.expectAttr('nav-studio', 'aria-current', 'page')

      // A gallery tile's drag data dropped on the composer: a third chip, by id.
      const third = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3'
      await t.page.evaluate((third) => {
        const composer = document.querySelector('[data-testid="composer"]')
        const dataTransfer = new DataTransfer()
        dataTransfer.setData('application/x-atelier-image', third)
        for (const type of ['dragenter', 'dragover', 'drop']) composer.dispatchEvent(new DragEvent(type, { dataTransfer, bubbles: true, cancelable: true }))
      }, third)
      await t.waitUntil('three chips, in order, none uploaded', (ids) => {
        const chips = [...document.querySelectorAll('[data-testid="input-chip"]')].map((c) => c.dataset.id)
        return { ok: JSON.stringify(chips) === JSON.stringify(ids), seen: chips }
      }, [first, second, third])
      await t.expectCallCount('upload_image', 0)
      await expectModels(t, ['nano-banana-pro', 'nano-banana-edit'])
      await t.screenshot('gallery-edit-studio')
    },
  },
]

/**
 * A conversation with one card made by an edit model from an upload, a gallery image and an
 * image deleted since (its thumbnail answers 404).
 */
function madeFromImages() {
  const inputs = [UPLOADS[0].id, 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3', 'd0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0']
  const card = { ...GEN_DONE, model: 'nano-banana-edit', prompt: 'Make it winter, with snow on the roofs', input_images: inputs }
  return {
    userAgent: WINDOWS_UA,
    images: true,
    missingThumbnails: [inputs[2]],
    // Chromium logs the 404 of the missing thumbnail.
    expectedConsole: [/status of 404/],
    ipc: {
      appInfo: APP_INFO,
      health: NATIVE,
      commands: {
        ...STUDIO,
        list_models: { ok: CATALOGUE },
        list_conversations: { ok: { conversations: [CONVERSATION], next_cursor: null } },
        list_generations: { ok: { generations: [card], next_cursor: null } },
      },
    },
    async run(t) {
      await t.page.getByRole('button', { name: CONVERSATION.title }).click()
      await t.expectImagesLoaded(2)
      await t.waitUntil('two input thumbnails loaded and one missing, in order', (ids) => {
        const seen = [...document.querySelectorAll('[data-testid="generation-input"]')].map((li) => {
          const img = li.querySelector('img')
          return [li.dataset.id, li.dataset.missing, img ? img.complete && img.naturalWidth > 0 : null]
        })
        const ok = JSON.stringify(seen) === JSON.stringify([[ids[0], 'false', true], [ids[1], 'false', true], [ids[2], 'true', null]])
        return { ok, seen }
      }, inputs)
      const zh = await t.page.evaluate(() => document.documentElement.lang === 'zh-CN')
      await t.page.getByRole('list', { name: zh ? '来源' : 'Made from' }).waitFor({ timeout: TIMEOUT_MS })
      await t.page.getByRole('img', { name: zh ? '输入图片 3（无法显示）' : 'Input image 3 (not available)' }).waitFor({ timeout: TIMEOUT_MS })
      await t.screenshot(zh ? 'generation-inputs-zh-CN-dark' : 'generation-inputs')
    },
  }
}

/** The composer's model menu should offer exactly `ids`. */
async function expectModels(t, ids) {
  await t.waitUntil(`the models offered should be ${ids}`, (ids) => {
    const offered = [...document.querySelector('[data-testid="composer-model"]').options].map((o) => o.value)
    return { ok: JSON.stringify(offered) === JSON.stringify(ids), seen: offered }
  }, ids)
}

/** Files for a synthetic DataTransfer: a real PNG for images, a few bytes for anything else. */
function fileSpecs(files) {
  return files.map((f) => ({ ...f, bytes: [...(f.type === 'image/png' ? png(f.hue ?? 0, 64) : Buffer.from('%PDF-1.7'))] }))
}

/** Drags files from the OS onto `id` (and drops them, unless `drop` is false), as Chromium does. */
async function dropFiles(t, id, files, { drop = true } = {}) {
  await t.page.evaluate(
    ({ id, files, drop }) => {
      const target = document.querySelector(`[data-testid="${id}"]`)
      const dataTransfer = new DataTransfer()
      for (const f of files) dataTransfer.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }))
      const types = drop ? ['dragenter', 'dragover', 'drop'] : ['dragenter', 'dragover']
      for (const type of types) target.dispatchEvent(new DragEvent(type, { dataTransfer, bubbles: true, cancelable: true }))
    },
    { id, files: fileSpecs(files), drop },
  )
}

/** Pastes files into `id`, as a paste of an image copied elsewhere does. */
async function pasteFiles(t, id, files) {
  await t.page.evaluate(
    ({ id, files }) => {
      const target = document.querySelector(`[data-testid="${id}"]`)
      const clipboardData = new DataTransfer()
      for (const f of files) clipboardData.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }))
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }))
    },
    { id, files: fileSpecs(files) },
  )
}

// ---------------------------------------------------------------------------------------------
// What a scenario can ask of its page.

function helpers(page, problems) {
  const byId = (id) => page.getByTestId(id)

  async function poll(describe, probe) {
    const deadline = Date.now() + TIMEOUT_MS
    let last
    for (;;) {
      last = await probe().catch((error) => ({ ok: false, seen: String(error) }))
      if (last.ok) return
      if (Date.now() > deadline) throw new Error(`${describe}; saw ${JSON.stringify(last.seen)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  return {
    page,
    byId,
    async expectAttr(id, name, expected) {
      await poll(`[data-testid=${id}] should have ${name}=${expected}`, async () => {
        const seen = await byId(id).getAttribute(name, { timeout: 500 })
        return { ok: seen === expected, seen }
      })
    },
    async expectFocused(id) {
      await poll(`[data-testid=${id}] should have focus`, async () => {
        const seen = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))
        return { ok: seen === id, seen }
      })
    },
    async expectCallCount(cmd, expected) {
      await poll(`${cmd} should have been called ${expected} times`, async () => {
        const seen = await page.evaluate((c) => window.__ATELIER_IPC__.calls[c] ?? 0, cmd)
        return { ok: seen === expected, seen }
      })
    },
    /** The arguments of each call of `cmd` so far, in order. */
    async expectArgs(cmd, expected) {
      await poll(`${cmd} should have been called with ${JSON.stringify(expected)}`, async () => {
        const seen = await page.evaluate((c) => window.__ATELIER_IPC__.args[c] ?? [], cmd)
        return { ok: JSON.stringify(seen) === JSON.stringify(expected), seen }
      })
    },
    /** Plays Rust emitting an event to the window. */
    async emit(event, payload) {
      await page.evaluate(([e, p]) => window.__ATELIER_IPC__.emit(e, p), [event, payload])
    },
    /** The email step, done: the code step is showing and has focus. */
    async sendCodeTo(email) {
      await byId('email-input').fill(email)
      await byId('send-code').click()
      await page.locator('[data-testid="sign-in"][data-step="code"]').waitFor({ timeout: TIMEOUT_MS })
      await poll('the first code box should have focus', async () => {
        const seen = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))
        return { ok: seen === 'code-digit-0', seen }
      })
    },
    async waitForState(state) {
      await page.locator(`[data-testid="backend-status"][data-state="${state}"]`).waitFor({ timeout: TIMEOUT_MS })
    },
    async expectText(id, expected) {
      await poll(`[data-testid=${id}] should contain ${JSON.stringify(expected)}`, async () => {
        const seen = await byId(id).innerText({ timeout: 500 })
        return { ok: seen.includes(expected), seen }
      })
    },
    async expectValue(id, expected) {
      await poll(`[data-testid=${id}] should have value ${expected}`, async () => {
        const seen = await byId(id).inputValue({ timeout: 500 })
        return { ok: seen === expected, seen }
      })
    },
    /**
     * Another window comes to the front and this page loses the focus (headless Chromium
     * pretends every page has it unless told not to).
     */
    async toBackground() {
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false })
      await page.bringToFront()
      await (await page.context().newPage()).bringToFront()
      await poll('the page should have lost the focus', async () => {
        const seen = await page.evaluate(() => document.hasFocus())
        return { ok: !seen, seen }
      })
    },
    /** The viewer shows the original of `id`, decoded at its full `width`. */
    async expectOriginalLoaded(id, width) {
      await poll(`the original of ${id} should have loaded`, async () => {
        const seen = await page.evaluate(() => {
          const img = document.querySelector('[data-testid="image-viewer"] img')
          const state = document.querySelector('[data-testid="viewer-loading"], [data-testid="viewer-error"]')
          if (!img) return null
          const box = img.getBoundingClientRect()
          return {
            src: img.getAttribute('src'),
            width: img.complete && img.naturalWidth,
            visible: getComputedStyle(img).opacity === '1',
            state: state?.dataset.testid ?? null,
            // Whole in the window, at its own proportions.
            fits: box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight && box.right <= innerWidth,
            proportional: Math.abs(box.width / box.height - img.naturalWidth / img.naturalHeight) < 0.02,
          }
        })
        const ok =
          seen?.src === `http://img.localhost/original/${id}` &&
          seen.width === width &&
          seen.visible &&
          seen.state === null &&
          seen.fits &&
          seen.proportional
        return { ok, seen }
      })
    },
    /** `count` generated images on screen, each decoded (served through the image scheme). */
    async expectImagesLoaded(count) {
      await poll(`${count} generated images should have loaded`, async () => {
        const seen = await page.evaluate(() =>
          [...document.querySelectorAll('[data-testid="generation-image"]')].map((img) => img.complete && img.naturalWidth),
        )
        return { ok: seen.length === count && seen.every((w) => w > 0), seen }
      })
    },
    /** Polls `fn` in the page (it returns `{ ok, seen }`) until it is ok. */
    async waitUntil(describe, fn, arg) {
      await poll(describe, () => page.evaluate(fn, arg))
    },
    /** Every gallery tile on screen has its thumbnail decoded, and there is at least one. */
    async expectTilesLoaded() {
      await poll('the gallery tiles in view should have loaded', async () => {
        const seen = await page.evaluate(() => {
          const scroller = document.querySelector('[data-testid="gallery-grid"] .scroller')
          if (!scroller) return null
          const view = scroller.getBoundingClientRect()
          const tiles = [...scroller.querySelectorAll('[data-testid="gallery-tile"], [data-testid="gallery-placeholder"]')].filter((el) => {
            const box = el.getBoundingClientRect()
            return box.bottom > view.top && box.top < view.bottom
          })
          return { tiles: tiles.length, waiting: tiles.filter((el) => !el.querySelector('img')?.complete || !el.querySelector('img')?.naturalWidth).length }
        })
        return { ok: !!seen && seen.tiles > 0 && seen.waiting === 0, seen }
      })
    },
    /**
     * Scrolls the gallery down by `fraction` of a screen every frame for 3 s and returns the frame
     * times in ms, sorted. Measured, never asserted.
     */
    async measureScroll(fraction) {
      return page.evaluate(
        (fraction) =>
          new Promise((resolve) => {
            const scroller = document.querySelector('[data-testid="gallery-grid"] .scroller')
            const times = []
            let last = performance.now()
            const began = last
            const step = (now) => {
              times.push(now - last)
              last = now
              scroller.scrollTop += scroller.clientHeight * fraction
              if (now - began < 3000) requestAnimationFrame(step)
              else resolve(times.slice(1).sort((a, b) => a - b))
            }
            requestAnimationFrame(step)
          }),
        fraction,
      )
    },
    /** Lets a command scripted with `wait: true` answer, once it has been called. */
    async release(cmd) {
      await poll(`${cmd} should be waiting for an answer`, async () => {
        const seen = await page.evaluate((c) => window.__ATELIER_IPC__.release(c), cmd)
        return { ok: seen, seen }
      })
    },
    /** Presses Tab from the top of the page until `id` has the focus (at most 40 times). */
    async tabTo(id) {
      await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur())
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab')
        const seen = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))
        if (seen === id) return
      }
      throw new Error(`Tab never reached [data-testid=${id}]`)
    },
    async expectChecked(id, expected) {
      await poll(`[data-testid=${id}] should be ${expected ? 'checked' : 'unchecked'}`, async () => {
        const seen = await byId(id).isChecked({ timeout: 500 })
        return { ok: seen === expected, seen }
      })
    },
    /** The window's visible text has no Latin word of 2+ letters but `allowed` ones (names, units). */
    async expectOnlyChinese(allowed) {
      await poll('the page should have no English words left', async () => {
        const text = await page.evaluate(() => document.body.innerText)
        const seen = [...new Set(text.match(/[A-Za-z]{2,}/g) ?? [])].filter((w) => !allowed.includes(w) && !['IP', 'ID'].includes(w))
        return { ok: seen.length === 0, seen }
      })
    },
    async expectNoText(id, unexpected) {
      const seen = await byId(id).innerText({ timeout: TIMEOUT_MS })
      if (seen.includes(unexpected)) throw new Error(`[data-testid=${id}] should not contain ${JSON.stringify(unexpected)}`)
    },
    async expectAbsent(id) {
      const count = await byId(id).count()
      if (count !== 0) throw new Error(`[data-testid=${id}] should not be shown`)
    },
    async expectLang(expected) {
      const lang = await page.evaluate(() => document.documentElement.lang)
      if (lang !== expected) throw new Error(`<html lang> should be ${expected}, is ${lang}`)
    },
    async expectCalls(expected) {
      await poll(`check_backend should have been called ${expected} times`, async () => {
        const seen = await page.evaluate(() => window.__ATELIER_IPC__.calls.check_backend ?? 0)
        return { ok: seen === expected, seen }
      })
    },
    async screenshot(name) {
      await assertLayout(page)
      if (problems.length > 0) throw new Error(problems.join('\n'))
      const path = join(screenshotDir, `ui-${name}.png`)
      await page.screenshot({ path, animations: 'disabled', caret: 'hide' })
      console.log(`    screenshot ${relative(repoDir, path)}`)
    },
  }
}

// Nothing may stick out of the window or out of its box horizontally.
async function assertLayout(page) {
  const overflow = await page.evaluate(() => {
    const found = []
    const root = document.scrollingElement
    if (root.scrollWidth > window.innerWidth) found.push(`page is ${root.scrollWidth}px wide in a ${window.innerWidth}px window`)
    for (const el of document.querySelectorAll('#app *')) {
      if (el instanceof SVGElement || el.closest('svg')) continue
      const style = getComputedStyle(el)
      if (style.display === 'inline' || style.position === 'absolute') continue
      // Truncated on purpose, with an ellipsis (the whole text is in its tooltip).
      if (style.textOverflow === 'ellipsis' && el.hasAttribute('title')) continue
      if (el.scrollWidth > el.clientWidth + 1) {
        found.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} overflows (${el.scrollWidth} > ${el.clientWidth})`)
      }
    }
    return found
  })
  if (overflow.length > 0) throw new Error(`layout clips:\n  ${overflow.join('\n  ')}`)
}

async function runScenario(scenario, baseUrl) {
  const profile = await mkdtemp(join(tmpdir(), 'atelier-ui-chromium-'))
  let context
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      locale: scenario.locale ?? 'en-US',
      colorScheme: scenario.colorScheme ?? 'light',
      viewport: scenario.viewport ?? { width: 960, height: 680 },
      deviceScaleFactor: 1,
      ...(scenario.userAgent ? { userAgent: scenario.userAgent } : {}),
    })
    const page = context.pages()[0] ?? (await context.newPage())
    const problems = []
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        if (scenario.expectedConsole?.some((pattern) => pattern.test(message.text()))) return
        problems.push(`console ${message.type()}: ${message.text()}`)
      }
    })
    // `blob:` URLs are the page's own memory (the preview of a file a chip is uploading): one
    // revoked as its chip goes away may fail to load, harmlessly, and never leaves the machine.
    const ownMemory = (url) => url.startsWith(`blob:${baseUrl}`)
    page.on('requestfailed', (request) => {
      if (!ownMemory(request.url())) problems.push(`request failed: ${request.url()}`)
    })
    if (scenario.images) {
      // What Rust's `img` scheme serves: the thumbnail or original of the image named in the
      // path; 404 for the originals and thumbnails a scenario lists as missing.
      await page.route('http://img.localhost/**', (route) => {
        const [variant, id] = new URL(route.request().url()).pathname.split('/').slice(1)
        if (variant === 'original' && scenario.missingOriginals?.includes(id)) return route.fulfill({ status: 404, body: '' })
        if (variant === 'thumbnail' && scenario.missingThumbnails?.includes(id)) return route.fulfill({ status: 404, body: '' })
        const known = IMAGE_IDS.indexOf(id)
        const hue = known >= 0 ? known * 60 : (parseInt(id, 16) % 8) * 24
        const size = variant === 'original' ? 1024 : known >= 0 ? 512 : 160
        const key = `${hue}:${size}`
        if (!pngCache.has(key)) pngCache.set(key, png(hue, size))
        return route.fulfill({ status: 200, contentType: 'image/png', body: pngCache.get(key), headers: { 'Cache-Control': 'max-age=31536000, immutable' } })
      })
    }
    page.on('request', (request) => {
      if (scenario.images && request.url().startsWith('http://img.localhost/')) return
      if (!request.url().startsWith(baseUrl) && !ownMemory(request.url())) problems.push(`request outside the app: ${request.url()}`)
    })

    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl })
    if (scenario.gallery) await page.addInitScript(installMockGallery, scenario.gallery)
    if (scenario.privacy) await page.addInitScript(installMockPrivacy, scenario.privacy)
    const defaults = { ...DEFAULT_COMMANDS }
    if (scenario.privacy) delete defaults.privacy_settings
    await page.addInitScript(installTauriIpcMock, {
      ...scenario.ipc,
      commands: { ...defaults, ...scenario.ipc.commands },
    })
    if (scenario.clock) {
      // Page time stands still from the start and moves only when the scenario says so.
      const start = new Date('2026-01-01T09:00:00Z').getTime()
      await page.clock.install({ time: start })
      await page.clock.pauseAt(start + 1)
    }
    await page.goto(baseUrl)
    await scenario.run(helpers(page, problems))

    const violations = await page.evaluate(() => window.__ATELIER_IPC__.cspViolations)
    problems.push(...violations.map((v) => `CSP violation: ${v}`))
    if (problems.length > 0) throw new Error(problems.join('\n'))
  } finally {
    await context?.close().catch(() => {})
    await rm(profile, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// Processes this script starts, and stopping them.

const started = new Set()

function start(command, args, options = {}) {
  // Its own process group, so stopping it also stops anything it spawned.
  const child = spawn(command, args, { cwd: uiDir, detached: true, ...options })
  started.add(child)
  child.on('exit', () => started.delete(child))
  return child
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  const signal = (name) => {
    try {
      process.kill(-child.pid, name)
    } catch {
      // already gone
    }
  }
  signal('SIGTERM')
  const timer = setTimeout(() => signal('SIGKILL'), 3_000)
  await exited
  clearTimeout(timer)
}

async function stopAll() {
  await Promise.all([...started].map(stop))
}

for (const name of ['SIGINT', 'SIGTERM']) {
  process.once(name, () => {
    void stopAll().finally(() => process.exit(130))
  })
}

async function run(command, args) {
  const child = start(command, args, { stdio: 'inherit' })
  const code = await new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)))
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`)
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolvePort(port))
    })
  })
}

async function serve() {
  const port = await freePort()
  const child = start(viteBin, ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const baseUrl = `http://127.0.0.1:${port}/`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite preview exited early:\n${output}`)
    const response = await fetch(baseUrl).catch(() => null)
    if (response?.ok) {
      // The scenarios prove the bundle runs under this policy, so it must really be sent.
      const csp = response.headers.get('content-security-policy') ?? ''
      if (!csp.includes("script-src 'self'") || !csp.includes("style-src 'self'")) {
        throw new Error(`vite preview sends no strict Content-Security-Policy (got ${JSON.stringify(csp)})`)
      }
      return baseUrl
    }
    if (Date.now() > deadline) throw new Error(`vite preview did not answer on ${baseUrl}:\n${output}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const filter = process.argv[2]
  const selected = scenarios.filter((s) => !filter || s.name.includes(filter))
  if (selected.length === 0) throw new Error(`no scenario matches ${filter}`)

  await mkdir(screenshotDir, { recursive: true })
  console.log('building dist/ …')
  await run(viteBin, ['build', '--logLevel', 'warn'])
  const baseUrl = await serve()
  console.log(`serving dist/ at ${baseUrl}`)

  const failures = []
  for (const scenario of selected) {
    const began = performance.now()
    try {
      await runScenario(scenario, baseUrl)
      console.log(`  ok    ${scenario.name} (${Math.round(performance.now() - began)} ms)`)
    } catch (error) {
      failures.push(scenario.name)
      console.log(`  FAIL  ${scenario.name}\n        ${String(error?.message ?? error).replaceAll('\n', '\n        ')}`)
    }
  }
  console.log(`${selected.length - failures.length} passed, ${failures.length} failed`)
  if (failures.length > 0) process.exitCode = 1
}

try {
  await main()
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  await stopAll()
}
