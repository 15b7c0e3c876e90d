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

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DESKTOP, SHOTS, freePort, isolate, keyringItems, latestMail, openApp, sleep, start, startKeyring, startServer, startSimulators, stop, stopAll } from './harness.mjs';

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** A PKCE pair, as a device other than the app makes one: sign-ins are bound to their verifier. */
function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge, start: { code_challenge: challenge, code_challenge_method: 'S256' } };
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

async function signInScenario(dataDir, dataHome) {
  const { baseUrl: mailbox, simEnv } = await startSimulators();
  // kie's callbacks come back to the server's own address.
  const port = await freePort();
  const serverEnv = { ...simEnv, ATELIER_PUBLIC_URL: `http://127.0.0.1:${port}` };
  let { server, url } = await startServer(`127.0.0.1:${port}`, dataDir, serverEnv);
  const email = 'ada@example.com';
  // Analytics and error reports pointed at the simulators, as a release build carries its keys.
  const telemetryEnv = { ATELIER_POSTHOG_HOST: simEnv.POSTHOG_HOST, ATELIER_POSTHOG_KEY: simEnv.POSTHOG_KEY, ATELIER_SENTRY_DSN: simEnv.SENTRY_DSN };
  const posthogRequests = async () => (await (await fetch(`${mailbox}/posthog/__control/requests`)).json());
  try {
    let app = await openApp(url, telemetryEnv);
    try {
      await app.waitForState('online', 30_000);
      await app.waitUntil('the consent banner', async () => app.evaluate("return document.querySelector('[data-testid=consent-banner]') !== null;"));
      await app.screenshot('consent-banner');
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

      // Buying credits: Buy opens Creem's checkout (the simulator's) in the browser, the person
      // pays there, Creem's signed webhook reaches the service, and the app shows the balance.
      await fetch(`${mailbox}/creem/__control/webhook`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${url}/v1/creem/webhook` }) });
      await app.click('nav-credits');
      await app.waitUntil('the packs', async () => (await app.attribute('buy-credits', 'data-status')) === 'ready', 30_000);
      await app.screenshot('credits-packs');
      await app.click('buy');
      await app.waitUntil('waiting for the payment', async () => (await app.attribute('purchase', 'data-phase')) === 'waiting', 30_000);
      await app.screenshot('credits-waiting');
      const checkouts = await (await fetch(`${mailbox}/creem/__control/checkouts`)).json();
      const checkout = checkouts[checkouts.length - 1];
      expect(checkout && checkout.status === 'pending', `no pending checkout at Creem: ${JSON.stringify(checkout)}`);
      const checkoutPage = await fetch(`${mailbox}/creem/checkout/${checkout.id}`);
      expect(checkoutPage.status === 200 && (await checkoutPage.text()).includes('id="pay"'), 'the checkout page has no Pay button');
      const paid = await fetch(`${mailbox}/creem/checkout/${checkout.id}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'card=4242+4242+4242+4242',
        redirect: 'manual',
      });
      expect(paid.status === 303, `paying answered ${paid.status}`);
      expect((paid.headers.get('location') ?? '').startsWith(`${url}/billing/return`), `redirected to ${paid.headers.get('location')}`);
      await app.waitUntil('the purchase to land', async () => (await app.attribute('purchase', 'data-phase')) === 'landed', 60_000);
      await app.waitForText('credits-balance', '196');
      await app.screenshot('credits-landed');
      console.log('ok: bought 100 credits through the Creem checkout page; the balance went from 96 to 196');

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
      const device = pkce();
      await fetch(`${url}/v1/auth/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, ...device.start }) });
      const { code } = await latestMail(mailbox, email, mails);
      const grant = await (await fetch(`${url}/v1/auth/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, code, code_verifier: device.verifier }) })).json();
      const page = await (await fetch(`${url}/v1/sync`, { headers: { authorization: `Bearer ${grant.token}` } })).json();
      const images = page.changes.filter((c) => c.op === 'upsert' && c.record.kind === 'image');
      expect(images.length === 0, `the service still has ${images.length} image(s)`);
      expect(page.changes.some((c) => c.op === 'delete' && c.kind === 'image'), 'the service has no tombstone for the deleted image');
      console.log('ok: back online, the outbox was sent, the service deleted the image, the banner went');

      // Consent: all of the above (sign-in, a generation, the gallery) sent PostHog nothing.
      expect((await posthogRequests()).length === 0, 'PostHog was called before consent');
      await app.click('consent-accept');
      await app.click('nav-settings');
      await app.click('nav-gallery');
      await app.waitUntil('analytics after acceptance', async () => (await posthogRequests()).length > 0, 30_000);
      for (const request of await posthogRequests()) {
        const wire = JSON.stringify(request);
        for (const personal of [email, 'lighthouse']) expect(!wire.includes(personal), `PostHog received ${personal}: ${wire}`);
        // The client's address (the Host header is PostHog's own, the simulator's here).
        expect(!request.body.includes('127.0.0.1'), `PostHog received an IP: ${request.body}`);
      }
      // Withdrawn in Settings → Privacy: nothing more, however much happens.
      await app.click('nav-settings');
      await app.click('settings-tab-privacy');
      await app.click('privacy-analytics');
      await app.waitUntil('analytics off', async () => (await app.attribute('privacy-analytics-state', 'data-state')) === 'denied');
      const sent = (await posthogRequests()).length;
      await app.click('nav-gallery');
      await app.click('nav-settings');
      await sleep(2_000);
      expect((await posthogRequests()).length === sent, 'PostHog was called after withdrawal');
      console.log(`ok: PostHog got nothing before consent, ${sent} clean request(s) after it, nothing after withdrawal`);
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

      // A link the app did not ask for: someone mails themselves a link to their own account and
      // gets it opened here. Refused with words that say where it works, and nothing changes.
      const intruderEmail = 'mallory@example.com';
      const planted = pkce();
      let before = (await (await fetch(`${mailbox}/resend/emails?to=${encodeURIComponent(intruderEmail)}`)).json()).length;
      const started = await fetch(`${url}/v1/auth/start`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: intruderEmail, ...planted.start }),
      });
      expect(started.status === 202, `auth/start answered ${started.status}`);
      const plantedLink = await latestMail(mailbox, intruderEmail, before);
      const intruder = start('planted link', DESKTOP(), [`atelier://auth?token=${plantedLink.token}`], { ATELIER_API_URL: url });
      intruder.stdout.resume();
      await new Promise((resolve) => intruder.once('exit', resolve));
      await app.waitUntil('the refusal', async () => (await app.attribute('sign-in-error', 'data-code')) === 'sign_in_not_pending', 30_000);
      await app.screenshot('planted-link-refused');
      expect((await app.attribute('sign-in', 'data-step')) === 'email', 'a planted link moved the sign-in on');
      console.log('ok: a sign-in link this app did not ask for was refused');

      // The magic link asked for in this app: a second instance started with atelier://auth?token=…
      // hands the link to this one (single-instance over D-Bus) and exits; this one, holding the
      // sign-in's verifier, verifies it and signs in.
      before = (await (await fetch(`${mailbox}/resend/emails?to=${encodeURIComponent(email)}`)).json()).length;
      await app.type('email-input', email);
      await app.click('send-code');
      await app.waitUntil('the code step', async () => (await app.attribute('sign-in', 'data-step')) === 'code');
      const { token } = await latestMail(mailbox, email, before);
      const second = start('second instance', DESKTOP(), [`atelier://auth?token=${token}`], { ATELIER_API_URL: url });
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

      // Settings → Your data → Delete account: one confirmation, then the sign-in screen, and
      // nothing left on this computer: no data folder, no keyring entry.
      const library = join(dataHome, 'Atelier');
      expect(existsSync(join(library, 'cache.sqlite')), `no cache at ${library} before the deletion`);
      expect(keyringItems(SESSION_ENTRY) === 1, 'the session is not in the keyring before the deletion');
      await app.click('nav-settings');
      await app.click('settings-tab-data');
      await app.click('delete-account-button');
      await app.waitUntil('the confirmation', async () => app.evaluate("return document.querySelector('[data-testid=confirm-dialog]') !== null;"));
      await app.screenshot('delete-account-confirm');
      await app.click('confirm-accept');
      await app.waitUntil('the sign-in screen', async () => (await app.attribute('sign-in', 'data-step')) === 'email', 30_000);
      await app.screenshot('account-deleted');
      expect(!existsSync(library), `the data folder is still there: ${library}`);
      expect(keyringItems(SESSION_ENTRY) === 0, 'the keyring still holds the session');
      console.log('ok: the account was deleted from Settings; the data folder and the keyring entry are gone');
    } finally {
      await app.close();
    }

    // A new process starts signed out, with no folder made again.
    app = await openApp(url);
    try {
      await app.waitUntil('the sign-in screen after a restart', async () => (await app.attribute('sign-in', 'data-step')) === 'email', 30_000);
      expect(!existsSync(join(dataHome, 'Atelier')), 'the data folder came back');
      console.log('ok: after a restart the app is signed out and keeps nothing');
    } finally {
      await app.close();
    }
  } finally {
    await stop(server);
  }
}

