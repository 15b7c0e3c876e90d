// @ts-check
// What the scenarios' fake Rust answers with: the app's info, the service's health, accounts,
// the studio's models and generations, the ledger and the packs on sale, and PNGs made on the fly.
import { deflateSync } from 'node:zlib'

/** How long any wait in a scenario may take. */
export const TIMEOUT_MS = 10_000

export const APP_INFO = { version: '0.1.0', api_url: 'http://127.0.0.1:8787', privacy_contact: 'ljj231428@gmail.com' }
export const NATIVE = { version: '0.3.2', runtime: 'native', latency_ms: 12 }
export const WORKER = { version: '0.3.2', runtime: 'worker', latency_ms: 87 }
export const OFFLINE = { code: 'offline', message: 'error sending request for url (http://127.0.0.1:8787/v1/health)' }

export const ADA = { id: 'usr_0123456789abcdef', email: 'ada@example.com', display_name: 'Ada Lovelace', created_at: Date.UTC(2026, 0, 15, 9, 30) }
export const SIGNED_OUT = { account: null, storage: { kind: 'keychain' }, unsaved: null }
export const SIGNED_IN = { account: ADA, storage: { kind: 'keychain' }, unsaved: null }
export const STORE_UNAVAILABLE = {
  account: null,
  storage: { kind: 'unavailable', reason: 'Platform secure storage failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files' },
  unsaved: null,
}
export const EMAIL_SENT = { expires_in_seconds: 600, resend_after_seconds: 30 }
// Ada's account after correcting its email (a long address, to see it wrap in a narrow window).
export const MOVED = { ...SIGNED_IN, account: { ...ADA, email: 'ada@lovelace.org' } }
export const MOVED_LONG = { ...SIGNED_IN, account: { ...ADA, email: 'augusta.ada.king.countess.of.lovelace@analytical-engine.example.org' } }
export const PRIVACY_UNDECIDED = { analytics: 'undecided', analytics_available: true, error_reports_enabled: true }

// The studio: models, a generation going from queued to done, the ledger.
export const MODELS = [
  { id: 'nano-banana', display_name: 'Nano Banana', aspect_ratios: ['1:1', '16:9', '9:16'], cost_per_image: 4, kind: 'text_to_image', min_input_images: 0, max_input_images: 0, prompt: 'required', variation_model: null },
  { id: 'seedream', display_name: 'Seedream', aspect_ratios: ['1:1', '4:3'], cost_per_image: 6, kind: 'text_to_image', min_input_images: 0, max_input_images: 0, prompt: 'required', variation_model: null },
]
/**
 * @param {string} id
 * @param {string} display_name
 * @param {number} cost_per_image
 */
const tool = (id, display_name, cost_per_image) => ({ id, display_name, aspect_ratios: ['auto'], cost_per_image, kind: 'tool', min_input_images: 1, max_input_images: 1, prompt: 'none', variation_model: null })
// What the service offers since images became input (issue 13): nano-banana's "more like this"
// is made by nano-banana-pro; the tools take one image and no prompt.
export const CATALOGUE = [
  { ...MODELS[0], variation_model: 'nano-banana-pro' },
  MODELS[1],
  { id: 'nano-banana-pro', display_name: 'Nano Banana Pro', aspect_ratios: ['auto', '1:1', '16:9'], cost_per_image: 12, kind: 'text_to_image', min_input_images: 0, max_input_images: 8, prompt: 'required', variation_model: null },
  { id: 'nano-banana-edit', display_name: 'Nano Banana Edit', aspect_ratios: ['auto', '1:1'], cost_per_image: 4, kind: 'edit', min_input_images: 1, max_input_images: 8, prompt: 'required', variation_model: null },
  tool('upscale-2x', 'Upscale 2×', 3),
  tool('upscale-4x', 'Upscale 4×', 6),
  tool('remove-background', 'Remove background', 1),
]
/** What `input_limits` answers: the service's. */
export const INPUT_LIMITS = { max_upload_bytes: 10 * 1024 * 1024, max_upload_pixels: 4096 * 4096, max_input_images: 8 }
/** What `upload_image` answers for the scenarios' files. */
export const UPLOADS = ['f1', 'f2'].map((p, i) => ({
  id: p.repeat(16),
  width: 512,
  height: 512,
  content_type: 'image/png',
  sha256: p.repeat(32),
  thumbnail_sha256: p.repeat(32),
  created_at: Date.UTC(2026, 10, 24, 8, i),
  thumbnail_cached: true,
}))

