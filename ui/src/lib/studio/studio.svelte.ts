/**
 * What the signed-in screen holds: the models, the conversations and which one is open, the
 * generations made in this window per conversation, and the credits left.
 */
import {
  newIdempotencyKey,
  type AppError,
  type Backend,
  type Conversation,
  type Generation,
  type Model,
} from '../backend'

export type Draft = {
  prompt: string
  model: string
  aspect_ratio: string
  count: number
}

export class Studio {
  models = $state<Model[]>([])
  conversations = $state<Conversation[]>([])
  /** `null`: a new conversation, named by its first prompt. */
  selected = $state<string | null>(null)
  /** Generations per conversation id, newest last. */
  generations = $state<Record<string, Generation[]>>({})
  balance = $state<number | null>(null)
  loadError = $state<AppError | null>(null)
  /** Set by "Use this prompt": the composer takes it and clears it. */
  prefill = $state<Draft | null>(null)

  constructor(private readonly backend: Backend) {}

  get current(): Generation[] {
    return this.selected ? (this.generations[this.selected] ?? []) : []
  }

  async load(): Promise<void> {
    const [models, conversations, balance] = await Promise.all([
      this.backend.listModels(),
      this.backend.listConversations(null),
      this.backend.creditsBalance(),
    ])
    if (models.status === 'ok') this.models = models.data
    else this.loadError = models.error
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
    if (this.selected === id) this.selected = null
    return null
  }

  /**
   * Sends a draft under `key` (made once per user action; the caller passes the same key to
   * retry it). The card appears at once; the balance follows the charge.
   */
  async generate(draft: Draft, key: string = newIdempotencyKey()): Promise<AppError | null> {
    const created = await this.backend.createGeneration({
      conversation_id: this.selected,
      prompt: draft.prompt.trim(),
      model: draft.model,
      aspect_ratio: draft.aspect_ratio,
      count: draft.count,
      idempotency_key: key,
    })
    if (created.status === 'error') return created.error
    const g = created.data
    this.upsert(g)
    if (!this.conversations.some((c) => c.id === g.conversation_id)) {
      // A new conversation named after the prompt: list it as the service has it.
      const page = await this.backend.listConversations(null)
      if (page.status === 'ok') this.conversations = page.data.conversations
    }
    this.selected = g.conversation_id
    void this.refreshBalance()
    return null
  }

  /** A newer state of a generation (from polling). */
  upsert(g: Generation): void {
    const list = this.generations[g.conversation_id] ?? []
    const at = list.findIndex((x) => x.id === g.id)
    const before = at >= 0 ? list[at] : undefined
    this.generations[g.conversation_id] =
      at >= 0 ? list.map((x) => (x.id === g.id ? g : x)) : [...list, g]
    // A failure is refunded: show the balance after it.
    if (before && before.status !== 'failed' && g.status === 'failed') void this.refreshBalance()
  }
}
