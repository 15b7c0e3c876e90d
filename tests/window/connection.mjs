// The connection, as the first screen shows it: connected to the native server, and offline
// until the server starts, then connected by itself.

import { freePort, openApp, startServer, stop } from './harness.mjs';
import { expect } from './steps.mjs';

/** The first screen connected to the native server at `url`: status, runtime, version, URL. */
export async function connectedScenario(url) {
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

/** A backend that is down at first and then starts: the offline state, then recovery by itself. */
export async function offlineThenRecoversScenario(dataDir) {
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
