import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type AppError, type GeneratedImage } from '../backend'
import { MODELS, settle } from '../backend/testing'
import { click, key, type Modifiers, type Selection } from '../gallery/selection'
import { dictionaries, i18n, LOCALES } from '../i18n/locale.svelte'
import Composer from '../studio/Composer.svelte'
import { ComposerInputs } from '../studio/composerInputs.svelte'
import ImageViewer from '../studio/ImageViewer.svelte'
import { keyDispatcher, SEQUENCE_MS, type ShortcutHandlers } from './keyDispatcher'
import KeyboardShortcuts from './KeyboardShortcuts.svelte'
import { GROUPS, matches, SHORTCUTS, shortcutsIn, type Chord, type ShortcutGroup } from './shortcuts'

beforeEach(() => i18n.set('en'))
afterEach(() => {
  document.body.innerHTML = ''
})

/** Every chord the catalogue lists for the part of the window that handles `group`'s local keys. */
const localChords = (group: ShortcutGroup): Chord[] => shortcutsIn(group).flatMap((s) => (s.global ? [] : s.keys.flat()))
const pressOf = (chord: Chord) => ({ key: chord.key, code: '', ctrlKey: !!chord.ctrl, metaKey: false, shiftKey: !!chord.shift })
const listed = (group: ShortcutGroup, press: ReturnType<typeof pressOf>) => localChords(group).some((c) => matches(c, press))

describe('the shortcut catalogue', () => {
  it('has every group, each shortcut once, named in both languages', () => {
    expect(GROUPS.map((g) => g.id)).toEqual(['general', 'studio', 'gallery', 'viewer'])
    for (const group of GROUPS) expect(shortcutsIn(group.id).length, group.id).toBeGreaterThan(0)
    const ids = SHORTCUTS.map((s) => s.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const locale of LOCALES) {
      for (const { label } of [...SHORTCUTS, ...GROUPS]) expect(dictionaries[locale.id][label]?.trim(), `${locale.id}: ${label}`).toBeTruthy()
    }
  })

  it('gives no two of the window’s shortcuts the same keys', () => {
    const sequences = SHORTCUTS.filter((s) => s.global).flatMap((s) => s.keys.map((seq) => JSON.stringify(seq)))
    expect(new Set(sequences).size).toBe(sequences.length)
  })

  it('lists what the gallery grid’s keys do, and every key that does something there', () => {
    const columns = 4
    const count = 20
    // Image 5 has the focus, and is selected.
    const selection: Selection = { ranges: [[5, 5]], anchor: 5, focus: 5 }
    const outcome = (k: string, mods: Modifiers) => key(selection, k, mods, columns, count)
    // Listed → handled (and a listed modifier changes what the key does).
    for (const chord of localChords('gallery')) {
      const mods = { shift: chord.shift, ctrl: chord.ctrl }
      if (chord.key === 'click') {
        expect(click(selection, 9, mods), JSON.stringify(chord)).not.toEqual(click(selection, 9))
        continue
      }
      expect(outcome(chord.key, mods).handled, JSON.stringify(chord)).toBe(true)
      if (chord.shift || chord.ctrl) expect(outcome(chord.key, mods), JSON.stringify(chord)).not.toEqual(outcome(chord.key, {}))
    }
    // Handled → listed: every key, and every modifier that changes what a key does.
    const keys = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown', 'Enter', 'Escape', 'Delete', 'Backspace', 'Tab', ' ', 'F2']
    for (let c = 0x21; c < 0x7f; c++) keys.push(String.fromCharCode(c))
    for (const k of keys) {
      const plain = outcome(k, {})
      if (plain.handled) expect(listed('gallery', pressOf({ key: k })), `${JSON.stringify(k)} is handled but not listed`).toBe(true)
      for (const mods of [{ shift: true }, { ctrl: true }]) {
        const modified = outcome(k, mods)
        if (!modified.handled || JSON.stringify(modified) === JSON.stringify(plain)) continue
        expect(listed('gallery', pressOf({ key: k, ...mods })), `${JSON.stringify(mods)}+${JSON.stringify(k)} is handled but not listed`).toBe(true)
      }
    }
  })

  it('lists what the image viewer’s keys do, and nothing else moves it', async () => {
    const images: GeneratedImage[] = ['a', 'b', 'c'].map((c) => ({ id: c.repeat(32), width: 1024, height: 1024, bytes: 1, sha256: c.repeat(64), content_type: 'image/png' }))
    const onclose = vi.fn()
    render(ImageViewer, { props: { images, start: 1, prompt: 'a kite', onclose } })
    const index = () => screen.getByTestId('image-viewer').dataset.index
    for (const chord of localChords('viewer')) {
      const before = index()
      onclose.mockClear()
      await fireEvent.keyDown(window, { key: chord.key, shiftKey: !!chord.shift, ctrlKey: !!chord.ctrl })
      expect(index() !== before || onclose.mock.calls.length > 0, JSON.stringify(chord)).toBe(true)
    }
    onclose.mockClear()
    for (const k of ['ArrowUp', 'ArrowDown', 'Home', 'End', 'Enter', ' ', 'Delete', 'a', 'n']) {
      const before = index()
      await fireEvent.keyDown(window, { key: k })
      expect(index(), k).toBe(before)
    }
    expect(onclose).not.toHaveBeenCalled()
  })

  it('lists what the composer’s keys do', async () => {
    const onsubmit = vi.fn(async (): Promise<AppError | null> => null)
    render(Composer, { props: { models: MODELS, inputs: new ComposerInputs(tauriBackend), balance: 100, onsubmit } })
    await settle(10)
    const box = screen.getByTestId('composer-prompt') as HTMLTextAreaElement
    const [send] = shortcutsIn('studio').filter((s) => s.id === 'send')
    const [newLine] = shortcutsIn('studio').filter((s) => s.id === 'newLine')
    const [recall] = shortcutsIn('studio').filter((s) => s.id === 'recall')
    const fire = (chord: Chord) => fireEvent.keyDown(box, { key: chord.key, shiftKey: !!chord.shift, ctrlKey: !!chord.ctrl })

    await fireEvent.input(box, { target: { value: 'a kite' } })
    // Shift+Enter: not sent, the new line left to the box.
    expect(await fire(newLine!.keys[0]![0]!)).toBe(true)
    expect(onsubmit).not.toHaveBeenCalled()
    await fire(send!.keys[0]![0]!)
    await settle(10)
    expect(onsubmit).toHaveBeenCalledTimes(1)
    expect(box.value).toBe('')
    const [older, newer] = recall!.keys.map((sequence) => sequence[0]!)
    await fire(older!)
    expect(box.value).toBe('a kite')
    await fire(newer!)
    expect(box.value).toBe('')
  })
})

