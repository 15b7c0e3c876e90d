/**
 * The OS notification for a generation that finished while the window was in the background:
 * once per generation, only for one seen going from unfinished to done or failed here (never for
 * history that was already finished when it loaded), and only when the person is looking elsewhere.
 */
import type { Generation } from '../backend'
import { t } from '../i18n/locale.svelte'

/** How much of the prompt the notification shows. */
export const BODY_CHARS = 100

/** Whether the person is looking at this window: shown and focused. */
export type InFront = () => boolean

export const windowInFront: InFront = () =>
  typeof document === 'undefined' || (document.visibilityState !== 'hidden' && document.hasFocus())

const finished = (g: Generation): boolean => g.status === 'done' || g.status === 'failed'

/** The start of a prompt, on one line, cut at `max` characters (a character is a code point). */
export function promptStart(prompt: string, max = BODY_CHARS): string {
  const line = prompt.trim().replace(/\s+/g, ' ')
  const chars = [...line]
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('').trimEnd()}…`
}

/** The notification's words for a finished generation, in the current language. */
export function noticeOf(g: Generation): { title: string; body: string } {
  const count = g.images.length || g.count
  const title =
    g.status === 'failed'
      ? t('notice.failed')
      : count === 1
        ? t('notice.oneImageReady')
        : t('notice.imagesReady', { count })
  return { title, body: promptStart(g.prompt) }
}

export class FinishNotices {
  readonly #told = new Set<string>()

  constructor(
    private readonly notify: (title: string, body: string) => Promise<unknown>,
    private readonly inFront: InFront = windowInFront,
  ) {}

  /** A generation shown as `before` (`undefined`: not shown yet) is now `after`. */
  changed(before: Generation | undefined, after: Generation): void {
    if (!before || finished(before) || !finished(after)) return
    if (this.#told.has(after.id)) return
    this.#told.add(after.id)
    if (this.inFront()) return
    const { title, body } = noticeOf(after)
    void this.notify(title, body).catch(() => {})
  }
}
