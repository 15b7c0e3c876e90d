/**
 * The window's own shortcuts (the catalogue's global ones): a key pressed outside text fields
 * and dialogs runs the handler its shortcut has at that moment (none: the key does nothing and
 * goes on as usual). A sequence (`g` then `s`) counts when its keys come within `SEQUENCE_MS`.
 */
import { matches, SHORTCUTS, type Chord, type GlobalShortcut, type Press } from './shortcuts'

export type ShortcutHandlers = Partial<Record<GlobalShortcut, () => void>>

/** How long the next key of a sequence may take. */
export const SEQUENCE_MS = 1_500

/** Keys that only modify others: pressing Shift on the way to `?` is not a key of its own. */
const MODIFIERS = new Set(['Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'OS', 'CapsLock', 'Fn'])
/** Inputs that take no typing. */
const NOT_TEXT = new Set(['button', 'checkbox', 'radio', 'range', 'color', 'file', 'image', 'reset', 'submit'])

/** Whether keys typed at `target` are its own: a text field, a menu (it jumps by letter), an editor. */
export function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false
  if (target instanceof HTMLInputElement) return !NOT_TEXT.has(target.type)
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true
  return target.closest('[contenteditable]:not([contenteditable="false"])') !== null
}

/** A modal dialog has the keyboard: its keys (the viewer's arrows, Esc) are its own. */
function dialogOpen(): boolean {
  return document.querySelector('[aria-modal="true"]') !== null
}

const GLOBAL = SHORTCUTS.flatMap((s) => (s.global ? [s] : []))
const LONGEST = Math.max(...GLOBAL.flatMap((s) => s.keys.map((sequence) => sequence.length)))

const endsWith = (recent: Press[], sequence: readonly Chord[]): boolean =>
  sequence.length <= recent.length && sequence.every((chord, i) => matches(chord, recent[recent.length - sequence.length + i]!))

/**
 * A `keydown` listener for the window. `handlers` is read at each press, so a shortcut can be
 * offered only where it applies (the gallery's search while the gallery is shown).
 */
export function keyDispatcher(handlers: () => ShortcutHandlers, now: () => number = Date.now): (event: KeyboardEvent) => void {
  let recent: Press[] = []
  let last = 0
  return (event) => {
    if (MODIFIERS.has(event.key)) return
    // Taken by what has the focus, typed, held down, or a dialog's: a sequence starts over.
    if (event.defaultPrevented || event.isComposing || event.repeat || event.altKey || isTextField(event.target) || dialogOpen()) {
      recent = []
      return
    }
    const at = now()
    if (at - last > SEQUENCE_MS) recent = []
    last = at
    const { key, code, ctrlKey, metaKey, shiftKey } = event
    recent = [...recent.slice(Math.max(0, recent.length - LONGEST + 1)), { key, code, ctrlKey, metaKey, shiftKey }]
    const offered = handlers()
    for (const shortcut of GLOBAL) {
      const run = offered[shortcut.id]
      if (!run || !shortcut.keys.some((sequence) => endsWith(recent, sequence))) continue
      event.preventDefault()
      recent = []
      run()
      return
    }
  }
}

/**
 * Moves the focus to what a shortcut goes to: the element marked `data-shortcut-target={name}`
 * (the gallery's search, the prompt box). Whether there was one.
 */
export function focusTarget(name: string): boolean {
  const target = document.querySelector<HTMLElement>(`[data-shortcut-target="${name}"]`)
  target?.focus()
  return target !== null
}