/** Makes one image of `prompt` in the studio and waits until its card is done. */
async function generate(app, prompt) {
  await app.click('nav-studio');
  await app.waitForText('composer-balance', '100');
  await app.type('composer-prompt', prompt);
  await app.click('composer-submit');
  await app.waitUntil('the generation to finish', async () => {
    const status = await app.attribute('generation-card', 'data-status');
    if (status === 'failed') throw new Error(`the generation failed: ${await app.text('generation-failure')}`);
    return status === 'done';
  }, 90_000);
}

/** The gallery's tiles as shown: each image's id and the img:// URL its thumbnail loaded from. */
const galleryTiles = (app) => app.evaluate(`return [...document.querySelectorAll('[data-testid=gallery-tile]')].map((tile) => {
  const img = tile.querySelector('img');
  return { id: tile.dataset.id, src: img?.src ?? null, loaded: !!img && img.complete && img.naturalWidth > 0 };
});`);

/**
 * Loads `url` into a new <img> in the page: 'loaded' (decoded, with pixels), 'error' or
 * 'timeout'. A query string of its own (the img handler reads only the path) makes WebKit ask
 * the app each time: for as long as the page lives, WebKit answers an <img> of a URL it has
 * already shown from its own memory, without asking the app at all.
 */
async function loadImage(app, url) {
  const src = `${url}?probe=${randomBytes(6).toString('hex')}`;
  return app.evaluateAsync(`const [src, done] = arguments;
    const img = new Image();
    const timer = setTimeout(() => done('timeout'), 10000);
    img.onload = () => { clearTimeout(timer); done(img.naturalWidth > 0 ? 'loaded' : 'empty'); };
    img.onerror = () => { clearTimeout(timer); done('error'); };
    img.src = src;`, src);
}

