import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkAxe } from './screens.mjs';
import { silentWav, watchErrors, watchFailedRequests } from './support.mjs';
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
 * The window's bound calls (window.go.main.Desktop), as app.go answers them
 * on a computer not signed in to a team server in the window; run in the
 * page before its scripts.
 */
function desktopBridge() {
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
}

/**
 * A device's environment: none of the run's own server settings (a desktop
 * has none), and no session bus, so the command line and the device's sync
 * loop keep the team server's sign-in in the same file of the data folder.
 */
function deviceEnv() {
  const drop = (k) => k.startsWith('SENTRY_') || k === 'DBUS_SESSION_BUS_ADDRESS' || k === 'XDG_RUNTIME_DIR';
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !drop(k)));
}

/** Runs `sentry sync …` on a data folder; fails unless it exits 0. */
function sentrySync(bin, dataDir, args, fail, input = '') {
  const r = spawnSync(bin, ['sync', ...args, '--data', dataDir], { input, encoding: 'utf8', env: deviceEnv(), timeout: 120_000 });
  if (r.status !== 0) fail(`sentry sync ${args[0]} exited ${r.status}: ${r.stderr || r.error}`);
  return r.stdout;
}

/**
 * Starts the desktop's backend on a free loopback port and waits for it.
 * @returns {Promise<{ base: string, stop: () => Promise<void>, log: () => string, dataDir: string }>}
 */
