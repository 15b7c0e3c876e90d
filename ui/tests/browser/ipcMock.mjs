// @ts-check
// The fakes a scenario's page gets before any of its own scripts: the Tauri runtime with its IPC,
// the gallery's cache and the privacy settings. Each function is serialized into the page by
// `page.addInitScript`, so it must use nothing from outside itself.

// ---------------------------------------------------------------------------------------------
// The fake Tauri runtime. Runs in the page before any of its scripts (so CSP does not apply to
// it). It provides what `@tauri-apps/api/core` reads from `window.__TAURI_INTERNALS__`: `invoke`
// for commands and `transformCallback` (with its companions) for callbacks and channels, and
// the event plugin's listen/unlisten, so the test can play Rust emitting an event.
// A rejected command rejects with the serialized error, as Tauri does. The test steers it
// through `window.__ATELIER_IPC__`: `commands[cmd]` is one outcome (`{ok}`, `{error}`, `{hang}`)
// or a list of them taken in turn (the last one repeats); `calls` and `args` record what came.
// An outcome with `wait: true` answers only when the test calls `release(cmd)`.

/**
 * @param {import('./scenario.mjs').Ipc} config
 * @typedef {import('./scenario.mjs').Ipc & {
 *   calls: Record<string, number>,
 *   args: Record<string, unknown[]>,
 *   listeners: Record<string, string>,
 *   waiting: Record<string, (value?: unknown) => void>,
 *   cspViolations: string[],
 *   generationsMoveOn: () => void,
 *   release: (cmd: string) => boolean,
 *   emit: (event: string, payload: unknown) => void,
 * }} IpcState what `window.__ATELIER_IPC__` holds
 */
export function installTauriIpcMock(config) {
  /** @type {IpcState} */
  const ipc = /** @type {any} */ ({ ...config, calls: {}, args: {}, listeners: {}, waiting: {}, cspViolations: [] })
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
    transformCallback(/** @type {(data: unknown) => unknown} */ callback, once = false) {
      const id = nextCallbackId++
      callbacks.set(id, (/** @type {unknown} */ data) => {
        if (once) callbacks.delete(id)
        return callback?.(data)
      })
      return id
    },
    unregisterCallback(/** @type {number} */ id) {
      callbacks.delete(id)
    },
    runCallback(/** @type {number} */ id, /** @type {unknown} */ data) {
      callbacks.get(id)?.(data)
    },
    callbacks,
    convertFileSrc(/** @type {string} */ path, protocol = 'asset') {
      return `${protocol}://localhost/${encodeURIComponent(path)}`
    },
    async invoke(/** @type {string} */ cmd, /** @type {any} */ args) {
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
  ipc.release = (/** @type {string} */ cmd) => {
    const resolve = ipc.waiting[cmd]
    delete ipc.waiting[cmd]
    resolve?.()
    return !!resolve
  }
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = {
    unregisterListener(/** @type {string} */ _event, /** @type {number} */ id) {
      delete ipc.listeners[id]
    },
  }
  // Rust emitting `event` to this window.
  ipc.emit = (/** @type {string} */ event, /** @type {unknown} */ payload) => {
    for (const [id, name] of Object.entries(ipc.listeners)) {
      if (name === event) window.__TAURI_INTERNALS__.runCallback(Number(id), { event, id: Number(id), payload })
    }
  }

  // What the notification plugin's script (injected by Rust before the page) does: a
  // `window.Notification` whose permission and notices go through `plugin:notification|…`, its
  // permission read once at load.
  /** @type {(cmd: string, args?: unknown) => Promise<any>} */
  const invoke = (cmd, args) => window.__TAURI_INTERNALS__.invoke(cmd, args)
  let permission = 'default'
  function Notification(/** @type {string} */ title, options = {}) {
    void invoke('plugin:notification|notify', { options: { ...options, title } }).catch(() => {})
  }
  Notification.requestPermission = async () => {
    const state = await invoke('plugin:notification|request_permission')
    permission = state === 'prompt' || state === 'prompt-with-rationale' ? 'default' : state
    return state
  }
  Object.defineProperty(Notification, 'permission', { enumerable: true, get: () => permission })
  window.Notification = /** @type {any} */ (Notification)
  void invoke('plugin:notification|is_permission_granted')
    .then((/** @type {boolean | null} */ granted) => (permission = granted === null ? 'default' : granted ? 'granted' : 'denied'))
    .catch(() => {})
}

// ---------------------------------------------------------------------------------------------
// The fake gallery: what Rust's cache would answer, over `count` synthetic images made the same
// way every run (image `i` is the i-th newest), with search, filters, favourites, deletes (an
// outbox while offline), the sync state and the storage numbers. Runs in the page, before it.

/**
 * @param {import('./scenario.mjs').GalleryOptions} options
 * @typedef {{ search: string | null, favourites_only: boolean, conversation_id?: string | null, from_ms: number | null, to_ms: number | null }} Query what `gallery_page` filters by
 */
export function installMockGallery(options) {
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

  const id = (/** @type {number} */ i) => i.toString(16).padStart(32, '0')
  const item = (/** @type {number} */ i) => {
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
  /** @type {{ key: string | null, list: number[] }} */
  let memo = { key: null, list: [] }
  /** @param {Query} query */
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
        if (!words.every((/** @type {string} */ w) => prompt.includes(w))) continue
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
  const outbox = (/** @type {number} */ n) => {
    if (state.sync.state !== 'offline') return
    state.sync = { ...state.sync, pending_changes: state.sync.pending_changes + n }
    setTimeout(emitSync, 0)
  }
  const index = (/** @type {string} */ imageId) => parseInt(imageId, 16)

  window.__ATELIER_GALLERY__ = {
    state,
    gallery_page(/** @type {{ query: Query, offset: number, limit: number }} */ { query, offset, limit }) {
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
    set_favourite(/** @type {{ imageIds: string[], favourite: boolean }} */ { imageIds, favourite }) {
      for (const imageId of imageIds) favourite ? favourites.add(index(imageId)) : favourites.delete(index(imageId))
      changed()
      outbox(1)
      return null
    },
    delete_images(/** @type {{ imageIds: string[] }} */ { imageIds }) {
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
    set_storage_budget(/** @type {{ bytes: number }} */ { bytes }) {
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
    image_sources: (/** @type {{ imageId: string }} */ { imageId }) =>
      index(imageId) === 1
        ? [
            { kind: 'image', item: item(2) },
            { kind: 'upload', id: 'f1'.repeat(16), width: 640, height: 480 },
            { kind: 'gone', id: 'd0'.repeat(16) },
          ]
        : [],
    prepare_drag_out: (/** @type {{ imageId: string }} */ { imageId }) => {
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

/** @param {object} initial the settings until the test's page changes them */
export function installMockPrivacy(initial) {
  const KEY = 'atelier.test.privacy'
  const read = () => JSON.parse(localStorage.getItem(KEY) ?? 'null') ?? initial
  window.__ATELIER_PRIVACY__ = {
    privacy_settings: () => read(),
    set_analytics_consent(/** @type {{ granted: boolean }} */ { granted }) {
      const next = { ...read(), analytics: granted ? 'granted' : 'denied' }
      localStorage.setItem(KEY, JSON.stringify(next))
      return next
    },
  }
}

