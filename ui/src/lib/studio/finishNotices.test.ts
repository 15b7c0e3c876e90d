import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type Generation } from '../backend'
import { GENERATION, clearCommandMocks, mockCommands } from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import { FinishNotices, noticeOf, promptStart } from './finishNotices'
import { Studio } from './studio.svelte'

beforeEach(() => i18n.set('en'))
afterEach(() => clearCommandMocks())

const IMAGE = { id: 'f'.repeat(32), width: 1024, height: 1024, bytes: 2048, sha256: 'f'.repeat(64), content_type: 'image/png' }
const generating: Generation = { ...GENERATION, status: 'generating' }
const done: Generation = { ...GENERATION, status: 'done', images: [IMAGE, { ...IMAGE, id: 'e'.repeat(32) }], updated_at: GENERATION.updated_at + 1 }
const failed: Generation = { ...GENERATION, status: 'failed', failure_code: 'timed_out', updated_at: GENERATION.updated_at + 1 }

function notices(inFront: boolean) {
  const notify = vi.fn(async () => true)
  const focus = { inFront }
  return { notify, focus, notices: new FinishNotices(notify, () => focus.inFront) }
}

describe('the notice of a finished generation', () => {
  it('is shown when it finishes while the window is in the background', () => {
    const { notify, notices: n } = notices(false)
    n.changed(generating, done)
    expect(notify).toHaveBeenCalledExactlyOnceWith('2 images ready', 'a lighthouse at dusk')
  })

  it('tells of a failure too', () => {
    const { notify, notices: n } = notices(false)
    n.changed(GENERATION, failed)
    expect(notify).toHaveBeenCalledExactlyOnceWith('Generation failed', 'a lighthouse at dusk')
  })

  it('is not shown while the window is in front, nor later for the same generation', () => {
    const { notify, focus, notices: n } = notices(true)
    n.changed(generating, done)
    focus.inFront = false
    n.changed(generating, done)
    expect(notify).not.toHaveBeenCalled()
  })

  it('is shown once per generation', () => {
    const { notify, notices: n } = notices(false)
    n.changed(generating, done)
    n.changed(generating, done)
    n.changed(done, { ...done, updated_at: done.updated_at + 1 })
    n.changed(generating, { ...done, id: '1'.repeat(32) })
    expect(notify).toHaveBeenCalledTimes(2)
  })

  it('is not shown for what was already finished when it loaded, nor for what is still running', () => {
    const { notify, notices: n } = notices(false)
    n.changed(undefined, done)
    n.changed(undefined, failed)
    n.changed(done, done)
    n.changed(GENERATION, generating)
    expect(notify).not.toHaveBeenCalled()
  })

  it('speaks the reader’s language and keeps the body to the start of the prompt', () => {
    i18n.set('zh-CN')
    expect(noticeOf(done).title).toBe('2 张图片已生成')
    expect(noticeOf({ ...done, images: [IMAGE] }).title).toBe('图片已生成')
    expect(noticeOf(failed).title).toBe('生成失败')
    const long = `  a lighthouse\n at dusk, ${'very '.repeat(40)}detailed  `
    const body = promptStart(long)
    expect([...body]).toHaveLength(100)
    expect(body.startsWith('a lighthouse at dusk, very')).toBe(true)
    expect(body.endsWith('…')).toBe(true)
    expect(promptStart('短提示词')).toBe('短提示词')
  })
})

describe('the studio', () => {
  function studio(inFront: boolean, extra: Parameters<typeof mockCommands>[0] = {}) {
    const notify = vi.fn(() => null)
    mockCommands({ notificationGranted: () => true, creditsBalance: () => 100, notify, ...extra })
    return { notify, studio: new Studio(tauriBackend, () => inFront) }
  }

  it('asks the OS to notify when polling finds a generation finished in the background', async () => {
    const { notify, studio: s } = studio(false)
    s.upsert(generating)
    s.upsert(done)
    await vi.waitFor(() => expect(notify).toHaveBeenCalledOnce())
    expect(notify).toHaveBeenCalledWith({ title: '2 images ready', body: 'a lighthouse at dusk' })
  })

  it('stays quiet when the window has focus, and for history already finished', async () => {
    const quiet = studio(true)
    quiet.studio.upsert(generating)
    quiet.studio.upsert(done)
    clearCommandMocks()
    const { notify, studio: s } = studio(false, {
      listGenerations: () => ({ generations: [done, { ...failed, id: '2'.repeat(32) }], next_cursor: null }),
    })
    await s.openHistory(GENERATION.conversation_id)
    expect(s.generations[GENERATION.conversation_id]).toHaveLength(2)
    s.upsert(done)
    await new Promise((r) => setTimeout(r, 20))
    expect(quiet.notify).not.toHaveBeenCalled()
    expect(notify).not.toHaveBeenCalled()
  })
})