async function startDesktopBackend(until, fail, { dataDir = mkdtempSync(join(tmpdir(), 'sentry-e2e-desktop-')), extra = [] } = {}) {
  const here = import.meta.dirname;
  const ui = resolve(here, '..', 'dist');
  const bin = process.env.SENTRY_DESKTOP_WEB_BIN;
  const [cmd, args] = bin
    ? [bin, []]
    : ['go', ['run', './backend/app/desktopweb']];
  const child = spawn(cmd, [...args, '-data', dataDir, '-ui', ui, ...extra], {
    cwd: resolve(here, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: deviceEnv(),
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
    async stop({ keep = false } = {}) {
      if (!exited) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(timer);
      }
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * @param {object} h
 * @param {import('playwright-core').Browser} h.browser
 * @param {string} h.base the team server (`sentry serve`) the devices sync with
 * @param {string} h.bin the sentry binary, for `sentry sync`
 * @param {(name: string) => void} h.begin
 * @param {(fn: () => unknown, what: string, timeout?: number) => Promise<unknown>} h.until
 * @param {(msg: string) => never} h.fail
 * @param {string} h.outDir
 * @param {number} h.timeout
 * @param {(msg: string) => void} h.log
 */
export async function desktopSteps({ browser, base: teamServer, bin, begin, until, fail, outDir, timeout, log }) {
  const shots = join(outDir, 'desktop');
  mkdirSync(shots, { recursive: true });
  begin('desktop: start the desktop backend on a loopback port');
  const backend = await startDesktopBackend(until, fail);
  const filesDir = mkdtempSync(join(tmpdir(), 'sentry-e2e-desktop-files-'));
  try {
    for (const width of [1440, 390]) {
      await desktopAt(width);
    }
    await downloadOnOpen();
  } catch (e) {
    process.stderr.write(`--- desktop backend log (last part) ---\n${backend.log().slice(-4000)}\n`);
    throw e;
  } finally {
    await backend.stop();
    rmSync(filesDir, { recursive: true, force: true });
  }

  /**
   * A synced file over the size downloaded at once stays on the team server
   * until it is opened: another device (a laptop, through its own API and
   * `sentry sync`) captures two long recordings, and this device's Capture
   * history shows each as on the server, then follows its download to the
   * end when Download is pressed — at 1440 and 390 px.
   */
  async function downloadOnOpen() {
    const email = `desktop-sync-${Date.now()}@example.com`;
    const password = 'files left on the server';
    // 2 MB each, over the 1 MiB this device downloads at once; one sample
    // apart, so they are two files, not one stored twice.
    const wavs = Object.fromEntries(
      [1440, 390].map((width) => {
        const b = silentWav(64);
        b.writeInt16LE(width, b.length - 2);
        return [width, b];
      }),
    );
    begin('desktop sync: a laptop captures two long recordings and syncs them to the team server');
    const reg = await fetch(`${teamServer}/api/users/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password, first_name: 'Dana', last_name: 'Devices' }),
    });
    if (reg.status !== 201) fail(`registering on the team server answered ${reg.status}`);
    const laptop = await startDesktopBackend(until, fail);
    try {
      const ls = await (await fetch(`${laptop.base}/api/auth/local-session`, { method: 'POST' })).json();
      const auth = { Authorization: `Bearer ${ls.access_token}` };
      for (const width of [1440, 390]) {
        const form = new FormData();
        form.append('file', new Blob([wavs[width]], { type: 'audio/wav' }), `long-memo-${width}.wav`);
        const res = await fetch(`${laptop.base}/api/extract/audio`, { method: 'POST', headers: auth, body: form });
        if (res.status >= 300) fail(`the laptop's capture of a recording answered ${res.status}: ${await res.text()}`);
        const id = (await res.json()).extraction_id;
        await until(
          async () => ['done', 'failed'].includes((await (await fetch(`${laptop.base}/api/extraction/${id}`, { headers: auth })).json()).status),
          `the laptop's run of long-memo-${width}.wav to end`,
          60_000,
        );
      }
    } finally {
      await laptop.stop({ keep: true });
    }
    sentrySync(bin, laptop.dataDir, ['connect', teamServer, '--email', email, '--password-stdin'], fail, password + '\n');
    const sent = sentrySync(bin, laptop.dataDir, ['now'], fail);
    if (!/files: 2 sent/.test(sent)) fail(`the laptop's sync says ${JSON.stringify(sent)}`);
    rmSync(laptop.dataDir, { recursive: true, force: true });

    begin('desktop sync: this device syncs; the recordings stay on the team server');
    const deskDir = mkdtempSync(join(tmpdir(), 'sentry-e2e-desk-'));
    sentrySync(bin, deskDir, ['connect', teamServer, '--email', email, '--password-stdin'], fail, password + '\n');
    const desk = await startDesktopBackend(until, fail, { dataDir: deskDir, extra: ['-sync', '-sync-eager-max', String(1 << 20), '-sync-chunk', String(64 << 10), '-sync-file-pace', '80ms'] });
    try {
      const ds = await (await fetch(`${desk.base}/api/auth/local-session`, { method: 'POST' })).json();
      await until(async () => {
        const h = await (await fetch(`${desk.base}/api/uploads/history/${ds.user.id}`, { headers: { Authorization: `Bearer ${ds.access_token}` } })).json();
        const big = (h.uploads ?? []).filter((u) => /^long-memo-/.test(u.filename));
        return big.length === 2 && big.every((u) => u.download?.state === 'on_server');
      }, 'the two recordings to arrive, their bytes left on the team server', 60_000);

      for (const width of [1440, 390]) {
        const narrow = width < 700;
        const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'light' });
        await context.addInitScript(desktopBridge);
        const page = await context.newPage();
        page.setDefaultTimeout(timeout);
        const errors = watchErrors(page, fail);
        const byTestId = (id) => page.getByTestId(id);

        begin(`desktop sync ${width}: Capture's history shows the recording as on the team server`);
        await page.goto(desk.base + '/');
        await page.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
        if (narrow) {
          await byTestId('menu-button').click();
          await byTestId('main-menu').waitFor({ state: 'visible' });
        }
        await byTestId('capture-link').click();
        const row = page.locator('li.row').filter({ has: page.getByTestId('history-item').filter({ hasText: `long-memo-${width}.wav` }) });
        const fetchIt = row.getByTestId('file-download');
        await fetchIt.waitFor();
        if ((await fetchIt.getAttribute('data-state')) !== 'on_server') fail(`the recording's download state is ${await fetchIt.getAttribute('data-state')}`);
        const where = (await fetchIt.locator('.where').textContent()).trim();
        if (where !== 'On the server — opens when downloaded') fail(`the recording on the server reads ${JSON.stringify(where)}`);
        await page.waitForLoadState('networkidle');
        const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, vw: document.documentElement.clientWidth }));
        if (w.scroll > w.vw) fail(`Capture with a file on the server at ${width} is wider than the window (${w.scroll} > ${w.vw})`);
        // The indicator has a place of its own, over none of the row's words.
        const overlaps = await row.evaluate((li) => {
          const box = li.querySelector('[data-testid=file-download]').getBoundingClientRect();
          return [...li.querySelectorAll('[data-testid=history-item] > *')]
            .map((el) => [el, el.getBoundingClientRect()])
            .filter(([, r]) => r.left < box.right && box.left < r.right && r.top < box.bottom && box.top < r.bottom)
            .map(([el]) => el.textContent.trim());
        });
        if (overlaps.length) fail(`at ${width} the download indicator lies over ${JSON.stringify(overlaps)}`);
        await checkAxe(page, `a file on the team server at ${width}`, fail);
        await page.screenshot({ path: join(shots, `download-on-server-${width}.png`), fullPage: true });

        begin(`desktop sync ${width}: Download shows how far it has got, until the file is here`);
        // Every label the button shows, however quickly the download goes.
        await page.evaluate(() => {
          window.__labels = [];
          new MutationObserver(() => {
            const b = document.querySelector('[data-testid=file-download-progress]');
            const t = b?.textContent?.replace(/\s+/g, ' ').trim();
            if (t && window.__labels.at(-1) !== t) window.__labels.push(t);
          }).observe(document.body, { subtree: true, childList: true, characterData: true });
        });
        const progress = page.waitForResponse((r) => r.url().endsWith('/download') && r.request().method() === 'POST');
        await fetchIt.getByTestId('file-download-start').click();
        const first = await progress;
        if (first.status() !== 200 && first.status() !== 202) fail(`starting the download answered ${first.status()}`);
        await until(async () => / [1-9]\d?%/.test(await page.evaluate(() => window.__labels.at(-1) ?? '')), 'the download to be part-way');
        await row.screenshot({ path: join(shots, `download-progress-${width}.png`) }).catch(() => {});
        await until(async () => (await row.getByTestId('file-download').count()) === 0, 'the download to finish and the indicator to go', 60_000);
        const labels = await page.evaluate(() => window.__labels);
        if (!labels.length || !labels.every((l) => /^Downloading… \d{1,3}% of long-memo-\d+\.wav$/.test(l))) fail(`the download showed ${JSON.stringify(labels)}`);
        const pcs = labels.map((l) => Number(l.match(/(\d+)%/)[1]));
        if (pcs.some((p, i) => i > 0 && p < pcs[i - 1])) fail(`the download went backwards: ${labels.join(', ')}`);
        // 32 pieces 80 ms apart, asked after every 750 ms: some in between.
        if (!pcs.some((p) => p > 0 && p < 100)) fail(`the download showed no progress between start and end: ${labels.join(', ')}`);
        log(`desktop sync ${width}: the download showed ${labels.map((l) => l.match(/\d+%/)[0]).join(', ')}`);
        const uploads = (await (await fetch(`${desk.base}/api/uploads/history/${ds.user.id}`, { headers: { Authorization: `Bearer ${ds.access_token}` } })).json()).uploads;
        const mine = uploads.find((u) => u.filename === `long-memo-${width}.wav`);
        if (mine?.download && mine.download.state !== 'here') fail(`after the download the file is ${JSON.stringify(mine.download)}`);
        const bytes = await (await fetch(`${desk.base}/api/uploads/${mine.id}/content`, { headers: { Authorization: `Bearer ${ds.access_token}` } })).arrayBuffer();
        if (!Buffer.from(bytes).equals(wavs[width])) fail(`the downloaded recording (${bytes.byteLength} bytes) is not the laptop's (${wavs[width].length} bytes)`);
        await checkAxe(page, `the history after a download at ${width}`, fail);
        errors.check();
        await context.close();
      }
    } finally {
      await desk.stop();
    }
  }

  async function desktopAt(width) {
    const narrow = width < 700;
    const base = backend.base;
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'light' });
    // The window's bound calls, as app.go answers them on a computer not
    // connected to a team server.
    await context.addInitScript(desktopBridge);
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    const errors = watchErrors(page, fail);
    const failed = watchFailedRequests(page);
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
