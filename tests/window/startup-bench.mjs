// `cargo xtask bench startup`: cold start of the desktop app to the gallery painted, with 10,000
// images in its local library, and the resident memory of all its processes (the app and the
// WebKit processes it starts). The fixture (an example of atelier-client) serves the library's
// account from the native server and has synced it into the cache first. Runs under Xvfb and a
// D-Bus session with GNOME Keyring, like the window test.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { env, firstLine, isolate, openApp, SHOTS, start, startKeyring, stopAll } from './harness.mjs';

const FIXTURE = env('ATELIER_STARTUP_FIXTURE_BIN');
const DESKTOP = env('ATELIER_DESKTOP_BIN');
const RUNS = Number(process.env.ATELIER_STARTUP_RUNS ?? 5);
/** Tiles that must have their thumbnail decoded for the gallery to count as painted. */
const TILES = 12;

/** The processes of the app: its pid and every descendant (WebKit's web and network processes). */
function appProcesses() {
  const parent = new Map();
  const exe = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      exe.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]);
    } catch { /* gone */ }
  }
  const roots = [...exe].filter(([, cmd]) => cmd === DESKTOP).map(([pid]) => pid);
  const all = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parent) if (all.has(ppid) && !all.has(pid)) { all.add(pid); grew = true; }
  }
  return [...all].map((pid) => ({ pid, name: (exe.get(pid) ?? '').split('/').pop() }));
}

function rssKiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const work = mkdtempSync(join(tmpdir(), 'atelier-startup-'));
mkdirSync(SHOTS(), { recursive: true });
isolate(work);
let failed = false;
try {
  await startKeyring();
  const library = join(work, 'library');
  const fixture = start('startup fixture', FIXTURE, [], { ATELIER_DATA_DIR: library, RUST_LOG: 'warn' }, 'pipe');
  const ready = await firstLine(fixture, 'the startup fixture', 600_000);
  const url = ready.replace('ready ', '');
  console.log(`library ready, service at ${url}`);
  const starts = [];
  const painted = [];
  let memory = null;
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const app = await openApp(url, { ATELIER_DATA_DIR: library });
    try {
      starts.push(performance.now() - t0);
      await app.waitUntil('the Gallery tab', async () => { await app.click('nav-gallery'); return true; });
      await app.waitUntil(`${TILES} thumbnails painted`, async () => app.evaluate(
        `const imgs = [...document.querySelectorAll('[data-testid=gallery-tile] img')];
         return imgs.length >= ${TILES} && imgs.slice(0, ${TILES}).every((i) => i.complete && i.naturalWidth > 0);`,
      ), 60_000);
      painted.push(performance.now() - t0);
      const count = await app.attribute('gallery-count', 'data-count');
      if (Number(count) < 10_000) throw new Error(`the gallery counts ${count} images`);
      if (run === RUNS - 1) {
        // Settled: a second later, what every process holds.
        await new Promise((r) => setTimeout(r, 1000));
        const processes = appProcesses();
        memory = processes.map((p) => ({ ...p, rss: rssKiB(p.pid) }));
        await app.screenshot('startup-gallery');
      }
    } finally {
      await app.close();
    }
  }
  console.log(`window ready (process start → WebDriver session): ${starts.map((t) => t.toFixed(0)).join(', ')} ms; median ${median(starts).toFixed(0)} ms`);
  console.log(`gallery painted (process start → ${TILES} thumbnails decoded, 10,000 images counted): ${painted.map((t) => t.toFixed(0)).join(', ')} ms; median ${median(painted).toFixed(0)} ms`);
  const total = memory.reduce((sum, p) => sum + p.rss, 0);
  for (const p of memory) console.log(`  rss ${p.name} (${p.pid}): ${(p.rss / 1024).toFixed(1)} MiB`);
  console.log(`resident memory of all ${memory.length} processes: ${(total / 1024).toFixed(1)} MiB`);
  fixture.stdin.end();
} catch (e) {
  failed = true;
  console.error(`startup benchmark failed: ${e.stack ?? e}`);
} finally {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
