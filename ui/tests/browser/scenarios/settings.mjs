// @ts-check
// Settings: the cache's storage, exporting your data, deleting the account, the language, and
// the legal pages.
import { APP_INFO, fail, SIGNED_OUT } from '../fixtures.mjs'
import { inStudio } from '../scenario.mjs'
import { openSettings } from '../steps.mjs'

export default [
  inStudio({
    name: 'settings-storage',
    gallery: { count: 10 },
    async run(t) {
      await openSettings(t, 'storage')
      await t.expectText('storage-total', '2.9\u00a0GB')
      await t.expectText('storage-thumbnails', '1.2\u00a0GB')
      await t.expectText('storage-originals', '1.7\u00a0GB of 2\u00a0GB')
      await t.expectValue('storage-budget', '2')
      await t.expectText('storage-folder', '/home/ada/.local/share/app.atelier.desktop/cache')
      await t.screenshot('settings-storage')
      await t.byId('storage-budget').fill('lots')
      await t.byId('storage-save').click()
      await t.expectText('storage-budget-invalid', 'Enter a size from 0.5 to 1024 GB.')
      await t.expectAttr('storage-budget', 'aria-invalid', 'true')
      await t.expectCallCount('set_storage_budget', 0)
      await t.byId('storage-budget').fill('5')
      await t.byId('storage-budget').press('Enter')
      await t.expectText('storage-originals', '1.7\u00a0GB of 5\u00a0GB')
      await t.expectArgs('set_storage_budget', [{ bytes: 5 * 1024 ** 3 }])
      await t.byId('storage-open-folder').click()
      await t.expectCallCount('open_cache_folder', 1)
      await t.byId('storage-clear').click()
      await t.expectText('confirm-dialog', 'Clear the cache?')
      await t.screenshot('settings-storage-clear')
      await t.byId('confirm-accept').click()
      await t.expectText('storage-total', '0\u00a0B')
      await t.expectText('storage-status', 'Cache cleared.')
      await t.expectCallCount('clear_cache', 1)
    },
  }),
  inStudio({
    name: 'delete-account',
    commands: { delete_account: { wait: true, ok: SIGNED_OUT } },
    async run(t) {
      await openSettings(t, 'data')
      await t.byId('delete-account-button').click()
      for (const item of [
        'your account and email address',
        'every conversation, prompt and image in the cloud',
        'your credits and their history',
        "this computer's copy of your gallery",
        'your saved sign-in',
        "This can't be undone.",
      ]) {
        await t.expectText('confirm-dialog', item)
      }
      await t.expectText('confirm-accept', 'Delete my account')
      await t.expectFocused('confirm-cancel')
      await t.screenshot('delete-account-dialog')
      // Cancel changes nothing.
      await t.byId('confirm-cancel').click()
      await t.expectAbsent('confirm-dialog')
      await t.expectCallCount('delete_account', 0)
      await t.expectShown('settings')
      // Confirmed: busy while Rust works, then the sign-in screen.
      await t.byId('delete-account-button').click()
      await t.byId('confirm-accept').click()
      await t.expectText('confirm-accept', 'Deleting…')
      await t.expectAttr('confirm-accept', 'aria-disabled', 'true')
      await t.screenshot('delete-account-busy')
      await t.release('delete_account')
      await t.expectAttr('sign-in', 'data-step', 'email')
      await t.expectAttr('session-notice', 'data-notice', 'account_deleted')
      await t.expectAbsent('settings')
      await t.expectAbsent('nav-settings')
      await t.screenshot('delete-account-done')
      await t.expectCallCount('delete_account', 1)
    },
  }),
  inStudio({
    name: 'delete-account-offline-zh-CN',
    locale: 'zh-CN',
    colorScheme: 'dark',
    commands: { delete_account: fail('offline') },
    async run(t) {
      await openSettings(t, 'data')
      await t.byId('delete-account-button').click()
      await t.expectText('confirm-dialog', '此操作无法撤销。')
      await t.screenshot('delete-account-dialog-zh-CN-dark')
      await t.byId('confirm-accept').click()
      await t.expectAttr('delete-account-error', 'data-code', 'offline')
      await t.expectText('delete-account-error', '没有删除任何内容，你仍处于登录状态')
      await t.expectAbsent('confirm-dialog')
      await t.expectAbsent('sign-in')
      await t.expectShown('nav-settings')
      await t.screenshot('delete-account-offline-zh-CN-dark')
    },
  }),
  inStudio({
    name: 'export-progress',
    commands: {
      export_data: [
        { wait: true, ok: { path: '/home/ada/Documents/atelier-export-2026-11-24.zip', images: 200, bytes: 50 * 1024 ** 2 } },
        // After cancel_export, Rust answers `null` (its unfinished file deleted).
        { wait: true, ok: null },
      ],
      cancel_export: { ok: null },
    },
    async run(t) {
      await openSettings(t, 'data')
      await t.byId('export-start').click()
      await t.expectShown('export-cancel')
      await t.expectText('export-stage', 'Exporting your data…')
      await t.emit('export-progress', { done: 0, total: 200, stage: 'preparing' })
      await t.expectText('export-stage', 'Preparing your export…')
      await t.emit('export-progress', { done: 50, total: 200, stage: 'images' })
      await t.expectText('export-progress-text', '50 of 200')
      await t.expectText('export-stage', 'Exporting your images…')
      await t.expectAttr('export-progress', 'value', '25')
      await t.screenshot('settings-export-progress')
      await t.emit('export-progress', { done: 200, total: 200, stage: 'finishing' })
      await t.expectAttr('export-progress', 'value', '100')
      await t.expectText('export-stage', 'Finishing the zip file…')
      await t.release('export_data')
      await t.expectAttr('export-status', 'data-phase', 'done')
      await t.expectText('export-status', 'Exported 200 images (50\u00a0MB) to:')
      await t.expectText('export-path', '/home/ada/Documents/atelier-export-2026-11-24.zip')
      await t.screenshot('settings-export-done')
      // A second export, cancelled: Rust is asked to stop and the page says it stopped.
      await t.byId('export-start').click()
      await t.byId('export-cancel').click()
      await t.expectCallCount('cancel_export', 1)
      await t.release('export_data')
      await t.expectAttr('export-status', 'data-phase', 'cancelled')
      await t.expectText('export-status', 'Export cancelled.')
    },
  }),
  inStudio({
    name: 'export-failed-zh-CN',
    locale: 'zh-CN',
    commands: { export_data: fail('export_target_unwritable') },
    async run(t) {
      await openSettings(t, 'data')
      await t.byId('export-start').click()
      await t.expectAttr('export-status', 'data-code', 'export_target_unwritable')
      await t.expectText('export-status', '导出未能完成。无法写入所选位置')
      await t.expectAbsent('export-cancel')
      await t.screenshot('settings-export-failed-zh-CN')
    },
  }),
  inStudio({
    name: 'settings-language-switch',
    async run(t) {
      await openSettings(t, 'language')
      await t.byId('language-zh-CN').check()
      // The whole visible page changes at once.
      await t.expectText('nav-settings', '设置')
      await t.expectText('nav-gallery', '图库')
      await t.expectText('settings-tab-privacy', '隐私')
      await t.expectText('settings-tab-legal', '法律信息')
      await t.expectText('language-settings', '语言')
      await t.expectText('backend-status', '已连接')
      await t.expectValue('language-switch', 'zh-CN')
      await t.expectLang('zh-CN')
      await t.byId('settings-tab-privacy').click()
      await t.expectText('privacy', '分享匿名使用情况分析')
      await t.screenshot('settings-privacy-zh-CN')
      // No English left on any Settings tab but names (the policy's own names are checked in its unit test).
      for (const tab of ['privacy', 'data', 'language', 'storage']) {
        await t.byId(`settings-tab-${tab}`).click()
        await t.expectOnlyChinese(['Atelier', 'English', 'Sentry', 'zip', 'GB', 'MB'])
      }
      await t.byId('settings-tab-language').click()
      await t.byId('language-en').check()
      await t.expectText('nav-settings', 'Settings')
      await t.expectText('settings-tab-privacy', 'Privacy')
      await t.expectText('backend-status', 'Connected')
      await t.expectLang('en')
    },
  }),
  inStudio({
    name: 'settings-legal',
    ipc: { appInfo: { ...APP_INFO, privacy_contact: 'privacy@atelier.test' } },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.byId('privacy-legal-link').click()
      await t.expectText('legal', 'Privacy Policy')
      await t.expectText('legal-updated', 'Last updated: 24 April 2026')
      await t.expectText('legal', 'Privacy questions: privacy@atelier.test')
      await t.expectNoText('legal', 'ljj231428@gmail.com')
      await t.screenshot('settings-legal')
      await t.page.getByTestId('legal-contact').last().scrollIntoViewIfNeeded()
      await t.screenshot('settings-legal-contact')
      await t.page.getByTestId('language-switch').selectOption('zh-CN')
      await t.expectText('legal', '隐私政策')
      await t.expectText('legal', '隐私问题请联系：privacy@atelier.test')
      await t.screenshot('settings-legal-zh-CN')
    },
  }),
]
