/**
 * The images the composer works from, shown as chips above the prompt in the order the model
 * gets them. A dropped, pasted or picked file is checked here (type, size, how many) and
 * uploaded, its chip showing the progress, then the upload's id; a gallery image (dragged from a
 * tile, or "Edit" / "Use as reference" in its detail view) goes in by its id, with no upload. A
 * failed upload keeps its chip, with the service's reason, to retry or remove.
 */
import type { AppError, Backend, InputLimits } from '../backend'
import { errorMessageKey } from '../errors/messages'
import type { MessageKey } from '../i18n/locale.svelte'

/** What the service takes as an upload. */
export const INPUT_TYPES = ['image/png', 'image/jpeg', 'image/webp']
/** The drag data a gallery tile carries: the image's id (defined where tiles are dragged). */
export { IMAGE_DRAG_TYPE } from '../gallery/selection'

export type InputChip = {
  /** This chip, whatever becomes of its upload. */
  key: string
  /** `upload`: a file brought in; `image`: one of the gallery's. */
  source: 'upload' | 'image'
  /** The upload's or image's id, once there is one. */
  id: string | null
  /** The file's name, for words about it. */
  name: string
  /** The file itself while it has no id (shown, and sent again on retry). */
  file: Blob | null
  state: 'uploading' | 'ready' | 'failed'
  /** Bytes sent of `total`. */
  sent: number
  total: number
  error: AppError | null
}

/** Why files were not taken, in words with their values. */
export type Refusal = { key: MessageKey; values: Record<string, string | number> }

/** Words on a chip whose upload failed: about the image for the codes that are about it. */
export function chipErrorKey(code: string): MessageKey {
  switch (code) {
    case 'unsupported_media_type':
    case 'invalid_image':
    case 'payload_too_large':
    case 'image_too_large':
    case 'offline':
      return `inputs.error.${code}`
    default:
      return errorMessageKey(code)
  }
}

let nextKey = 0

export class ComposerInputs {
  chips = $state<InputChip[]>([])
  /** The last refusal (a file of another type, too large, too many): shown until the next add. */
  refusal = $state<Refusal | null>(null)
  limits = $state<InputLimits | null>(null)

  constructor(private readonly backend: Backend) {}

  /** The ids the generation names, in chip order, once every chip is ready. */
  get ids(): string[] {
    return this.chips.flatMap((c) => (c.state === 'ready' && c.id ? [c.id] : []))
  }

  /** Every chip has its id: the inputs can be sent. */
  get ready(): boolean {
    return this.chips.every((c) => c.state === 'ready')
  }

  /** How many images one generation may name. */
  get max(): number {
    return this.limits?.max_input_images ?? 8
  }

  async loadLimits(): Promise<void> {
    const limits = await this.backend.inputLimits()
    if (limits.status === 'ok') this.limits = limits.data
  }

  /** Takes dropped, pasted or picked files: the images that fit are uploaded, the rest refused. */
  addFiles(files: File[]): void {
    this.refusal = null
    for (const file of files) {
      if (!INPUT_TYPES.includes(file.type)) {
        this.refusal = { key: 'inputs.unsupported', values: { name: file.name || '?' } }
        continue
      }
      const maxBytes = this.limits?.max_upload_bytes
      if (maxBytes !== undefined && file.size > maxBytes) {
        this.refusal = { key: 'inputs.tooLarge', values: { name: file.name || '?', max: Math.round(maxBytes / (1024 * 1024)) } }
        continue
      }
      if (!this.roomForOne()) return
      const chip: InputChip = {
        key: `input-${nextKey++}`,
        source: 'upload',
        id: null,
        name: file.name,
        file,
        state: 'uploading',
        sent: 0,
        total: file.size,
        error: null,
      }
      this.chips.push(chip)
      void this.upload(chip.key)
    }
  }

  /** Adds one of the gallery's images by id (after the others); `false` when it was refused. */
  addImage(id: string, name = ''): boolean {
    this.refusal = null
    if (this.chips.some((c) => c.id === id)) return true
    if (!this.roomForOne()) return false
    this.chips.push({ key: `input-${nextKey++}`, source: 'image', id, name, file: null, state: 'ready', sent: 0, total: 0, error: null })
    return true
  }

  /** Makes `id` the only input (the gallery's "Edit"). */
  replaceWith(id: string, name = ''): void {
    this.chips = []
    this.addImage(id, name)
  }

  remove(key: string): void {
    this.chips = this.chips.filter((c) => c.key !== key)
    this.refusal = null
  }

  /** Sends a failed upload again. */
  retry(key: string): void {
    const chip = this.find(key)
    if (!chip || chip.state !== 'failed') return
    chip.state = 'uploading'
    chip.error = null
    chip.sent = 0
    void this.upload(key)
  }

  clear(): void {
    this.chips = []
    this.refusal = null
  }

  private roomForOne(): boolean {
    if (this.chips.length < this.max) return true
    this.refusal = { key: 'inputs.tooMany', values: { max: this.max } }
    return false
  }

  private find(key: string): InputChip | undefined {
    return this.chips.find((c) => c.key === key)
  }

  private async upload(key: string): Promise<void> {
    const file = this.find(key)?.file
    if (!file) return
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await file.arrayBuffer())
    } catch (thrown) {
      this.failed(key, { code: 'invalid_image', message: String(thrown) })
      return
    }
    const uploaded = await this.backend.uploadImage(bytes, ({ sent, total }) => {
      const chip = this.find(key)
      if (chip && chip.state === 'uploading') {
        chip.sent = sent
        chip.total = total
      }
    })
    // Removed while it went: forget it.
    const chip = this.find(key)
    if (!chip) return
    if (uploaded.status === 'error') {
      this.failed(key, uploaded.error)
      return
    }
    // The same bytes twice are the same upload: one chip is enough.
    if (this.chips.some((c) => c.key !== key && c.id === uploaded.data.id)) {
      this.chips = this.chips.filter((c) => c.key !== key)
      return
    }
    chip.id = uploaded.data.id
    chip.state = 'ready'
    chip.sent = chip.total
    chip.file = null
  }

  private failed(key: string, error: AppError): void {
    const chip = this.find(key)
    if (!chip) return
    chip.state = 'failed'
    chip.error = error
  }
}
