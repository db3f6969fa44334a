import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkAxe } from './screens.mjs';
import { silentWav, watchErrors } from './support.mjs';
// End-to-end steps of the desktop face against the desktop's own backend,
// called by run.mjs with its helpers. $SENTRY_DESKTOP_WEB_BIN
// (backend/app/desktopweb, built by `make e2e`; `go run` when unset) runs
// the backend the window runs — desktop mode, a fresh data folder — on a
// loopback port, behind the window's order of lookups (a file of
// frontend/dist, then the API). The browser stands in for the window's
// bound calls (window.go.main.Desktop, as the app answers them before it is
// connected to a team server); everything else is real: the local profile
// signs in by itself through the real local session, and the screens read
// what the desktop's backend says. At 1440 and 390 px, each in its own
// browser context: the load makes no failing request; quick add adds a task
// and the Dashboard counts "1 open task" in words for one, and its check-in
// says the words are read on this computer; Settings → Signed-in
// devices shows this computer with no address (the window's web view makes
// one up; a sign-in here records none) and no address anywhere on the page;
// the integrations say what a desktop user can do, not to ask a server's
// administrator; a recording without a speech model points to Settings; no
// screen tells the person to set an environment variable; every screen
// passes axe-core and is saved as <out>/desktop/<screen>-<width>.png.

/** An IPv4 address, or an IPv6 one with its "::" (what a sign-in address looks like). */
const ADDRESS = /\b\d{1,3}(?:\.\d{1,3}){3}\b|\b[0-9a-f]{0,4}::[0-9a-f:]*\b|\[[0-9a-f:]+\]/i;
/** Telling a person to set an environment variable, in any wording the app has used. */
const ENV_ADVICE = /\bSENTRY_[A-Z_]+|environment variable|\benv(?:ironment)?\s+var|\bexport\s+[A-Z_]+=/i;

/**
 * Starts the desktop's backend on a free loopback port and waits for it.
 * @returns {Promise<{ base: string, stop: () => Promise<void>, log: () => string, dataDir: string }>}
 */
