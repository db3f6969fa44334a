import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { signUpInUI, watchErrors, watchFailedRequests } from './support.mjs';
// End-to-end steps of the screens as people use them, called by run.mjs with
// its helpers. At 1440 and 390 px wide, each in its own browser context and
// account: the web load asks for nothing that fails (no desktop-only
// local-session) and a first visit says "Welcome"; quick add reads "Call mom
// tomorrow at 6pm !high #family" into chips and Enter adds it; a day without a
// time shows as a day; Today, Upcoming and Overdue; then Tasks, Capture,
// Dashboard, Notebooks and Settings are each checked with axe-core (no
// serious or critical violation), for nothing wider than the window, and
// saved as <out>/screens/<screen>-<width>.png (and in the dark scheme at
// 390), each under the same app bar. The keyboard reaches the menu and the
// links. Last, "Sign out all others" signs the other device out, and after
// signing out the sign-in says "Welcome back".

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page; fails on a serious or critical violation.
 * @param {import('playwright-core').Page} page
 * @param {string} where
 * @param {(msg: string) => never} fail
 */
export async function checkAxe(page, where, fail) {
  // Evaluated over the debugging protocol, so the page's CSP does not apply.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1, 2).join(' ')}`),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    fail(
      `axe found ${bad.length} serious or critical violation(s) on ${where}:\n` +
        bad.map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n'),
    );
  }
  return violations;
}

/**
 * @param {object} h
 * @param {import('playwright-core').Browser} h.browser
 * @param {string} h.base
 * @param {(name: string) => void} h.begin
 * @param {(fn: () => unknown, what: string, timeout?: number) => Promise<unknown>} h.until
 * @param {(msg: string) => never} h.fail
 * @param {string} h.outDir
 * @param {number} h.timeout
 * @param {(msg: string) => void} h.log
 */