/** Every file under `dir`, recursively (the library's content-addressed image files). */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

/**
 * Hardening item 9, as a person sees it: the library is the signed-in account's and nobody
 * else's. Grace makes an image and finds it in her gallery; once she signs out nothing of it is
 * shown or served (not even its img:// URL); Linus signs in on the same computer and his
 * gallery, his search and img:// know nothing of hers; when Grace signs in again, the sync the
 * switch starts brings her image back (no "Sync now" pressed) and Linus's is gone.
 */
async function accountSwitchScenario(dataDir, appDataDir) {
  const { sims, baseUrl: mailbox, simEnv } = await startSimulators();
  const port = await freePort();
  const serverEnv = { ...simEnv, ATELIER_PUBLIC_URL: `http://127.0.0.1:${port}` };
  const { server, url } = await startServer(`127.0.0.1:${port}`, dataDir, serverEnv);
  // Fresh addresses: each signs in at most twice, within 3 emails per address and client.
  const grace = { email: 'grace@example.com', prompt: 'An amber zeppelin over a glacier, watercolour', word: 'zeppelin' };
  const linus = { email: 'linus@example.com', prompt: 'A cobalt tram in the rain, gouache', word: 'tram' };
  const files = join(appDataDir, 'files');
  const app = await openApp(url, { ATELIER_DATA_DIR: appDataDir });
  try {
    await app.waitForState('online', 30_000);

    // Grace: her image in her gallery, its grid thumbnail (256 px) served by img:// from the library.
    await signInByCode(app, mailbox, grace.email);
    await generate(app, grace.prompt);
    await app.click('nav-gallery');
    await app.waitUntil("Grace's image in her gallery", async () => {
      const tiles = await galleryTiles(app);
      return tiles.length === 1 && tiles[0].loaded;
    }, 60_000);
    const [graceTile] = await galleryTiles(app);
    expect(/^img:\/\/localhost\/grid\/[0-9a-f]{32}$/.test(graceTile.src), `the tile's grid thumbnail is ${graceTile.src}`);
    await app.type('gallery-search', grace.word);
    await app.waitUntil(`a search for "${grace.word}" to find her image`, async () =>
      (await app.evaluate("return document.querySelector('[data-testid=gallery-reset]') !== null;"))
      && (await galleryTiles(app)).map((t) => t.id).join() === graceTile.id);
    await app.screenshot('switch-grace-gallery');
    await app.click('gallery-reset');
    expect((await loadImage(app, graceTile.src)) === 'loaded', "Grace's img:// URL does not load while she is signed in");
    const graceFiles = filesUnder(files);
    expect(graceFiles.length > 0, `no image files in ${files} while Grace is signed in`);
    console.log(`ok: Grace's image ${graceTile.id} is in her gallery and her search, served at ${graceTile.src} (${graceFiles.length} file(s) on disk)`);

    // Grace signs out: no gallery, no tile, her img:// URL is refused, and so is the gallery's
    // command when the page asks for it itself.
    await app.openAccount();
    await app.click('sign-out');
    await app.waitForText('session-notice', "You're signed out.");
    expect(await app.evaluate("return document.querySelector('[data-testid=gallery], [data-testid=gallery-tile], [data-testid=nav-gallery], img[src^=\"img:\"]') === null;"),
      'something of the gallery is still on screen after signing out');
    expect((await loadImage(app, graceTile.src)) === 'error', "Grace's img:// URL still loads after she signed out");
    const refused = await app.evaluateAsync(`const done = arguments[0];
      window.__TAURI_INTERNALS__.invoke('gallery_page', { query: { search: null, favourites_only: false }, offset: 0, limit: 50 })
        .then((page) => done({ page }), (error) => done({ error }));`);
    expect(refused.error?.code === 'unauthenticated', `the gallery's command answered ${JSON.stringify(refused)} after signing out`);
    await app.screenshot('switch-signed-out');
    console.log("ok: signed out, nothing of Grace's is shown, her img:// URL is refused and the gallery's command answers unauthenticated");

    // Linus signs in on the same computer (no question asked: signing in is only offered while
    // signed out). His gallery has his image only; a search for Grace's words finds nothing;
    // her img:// URL stays refused, and her files are gone from the disk.
    await signInByCode(app, mailbox, linus.email);
    await app.screenshot('switch-linus-signed-in');
    await generate(app, linus.prompt);
    expect(!(await app.evaluate(`return document.body.innerText.toLowerCase().includes(${JSON.stringify(grace.word)});`)), "Grace's prompt is in Linus's studio");
    await app.click('nav-gallery');
    await app.waitUntil("Linus's image in his gallery", async () => {
      const tiles = await galleryTiles(app);
      return tiles.length === 1 && tiles[0].loaded && tiles[0].id !== graceTile.id;
    }, 60_000);
    const [linusTile] = await galleryTiles(app);
    expect((await app.attribute('gallery-count', 'data-count')) === '1', `Linus's gallery counts ${await app.attribute('gallery-count', 'data-count')} images`);
    expect(!(await app.evaluate(`return document.body.innerText.toLowerCase().includes(${JSON.stringify(grace.word)});`)), "Grace's prompt is in Linus's gallery");
    await app.screenshot('switch-linus-gallery');
    await app.type('gallery-search', grace.word);
    await app.waitUntil(`a search for "${grace.word}" to find nothing`, async () =>
      (await app.attribute('gallery-count', 'data-count')) === '0' && (await app.text('gallery-empty')).includes('Nothing matches'));
    expect((await galleryTiles(app)).length === 0, 'a tile is shown for a search that matches nothing');
    await app.screenshot('switch-linus-search-grace');
    await app.click('gallery-reset');
    await app.waitUntil("Linus's image again", async () => (await galleryTiles(app)).map((t) => t.id).join() === linusTile.id);
    expect((await loadImage(app, graceTile.src)) === 'error', "Grace's img:// URL loads while Linus is signed in");
    expect((await loadImage(app, linusTile.src)) === 'loaded', "Linus's own img:// URL does not load");
    const left = graceFiles.filter((file) => existsSync(file));
    expect(left.length === 0, `Grace's files are still on disk while Linus is signed in: ${left.join(', ')}`);
    console.log(`ok: Linus sees only his image ${linusTile.id}; "${grace.word}" finds nothing; Grace's img:// URL is refused and her files are gone`);

    // Grace again: the sync her sign-in starts brings her image back (well within a minute; the
    // periodic sync would come only after five), and Linus's is gone.
    await app.openAccount();
    await app.click('sign-out');
    await app.waitForText('session-notice', "You're signed out.");
    await signInByCode(app, mailbox, grace.email);
    await app.click('nav-gallery');
    await app.waitUntil("Grace's image back in her gallery after the sync", async () => {
      const tiles = await galleryTiles(app);
      return tiles.length === 1 && tiles[0].id === graceTile.id && tiles[0].loaded;
    }, 60_000);
    await app.type('gallery-search', linus.word);
    await app.waitUntil(`a search for "${linus.word}" to find nothing`, async () =>
      (await app.attribute('gallery-count', 'data-count')) === '0' && (await app.text('gallery-empty')).includes('Nothing matches'));
    await app.click('gallery-reset');
    await app.waitUntil("Grace's image again", async () => (await galleryTiles(app)).map((t) => t.id).join() === graceTile.id);
    expect((await loadImage(app, graceTile.src)) === 'loaded', "Grace's img:// URL does not load once she is back");
    expect((await loadImage(app, linusTile.src)) === 'error', "Linus's img:// URL loads while Grace is signed in");
    await app.screenshot('switch-grace-back');
    console.log("ok: Grace signed in again: the sync brought her image back; Linus's is neither shown, found nor served");

    // Signed out again, so the keyring holds no session for whatever runs next.
    await app.openAccount();
    await app.click('sign-out');
    await app.waitForText('session-notice', "You're signed out.");
  } finally {
    await app.close();
    await stop(server);
    await stop(sims);
  }
}