async function startDesktopBackend(until, fail) {
  const here = import.meta.dirname;
  const dataDir = mkdtempSync(join(tmpdir(), 'sentry-e2e-desktop-'));
  const ui = resolve(here, '..', 'dist');
  const bin = process.env.SENTRY_DESKTOP_WEB_BIN;
  const [cmd, args] = bin
    ? [bin, []]
    : ['go', ['run', './backend/app/desktopweb']];
  const child = spawn(cmd, [...args, '-data', dataDir, '-ui', ui], {
    cwd: resolve(here, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    // A desktop has no server configuration: nothing of the run's own leaks in.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SENTRY_'))),
  });
  let out = '';
  let err = '';
  let exited = null;
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err = (err + c).slice(-50_000)));
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', (e) => (exited = { error: e.message }));
  const base = await until(
    () => {
      if (exited) fail(`the desktop backend exited: ${JSON.stringify(exited)}\n${err.slice(-3000)}`);
      return out.match(/^(http:\/\/127\.0\.0\.1:\d+)\n/)?.[1];
    },
    'the desktop backend to print its address',
    120_000,
  );
  await until(async () => (await fetch(`${base}/health`)).status === 200, 'the desktop backend /health', 30_000);
  return {
    base,
    dataDir,
    log: () => err,
    async stop() {
      if (!exited) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * @param {object} h
 * @param {import('playwright-core').Browser} h.browser
 * @param {(name: string) => void} h.begin
 * @param {(fn: () => unknown, what: string, timeout?: number) => Promise<unknown>} h.until
 * @param {(msg: string) => never} h.fail
 * @param {string} h.outDir
 * @param {number} h.timeout
 * @param {(msg: string) => void} h.log
 */
export async function desktopSteps({ browser, begin, until, fail, outDir, timeout, log }) {
  const shots = join(outDir, 'desktop');
  mkdirSync(shots, { recursive: true });
  begin('desktop: start the desktop backend on a loopback port');
  const backend = await startDesktopBackend(until, fail);
  const filesDir = mkdtempSync(join(tmpdir(), 'sentry-e2e-desktop-files-'));
  try {
    for (const width of [1440, 390]) {
      await desktopAt(width);
    }
  } catch (e) {
    process.stderr.write(`--- desktop backend log (last part) ---\n${backend.log().slice(-4000)}\n`);
    throw e;
  } finally {
    await backend.stop();
    rmSync(filesDir, { recursive: true, force: true });
  }

  async function desktopAt(width) {
    const narrow = width < 700;
    const base = backend.base;
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'light' });
    // The window's bound calls, as app.go answers them on a computer not
    // connected to a team server.
    await context.addInitScript(() => {
      window.__opened = [];
      window.go = {
        main: {
          Desktop: {
            TeamServerStatus: async () => ({ server: '', connected: false }),
            SyncStatus: async () => ({ state: 'off', label: 'Not syncing', teams: [] }),
            SyncConflicts: async () => [],
            SyncRejected: async () => [],
            OpenURL: async (url) => void window.__opened.push(url),
            Notify: async () => {},
          },
        },
      };
    });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    const errors = watchErrors(page, fail);
    const failed = [];
    page.on('response', (res) => {
      if (res.status() >= 400) failed.push(`${res.request().method()} ${new URL(res.url()).pathname} → ${res.status()}`);
    });
    page.on('requestfailed', (req) => failed.push(`${req.method()} ${new URL(req.url()).pathname} → ${req.failure()?.errorText}`));
    const byTestId = (id) => page.getByTestId(id);
    const tasksHeading = page.getByRole('heading', { level: 1, name: 'Tasks', exact: true });
    const open = async (name) => {
      if (narrow) {
        await byTestId('menu-button').click();
        await byTestId('main-menu').waitFor({ state: 'visible' });
      }
      await byTestId(`${name}-link`).click();
    };
    const settle = async (what) => {
      await page.waitForLoadState('networkidle');
      await until(async () => (await page.locator('[aria-busy=true]').count()) === 0, `${what} to finish loading`);
      await page.waitForTimeout(200);
    };
    /** Fails when the page tells the person to set an environment variable. */
    const noEnvAdvice = async (where) => {
      const text = await page.evaluate(() => document.body.innerText);
      const m = text.match(ENV_ADVICE);
      if (m) fail(`${where} at ${width} tells the person to set an environment variable: …${text.slice(Math.max(0, m.index - 120), m.index + 80)}…`);
    };
    const fits = async (where) => {
      const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, vw: document.documentElement.clientWidth }));
      if (w.scroll > w.vw) fail(`${where} at ${width} is wider than the window (${w.scroll} > ${w.vw})`);
    };

    begin(`desktop ${width}: the local profile signs in by itself through the desktop's local session`);
    const local = page.waitForResponse((r) => r.url().endsWith('/api/auth/local-session'));
    await page.goto(base + '/');
    const localAnswer = await local;
    if (localAnswer.status() !== 200) fail(`the desktop's local session answered ${localAnswer.status()}`);
    const me = (await localAnswer.json()).user;
    if (!me?.is_local) fail(`the local session signed in ${JSON.stringify(me)}`);
    await tasksHeading.waitFor();
    if ((await byTestId('sign-in-form').count()) !== 0) fail('the desktop shows the sign-in screen');
    if ((await byTestId('sign-out').count()) !== 0) fail('the desktop offers Sign out');
    await settle('Tasks');
    if (failed.length) fail(`the desktop load made failing requests:\n  ${failed.join('\n  ')}`);

    if (width === 1440) {
      begin(`desktop ${width}: quick add on the desktop adds one task (the local profile keeps it)`);
      await byTestId('quick-add-input').fill('Water the plants today');
      await until(async () => (await byTestId('quick-chip-due').count()) === 1, 'the due chip');
      await byTestId('quick-add-input').press('Enter');
      await byTestId('task-item').filter({ hasText: 'Water the plants' }).waitFor();
    }

    begin(`desktop ${width}: Signed-in devices shows this computer with no address`);
    await open('settings');
    await page.getByRole('heading', { level: 1, name: 'Settings', exact: true }).waitFor();
    const sessions = byTestId('device-sessions');
    const current = sessions.locator('[data-testid=session-item][data-current=true]');
    await current.waitFor();
    const name = (await current.locator('.name').textContent()).replace(/\s+/g, ' ').trim();
    if (name !== 'Sentry AI desktop This device') fail(`this computer is listed as ${JSON.stringify(name)}`);
    // What the desktop shows instead of an address: when it was last
    // active and when it signed in, nothing between.
    const meta = (await current.locator('.meta').textContent()).replace(/\s+/g, ' ').trim();
    if (!/^Last active [^·]+ · signed in [^·]+$/.test(meta)) fail(`this computer's line reads ${JSON.stringify(meta)}`);
    await settle('Settings');
    const settingsText = await page.evaluate(() => document.body.innerText);
    const addr = settingsText.match(ADDRESS);
    if (addr) fail(`Settings at ${width} shows an address (${addr[0]}): …${settingsText.slice(Math.max(0, addr.index - 100), addr.index + 40)}…`);

    begin(`desktop ${width}: the integrations speak to a desktop user`);
    const integrations = byTestId('integrations');
    await until(async () => (await integrations.getByTestId('integration').count()) === 3, 'the three integrations');
    for (const state of await integrations.getByTestId('integration-state').allTextContents()) {
      const t = state.trim();
      // The desktop came with no provider's app credentials: nothing to
      // connect, and no server or administrator to ask.
      if (!/^Not available in this copy of the app/.test(t)) fail(`an integration's state reads ${JSON.stringify(t)}`);
    }
    const integrationsText = await integrations.textContent();
    if (/\bserver\b|administrator/i.test(integrationsText)) fail(`the integrations send a desktop user to a server: ${integrationsText.replace(/\s+/g, ' ')}`);
    if ((await integrations.getByTestId('integration-connect').count()) !== 0) fail('a Connect that can only fail is offered');

    begin(`desktop ${width}: Models and the speech model name no environment variable`);
    await byTestId('model-settings').waitFor();
    await byTestId('speech-model-settings').waitFor();
    await noEnvAdvice('Settings');
    await fits('Settings');
    await checkAxe(page, `the desktop's Settings at ${width}`, fail);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(shots, `settings-${width}.png`), fullPage: true });
    await page.keyboard.press('Escape');
    await tasksHeading.waitFor();

    begin(`desktop ${width}: a recording without a speech model points to Settings`);
    await open('capture');
    await page.getByRole('heading', { level: 1, name: 'Capture', exact: true }).waitFor();
    const wavPath = join(filesDir, `memo-${width}.wav`);
    writeFileSync(wavPath, silentWav(1));
    await byTestId('file-input').setInputFiles(wavPath);
    await byTestId('files-submit').click();
    const wavRun = page.getByTestId('capture-run').filter({ has: page.getByTestId('run-title').getByText(`memo-${width}.wav`, { exact: true }) });
    await until(async () => ['done', 'failed', 'error'].includes(await wavRun.getAttribute('data-status')), 'the recording run to end', 30_000);
    const said = (await wavRun.textContent()).replace(/\s+/g, ' ');
    if ((await wavRun.getAttribute('data-status')) !== 'done' && !/Settings/.test(said)) fail(`the failed recording does not point to Settings: ${said}`);
    if (/on the server/.test(said)) fail(`the desktop says speech is turned into text on a server: ${said}`);

    for (const sc of [
      { name: 'capture', heading: 'Capture' },
      { name: 'tasks', heading: 'Tasks' },
      { name: 'dashboard', heading: 'Dashboard' },
      { name: 'notebooks', heading: 'Notebooks' },
    ]) {
      begin(`desktop ${width}: ${sc.name} names no environment variable, passes axe and is saved`);
      if (sc.name !== 'capture') await open(sc.name);
      await page.getByRole('heading', { level: 1, name: sc.heading, exact: true }).waitFor();
      await settle(sc.name);
      if (sc.name === 'dashboard') {
        // One open task, counted in words for one ("1 open task has", not "task(s)").
        const note = (await byTestId('dashboard-unestimated').textContent()).replace(/\s+/g, ' ').trim();
        if (!note.startsWith('1 open task has no estimated hours, so it counts as 1 hour')) fail(`the note on estimates reads ${JSON.stringify(note)}`);
        // The check-in's words are read on this computer, not by a server.
        await byTestId('checkin-toggle').click();
        await byTestId('checkin-form').waitFor();
        const privacy = (await byTestId('checkin-privacy').textContent()).trim();
        if (!/^Read on this computer/.test(privacy) || /this server/.test(privacy)) fail(`the desktop's check-in privacy note reads ${JSON.stringify(privacy)}`);
      }
      await noEnvAdvice(sc.name);
      await fits(sc.name);
      const found = await checkAxe(page, `the desktop's ${sc.name} at ${width}`, fail);
      const minor = found.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
      if (minor.length) log(`axe desktop ${sc.name} ${width}: ${minor.map((v) => `${v.id} (${v.impact})`).join(', ')}`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(shots, `${sc.name}-${width}.png`), fullPage: true });
    }

    const afterLoad = failed.filter((f) => !/\/api\/(extract|uploads)\b/.test(f));
    if (afterLoad.length) fail(`requests failed on the desktop at ${width}:\n  ${afterLoad.join('\n  ')}`);
    errors.check();
    await context.close();
  }
}
