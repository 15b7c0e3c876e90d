// The real-window smoke test: the built desktop app under Xvfb, driven through tauri-driver and
// WebKitWebDriver (W3C WebDriver over plain HTTP; no client library needed).
// Run by `cargo xtask test window`, inside `xvfb-run … dbus-run-session`.
//
// Scenarios: the first screen connected to the native server (status, runtime, version, URL); a
// backend that is down at first and then starts (offline state, then automatic recovery); and
// signing in by email against the native server pointed at the upstream simulators: the code
// read from the simulated mailbox and typed into the window, the session surviving a restart
// (kept in GNOME Keyring over the test's D-Bus session), and an atelier://auth link handed to a
// second instance signing the running one in. Screenshots land in $ATELIER_SCREENSHOTS.
//
// Everything the app or the keyring writes goes to a temporary XDG tree, never to $HOME.

import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
const SIMULATORS = env('ATELIER_SIMULATORS_BIN');
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

/** The isolated XDG tree every child gets (set once the work folder exists). */
let isolated = {};

function start(name, command, args, extraEnv, stdin = 'ignore') {
  const child = spawn(command, args, { env: { ...process.env, ...isolated, ...extraEnv }, stdio: [stdin, 'pipe', 'inherit'], detached: true });
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

/** The first line `child` prints, within `ms`. */
async function firstLine(child, what, ms = 30_000) {
  const lines = createInterface({ input: child.stdout });
  return Promise.race([
    new Promise((resolve) => lines.once('line', resolve)),
    sleep(ms).then(() => { throw new Error(`${what} printed nothing`); }),
  ]);
}

async function startServer(listen, dataDir, extraEnv = {}) {
  const server = start('atelier-server', SERVER, [], { ATELIER_LISTEN: listen, ATELIER_DATA_DIR: dataDir, RUST_LOG: 'warn', ...extraEnv });
  const first = await firstLine(server, 'atelier-server');
  const url = first.replace('atelier-server listening on ', '');
  if (!url.startsWith('http://')) throw new Error(`unexpected server output: ${first}`);
  return { server, url };
}

/** The upstream simulators; their base URL and the environment the server needs for them. */
async function startSimulators() {
  const sims = start('atelier-simulators', SIMULATORS, ['--listen', '127.0.0.1:0']);
  const { base_url: baseUrl, env: simEnv } = JSON.parse(await firstLine(sims, 'atelier-simulators'));
  return { sims, baseUrl, simEnv };
}

/** Whether a name is owned on the session bus. */
function nameHasOwner(name) {
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
async function startKeyring() {
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
async function latestMail(mailboxUrl, address, after = 0) {
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
async function openApp(apiUrl, extraEnv = {}) {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = start('tauri-driver', DRIVER, ['--port', String(port), '--native-port', String(nativePort), '--native-driver', '/usr/bin/WebKitWebDriver'], { ATELIER_API_URL: apiUrl, ...extraEnv });
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
    async type(testid, text) { await wd(base, 'POST', `/session/${sid}/element/${await find(testid)}/value`, { text }); },
    async click(testid) { await wd(base, 'POST', `/session/${sid}/element/${await find(testid)}/click`, {}); },
    /** Runs `script` in the page and answers what it returns. */
    async evaluate(script) { return wd(base, 'POST', `/session/${sid}/execute/sync`, { script, args: [] }); },
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

/** Types `email`, reads the code the service mailed, types it, and waits for the account. */
async function signInByCode(app, mailbox, email) {
  await app.waitUntil('the email step', async () => (await app.attribute('sign-in', 'data-step')) === 'email');
  const before = (await (await fetch(`${mailbox}/resend/emails?to=${encodeURIComponent(email)}`)).json()).length;
  await app.type('email-input', email);
  await app.click('send-code');
  await app.waitUntil('the code step', async () => (await app.attribute('sign-in', 'data-step')) === 'code');
  const mail = await latestMail(mailbox, email, before);
  // One digit per box, as a person types them; the last one submits.
  for (const [i, digit] of [...mail.code].entries()) await app.type(`code-digit-${i}`, digit);
  await app.openAccount();
  await app.waitForText('account-email', email);
}

async function signInScenario(dataDir) {
  const { baseUrl: mailbox, simEnv } = await startSimulators();
  // kie's callbacks come back to the server's own address.
  const port = await freePort();
  const serverEnv = { ...simEnv, ATELIER_PUBLIC_URL: `http://127.0.0.1:${port}` };
  let { server, url } = await startServer(`127.0.0.1:${port}`, dataDir, serverEnv);
  const email = 'ada@example.com';
  try {
    let app = await openApp(url);
    try {
      await app.waitForState('online', 30_000);
      await signInByCode(app, mailbox, email); // it opens signed out: the email step comes first
      expect((await app.attribute('session-storage', 'data-storage')) === 'keychain', 'the session should be in the keychain');
      await app.screenshot('signed-in');
      console.log(`ok: signed in by the emailed code as ${email}`);

      // A prompt becomes a card that goes to done through the kie simulator, its thumbnails
      // served to the webview by the app's img scheme.
      await app.click('nav-studio');
      await app.waitForText('composer-balance', '100');
      await app.type('composer-prompt', 'A lighthouse at dusk, oil painting');
      await app.click('composer-submit');
      await app.waitUntil('a generation card', async () => (await app.attribute('generation-card', 'data-status')) !== null);
      await app.waitUntil('the generation to finish', async () => {
        const status = await app.attribute('generation-card', 'data-status');
        if (status === 'failed') throw new Error(`the generation failed: ${await app.text('generation-failure')}`);
        return status === 'done';
      }, 90_000);
      await app.waitUntil('its thumbnail to load', async () => app.evaluate(
        "const img = document.querySelector('[data-testid=generation-image]'); return !!img && img.complete && img.naturalWidth > 0;",
      ));
      await app.waitForText('composer-balance', '96');
      await app.screenshot('generation-done');
      console.log('ok: a prompt became a done card with its thumbnail, 4 credits charged');

      // The gallery: the image synced into the local cache and served from it by img://.
      await app.click('nav-gallery');
      const tileLoaded = "const img = document.querySelector('[data-testid=gallery-tile] img'); return !!img && img.complete && img.naturalWidth > 0;";
      await app.waitUntil('the gallery to show the synced image', async () => app.evaluate(tileLoaded), 60_000);
      await app.screenshot('gallery');
      console.log('ok: the gallery shows the image from the local cache');

      // The server goes away part-way: the gallery stays, a deletion waits in the outbox.
      await stop(server);
      await app.click('gallery-tile');
      await app.click('bulk-delete');
      await app.click('confirm-accept');
      await app.waitUntil('the tile to go', async () => app.evaluate("return document.querySelectorAll('[data-testid=gallery-tile]').length === 0;"));
      await app.waitUntil('the offline banner with one change waiting', async () =>
        (await app.attribute('sync-banner', 'data-state')) === 'offline' && (await app.attribute('sync-pending', 'data-count')) === '1', 60_000);
      await app.screenshot('gallery-offline');
      console.log('ok: offline, the deletion waits in the outbox');

      // Back online: "Sync now" sends it, and the banner goes.
      ({ server } = await startServer(`127.0.0.1:${port}`, dataDir, serverEnv));
      await app.click('sync-now');
      await app.waitUntil('the banner to go once the outbox is sent', async () =>
        app.evaluate("return document.querySelector('[data-testid=sync-banner]') === null;"), 60_000);
      // The service agrees: another session of the account finds no image left.
      const mails = (await (await fetch(`${mailbox}/resend/emails?to=${encodeURIComponent(email)}`)).json()).length;
      await fetch(`${url}/v1/auth/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
      const { code } = await latestMail(mailbox, email, mails);
      const grant = await (await fetch(`${url}/v1/auth/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, code }) })).json();
      const page = await (await fetch(`${url}/v1/sync`, { headers: { authorization: `Bearer ${grant.token}` } })).json();
      const images = page.changes.filter((c) => c.op === 'upsert' && c.record.kind === 'image');
      expect(images.length === 0, `the service still has ${images.length} image(s)`);
      expect(page.changes.some((c) => c.op === 'delete' && c.kind === 'image'), 'the service has no tombstone for the deleted image');
      console.log('ok: back online, the outbox was sent, the service deleted the image, the banner went');
    } finally {
      await app.close();
    }

    // A new process: the session comes back from GNOME Keyring, and the service still takes it.
    app = await openApp(url);
    try {
      await app.openAccount();
      await app.waitForText('account-email', email, 30_000);
      await app.waitForState('online', 30_000);
      await app.screenshot('signed-in-after-restart');
      console.log('ok: still signed in after a restart');

      // Signing out returns to the email step.
      await app.click('sign-out');
      await app.waitForText('session-notice', "You're signed out.");
      console.log('ok: signed out');

      // The magic link: a second instance started with atelier://auth?token=… hands the link to
      // this one (single-instance over D-Bus) and exits; this one verifies it and signs in.
      const before = (await (await fetch(`${mailbox}/resend/emails?to=${encodeURIComponent(email)}`)).json()).length;
      const started = await fetch(`${url}/v1/auth/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      });
      expect(started.status === 202, `auth/start answered ${started.status}`);
      const { token } = await latestMail(mailbox, email, before);
      const second = start('second instance', DESKTOP, [`atelier://auth?token=${token}`], { ATELIER_API_URL: url });
      second.stdout.resume();
      const code = await Promise.race([
        new Promise((resolve) => second.once('exit', (c, sig) => resolve(c ?? sig))),
        sleep(30_000).then(() => 'still running after 30 s'),
      ]);
      expect(code === 0, `the second instance should hand over its link and exit 0, got ${code}`);
      await app.openAccount();
      await app.waitForText('account-email', email, 30_000);
      await app.waitForText('signed-in-notice', "You're signed in.");
      await app.screenshot('signed-in-by-link');
      console.log('ok: an atelier://auth link given to a second instance signed the running app in');
    } finally {
      await app.close();
    }
  } finally {
    await stop(server);
  }
}

const work = mkdtempSync(join(tmpdir(), 'atelier-window-'));
mkdirSync(SHOTS, { recursive: true });
// The app's folders, the keyring's files and its socket, and the URL-scheme registration: all
// inside the work folder.
isolated = {
  XDG_DATA_HOME: join(work, 'xdg', 'data'),
  XDG_CONFIG_HOME: join(work, 'xdg', 'config'),
  XDG_CACHE_HOME: join(work, 'xdg', 'cache'),
  XDG_RUNTIME_DIR: join(work, 'xdg', 'runtime'),
};
for (const dir of Object.values(isolated)) mkdirSync(dir, { recursive: true });
chmodSync(isolated.XDG_RUNTIME_DIR, 0o700);
let failed = false;
try {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('no D-Bus session: run inside dbus-run-session');
  await startKeyring();
  console.log('ok: GNOME Keyring unlocked on the test D-Bus session');
  const { server, url } = await startServer('127.0.0.1:0', join(work, 'server-a'));
  try {
    await connectedScenario(url);
  } finally {
    await stop(server);
  }
  await offlineThenRecoversScenario(join(work, 'server-b'));
  await signInScenario(join(work, 'server-c'));
} catch (e) {
  failed = true;
  console.error(`window test failed: ${e.stack ?? e}`);
} finally {
  for (const child of [...children]) await stop(child);
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
