import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkAxe } from './screens.mjs';
import { signUpInUI, watchErrors } from './support.mjs';
// End-to-end steps of the Dashboard, called by run.mjs with its helpers: a
// new account signs up, gets a few tasks with estimated hours (through the
// REST API, as any client may), opens the Dashboard with the d shortcut, sets
// up its working hours, sees a burnout level and the factors behind it, reads
// the load chart by keyboard and as a table, generates recommendations,
// dismisses one and says whether it helped, accepts a reschedule (or focus
// block) and undoes it, answers the check-in, edits fixed commitments and
// preferences, and finds the integrations in Settings. Runs in its own browser context.

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
export async function dashboardSteps({ browser, base, begin, until, fail, snap, timeout }) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const errors = watchErrors(page, fail);
  const byTestId = (id) => page.getByTestId(id);
  const tasksHeading = page.getByRole('heading', { level: 1, name: 'Tasks', exact: true });
  const email = `dash-${Date.now()}@example.com`;
  const password = 'steady pace every day';

  begin('dashboard: sign up a new account');
  await signUpInUI(page, base, { first: 'Grace', last: 'Planner', email: email, password: password });

  begin('dashboard: add tasks with estimated hours');
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!login.ok) fail(`signing in over the API answered ${login.status}`);
  const session = await login.json();
  const userId = session.user.id;
  const auth = { Authorization: `Bearer ${session.access_token}`, 'Content-Type': 'application/json' };
  const soon = (days) => new Date(Date.now() + days * 86_400_000).toISOString();
  const tasks = [
    { title: 'Prepare the board deck', estimated_hours: 14, deadline: soon(2), priority: 'high' },
    { title: 'Migrate the billing reports', estimated_hours: 12, deadline: soon(3), priority: 'low', can_delegate: true },
    { title: 'Review the hiring plan', estimated_hours: 10, deadline: soon(2), priority: 'medium', can_delegate: true },
    { title: 'Answer the audit questions', estimated_hours: 6, deadline: soon(4), priority: 'low' },
    { title: 'Send the November invoices', estimated_hours: 2, deadline: soon(-3), priority: 'medium' },
  ];
  for (const t of tasks) {
    const res = await fetch(`${base}/api/tasks/${userId}`, { method: 'POST', headers: auth, body: JSON.stringify(t) });
    if (res.status !== 201) fail(`creating "${t.title}" answered ${res.status}: ${await res.text()}`);
  }
  await page.reload();
  await tasksHeading.waitFor();
  await until(async () => (await page.getByTestId('task-item').count()) === tasks.length, 'the tasks in the list');

  begin('dashboard: open it with the d shortcut');
  await page.locator('body').click({ position: { x: 5, y: 400 } });
  await page.keyboard.press('d');
  await byTestId('dashboard-page').waitFor();
  if ((await byTestId('dashboard-link').getAttribute('aria-current')) !== 'page') fail('the Dashboard tab is not marked current');

  begin('dashboard: set up working hours');
  await byTestId('dashboard-setup').waitFor();
  const setupText = await byTestId('dashboard-setup').textContent();
  if (!/Set up your working hours/.test(setupText)) fail(`the setup panel says ${JSON.stringify(setupText)}`);
  if ((await byTestId('pw-timezone').inputValue()) !== 'Europe/Berlin') fail('the time zone is not prefilled from the browser');
  await snap(page, 'dashboard-setup');
  // A time zone that does not exist is refused before anything is sent.
  await byTestId('pw-timezone').fill('Mars/Olympus');
  await byTestId('pw-save').click();
  await until(async () => (await byTestId('pw-error').textContent())?.includes('time zone'), 'the time zone message');
  if (!(await page.evaluate(() => document.activeElement?.getAttribute('name') === 'timezone'))) fail('focus did not move to the time zone field');
  // The first run is one short step: the limits wait for later.
  if ((await byTestId('pw-max-hours').count()) !== 0) fail('the first-run step asks for more than the working hours');
  if ((await byTestId('dashboard-recalculate').count()) !== 1) fail('Recalculate is missing before setup');
  await byTestId('pw-timezone').fill('Europe/Berlin');
  await byTestId('pw-save').click();
  await byTestId('dashboard-setup').waitFor({ state: 'detached' });

  begin('dashboard: see the burnout level and its factors');
  await byTestId('dashboard-summary').waitFor();
  await byTestId('burnout-gauge').waitFor();
  if (!/\S/.test(await byTestId('summary-top-factor').textContent())) fail('the summary names no top factor');
  if (!/planned of/.test(await byTestId('summary-week').textContent())) fail('the summary has no load against capacity');
  if (/\(s\)/.test(await byTestId('burnout-factors').textContent())) fail('a factor says "(s)"');
  const level = await byTestId('burnout-level').getAttribute('data-level');
  if (!['low', 'moderate', 'high', 'critical'].includes(level)) fail(`the level is ${JSON.stringify(level)}`);
  const score = Number((await byTestId('burnout-score').textContent()).trim());
  if (!(score >= 0 && score <= 100)) fail(`the score reads ${score}`);
  const title = await page.locator('[data-testid="burnout-gauge"] svg title').textContent();
  if (!title.includes('out of 100')) fail(`the gauge has no text alternative: ${JSON.stringify(title)}`);
  await until(async () => (await byTestId('factor').count()) >= 3, 'the factors');
  const workload = page.locator('[data-testid="factor"][data-factor="workload"]');
  const contribution = await workload.getByTestId('factor-contribution').textContent();
  if (!/^\+\d/.test(contribution.trim())) fail(`planned work adds nothing to the score: ${JSON.stringify(contribution)}`);
  const why = await workload.getByTestId('factor-explanation').textContent();
  if (!/h planned/.test(why)) fail(`the workload factor does not explain itself: ${JSON.stringify(why)}`);
  const overdue = await byTestId('overdue-list').textContent();
  if (!/Send the November invoices\s*3 days late/.test(overdue)) fail(`the overdue list says ${JSON.stringify(overdue)}`);
  await snap(page, 'dashboard');

  begin('dashboard: read the load chart by keyboard and as a table');
  await byTestId('load-days').waitFor();
  await until(async () => (await page.locator('[data-testid="load-days-bar"][data-over="true"]').count()) > 0, 'a day over capacity');
  await byTestId('load-days-svg').focus();
  await page.keyboard.press('Home');
  const readout = await byTestId('load-days-readout').textContent();
  if (!/planned/.test(readout)) fail(`the chart readout says ${JSON.stringify(readout)}`);
  await byTestId('load-days-table-toggle').click();
  await byTestId('load-days-table').waitFor();
  await byTestId('load-by-week').click();
  await byTestId('load-weeks').waitFor();
  if ((await page.locator('[data-testid="load-weeks-bar"]').count()) < 1) fail('no weeks in the week chart');
  await byTestId('forecast-summary').waitFor();
  if ((await byTestId('workload-forecast').count()) !== 0) fail('the near-duplicate forecast chart is back');
  await snap(page, 'dashboard-charts');

  begin('dashboard: generate recommendations and dismiss one');
  await byTestId('recs-generate').click();
  await until(async () => (await byTestId('recommendation').count()) > 0, 'recommendations');
  await until(async () => (await byTestId('summary-rec-accept').count()) === 1, 'the top suggestion with Accept in the summary');
  const topTitle = (await byTestId('summary-rec-title').textContent()).trim();
  if (topTitle !== (await byTestId('recommendation').first().getByTestId('rec-title').textContent()).trim()) fail(`the summary leads with "${topTitle}", not the first suggestion`);
  const first = byTestId('recommendation').first();
  const firstTitle = await first.getByTestId('rec-title').textContent();
  const firstId = await first.getAttribute('data-id');
  await snap(page, 'recommendations');
  await first.getByTestId('rec-dismiss').click();
  const dismissed = page.locator(`[data-testid="recommendation"][data-id="${firstId}"]`);
  await until(async () => (await dismissed.getAttribute('data-status')) === 'dismissed', `"${firstTitle}" to show as dismissed`);
  await dismissed.getByTestId('rec-helpful-no').click();
  await dismissed.getByTestId('rec-thanks').waitFor();
  const open = await fetch(`${base}/api/recommendations/${userId}`, { headers: auth }).then((r) => r.json());
  if (open.recommendations.some((r) => r.id === firstId)) fail('the dismissed recommendation is still open on the server');
  await snap(page, 'recommendation-dismissed');

  begin('dashboard: accept a suggestion, see it in Tasks, undo it');
  const openRecs = (await fetch(`${base}/api/recommendations/${userId}`, { headers: auth }).then((r) => r.json())).recommendations;
  const target = openRecs.find((r) => r.kind === 'reschedule') ?? openRecs.find((r) => r.kind === 'focus_block');
  if (!target) fail(`no reschedule or focus block to accept among: ${openRecs.map((r) => r.kind).join(', ')}`);
  const recCard = page.locator(`[data-testid="recommendation"][data-id="${target.id}"]`);
  const taskRow = (title) => page.getByTestId('task-item').filter({ has: page.getByTestId('task-title').getByText(title, { exact: true }) });
  const getTask = (id) => fetch(`${base}/api/tasks/${userId}/${id}`, { headers: auth }).then((r) => r.json());
  const listTitles = async () =>
    (await fetch(`${base}/api/tasks/${userId}?limit=100`, { headers: auth }).then((r) => r.json())).tasks.map((t) => t.title);
  const moved = target.kind === 'reschedule' ? target.tasks[0] : null;
  const before = moved ? await getTask(moved.id) : null;
  // By keyboard: focus Accept and press Enter.
  await recCard.getByTestId('rec-accept').focus();
  await page.keyboard.press('Enter');
  await until(async () => (await byTestId('toast').textContent())?.startsWith('Applied:'), 'the Applied toast');
  const toastText = await byTestId('toast').textContent();
  if (!(await byTestId('toast-action').textContent()).includes('Undo')) fail(`the toast offers no Undo: ${JSON.stringify(toastText)}`);
  await until(async () => (await recCard.getAttribute('data-status')) === 'accepted', 'the suggestion to show as accepted');
  const undoButton = page.locator(`[data-testid="rec-applied"][data-id="${target.id}"] [data-testid="rec-undo"]`);
  if (!(await undoButton.evaluate((el) => el === document.activeElement))) fail('focus did not move to Undo after Accept');
  const accepted = await fetch(`${base}/api/recommendations/${userId}`, { headers: auth }).then((r) => r.json());
  if (accepted.recommendations.some((r) => r.id === target.id)) fail('the accepted suggestion is still open on the server');
  let shownBefore = '';
  if (moved) {
    const after = await getTask(moved.id);
    if (Date.parse(after.deadline) !== Date.parse(moved.new_deadline)) fail(`the deadline is ${after.deadline}, not ${moved.new_deadline}`);
  } else if (!(await listTitles()).includes('Focus time')) fail('no "Focus time" meeting was created');
  await snap(page, 'recommendation-applied');
  await byTestId('nav-tasks').click();
  await tasksHeading.waitFor();
  if (moved) {
    await taskRow(moved.title).waitFor();
    const shownAfter = await taskRow(moved.title).getByTestId('task-deadline').textContent();
    // The list shows the deadline in the browser's zone, as the API has it now.
    // ("17:00", or "5:00 PM" where clocks have 12 hours).
    const want = await page.evaluate((iso) => {
      const twelve = new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions().hour12 === true;
      return new Date(iso).toLocaleTimeString(undefined, { hour: twelve ? 'numeric' : '2-digit', minute: '2-digit' });
    }, moved.new_deadline);
    if (!shownAfter.includes(want)) fail(`Tasks shows ${JSON.stringify(shownAfter)} for the new deadline ${moved.new_deadline}`);
    shownBefore = shownAfter;
  } else {
    await taskRow('Focus time').waitFor();
  }
  await page.locator('body').click({ position: { x: 5, y: 400 } });
  await page.keyboard.press('d');
  await byTestId('dashboard-page').waitFor();
  await undoButton.waitFor();
  await undoButton.click();
  await until(async () => (await byTestId('toast').textContent())?.startsWith('Undone'), 'the Undone toast');
  await byTestId('rec-applied-list').waitFor({ state: 'detached' });
  if (moved) {
    const restored = await getTask(moved.id);
    if (restored.deadline !== before.deadline) fail(`undo left the deadline at ${restored.deadline}, not ${before.deadline}`);
  } else if ((await listTitles()).includes('Focus time')) fail('undo left the "Focus time" meeting');
  await byTestId('nav-tasks').click();
  await tasksHeading.waitFor();
  if (moved) {
    await until(async () => (await taskRow(moved.title).getByTestId('task-deadline').textContent()) !== shownBefore, 'Tasks to show the old deadline');
  } else {
    await until(async () => (await taskRow('Focus time').count()) === 0, 'the focus time to leave Tasks');
  }
  await page.keyboard.press('d');
  await byTestId('dashboard-page').waitFor();

  begin('dashboard: accept a delegation and open it in Tasks');
  const stillOpen = (await fetch(`${base}/api/recommendations/${userId}`, { headers: auth }).then((r) => r.json())).recommendations;
  const delegation = stillOpen.find((r) => r.kind === 'delegate');
  if (delegation) {
    const delCard = page.locator(`[data-testid="recommendation"][data-id="${delegation.id}"]`);
    const delTask = await getTask(delegation.tasks[0].id);
    await delCard.getByTestId('rec-accept').click();
    await until(async () => (await delCard.getAttribute('data-status')) === 'accepted', 'the delegation to show as accepted');
    // Nothing changes by itself: we cannot know to whom.
    const unchanged = await getTask(delegation.tasks[0].id);
    if (unchanged.version !== delTask.version) fail('accepting a delegation changed the task');
    const open = delCard.getByTestId('rec-open-tasks');
    if (!(await open.evaluate((el) => el === document.activeElement))) fail('focus did not move to Open in Tasks');
    await page.keyboard.press('Enter');
    await tasksHeading.waitFor();
    if ((await byTestId('task-search').inputValue()) !== delegation.tasks[0].title) fail('Tasks did not open filtered to the delegated task');
    await until(async () => (await page.getByTestId('task-item').count()) === 1, 'only the delegated task in the list');
    await taskRow(delegation.tasks[0].title).waitFor();
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.press('d');
    await byTestId('dashboard-page').waitFor();
  } else {
    fail(`no delegation left to accept among: ${stillOpen.map((r) => r.kind).join(', ')}`);
  }

  begin('dashboard: answer the check-in');
  await byTestId('checkin-toggle').click();
  await byTestId('checkin-form').waitFor();
  for (let n = 1; n <= 7; n++) await byTestId(`cbi-${n}-${n === 7 ? 3 : 1}`).check();
  await until(async () => /Your work-related burnout score: 75/.test(await byTestId('cbi-score').textContent()), 'the check-in score of 75');
  // On the web the server reads and keeps the words: the note says so, not "this computer".
  const privacy = (await byTestId('checkin-privacy').textContent()).trim();
  if (!/Read by this server/.test(privacy) || /this computer|nothing is sent/.test(privacy)) fail(`the check-in's privacy note reads ${JSON.stringify(privacy)}`);
  await byTestId('checkin-text').fill('Long days this week, but the team is great.');
  await byTestId('checkin-submit').click();
  await byTestId('checkin-form').waitFor({ state: 'detached' });
  const cbi = page.locator('[data-testid="factor"][data-factor="cbi_work"] [data-testid="factor-contribution"]');
  await until(async () => /^\+\d/.test((await cbi.textContent()).trim()), 'the check-in to add to the score');

  begin('dashboard: change working hours and days off');
  await byTestId('dashboard-edit-hours').click();
  await byTestId('dashboard-hours').waitFor();
  await byTestId('pw-max-hours').fill('35');
  await byTestId('pw-day-5').uncheck();
  const dayOff = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  await byTestId('pw-dayoff-input').fill(dayOff);
  await byTestId('pw-dayoff-add').click();
  await until(async () => (await byTestId('pw-dayoff').count()) === 1, 'the day off in the list');
  await byTestId('pw-save').click();
  await byTestId('dashboard-hours').waitFor({ state: 'detached' });
  const saved = await fetch(`${base}/api/profile/${userId}`, { headers: auth }).then((r) => r.json());
  if (saved.working_days.join() !== '1,2,3,4') fail(`working days saved as ${saved.working_days.join()}`);
  if (saved.constraints.days_off.join() !== dayOff || saved.constraints.max_weekly_hours !== 35) {
    fail(`constraints saved as ${JSON.stringify(saved.constraints)}`);
  }

  begin('dashboard: fixed commitments, focus block, meeting preferences and notices');
  await byTestId('dashboard-edit-hours').click();
  await byTestId('dashboard-hours').waitFor();
  await byTestId('pw-fixed-add').click();
  const row = byTestId('pw-fixed-row').first();
  if (!(await row.getByTestId('pw-fixed-title').evaluate((el) => el === document.activeElement))) fail('a new commitment row does not take focus');
  await row.getByTestId('pw-fixed-title').fill('School run');
  await row.getByTestId('pw-fixed-weekday').selectOption('3');
  await row.getByTestId('pw-fixed-start').fill('15:00');
  await row.getByTestId('pw-fixed-end').fill('14:30');
  await byTestId('pw-save').click();
  await until(async () => (await byTestId('pw-error').textContent())?.includes('must end after it starts'), 'the end-before-start message');
  if (!(await page.evaluate(() => document.activeElement?.getAttribute('name') === 'fixed_commitments.0.end'))) fail('focus did not move to the commitment end');
  await row.getByTestId('pw-fixed-end').fill('16:00');
  // A second row, removed again by keyboard.
  await byTestId('pw-fixed-add').click();
  if ((await byTestId('pw-fixed-row').count()) !== 2) fail('Add did not add a row');
  await byTestId('pw-fixed-remove').nth(1).focus();
  await page.keyboard.press('Enter');
  await until(async () => (await byTestId('pw-fixed-row').count()) === 1, 'the second row to go');
  await byTestId('pw-focus-minutes').fill('500');
  await byTestId('pw-save').click();
  await until(async () => (await byTestId('pw-error').textContent())?.includes('Focus block'), 'the focus block message');
  if (!(await page.evaluate(() => document.activeElement?.getAttribute('name') === 'focus_block_minutes'))) fail('focus did not move to the focus block');
  await byTestId('pw-focus-minutes').fill('90');
  await byTestId('pw-meet-buffer').fill('10');
  await byTestId('pw-nomeet-5').check();
  await byTestId('pw-notify-weekly').check();
  await snap(page, 'dashboard-preferences');
  await byTestId('pw-save').click();
  await byTestId('dashboard-hours').waitFor({ state: 'detached' });
  const prefsSaved = await fetch(`${base}/api/profile/${userId}`, { headers: auth }).then((r) => r.json());
  const fc = prefsSaved.constraints.fixed_commitments;
  if (fc.length !== 1 || fc[0].title !== 'School run' || fc[0].weekday !== 3 || fc[0].start !== '15:00' || fc[0].end !== '16:00') {
    fail(`fixed commitments saved as ${JSON.stringify(fc)}`);
  }
  const pr = prefsSaved.preferences;
  if (pr.focus_block_minutes !== 90 || pr.meeting_preferences.buffer_minutes !== 10 || pr.meeting_preferences.no_meeting_days.join() !== '5' || pr.notifications.weekly_summary !== true) {
    fail(`preferences saved as ${JSON.stringify(pr)}`);
  }
  // Reopened, the form shows what was saved.
  await byTestId('dashboard-edit-hours').click();
  await byTestId('dashboard-hours').waitFor();
  if ((await byTestId('pw-fixed-title').first().inputValue()) !== 'School run') fail('the saved commitment is not shown');
  if ((await byTestId('pw-focus-minutes').inputValue()) !== '90') fail('the saved focus block is not shown');
  await byTestId('pw-cancel').click();
  await byTestId('dashboard-hours').waitFor({ state: 'detached' });

  begin('dashboard: integrations in Settings');
  await byTestId('settings-link').click();
  await byTestId('integrations').waitFor();
  // The list arrives after the panel: wait for it rather than read it half-drawn.
  await until(async () => (await page.locator('[data-testid="integration"]').count()) === 3, 'the three integrations');
  const providers = await page.locator('[data-testid="integration"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-provider')));
  if (providers.join() !== 'google_tasks,google_calendar,zoom') fail(`integrations listed: ${providers.join()}`);
  // This server has no provider credentials: every one says so, with nothing to press.
  const states = await page.locator('[data-testid="integration"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
  if (states.some((s) => s !== 'unavailable')) fail(`integration states without credentials: ${states.join()}`);
  await snap(page, 'integrations');

  begin('dashboard: integration states, sync now and reconnect (answers stood in for)');
  // The provider stand-ins live in the Go tests; here the API's answers are
  // stood in for, as the integration service documents them.
  const minutesAgo = (m) => new Date(Date.now() - m * 60_000).toISOString();
  const listPath = `**/api/integrations/${userId}`;
  const syncPath = `/api/integrations/google/tasks/${userId}/sync`;
  await page.route(listPath, (route) =>
    route.fulfill({
      json: {
        integrations: [
          { provider: 'google_tasks', title: 'Google Tasks', state: 'connected', configured: true, connected: true, needs_reconnect: false, last_sync: minutesAgo(5), last_error: '', sync_path: syncPath },
          { provider: 'google_calendar', title: 'Google Calendar', state: 'connected', configured: true, connected: true, needs_reconnect: false, last_sync: minutesAgo(90), last_error: 'Google Calendar did not answer; try again later.', sync_path: `/api/integrations/google/calendar/${userId}/sync` },
          { provider: 'zoom', title: 'Zoom', state: 'needs_reconnect', configured: true, connected: true, needs_reconnect: true, last_sync: minutesAgo(60 * 26), last_error: 'Sentry no longer has access to your Zoom account.', sync_path: `/api/zoom/meetings/${userId}` },
        ],
      },
    }),
  );
  await page.route(`**${syncPath}`, (route) =>
    route.fulfill({ json: { provider: 'google_tasks', pulled: 3, pushed: 1, deleted: 0, conflicts: 1, skipped: 0, full: false, synced_at: new Date().toISOString() } }),
  );
  await byTestId('integrations-refresh').click();
  const card = (p) => page.locator(`[data-testid="integration"][data-provider="${p}"]`);
  await until(async () => (await card('zoom').getAttribute('data-state')) === 'reconnect', 'Zoom to ask for reconnecting');
  if ((await card('google_calendar').getAttribute('data-state')) !== 'error') fail('the failed calendar sync is not shown');
  if (!(await card('google_calendar').getByTestId('integration-state').textContent()).includes('did not answer')) fail('the calendar error is not shown');
  await card('zoom').getByTestId('integration-reconnect').waitFor();
  if (!(await card('google_tasks').getByTestId('integration-last-sync').textContent()).includes('5 minutes ago')) fail('the last sync time is not shown');
  await card('google_tasks').getByTestId('integration-sync').click();
  await until(async () => (await byTestId('toast').textContent())?.includes('Google Tasks synced: 3 in, 1 out.'), 'the sync summary');
  await snap(page, 'integrations-states');
  await page.unroute(listPath);
  await page.unroute(`**${syncPath}`);

  begin('dashboard: Esc goes back to the tasks');
  await byTestId('dashboard-link').click();
  await byTestId('dashboard-page').waitFor();
  await page.locator('h1#dashboard-heading').focus();
  await page.keyboard.press('Escape');
  await tasksHeading.waitFor();

  errors.check();
  await context.close();
}