/**
 * Issue 13, images as input: a PNG dropped on the composer is uploaded (its bytes over IPC as
 * the raw body) and shown as a chip whose thumbnail img:// serves from the library; then the
 * gallery's "Edit" puts a generated image in the composer with an edit model, and the edit the
 * kie simulator makes from the input's bytes comes back into the gallery.
 */
async function imagesAsInputScenario(dataDir, appDataDir) {
  const { sims, baseUrl: mailbox, simEnv } = await startSimulators();
  const port = await freePort();
  const serverEnv = { ...simEnv, ATELIER_PUBLIC_URL: `http://127.0.0.1:${port}` };
  const { server, url } = await startServer(`127.0.0.1:${port}`, dataDir, serverEnv);
  const app = await openApp(url, { ATELIER_DATA_DIR: appDataDir });
  try {
    await app.waitForState('online', 30_000);
    await signInByCode(app, mailbox, 'edith@example.com');
    await generate(app, 'A red lighthouse on a cliff, gouache');

    // A PNG dropped on the composer, made in the page as a file from the OS would arrive.
    const dropped = await app.evaluateAsync(`const done = arguments[arguments.length - 1];
      const canvas = document.createElement('canvas');
      canvas.width = 96; canvas.height = 64;
      const g = canvas.getContext('2d');
      g.fillStyle = '#1d4e89'; g.fillRect(0, 0, 96, 64);
      g.fillStyle = '#f2c14e'; g.beginPath(); g.arc(60, 24, 14, 0, Math.PI * 2); g.fill();
      canvas.toBlob((blob) => {
        const file = new File([blob], 'harbour.png', { type: 'image/png' });
        const dataTransfer = new DataTransfer();
        dataTransfer.items.add(file);
        const composer = document.querySelector('[data-testid=composer]');
        for (const type of ['dragenter', 'dragover', 'drop']) composer.dispatchEvent(new DragEvent(type, { dataTransfer, bubbles: true, cancelable: true }));
        // Where WebKit's DragEvent does not carry a made-up DataTransfer, the file picker's input takes it.
        setTimeout(() => {
          if (document.querySelector('[data-testid=input-chip]')) return done('drop');
          const input = document.querySelector('[data-testid=composer-file]');
          input.files = dataTransfer.files;
          input.dispatchEvent(new Event('change', { bubbles: true }));
          done('picker');
        }, 500);
      }, 'image/png');`);
    await app.waitUntil('the dropped image as a ready chip', async () => {
      const state = await app.attribute('input-chip', 'data-state');
      if (state === 'failed') throw new Error(`the upload failed: ${await app.text('input-error')}`);
      return state === 'ready';
    }, 30_000);
    const uploadId = await app.attribute('input-chip', 'data-id');
    await app.waitUntil("the chip's thumbnail from img://", async () => app.evaluate(
      "const img = document.querySelector('[data-testid=input-chip] img'); return !!img && img.complete && img.naturalWidth > 0 && img.src.includes('/thumbnail/');",
    ));
    const offered = await app.evaluate("return [...document.querySelector('[data-testid=composer-model]').options].map((o) => o.value);");
    expect(!offered.includes('nano-banana') && offered.includes('nano-banana-edit'), `with one image the composer offers ${offered}`);
    await app.screenshot('composer-input-chip');
    console.log(`ok: a PNG ${dropped === 'drop' ? 'dropped on' : 'picked in'} the composer became upload ${uploadId}, its chip's thumbnail served by img://; models offered: ${offered.join(', ')}`);
    await app.click('input-remove');

    // The gallery's Edit: the image as the composer's one chip, an edit model chosen.
    await app.click('nav-gallery');
    await app.waitUntil('the generated image in the gallery', async () => (await galleryTiles(app)).some((t) => t.loaded), 60_000);
    const [source] = await galleryTiles(app);
    await app.evaluate("document.querySelector('[data-testid=gallery-tile]').dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));");
    await app.waitUntil('the Edit action', async () => app.evaluate("return document.querySelector('[data-testid=image-action-edit]') !== null;"));
    const editCost = await app.attribute('image-action-edit', 'data-cost');
    await app.screenshot('gallery-edit-action');
    await app.click('image-action-edit');
    await app.waitUntil('the studio with the image as its chip', async () =>
      (await app.attribute('input-chip', 'data-id')) === source.id && (await app.attribute('input-chip', 'data-state')) === 'ready');
    const model = await app.evaluate("return document.querySelector('[data-testid=composer-model]').value;");
    expect(model === 'nano-banana-edit', `Edit chose ${model}`);
    await app.waitForText('composer-cost', editCost);
    await app.type('composer-prompt', 'Make it winter, snow on the cliff');
    await app.click('composer-submit');
    await app.waitUntil('the edit to finish', async () => app.evaluate(`const cards = [...document.querySelectorAll('[data-testid=generation-card]')];
      const last = cards[cards.length - 1];
      if (last?.dataset.status === 'failed') return 'failed';
      return cards.length >= 2 && last.dataset.status === 'done';`).then((done) => {
      if (done === 'failed') throw new Error('the edit failed');
      return done;
    }), 90_000);
    await app.waitUntil('no chip left after sending', async () => app.evaluate("return document.querySelector('[data-testid=input-chip]') === null;"));

    // The edited image comes into the gallery beside its source.
    await app.click('nav-gallery');
    await app.waitUntil('the edit in the gallery', async () => {
      const tiles = await galleryTiles(app);
      return tiles.length === 2 && tiles.every((t) => t.loaded) && tiles.some((t) => t.id !== source.id);
    }, 60_000);
    const prompts = await app.evaluate("return [...document.querySelectorAll('[data-testid=gallery-tile]')].map((t) => t.getAttribute('aria-label') ?? t.textContent);");
    await app.screenshot('gallery-edited');
    console.log(`ok: Edit from the gallery made a ${model} edit of ${source.id} (${editCost} credits), now in the gallery: ${JSON.stringify(prompts)}`);

    // The edit's detail names its source, which opens in its turn.
    const edit = (await galleryTiles(app)).find((t) => t.id !== source.id);
    await app.evaluate(`document.querySelector('[data-testid=gallery-tile][data-id="${edit.id}"]').dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));`);
    await app.waitUntil('the edit names its source', async () => app.evaluate(
      `const s = [...document.querySelectorAll('[data-testid=made-from-source]')]; return s.length === 1 && s[0].dataset.kind === 'image' && s[0].querySelector('button')?.dataset.id === '${source.id}';`,
    ));
    await app.screenshot('gallery-made-from');
    await app.evaluate("document.querySelector('[data-testid=made-from-source] button').click();");
    await app.waitUntil('the source in the detail view', async () => app.evaluate(
      `return document.querySelector('[data-testid=gallery-detail]')?.dataset.id === '${source.id}' && document.querySelector('[data-testid=made-from]') === null;`,
    ));
    await app.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));");
    await app.waitUntil('the detail closed', async () => app.evaluate("return document.querySelector('[data-testid=gallery-detail]') === null;"));

    // Dragged out of the window, a tile carries its original as a file: a press makes it, the
    // drag names it (where WebKit lets a made-up drag carry data; else the command the press ran).
    const carried = await app.evaluateAsync(`const done = arguments[arguments.length - 1];
      const tile = document.querySelector('[data-testid=gallery-tile][data-id="${source.id}"]');
      tile.dispatchEvent(new PointerEvent('pointerdown', { button: 0, bubbles: true }));
      setTimeout(async () => {
        const data = new DataTransfer();
        tile.dispatchEvent(new DragEvent('dragstart', { dataTransfer: data, bubbles: true }));
        const uri = data.getData('text/uri-list');
        if (uri) return done({ via: 'drag', uri });
        const file = await window.__TAURI_INTERNALS__.invoke('prepare_drag_out', { imageId: '${source.id}' });
        done({ via: 'command', uri: file.url });
      }, 1500);`);
    expect(carried.uri?.startsWith('file:///'), `the drag carried ${JSON.stringify(carried)}`);
    const dragged = readFileSync(fileURLToPath(carried.uri));
    expect(dragged.subarray(1, 4).toString() === 'PNG' && dragged.length > 1000, `the dragged file is not the PNG original (${dragged.length} bytes)`);
    console.log(`ok: a tile dragged out carries ${carried.uri} (${dragged.length} bytes, PNG; checked through the ${carried.via})`);

    // Signed out, so the keyring holds no session for whatever runs next.
    await app.openAccount();
    await app.click('sign-out');
    await app.waitForText('session-notice', "You're signed out.");
  } finally {
    await app.close();
    await stop(server);
    await stop(sims);
  }
}

/** The keyring entry the app keeps its session in (atelier_client::session::KeyringStore). */
const SESSION_ENTRY = { service: 'app.atelier.desktop' };

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
