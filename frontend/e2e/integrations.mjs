// End-to-end steps of the real integration flow, called by run.mjs with its
// helpers. Nothing is faked in the browser: the provider stand-ins
// (backend/integrations/integrationstest/standins, $SENTRY_STANDINS_BIN, or
// `go run` when unset) run as an HTTP server with a consent page, and a second
// `sentry serve` with its own data folder is configured to use them for
// Google and Zoom. A new account opens Settings, connects Google Tasks
// through the stand-in's consent page, comes back connected, presses Sync now
// and finds the stand-in's Google task in Tasks; the same for Zoom and its
// meeting; then the grant is revoked at the stand-in, and Sync now shows the
// reconnect state. Runs in its own browser context.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { signUpInUI, watchErrors } from './support.mjs';

// What the stand-ins seed (standins/main.go).
const SEED_TASK = 'Review the stand-in budget';
const SEED_MEETING = 'Stand-in design review';
const CLIENT_ID = 'stand-in-client';
const CLIENT_SECRET = 'stand-in-secret';

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/** Starts a child process and keeps the tail of its output. */
function start(cmd, args, opts) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const p = { child, out: '', err: '', exited: null };
  child.stdout.on('data', (c) => (p.out = (p.out + c).slice(-100_000)));
  child.stderr.on('data', (c) => (p.err = (p.err + c).slice(-100_000)));
  child.on('exit', (code, signal) => (p.exited = { code, signal }));
  child.on('error', (e) => (p.exited = { error: e.message }));
  return p;
}

async function stop(p) {
  if (!p || p.exited) return;
  const done = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(timer);
}

/**
 * @param {object} h
 * @param {import('playwright-core').Browser} h.browser
 * @param {string} h.bin the sentry binary
 * @param {(name: string) => void} h.begin
 * @param {(fn: () => unknown, what: string, timeout?: number) => Promise<unknown>} h.until
 * @param {(msg: string) => never} h.fail
 * @param {(page: import('playwright-core').Page, name: string) => Promise<void>} h.snap
 * @param {number} h.timeout
 */
