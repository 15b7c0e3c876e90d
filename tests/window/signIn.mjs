// Signing in by email against the native server pointed at the upstream simulators, and what a
// signed-in person does next: the code read from the simulated mailbox and typed into the window;
// a generation, a purchase through Creem's checkout page, the gallery, a deletion waiting offline
// and synced; analytics only after consent; the session surviving a restart (kept in GNOME
// Keyring over the test's D-Bus session); a planted link refused and an atelier://auth link handed
// to a second instance signing the running one in; the account deleted with nothing left behind.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { DESKTOP, keyringItems, latestMail, openApp, sleep, start, startServer, stop } from './harness.mjs';
import { expect, mailCount, pkce, requestCode, SESSION_ENTRY, signInByCode, startSignInElsewhere, startStack, waitForGeneration } from './steps.mjs';

/**
 * @param {string} dataDir the server's data
 * @param {string} dataHome the app's XDG_DATA_HOME (its library is `Atelier` in it)
 */
export async function signInScenario(dataDir, dataHome) {
  const stack = await startStack(dataDir);
  const { mailbox, simEnv, port, serverEnv, url } = stack;
  let { server } = stack;
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
      await waitForGeneration(app);
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
      const mails = await mailCount(mailbox, email);
      const device = pkce();
      await startSignInElsewhere(url, email, device);
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
      const before = await mailCount(mailbox, intruderEmail);
      const started = await startSignInElsewhere(url, intruderEmail, planted);
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
      const { token } = await requestCode(app, mailbox, email);
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
