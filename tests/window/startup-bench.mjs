// `cargo xtask bench startup`: cold start of the desktop app to the gallery painted, with 10,000
// images in its local library, and the resident memory of all its processes (the app and the
// WebKit processes it starts), once the gallery is painted and again after scrolling through the
// whole library. The fixture (an example of atelier-client) serves the library's account from
// the native server and has synced it into the cache first. Runs under Xvfb and a D-Bus session
// with GNOME Keyring, like the window test.
//
// Where the time goes: the app logs `startup: <phase> epoch_ms=…` (src-tauri/src/startup.rs)
// and the UI leaves `atelier:<phase>` performance marks; both are printed against the moment
// the benchmark asked for the window, for the first run and as medians of the others.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { describeMemory, env, firstLine, GALLERY_VIEW_JS, isolate, openApp, residentMemory, SHOTS, start, startKeyring, stopAll } from './harness.mjs';

const FIXTURE = env('ATELIER_STARTUP_FIXTURE_BIN');
const DESKTOP = env('ATELIER_DESKTOP_BIN');
const RUNS = Number(process.env.ATELIER_STARTUP_RUNS ?? 5);
/** Tiles that must have their thumbnail decoded for the gallery to count as painted. */
const TILES = 12;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (kib) => (kib / 1024).toFixed(0);

/**
 * In the page: waits for the Gallery tab, opens it unless the app opened there by itself (it
 * does on the view it was last on), and answers when the first `TILES` tiles have their image
 * decoded, checked every frame (no polling interval in the figure). The painted time is the
 * app's own mark (`atelier:gallery-painted`, left by the tiles' load events) when it has one, so
 * the figure is the app's, not WebDriver's first script; else the frame this script saw it.
 * Answers that epoch time and the UI's performance marks (epoch times).
 */
const OPEN_GALLERY = `const done = arguments[arguments.length - 1];
  const epoch = (t) => performance.timeOrigin + t;
  let clicked = false;
  const frame = () => {
    if (!clicked) {
      const tab = document.querySelector('[data-testid=nav-gallery]');
      if (tab && tab.getAttribute('aria-current') === 'page') { clicked = true; performance.mark('atelier:gallery-opened-itself'); }
      else if (tab) { tab.click(); clicked = true; performance.mark('atelier:gallery-clicked'); }
    } else {
      const imgs = [...document.querySelectorAll('[data-testid=gallery-tile] img')];
      if (imgs.length >= ${TILES} && imgs.slice(0, ${TILES}).every((i) => i.complete && i.naturalWidth > 0)) {
        performance.mark('atelier:tiles-decoded');
        const own = performance.getEntriesByName('atelier:gallery-painted', 'mark')[0];
        return done({ painted: epoch(own ? own.startTime : performance.now()), marks: performance.getEntriesByType('mark').map((m) => [m.name, epoch(m.startTime)]) });
      }
    }
    requestAnimationFrame(frame);
  };
  frame();`;

/**
 * In the page: scrolls the grid from top to bottom a screen at a time, each step waiting (up to
 * half a second) until the tiles in view are decoded, as someone looking through the library would.
 */
const SCROLL_WHOLE = `const done = arguments[arguments.length - 1];
  ${GALLERY_VIEW_JS}
  const el = scroller();
  let steps = 0;
  let unsettled = 0;
  const next = async () => {
    const started = performance.now();
    while (!settled() && performance.now() - started < 500) await new Promise((r) => requestAnimationFrame(r));
    if (!settled()) unsettled++;
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return done({ steps, unsettled, imgs: document.querySelectorAll('img').length });
    el.scrollTop += el.clientHeight;
    steps++;
    await new Promise((r) => requestAnimationFrame(r));
    next();
  };
  next();`;

/**
 * In the page: what a grid thumbnail's format costs WebKit to decode. One 256 px picture (a
 * smooth gradient with grain, like a downscaled photo) encoded by the page itself in each
 * format it can write, each decoded 40 times from a fresh blob URL; the median per format, in ms,
 * and the bytes.
 */
const DECODE_FORMATS = `const done = arguments[arguments.length - 1];
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 256;
  const g = canvas.getContext('2d');
  const image = g.createImageData(256, 256);
  for (let i = 0; i < image.data.length; i += 4) {
    const x = (i / 4) % 256, y = Math.floor(i / 1024), grain = Math.random() * 24;
    image.data.set([x + grain, y + grain, 160 - x / 2 + grain, 255], i);
  }
  g.putImageData(image, 0, 0);
  const encoded = (type) => new Promise((r) => canvas.toBlob(r, type, 0.82));
  (async () => {
    const out = {};
    for (const type of ['image/jpeg', 'image/png', 'image/webp']) {
      const blob = await encoded(type);
      if (!blob || blob.type !== type) { out[type] = null; continue; }
      const times = [];
      for (let i = 0; i < 40; i++) {
        const url = URL.createObjectURL(blob);
        const img = new Image();
        const t = performance.now();
        img.src = url;
        await img.decode();
        times.push(performance.now() - t);
        URL.revokeObjectURL(url);
      }
      times.sort((a, b) => a - b);
      out[type] = { ms: times[20], bytes: blob.size };
    }
    done(out);
  })();`;

