/**
 * The keyboard focus of a modal dialog, one way for every dialog of the app: it starts on
 * `start()` (the safe or the only control), Tab and Shift+Tab go round the dialog's own controls
 * and never out to the page behind, focus that lands behind it anyway (a click on the backdrop,
 * a script) comes back in, and when the dialog goes the focus returns to what opened it.
 *
 * Call it from the dialog's `onMount` (its element bindings are set by then) and return what it
 * returns, which undoes it.
 */
export function holdFocus(dialog: HTMLElement, start: () => HTMLElement | undefined): () => void {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
  start()?.focus()

  const focusable = () =>
    [...dialog.querySelectorAll<HTMLElement>('button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])')]

  const onkeydown = (event: KeyboardEvent) => {
    if (event.key !== 'Tab' || event.defaultPrevented) return
    const inside = focusable()
    const first = inside[0]
    const last = inside.at(-1)
    if (!first || !last) return event.preventDefault()
    const active = document.activeElement
    const within = !!active && dialog.contains(active)
    if (event.shiftKey && (active === first || !within)) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && (active === last || !within)) {
      event.preventDefault()
      first.focus()
    }
  }
  const onfocusin = (event: FocusEvent) => {
    if (event.target instanceof Node && !dialog.contains(event.target)) start()?.focus()
  }

  window.addEventListener('keydown', onkeydown)
  document.addEventListener('focusin', onfocusin)
  return () => {
    window.removeEventListener('keydown', onkeydown)
    document.removeEventListener('focusin', onfocusin)
    if (opener?.isConnected) opener.focus()
  }
}
