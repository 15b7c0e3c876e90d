// What the real-window scripts share: children in their own process groups (stopped with
// SIGTERM, as tauri-driver needs), the native server and the simulators, GNOME Keyring on the
// test's D-Bus session, the simulated mailbox, and a small W3C WebDriver client over fetch.

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run through \`cargo xtask test window\``);
  return value;
};
// Read when used: a script that starts no server needs no server binary.
export const DESKTOP = () => env('ATELIER_DESKTOP_BIN');
export const SERVER = () => env('ATELIER_SERVER_BIN');
export const SIMULATORS = () => env('ATELIER_SIMULATORS_BIN');
export const DRIVER = () => env('TAURI_DRIVER_BIN');
export const SHOTS = () => env('ATELIER_SCREENSHOTS');
export const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const children = new Set();

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The isolated XDG tree every child gets (set by `isolate`). */
let isolated = {};

/** Points every child's XDG folders (app data, keyring, URL-scheme registration) into `work`. */
export function isolate(work) {
  isolated = {
    XDG_DATA_HOME: join(work, 'xdg', 'data'),
    XDG_CONFIG_HOME: join(work, 'xdg', 'config'),
    XDG_CACHE_HOME: join(work, 'xdg', 'cache'),
    XDG_RUNTIME_DIR: join(work, 'xdg', 'runtime'),
  };
  for (const dir of Object.values(isolated)) mkdirSync(dir, { recursive: true });
  chmodSync(isolated.XDG_RUNTIME_DIR, 0o700);
  return isolated;
}

/**
 * How many Secret Service items carry `attributes` (the app's session entry is
 * `{service: 'app.atelier.desktop'}`), asked over the test's D-Bus session.
 */