/**
 * The Dashboard at 1440 and 390 px wide, each in its own context and
 * account (E2E_ONLY=dashboard runs just these): tasks with fractional
 * estimates give a score with a decimal, shown with the same one-decimal
 * rounding in the gauge, its text alternative, the factors' sentence and the
 * trend's table (never "3" beside "2.7"), every factor's points with at most
 * one decimal; the trend, after two recalculations, has an even axis (ticks
 * equally far apart, in equal steps); at 1440 the page uses the width (the
 * main content at least 1100 px wide). Each state passes axe-core (no serious
 * or critical violation), is no wider than the window, and is saved as
 * <out>/dashboard/<state>-<width>.png.
 * @param {object} h
 * @param {import('playwright-core').Browser} h.browser
 * @param {string} h.base
 * @param {(name: string) => void} h.begin
 * @param {(fn: () => unknown, what: string, timeout?: number) => Promise<unknown>} h.until
 * @param {(msg: string) => never} h.fail
 * @param {string} h.outDir
 * @param {number} h.timeout
 */
export async function dashboardWidthSteps({ browser, base, begin, until, fail, outDir, timeout }) {
  const shots = join(outDir, 'dashboard');
  mkdirSync(shots, { recursive: true });
  for (const width of [1440, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'light', timezoneId: 'Europe/Berlin' });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    const errors = watchErrors(page, fail);
    const byTestId = (id) => page.getByTestId(id);
    const shot = (name) => page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
    const fits = async (where) => {
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (over > 1) fail(`${where} is ${over}px wider than the window`);
    };
    const email = `dash-${width}-${Date.now()}@example.com`;
    const password = 'one rounding everywhere';

    begin(`dashboard ${width}: sign up, add tasks with fractional estimates, set up working hours`);
    await signUpInUI(page, base, { first: 'Ada', last: `Width${width}`, email, password });
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!login.ok) fail(`signing in over the API answered ${login.status}`);
    const session = await login.json();
    const auth = { Authorization: `Bearer ${session.access_token}`, 'Content-Type': 'application/json' };
    const soon = (days) => new Date(Date.now() + days * 86_400_000).toISOString();
    for (const t of [
      { title: 'Draft the grant report', estimated_hours: 7.35, deadline: soon(2), priority: 'high' },
      { title: 'Check the survey data', estimated_hours: 4.15, deadline: soon(3), priority: 'medium' },
      { title: 'File the travel claim', estimated_hours: 1.7, deadline: soon(-2), priority: 'low' },
    ]) {
      const res = await fetch(`${base}/api/tasks/${session.user.id}`, { method: 'POST', headers: auth, body: JSON.stringify(t) });
      if (res.status !== 201) fail(`creating "${t.title}" answered ${res.status}`);
    }
    if (width < 700) {
      await byTestId('menu-button').click();
      await byTestId('main-menu').waitFor({ state: 'visible' });
    }
    await byTestId('dashboard-link').click();
    await byTestId('dashboard-page').waitFor();
    await byTestId('dashboard-setup').waitFor();

    begin(`dashboard ${width}: the first run is one short step`);
    const setupText = (await byTestId('dashboard-setup').textContent()).replace(/\s+/g, ' ');
    if (!/Set up your working hours/.test(setupText)) fail(`the setup panel says ${JSON.stringify(setupText.slice(0, 120))}`);
    // The limits, commitments and preferences wait for later: the step asks for the hours and days alone.
    if ((await byTestId('pw-max-hours').count()) !== 0) fail('the first-run step asks for the weekly limit');
    if ((await byTestId('pw-fixed-add').count()) !== 0) fail('the first-run step asks for fixed commitments');
    if ((await byTestId('pw-focus-minutes').count()) !== 0) fail('the first-run step asks for the focus block');
    const fields = await byTestId('dashboard-setup').locator('input:visible, select:visible, textarea:visible').count();
    if (fields > 10) fail(`the first-run step has ${fields} fields`);
    if ((await byTestId('dashboard-recalculate').count()) !== 1) fail('Recalculate is missing before setup');
    await checkAxe(page, `the Dashboard's first-run step at ${width}`, fail);
    await fits('the first-run step');
    await shot('first-run');
    await byTestId('pw-save').click();
    await byTestId('dashboard-setup').waitFor({ state: 'detached' });
    await byTestId('burnout-score').waitFor();

    begin(`dashboard ${width}: recalculate twice, so the trend is drawn`);
    let raw = null;
    for (let n = 0; n < 2; n++) {
      const analyzed = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/burnout/analyze'));
      await byTestId('dashboard-recalculate').click();
      const j = await (await analyzed).json();
      raw = j.score ?? j.analysis?.score;
      await until(async () => !(await byTestId('dashboard-recalculate').isDisabled()), 'the recalculation to end');
    }
    if (typeof raw !== 'number') fail('the analysis answered no score');
    await until(async () => (await byTestId('trend-tick').count()) > 0, 'the trend chart');

    begin(`dashboard ${width}: one rounding across the gauge, factors and trend`);
    const want = String(Math.round(raw * 10) / 10);
    const shown = (await byTestId('burnout-score').textContent()).trim();
    if (shown !== want) fail(`the gauge shows ${shown} for a score of ${raw} (want ${want})`);
    const gaugeTitle = await page.locator('[data-testid="burnout-gauge"] svg title').textContent();
    if (!gaugeTitle.includes(`Burnout score ${want} out of 100`)) fail(`the gauge's text alternative reads ${JSON.stringify(gaugeTitle)} beside ${want}`);
    const factorsText = (await byTestId('burnout-factors').textContent()).replace(/\s+/g, ' ');
    if (!factorsText.includes(`The score of ${want} is the sum`)) fail(`the factors say ${JSON.stringify(factorsText.slice(0, 120))} beside ${want}`);
    const points = (await byTestId('factor-contribution').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    for (const p of points) if (!/^[+−]?\d+(\.\d)? points? of \d+(\.\d)?$|^[+−]?\d+(\.\d)? points?$/.test(p)) fail(`a factor reads ${JSON.stringify(p)}, not one decimal`);
    const top = (await byTestId('summary-top-factor').textContent()).replace(/\s+/g, ' ');
    const topPoints = top.match(/\(([+−]?[\d.]+ points?)/)?.[1];
    if (topPoints && !points.some((p) => p.startsWith(topPoints))) fail(`the summary's top factor says ${topPoints}, the factors ${points.join('; ')}`);
    const trend = byTestId('burnout-trend');
    await trend.getByRole('button', { name: 'Show as a table' }).click();
    const lastRow = trend.locator('tbody tr').last().locator('td').first();
    if ((await lastRow.textContent()).trim() !== want) fail(`the trend's last score reads ${await lastRow.textContent()} beside ${want}`);
    if (/\d\.\d\d/.test(await byTestId('dashboard-page').textContent())) fail('a number on the Dashboard shows two decimals');

    begin(`dashboard ${width}: the trend's axis is even`);
    const ticks = await byTestId('trend-tick').evaluateAll((els) => els.map((e) => ({ v: Number(e.textContent), y: e.getBoundingClientRect().top })));
    if (ticks.length < 3) fail(`the trend has ${ticks.length} ticks`);
    ticks.sort((a, b) => a.v - b.v);
    const steps = ticks.slice(1).map((t, i) => t.v - ticks[i].v);
    const gaps = ticks.slice(1).map((t, i) => ticks[i].y - t.y);
    if (steps.some((s) => s !== steps[0])) fail(`the trend's ticks step ${steps.join(', ')}`);
    if (gaps.some((g) => Math.abs(g - gaps[0]) > 1 || g <= 0)) fail(`the trend's ticks are ${gaps.map((g) => g.toFixed(1)).join(', ')} px apart`);
    await trend.scrollIntoViewIfNeeded();
    await checkAxe(page, `the Dashboard with its trend at ${width}`, fail);
    await fits('the Dashboard');
    await shot('rounding-trend');

    begin(`dashboard ${width}: one picture leads — the score with its top factor, the week's load against capacity`);
    const summary = byTestId('dashboard-summary');
    await page.evaluate(() => window.scrollTo(0, 0));
    const firstPanel = await byTestId('dashboard-page').evaluate((el) => el.querySelector('section.panel')?.getAttribute('data-testid'));
    if (firstPanel !== 'dashboard-summary') fail(`the Dashboard's first panel is ${firstPanel}, not the summary`);
    const summaryTop = (await summary.boundingBox()).y;
    if (summaryTop > 900 / 2) fail(`the summary starts ${Math.round(summaryTop)} px down, not near the top`);
    if ((await summary.getByTestId('burnout-gauge').count()) !== 1) fail('the summary has no score');
    if (!/^Most of it: \S.* \([+−]?\d+(\.\d)? points?/.test(topFactorText(await byTestId('summary-top-factor').textContent()))) {
      fail(`the summary's top factor reads ${JSON.stringify(topFactorText(await byTestId('summary-top-factor').textContent()))}`);
    }
    const weekText = (await byTestId('summary-week').textContent()).replace(/\s+/g, ' ').trim();
    if (!/^\d+(\.\d)? h planned of \d+(\.\d)? h$/.test(weekText)) fail(`the week's load reads ${JSON.stringify(weekText)}`);
    if (!/% of capacity|No working hours left/.test(await byTestId('summary-week-verdict').textContent())) fail('the week has no verdict against capacity');

    begin(`dashboard ${width}: no near-duplicate chart`);
    if ((await byTestId('workload-forecast').count()) !== 0) fail('the near-duplicate forecast chart is back');
    await byTestId('load-by-week').click();
    await byTestId('load-weeks').waitFor();
    if ((await byTestId('workload-forecast').count()) !== 0) fail('the near-duplicate forecast chart is back beside the weeks');
    if ((await byTestId('load-days').count()) !== 0) fail('the days and the weeks are drawn at once');
    const charts = await byTestId('dashboard-page').locator('svg[role="img"], svg[aria-labelledby], svg[aria-label]').evaluateAll((els) =>
      els.filter((e) => e.getBoundingClientRect().width > 150).map((e) => e.closest('[data-testid]')?.getAttribute('data-testid')),
    );
    if (new Set(charts).size !== charts.length) fail(`a chart is drawn twice: ${charts.join(', ')}`);
    await checkAxe(page, `the Dashboard's week chart at ${width}`, fail);
    await fits('the week chart');

    begin(`dashboard ${width}: the top suggestion with Accept, in plain words`);
    await byTestId('recs-generate').click();
    await until(async () => (await byTestId('recommendation').count()) > 0, 'suggestions');
    await until(async () => (await byTestId('summary-rec-accept').count()) === 1, 'the top suggestion with Accept in the summary');
    const topTitle = (await byTestId('summary-rec-title').textContent()).trim();
    if (topTitle !== (await byTestId('recommendation').first().getByTestId('rec-title').textContent()).trim()) fail(`the summary leads with "${topTitle}", not the first suggestion`);
    const keys = await byTestId('factor').evaluateAll((els) => els.map((e) => e.getAttribute('data-factor')));
    const kinds = await byTestId('recommendation').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    const advice = [
      ['the summary\'s top factor', topFactorText(await byTestId('summary-top-factor').textContent())],
      // Read as shown, line by line: a number at the end of one line is not read with the next.
      ['the summary\'s suggestion', await summary.locator('.col').last().innerText()],
      ...(await byTestId('factor').allInnerTexts()).map((t, i) => [`the factor ${keys[i]}`, t]),
      ...(await byTestId('recommendation').allInnerTexts()).map((t, i) => [`a ${kinds[i]} suggestion`, t]),
    ];
    // Each factor is named in words, never by its key ("workload", "cbi_work").
    const names = await byTestId('factor').evaluateAll((els) => els.map((e) => e.querySelector('.name')?.textContent?.trim() ?? ''));
    const topName = (await byTestId('summary-top-factor').locator('strong').textContent()).trim();
    for (const [i, n] of [...names, topName].entries()) {
      if (!/^[A-Z]/.test(n) || keys.includes(n) || n.includes('_')) fail(`a factor is named ${JSON.stringify(n)}${i < keys.length ? ` (key ${keys[i]})` : ''}, not in words`);
    }
    for (const [where, text] of advice) {
      const bad = jargon(text, [...keys, ...kinds]);
      if (bad) fail(`${where} is not in plain words (${bad}): ${JSON.stringify(text.replace(/\s*\n\s*/g, ' | ').trim().slice(0, 240))}`);
    }
    await summary.scrollIntoViewIfNeeded();
    await checkAxe(page, `the Dashboard's summary with a suggestion at ${width}`, fail);
    await fits('the summary with a suggestion');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('picture');
    const topId = await byTestId('recommendation').first().getAttribute('data-id');
    await byTestId('summary-rec-accept').click();
    await until(async () => (await byTestId('toast').textContent())?.startsWith('Applied:'), 'the Applied toast');
    await until(async () => (await page.locator(`[data-testid="recommendation"][data-id="${topId}"]`).getAttribute('data-status')) === 'accepted', 'the top suggestion to show as accepted');

    begin(`dashboard ${width}: the check-in's privacy note is true on this team server`);
    await byTestId('checkin-toggle').click();
    await byTestId('checkin-form').waitFor();
    const privacy = (await byTestId('checkin-privacy').textContent()).replace(/\s+/g, ' ').trim();
    if (!/Read by this server/.test(privacy) || /this computer|nothing is sent|never leaves/i.test(privacy)) fail(`the check-in's privacy note reads ${JSON.stringify(privacy)}`);
    await byTestId('checkin-privacy').scrollIntoViewIfNeeded();
    await checkAxe(page, `the check-in at ${width}`, fail);
    await fits('the check-in');
    await shot('checkin');

    if (width >= 1440) {
      begin(`dashboard ${width}: a wide window's width is used`);
      const used = await page.evaluate(() => {
        const main = document.querySelector('main');
        const s = getComputedStyle(main);
        return main.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      });
      const dash = (await byTestId('dashboard-page').boundingBox()).width;
      if (used < 1100 || dash < 1100) fail(`at ${width} px the main content is ${Math.round(used)} px and the Dashboard ${Math.round(dash)} px wide`);
    }
    errors.check();
    await context.close();
  }
}

/** The summary's top-factor line with its spaces folded. */
function topFactorText(t) {
  return t.replace(/\s+/g, ' ').trim();
}

// A number read with nothing after it, or "a"/"per" ("Full at 8 a week"),
// says nothing of what it counts; a word after it (a unit, "open tasks",
// "deadlines") or a month (Mon 21 Dec) does.
const BARE = /^ ?($|\n|[.,;:)\]!?]|(a|an|per|and|or)\b)/i;
// "2.6 points of 14": the unit before "of" counts for both.
const OF_UNIT = /(points?|h|hours?|days?|weeks?|tasks?|meetings?) (out )?of\s$/i;
const MONTH = /(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s$/i;

/**
 * What in text a person would not say, or "" when it reads as plain
 * words: an internal key (snake_case, or one of keys, e.g. a factor's or
 * a suggestion kind's), "(s)", a raw timestamp, a number with more than one
 * decimal, or a number with no unit.
 * @param {string} text
 * @param {string[]} keys
 */
export function jargon(text, keys = []) {
  // innerText is as shown: a label in capitals ("RESCHEDULE") is read in any case.
  const t = text.replace(/[^\S\n]+/g, ' ').replace(/ ?\n[\s]*/g, '\n').trim();
  const snake = t.match(/\b[a-z]+_[a-z_]+\b/i);
  if (snake) return `the key ${snake[0]}`;
  for (const k of keys) if (k && k.includes('_') && t.toLowerCase().includes(k)) return `the key ${k}`;
  if (/\(s\)/i.test(t)) return '"(s)"';
  if (/\d{4}-\d{2}-\d{2}T|\bnull\b|\bundefined\b|\bNaN\b/i.test(t)) return 'a raw value';
  if (/\d\.\d\d/.test(t)) return 'a number with two decimals';
  // Times (17:00), dates (2026-12-05, 05/12) and the words before or after a number.
  const plain = t.replace(/\d{1,2}:\d{2}/g, 'TIME').replace(/\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}(\/\d{2,4})?|\d{1,2}\.\d{1,2}\.(\d{2,4})?/g, 'DATE');
  for (const m of plain.matchAll(/[+−-]?\d+(\.\d)?/g)) {
    const after = plain.slice(m.index + m[0].length);
    const before = plain.slice(0, m.index);
    if (!BARE.test(after) || MONTH.test(before) || OF_UNIT.test(before)) continue;
    return `the bare number ${m[0]} in "${plain.slice(Math.max(0, m.index - 30), m.index + m[0].length + 20)}"`;
  }
  return '';
}
