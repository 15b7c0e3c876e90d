/**
 * Every keyboard shortcut of the app, in one catalogue: the help overlay (`?`) lists it, the
 * window's key dispatcher (`keyDispatcher.ts`) acts on its global entries, and tests hold the
 * local ones (the composer's, the gallery grid's, the image viewer's) to what their handlers do,
 * so the list cannot drift from the keys.
 */
import type { MessageKey } from '../i18n/locale.svelte'

/**
 * One press: `key` as `KeyboardEvent.key` gives it (`click` for a mouse click). Ctrl is ⌘ on a
 * Mac. Shift is part of a character (`?` is Shift+/ on some keyboards, not on others), so it is
 * named only with keys that are not characters (Shift+Enter, Shift+↑).
 */
export type Chord = { key: string; ctrl?: boolean; shift?: boolean }

/** Ways to press a shortcut: each a sequence of chords (`g` then `s`), most of them one chord. */
export type Keys = readonly (readonly Chord[])[]

export type ShortcutGroup = 'general' | 'studio' | 'gallery' | 'viewer'

/** The shortcuts the window itself handles, wherever the focus is (outside text fields). */
export type GlobalShortcut = 'help' | 'goStudio' | 'goGallery' | 'goSettings' | 'newConversation' | 'search'

export type Shortcut = { group: ShortcutGroup; label: MessageKey; keys: Keys } & (
  | { id: GlobalShortcut; /** Handled by the window (see `keyDispatcher.ts`). */ global: true }
  | { id: LocalShortcut; /** Handled by the part that has the focus. */ global: false }
)

/** Shortcuts of one part of the window, handled there. */
export type LocalShortcut =
  | 'send'
  | 'newLine'
  | 'recall'
  | 'move'
  | 'extend'
  | 'toggle'
  | 'selectAll'
  | 'clearSelection'
  | 'openImage'
  | 'delete'
  | 'previousNext'
  | 'closeViewer'

const press = (key: string, mods: Omit<Chord, 'key'> = {}): Chord[] => [{ key, ...mods }]
const ARROWS = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown']

export const GROUPS: readonly { id: ShortcutGroup; label: MessageKey }[] = [
  { id: 'general', label: 'shortcuts.group.general' },
  { id: 'studio', label: 'shortcuts.group.studio' },
  { id: 'gallery', label: 'shortcuts.group.gallery' },
  { id: 'viewer', label: 'shortcuts.group.viewer' },
]

export const SHORTCUTS: readonly Shortcut[] = [
  { id: 'help', group: 'general', label: 'shortcuts.help', keys: [press('?')], global: true },
  { id: 'goStudio', group: 'general', label: 'shortcuts.goStudio', keys: [[{ key: 'g' }, { key: 's' }], press('1', { ctrl: true })], global: true },
  { id: 'goGallery', group: 'general', label: 'shortcuts.goGallery', keys: [press('2', { ctrl: true })], global: true },
  { id: 'goSettings', group: 'general', label: 'shortcuts.goSettings', keys: [press(',', { ctrl: true })], global: true },

  { id: 'newConversation', group: 'studio', label: 'shortcuts.newConversation', keys: [press('n')], global: true },
  // The composer's prompt box (Composer.svelte).
  { id: 'send', group: 'studio', label: 'shortcuts.send', keys: [press('Enter')], global: false },
  { id: 'newLine', group: 'studio', label: 'shortcuts.newLine', keys: [press('Enter', { shift: true })], global: false },
  { id: 'recall', group: 'studio', label: 'shortcuts.recall', keys: [press('ArrowUp'), press('ArrowDown')], global: false },

  { id: 'search', group: 'gallery', label: 'shortcuts.search', keys: [press('/')], global: true },
  // The grid (GalleryGrid.svelte, by `selection.ts`'s `key` and `click`).
  { id: 'move', group: 'gallery', label: 'shortcuts.move', keys: [...ARROWS.map((k) => press(k)), press('Home'), press('End')], global: false },
  { id: 'extend', group: 'gallery', label: 'shortcuts.extend', keys: [...[...ARROWS, 'Home', 'End'].map((k) => press(k, { shift: true })), press('click', { shift: true })], global: false },
  { id: 'toggle', group: 'gallery', label: 'shortcuts.toggle', keys: [press(' '), press('click', { ctrl: true })], global: false },
  { id: 'selectAll', group: 'gallery', label: 'shortcuts.selectAll', keys: [press('a', { ctrl: true })], global: false },
  { id: 'openImage', group: 'gallery', label: 'shortcuts.openImage', keys: [press('Enter')], global: false },
  { id: 'delete', group: 'gallery', label: 'shortcuts.delete', keys: [press('Delete'), press('Backspace')], global: false },
  { id: 'clearSelection', group: 'gallery', label: 'shortcuts.clearSelection', keys: [press('Escape')], global: false },

  // The full-size viewer (ImageViewer.svelte).
  { id: 'previousNext', group: 'viewer', label: 'shortcuts.previousNext', keys: [press('ArrowLeft'), press('ArrowRight')], global: false },
  { id: 'closeViewer', group: 'viewer', label: 'shortcuts.closeViewer', keys: [press('Escape')], global: false },
]