export const CONVERSATION = { id: 'c0ffee00c0ffee00c0ffee00c0ffee00', title: 'A lighthouse at dusk, oil painting', created_at: Date.UTC(2026, 10, 24, 7), updated_at: Date.UTC(2026, 10, 24, 7) }
export const IMAGE_IDS = ['a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2']
export const GEN = {
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
export const GEN_DONE = {
  ...GEN,
  status: 'done',
  images: IMAGE_IDS.map((id) => ({ id, width: 1024, height: 1024, bytes: 40_000, content_type: 'image/png' })),
}
/** The same prompt for one image. */
export const GEN_ONE = { ...GEN, count: 1, cost: 4 }
// An upscale of gallery image 1 (in the "Harbours" conversation), queued, then done.
export const UPSCALE = {
  ...GEN,
  id: 'e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5',
  conversation_id: 'c0000000000000000000000000000002',
  prompt: '',
  model: 'upscale-2x',
  aspect_ratio: 'auto',
  count: 1,
  cost: 3,
}
export const UPSCALE_DONE = { ...UPSCALE, status: 'done', images: [{ id: 'e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6e6', width: 2048, height: 2048, bytes: 160_000, content_type: 'image/png' }] }
export const HISTORY_IDS = ['d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1', 'd2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2', 'd3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3']
export const LEDGER = {
  entries: [
    { id: 'l3', amount: 4, kind: 'refund', reference: 'refund:g2', created_at: Date.UTC(2026, 10, 24, 7, 5) },
    { id: 'l2', amount: -4, kind: 'debit', reference: 'generation:g2', created_at: Date.UTC(2026, 10, 24, 7, 4) },
    { id: 'l1', amount: -8, kind: 'debit', reference: 'generation:g1', created_at: Date.UTC(2026, 10, 24, 7, 0) },
  ],
  next_cursor: 'page-2',
}
export const LEDGER_2 = {
  entries: [{ id: 'l0', amount: 100, kind: 'grant', reference: 'sign-up:ada', created_at: Date.UTC(2026, 10, 20, 9) }],
  next_cursor: null,
}
// Credits on sale, a checkout, and ledger entries of each kind.
export const PACKS = [
  { id: 'starter', credits: 100, price: { cents: 500, currency: 'USD' } },
  { id: 'studio', credits: 500, price: { cents: 2000, currency: 'USD' } },
  { id: 'pro', credits: 2000, price: { cents: 6000, currency: 'USD' } },
]
export const CHECKOUT = { checkout_id: 'ch_5f3a9c', checkout_url: 'https://checkout.creem.io/ch_5f3a9c', opened: true }
export const GRANT = { id: 'g0', amount: 100, kind: 'grant', reference: 'sign-up:ada', paid: null, created_at: Date.UTC(2026, 10, 20, 9) }
export const PURCHASE = {
  id: 'p1',
  amount: 500,
  kind: 'purchase',
  reference: 'purchase:ord_7Hq2',
  paid: { cents: 2000, currency: 'USD' },
  created_at: Date.UTC(2026, 10, 24, 8),
}
export const CLAWBACK = {
  id: 'c1',
  amount: -500,
  kind: 'clawback',
  reference: 'clawback:ref_93Kd',
  paid: { cents: 2000, currency: 'USD' },
  created_at: Date.UTC(2026, 10, 27, 16, 30),
}
// Signed up again with an address that had its welcome credits once: a grant of nothing.
export const REPEAT_GRANT = { ...GRANT, amount: 0 }
export const DEBIT = { id: 'd1', amount: -8, kind: 'debit', reference: 'generation:g1', paid: null, created_at: Date.UTC(2026, 10, 25, 10) }

/** An error outcome, as the service words it. */
export const fail = (/** @type {string} */ code, extra = {}) => ({ error: { code, message: `${code} (from the fake service)`, ...extra } })
/**
 * One page of a listing command (`list_conversations`, `list_generations`): `{ ok: { [key]: items, next_cursor } }`.
 * @param {string} key
 * @param {object[]} items
 * @param {string | null} [next_cursor]
 */
export const listed = (key, items, next_cursor = null) => ({ ok: { [key]: items, next_cursor } })

/**
 * Commands every scenario answers unless it says otherwise: signed out, keychain available,
 * notifications allowed (the notification plugin's commands; its `notify` calls are recorded).
 */
export const DEFAULT_COMMANDS = {
  auth_state: { ok: SIGNED_OUT },
  // Analytics already declined, so the consent banner stays out of the scenarios not about it.
  privacy_settings: { ok: { analytics: 'denied', analytics_available: true, error_reports_enabled: true } },
  track_event: { ok: null },
  'plugin:notification|is_permission_granted': { ok: true },
  'plugin:notification|notify': { ok: null },
}
/** Signed in, in the studio: the models, an empty history, then the new conversation, 100 credits then 92. */
export const STUDIO = {
  auth_state: { ok: SIGNED_IN },
  list_models: { ok: MODELS },
  list_conversations: [listed('conversations', []), listed('conversations', [CONVERSATION])],
  credits_balance: [{ ok: 100 }, { ok: 92 }],
  credit_packs: { ok: PACKS },
}
/** The studio opened on CONVERSATION from an earlier session, its history these generations. */
export const history = (/** @type {object[]} */ ...generations) => ({
  list_conversations: listed('conversations', [CONVERSATION]),
  list_generations: listed('generations', generations),
})
/** A prompt for two images, generating, then done. */
export const MAKES_TWO = {
  create_generation: { ok: GEN },
  get_generation: [{ ok: { ...GEN, status: 'generating' } }, { ok: GEN_DONE }],
}
/** The credits page: the packs, a balance of 100 from the sign-up grant. */
export const CREDITS = {
  credits_balance: { ok: 100 },
  credits_ledger: { ok: { entries: [GRANT], next_cursor: null } },
  credit_packs: { ok: PACKS },
  buy_credits: { ok: CHECKOUT },
}

// Windows' form of the image scheme (http://img.localhost), which Playwright can route; the
// Linux form (img://localhost) is the same path under another origin.
export const WINDOWS_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36'

/** The id of the fake gallery's image `i` (the i-th newest; see installMockGallery). */
export const galleryId = (/** @type {number} */ i) => i.toString(16).padStart(32, '0')

/**
 * A square PNG (512 px: a thumbnail; 1024: an original): a dusk gradient with a light, tinted by `hue`, so screenshots show real images.
 * @param {number} hue
 */
export function png(hue, size = 512) {
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
  const crc = (/** @type {Buffer} */ buf) => {
    let c = 0xffffffff
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (/** @type {string} */ type, /** @type {Buffer} */ data) => {
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