export async function integrationSteps({ browser, bin, begin, until, fail, snap, timeout }) {
  const repo = resolve(import.meta.dirname, '..', '..');
  let standins = null;
  let server = null;
  let context = null;
  const dataDir = mkdtempSync(join(tmpdir(), 'sentry-e2e-integrations-'));
  try {
    begin('integrations: start the provider stand-ins');
    let standinsBin = process.env.SENTRY_STANDINS_BIN;
    if (!standinsBin) {
      standinsBin = join(dataDir, 'standins');
      const built = spawnSync('go', ['build', '-o', standinsBin, './backend/integrations/integrationstest/standins'], { cwd: repo, encoding: 'utf8' });
      if (built.status !== 0) fail(`building the stand-ins failed: ${built.error?.message ?? built.stderr}`);
    }
    standins = start(standinsBin, []);
    const stand = await until(
      () => {
        if (standins.exited) fail(`the stand-ins exited: ${JSON.stringify(standins.exited)}\n${standins.err}`);
        const line = standins.out.split('\n')[0];
        return standins.out.includes('\n') && /^http:\/\/127\.0\.0\.1:\d+$/.test(line) ? line : null;
      },
      'the stand-ins to print their address',
      120_000,
    );

    begin('integrations: start a server configured for Google and Zoom');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const provider = (api) => ({
      client_id: CLIENT_ID,
      auth_url: `${stand}/oauth/authorize`,
      token_url: `${stand}/oauth/token`,
      revoke_url: `${stand}/oauth/revoke`,
      ...api,
    });
    const configFile = join(dataDir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        integrations: {
          google: provider({ tasks_api_url: `${stand}/tasks/v1`, calendar_api_url: `${stand}/calendar/v3` }),
          zoom: provider({ api_url: `${stand}/v2` }),
          redirect_url: `${base}/api/integrations/callback`,
          // Syncs here are the ones the test presses; the schedule has Go tests.
          sync_interval: '0',
        },
      }),
    );
    server = start(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data', join(dataDir, 'data'), '--config', configFile], {
      env: {
        ...process.env,
        SENTRY_INTEGRATIONS_GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
        SENTRY_INTEGRATIONS_ZOOM_CLIENT_SECRET: CLIENT_SECRET,
      },
    });
    await until(
      async () => {
        if (server.exited) fail(`the server exited: ${JSON.stringify(server.exited)}\n${server.err.slice(-3000)}`);
        return (await fetch(`${base}/health`)).status === 200;
      },
      'the integrations server to answer /health',
      30_000,
    );

    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    const errors = watchErrors(page, fail);
    const byTestId = (id) => page.getByTestId(id);
    const card = (p) => page.locator(`[data-testid="integration"][data-provider="${p}"]`);
    const stateOf = (p) => card(p).getAttribute('data-state');
    const toast = (text) => byTestId('toast').filter({ hasText: text }).first();
    const taskItem = (title) =>
      page.getByTestId('task-item').filter({ has: page.getByTestId('task-title').getByText(title, { exact: true }) });

    begin('integrations: sign up and open Settings');
    await signUpInUI(page, base, { first: 'Ida', last: 'Connector', email: `connect-${Date.now()}@example.com`, password: 'bridges between calendars' });
    if ((await taskItem(SEED_TASK).count()) !== 0) fail('the Google task is there before connecting');
    await byTestId('settings-link').click();
    await byTestId('integrations').waitFor();
    await until(async () => (await stateOf('google_tasks')) === 'disconnected', 'Google Tasks to offer Connect');
    if ((await stateOf('zoom')) !== 'disconnected') fail(`zoom is ${await stateOf('zoom')} before connecting`);

    /** Connect → the stand-in's consent page → Allow → back in Settings, connected. */
    const connect = async (p, title) => {
      await card(p).getByTestId('integration-connect').click();
      await page.waitForURL((u) => u.toString().startsWith(`${stand}/oauth/authorize`));
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      await snap(page, `integrations-consent-${p}`);
      await page.getByRole('button', { name: 'Allow', exact: true }).click();
      await page.waitForURL((u) => u.toString().startsWith(base));
      await toast(`${title} is connected`).waitFor();
      await byTestId('integrations').waitFor();
      await until(async () => (await stateOf(p)) === 'connected', `${title} to show connected`);
      const state = (await card(p).getByTestId('integration-state').textContent()).trim();
      if (!state.startsWith('Connected')) fail(`${title} says "${state}"`);
      if ((await page.evaluate(() => location.hash)) !== '') fail('the connect result stayed in the address');
    };
    /** Sync now on a card, and the summary it shows. */
    const syncNow = async (p) => {
      const sync = page.waitForResponse((r) => r.url().includes('/sync') || r.url().includes('/api/zoom/meetings/'));
      await card(p).getByTestId('integration-sync').click();
      return (await sync).status();
    };
    const openTasks = async () => {
      await byTestId('nav-tasks').click();
      await page.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
    };

    begin('integrations: connect Google Tasks through the consent page');
    await connect('google_tasks', 'Google Tasks');
    await snap(page, 'integrations-google-connected');

    begin('integrations: Sync now brings the Google task into Tasks');
    const gStatus = await syncNow('google_tasks');
    if (gStatus !== 200) fail(`Google Tasks sync answered ${gStatus}`);
    await until(async () => (await card('google_tasks').getByTestId('integration-last-sync').count()) === 1, 'the last sync time');
    await openTasks();
    await taskItem(SEED_TASK).waitFor();
    await snap(page, 'integrations-google-task');

    begin('integrations: connect Zoom and import its meeting');
    await byTestId('settings-link').click();
    await byTestId('integrations').waitFor();
    await connect('zoom', 'Zoom');
    const zStatus = await syncNow('zoom');
    if (zStatus !== 200) fail(`Zoom import answered ${zStatus}`);
    await openTasks();
    const meeting = taskItem(SEED_MEETING);
    await meeting.waitFor();
    if (!(await meeting.textContent()).includes('Meeting')) fail('the Zoom meeting is not shown as a meeting');
    await snap(page, 'integrations-zoom-meeting');

    begin('integrations: a grant revoked at the provider asks to reconnect');
    const revoked = await fetch(`${stand}/admin/revoke`, { method: 'POST' });
    if (revoked.status !== 204) fail(`revoking at the stand-in answered ${revoked.status}`);
    await byTestId('settings-link').click();
    await byTestId('integrations').waitFor();
    const rStatus = await syncNow('google_tasks');
    if (rStatus !== 409) fail(`a sync with a revoked grant answered ${rStatus}, want 409`);
    await until(async () => (await stateOf('google_tasks')) === 'reconnect', 'Google Tasks to ask for a reconnect');
    await card('google_tasks').getByTestId('integration-reconnect').waitFor();
    if (!(await card('google_tasks').getByTestId('integration-state').textContent()).includes('Reconnect')) {
      fail('the reconnect state does not say what to do');
    }
    await snap(page, 'integrations-reconnect');

    begin('integrations: reconnecting Google Tasks syncs again');
    await card('google_tasks').getByTestId('integration-reconnect').click();
    await page.waitForURL((u) => u.toString().startsWith(`${stand}/oauth/authorize`));
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await page.waitForURL((u) => u.toString().startsWith(base));
    await until(async () => (await stateOf('google_tasks')) === 'connected', 'Google Tasks to be connected again');
    const again = await syncNow('google_tasks');
    if (again !== 200) fail(`the sync after reconnecting answered ${again}`);

    errors.check();
  } catch (e) {
    if (server) process.stderr.write(`--- integrations server log (last part) ---\n${(server.out + server.err).slice(-4000)}\n`);
    if (standins?.err) process.stderr.write(`--- stand-ins log ---\n${standins.err.slice(-2000)}\n`);
    throw e;
  } finally {
    await context?.close().catch(() => {});
    await stop(server);
    await stop(standins);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
