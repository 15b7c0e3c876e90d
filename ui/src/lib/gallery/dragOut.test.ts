import { describe, expect, it } from 'vitest'
import type { AppError, OutgoingFile } from '../backend'
import { DragOut } from './dragOut'

type Answer = { status: 'ok'; data: OutgoingFile } | { status: 'error'; error: AppError }

/** A backend whose answers the test hands out, counting what was asked. */
function backend(...answers: Answer[]) {
  const asked: string[] = []
  return {
    asked,
    prepareDragOut: async (imageId: string) => {
      asked.push(imageId)
      return answers.shift() ?? { status: 'error' as const, error: { code: 'offline', message: '' } }
    },
  }
}

const FILE = { path: '/home/ada/Bilder ä/atelier-a1a1a1a1.png', url: 'file:///home/ada/Bilder%20%C3%A4/atelier-a1a1a1a1.png' }
/** What a drag carries (jsdom has no DataTransfer). */
function transfer() {
  const held = new Map<string, string>()
  return { setData: (type: string, value: string) => void held.set(type, value), getData: (type: string) => held.get(type) ?? '' }
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('dragging a tile out of the window', () => {
  it('carries the file of the original once a press has made it', async () => {
    const fake = backend({ status: 'ok', data: FILE })
    const drag = new DragOut(fake)
    const data = transfer()
    expect(drag.carry(data, 'a1')).toBe(false)
    expect(data.getData('text/uri-list')).toBe('')

    drag.prepare('a1')
    drag.prepare('a1')
    await settle()
    expect(fake.asked).toEqual(['a1'])
    expect(drag.carry(data, 'a1')).toBe(true)
    expect(data.getData('text/uri-list')).toBe(FILE.url)
    expect(drag.carry(transfer(), 'b2')).toBe(false)
  })

  it('asks again on the next press when the file could not be made', async () => {
    const fake = backend({ status: 'error', error: { code: 'offline', message: 'no network' } }, { status: 'ok', data: FILE })
    const drag = new DragOut(fake)
    drag.prepare('a1')
    await settle()
    expect(drag.carry(transfer(), 'a1')).toBe(false)
    drag.prepare('a1')
    await settle()
    expect(fake.asked).toEqual(['a1', 'a1'])
    expect(drag.carry(transfer(), 'a1')).toBe(true)
  })
})
