/**
 * What the signed-in screen holds: the models, the conversations and which one is open, the
 * generations of each conversation opened so far (its history, page by page, and those made in
 * this window), and the credits left.
 */
import {
  newIdempotencyKey,
  type AppError,
  type Backend,
  type Conversation,
  type Generation,
  type GenerationRequest,
  type Model,
  type Result,
} from '../backend'
import { ratioFor } from '../gallery/imageActions'
import { ComposerInputs } from './composerInputs.svelte'
import { FinishNotices, windowInFront, type InFront } from './finishNotices'
import { isUnreachable, WaitingSend } from './waitingSend.svelte'

/**
 * How long a generation started outside the studio is followed, and how often it is read again
 * when the live sync says nothing (in case that channel is broken).
 */
const FOLLOW_FALLBACK_POLL_MS = 15_000
const FOLLOW_FOR_MS = 16 * 60 * 1000

export type Draft = {
  prompt: string
  model: string
  aspect_ratio: string
  count: number
  /** Ids of the images it works from, in order; none when absent. */
  input_images?: string[]
}

/**
 * A finished generation's settings as a draft: "Run again" makes the same again, from the same
 * images; "Use this prompt" (`withInputs: false`) takes only the words to the composer.
 */
export function draftOf(g: Generation, { withInputs }: { withInputs: boolean }): Draft {
  const draft: Draft = { prompt: g.prompt, model: g.model, aspect_ratio: g.aspect_ratio, count: g.count }
  if (withInputs && g.input_images.length > 0) draft.input_images = [...g.input_images]
  return draft
}

/** How far a conversation's history is loaded. */
export type History = {
  /** Where the next (older) page starts; `null` once the oldest is shown. */
  next: string | null
  loading: boolean
  error: AppError | null
}

const byCreation = (a: Generation, b: Generation): number =>
  a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

export class Studio {
  /** The models the composer chooses from (it offers those that take its images, see `modelsFor`). */
  models = $state<Model[]>([])
  /** Every model on offer, tools and edits too (the gallery's image actions use them). */
  catalogue = $state<Model[]>([])
  conversations = $state<Conversation[]>([])
  /** `null`: a new conversation, named by its first prompt. */
  selected = $state<string | null>(null)
  /** Generations per conversation id, newest last. */
  generations = $state<Record<string, Generation[]>>({})
  /** Per conversation id, once its history was asked for. */
  history = $state<Record<string, History>>({})
  balance = $state<number | null>(null)
  loadError = $state<AppError | null>(null)
  /** Set by "Use this prompt": the composer takes it and clears it. */
  prefill = $state<Draft | null>(null)
  /** The images the composer works from (its chips). */
  readonly inputs: ComposerInputs
  /** A draft sent while the service could not be reached, sent again until it goes. */
  readonly waiting: WaitingSend

  /**
   * The conversation each key's first attempt was for: a retry goes there too, whichever
   * conversation is open by then (the service would answer a key it knows with the first).
   */
  private readonly aimedAt = new Map<string, string | null>()

  /** Tells the OS when a generation finishes while the window is in the background. */
  private readonly notices: FinishNotices

  constructor(
    private readonly backend: Backend,
    inFront: InFront = windowInFront,
  ) {
    this.notices = new FinishNotices((title, body) => backend.notify(title, body), inFront)
    this.inputs = new ComposerInputs(backend)
    this.waiting = new WaitingSend((draft, key) => this.generate(draft, key))
  }

  get current(): Generation[] {
    return this.selected ? (this.generations[this.selected] ?? []) : []
  }

  get currentHistory(): History | null {
    return this.selected ? (this.history[this.selected] ?? null) : null
  }

  /** Loads the newest page of a conversation's history, once (again after a failure). */
  async openHistory(id: string): Promise<void> {
    const known = this.history[id]
    if (known && (known.loading || !known.error)) return
    await this.loadPage(id, null)
  }

  /** Loads the page before the oldest generation shown. */
  async loadEarlier(id: string): Promise<void> {
    const known = this.history[id]
    if (!known || known.loading || known.next === null) return
    await this.loadPage(id, known.next)
  }

  private async loadPage(id: string, cursor: string | null): Promise<void> {
    const previous = this.history[id]
    this.history[id] = { next: previous?.next ?? null, loading: true, error: null }
    const page = await this.backend.listGenerations(id, cursor)
    // Deleted while loading: forget it.
    if (!this.history[id]) return
    if (page.status === 'error') {
      this.history[id] = { next: previous?.next ?? null, loading: false, error: page.error }
      return
    }
    this.merge(id, page.data.generations)
    this.history[id] = { next: page.data.next_cursor, loading: false, error: null }
  }

  /** Adds generations from the service to those already shown; a newer state of one wins. */
  private merge(id: string, incoming: Generation[]): void {
    const shown = new Map((this.generations[id] ?? []).map((g) => [g.id, g]))
    for (const g of incoming) {
      const have = shown.get(g.id)
      if (!have || have.updated_at < g.updated_at) {
        shown.set(g.id, g)
        this.notices.changed(have, g)
      }
    }
    this.generations[id] = [...shown.values()].sort(byCreation)
  }

  async load(): Promise<void> {
    const [models, conversations, balance] = await Promise.all([
      this.backend.listModels(),
      this.backend.listConversations(null),
      this.backend.creditsBalance(),
      this.inputs.loadLimits(),
    ])
    // Every model: the composer offers those that fit the images it has (none: words alone).
    if (models.status === 'ok') {
      this.catalogue = models.data
      this.models = models.data
    } else this.loadError = models.error
    if (conversations.status === 'ok') this.conversations = conversations.data.conversations
    if (balance.status === 'ok') this.balance = balance.data
  }