export async function screenSteps({ browser, base, begin, until, fail, outDir, timeout, log }) {
  const shots = join(outDir, 'screens');
  mkdirSync(shots, { recursive: true });
  for (const width of [1440, 390]) {
    const narrow = width < 700;
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'light' });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    const errors = watchErrors(page, fail);
    const failed = watchFailedRequests(page);
    const byTestId = (id) => page.getByTestId(id);
    const item = (title) => byTestId('task-item').filter({ has: byTestId('task-title').getByText(title, { exact: true }) });
    const email = `screens-${width}-${Date.now()}@example.com`;
    const password = 'wide and narrow windows';

    begin(`screens ${width}: a first web visit asks for nothing that fails and says Welcome`);
    await page.goto(base + '/');
    await byTestId('sign-in-form').waitFor();
    const welcome = (await page.locator('.sub').first().textContent())?.trim();
    if (welcome !== 'Welcome.') fail(`a first visit says ${JSON.stringify(welcome)}`);
    if (failed.length) fail(`the web load made failing requests:\n  ${failed.join('\n  ')}`);
    const iconHref = await page.evaluate(() => document.querySelector('link[rel=icon]')?.getAttribute('href'));
    if (!iconHref) fail('the page names no favicon');
    const icon = await fetch(new URL(iconHref, base));
    if (icon.status !== 200 || !(icon.headers.get('content-type') ?? '').includes('svg')) fail(`the favicon answered ${icon.status} ${icon.headers.get('content-type')}`);
    await checkAxe(page, `the sign-in screen at ${width}`, fail);
    await page.screenshot({ path: join(shots, `sign-in-${width}.png`), fullPage: true });

    begin(`screens ${width}: sign up`);
    await signUpInUI(page, base, { first: 'Robin', last: narrow ? 'Narrow' : 'Wide', email, password });
    const boot = failed.length;

    begin(`screens ${width}: quick add shows what it understood, and Enter adds it`);
    const quick = byTestId('quick-add-input');
    await quick.fill('Call mom tomorrow at 6pm !high #family');
    await until(async () => (await byTestId('quick-chip-due').count()) === 1, 'the due chip');
    const due = (await byTestId('quick-chip-due').textContent()).trim();
    if (!/Tomorrow/.test(due) || !/18|6/.test(due)) fail(`the due chip says ${JSON.stringify(due)}`);
    if ((await byTestId('quick-chip-priority').textContent()).trim() !== 'High priority') fail('no High priority chip');
    if ((await byTestId('quick-chip-tag').textContent()).trim() !== '#family') fail('no #family chip');
    if ((await byTestId('quick-chip-title').textContent()).trim() !== 'Call mom') fail('the title chip is not "Call mom"');
    if (width === 1440) await page.screenshot({ path: join(shots, `quick-add-${width}.png`) });
    await quick.press('Enter');
    await item('Call mom').waitFor();
    if ((await quick.inputValue()) !== '') fail('quick add kept the line after adding');
    const call = item('Call mom');
    if ((await call.getByTestId('task-priority').textContent()).trim() !== 'high') fail('the added task is not high priority');
    if (!(await call.getByTestId('task-tag').textContent()).includes('#family')) fail('the added task has no #family tag');

    begin(`screens ${width}: a day without a time shows as a day`);
    await quick.fill('Pay rent next Fri p1');
    await until(async () => (await byTestId('quick-chip-title').textContent())?.trim() === 'Pay rent', 'the reading of "Pay rent next Fri p1"');
    await quick.press('Enter');
    await item('Pay rent').waitFor();
    const rent = (await item('Pay rent').getByTestId('task-deadline').textContent()).trim();
    if (/12:00|00:00|AM|PM/.test(rent)) fail(`a date-only deadline shows a time: ${rent}`);
    for (const line of ['Water the plants today', 'Renew the passport in 3 days #admin']) {
      await quick.fill(line);
      await until(async () => (await byTestId('quick-chip-due').count()) === 1, `the reading of "${line}"`);
      await quick.press('Enter');
      await until(async () => (await quick.inputValue()) === '', `"${line}" to be added`);
    }
    // A late one, through the API as any client may.
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const s = await login.json();
    const yesterday = new Date(Date.now() - 86_400_000);
    yesterday.setHours(9, 30, 0, 0);
    const late = await fetch(`${base}/api/tasks/${s.user.id}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Send the invoice', deadline: yesterday.toISOString(), priority: 'urgent', description: 'Finance asked twice.' }),
    });
    if (late.status !== 201) fail(`creating a late task answered ${late.status}`);

    begin(`screens ${width}: Today, Upcoming and Overdue`);
    const titles = async () => (await byTestId('task-title').allTextContents()).map((t) => t.trim()).sort();
    const expectView = async (view, want) => {
      await byTestId(`view-${view}`).click();
      await until(async () => JSON.stringify(await titles()) === JSON.stringify([...want].sort()), `${view}: ${want.join(', ')} (saw ${(await titles()).join(', ')})`);
    };
    await expectView('today', ['Water the plants']);
    await expectView('overdue', ['Send the invoice']);
    await expectView('upcoming', ['Call mom', 'Pay rent', 'Renew the passport']);
    await expectView('any', ['Call mom', 'Pay rent', 'Renew the passport', 'Send the invoice', 'Water the plants']);

    const open = async (name) => {
      if (narrow) {
        await byTestId('menu-button').click();
        await byTestId('main-menu').waitFor({ state: 'visible' });
      }
      await byTestId(`${name}-link`).click();
    };
    const screens = [
      { name: 'tasks', heading: 'Tasks' },
      { name: 'capture', heading: 'Capture' },
      { name: 'dashboard', heading: 'Dashboard' },
      { name: 'notebooks', heading: 'Notebooks' },
      { name: 'settings', heading: 'Settings' },
    ];
    // The app bar every screen shares: its brand, links, name and Sign out
    // (Tasks adds its keyboard shortcuts' button).
    const headerIds = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('header.bar [data-testid]')]
          .map((e) => e.getAttribute('data-testid'))
          .filter((id) => id !== 'shortcuts-button')
          .join(),
      );
    let firstHeader = null;
    for (const sc of screens) {
      begin(`screens ${width}: ${sc.name} passes axe, fits the window, and is saved`);
      await open(sc.name);
      await page.getByRole('heading', { level: 1, name: sc.heading, exact: true }).waitFor();
      if ((await page.locator('header.bar').count()) !== 1) fail(`${sc.name} does not have the one app bar`);
      const ids = await headerIds();
      firstHeader ??= ids;
      if (ids !== firstHeader || !ids.includes('settings-link') || !ids.includes('sign-out')) fail(`${sc.name}'s header holds ${ids}, the first screen's ${firstHeader}`);
      if (sc.name === 'dashboard') {
        // Five open tasks without estimates count as an hour each, as the
        // server plans them (not "as no work" beside hours planned for them).
        const note = (await byTestId('dashboard-unestimated').textContent()).replace(/\s+/g, ' ').trim();
        if (!note.startsWith('5 open tasks have no estimated hours, so each counts as 1 hour')) fail(`the note on estimates reads ${JSON.stringify(note)}`);
      }
      if (sc.name === 'settings') {
        // The sign-in through the API above is another device.
        await until(async () => (await byTestId('session-item').count()) >= 2, 'two signed-in devices');
        await byTestId('sessions-revoke-others').waitFor();
      }
      await page.waitForLoadState('networkidle');
      await until(async () => (await page.locator('[aria-busy=true]').count()) === 0, `${sc.name} to finish loading`);
      await page.waitForTimeout(300);
      if (narrow && (await byTestId('main-menu').isVisible())) fail('the menu stayed open after choosing a screen');
      const wide = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.height === 0) continue;
          if (r.right > vw + 1 || r.left < -1) {
            // Only what is not inside something that scrolls on purpose.
            let p = el.parentElement;
            let scrolls = false;
            while (p && p !== document.body) {
              const o = getComputedStyle(p).overflowX;
              if (o === 'auto' || o === 'scroll' || o === 'hidden') scrolls = true;
              p = p.parentElement;
            }
            if (!scrolls && !el.closest('.visually-hidden')) out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${Math.round(r.left)}–${Math.round(r.right)}`);
          }
        }
        return { scroll: document.documentElement.scrollWidth, vw, out: out.slice(0, 8) };
      });
      if (wide.scroll > wide.vw || wide.out.length) fail(`${sc.name} at ${width}: wider than the window (${wide.scroll} > ${wide.vw}):\n  ${wide.out.join('\n  ')}`);
      const found = await checkAxe(page, `${sc.name} at ${width}`, fail);
      const minor = found.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
      if (minor.length) log(`axe ${sc.name} ${width}: ${minor.map((v) => `${v.id} (${v.impact})`).join(', ')}`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(shots, `${sc.name}-${width}.png`), fullPage: true });
    }

    begin(`screens ${width}: the keyboard reaches the menu and every screen`);
    await page.keyboard.press('Escape');
    await page.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
    await page.evaluate(() => {
      document.activeElement?.blur?.();
      window.scrollTo(0, 0);
    });
    const reached = new Set();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
      if (id) reached.add(id);
      if (narrow && id === 'menu-button') {
        await page.keyboard.press('Enter');
        if (!(await byTestId('main-menu').isVisible())) fail('Enter on Menu does not open it');
      }
      if (reached.has('settings-link') && reached.has('quick-add-input') && reached.has('view-overdue')) break;
    }
    for (const id of ['settings-link', 'capture-link', 'quick-add-input', 'view-today', 'view-overdue', ...(narrow ? ['menu-button'] : [])]) {
      if (!reached.has(id)) fail(`Tab never reached ${id} (reached: ${[...reached].join(', ')})`);
    }
    if (narrow) {
      await page.keyboard.press('Escape');
      if (await byTestId('main-menu').isVisible()) fail('Esc does not close the menu');
    }

    if (narrow) {
      begin(`screens ${width}: the dark scheme follows the system`);
      await page.emulateMedia({ colorScheme: 'dark' });
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = bg.match(/\d+/g).map(Number);
      if (r + g + b > 150) fail(`the dark scheme keeps a light background (${bg})`);
      for (const sc of ['tasks', 'capture', 'dashboard', 'notebooks', 'settings']) {
        await open(sc);
        await page.waitForLoadState('networkidle');
        await until(async () => (await page.locator('[aria-busy=true]').count()) === 0, `${sc} to finish loading`);
        await checkAxe(page, `${sc} in the dark at ${width}`, fail);
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: join(shots, `${sc}-dark-${width}.png`), fullPage: true });
      }
    }

    begin(`screens ${width}: Sign out all others, then sign out: the sign-in says Welcome back`);
    await open('settings');
    await byTestId('sessions-revoke-others').click();
    await until(async () => (await byTestId('session-item').count()) === 1, 'only this device to stay signed in');
    if ((await page.locator('[data-testid=session-item][data-current=true]').count()) !== 1) fail('this device was signed out too');
    if ((await byTestId('sessions-revoke-others').count()) !== 0) fail('"Sign out all others" is offered with no others');
    const other = await fetch(`${base}/api/auth/refresh-token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: s.refresh_token }),
    });
    if (other.status !== 401) fail(`the signed-out device could still refresh: ${other.status}`);
    await page.keyboard.press('Escape');
    await page.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
    if (narrow) {
      await byTestId('menu-button').click();
      await byTestId('main-menu').waitFor({ state: 'visible' });
    }
    await byTestId('sign-out').click();
    await byTestId('sign-in-form').waitFor();
    const back = (await page.locator('.sub').first().textContent())?.trim();
    if (back !== 'Welcome back.') fail(`the sign-in after a visit says ${JSON.stringify(back)}`);
    await checkAxe(page, `the sign-in after a visit at ${width}`, fail);
    await page.screenshot({ path: join(shots, `welcome-back-${width}.png`), fullPage: true });

    if (failed.length > boot) log(`requests that failed after sign-up at ${width}: ${failed.slice(boot).join('; ')}`);
    errors.check();
    await context.close();
  }
}
