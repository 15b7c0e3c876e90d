// The real-window smoke test: the built desktop app under Xvfb, driven through tauri-driver and
// WebKitWebDriver (W3C WebDriver over plain HTTP; no client library needed).
// Run by `cargo xtask test window`, inside `xvfb-run … dbus-run-session`.
//
// Scenarios: the first screen connected to the native server (status, runtime, version, URL), and
// a backend that is down at first and then starts (offline state, then automatic recovery).
// Screenshots land in $ATELIER_SCREENSHOTS.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run through \`cargo xtask test window\``);
  return value;
};
const DESKTOP = env('ATELIER_DESKTOP_BIN');
const SERVER = env('ATELIER_SERVER_BIN');
const DRIVER = env('TAURI_DRIVER_BIN');
const SHOTS = env('ATELIER_SCREENSHOTS');
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = new Set();

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function start(name, command, args, extraEnv) {
  const child = spawn(command, args, { env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  child.label = name;
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  // tauri-driver must get SIGTERM (not SIGKILL) to take the app and WebKitWebDriver down with it.
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
  if (timedOut) {
    console.error(`${child.label} ignored SIGTERM; killing it`);
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

async function startServer(listen, dataDir) {
  const server = start('atelier-server', SERVER, [], { ATELIER_LISTEN: listen, ATELIER_DATA_DIR: dataDir, RUST_LOG: 'warn' });
  const lines = createInterface({ input: server.stdout });
  const first = await Promise.race([
    new Promise((resolve) => lines.once('line', resolve)),
    sleep(30_000).then(() => { throw new Error('atelier-server printed no address'); }),
  ]);
  const url = first.replace('atelier-server listening on ', '');
  if (!url.startsWith('http://')) throw new Error(`unexpected server output: ${first}`);
  return { server, url };
}

async function wd(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${response.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

/** Starts tauri-driver (which starts the app through WebKitWebDriver) with `apiUrl` configured. */
async function openApp(apiUrl) {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = start('tauri-driver', DRIVER, ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'], { ATELIER_API_URL: apiUrl });
  driver.stdout.resume();
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { await fetch(`${base}/status`); break; } catch { if (i > 100) throw new Error('tauri-driver did not start'); await sleep(100); }
  }
  const session = await wd(base, 'POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: DESKTOP } } },
  });
  const sid = session.sessionId;
  const find = async (testid) => (await wd(base, 'POST', `/session/${sid}/element`, { using: 'css selector', value: `[data-testid="${testid}"]` }))[ELEMENT];
  const app = {
    driver,
    async text(testid) { return wd(base, 'GET', `/session/${sid}/element/${await find(testid)}/text`); },
    async attribute(testid, name) { return wd(base, 'GET', `/session/${sid}/element/${await find(testid)}/attribute/${name}`); },
    async waitForState(state, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let last;
      while (Date.now() < deadline) {
        try { last = await app.attribute('backend-status', 'data-state'); } catch (e) { last = String(e.message); }
        if (last === state) return;
        await sleep(200);
      }
      throw new Error(`backend-status never reached "${state}" (last: ${last})`);
    },
    async screenshot(name) {
      // WebKit captures the last composited frame: let two frames render after the DOM changed.
      await wd(base, 'POST', `/session/${sid}/execute/async`, {
        script: 'const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));',
        args: [],
      });
      await sleep(300);
      const png = Buffer.from(await wd(base, 'GET', `/session/${sid}/screenshot`), 'base64');
      const path = join(SHOTS, `window-${name}.png`);
      writeFileSync(path, png);
      console.log(`screenshot: ${path} (${png.length} bytes)`);
    },
    async close() {
      await wd(base, 'DELETE', `/session/${sid}`).catch(() => {});
      await stop(driver);
    },
  };
  return app;
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function connectedScenario(url) {
  const app = await openApp(url);
  try {
    await app.waitForState('online', 30_000);
    const runtime = await app.text('backend-runtime');
    const version = await app.text('server-version');
    const shown = await app.text('api-url');
    expect(/native/i.test(runtime), `runtime shows "${runtime}"`);
    expect(version.includes('0.1.0'), `version shows "${version}"`);
    expect(shown.includes(url), `api url shows "${shown}", expected ${url}`);
    await app.screenshot('first-screen');
    console.log(`ok: connected — runtime "${runtime}", version "${version}", url "${shown}"`);
  } finally {
    await app.close();
  }
}

async function offlineThenRecoversScenario(dataDir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = await openApp(url);
  let server;
  try {
    await app.waitForState('offline', 30_000);
    await app.screenshot('offline');
    console.log('ok: offline state shown while nothing listens');
    ({ server } = await startServer(`127.0.0.1:${port}`, dataDir));
    await app.waitForState('online', 30_000);
    await app.screenshot('recovered');
    console.log('ok: reconnected by itself once the server started');
  } finally {
    await app.close();
    await stop(server);
  }
}

const work = mkdtempSync(join(tmpdir(), 'atelier-window-'));
mkdirSync(SHOTS, { recursive: true });
let failed = false;
try {
  const { server, url } = await startServer('127.0.0.1:0', join(work, 'server-a'));
  try {
    await connectedScenario(url);
  } finally {
    await stop(server);
  }
  await offlineThenRecoversScenario(join(work, 'server-b'));
} catch (e) {
  failed = true;
  console.error(`window test failed: ${e.stack ?? e}`);
} finally {
  for (const child of [...children]) await stop(child);
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
