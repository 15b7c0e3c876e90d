/**
 * What the detail view offers to make from one image: the tools (upscale, remove the
 * background: the image alone, no prompt) and "more like this" (the image's model's
 * `variation_model`, the same prompt, the image as its reference). Each is a generation request
 * and a price, from the models the service lists; an action whose model is not on offer is not
 * shown.
 */
import type { GalleryItem, GenerationRequest, Model } from '../backend'
import type { MessageKey } from '../i18n/locale.svelte'

export type ImageActionId = 'upscale-2x' | 'upscale-4x' | 'remove-background' | 'more-like-this'

export type ImageAction = {
  id: ImageActionId
  label: MessageKey
  /** Credits it costs (one image). */
  cost: number
  request: Omit<GenerationRequest, 'idempotency_key'>
}

/** The tools, in the order shown, by their model id. */
const TOOLS: { id: ImageActionId; label: MessageKey }[] = [
  { id: 'upscale-2x', label: 'imageAction.upscale2x' },
  { id: 'upscale-4x', label: 'imageAction.upscale4x' },
  { id: 'remove-background', label: 'imageAction.removeBackground' },
]

/** `auto` when the model offers it (the input's own shape), else its default. */
export function ratioFor(model: Model): string {
  return model.aspect_ratios.includes('auto') ? 'auto' : (model.aspect_ratios[0] ?? 'auto')
}

export function imageActions(models: Model[], item: GalleryItem): ImageAction[] {
  const byId = new Map(models.map((m) => [m.id, m]))
  const base = { conversation_id: item.conversation_id, count: 1, input_images: [item.image_id] }
  const actions: ImageAction[] = []
  for (const tool of TOOLS) {
    const model = byId.get(tool.id)
    if (!model) continue
    actions.push({
      id: tool.id,
      label: tool.label,
      cost: model.cost_per_image,
      request: { ...base, prompt: '', model: model.id, aspect_ratio: ratioFor(model) },
    })
  }
  const variationId = byId.get(item.model)?.variation_model
  const variation = variationId ? byId.get(variationId) : undefined
  if (variation) {
    actions.push({
      id: 'more-like-this',
      label: 'imageAction.moreLikeThis',
      cost: variation.cost_per_image,
      request: { ...base, prompt: item.prompt, model: variation.id, aspect_ratio: ratioFor(variation) },
    })
  }
  return actions
}

/** Why an action cannot run now, or `null`: offline first, then a balance short of its cost. */
export function blockedReason(action: ImageAction, balance: number | null, offline: boolean): MessageKey | null {
  if (offline) return 'imageAction.offline'
  if (balance !== null && balance < action.cost) return 'imageAction.notEnough'
  return null
}
