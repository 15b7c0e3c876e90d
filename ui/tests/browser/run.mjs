// @ts-check
// Drives the built UI in Debian's Chromium with the Tauri IPC faked, one scenario per fresh
// browser profile, and saves a screenshot of each to <repo>/target/screenshots/ui-<name>.png.
//
//   npm run test:browser            all scenarios
//   npm run test:browser -- zh-CN   only the scenarios whose name contains "zh-CN"
//
// It builds `dist/`, serves it with `vite preview` (which sends the app's strict CSP), and
// stops everything it started before it exits. Exit status 1 when any scenario fails.
//
// The scenarios are in scenarios/ (one file per part of the app, listed in scenarios/index.mjs;
// their shape and defaults in scenario.mjs), what their page can do in helpers.mjs, the fake
// Tauri runtime, gallery and privacy settings in ipcMock.mjs, their data in fixtures.mjs.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

import { DEFAULT_COMMANDS, IMAGE_IDS, png } from './fixtures.mjs'
import { helpers } from './helpers.mjs'
import { installMockGallery, installMockPrivacy, installTauriIpcMock } from './ipcMock.mjs'
import { scenarios } from './scenarios/index.mjs'

/** @typedef {import('./scenario.mjs').Scenario} Scenario */
/** @typedef {import('node:child_process').ChildProcess} ChildProcess */

const uiDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const repoDir = resolve(uiDir, '..')
const screenshotDir = join(repoDir, 'target', 'screenshots')
const viteBin = join(uiDir, 'node_modules', '.bin', 'vite')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** PNGs made once per run, by tint and size. */
const pngCache = new Map()

/**
 * @param {Scenario} scenario
 * @param {string} baseUrl
 */
