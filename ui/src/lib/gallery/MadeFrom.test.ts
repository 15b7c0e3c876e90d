import { fireEvent, render, screen, waitFor } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ImageSource } from '../backend'
import { galleryItem } from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import MadeFrom from './MadeFrom.svelte'

beforeEach(() => i18n.set('en'))

const ITEM = galleryItem(1)
const UPLOAD = 'f1'.repeat(16)
const GONE = 'd0'.repeat(16)

function renderFor(sources: ImageSource[]) {
  const imageSources = vi.fn(async () => ({ status: 'ok' as const, data: sources }))
  const onopenimage = vi.fn()
  render(MadeFrom, { props: { backend: { imageSources }, imageId: 'e5'.repeat(16), onopenimage } })
  return { imageSources, onopenimage }
}

describe('what an image was made from', () => {
  it('shows each input in order: a gallery image opens, an upload and a deleted input say what they are', async () => {
    const { imageSources, onopenimage } = renderFor([
      { kind: 'image', item: ITEM },
      { kind: 'upload', id: UPLOAD, width: 640, height: 480 },
      { kind: 'gone', id: GONE },
    ])
    await screen.findByText('Made from')
    expect(imageSources).toHaveBeenCalledWith('e5'.repeat(16))
    const kinds = screen.getAllByTestId('made-from-source').map((li) => li.dataset.kind)
    expect(kinds).toEqual(['image', 'upload', 'gone'])
    expect(screen.getByAltText('An image you uploaded').getAttribute('src')).toBe(`img://localhost/thumbnail/${UPLOAD}`)
    expect(screen.getByText('No longer in your library')).toBeTruthy()

    await fireEvent.click(screen.getByRole('button', { name: 'Open input image 1' }))
    expect(onopenimage).toHaveBeenCalledWith(ITEM)
  })

  it('shows nothing for an image made from words alone', async () => {
    const { imageSources } = renderFor([])
    await waitFor(() => expect(imageSources).toHaveBeenCalled())
    expect(screen.queryByTestId('made-from')).toBeNull()
  })
})