export function shortcutsIn(group: ShortcutGroup): Shortcut[] {
  return SHORTCUTS.filter((s) => s.group === group)
}

/** What of a key press a chord is compared with (a `KeyboardEvent` has all of it). */
export type Press = Pick<KeyboardEvent, 'key' | 'code' | 'ctrlKey' | 'metaKey' | 'shiftKey'>

/** Whether `press` is `chord`: the same key (a letter in either case) and the same Ctrl/⌘. */
export function matches(chord: Chord, press: Press): boolean {
  if ((press.ctrlKey || press.metaKey) !== !!chord.ctrl) return false
  const character = chord.key.length === 1
  if (!character && press.shiftKey !== !!chord.shift) return false
  if (press.key === chord.key || (character && press.key.toLowerCase() === chord.key.toLowerCase())) return true
  // Ctrl+1 where the 1 key types another character (the French layout's `&`).
  return /^[0-9]$/.test(chord.key) && press.code === `Digit${chord.key}`
}

/** The caps a key is shown as; letters as capitals, as on the keyboard. */
const SYMBOLS: Record<string, string> = {
  ArrowLeft: '←',
  ArrowRight: '→',
  ArrowUp: '↑',
  ArrowDown: '↓',
  Escape: 'Esc',
}

/** Words for the keys that have a name in each language. */
const NAMED: Record<string, MessageKey> = { ' ': 'shortcuts.key.space', click: 'shortcuts.key.click' }

/** One key cap: its text, or the message key of its name. */
export type Cap = { text: string } | { label: MessageKey }

/** A chord as shown: its modifiers, then its key, or any one of several keys. */
export type ShownChord = { modifiers: Cap[]; keys: Cap[] }

function keyCap(key: string): Cap {
  const named = NAMED[key]
  return named ? { label: named } : { text: SYMBOLS[key] ?? (key.length === 1 ? key.toUpperCase() : key) }
}

function modifierCaps(chord: Chord, mac: boolean): Cap[] {
  return [...(chord.ctrl ? [{ text: mac ? '⌘' : 'Ctrl' }] : []), ...(chord.shift ? [{ text: 'Shift' }] : [])]
}

/**
 * A shortcut's keys as the help overlay shows them: its alternatives, each a sequence of chords.
 * Alternatives of one press with the same modifiers share them ("Shift + ← / → / Click"), so a
 * long list stays short.
 */
export function shownKeys(keys: Keys, mac: boolean): ShownChord[][] {
  const shown: ShownChord[][] = []
  for (const sequence of keys) {
    const chords = sequence.map((chord) => ({ modifiers: modifierCaps(chord, mac), keys: [keyCap(chord.key)] }))
    const previous = shown.at(-1)
    const [only] = chords
    if (only && chords.length === 1 && previous?.length === 1 && JSON.stringify(previous[0]!.modifiers) === JSON.stringify(only.modifiers)) {
      previous[0]!.keys.push(...only.keys)
    } else shown.push(chords)
  }
  return shown
}

/** Whether this is a Mac, where Ctrl is shown as ⌘ (and ⌘ is what is pressed). */
export function onMac(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent)
}
