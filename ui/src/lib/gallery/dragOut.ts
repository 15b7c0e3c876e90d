/**
 * Dragging a tile out of the window, into a file manager, an editor or a chat: the drag must
 * carry a `file://` URL of a real file, and `dragstart` cannot wait for one. So a press on a tile
 * (which a drag always starts with) asks Rust to make the original's file, and the drag that
 * follows carries it when it is ready — at once when the original is cached. A drag that starts
 * before it is ready still works inside the app (the composer takes the image's id).
 */
import type { Backend } from '../backend'

export class DragOut {
  readonly #urls = new Map<string, string>()
  readonly #asked = new Set<string>()

  constructor(private readonly backend: Pick<Backend, 'prepareDragOut'>) {}

  /** A press on `imageId`'s tile: makes its file, once per image. */
  prepare(imageId: string): void {
    if (this.#asked.has(imageId)) return
    this.#asked.add(imageId)
    void this.backend.prepareDragOut(imageId).then((result) => {
      if (result.status === 'ok') this.#urls.set(imageId, result.data.url)
      // Not made (offline and not cached, say): the next press asks again.
      else this.#asked.delete(imageId)
    })
  }

  /** Puts the file's URL on a drag of `imageId` for other applications; `false` while it is not ready. */
  carry(data: Pick<DataTransfer, 'setData'>, imageId: string): boolean {
    const url = this.#urls.get(imageId)
    if (!url) return false
    data.setData('text/uri-list', url)
    return true
  }
}
