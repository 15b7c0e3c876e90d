// @ts-check
// The connection to the Atelier service, as the first screen shows it: connected (native or
// Worker), offline and recovering by itself, a service error, still checking; in two languages.
import { OFFLINE, WORKER } from '../fixtures.mjs'
import { scenario } from '../scenario.mjs'

export default [
  scenario({
    name: 'online-native',
    async run(t) {
      await t.waitForState('online')
      await t.expectText('backend-status', 'Connected')
      await t.expectText('server-version', '0.3.2')
      await t.expectText('backend-runtime', 'Native')
      await t.expectText('backend-latency', '12 ms')
      await t.expectText('api-url', 'http://127.0.0.1:8787')
      await t.expectText('app-version', '0.1.0')
      await t.expectAbsent('retry-button')
      await t.screenshot('online-native')

      // The language switch changes the words at once and is remembered across a reload.
      await t.page.getByTestId('language-switch').selectOption('zh-CN')
      await t.expectText('backend-status', '已连接')
      await t.page.reload()
      await t.waitForState('online')
      await t.expectText('backend-status', '已连接')
      await t.expectValue('language-switch', 'zh-CN')
    },
  }),
  scenario({
    name: 'online-worker',
    colorScheme: 'dark',
    ipc: { health: WORKER },
    async run(t) {
      await t.waitForState('online')
      await t.expectText('backend-runtime', 'Cloudflare Worker')
      await t.expectText('backend-latency', '87 ms')
      await t.screenshot('online-worker')
    },
  }),
  scenario({
    name: 'offline-recovering',
    clock: true,
    ipc: { error: OFFLINE },
    async run(t) {
      await t.waitForState('offline')
      await t.expectText('backend-status', 'Offline')
      await t.expectText('backend-message', "Can't reach the Atelier service at http://127.0.0.1:8787")
      await t.expectText('retry-button', 'Retry')
      await t.expectCallCount('check_backend', 1)
      await t.screenshot('offline')

      // Re-checked every 5 s, and the failure stays on screen meanwhile.
      await t.page.clock.runFor(4_999)
      await t.expectCallCount('check_backend', 1)
      await t.page.clock.runFor(1)
      await t.expectCallCount('check_backend', 2)
      await t.waitForState('offline')

      // Retry checks at once.
      await t.page.getByTestId('retry-button').click()
      await t.expectCallCount('check_backend', 3)
      await t.waitForState('offline')

      // The service comes back: the next automatic check finds it, then checking stops.
      await t.page.evaluate(() => {
        window.__ATELIER_IPC__.error = null
      })
      await t.page.clock.runFor(5_000)
      await t.waitForState('online')
      await t.expectCallCount('check_backend', 4)
      await t.expectText('server-version', '0.3.2')
      await t.expectAbsent('backend-message')
      await t.page.clock.runFor(30_000)
      await t.expectCallCount('check_backend', 4)
      await t.screenshot('offline-recovered')
    },
  }),
  scenario({
    name: 'zh-CN',
    locale: 'zh-CN',
    async run(t) {
      await t.waitForState('online')
      await t.expectText('backend-status', '已连接')
      await t.expectText('backend-runtime', '原生服务')
      await t.expectText('backend-latency', '12 毫秒')
      await t.expectValue('language-switch', 'zh-CN')
      await t.expectLang('zh-CN')
      await t.screenshot('zh-CN')
    },
  }),
  scenario({
    name: 'zh-CN-offline-narrow',
    locale: 'zh-CN',
    viewport: { width: 480, height: 760 },
    ipc: { error: OFFLINE },
    async run(t) {
      await t.waitForState('offline')
      await t.expectText('backend-status', '离线')
      await t.expectText('backend-message', '无法连接到位于 http://127.0.0.1:8787 的 Atelier 服务')
      await t.expectText('retry-button', '重试')
      await t.screenshot('zh-CN-offline-narrow')
    },
  }),
  scenario({
    name: 'error-unknown-code',
    colorScheme: 'dark',
    ipc: { error: { code: 'quota_exceeded', message: 'from a newer service' } },
    async run(t) {
      await t.waitForState('error')
      await t.expectText('backend-status', 'Service error')
      await t.expectText('backend-message', 'Something went wrong while talking to the Atelier service.')
      await t.page.getByText('Details').click()
      await t.expectText('error-code', 'quota_exceeded')
      await t.screenshot('error-unknown-code')
    },
  }),
  scenario({
    name: 'checking',
    ipc: { hang: true },
    async run(t) {
      await t.waitForState('checking')
      await t.expectText('backend-status', 'Checking…')
      await t.screenshot('checking')
    },
  }),
]
