import { fireEvent, render, screen } from '@testing-library/svelte'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { tauriBackend, type ExportSummary, type GalleryQuery } from '../backend'
import { SYNC_IDLE, appError, clearCommandMocks, emitExportProgress, galleryItem, mockCommands, settle } from '../backend/testing'
import { i18n } from '../i18n/locale.svelte'
import { Studio } from '../studio/studio.svelte'
import ExportSelectedStatus from './ExportSelectedStatus.svelte'
import { SelectedExport, selectedExportFor } from './exportSelected.svelte'
import { Gallery } from './gallery.svelte'
import GalleryView from './GalleryView.svelte'
import { click } from './selection'

beforeEach(() => i18n.set('en'))
afterEach(() => {
  clearCommandMocks()
  vi.unstubAllGlobals()
})

const SUMMARY: ExportSummary = { path: '/home/ada/Pictures/atelier-images-2026-11-24.zip', images: 3, bytes: 3_100_000 }
const ITEMS = Array.from({ length: 12 }, (_, n) => galleryItem(n))

/** A gallery of twelve images whose `export_selected` answers only when the test says so. */
function pendingExport() {
  let answer!: (value: ExportSummary | null | Error) => void
  const answered = new Promise<ExportSummary | null | Error>((resolve) => (answer = resolve))
  const calls = { exported: [] as string[][], cancelled: 0, dataCancelled: 0 }
  mockCommands({
    galleryPage: (_query: GalleryQuery, offset: number, limit: number) => ({ items: ITEMS.slice(offset, offset + limit), total: ITEMS.length }),
    galleryConversations: () => [],
    syncStatus: () => SYNC_IDLE,
    listModels: () => [],
    exportSelected: async (ids) => {
      calls.exported.push(ids)
      const value = await answered
      if (value instanceof Error) throw appError(value.message as 'offline', value.cause as { missing?: number })
      return value
    },
    cancelExportSelected: () => {
      calls.cancelled += 1
      return null
    },
    cancelExport: () => {
      calls.dataCancelled += 1
      return null
    },
  })
  return { answer, calls }
}

describe('Export selected… in the selection bar', () => {
  it('exports the selected images by id, follows its progress, and says where the zip went', async () => {
    const { answer, calls } = pendingExport()
    // jsdom lays nothing out; the grid only needs to be able to watch its size.
    vi.stubGlobal('ResizeObserver', class { observe() {} unobserve() {} disconnect() {} })
    const gallery = new Gallery(tauriBackend, 0)
    render(GalleryView, { props: { backend: tauriBackend, gallery, studio: new Studio(tauriBackend), onuseprompt: () => {}, onopenconversation: () => {} } })
    await settle(20)
    // Three tiles: the first, and a Ctrl-click on the fifth and the ninth.
    gallery.selection = click(click(click(gallery.selection, 0), 4, { ctrl: true }), 8, { ctrl: true })
    await settle(5)
    await fireEvent.click(screen.getByTestId('bulk-export'))
    await settle(10)
    expect(calls.exported).toEqual([[ITEMS[0].image_id, ITEMS[4].image_id, ITEMS[8].image_id]])

    const status = screen.getByTestId('export-selected')
    expect(status.dataset.phase).toBe('running')
    expect(status.textContent).toContain('Exporting 3 images')
    // The data export's progress is not this export's.
    await emitExportProgress({ kind: 'data', done: 7, total: 200, stage: 'images' })
    await emitExportProgress({ kind: 'selected', done: 1, total: 3, stage: 'images' })
    await settle(5)
    expect(screen.getByTestId('export-selected-progress-text').textContent).toContain('1 of 3')
    expect(screen.getByTestId('export-selected-progress').getAttribute('value')).toBe('33')

    // While it runs, the button starts nothing more.
    await fireEvent.click(screen.getByTestId('bulk-export'))
    await settle(5)
    expect(calls.exported).toHaveLength(1)

    answer(SUMMARY)
    await settle(10)
    expect(screen.getByTestId('export-selected').dataset.phase).toBe('done')
    expect(screen.getByTestId('export-selected-path').textContent).toBe(SUMMARY.path)
    expect(screen.getByTestId('export-selected').textContent).toContain('Exported 3 images (3\u00a0MB)')
    // The window's exporter is the one the view used (a fresh one would be idle): it outlives
    // the view.
    expect(selectedExportFor(tauriBackend).phase).toBe('done')
    expect(selectedExportFor(tauriBackend).summary).toEqual(SUMMARY)
    await fireEvent.click(screen.getByTestId('export-selected-dismiss'))
    expect(screen.queryByTestId('export-selected')).toBeNull()
    expect(selectedExportFor(tauriBackend).phase).toBe('idle')
  })

  it('cancels its own export only, and ends as cancelled with nothing kept', async () => {
    const { answer, calls } = pendingExport()
    const exporter = new SelectedExport(tauriBackend)
    const done = exporter.start(['a'.repeat(32), 'b'.repeat(32)])
    await settle(10)
    render(ExportSelectedStatus, { props: { exporter } })
    await fireEvent.click(screen.getByTestId('export-selected-cancel'))
    await settle(5)
    expect(calls).toMatchObject({ cancelled: 1, dataCancelled: 0 })
    expect(exporter.phase).toBe('cancelling')
    expect(screen.getByTestId('export-selected-progress-text').textContent).toContain('Stopping')
    // Rust answers `null` for a cancelled export (its unfinished file deleted).
    answer(null)
    await done
    expect(exporter.phase).toBe('cancelled')
    await settle(5)
    expect(screen.getByTestId('export-selected').textContent).toContain('Export cancelled. No file was kept.')
  })

  it('shows a failure by its code, with how many originals are missing when offline', async () => {
    const { answer } = pendingExport()
    const exporter = new SelectedExport(tauriBackend)
    const done = exporter.start(['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)])
    answer(new Error('originals_unavailable', { cause: { missing: 2 } }))
    await done
    expect(exporter.phase).toBe('failed')
    expect(exporter.error).toMatchObject({ code: 'originals_unavailable', missing: 2 })
    render(ExportSelectedStatus, { props: { exporter } })
    const status = screen.getByTestId('export-selected')
    expect(status.dataset.code).toBe('originals_unavailable')
    expect(screen.getByTestId('export-selected-error').textContent).toContain("2 of the chosen originals aren't on this computer")

    i18n.set('zh-CN')
    await settle(5)
    expect(screen.getByTestId('export-selected-error').textContent).toContain('有 2 张原图不在这台电脑上')
  })

  it('shows any other failure in the words of its code', async () => {
    const { answer } = pendingExport()
    const exporter = new SelectedExport(tauriBackend)
    const done = exporter.start(['a'.repeat(32)])
    answer(new Error('export_target_unwritable'))
    await done
    render(ExportSelectedStatus, { props: { exporter } })
    expect(screen.getByTestId('export-selected').dataset.code).toBe('export_target_unwritable')
    expect(screen.getByTestId('export-selected-error').textContent).toContain("couldn't be written there")
  })

  it('goes back to nothing when the save dialog is closed, and fails when the selection cannot be listed', async () => {
    const { answer, calls } = pendingExport()
    const exporter = new SelectedExport(tauriBackend)
    const done = exporter.start(['a'.repeat(32)])
    answer(null)
    await done
    expect(exporter.phase).toBe('idle')

    await exporter.start(null)
    expect(exporter.phase).toBe('failed')
    expect(exporter.error?.code).toBe('unknown')
    expect(calls.exported).toHaveLength(1)
  })
})
