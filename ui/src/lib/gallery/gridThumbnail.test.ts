import { render } from '@testing-library/svelte'
import { describe, expect, it } from 'vitest'
import { galleryItem } from '../backend/testing'
import GalleryTile from './GalleryTile.svelte'

describe("a gallery tile's image", () => {
  // A tile is about 180 px: the 512 px thumbnail would be decoded (and kept by the webview) at
  // four times the pixels it shows. The detail view keeps the 512 px thumbnail and the original.
  it('is the grid-sized thumbnail, decoded off the main thread', () => {
    const item = galleryItem(7)
    const { container } = render(GalleryTile, {
      props: { item, index: 7, selected: false, focused: false, onpick: () => {}, onopen: () => {} },
    })
    const img = container.querySelector('img') as HTMLImageElement
    expect(img.getAttribute('src')).toBe(`img://localhost/grid/${item.image_id}`)
    expect(img.getAttribute('decoding')).toBe('async')
  })
})