export function keyringItems(attributes) {
  const dict = `{${Object.entries(attributes).map(([k, v]) => `'${k}': '${v}'`).join(', ')}}`;
  const out = execFileSync('gdbus', [
    'call', '--session', '--dest', 'org.freedesktop.secrets', '--object-path', '/org/freedesktop/secrets',
    '--method', 'org.freedesktop.Secret.Service.SearchItems', dict,
  ], { encoding: 'utf8' });
  return (out.match(/\/org\/freedesktop\/secrets\/collection\//g) ?? []).length;
}

/** Stops every child still running. */
export async function stopAll() {
  for (const child of [...children]) await stop(child);
}

export function start(name, command, args, extraEnv, stdin = 'ignore', stderr = 'inherit') {
  const child = spawn(command, args, { env: { ...process.env, ...isolated, ...extraEnv }, stdio: [stdin, 'pipe', stderr], detached: true });
  child.label = name;
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export async function stop(child) {
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

/** The first line `child` prints, within `ms`. */
export async function firstLine(child, what, ms = 30_000) {
  const lines = createInterface({ input: child.stdout });
  return Promise.race([
    new Promise((resolve) => lines.once('line', resolve)),
    sleep(ms).then(() => { throw new Error(`${what} printed nothing`); }),
  ]);
}

export async function startServer(listen, dataDir, extraEnv = {}) {
  const server = start('atelier-server', SERVER(), [], { ATELIER_LISTEN: listen, ATELIER_DATA_DIR: dataDir, RUST_LOG: 'warn', ...extraEnv });
  const first = await firstLine(server, 'atelier-server');
  const url = first.replace('atelier-server listening on ', '');
  if (!url.startsWith('http://')) throw new Error(`unexpected server output: ${first}`);
  return { server, url };
}

/** The upstream simulators; their base URL and the environment the server needs for them. */
export async function startSimulators() {
  const sims = start('atelier-simulators', SIMULATORS(), ['--listen', '127.0.0.1:0']);
  const { base_url: baseUrl, env: simEnv } = JSON.parse(await firstLine(sims, 'atelier-simulators'));
  return { sims, baseUrl, simEnv };
}

/** Whether a name is owned on the session bus. */
export function nameHasOwner(name) {
  return new Promise((resolve) => {
    const probe = spawn('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    probe.stdout.on('data', (chunk) => (out += chunk));
    probe.once('exit', () => resolve(/boolean true/.test(out)));
    probe.once('error', () => resolve(false));
  });
}

/**
 * GNOME Keyring's Secret Service on this D-Bus session, with a login keyring unlocked by a
 * throwaway password (what a desktop session's PAM login does). In the foreground, so it is
 * this script's child and stops with it. Waits until it owns org.freedesktop.secrets: asked
 * earlier, D-Bus would activate a second, locked daemon.
 */
export async function startKeyring() {
  const keyring = start('gnome-keyring-daemon', 'gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {}, 'pipe');
  keyring.stdin.end('atelier-window-test');
  keyring.stdout.resume();
  for (let i = 0; !(await nameHasOwner('org.freedesktop.secrets')); i++) {
    if (keyring.exitCode !== null || i > 100) throw new Error('gnome-keyring-daemon did not take org.freedesktop.secrets');
    await sleep(100);
  }
  return keyring;
}

/** The newest sign-in email to `address` in the simulated mailbox: its code and link token. */
export async function latestMail(mailboxUrl, address, after = 0) {
  for (let i = 0; i < 100; i++) {
    const mails = await (await fetch(`${mailboxUrl}/resend/emails?to=${encodeURIComponent(address)}`)).json();
    if (mails.length > after) {
      const text = mails.at(-1).text ?? '';
      const code = text.split('\n').map((l) => l.trim()).find((l) => /^[0-9]{6}$/.test(l));
      const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
      if (!code || !token) throw new Error(`no code or link in the mail: ${text}`);
      return { code, token, count: mails.length };
    }
    await sleep(100);
  }
  throw new Error(`no mail reached ${address}`);
}

export async function wd(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${response.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

/**
 * Starts tauri-driver (which starts the app through WebKitWebDriver) with `apiUrl` configured.
 * `stderr: 'pipe'` hands the app's log to the caller (`app.driver.stderr`) instead of printing it.
 */
export async function openApp(apiUrl, extraEnv = {}, { stderr = 'inherit' } = {}) {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = start('tauri-driver', DRIVER(), ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'], { ATELIER_API_URL: apiUrl, ...extraEnv }, 'ignore', stderr);
  driver.stdout.resume();
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { await fetch(`${base}/status`); break; } catch { if (i > 100) throw new Error('tauri-driver did not start'); await sleep(100); }
  }
  const session = await wd(base, 'POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: DESKTOP() } } },
  });
  const sid = session.sessionId;
  const find = async (testid) => (await wd(base, 'POST', `/session/${sid}/element`, { using: 'css selector', value: `[data-testid="${testid}"]` }))[ELEMENT];
  const app = {
    driver,
    async text(testid) { return wd(base, 'GET', `/session/${sid}/element/${await find(testid)}/text`); },
    async attribute(testid, name) { return wd(base, 'GET', `/session/${sid}/element/${await find(testid)}/attribute/${name}`); },
    async type(testid, text) { await wd(base, 'POST', `/session/${sid}/element/${await find(testid)}/value`, { text }); },
    async click(testid) { await wd(base, 'POST', `/session/${sid}/element/${await find(testid)}/click`, {}); },
    /** Runs `script` in the page and answers what it returns. */
    async evaluate(script) { return wd(base, 'POST', `/session/${sid}/execute/sync`, { script, args: [] }); },
    /** Runs `script` in the page with `args`; it answers by calling its last argument. */
    async evaluateAsync(script, ...args) { return wd(base, 'POST', `/session/${sid}/execute/async`, { script, args }); },
    /** How long a script may run before WebDriver gives up on it (30 s unless set). */
    async scriptTimeout(ms) { await wd(base, 'POST', `/session/${sid}/timeouts`, { script: ms }); },
    /** Signed in, the studio opens: the account card is behind "Account" in the header. */
    async openAccount() {
      await app.waitUntil('the Account tab', async () => { await app.click('nav-account'); return true; });
    },
    /** Polls until `probe` (reading the page) returns true. */
    async waitUntil(what, probe, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last;
      while (Date.now() < deadline) {
        try { if (await probe()) return; last = 'not yet'; } catch (e) { last = String(e.message); }
        await sleep(200);
      }
      throw new Error(`${what} never happened (last: ${last})`);
    },
    async waitForText(testid, expected, timeoutMs) {
      let seen;
      await app.waitUntil(`[data-testid=${testid}] showing "${expected}"`, async () => {
        seen = await app.text(testid);
        return seen.includes(expected);
      }, timeoutMs);
      return seen;
    },
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
      const path = join(SHOTS(), `window-${name}.png`);
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


/** The processes of the app `binary`: its pid and every descendant (WebKit's web and network processes). */
export function appProcesses(binary) {
  const parent = new Map();
  const exe = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      exe.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]);
    } catch { /* gone */ }
  }
  const all = new Set([...exe].filter(([, cmd]) => cmd === binary).map(([pid]) => pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parent) if (all.has(ppid) && !all.has(pid)) { all.add(pid); grew = true; }
  }
  return [...all].map((pid) => ({ pid, name: (exe.get(pid) ?? '').split('/').pop() }));
}

/** What each of the app's processes holds resident now, in KiB, and their sum. */
export function residentMemory(binary) {
  const processes = appProcesses(binary).map((p) => {
    let rss = 0;
    try { rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1] ?? 0); } catch { /* gone */ }
    return { ...p, rss };
  });
  return { processes, total: processes.reduce((sum, p) => sum + p.rss, 0) };
}

/** `residentMemory`'s answer, one line per process. */
export function describeMemory(label, memory) {
  const each = memory.processes.map((p) => `${p.name} ${(p.rss / 1024).toFixed(0)}`).join(', ');
  return `resident memory ${label}: ${(memory.total / 1024).toFixed(1)} MiB (${each})`;
}

/** The gallery grid's scroller, its tiles in view, and whether each has its image decoded: in-page helpers. */
export const GALLERY_VIEW_JS = `
  const scroller = () => document.querySelector('[data-testid=gallery-grid] .scroller');
  const inView = () => {
    const box = scroller().getBoundingClientRect();
    return [...document.querySelectorAll('[data-testid=gallery-grid] [data-index]')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.bottom > box.top && r.top < box.bottom && r.height > 0;
    });
  };
  const painted = (el) => { const img = el.querySelector('img'); return !!img && img.complete && img.naturalWidth > 0; };
  const settled = () => { const tiles = inView(); return tiles.length > 0 && tiles.every(painted); };
`;
