// The real-window smoke test: the built desktop app under Xvfb, driven through tauri-driver and
// WebKitWebDriver (W3C WebDriver over plain HTTP; no client library needed).
// Run by `cargo xtask test window`, inside `xvfb-run … dbus-run-session`.
//
// Scenarios: the first screen connected to the native server (status, runtime, version, URL); a
// backend that is down at first and then starts (offline state, then automatic recovery); and
// signing in by email against the native server pointed at the upstream simulators: the code
// read from the simulated mailbox and typed into the window, the session surviving a restart
// (kept in GNOME Keyring over the test's D-Bus session), and an atelier://auth link handed to a
// second instance signing the running one in; and two accounts taking turns on one computer,
// each seeing, finding and loading (img://) only its own images; and images as input (a PNG
// dropped on the composer uploaded and shown as a chip, the gallery's Edit making an edit that
// comes back into the gallery). Screenshots land in $ATELIER_SCREENSHOTS.
//
// Everything the app or the keyring writes goes to a temporary XDG tree, never to $HOME.
//
// The scenarios: connection.mjs (connected; offline, then recovering), signIn.mjs (signing in
// and everything after it), library.mjs (two accounts taking turns; images as input); what they
// share in steps.mjs, and the processes, keyring, mailbox and WebDriver client in harness.mjs.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { connectedScenario, offlineThenRecoversScenario } from './connection.mjs';
import { SHOTS, isolate, startKeyring, startServer, stop, stopAll } from './harness.mjs';
import { accountSwitchScenario, imagesAsInputScenario } from './library.mjs';
import { signInScenario } from './signIn.mjs';

const work = mkdtempSync(join(tmpdir(), 'atelier-window-'));
mkdirSync(SHOTS(), { recursive: true });
// The app's folders, the keyring's files and its socket, and the URL-scheme registration: all
// inside the work folder.
const xdg = isolate(work);
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
  await signInScenario(join(work, 'server-c'), xdg.XDG_DATA_HOME);
  await accountSwitchScenario(join(work, 'server-d'), join(work, 'app-d'));
  await imagesAsInputScenario(join(work, 'server-e'), join(work, 'app-e'));
} catch (e) {
  failed = true;
  console.error(`window test failed: ${e.stack ?? e}`);
} finally {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
