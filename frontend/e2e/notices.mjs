import { signUpInUI, watchErrors } from './support.mjs';
// End-to-end steps of the notices, called by run.mjs with its helpers: a new
// account sets up its working hours with "when my burnout level goes up" on
// (and the over-capacity warning off), the check after the app opens
// remembers the level, a pile of work made through the REST API raises it,
// and the check that follows the window regaining focus tells it once: in the
// window and through the desktop app's Notify (a stand-in here). Neither a
// reload nor the 15-minute check tells it again. The page's clock is
// Playwright's, so the focus gap and the schedule pass in an instant. Runs in
// its own browser context.

/**
 * @param {object} h
 * @param {import('playwright-core').Browser} h.browser
 * @param {string} h.base
 * @param {(name: string) => void} h.begin
 * @param {(fn: () => unknown, what: string, timeout?: number) => Promise<unknown>} h.until
 * @param {(msg: string) => never} h.fail
 * @param {(page: import('playwright-core').Page, name: string) => Promise<void>} h.snap
 * @param {number} h.timeout
 */
export async function noticeSteps({ browser, base, begin, until, fail, snap, timeout }) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, timezoneId: 'Europe/Berlin' });
  await context.clock.install();
  // Stands in for the desktop app's Notify; nothing else of the bridge is there.
  await context.addInitScript(() => {
    window.__notified = [];
    window.go = { main: { Desktop: { Notify: async (title, body) => void window.__notified.push({ title, body }) } } };
  });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const errors = watchErrors(page, fail);
  const byTestId = (id) => page.getByTestId(id);
  const tasksHeading = page.getByRole('heading', { level: 1, name: 'Tasks', exact: true });
  const email = `notices-${Date.now()}@example.com`;
  const password = 'tell me when it matters';

  begin('notices: sign up and choose the level notice');
  await signUpInUI(page, base, { first: 'Ada', last: 'Notice', email: email, password: password });
  await page.locator('body').click({ position: { x: 5, y: 400 } });
  await page.keyboard.press('d');
  // The first run is one short step; the notices are under Working hours after it.
  await byTestId('dashboard-setup').waitFor();
  await byTestId('pw-save').click();
  await byTestId('dashboard-setup').waitFor({ state: 'detached' });
  await byTestId('dashboard-edit-hours').click();
  await byTestId('dashboard-hours').waitFor();
  const prefsOpen = () => page.evaluate(() => document.querySelector('[data-testid=pw-prefs-toggle]')?.closest('details')?.open === true);
  if (!(await prefsOpen())) await byTestId('pw-prefs-toggle').click();
  await byTestId('pw-notify-level').check();
  await byTestId('pw-notify-over').uncheck();
  await byTestId('pw-save').click();
  await byTestId('dashboard-hours').waitFor({ state: 'detached' });
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!login.ok) fail(`signing in over the API answered ${login.status}`);
  const session = await login.json();
  const userId = session.user.id;
  const auth = { Authorization: `Bearer ${session.access_token}`, 'Content-Type': 'application/json' };
  const profile = await fetch(`${base}/api/profile/${userId}`, { headers: auth }).then((r) => r.json());
  const n = profile.preferences?.notifications ?? {};
  if (n.level_rises !== true || n.over_capacity !== false) fail(`notices saved as ${JSON.stringify(n)}`);
  const status = () => fetch(`${base}/api/burnout/status/${userId}`, { headers: auth }).then((r) => r.json());
  const levelBefore = (await status()).level;
  if (levelBefore !== 'low') fail(`a new account starts at ${levelBefore}, not low`);

  begin('notices: the check at start remembers the level, telling nothing');
  const memory = () => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null'), `sentry.notices.${userId}`);
  const statusRead = () => page.waitForResponse((r) => r.url().includes(`/api/burnout/status/${userId}`), { timeout });
  // Opened again, the app checks a few seconds after it starts.
  let checked = statusRead();
  await page.reload();
  await tasksHeading.waitFor();
  await checked;
  await until(async () => (await memory())?.level === 'low', 'the first check to remember the level');
  if ((await byTestId('notice-toast').count()) !== 0) fail('the first check told something');

  begin('notices: overload raises the level');
  const soon = (days) => new Date(Date.now() + days * 86_400_000).toISOString();
  const tasks = [
    ...Array.from({ length: 6 }, (_, i) => ({ title: `Overdue report ${i + 1}`, estimated_hours: 2, deadline: soon(-15 - i), priority: 'high' })),
    ...Array.from({ length: 8 }, (_, i) => ({ title: `Launch work ${i + 1}`, estimated_hours: 12, deadline: soon(1 + (i % 4)), priority: 'high' })),
  ];
  for (const t of tasks) {
    const res = await fetch(`${base}/api/tasks/${userId}`, { method: 'POST', headers: auth, body: JSON.stringify(t) });
    if (res.status !== 201) fail(`creating "${t.title}" answered ${res.status}: ${await res.text()}`);
  }
  // The server recalculates 2 s after the last change.
  const risen = await until(async () => {
    const s = await status();
    return s.level !== 'low' ? s : null;
  }, 'the burnout level to rise');

  begin('notices: regaining focus checks and tells the rise once');
  await page.clock.fastForward('03:00');
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  const notice = byTestId('notice-toast');
  await until(async () => (await notice.count()) === 1, 'the level notice');
  // Nothing else: the over-capacity warning is off.
  if ((await notice.getAttribute('data-kind')) !== 'level_rises') fail(`the notice is ${await notice.getAttribute('data-kind')}`);
  const title = (await byTestId('notice-title').textContent()).trim();
  if (title !== `Burnout risk is ${risen.level}`) fail(`the notice says ${JSON.stringify(title)} for level ${risen.level}`);
  const body = (await byTestId('notice-body').textContent()).trim();
  if (!new RegExp(`^Burnout risk rose to ${risen.level} \\(\\d+, was low\\): .+\\.$`).test(body)) fail(`the notice reads ${JSON.stringify(body)}`);
  const notified = await page.evaluate(() => window.__notified);
  if (notified.length !== 1 || notified[0].title !== title || notified[0].body !== body) fail(`the app's Notify got ${JSON.stringify(notified)}`);
  await snap(page, 'notice-level');
  // Open Dashboard goes there and puts the notice away.
  await byTestId('nav-tasks').click();
  await tasksHeading.waitFor();
  await byTestId('notice-open').click();
  await byTestId('dashboard-page').waitFor();
  await notice.waitFor({ state: 'detached' });

  begin('notices: a reload does not tell it again');
  // The check a few seconds after opening reads the status; nothing follows it.
  checked = statusRead();
  await page.reload();
  await tasksHeading.waitFor();
  await checked;
  await new Promise((r) => setTimeout(r, 800));
  if ((await notice.count()) !== 0) fail(`the notice came again after a reload: ${await notice.textContent()}`);
  if ((await page.evaluate(() => window.__notified.length)) !== 0) fail('the app was asked to notify again after a reload');
  const remembered = await memory();
  if (remembered?.level !== risen.level || remembered?.told?.level !== risen.level) fail(`remembered ${JSON.stringify(remembered)}`);

  begin('notices: the 15-minute check tells nothing new');
  checked = statusRead();
  await page.clock.fastForward('15:00');
  await checked;
  await new Promise((r) => setTimeout(r, 800));
  if ((await notice.count()) !== 0 || (await page.evaluate(() => window.__notified.length)) !== 0) fail('the 15-minute check told it again');

  errors.check();
  await context.close();
}