const work = mkdtempSync(join(tmpdir(), 'atelier-startup-'));
mkdirSync(SHOTS(), { recursive: true });
isolate(work);
let failed = false;
try {
  await startKeyring();
  const library = join(work, 'library');
  const fixture = start('startup fixture', FIXTURE, [], { ATELIER_DATA_DIR: library, RUST_LOG: 'warn' }, 'pipe');
  const ready = await firstLine(fixture, 'the startup fixture', 1_800_000);
  const url = ready.replace('ready ', '');
  console.log(`library ready, service at ${url}`);
  const starts = [];
  const painted = [];
  /** Per run: each phase's time since the window was asked for, in ms. */
  const phases = [];
  let settledMemory = null;
  let scrolledMemory = null;
  for (let run = 0; run < RUNS; run++) {
    const t0 = Date.now();
    const app = await openApp(url, { ATELIER_DATA_DIR: library, RUST_LOG: 'warn,atelier_desktop::startup=info' }, { stderr: 'pipe' });
    const rustPhases = [];
    createInterface({ input: app.driver.stderr }).on('line', (line) => {
      const mark = /startup: (\S+) epoch_ms=(\d+)/.exec(line);
      if (mark) rustPhases.push([`app:${mark[1]}`, Number(mark[2])]);
      else process.stderr.write(`${line}\n`);
    });
    try {
      starts.push(Date.now() - t0);
      await app.scriptTimeout(120_000);
      const seen = await app.evaluateAsync(OPEN_GALLERY);
      painted.push(seen.painted - t0);
      phases.push(new Map([...rustPhases, ['webdriver:session', t0 + starts.at(-1)], ...seen.marks].map(([name, at]) => [name, at - t0])));
      const count = await app.attribute('gallery-count', 'data-count');
      if (Number(count) < 10_000) throw new Error(`the gallery counts ${count} images`);
      if (run === RUNS - 1) {
        // Settled: a second later, what every process holds.
        await new Promise((r) => setTimeout(r, 1000));
        settledMemory = residentMemory(DESKTOP);
        await app.screenshot('startup-gallery');
        await app.scriptTimeout(900_000);
        const scrolled = await app.evaluateAsync(SCROLL_WHOLE).catch((e) => {
          failed = true;
          console.error(`scrolling the whole gallery failed: ${e.message}`);
          return { steps: '?', unsettled: '?', imgs: '?' };
        });
        console.log(`scrolled the whole gallery: ${scrolled.steps} screens, ${scrolled.unsettled} not decoded within half a second; ${scrolled.imgs} <img> elements in the page at the end`);
        await new Promise((r) => setTimeout(r, 1000));
        scrolledMemory = residentMemory(DESKTOP);
        await app.screenshot('startup-gallery-scrolled');
        const formats = await app.evaluateAsync(DECODE_FORMATS);
        console.log(`decoding a 256 px thumbnail in this WebKit (median of 40): ${Object.entries(formats).map(([type, r]) => `${type} ${r ? `${r.ms.toFixed(2)} ms (${r.bytes} bytes)` : 'not encodable here'}`).join(', ')}`);
      }
    } finally {
      await app.close();
    }
  }
  console.log(`window ready (process start → WebDriver session): ${starts.map((t) => t.toFixed(0)).join(', ')} ms; median ${median(starts).toFixed(0)} ms`);
  console.log(`gallery painted (process start → ${TILES} thumbnails decoded, 10,000 images counted): ${painted.map((t) => t.toFixed(0)).join(', ')} ms; median ${median(painted).toFixed(0)} ms`);
  const names = [...new Set(phases.flatMap((p) => [...p.keys()]))].sort((a, b) => phases[0].get(a) - phases[0].get(b));
  console.log('where the time goes (ms since the window was asked for): first run, median of the others');
  for (const name of names) {
    const later = phases.slice(1).map((p) => p.get(name)).filter((t) => t !== undefined);
    const first = phases[0].get(name);
    console.log(`  ${name.padEnd(28)} ${first === undefined ? '—' : first.toFixed(0).padStart(6)} ${later.length ? median(later).toFixed(0).padStart(6) : '     —'}`);
  }
  console.log(describeMemory('with the gallery painted', settledMemory));
  console.log(describeMemory('after scrolling the whole gallery', scrolledMemory));
  const warm = painted.length > 1 ? median(painted.slice(1)) : painted[0];
  console.log(`bench startup: paint_cold_ms=${painted[0].toFixed(0)} paint_warm_ms=${warm.toFixed(0)} rss_mb=${mib(settledMemory.total)} rss_after_scroll_mb=${mib(scrolledMemory.total)}`);
  fixture.stdin.end();
} catch (e) {
  failed = true;
  console.error(`startup benchmark failed: ${e.stack ?? e}`);
} finally {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
