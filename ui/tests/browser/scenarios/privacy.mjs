// @ts-check
// Privacy (issue 6): the consent banner, accepted or declined, and Settings → Privacy, where the
// choice is made or withdrawn; the answer survives a restart (the fake keeps it as Rust does).
import { PRIVACY_UNDECIDED } from '../fixtures.mjs'
import { inStudio, scenario } from '../scenario.mjs'

export default [
  scenario({
    name: 'consent-accept',
    privacy: PRIVACY_UNDECIDED,
    async run(t) {
      await t.expectText('consent-banner', 'No email, prompt or IP is ever sent.')
      await t.expectText('consent-banner', 'Settings → Privacy')
      await t.expectShown('sign-in')
      await t.screenshot('consent-banner')
      // Nothing analytic before an answer: neither the choice nor any event.
      await t.expectCallCount('set_analytics_consent', 0)
      await t.expectCallCount('track_event', 0)
      // Reachable by keyboard alone: Tab comes to Decline, then Accept; Enter answers.
      await t.tabTo('consent-decline')
      await t.page.keyboard.press('Tab')
      await t.expectFocused('consent-accept')
      await t.page.keyboard.press('Enter')
      await t.expectArgs('set_analytics_consent', [{ granted: true }])
      await t.expectAbsent('consent-banner')
      // Rust remembers the answer: the next start does not ask again.
      await t.page.reload()
      await t.expectShown('sign-in')
      await t.expectCallCount('privacy_settings', 1)
      await t.expectAbsent('consent-banner')
      await t.expectCallCount('set_analytics_consent', 0)
    },
  }),
  scenario({
    name: 'consent-decline-zh-CN',
    locale: 'zh-CN',
    privacy: PRIVACY_UNDECIDED,
    viewport: { width: 560, height: 720 },
    async run(t) {
      await t.expectText('consent-banner', '设置 → 隐私')
      await t.screenshot('consent-banner-zh-CN-narrow')
      await t.byId('consent-decline').click()
      await t.expectArgs('set_analytics_consent', [{ granted: false }])
      await t.expectAbsent('consent-banner')
      await t.page.reload()
      await t.expectShown('sign-in')
      await t.expectCallCount('privacy_settings', 1)
      await t.expectAbsent('consent-banner')
    },
  }),
  inStudio({
    name: 'settings-privacy-withdraw',
    privacy: { ...PRIVACY_UNDECIDED, analytics: 'granted' },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.expectArgs('track_event', [{ event: { name: 'settings_opened' } }])
      await t.expectAttr('settings-tab-privacy', 'aria-selected', 'true')
      await t.expectAttr('privacy-analytics-state', 'data-state', 'granted')
      await t.expectChecked('privacy-analytics', true)
      await t.expectText('privacy-error-reports', 'never contains your email')
      await t.screenshot('settings-privacy')
      await t.byId('privacy-analytics').click()
      await t.expectArgs('set_analytics_consent', [{ granted: false }])
      await t.expectAttr('privacy-analytics-state', 'data-state', 'denied')
      await t.expectChecked('privacy-analytics', false)
      await t.expectText('privacy-analytics-state', 'Off')
      // Withdrawn for good: after a restart it is still off, and no banner asks again.
      await t.page.reload()
      await t.byId('nav-settings').click()
      await t.expectAttr('privacy-analytics-state', 'data-state', 'denied')
      await t.expectAbsent('consent-banner')
    },
  }),
  inStudio({
    name: 'settings-privacy-zh-CN-narrow-dark',
    locale: 'zh-CN',
    colorScheme: 'dark',
    viewport: { width: 640, height: 760 },
    privacy: { ...PRIVACY_UNDECIDED, error_reports_enabled: false },
    async run(t) {
      await t.byId('nav-settings').click()
      await t.expectAttr('privacy-analytics-state', 'data-state', 'undecided')
      await t.expectChecked('privacy-analytics', false)
      await t.expectText('privacy', '你还没有做出选择，因此不会发送任何数据。')
      await t.expectText('privacy-error-reports', '此版本的 Atelier 不发送错误报告。')
      // Undecided, the banner is there too, under the page.
      await t.expectText('consent-banner', '设置 → 隐私')
      await t.screenshot('settings-privacy-zh-CN-narrow-dark')
      // Turning it on from Settings answers the question: the banner goes.
      await t.byId('privacy-analytics').click()
      await t.expectArgs('set_analytics_consent', [{ granted: true }])
      await t.expectAbsent('consent-banner')
      await t.expectText('privacy-analytics-state', '已开启')
    },
  }),
]
