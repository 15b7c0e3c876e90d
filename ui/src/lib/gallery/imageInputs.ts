/**
 * What the detail view offers to do with one image in the studio's composer: "Edit" (the image
 * alone as the input, with an edit model) and "Use as reference" (added to the composer's other
 * images). Nothing is spent on the click; the price shown is what sending it will cost.
 */
import type { GalleryItem, Model } from '../backend'
import { modelsFor } from '../studio/composer'

/**
 * The model an edit of `item` starts with: its own model's `variation_model` when that takes one
 * image and a prompt, else the first edit model on offer; `undefined` when none is.
 */
export function editModelFor(catalogue: Model[], item: GalleryItem): Model | undefined {
  const takesOne = (m: Model | undefined): m is Model =>
    !!m && m.prompt !== 'none' && m.min_input_images <= 1 && 1 <= m.max_input_images
  const variationId = catalogue.find((m) => m.id === item.model)?.variation_model
  const variation = catalogue.find((m) => m.id === variationId)
  if (takesOne(variation)) return variation
  return catalogue.find((m) => m.kind === 'edit' && takesOne(m))
}

/**
 * What one image made from `inputs` images costs at least (the cheapest model that takes them
 * and a prompt); `null` when no model takes that many.
 */
export function cheapestFor(catalogue: Model[], inputs: number): number | null {
  const costs = modelsFor(catalogue, inputs)
    .filter((m) => m.prompt !== 'none')
    .map((m) => m.cost_per_image)
  return costs.length > 0 ? Math.min(...costs) : null
}