async function runScenario(scenario, baseUrl) {
  const profile = await mkdtemp(join(tmpdir(), 'atelier-ui-chromium-'))
  let context
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      locale: scenario.locale ?? 'en-US',
      colorScheme: scenario.colorScheme ?? 'light',
      viewport: scenario.viewport ?? { width: 960, height: 680 },
      deviceScaleFactor: 1,
      ...(scenario.userAgent ? { userAgent: scenario.userAgent } : {}),
    })
    const page = context.pages()[0] ?? (await context.newPage())
    /** @type {string[]} */
    const problems = []
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        if (scenario.expectedConsole?.some((pattern) => pattern.test(message.text()))) return
        problems.push(`console ${message.type()}: ${message.text()}`)
      }
    })
    // `blob:` URLs are the page's own memory (the preview of a file a chip is uploading): one
    // revoked as its chip goes away may fail to load, harmlessly, and never leaves the machine.
    const ownMemory = (/** @type {string} */ url) => url.startsWith(`blob:${baseUrl}`)
    page.on('requestfailed', (request) => {
      if (!ownMemory(request.url())) problems.push(`request failed: ${request.url()}`)
    })
    if (scenario.images) {
      // What Rust's `img` scheme serves: the thumbnail or original of the image named in the
      // path; 404 for the originals and thumbnails a scenario lists as missing.
      await page.route('http://img.localhost/**', (route) => {
        const [variant, id] = new URL(route.request().url()).pathname.split('/').slice(1)
        if (variant === 'original' && scenario.missingOriginals?.includes(id)) return route.fulfill({ status: 404, body: '' })
        if (variant === 'thumbnail' && scenario.missingThumbnails?.includes(id)) return route.fulfill({ status: 404, body: '' })
        const known = IMAGE_IDS.indexOf(id)
        const hue = known >= 0 ? known * 60 : (parseInt(id, 16) % 8) * 24
        const size = variant === 'original' ? 1024 : known >= 0 ? 512 : 160
        const key = `${hue}:${size}`
        if (!pngCache.has(key)) pngCache.set(key, png(hue, size))
        return route.fulfill({ status: 200, contentType: 'image/png', body: pngCache.get(key), headers: { 'Cache-Control': 'max-age=31536000, immutable' } })
      })
    }
    page.on('request', (request) => {
      if (scenario.images && request.url().startsWith('http://img.localhost/')) return
      if (!request.url().startsWith(baseUrl) && !ownMemory(request.url())) problems.push(`request outside the app: ${request.url()}`)
    })

    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl })
    if (scenario.gallery) await page.addInitScript(installMockGallery, scenario.gallery)
    if (scenario.privacy) await page.addInitScript(installMockPrivacy, scenario.privacy)
    /** @type {import('./scenario.mjs').Commands} */
    const defaults = { ...DEFAULT_COMMANDS }
    if (scenario.privacy) delete defaults.privacy_settings
    await page.addInitScript(installTauriIpcMock, {
      ...scenario.ipc,
      commands: { ...defaults, ...scenario.ipc.commands },
    })
    if (scenario.clock) {
      // Page time stands still from the start and moves only when the scenario says so.
      const start = new Date('2026-01-01T09:00:00Z').getTime()
      await page.clock.install({ time: start })
      // A second on, not a millisecond: on a busy machine more than a millisecond of page time
      // can pass between the two calls, and pausing in the past fails. Nothing runs yet (the
      // page is blank until goto), so no timer fires in that second.
      await page.clock.pauseAt(start + 1000)
    }
    await page.goto(baseUrl)
    await scenario.run(helpers(page, problems, { screenshotDir, repoDir }))

    const violations = await page.evaluate(() => window.__ATELIER_IPC__.cspViolations)
    problems.push(...violations.map((/** @type {string} */ v) => `CSP violation: ${v}`))
    if (problems.length > 0) throw new Error(problems.join('\n'))
  } finally {
    await context?.close().catch(() => {})
    await rm(profile, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// Processes this script starts, and stopping them.

const started = new Set()

/**
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnOptions} options
 */
function start(command, args, options = {}) {
  // Its own process group, so stopping it also stops anything it spawned.
  const child = spawn(command, args, { cwd: uiDir, detached: true, ...options })
  started.add(child)
  child.on('exit', () => started.delete(child))
  return child
}

async function stop(/** @type {ChildProcess} */ child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  const signal = (/** @type {NodeJS.Signals} */ name) => {
    try {
      process.kill(-(/** @type {number} */ (child.pid)), name)
    } catch {
      // already gone
    }
  }
  signal('SIGTERM')
  const timer = setTimeout(() => signal('SIGKILL'), 3_000)
  await exited
  clearTimeout(timer)
}

async function stopAll() {
  await Promise.all([...started].map(stop))
}

for (const name of ['SIGINT', 'SIGTERM']) {
  process.once(name, () => {
    void stopAll().finally(() => process.exit(130))
  })
}

async function run(/** @type {string} */ command, /** @type {string[]} */ args) {
  const child = start(command, args, { stdio: 'inherit' })
  const code = await new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)))
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`)
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
      server.close(() => resolvePort(port))
    })
  })
}

async function serve() {
  const port = await freePort()
  const child = start(viteBin, ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  // (Piped, so both are there.)
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const baseUrl = `http://127.0.0.1:${port}/`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite preview exited early:\n${output}`)
    const response = await fetch(baseUrl).catch(() => null)
    if (response?.ok) {
      // The scenarios prove the bundle runs under this policy, so it must really be sent.
      const csp = response.headers.get('content-security-policy') ?? ''
      if (!csp.includes("script-src 'self'") || !csp.includes("style-src 'self'")) {
        throw new Error(`vite preview sends no strict Content-Security-Policy (got ${JSON.stringify(csp)})`)
      }
      return baseUrl
    }
    if (Date.now() > deadline) throw new Error(`vite preview did not answer on ${baseUrl}:\n${output}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const filter = process.argv[2]
  const selected = scenarios.filter((s) => !filter || s.name.includes(filter))
  if (selected.length === 0) throw new Error(`no scenario matches ${filter}`)

  await mkdir(screenshotDir, { recursive: true })
  console.log('building dist/ …')
  await run(viteBin, ['build', '--logLevel', 'warn'])
  const baseUrl = await serve()
  console.log(`serving dist/ at ${baseUrl}`)

  const failures = []
  for (const scenario of selected) {
    const began = performance.now()
    try {
      await runScenario(scenario, baseUrl)
      console.log(`  ok    ${scenario.name} (${Math.round(performance.now() - began)} ms)`)
    } catch (error) {
      failures.push(scenario.name)
      console.log(`  FAIL  ${scenario.name}\n        ${String(/** @type {any} */ (error)?.message ?? error).replaceAll('\n', '\n        ')}`)
    }
  }
  console.log(`${selected.length - failures.length} passed, ${failures.length} failed`)
  if (failures.length > 0) process.exitCode = 1
}

try {
  await main()
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  await stopAll()
}
