// @ts-check
// Every scenario, in the order they run: one file per part of the app.
import account from './account.mjs'
import composer from './composer.mjs'
import connection from './connection.mjs'
import credits from './credits.mjs'
import gallery from './gallery.mjs'
import galleryActions from './galleryActions.mjs'
import privacy from './privacy.mjs'
import settings from './settings.mjs'
import shortcuts from './shortcuts.mjs'
import signIn from './signIn.mjs'
import studio from './studio.mjs'

/** @type {import('../scenario.mjs').Scenario[]} */
export const scenarios = [
  ...connection,
  ...signIn,
  ...account,
  ...studio,
  ...composer,
  ...shortcuts,
  ...credits,
  ...gallery,
  ...galleryActions,
  ...settings,
  ...privacy,
]

const names = scenarios.map((s) => s.name)
const twice = names.filter((name, i) => names.indexOf(name) !== i)
if (twice.length > 0) throw new Error(`scenario names must be unique: ${twice.join(', ')}`)