  async refreshBalance(): Promise<void> {
    const balance = await this.backend.creditsBalance()
    if (balance.status === 'ok') this.balance = balance.data
  }

  async newConversation(): Promise<AppError | null> {
    const created = await this.backend.createConversation(null)
    if (created.status === 'error') return created.error
    this.conversations = [created.data, ...this.conversations]
    // A new conversation has no history to load.
    this.history[created.data.id] = { next: null, loading: false, error: null }
    this.selected = created.data.id
    return null
  }

  async rename(id: string, title: string): Promise<AppError | null> {
    const renamed = await this.backend.renameConversation(id, title)
    if (renamed.status === 'error') return renamed.error
    this.conversations = this.conversations.map((c) => (c.id === id ? renamed.data : c))
    return null
  }

  async remove(id: string): Promise<AppError | null> {
    const deleted = await this.backend.deleteConversation(id)
    if (deleted.status === 'error' && deleted.error.code !== 'not_found') return deleted.error
    this.conversations = this.conversations.filter((c) => c.id !== id)
    delete this.generations[id]
    delete this.history[id]
    if (this.selected === id) this.selected = null
    return null
  }

  /**
   * Sends a draft under `key` (made once per user action; the caller passes the same key to
   * retry it). The card appears at once; the balance follows the charge.
   */
  async generate(draft: Draft, key: string = newIdempotencyKey()): Promise<AppError | null> {
    if (!this.aimedAt.has(key)) this.aimedAt.set(key, this.selected)
    const created = await this.backend.createGeneration({
      conversation_id: this.aimedAt.get(key) ?? null,
      prompt: draft.prompt.trim(),
      model: draft.model,
      aspect_ratio: draft.aspect_ratio,
      count: draft.count,
      input_images: draft.input_images ?? [],
      idempotency_key: key,
    })
    // Another try under this key is the same action only while the service was out of reach.
    if (created.status === 'ok' || !isUnreachable(created.error)) this.aimedAt.delete(key)
    if (created.status === 'error') return created.error
    const g = created.data
    this.upsert(g)
    if (!this.conversations.some((c) => c.id === g.conversation_id)) {
      // A new conversation named after the prompt, with nothing before this generation: list it
      // as the service has it.
      this.history[g.conversation_id] ??= { next: null, loading: false, error: null }
      const page = await this.backend.listConversations(null)
      if (page.status === 'ok') this.conversations = page.data.conversations
    }
    this.selected = g.conversation_id
    void this.refreshBalance()
    return null
  }

  /**
   * The gallery's "Edit": the composer works from this image alone, with an edit model (the
   * image's own model's `variation_model` when it is one, else the first edit model).
   */
  edit(imageId: string, model: Model | undefined): void {
    this.inputs.replaceWith(imageId)
    if (model) this.prefill = { prompt: '', model: model.id, aspect_ratio: ratioFor(model), count: 1 }
  }

  /**
   * Starts a generation made from an image (an upscale, "more like this") in the conversation
   * the request names, under a fresh key per click, and follows it to the end even if its card
   * is never shown, so its image reaches the gallery (the shell syncs when it sees one done);
   * the balance follows the charge.
   */
  async start(
    request: Omit<GenerationRequest, 'idempotency_key'>,
    key: string = newIdempotencyKey(),
  ): Promise<Result<Generation>> {
    const created = await this.backend.createGeneration({ ...request, idempotency_key: key })
    if (created.status === 'ok') {
      this.upsert(created.data)
      void this.refreshBalance()
      void this.follow(created.data.id)
    }
    return created
  }

  /**
   * Reads a generation again whenever the live sync says generations changed (and every `pollMs`
   * without a word from it) until it is done or failed, or the service's 15 minutes for it are
   * over.
   */
  private async follow(id: string, pollMs = FOLLOW_FALLBACK_POLL_MS): Promise<void> {
    const deadline = Date.now() + FOLLOW_FOR_MS
    let wake: (() => void) | null = null
    let told = false
    const unlisten = await this.backend.onLibraryChanged((changes) => {
      if (!changes.generations && !changes.more_finished && !changes.finished_generations.includes(id)) return
      told = true
      wake?.()
    })
    try {
      while (Date.now() < deadline) {
        if (!told) {
          let timer: ReturnType<typeof setTimeout> | undefined
          await new Promise<void>((resolve) => {
            wake = resolve
            timer = setTimeout(resolve, pollMs)
          })
          clearTimeout(timer)
          wake = null
        }
        told = false
        const got = await this.backend.getGeneration(id)
        if (got.status === 'error') {
          if (got.error.code === 'not_found') return
          continue
        }
        this.upsert(got.data)
        if (got.data.status === 'done' || got.data.status === 'failed') return
      }
    } finally {
      unlisten()
    }
  }

  /** A newer state of a generation (from polling). */
  upsert(g: Generation): void {
    const list = this.generations[g.conversation_id] ?? []
    const at = list.findIndex((x) => x.id === g.id)
    const before = at >= 0 ? list[at] : undefined
    this.generations[g.conversation_id] =
      at >= 0 ? list.map((x) => (x.id === g.id ? g : x)) : [...list, g]
    this.notices.changed(before, g)
    // A failure is refunded: show the balance after it.
    if (before && before.status !== 'failed' && g.status === 'failed') void this.refreshBalance()
  }
}
