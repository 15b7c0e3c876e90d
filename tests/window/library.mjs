// The library belongs to the signed-in account (two accounts taking turns on one computer, each
// seeing, finding and loading by img:// only its own images), and images as input (a PNG dropped
// on the composer uploaded and shown as a chip, the gallery's Edit making an edit that comes back
// into the gallery, a tile dragged out carrying its original).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openApp, stop } from './harness.mjs';
import { expect, filesUnder, galleryTiles, generate, loadImage, searchFindsNothing, signInByCode, signOut, startStack } from './steps.mjs';

/**
 * Hardening item 9, as a person sees it: the library is the signed-in account's and nobody
 * else's. Grace makes an image and finds it in her gallery; once she signs out nothing of it is
 * shown or served (not even its img:// URL); Linus signs in on the same computer and his
 * gallery, his search and img:// know nothing of hers; when Grace signs in again, the sync the
 * switch starts brings her image back (no "Sync now" pressed) and Linus's is gone.
 */
export async function accountSwitchScenario(dataDir, appDataDir) {
  const { sims, mailbox, server, url } = await startStack(dataDir);
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
    await signOut(app);
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
    await searchFindsNothing(app, grace.word);
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
    await signOut(app);
    await signInByCode(app, mailbox, grace.email);
    await app.click('nav-gallery');
    await app.waitUntil("Grace's image back in her gallery after the sync", async () => {
      const tiles = await galleryTiles(app);
      return tiles.length === 1 && tiles[0].id === graceTile.id && tiles[0].loaded;
    }, 60_000);
    await searchFindsNothing(app, linus.word);
    await app.click('gallery-reset');
    await app.waitUntil("Grace's image again", async () => (await galleryTiles(app)).map((t) => t.id).join() === graceTile.id);
    expect((await loadImage(app, graceTile.src)) === 'loaded', "Grace's img:// URL does not load once she is back");
    expect((await loadImage(app, linusTile.src)) === 'error', "Linus's img:// URL loads while Grace is signed in");
    await app.screenshot('switch-grace-back');
    console.log("ok: Grace signed in again: the sync brought her image back; Linus's is neither shown, found nor served");

    // Signed out again, so the keyring holds no session for whatever runs next.
    await signOut(app);
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
export async function imagesAsInputScenario(dataDir, appDataDir) {
  const { sims, mailbox, server, url } = await startStack(dataDir);
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
    await signOut(app);
  } finally {
    await app.close();
    await stop(server);
    await stop(sims);
  }
}
