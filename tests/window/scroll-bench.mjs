// `cargo xtask bench scroll`: scrolling the gallery as a person feels it, in the real window
// (WebKitGTK under Xvfb, as the window test runs), over 100,000 cached images
// (`ATELIER_BENCH_IMAGES`). Flings through the library at several places: the page scrolls the
// grid by a fixed step every animation frame (a fast flick of a trackpad) and records each
// frame's time (requestAnimationFrame deltas); after each fling, settle is the time from the
// last scroll until every tile in view has its image decoded (`img.complete && naturalWidth >
// 0`). Then a sweep through the whole library, and the resident memory of the app's processes.
// Targets (issue 14): p95 ≤ 16.7 ms, tiles painted within 100 ms of stopping.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describeMemory, env, firstLine, GALLERY_VIEW_JS, isolate, openApp, residentMemory, SHOTS, start, startKeyring, stopAll } from './harness.mjs';

const FIXTURE = env('ATELIER_STARTUP_FIXTURE_BIN');
const DESKTOP = env('ATELIER_DESKTOP_BIN');
const IMAGES = Number(process.env.ATELIER_BENCH_IMAGES ?? 100_000);
/** Where each fling starts, as a share of the library. */
const PLACES = [0, 0.2, 0.45, 0.7, 0.95];
/** Frames per fling, and how far each frame scrolls (px): about 4,800 px/s at 60 Hz. */
const FRAMES = 240;
const STEP = 80;

const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];
};

/** In the page: jumps to `place` of the library and waits until what is in view is decoded. */
const JUMP = `const [place, done] = arguments;
  ${GALLERY_VIEW_JS}
  const el = scroller();
  el.scrollTop = Math.floor((el.scrollHeight - el.clientHeight) * place);
  const started = performance.now();
  const wait = () => (settled() || performance.now() - started > 10000 ? done(settled()) : requestAnimationFrame(wait));
  requestAnimationFrame(wait);`;

/**
 * In the page: scrolls by `step` px each frame for `frames` frames, recording each frame's
 * delta; then, from the last scroll, the time until every tile in view is decoded.
 */
const FLING = `const [frames, step, done] = arguments;
  ${GALLERY_VIEW_JS}
  const el = scroller();
  const deltas = [];
  let last = null;
  let n = 0;
  const fling = (t) => {
    if (last !== null) deltas.push(t - last);
    last = t;
    if (n++ < frames) {
      el.scrollTop += step;
      return requestAnimationFrame(fling);
    }
    const stopped = performance.now();
    const settle = () => {
      if (settled()) return done({ deltas, settle: performance.now() - stopped });
      if (performance.now() - stopped > 10000) return done({ deltas, settle: null });
      requestAnimationFrame(settle);
    };
    settle();
  };
  requestAnimationFrame(fling);`;

/**
 * In the page: `frames` frame deltas with nothing moving: the floor this window's rendering sets
 * (under Xvfb WebKitGTK paints in software), against which the flings' frames are read.
 */
const IDLE = `const [frames, done] = arguments;
  const deltas = [];
  let last = null;
  const tick = (t) => {
    if (last !== null) deltas.push(t - last);
    last = t;
    if (deltas.length < frames) requestAnimationFrame(tick);
    else done(deltas);
  };
  requestAnimationFrame(tick);`;

/**
 * In the page: the library downwards from where it stands (from the top when `fromTop`), a
 * screen every other frame, without waiting, for at most `most` screens: answers how many it
 * scrolled and whether it reached the end. (In parts: one WebDriver call may not outlast the
 * HTTP client's five-minute limit, and the whole of 100,000 images takes longer.)
 */
const SWEEP = `const [fromTop, most, done] = arguments;
  ${GALLERY_VIEW_JS}
  const el = scroller();
  if (fromTop) el.scrollTop = 0;
  let screens = 0;
  const frame = () => {
    const end = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
    if (end || screens >= most) return done({ screens, end });
    el.scrollTop += el.clientHeight;
    screens++;
    requestAnimationFrame(() => requestAnimationFrame(frame));
  };
  requestAnimationFrame(frame);`;

const work = mkdtempSync(join(tmpdir(), 'atelier-scroll-'));
mkdirSync(SHOTS(), { recursive: true });
isolate(work);
let failed = false;
try {
  await startKeyring();
  const library = join(work, 'library');
  const started = Date.now();
  const fixture = start('scroll fixture', FIXTURE, [], { ATELIER_DATA_DIR: library, ATELIER_BENCH_IMAGES: String(IMAGES), RUST_LOG: 'warn' }, 'pipe');
  const ready = await firstLine(fixture, 'the startup fixture', 3_600_000);
  const url = ready.replace('ready ', '');
  console.log(`library of ${IMAGES} images ready in ${((Date.now() - started) / 1000).toFixed(0)} s, service at ${url}`);
  const app = await openApp(url, { ATELIER_DATA_DIR: library });
  try {
    await app.scriptTimeout(600_000);
    await app.waitUntil('the Gallery tab', async () => { await app.click('nav-gallery'); return true; });
    await app.waitUntil(`the gallery counting ${IMAGES} images`, async () => Number(await app.attribute('gallery-count', 'data-count')) >= IMAGES, 60_000);
    const idle = await app.evaluateAsync(IDLE, 120);
    console.log(`  idle (nothing moving): p50 ${percentile(idle, 0.5).toFixed(1)} ms, p95 ${percentile(idle, 0.95).toFixed(1)} ms`);
    const deltas = [];
    const settles = [];
    for (const place of PLACES) {
      if (!(await app.evaluateAsync(JUMP, place))) console.log(`  at ${place * 100}% the tiles were not decoded within 10 s of the jump`);
      const fling = await app.evaluateAsync(FLING, FRAMES, STEP);
      deltas.push(...fling.deltas);
      settles.push(fling.settle ?? Infinity);
      console.log(`  fling from ${(place * 100).toFixed(0)}%: p50 ${percentile(fling.deltas, 0.5).toFixed(1)} ms, p95 ${percentile(fling.deltas, 0.95).toFixed(1)} ms, max ${Math.max(...fling.deltas).toFixed(1)} ms, settled ${fling.settle === null ? 'not within 10 s' : `in ${fling.settle.toFixed(0)} ms`}`);
    }
    await app.screenshot('scroll-gallery');
    let screens = 0;
    for (let part = { end: false }, first = true; !part.end; first = false) {
      part = await app.evaluateAsync(SWEEP, first, 500);
      screens += part.screens;
    }
    await new Promise((r) => setTimeout(r, 2000));
    const memory = residentMemory(DESKTOP);
    console.log(`swept the whole library: ${screens} screens`);
    console.log(describeMemory(`after flinging and sweeping ${IMAGES} images`, memory));
    const settle = Math.max(...settles);
    console.log(`bench scroll: frames=${deltas.length} p50_ms=${percentile(deltas, 0.5).toFixed(1)} p95_ms=${percentile(deltas, 0.95).toFixed(1)} idle_p50_ms=${percentile(idle, 0.5).toFixed(1)} idle_p95_ms=${percentile(idle, 0.95).toFixed(1)} settle_ms=${Number.isFinite(settle) ? settle.toFixed(0) : 'timeout'} rss_mb=${(memory.total / 1024).toFixed(0)}`);
  } finally {
    await app.close();
  }
  fixture.stdin.end();
} catch (e) {
  failed = true;
  console.error(`scroll benchmark failed: ${e.stack ?? e}`);
} finally {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
