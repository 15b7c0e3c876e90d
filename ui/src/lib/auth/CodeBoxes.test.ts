import { settle } from '../backend/testing'
import { fireEvent, render, screen } from '@testing-library/svelte'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { i18n } from '../i18n/locale.svelte'
import CodeBoxes from './CodeBoxes.svelte'

beforeEach(() => i18n.set('en'))

const box = (i: number) => screen.getByTestId(`code-digit-${i}`) as HTMLInputElement
const values = () => [0, 1, 2, 3, 4, 5].map((i) => box(i).value).join('')

async function type(i: number, key: string) {
  await fireEvent.keyDown(box(i), { key })
  await settle(5)
}

function paste(i: number, text: string) {
  const event = new Event('paste', { bubbles: true, cancelable: true }) as ClipboardEvent
  Object.defineProperty(event, 'clipboardData', { value: { getData: () => text } })
  box(i).dispatchEvent(event)
  return event
}

function setup(props: Record<string, unknown> = {}) {
  const oncomplete = vi.fn()
  const onlink = vi.fn()
  const result = render(CodeBoxes, { props: { oncomplete, onlink, ...props } })
  return { oncomplete, onlink, component: result.component }
}

describe('CodeBoxes', () => {
  it('labels each box for assistive technology and offers the OS one-time-code autofill', () => {
    setup()
    expect(screen.getByRole('group', { name: 'Sign-in code' })).toBeTruthy()
    expect(box(0).getAttribute('aria-label')).toBe('Digit 1 of 6')
    expect(box(5).getAttribute('aria-label')).toBe('Digit 6 of 6')
    expect(box(0).getAttribute('autocomplete')).toBe('one-time-code')
    expect(box(0).getAttribute('inputmode')).toBe('numeric')
  })

  it('moves on after each digit and submits the full code once', async () => {
    const { oncomplete } = setup()
    box(0).focus()
    for (const [i, d] of [...'40213'].entries()) {
      await type(i, d)
      expect(document.activeElement).toBe(box(i + 1))
    }
    expect(oncomplete).not.toHaveBeenCalled()
    await type(5, '9')
    expect(values()).toBe('402139')
    expect(oncomplete).toHaveBeenCalledTimes(1)
    expect(oncomplete).toHaveBeenCalledWith('402139')
  })

  it('ignores anything but digits', async () => {
    const { oncomplete } = setup()
    await type(0, 'a')
    await type(0, ' ')
    await type(0, '-')
    expect(values()).toBe('')
    // Text that arrives without a key press (IME, dictation) is filtered too.
    box(0).value = 'x'
    await fireEvent.input(box(0))
    await settle(5)
    expect(values()).toBe('')
    expect(oncomplete).not.toHaveBeenCalled()
  })

  it('Backspace clears the box, then moves back and clears the one before', async () => {
    setup()
    for (const [i, d] of [...'123'].entries()) await type(i, d)
    expect(document.activeElement).toBe(box(3))
    await type(3, 'Backspace') // box 3 is empty: clear box 2 and go there
    expect(values()).toBe('12')
    expect(document.activeElement).toBe(box(2))
    await type(1, 'Backspace') // box 1 holds a digit: clear it, stay
    expect(values()).toBe('1')
    expect(document.activeElement).toBe(box(2))
    await type(0, 'Backspace')
    expect(values()).toBe('')
  })

  it('arrows move between the boxes', async () => {
    setup()
    box(2).focus()
    await type(2, 'ArrowLeft')
    expect(document.activeElement).toBe(box(1))
    await type(1, 'ArrowRight')
    await type(2, 'ArrowRight')
    expect(document.activeElement).toBe(box(3))
    await type(3, 'End')
    expect(document.activeElement).toBe(box(5))
    await type(5, 'Home')
    expect(document.activeElement).toBe(box(0))
  })

  it('takes the whole code pasted into any box, spaces and dashes and all', async () => {
    const { oncomplete } = setup()
    const event = paste(3, ' 123-456 ')
    await settle(5)
    expect(event.defaultPrevented).toBe(true)
    expect(values()).toBe('123456')
    expect(oncomplete).toHaveBeenCalledWith('123456')
  })

  it('fills from the box pasted into when only part of a code is pasted', async () => {
    const { oncomplete } = setup()
    paste(2, '78')
    await settle(5)
    expect(values()).toBe('78')
    expect(box(2).value).toBe('7')
    expect(box(3).value).toBe('8')
    expect(document.activeElement).toBe(box(4))
    expect(oncomplete).not.toHaveBeenCalled()
  })

  it('takes a code the OS autofills into the first box', async () => {
    const { oncomplete } = setup()
    box(0).value = '654321'
    await fireEvent.input(box(0))
    await settle(5)
    expect(values()).toBe('654321')
    expect(oncomplete).toHaveBeenCalledWith('654321')
  })

  it('hands a pasted sign-in link over instead of digging digits out of it', async () => {
    const { oncomplete, onlink } = setup()
    paste(0, 'http://127.0.0.1:8787/auth/link?token=q8Jd3kL0pZx_Vb7-Ww2NcYt5HsRa9eUfq8Jd3kL0pZx')
    await settle(5)
    expect(onlink).toHaveBeenCalledWith('http://127.0.0.1:8787/auth/link?token=q8Jd3kL0pZx_Vb7-Ww2NcYt5HsRa9eUfq8Jd3kL0pZx')
    expect(values()).toBe('')
    expect(oncomplete).not.toHaveBeenCalled()
  })

  it('clear() empties the boxes, focuses the first, and lets the same code be sent again', async () => {
    const { oncomplete, component } = setup()
    paste(0, '111111')
    await settle(5)
    ;(component as unknown as { clear(): void }).clear()
    await settle(5)
    expect(values()).toBe('')
    expect(document.activeElement).toBe(box(0))
    paste(0, '111111')
    await settle(5)
    expect(oncomplete).toHaveBeenCalledTimes(2)
  })

  it('is inert while disabled', () => {
    setup({ disabled: true })
    expect(box(0).disabled).toBe(true)
    expect(box(5).disabled).toBe(true)
  })
})
