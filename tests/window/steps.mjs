// What the window test's scenarios share: checks, a PKCE pair as another device makes one, the
// simulators and a native server pointed at them, signing in and out by email, a generation
// followed to done, and looking at the gallery's tiles and the img:// URLs they load from.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { freePort, latestMail, startServer, startSimulators } from './harness.mjs';

/** @typedef {Awaited<ReturnType<typeof import('./harness.mjs').openApp>>} App */

/**
 * @param {unknown} condition
 * @param {string} message
 */
export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** The keyring entry the app keeps its session in (atelier_client::session::KeyringStore). */
export const SESSION_ENTRY = { service: 'app.atelier.desktop' };

/** A PKCE pair, as a device other than the app makes one: sign-ins are bound to their verifier. */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge, start: { code_challenge: challenge, code_challenge_method: 'S256' } };
}

/**
 * Asks the service at `url` to start a sign-in of `email` for `device` (a `pkce()` pair), as
 * another device would: it mails a code and a link.
 * @param {string} url
 * @param {string} email
 * @param {ReturnType<typeof pkce>} device
 */
export function startSignInElsewhere(url, email, device) {
  return fetch(`${url}/v1/auth/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, ...device.start }) });
}

/**
 * The simulators, and a native server on a port of its own pointed at them (kie's callbacks come
 * back to the server's own address), keeping its data in `dataDir`.
 * @param {string} dataDir
 */
export async function startStack(dataDir) {
  const { sims, baseUrl: mailbox, simEnv } = await startSimulators();
  const port = await freePort();
  const serverEnv = { ...simEnv, ATELIER_PUBLIC_URL: `http://127.0.0.1:${port}` };
  const { server, url } = await startServer(`127.0.0.1:${port}`, dataDir, serverEnv);
  return { sims, mailbox, simEnv, port, serverEnv, server, url };
}

/** How many emails the simulated mailbox holds for `address`. */
export async function mailCount(/** @type {string} */ mailbox, /** @type {string} */ address) {
  return (await (await fetch(`${mailbox}/resend/emails?to=${encodeURIComponent(address)}`)).json()).length;
}

/**
 * Types `email` on the sign-in screen's email step and sends it; waits for the code step and
 * returns the email the service sent (its `code` and its link's `token`).
 * @param {App} app
 * @param {string} mailbox
 * @param {string} email
 */
export async function requestCode(app, mailbox, email) {
  const before = await mailCount(mailbox, email);
  await app.type('email-input', email);
  await app.click('send-code');
  await app.waitUntil('the code step', async () => (await app.attribute('sign-in', 'data-step')) === 'code');
  return latestMail(mailbox, email, before);
}

/**
 * Types `email`, reads the code the service mailed, types it, and waits for the account.
 * @param {App} app
 * @param {string} mailbox
 * @param {string} email
 */
export async function signInByCode(app, mailbox, email) {
  await app.waitUntil('the email step', async () => (await app.attribute('sign-in', 'data-step')) === 'email');
  const mail = await requestCode(app, mailbox, email);
  // One digit per box, as a person types them; the last one submits.
  for (const [i, digit] of [...mail.code].entries()) await app.type(`code-digit-${i}`, digit);
  await app.openAccount();
  await app.waitForText('account-email', email);
}

/** From the account page: signed out, back at the sign-in screen. */
export async function signOut(/** @type {App} */ app) {
  await app.openAccount();
  await app.click('sign-out');
  await app.waitForText('session-notice', "You're signed out.");
}

/** Waits until the studio's generation card is done (failing at once if it failed). */
export async function waitForGeneration(/** @type {App} */ app) {
  await app.waitUntil('the generation to finish', async () => {
    const status = await app.attribute('generation-card', 'data-status');
    if (status === 'failed') throw new Error(`the generation failed: ${await app.text('generation-failure')}`);
    return status === 'done';
  }, 90_000);
}

/** Makes one image of `prompt` in the studio and waits until its card is done. */
export async function generate(/** @type {App} */ app, /** @type {string} */ prompt) {
  await app.click('nav-studio');
  await app.waitForText('composer-balance', '100');
  await app.type('composer-prompt', prompt);
  await app.click('composer-submit');
  await waitForGeneration(app);
}

/** The gallery's tiles as shown: each image's id and the img:// URL its thumbnail loaded from. */
export const galleryTiles = (/** @type {App} */ app) => app.evaluate(`return [...document.querySelectorAll('[data-testid=gallery-tile]')].map((tile) => {
  const img = tile.querySelector('img');
  return { id: tile.dataset.id, src: img?.src ?? null, loaded: !!img && img.complete && img.naturalWidth > 0 };
});`);

/**
 * Types `word` in the gallery's search and waits until it finds nothing.
 * @param {App} app
 * @param {string} word
 */
export async function searchFindsNothing(app, word) {
  await app.type('gallery-search', word);
  await app.waitUntil(`a search for "${word}" to find nothing`, async () =>
    (await app.attribute('gallery-count', 'data-count')) === '0' && (await app.text('gallery-empty')).includes('Nothing matches'));
}

/**
 * Loads `url` into a new <img> in the page: 'loaded' (decoded, with pixels), 'error' or
 * 'timeout'. A query string of its own (the img handler reads only the path) makes WebKit ask
 * the app each time: for as long as the page lives, WebKit answers an <img> of a URL it has
 * already shown from its own memory, without asking the app at all.
 * @param {App} app
 * @param {string} url
 */
export async function loadImage(app, url) {
  const src = `${url}?probe=${randomBytes(6).toString('hex')}`;
  return app.evaluateAsync(`const [src, done] = arguments;
    const img = new Image();
    const timer = setTimeout(() => done('timeout'), 10000);
    img.onload = () => { clearTimeout(timer); done(img.naturalWidth > 0 ? 'loaded' : 'empty'); };
    img.onerror = () => { clearTimeout(timer); done('error'); };
    img.src = src;`, src);
}

/** Every file under `dir`, recursively (the library's content-addressed image files). */
export function filesUnder(/** @type {string} */ dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}