describe('the window’s key dispatcher', () => {
  function dispatcher(handlers: ShortcutHandlers) {
    let time = 1_000
    const handle = keyDispatcher(() => handlers, () => time)
    /** Presses `key` on `target` (the page when none) and tells whether a shortcut took it. */
    const press = (key: string, init: KeyboardEventInit = {}, target: Element = document.body) => {
      const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init })
      target.addEventListener('keydown', (e) => handle(e as KeyboardEvent), { once: true })
      target.dispatchEvent(event)
      return event.defaultPrevented
    }
    return { press, later: (ms: number) => (time += ms) }
  }

  it('opens the list of shortcuts on ?, however the keyboard makes it', () => {
    const help = vi.fn()
    const { press } = dispatcher({ help })
    expect(press('Shift')).toBe(false)
    expect(press('?', { shiftKey: true, code: 'Slash' })).toBe(true)
    expect(press('?', { code: 'Comma' })).toBe(true)
    expect(help).toHaveBeenCalledTimes(2)
  })

  it('leaves keys typed in a text field, a menu or an editable element alone', () => {
    const handlers = { help: vi.fn(), newConversation: vi.fn(), goGallery: vi.fn() }
    const { press } = dispatcher(handlers)
    document.body.innerHTML = `
      <input type="text" /><input type="search" /><textarea></textarea><select><option>n</option></select>
      <div contenteditable="true"><b>rich</b></div><input type="checkbox" />`
    const [text, search, area, menu, editor, checkbox] = [...document.body.querySelectorAll('input, textarea, select, [contenteditable]')]
    for (const field of [text, search, area, menu, editor!.querySelector('b')]) {
      expect(press('?', {}, field!)).toBe(false)
      expect(press('n', {}, field!)).toBe(false)
      expect(press('2', { ctrlKey: true }, field!)).toBe(false)
    }
    expect(handlers.help).not.toHaveBeenCalled()
    expect(handlers.newConversation).not.toHaveBeenCalled()
    expect(handlers.goGallery).not.toHaveBeenCalled()
    // A checkbox takes no typing.
    expect(press('?', {}, checkbox!)).toBe(true)
    expect(handlers.help).toHaveBeenCalledTimes(1)
  })

  it('goes to the Studio on g then s, unless the s comes late', () => {
    const goStudio = vi.fn()
    const { press, later } = dispatcher({ goStudio })
    expect(press('g')).toBe(false)
    later(SEQUENCE_MS - 100)
    expect(press('s')).toBe(true)
    expect(goStudio).toHaveBeenCalledTimes(1)
    press('g')
    later(SEQUENCE_MS + 100)
    expect(press('s')).toBe(false)
    // Another key between them breaks the sequence.
    press('g')
    press('x')
    expect(press('s')).toBe(false)
    expect(goStudio).toHaveBeenCalledTimes(1)
  })

  it('switches views on Ctrl+1, Ctrl+2 and Ctrl+, (⌘ on a Mac, the digit key on any layout)', () => {
    const handlers = { goStudio: vi.fn(), goGallery: vi.fn(), goSettings: vi.fn() }
    const { press } = dispatcher(handlers)
    expect(press('2', { ctrlKey: true })).toBe(true)
    expect(press(',', { metaKey: true })).toBe(true)
    expect(press('&', { ctrlKey: true, code: 'Digit1' })).toBe(true)
    expect(press('1')).toBe(false)
    expect(press('2', { ctrlKey: true, altKey: true })).toBe(false)
    expect(handlers.goStudio).toHaveBeenCalledTimes(1)
    expect(handlers.goGallery).toHaveBeenCalledTimes(1)
    expect(handlers.goSettings).toHaveBeenCalledTimes(1)
  })

  it('offers a shortcut only where it has a handler; elsewhere the key goes on as usual', () => {
    const handlers: ShortcutHandlers = { help: vi.fn() }
    const { press } = dispatcher(handlers)
    expect(press('/')).toBe(false)
    expect(press('n')).toBe(false)
    handlers.search = vi.fn()
    expect(press('/')).toBe(true)
    expect(handlers.search).toHaveBeenCalledTimes(1)
  })

  it('leaves keys to an open dialog, to what already took them, and ignores a key held down', () => {
    const handlers = { help: vi.fn(), newConversation: vi.fn() }
    const { press } = dispatcher(handlers)
    document.body.innerHTML = '<div role="dialog" aria-modal="true"></div>'
    expect(press('?')).toBe(false)
    document.body.innerHTML = ''
    const taken = new KeyboardEvent('keydown', { key: '?', cancelable: true })
    taken.preventDefault()
    keyDispatcher(() => handlers)(taken)
    expect(press('n', { repeat: true })).toBe(false)
    expect(handlers.help).not.toHaveBeenCalled()
    expect(handlers.newConversation).not.toHaveBeenCalled()
  })
})

