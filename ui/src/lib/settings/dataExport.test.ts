import { afterEach, describe, expect, it } from 'vitest'
import { tauriBackend, type ExportSummary } from '../backend'
import { appError, clearCommandMocks, emitExportProgress, mockCommands, settle } from '../backend/testing'
import { DataExport } from './dataExport.svelte'

afterEach(() => clearCommandMocks())

const SUMMARY: ExportSummary = { path: '/home/ada/Documents/atelier-export.zip', images: 200, bytes: 52_000_000 }

/** An export whose `export_data` answers only when the test says so. */
function pendingExport() {
  let answer!: (value: ExportSummary | null | Error) => void
  const calls = { export: 0, cancel: 0, tracked: [] as string[] }
  const answered = new Promise<ExportSummary | null | Error>((resolve) => (answer = resolve))
  mockCommands({
    exportData: async () => {
      calls.export += 1
      const value = await answered
      if (value instanceof Error) throw appError(value.message as 'offline')
      return value
    },
    cancelExport: () => {
      calls.cancel += 1
      return null
    },
    trackEvent: (event) => {
      calls.tracked.push(event.name)
      return null
    },
  })
  return { answer, calls }
}

describe('DataExport', () => {
  it('follows the progress events, then shows where the file went', async () => {
    const { answer, calls } = pendingExport()
    const exporter = new DataExport(tauriBackend)
    const done = exporter.start()
    await settle(10)
    expect(exporter.phase).toBe('running')
    expect(exporter.fraction).toBeNull()

    await emitExportProgress({ done: 50, total: 200, stage: 'images' })
    expect(exporter.progress).toEqual({ done: 50, total: 200, stage: 'images' })
    expect(exporter.fraction).toBe(0.25)

    // A second click while running starts nothing.
    await exporter.start()
    expect(calls.export).toBe(1)

    expect(calls.tracked).toEqual([])
    answer(SUMMARY)
    await done
    expect(exporter.phase).toBe('done')
    expect(exporter.summary).toEqual(SUMMARY)
    await settle(10)
    expect(calls.tracked).toEqual(['export_completed'])

    // Events after the end (a late one) change nothing.
    await emitExportProgress({ done: 1, total: 200, stage: 'images' })
    expect(exporter.progress?.done).toBe(50)
  })

  it('goes back to the start when the save dialog is closed', async () => {
    const { answer, calls } = pendingExport()
    const exporter = new DataExport(tauriBackend)
    const done = exporter.start()
    answer(null)
    await done
    await settle(10)
    expect(exporter.phase).toBe('idle')
    expect(exporter.summary).toBeNull()
    expect(calls.tracked).toEqual([])
  })

  it('counts a cancel from Rust itself (export_cancelled) as cancelled, not failed', async () => {
    const { answer } = pendingExport()
    const exporter = new DataExport(tauriBackend)
    const done = exporter.start()
    answer(new Error('export_cancelled'))
    await done
    expect(exporter.phase).toBe('cancelled')
  })

  it('asks Rust to stop, and ends as cancelled', async () => {
    const { answer, calls } = pendingExport()
    const exporter = new DataExport(tauriBackend)
    const done = exporter.start()
    await settle(10)
    await exporter.cancel()
    expect(calls.cancel).toBe(1)
    expect(exporter.phase).toBe('cancelling')
    // Rust answers `null` for a cancelled export (its unfinished file deleted).
    answer(null)
    await done
    expect(exporter.phase).toBe('cancelled')
    expect(exporter.error).toBeNull()
  })

  it('keeps the coded error when it fails', async () => {
    const { answer } = pendingExport()
    const exporter = new DataExport(tauriBackend)
    const done = exporter.start()
    answer(new Error('offline'))
    await done
    expect(exporter.phase).toBe('failed')
    expect(exporter.error?.code).toBe('offline')
  })
})
