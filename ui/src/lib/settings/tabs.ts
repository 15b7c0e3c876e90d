/** Settings' tabs, in order, and where the arrow keys lead from one. */
export const SETTINGS_TABS = ['privacy', 'data', 'language', 'storage', 'legal'] as const
export type SettingsTab = (typeof SETTINGS_TABS)[number]

/** The tab a key moves to (wrapping at the ends), or `null` for a key that does not move. */
export function nextTab(current: SettingsTab, key: string): SettingsTab | null {
  const at = SETTINGS_TABS.indexOf(current)
  const last = SETTINGS_TABS.length - 1
  switch (key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return SETTINGS_TABS[at === last ? 0 : at + 1]
    case 'ArrowLeft':
    case 'ArrowUp':
      return SETTINGS_TABS[at === 0 ? last : at - 1]
    case 'Home':
      return SETTINGS_TABS[0]
    case 'End':
      return SETTINGS_TABS[last]
    default:
      return null
  }
}