describe('the list of shortcuts', () => {
  const handlers = () => ({ goStudio: vi.fn(), goGallery: vi.fn(), goSettings: vi.fn() })
  const help = () => screen.queryByRole('dialog', { name: 'Keyboard shortcuts' })

  it('opens on ?, grouped, on its Close button, and closes on Esc with the focus given back', async () => {
    render(KeyboardShortcuts, { props: { handlers: handlers() } })
    expect(help()).toBeNull()
    await fireEvent.keyDown(document.body, { key: '?', shiftKey: true })
    const dialog = help()!
    expect(dialog.getAttribute('aria-modal')).toBe('true')
    expect(screen.getAllByTestId('shortcuts-group').map((g) => g.querySelector('h3')?.textContent)).toEqual(['General', 'Studio', 'Gallery', 'Image viewer'])
    expect(screen.getAllByTestId('shortcut')).toHaveLength(SHORTCUTS.length)
    expect(document.activeElement).toBe(screen.getByTestId('shortcuts-close'))
    // Tab stays inside.
    await fireEvent.keyDown(document.activeElement!, { key: 'Tab' })
    expect(document.activeElement).toBe(screen.getByTestId('shortcuts-close'))
    await fireEvent.keyDown(document.activeElement!, { key: 'Escape' })
    expect(help()).toBeNull()
  })

  it('opens from its button too, closes on ? again, and gives the focus back to the button', async () => {
    render(KeyboardShortcuts, { props: { handlers: handlers() } })
    const button = screen.getByRole('button', { name: 'Keyboard shortcuts' })
    button.focus()
    await fireEvent.click(button)
    expect(help()).not.toBeNull()
    await fireEvent.keyDown(document.activeElement!, { key: '?', shiftKey: true })
    expect(help()).toBeNull()
    expect(document.activeElement).toBe(button)
  })

  it('shows each shortcut’s keys as caps, in the language shown', async () => {
    i18n.set('zh-CN')
    render(KeyboardShortcuts, { props: { handlers: handlers() } })
    await fireEvent.click(screen.getByTestId('shortcuts-button'))
    const row = (id: string) => screen.getAllByTestId('shortcut').find((r) => r.dataset.id === id)!
    expect(screen.getByRole('dialog', { name: '键盘快捷键' })).toBeTruthy()
    expect(row('goStudio').querySelector('dt')?.textContent).toBe('前往创作')
    // (Spaced by the layout; "或" is for screen readers, the eye sees "/".)
    const keys = (id: string) => row(id).querySelector('dd')?.textContent?.replace(/\s+/g, '')
    expect(keys('goStudio')).toBe('G然后S/或Ctrl+1')
    expect(keys('toggle')).toBe('空格/或Ctrl+单击')
    expect(keys('previousNext')).toBe('←/或→')
    // Keys with the same modifiers share them.
    expect(keys('extend')).toBe('Shift+←/或→/或↑/或↓/或Home/或End/或单击')
  })
})
