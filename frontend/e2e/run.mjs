#!/usr/bin/env node
// End-to-end test of the web face: starts the server binary ($SENTRY_BIN) on a
// free port with a fresh data folder, then drives a headless browser through
// sign-up, sign-out, sign-in, and creating, editing, completing, deleting and
// restoring a task, with keyboard shortcuts; then the account screens:
// confirming the email with the mailed code, forgot/reset password, provider
// sign-in coming back, and settings (name, devices, password, activity,
// deleting an account); and Capture: pasting a transcript for review
// (accept, reject, edit, a likely duplicate), dropping a text file, a refused
// file type, a recording without a speech model, and the history; the speech
// model settings (refused on a team server), the desktop's Team server
// settings (with a stand-in for the app's bound calls), the desktop face
// against the desktop's own backend (desktop.mjs), and connecting the
// desktop app to this server (RFC 8252: a loopback listener of this script
// receives the code, which is redeemed with the PKCE verifier). With no
// SMTP server the server writes each email to <data>/outbox/*.eml, where the
// codes are read from. A screenshot is saved after each step to $E2E_OUT
// (default test-results/e2e). Exits non-zero on any failure.
//
// The server throttles auth failures (5 per account, 20 per address in 5
// minutes), and mailing a code counts as one: keep deliberate failures few.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { captureDetailSteps } from './capture.mjs';
import { dashboardSteps, dashboardWidthSteps } from './dashboard.mjs';
import { modelSteps } from './models.mjs';
import { notebookAnswerSteps } from './notebookAnswers.mjs';
import { screenSteps } from './screens.mjs';

const here = import.meta.dirname;
const outDir = resolve(process.env.E2E_OUT || join(here, '..', 'test-results', 'e2e'));
const bin = process.env.SENTRY_BIN;
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 15_000;

let server = null;
let serverLog = '';
let dataDir = null;
let filesDir = null;
let browser = null;
/** The stand-in for the desktop app's loopback listener (connect-desktop). */
let loopback = null;
let shot = 0;
let step = 'setup';
let stepsDone = 0;

function begin(name) {
  if (step !== 'setup') stepsDone += 1;
  step = name;
}

function log(msg) {
  process.stdout.write(`e2e: ${msg}\n`);
}

class StepError extends Error {}

function fail(msg) {
  throw new StepError(msg);
}

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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value, or fails naming what was awaited. */
async function until(fn, what, timeout = STEP_TIMEOUT) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e instanceof StepError) throw e;
      last = e;
    }
    if (Date.now() > end) fail(`timed out waiting for ${what}${last ? ` (${last.message})` : ''}`);
    await sleep(100);
  }
}

async function startServer(port) {
  dataDir = mkdtempSync(join(tmpdir(), 'sentry-e2e-'));
  const args = ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir];
  log(`starting ${bin} ${args.join(' ')}`);
  // The team server's administrators (models.mjs signs them up).
  server = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SENTRY_ADMINS: ADMINS.join(',') } });
  const keep = (chunk) => {
    serverLog += chunk.toString();
    if (serverLog.length > 200_000) serverLog = serverLog.slice(-100_000);
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  let exited = null;
  server.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  server.on('error', (e) => {
    exited = { error: e };
  });
  const base = `http://127.0.0.1:${port}`;
  await until(
    async () => {
      if (exited) fail(`server exited before it was healthy: ${JSON.stringify(exited)}`);
      const res = await fetch(`${base}/health`);
      return res.status === 200;
    },
    'GET /health to answer 200',
    30_000,
  );
  return base;
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const done = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const timedOut = await Promise.race([done.then(() => false), sleep(5000).then(() => true)]);
  if (timedOut) {
    log(`server ${server.pid} did not stop on SIGTERM; killing it`);
    server.kill('SIGKILL');
    await done;
  }
}

/** Decodes quoted-printable text (soft line breaks and =XX bytes, as UTF-8). */
function decodeQP(text) {
  const bytes = [];
  const raw = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < raw.length; i++) {
    const m = raw[i] === '=' && /^[0-9A-F]{2}$/i.test(raw.slice(i + 1, i + 3));
    if (m) {
      bytes.push(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(raw[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Decodes RFC 2047 Q-encoded words in a header. */
function decodeHeader(value) {
  return value.replace(/=\?utf-8\?q\?(.*?)\?=/gi, (_, t) => decodeQP(t.replace(/_/g, ' ')));
}

function outboxDir() {
  return join(dataDir, 'outbox');
}

/** The names of the emails written so far. */
function outboxNames() {
  return new Set(existsSync(outboxDir()) ? readdirSync(outboxDir()).filter((f) => f.endsWith('.eml')) : []);
}

/** The emails to address, oldest first (file names start with the time). */
function mailsTo(address) {
  const want = address.toLowerCase();
  return [...outboxNames()].sort().flatMap((name) => {
    const text = readFileSync(join(outboxDir(), name), 'utf8');
    const split = text.indexOf('\r\n\r\n');
    const head = text.slice(0, split);
    const headers = {};
    for (const line of head.split(/\r\n(?![ \t])/)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).toLowerCase()] = decodeHeader(line.slice(i + 1).replace(/\r\n[ \t]/g, ' ').trim());
    }
    const to = (headers.to ?? '').toLowerCase();
    if (to !== want && !to.includes(`<${want}>`)) return [];
    const qp = /quoted-printable/i.test(headers['content-transfer-encoding'] ?? '');
    const body = qp ? decodeQP(text.slice(split + 4)) : text.slice(split + 4);
    return [{ name, subject: headers.subject ?? '', body }];
  });
}

/**
 * Waits for a new email to address (one not in seen) whose subject matches
 * kind, and returns the 6-digit code in it. Codes are mailed in the
 * background, so the file may come a moment after the answer.
 */
async function mailedCode(address, kind, seen) {
  return until(() => {
    const mail = mailsTo(address)
      .filter((m) => !seen.has(m.name) && kind.test(m.subject))
      .at(-1);
    if (!mail) return null;
    const code = (mail.subject + '\n' + mail.body).match(/code (?:is )?(\d{6})\b/)?.[1];
    if (!code) fail(`no code in the email ${mail.name}: ${JSON.stringify(mail.subject)}`);
    return code;
  }, `an email to ${address} matching ${kind}`);
}

const CONFIRM_MAIL = /confirm your email/i;

/** The server's administrators, one for each width of the models steps. */
const ADMINS = [`e2e-admin-wide-${Date.now()}@example.com`, `e2e-admin-narrow-${Date.now()}@example.com`];
const admin = { emails: ADMINS, outboxNames, mailedCode: (address, seen) => mailedCode(address, CONFIRM_MAIL, seen) };
const RESET_MAIL = /reset your password/i;

async function snap(page, name) {
  shot += 1;
  const file = join(outDir, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

async function run() {
  if (!bin) fail('SENTRY_BIN is not set: point it at the sentry binary (e.g. SENTRY_BIN=../bin/sentry npm run e2e)');
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) if (f.endsWith('.png')) rmSync(join(outDir, f));
  const port = await freePort();
  const base = await startServer(port);
  log(`server healthy at ${base}`);

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const screens = () => screenSteps({ browser, base, begin, until, fail, outDir, timeout: STEP_TIMEOUT, log });
  // E2E_ONLY=screens runs just the screens at both widths (quicker while working on the layout).
  if (process.env.E2E_ONLY === 'screens') {
    await screens();
    stepsDone += 1;
    return;
  }
  // E2E_ONLY=notebook-answers runs just the notebook answers at both widths.
  const notebookAnswers = () => notebookAnswerSteps({ browser, base, begin, until, fail, outDir, timeout: STEP_TIMEOUT, log });
  if (process.env.E2E_ONLY === 'notebook-answers') {
    await notebookAnswers();
    stepsDone += 1;
    return;
  }
  // E2E_ONLY=models runs just Settings → Models and the speech model list at both widths.
  const models = () => modelSteps({ browser, base, begin, until, fail, outDir, timeout: STEP_TIMEOUT, log, admin });
  if (process.env.E2E_ONLY === 'models') {
    await models();
    stepsDone += 1;
    return;
  }
  // E2E_ONLY=capture runs just the confirm step without mail, a draft's assignee and type, and the history titles at both widths.
  const captureDetails = () => captureDetailSteps({ browser, base, begin, until, fail, outDir, timeout: STEP_TIMEOUT, log });
  if (process.env.E2E_ONLY === 'capture') {
    await captureDetails();
    stepsDone += 1;
    return;
  }
  // E2E_ONLY=dashboard runs just the Dashboard's rounding, trend axis and wide layout at both widths.
  const dashboardWidths = () => dashboardWidthSteps({ browser, base, begin, until, fail, outDir, timeout: STEP_TIMEOUT });
  if (process.env.E2E_ONLY === 'dashboard') {
    await dashboardWidths();
    stepsDone += 1;
    return;
  }
  // E2E_ONLY=desktop runs just the desktop face against the desktop's own backend at both widths.
  const desktopFace = async () => (await import('./desktop.mjs')).desktopSteps({ browser, base, bin, begin, until, fail, outDir, timeout: STEP_TIMEOUT, log });
  if (process.env.E2E_ONLY === 'desktop') {
    await desktopFace();
    stepsDone += 1;
    return;
  }
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
  const serverErrors = [];
  page.on('response', (res) => {
    if (res.status() >= 500) serverErrors.push(`${res.request().method()} ${res.url()} → ${res.status()}`);
  });

  const byTestId = (id) => page.getByTestId(id);
  const item = (title) => page.getByTestId('task-item').filter({ has: page.getByTestId('task-title').getByText(title, { exact: true }) });
  const heading = page.getByRole('heading', { level: 1, name: 'Tasks', exact: true });
  const email = `e2e-${Date.now()}@example.com`;
  const password = 'correct horse battery';

  begin('open the web face');
  await page.goto(base + '/');
  await byTestId('sign-in-form').waitFor();
  await snap(page, 'sign-in');

  begin('sign up');
  await byTestId('show-sign-up').click();
  await byTestId('sign-up-form').waitFor();
  await byTestId('first-name').fill('Ada');
  await byTestId('last-name').fill('Lovelace');
  await byTestId('email').fill(email);
  await byTestId('password').fill('short');
  await byTestId('auth-submit').click();
  await until(async () => (await byTestId('auth-error').textContent())?.includes('8'), 'the short-password message');
  await byTestId('password').fill(password);
  await byTestId('auth-submit').click();
  await byTestId('verify-form').waitFor();
  if ((await byTestId('verify-email-address').textContent()).trim() !== email) fail('the confirm step names another email');
  await snap(page, 'confirm-email-step');

  begin('skip confirming the email for now');
  await byTestId('verify-skip').click();
  await heading.waitFor();
  await byTestId('verify-banner').waitFor();
  await until(async () => (await byTestId('user-name').textContent())?.trim() === 'Ada Lovelace', "the user's name in the header");
  await byTestId('tasks-empty').waitFor();
  const empty = await byTestId('tasks-empty').textContent();
  if (!empty.includes('No tasks yet')) fail(`empty state says ${JSON.stringify(empty)}`);
  await snap(page, 'signed-up');

  begin('sign out');
  await byTestId('sign-out').click();
  await byTestId('sign-in-form').waitFor();
  if ((await page.evaluate(() => localStorage.getItem('sentry.refresh_token'))) !== null) fail('storage still holds a token after sign-out');
  // What stays is only the memory of a visit, so the sign-in says "Welcome back".
  if ((await page.evaluate(() => Object.keys(localStorage).join())) !== 'sentry.signed_in_before') fail('sign-out left more than the memory of a visit');
  if (!(await page.getByText('Welcome back.').isVisible())) fail('the sign-in after a visit does not say "Welcome back."');
  await snap(page, 'signed-out');

  begin('sign up again with the same email');
  await byTestId('show-sign-up').click();
  await byTestId('first-name').fill('Ada');
  await byTestId('last-name').fill('Again');
  await byTestId('email').fill(email);
  await byTestId('password').fill(password);
  await byTestId('auth-submit').click();
  await byTestId('auth-error').waitFor();
  await snap(page, 'duplicate-email');
  await byTestId('show-sign-in').click();

  begin('sign in with a wrong password');
  await byTestId('email').fill(email);
  await byTestId('password').fill('not the password');
  await byTestId('auth-submit').click();
  const wrong = await byTestId('auth-error');
  await wrong.waitFor();
  if ((await wrong.getAttribute('role')) !== 'alert') fail('the sign-in error is not role=alert');
  await snap(page, 'wrong-password');

  begin('sign in');
  await byTestId('password').fill(password);
  await byTestId('auth-submit').click();
  await heading.waitFor();
  await snap(page, 'signed-in');

  begin('stay signed in across a reload');
  await page.reload();
  await heading.waitFor();
  await byTestId('tasks-empty').waitFor();

  begin('create a task with the n shortcut');
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('n');
  const editor = byTestId('task-editor');
  await until(() => editor.isVisible(), 'the task editor to open after pressing n');
  if ((await byTestId('task-title-input').inputValue()) !== '') fail('pressing n typed into the title field');
  await byTestId('task-title-input').fill('Write the quarterly report');
  await byTestId('task-description-input').fill('Numbers from finance first.');
  await byTestId('task-priority-input').selectOption('high');
  await byTestId('task-deadline-input').fill(localInput(addDays(new Date(), 2)));
  await byTestId('task-hours-input').fill('3');
  await byTestId('task-save').click();
  await until(async () => !(await editor.isVisible()), 'the editor to close after saving');
  await item('Write the quarterly report').waitFor();
  await snap(page, 'created');

  begin('create a meeting with the New task button');
  await byTestId('new-task').click();
  await until(() => editor.isVisible(), 'the task editor to open');
  await byTestId('task-title-input').fill('Team sync');
  await byTestId('task-type-input').selectOption('meeting');
  const start = addDays(new Date(), 1);
  start.setHours(10, 0, 0, 0);
  const end = new Date(start.getTime() + 30 * 60_000);
  await byTestId('task-start-input').fill(localInput(end));
  await byTestId('task-end-input').fill(localInput(start));
  await byTestId('task-save').click();
  await until(async () => (await byTestId('task-editor-error').textContent())?.includes('end after'), 'the end-before-start message');
  await byTestId('task-start-input').fill(localInput(start));
  await byTestId('task-end-input').fill(localInput(end));
  await byTestId('task-save').click();
  await item('Team sync').waitFor();
  await snap(page, 'meeting-created');

  begin('edit the task');
  await item('Write the quarterly report').getByTestId('task-edit').click();
  await until(() => editor.isVisible(), 'the editor to open for editing');
  if ((await byTestId('task-title-input').inputValue()) !== 'Write the quarterly report') {
    fail('the editor did not load the task');
  }
  await byTestId('task-title-input').fill('Write the Q3 report');
  await byTestId('task-priority-input').selectOption('urgent');
  await byTestId('task-save').click();
  await item('Write the Q3 report').waitFor();
  if ((await item('Write the Q3 report').getByTestId('task-priority').textContent()).trim() !== 'urgent') {
    fail('the priority change is not shown');
  }
  await snap(page, 'edited');

  begin('the edit is stored');
  await page.reload();
  await item('Write the Q3 report').waitFor();
  if ((await item('Write the quarterly report').count()) !== 0) fail('the old title is still listed after reload');

  begin('complete the task');
  await item('Write the Q3 report').getByTestId('task-complete').check();
  await until(async () => (await item('Write the Q3 report').getAttribute('data-status')) === 'done', 'the task to show as done');
  await page.reload();
  await until(async () => (await item('Write the Q3 report').getAttribute('data-status')) === 'done', 'the task to stay done after reload');
  await snap(page, 'completed');

  begin('keyboard: ? opens the shortcut help, Esc closes it');
  await page.keyboard.press('?');
  await until(() => byTestId('shortcut-help').isVisible(), 'the shortcut help');
  await snap(page, 'shortcut-help');
  await page.keyboard.press('Escape');
  await until(async () => !(await byTestId('shortcut-help').isVisible()), 'the shortcut help to close on Esc');

  begin('keyboard: j selects, x completes, x reopens');
  await page.keyboard.press('j');
  const first = page.getByTestId('task-item').first();
  await until(async () => (await first.getAttribute('aria-current')) === 'true', 'j to select the first task');
  const firstTitle = (await first.getByTestId('task-title').textContent()).trim();
  const before = await first.getAttribute('data-status');
  await page.keyboard.press('x');
  const saved = async () => !(await item(firstTitle).getByTestId('task-complete').isDisabled());
  await until(async () => (await item(firstTitle).getAttribute('data-status')) !== before && (await saved()), 'x to toggle the selected task');
  await page.keyboard.press('x');
  await until(async () => (await item(firstTitle).getAttribute('data-status')) === before, 'x to toggle it back');
  await snap(page, 'keyboard-selection');

  begin('keyboard: / focuses search, and search filters the list');
  await page.keyboard.press('/');
  await until(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'task-search'), '/ to focus the search box');
  await page.keyboard.type('sync');
  if (await editor.isVisible()) fail('typing "n" in the search box opened the editor');
  await until(async () => (await page.getByTestId('task-item').count()) === 1 && (await item('Team sync').count()) === 1, 'search to leave only "Team sync"');
  await snap(page, 'search');
  await byTestId('task-search').fill('');
  await until(async () => (await page.getByTestId('task-item').count()) === 2, 'both tasks after clearing the search');

  begin('delete the task, then undo');
  await item('Write the Q3 report').getByTestId('task-delete').click();
  await until(async () => (await item('Write the Q3 report').count()) === 0, 'the deleted task to leave the list');
  const undo = byTestId('toast-action');
  await undo.waitFor();
  await snap(page, 'deleted');
  await undo.click();
  await item('Write the Q3 report').waitFor();
  const restored = item('Write the Q3 report');
  if ((await restored.getAttribute('data-status')) !== 'done') fail('the restored task lost its status');
  if ((await restored.getByTestId('task-priority').textContent()).trim() !== 'urgent') fail('the restored task lost its priority');
  await snap(page, 'undone');

  begin('delete with the Delete key; it stays gone');
  await item('Write the Q3 report').getByTestId('task-title').click();
  await until(async () => (await item('Write the Q3 report').getAttribute('aria-current')) === 'true', 'a click to select the task');
  await page.keyboard.press('Delete');
  await until(async () => (await item('Write the Q3 report').count()) === 0, 'Delete to remove the selected task');
  await page.reload();
  await item('Team sync').waitFor();
  if ((await item('Write the Q3 report').count()) !== 0) fail('the deleted task came back after reload');
  await snap(page, 'deleted-for-good');

  begin('desktop face: the local profile signs in by itself');
  // Only the desktop's in-process handler serves local-session; here the
  // browser is handed a real session for it, as the desktop would give.
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) fail(`POST /api/auth/login answered ${login.status}`);
  const localSession = await login.text();
  // What the desktop hands out is its local profile.
  const localBody = JSON.stringify({ ...JSON.parse(localSession), user: { ...JSON.parse(localSession).user, is_local: true } });
  const desktop = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  // Stands in for the app's bound calls (window.go.main.Desktop): the browser
  // sign-in to a team server takes a moment, and a machine with no keyring is refused.
  await desktop.addInitScript(() => {
    let connectedTo = '';
    window.go = {
      main: {
        Desktop: {
          TeamServerStatus: async () => ({ server: connectedTo, connected: connectedTo !== '' }),
          ConnectTeamServer: (server, provider) =>
            new Promise((resolve, reject) => {
              window.__teamConnect = { server, provider };
              setTimeout(() => {
                if (server.includes('no-keyring')) {
                  reject({ code: 'invalid', message: 'No OS keyring to keep the sign-in in: install and unlock gnome-keyring or KWallet.' });
                  return;
                }
                connectedTo = server;
                resolve({ server, connected: true, user_id: 'team-user' });
              }, 700);
            }),
          DisconnectTeamServer: async () => {
            connectedTo = '';
          },
        },
      },
    };
  });
  const desktopPage = await desktop.newPage();
  desktopPage.setDefaultTimeout(STEP_TIMEOUT);
  desktopPage.on('pageerror', (e) => pageErrors.push(e.message));
  let localCalls = 0;
  await desktopPage.route('**/api/auth/local-session', (route) => {
    localCalls += 1;
    return route.fulfill({ status: 200, contentType: 'application/json', body: localBody });
  });
  await desktopPage.goto(base + '/');
  await desktopPage.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
  await desktopPage.getByTestId('task-item').filter({ hasText: 'Team sync' }).waitFor();
  if (localCalls !== 1) fail(`expected one local-session call, saw ${localCalls}`);
  if ((await desktopPage.getByTestId('sign-in-form').count()) !== 0) fail('the sign-in screen showed on the desktop face');
  if ((await desktopPage.getByTestId('sign-out').count()) !== 0) fail('the desktop face offers Sign out');
  if ((await desktopPage.evaluate(() => localStorage.length)) !== 0) fail('the desktop face stored a token');
  if ((await desktopPage.getByTestId('verify-banner').count()) !== 0) fail('the local profile is asked to confirm an email');
  await snap(desktopPage, 'desktop-face');

  begin('desktop face: settings of the local profile');
  await desktopPage.getByTestId('settings-link').click();
  await desktopPage.getByTestId('settings-page').waitFor();
  await desktopPage.getByTestId('device-sessions').waitFor();
  if ((await desktopPage.getByTestId('password-settings').count()) !== 0) fail('the local profile is offered a password change');
  const team = desktopPage.getByTestId('team-server-settings');
  await team.getByTestId('team-server-form').waitFor();
  await team.getByTestId('team-server-url').fill('https://no-keyring.example.com');
  await team.getByTestId('team-server-connect').click();
  await team.getByTestId('team-server-waiting').waitFor();
  await until(async () => (await team.getByTestId('team-server-error').textContent())?.includes('gnome-keyring'), 'the keyring message');
  await team.getByTestId('team-server-url').fill('https://sentry.example.com');
  await team.getByTestId('team-server-provider').selectOption('google');
  await team.getByTestId('team-server-connect').click();
  await team.getByTestId('team-server-waiting').waitFor();
  if (!(await team.getByTestId('team-server-waiting').textContent()).includes('Finish signing in in your browser')) fail('the waiting state does not say where to sign in');
  await snap(desktopPage, 'desktop-team-server-waiting');
  await until(async () => (await team.getByTestId('team-server-address').count()) === 1, 'the connected team server');
  if ((await team.getByTestId('team-server-address').textContent()).trim() !== 'https://sentry.example.com') fail('another server is shown as connected');
  const asked = await desktopPage.evaluate(() => window.__teamConnect);
  if (asked?.server !== 'https://sentry.example.com' || asked?.provider !== 'google') fail(`the app was asked to connect with ${JSON.stringify(asked)}`);
  await snap(desktopPage, 'desktop-team-server');
  await team.getByTestId('team-server-disconnect').click();
  await team.getByTestId('team-server-form').waitFor();
  await desktopPage.getByTestId('delete-start').click();
  if (!(await desktopPage.getByTestId('delete-form').textContent()).includes('DELETE')) fail('the local profile is not asked to type DELETE');
  await desktopPage.getByTestId('delete-confirm').fill(email);
  if (!(await desktopPage.getByTestId('delete-submit').isDisabled())) fail('typing the email unlocked deleting the local profile');
  await snap(desktopPage, 'desktop-settings');
  await desktopPage.getByTestId('delete-confirm').press('Escape');
  await desktopPage.keyboard.press('Escape');
  await desktopPage.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
  await desktop.close();

  begin('filters and Load more against many tasks');
  const { access_token: token, user: me } = JSON.parse(localSession);
  const post = (body) =>
    fetch(`${base}/api/tasks/${me.id}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }).then((r) => {
      if (r.status !== 201) fail(`creating a task through the API answered ${r.status}`);
    });
  for (let i = 1; i <= 52; i++) {
    await post({ title: `Bulk task ${i}`, status: i % 10 === 0 ? 'done' : 'todo' });
  }
  await post({ title: 'Late invoice', deadline: new Date(Date.now() - 86_400_000).toISOString() });
  await post({ title: 'Due in three days', deadline: new Date(Date.now() + 3 * 86_400_000).toISOString() });
  await post({ title: 'Due next month', deadline: new Date(Date.now() + 30 * 86_400_000).toISOString() });
  // The list stays on screen, dimmed, while a new filter loads.
  const settled = async () =>
    (await page.locator('[data-testid=task-list][aria-busy=true], [data-testid=tasks-loading]').count()) === 0;
  await page.reload();
  await item('Due next month').waitFor();
  const pageOne = await page.getByTestId('task-item').count();
  if (pageOne !== 50) fail(`the first page shows ${pageOne} tasks, expected 50`);
  await byTestId('load-more').click();
  await until(async () => (await page.getByTestId('task-item').count()) === 56, 'Load more to show all 56 tasks');
  if ((await byTestId('load-more').count()) !== 0) fail('Load more is still offered after the last page');
  await byTestId('filter-status').selectOption('done');
  await until(async () => {
    const statuses = await page.getByTestId('task-item').evaluateAll((els) => els.map((e) => e.dataset.status));
    return (await settled()) && statuses.length === 5 && statuses.every((st) => st === 'done');
  }, 'the Done filter to show the 5 done tasks');
  await byTestId('filter-status').selectOption('all');
  await byTestId('view-overdue').click();
  await until(async () => (await settled()) && (await page.getByTestId('task-item').count()) === 1 && (await item('Late invoice').count()) === 1, 'the Overdue view to show only "Late invoice"');
  await snap(page, 'overdue-filter');
  await byTestId('view-upcoming').click();
  await until(
    async () => (await settled()) && JSON.stringify(await byTestId('task-title').allTextContents()) === JSON.stringify(['Due in three days', 'Due next month']),
    'Upcoming to show the two later tasks, soonest first',
  );
  await byTestId('view-any').click();
  await until(async () => (await settled()) && (await page.getByTestId('task-item').count()) === 50, 'the first page again');
  await byTestId('task-search').fill('no such words anywhere');
  await until(async () => (await byTestId('tasks-empty').textContent())?.includes('No tasks match'), 'the filtered empty state');

  await byTestId('task-search').fill('');

  begin('confirm the email from the banner, with a new code');
  await byTestId('verify-banner-confirm').click();
  const confirmDialog = byTestId('confirm-email-dialog');
  await until(() => confirmDialog.isVisible(), 'the confirm-email dialog');
  let seen = outboxNames();
  await confirmDialog.getByTestId('verify-resend').click();
  await confirmDialog.getByTestId('verify-note').waitFor();
  const bannerCode = await mailedCode(email, CONFIRM_MAIL, seen);
  await confirmDialog.getByTestId('verify-code').fill(bannerCode);
  await snap(page, 'confirm-from-banner');
  await confirmDialog.getByTestId('verify-submit').click();
  await until(async () => !(await confirmDialog.isVisible()), 'the dialog to close once confirmed');
  await until(async () => (await byTestId('verify-banner').count()) === 0, 'the banner to go');

  begin('sign out before the second account');
  await byTestId('sign-out').click();
  await byTestId('sign-in-form').waitFor();
  if ((await byTestId('providers').count()) !== 0) fail('provider buttons show on a server with no providers set up');

  begin('sign up and confirm the email with the mailed code');
  const email2 = `e2e-confirm-${Date.now()}@example.com`;
  const password2 = 'tide pool lantern';
  seen = outboxNames();
  await byTestId('show-sign-up').click();
  await byTestId('first-name').fill('Grace');
  await byTestId('last-name').fill('Brewster');
  await byTestId('email').fill(email2);
  await byTestId('password').fill(password2);
  await byTestId('auth-submit').click();
  await byTestId('verify-form').waitFor();
  const code2 = await mailedCode(email2, CONFIRM_MAIL, seen);
  const wrongCode = code2 === '000000' ? '111111' : '000000';
  await byTestId('verify-code').fill(wrongCode);
  await byTestId('verify-submit').click();
  await byTestId('verify-error').waitFor();
  if ((await byTestId('verify-code').getAttribute('aria-invalid')) !== 'true') fail('the wrong code is not marked');
  if (!(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'verify-code'))) fail('the code field does not have focus after a wrong code');
  await snap(page, 'wrong-code');
  await byTestId('verify-code').fill(`${code2.slice(0, 3)} ${code2.slice(3)}`);
  await byTestId('verify-submit').click();
  await heading.waitFor();
  await until(async () => (await byTestId('user-name').textContent())?.trim() === 'Grace Brewster', 'the new name in the header');
  if ((await byTestId('verify-banner').count()) !== 0) fail('the banner shows after confirming');
  await snap(page, 'confirmed');

  begin('forgot password: ask for a code');
  await byTestId('sign-out').click();
  await byTestId('sign-in-form').waitFor();
  await byTestId('email').fill(email2);
  await byTestId('show-forgot').click();
  await byTestId('forgot-form').waitFor();
  if ((await byTestId('forgot-email').inputValue()) !== email2) fail('the reset form did not take the email');
  seen = outboxNames();
  await byTestId('forgot-submit').click();
  await byTestId('reset-form').waitFor();
  const forgotNote = (await byTestId('forgot-note').textContent()).trim();
  if (!forgotNote) fail('the reset form shows no message');
  await snap(page, 'forgot-password');

  begin('reset the password with the mailed code');
  const resetCode = await mailedCode(email2, RESET_MAIL, seen);
  const password3 = 'harbour kite ledger';
  await byTestId('reset-code').fill(resetCode);
  await byTestId('reset-password').fill(password3);
  await byTestId('reset-submit').click();
  await byTestId('sign-in-form').waitFor();
  await byTestId('auth-success').waitFor();
  if ((await byTestId('email').inputValue()) !== email2) fail('sign-in lost the email after the reset');
  await snap(page, 'password-reset');

  begin('the old password no longer works');
  await byTestId('password').fill(password2);
  await byTestId('auth-submit').click();
  await byTestId('auth-error').waitFor();
  await snap(page, 'old-password-refused');

  begin('sign in with the new password');
  await byTestId('password').fill(password3);
  await byTestId('auth-submit').click();
  await heading.waitFor();

  // Capture, with an account that has no tasks yet.
  begin('capture: c opens the Capture screen');
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('c');
  await byTestId('capture-page').waitFor();
  if ((await byTestId('capture-link').getAttribute('aria-current')) !== 'page') fail('the Capture tab is not marked as the current page');
  await byTestId('history-empty').waitFor();
  if (!(await byTestId('capture-review').isChecked())) fail('"Review before adding" is not on by default');
  await snap(page, 'capture');

  begin('capture: paste a meeting transcript for review');
  const transcript = "Alice: Bob, please send the budget report by Friday.\nBob: Sure. I'll also book the room for Tuesday's review.";
  await byTestId('capture-text').fill(transcript);
  await byTestId('capture-kind').selectOption('meeting_transcript');
  const textRequest = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/extract/text'));
  await byTestId('capture-submit').click();
  const sentText = (await textRequest).postDataJSON();
  if (sentText.text !== transcript || sentText.review !== true || sentText.kind !== 'meeting_transcript') fail(`the text went as ${JSON.stringify(sentText)}`);
  const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  if (sentText.timezone !== browserZone) fail(`the time zone sent was ${sentText.timezone}, the browser's is ${browserZone}`);
  const runs = page.getByTestId('capture-run');
  const textRun = runs.first();
  await until(async () => (await textRun.getAttribute('data-status')) === 'done', 'the text run to finish');
  const textRunId = await textRun.getAttribute('data-run-id');
  const found = textRun.getByTestId('extracted-item');
  const foundCount = await found.count();
  const capturedTitles = [];
  if (foundCount === 0) {
    // The engine found nothing: the run still ends, and the empty state says how to help it.
    const emptyText = await textRun.getByTestId('run-empty').textContent();
    if (!emptyText.includes('No tasks or meetings found') || !emptyText.includes('who does what')) fail(`the empty run says ${JSON.stringify(emptyText)}`);
    if ((await byTestId('capture-text').inputValue()) !== transcript) fail('the text that gave nothing was not kept to reword');
    log('note: the engine found no tasks in the transcript; the review steps are skipped');
    await snap(page, 'capture-nothing-found');
  } else {
    const drafts = textRun.locator('[data-testid=extracted-item][data-status=draft]');
    if ((await drafts.count()) < 2) fail(`review was on but ${await drafts.count()} of ${foundCount} items are drafts; the transcript holds two`);
    for (const d of await drafts.all()) {
      const sentence = (await d.getByTestId('item-evidence').locator('blockquote').textContent()).trim();
      if (!sentence || !transcript.includes(sentence)) fail(`a draft's evidence ${JSON.stringify(sentence)} is not from the transcript`);
    }
    if ((await byTestId('capture-text').inputValue()) !== '') fail('the text box kept the text that was turned into drafts');
    // Focus moved from the text box to what was found.
    await until(
      () => page.evaluate(() => !!document.activeElement?.closest('[data-testid=capture-results]')),
      'focus to move to the results',
    );
    await snap(page, 'capture-drafts');

    begin('capture: a accepts the selected draft, r rejects the next');
    const byKey = (k) => page.locator(`[data-testid=extracted-item][data-item-key="${k}"]`);
    const firstDraft = drafts.first();
    await until(async () => (await firstDraft.getAttribute('aria-current')) === 'true', 'the first draft to be selected');
    const acceptKey = await firstDraft.getAttribute('data-item-key');
    const acceptedTitle = (await firstDraft.getByTestId('item-title').textContent()).trim();
    await page.keyboard.press('a');
    await until(async () => (await byKey(acceptKey).getAttribute('data-status')) === 'accepted', 'a to accept the selected draft');
    const next = textRun.locator('[data-testid=extracted-item][aria-current=true]');
    await until(async () => (await next.getAttribute('data-status')) === 'draft', 'the selection to move to the next draft');
    const rejectKey = await next.getAttribute('data-item-key');
    const rejectedTitle = (await next.getByTestId('item-title').textContent()).trim();
    await page.keyboard.press('r');
    await until(async () => (await byKey(rejectKey).getAttribute('data-status')) === 'rejected', 'r to reject it');
    if ((await byKey(acceptKey).getByTestId('item-open-task').count()) !== 1) fail('the accepted item has no link to its task');
    await snap(page, 'capture-reviewed');

    begin('capture: the accepted draft is a task');
    await byKey(acceptKey).getByTestId('item-open-task').click();
    await heading.waitFor();
    await until(async () => (await item(acceptedTitle).getAttribute('aria-current')) === 'true', `"${acceptedTitle}" to be selected in Tasks`);
    if ((await item(rejectedTitle).count()) !== 0) fail('the rejected draft became a task');
    capturedTitles.push(acceptedTitle);
    await snap(page, 'capture-accepted-in-tasks');

    begin('capture: the same transcript again: a duplicate, and edit then accept');
    await page.keyboard.press('c');
    await byTestId('capture-page').waitFor();
    if ((await runs.first().getAttribute('data-run-id')) !== textRunId) fail('the earlier run left the screen while away');
    await byTestId('capture-text').fill(transcript);
    await byTestId('capture-submit').click();
    const again = runs.first();
    await until(async () => (await again.getAttribute('data-run-id')) !== textRunId && (await again.getAttribute('data-status')) === 'done', 'the second run to finish');
    const dup = again.locator('[data-testid=extracted-item][data-status=duplicate]');
    await until(async () => (await dup.count()) >= 1, 'the accepted task to be flagged as a likely duplicate');
    const dupNote = await dup.first().getByTestId('item-duplicate-note').textContent();
    if (!dupNote.includes('Looks like an existing task')) fail(`the duplicate says ${JSON.stringify(dupNote)}`);
    const redraft = again.locator('[data-testid=extracted-item][data-status=draft]').first();
    await redraft.getByTestId('item-title').click();
    await page.keyboard.press('e');
    await byTestId('draft-editor').waitFor();
    if ((await byTestId('draft-title').inputValue()) !== rejectedTitle) fail('the editor did not start from the draft');
    await byTestId('draft-title').fill('');
    await byTestId('draft-save').click();
    await byTestId('draft-error').waitFor();
    const editedTitle = 'Book the review room';
    await byTestId('draft-title').fill(editedTitle);
    await byTestId('draft-priority').selectOption('high');
    await snap(page, 'capture-edit');
    const acceptRequest = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/accept'));
    await byTestId('draft-save').click();
    const edited = (await acceptRequest).postDataJSON();
    if (edited?.title !== editedTitle || edited?.priority !== 'high') fail(`the edit went as ${JSON.stringify(edited)}`);
    await until(async () => (await again.locator('[data-testid=extracted-item][data-status=accepted]').count()) === 1 && (await byTestId('draft-editor').count()) === 0, 'the edited draft to be accepted');
    capturedTitles.push(editedTitle);
    await dup.first().getByTestId('item-add-anyway').click();
    await until(async () => (await again.locator('[data-testid=extracted-item][data-status=accepted]').count()) === 2, '"Add anyway" to add the duplicate');
    await snap(page, 'capture-duplicate');
  }

  begin('capture: drop a .txt file, added without review');
  filesDir = mkdtempSync(join(tmpdir(), 'sentry-e2e-files-'));
  const notePath = join(filesDir, 'project-notes.txt');
  writeFileSync(notePath, 'Project notes\n\nCarol will update the project plan by Monday.\n');
  const noteText = readFileSync(notePath, 'utf8');
  const dropped = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'project-notes.txt', { type: 'text/plain' }));
    return dt;
  }, noteText);
  await byTestId('file-drop').dispatchEvent('dragover', { dataTransfer: dropped });
  await byTestId('file-drop').dispatchEvent('drop', { dataTransfer: dropped });
  const entry = page.locator('[data-testid=file-entry][data-name="project-notes.txt"]');
  await entry.waitFor();
  if (!(await entry.textContent()).includes('Document')) fail('the dropped .txt is not taken as a document');
  await byTestId('files-review').uncheck();
  await snap(page, 'capture-file-queued');
  const uploadRequest = page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/api/extract/'));
  await byTestId('files-submit').click();
  const uploadUrl = new URL((await uploadRequest).url());
  if (uploadUrl.pathname !== '/api/extract/document' || uploadUrl.searchParams.get('review') !== 'false' || uploadUrl.searchParams.get('timezone') !== browserZone) {
    fail(`the file went to ${uploadUrl.pathname}${uploadUrl.search}`);
  }
  const fileRun = runs.filter({ has: page.getByTestId('run-title').getByText('project-notes.txt', { exact: true }) });
  await until(async () => ['done', 'failed', 'error'].includes(await fileRun.getAttribute('data-status')), 'the file run to end', 30_000);
  if ((await fileRun.getAttribute('data-status')) !== 'done') fail(`the file run ended ${await fileRun.getAttribute('data-status')}: ${await fileRun.textContent()}`);
  const fileItems = fileRun.getByTestId('extracted-item');
  for (const it of await fileItems.all()) {
    const st = await it.getAttribute('data-status');
    if (st !== 'created' && st !== 'duplicate') fail(`with review off an item is ${st}`);
    if (st === 'created') capturedTitles.push((await it.getByTestId('item-title').textContent()).trim());
  }
  if ((await fileItems.count()) === 0 && !(await fileRun.getByTestId('run-empty').textContent()).includes('in this file')) fail('the empty file run does not say so');
  await snap(page, 'capture-file-done');

  begin('capture: the document view shows the text with the evidence highlighted');
  const notedItem = fileItems.first();
  if ((await fileItems.count()) === 0) fail('the .txt run found nothing to show in its text');
  const notedTitle = (await notedItem.getByTestId('item-title').textContent()).trim();
  await notedItem.getByTestId('item-show-evidence').click();
  const docView = byTestId('document-view');
  await docView.waitFor();
  await until(async () => (await docView.getByTestId('document-evidence').count()) >= 1, 'the evidence to be highlighted in the text');
  if (!(await byTestId('document-text').textContent()).includes('Project notes')) fail('the document view does not show the file text');
  const current = docView.locator('[data-testid=document-evidence].current');
  await current.waitFor();
  if (!(await current.textContent()).includes('Carol will update the project plan by Monday')) fail(`the highlighted evidence reads ${JSON.stringify(await current.textContent())}`);
  if ((await current.getAttribute('aria-label')).indexOf(notedTitle) < 0) fail('the highlight does not name its task');
  const docTask = docView.getByTestId('document-task').first();
  if ((await docTask.getAttribute('aria-pressed')) !== 'true') fail('the task whose evidence was opened is not selected in the document view');
  await snap(page, 'capture-document-view');
  // Selecting from the highlight, with the keyboard.
  await docView.getByTestId('document-evidence').first().focus();
  await page.keyboard.press('Enter');
  if ((await docTask.getAttribute('aria-pressed')) !== 'true') fail('Enter on a highlight does not select its task');
  await page.keyboard.press('Escape');
  await docView.waitFor({ state: 'detached' });
  if ((await byTestId('capture-page').count()) !== 1) fail('Esc in the document view left the Capture screen');

  begin('capture: a folder adds the files it can read and says what it skipped');
  const folder = join(filesDir, 'meeting-folder');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  writeFileSync(join(folder, 'agenda.md'), '# Agenda\n\nDan will share the slides tomorrow.\n');
  writeFileSync(join(folder, 'sub', 'notes.txt'), 'Eve will call the venue.\n');
  writeFileSync(join(folder, 'installer.exe'), Buffer.from('MZ\x90\x00', 'latin1'));
  await byTestId('folder-input').setInputFiles(folder);
  await page.locator('[data-testid=file-entry][data-name="agenda.md"]').waitFor();
  await page.locator('[data-testid=file-entry][data-name="notes.txt"]').waitFor();
  if ((await page.locator('[data-testid=file-entry][data-name="installer.exe"]').count()) !== 0) fail('the unreadable file of the folder was queued');
  const skippedNoteText = await byTestId('file-skipped').textContent();
  if (!skippedNoteText.includes('installer.exe')) fail(`the skipped note reads ${JSON.stringify(skippedNoteText)}`);
  await snap(page, 'capture-folder');
  while ((await page.getByTestId('file-remove').count()) > 0) await page.getByTestId('file-remove').first().click();

  begin('capture: an unsupported file is refused at the drop, with the reason, and never sent');
  const exePath = join(filesDir, 'setup.exe');
  writeFileSync(exePath, Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(2048, 0x4d)]));
  let exeSent = false;
  const onExe = (r) => {
    if (r.method() === 'POST' && r.url().includes('/api/extract/') && r.postDataBuffer()?.includes('setup.exe')) exeSent = true;
  };
  page.on('request', onExe);
  await byTestId('file-input').setInputFiles(exePath);
  const refusedNote = page.locator('[data-testid=file-refused] li[data-name="setup.exe"]');
  await refusedNote.waitFor();
  if (!/does not read \.exe files\. It reads documents/.test(await refusedNote.textContent())) fail(`the refusal says ${JSON.stringify(await refusedNote.textContent())}`);
  if ((await page.locator('[data-testid=file-entry][data-name="setup.exe"]').count()) !== 0) fail('the .exe was queued anyway');
  await snap(page, 'capture-unsupported');
  page.off('request', onExe);
  if (exeSent) fail('the refused file was sent');

  begin('capture: a recording without a speech model says what to install');
  const wavPath = join(filesDir, 'voice-memo.wav');
  writeFileSync(wavPath, silentWav(1));
  await byTestId('file-input').setInputFiles(wavPath);
  await byTestId('files-submit').click();
  const wavRun = runs.filter({ has: page.getByTestId('run-title').getByText('voice-memo.wav', { exact: true }) });
  await until(async () => ['done', 'failed', 'error'].includes(await wavRun.getAttribute('data-status')), 'the recording run to end', 30_000);
  const wavStatus = await wavRun.getAttribute('data-status');
  if (wavStatus === 'failed') {
    const why = (await wavRun.getByTestId('run-error').textContent()).trim();
    if (!why.includes('Could not finish') || !/install|model/i.test(why)) fail(`the failed recording says ${JSON.stringify(why)}`);
  } else if (wavStatus !== 'done') {
    fail(`the recording run ended ${wavStatus}: ${await wavRun.textContent()}`);
  }
  await snap(page, 'capture-recording');

  begin('capture: history lists the runs, newest first, and opens one');
  const history = page.getByTestId('history-item');
  const expectedRuns = foundCount === 0 ? 3 : 4; // text (twice when reviewed), the .txt and the recording
  await until(async () => (await history.count()) === expectedRuns, `${expectedRuns} runs in the history`);
  if (textRunId && (await history.last().getAttribute('data-run-id')) !== textRunId) fail('the first run is not the last in the history');
  await until(async () => (await byTestId('capture-history').textContent()).includes('project-notes.txt'), 'the history to name the uploaded file');
  await runs.first().getByTestId('run-dismiss').waitFor();
  while ((await page.getByTestId('run-dismiss').count()) > 0) await page.getByTestId('run-dismiss').first().click();
  if ((await runs.count()) !== 0) fail('closing the runs left some on screen');
  await history.last().click();
  await until(async () => (await runs.count()) === 1 && (await runs.first().getAttribute('data-run-id')) === textRunId, 'the first run to open from the history');
  if (foundCount > 0 && (await runs.first().locator('[data-status=accepted], [data-status=rejected]').count()) !== 2) fail('the reopened run lost its review');
  await snap(page, 'capture-history');
  const fileHistory = history.filter({ hasText: 'project-notes.txt' });
  await fileHistory.locator('xpath=..').getByTestId('history-open-document').click();
  await byTestId('document-view').waitFor();
  await until(async () => (await byTestId('document-evidence').count()) >= 1, 'the history run\'s evidence to be highlighted');
  if ((await byTestId('document-view').getByRole('heading').first().textContent()).trim() !== 'project-notes.txt') fail('the document view from the history is not named after its file');
  await snap(page, 'capture-history-document');
  await byTestId('document-close').click();
  await byTestId('document-view').waitFor({ state: 'detached' });

  begin('capture: Esc goes back to the tasks, which hold what was captured');
  await page.keyboard.press('Escape');
  await heading.waitFor();
  for (const t of capturedTitles) {
    await until(async () => (await item(t).count()) >= 1, `"${t}" in Tasks`);
  }
  await snap(page, 'capture-tasks');

  begin('notebooks: b opens the Notebooks screen; create a notebook');
  await page.keyboard.press('b');
  await byTestId('notebooks-page').waitFor();
  await byTestId('notebook-name').fill('Launch plans');
  await byTestId('notebook-create-submit').click();
  await byTestId('notebook-view').waitFor();
  if ((await byTestId('notebook-title').textContent()).trim() !== 'Launch plans') fail('the new notebook is not open');
  await snap(page, 'notebook-created');

  begin('notebooks: upload a Markdown file and wait until it is ready');
  const launchPath = join(filesDir, 'launch.md');
  writeFileSync(launchPath, '# Launch\n\nPriya owns the press release. The launch is on 14 March.\n');
  const nbUpload = page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/notebooks\/[^/]+\/upload$/.test(new URL(r.url()).pathname));
  await byTestId('notebook-file-input').setInputFiles(launchPath);
  if ((await nbUpload).status() !== 202) fail(`the notebook upload answered ${(await nbUpload).status()}`);
  const launchDoc = page.locator('[data-testid=notebook-document][data-name="launch.md"]');
  await launchDoc.waitFor();
  await until(async () => ['ready', 'failed'].includes(await launchDoc.getAttribute('data-status')), 'launch.md to be indexed', 30_000);
  if ((await launchDoc.getAttribute('data-status')) !== 'ready') fail(`launch.md ended ${await launchDoc.textContent()}`);
  await snap(page, 'notebook-document-ready');

  begin('notebooks: an empty question is refused with its message');
  await byTestId('notebook-ask').click();
  await byTestId('notebook-chat-error').waitFor();
  if ((await byTestId('notebook-query').getAttribute('aria-invalid')) !== 'true') fail('the empty query is not marked');

  begin('notebooks: ask, get an answer with a citation, open the passage');
  await byTestId('notebook-query').fill('Who owns the press release?');
  const chatResponse = page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/notebooks\/[^/]+\/chat$/.test(new URL(r.url()).pathname));
  await byTestId('notebook-ask').click();
  const chatRes = await chatResponse;
  if (!(chatRes.request().headers()['accept'] || '').includes('text/event-stream')) fail('the question was not asked for a streamed answer');
  if (!(chatRes.headers()['content-type'] || '').includes('text/event-stream')) fail(`the answer came as ${chatRes.headers()['content-type']}, not a stream`);
  const nbAnswer = byTestId('notebook-answer').last();
  await nbAnswer.waitFor();
  if (!(await nbAnswer.textContent()).includes('Priya')) fail(`the answer does not name Priya: ${await nbAnswer.textContent()}`);
  const chip = byTestId('notebook-message').last().getByTestId('citation-chip').first();
  if ((await chip.count()) === 0) fail('the answer has no citation');
  await snap(page, 'notebook-answer');
  await chip.click();
  await byTestId('citation-panel').waitFor();
  if (!(await byTestId('citation-text').textContent()).includes('Priya owns the press release')) fail('the cited passage is not shown');
  if ((await byTestId('citation-file').textContent()).trim() !== 'launch.md') fail('the cited file name is not shown');
  await snap(page, 'notebook-citation');
  if ((await byTestId('notebook-answer').last().getAttribute('data-streaming')) !== null) fail('the answer still shows as streaming');
  // The original file, fetched with the access token: a download, or a clear message where the server has none.
  const downloaded = page.waitForEvent('download').then((d) => ({ d }), () => null);
  const refusedFile = byTestId('citation-file-error').waitFor().then(() => ({ error: true }), () => null);
  await byTestId('citation-open-file').click();
  const outcome = await Promise.race([downloaded, refusedFile]);
  if (!outcome) fail('opening the original gave neither the file nor a message');
  if (outcome.error) {
    log(`original file: ${(await byTestId('citation-file-error').textContent()).trim()}`);
  } else if (outcome.d.suggestedFilename() !== 'launch.md') {
    fail(`the original came as ${outcome.d.suggestedFilename()}`);
  }
  await page.keyboard.press('Escape');
  await byTestId('citation-panel').waitFor({ state: 'detached' });
  if ((await byTestId('notebooks-page').count()) !== 1) fail('Esc on the passage left the Notebooks screen');

  begin('notebooks: a PDF citation opens at its page');
  const pdfPath = join(here, '..', '..', 'backend', 'docparse', 'testdata', 'libreoffice-3pages.pdf');
  await byTestId('notebook-file-input').setInputFiles(pdfPath);
  const pdfDoc = page.locator('[data-testid=notebook-document][data-name="libreoffice-3pages.pdf"]');
  await pdfDoc.waitFor();
  await until(async () => ['ready', 'failed'].includes(await pdfDoc.getAttribute('data-status')), 'the PDF to be indexed', 30_000);
  if ((await pdfDoc.getAttribute('data-status')) !== 'ready') fail(`the PDF ended ${await pdfDoc.textContent()}`);
  await byTestId('notebook-query').fill('Who must review the contract?');
  await byTestId('notebook-ask').click();
  await until(async () => (await byTestId('notebook-answer').last().textContent()).includes('Carol') && (await byTestId('notebook-answer').last().getAttribute('data-streaming')) === null, 'the answer about the contract');
  const pdfCite = byTestId('notebook-message').last().getByTestId('citation-item').filter({ hasText: 'libreoffice-3pages.pdf' }).first();
  if ((await pdfCite.count()) === 0) fail('the answer does not cite the PDF');
  if (!(await pdfCite.textContent()).includes('p. 3')) fail(`the PDF citation names ${JSON.stringify(await pdfCite.textContent())}, not page 3`);
  await pdfCite.click();
  await byTestId('citation-panel').waitFor();
  if (!(await byTestId('citation-where').textContent()).includes('page 3')) fail('the cited page is not named');
  // The page image where the server renders pages; else the passage alone.
  await until(async () => (await byTestId('citation-page-image').count()) > 0 || !(await byTestId('citation-panel').textContent()).includes('Loading page'), 'the page image or the passage alone');
  if ((await byTestId('citation-page-image').count()) > 0) {
    await until(async () => await byTestId('citation-page-image').evaluate((img) => img.complete && img.naturalWidth > 0), 'the page image to load');
    log('cited page shown as an image');
  } else {
    log('no page image from this server: the passage is shown');
  }
  if (!(await byTestId('citation-text').textContent()).includes('Carol must review the contract')) fail('the cited PDF passage is not shown');
  await snap(page, 'notebook-pdf-citation');

  begin('notebooks: the conversation is there again after reopening; delete a notebook; Esc goes back');
  await byTestId('notebooks-back').click();
  await page.locator('[data-testid=notebook-item][data-name="Launch plans"]').getByTestId('notebook-open').click();
  await until(async () => (await byTestId('notebook-answer').count()) >= 1, 'the stored conversation');
  await byTestId('notebooks-back').click();
  await byTestId('notebook-name').fill('Scratch');
  await byTestId('notebook-create-submit').click();
  await byTestId('notebook-view').waitFor();
  await byTestId('notebooks-back').click();
  const scratch = page.locator('[data-testid=notebook-item][data-name="Scratch"]');
  await scratch.getByTestId('notebook-delete').click();
  await scratch.getByTestId('notebook-delete-confirm').click();
  await scratch.waitFor({ state: 'detached' });
  if ((await page.locator('[data-testid=notebook-item][data-name="Launch plans"]').count()) !== 1) fail('deleting one notebook took another');
  await snap(page, 'notebook-list');
  await page.keyboard.press('Escape');
  await heading.waitFor();

  begin('settings: change the name');
  await byTestId('settings-link').click();
  await byTestId('settings-page').waitFor();
  if ((await byTestId('profile-email').textContent()).trim() !== email2) fail('settings show another email');
  await byTestId('email-confirmed').waitFor();
  await byTestId('profile-first-name').fill('Grace');
  await byTestId('profile-last-name').fill('Hopper');
  await byTestId('profile-save').click();
  await until(async () => (await byTestId('user-name').textContent())?.trim() === 'Grace Hopper', 'the changed name in the header');
  await snap(page, 'settings-name');

  begin('settings: devices, and signing one out');
  // A second device: the same account signed in from elsewhere.
  const other = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; rv:133.0) Gecko/20100101 Firefox/133.0' },
    body: JSON.stringify({ email: email2, password: password3 }),
  });
  if (other.status !== 200) fail(`a second sign-in answered ${other.status}`);
  await byTestId('settings-close').click();
  await heading.waitFor();
  await byTestId('settings-link').click();
  const sessionItems = page.getByTestId('session-item');
  await until(async () => (await sessionItems.count()) >= 2, 'two signed-in devices');
  if ((await page.locator('[data-testid=session-item][data-current=true]').count()) !== 1) fail('this device is not marked');
  await snap(page, 'settings-devices');
  const before2 = await sessionItems.count();
  await page.locator('[data-testid=session-item][data-current=false]').first().getByTestId('session-revoke').click();
  await until(async () => (await sessionItems.count()) === before2 - 1, 'the signed-out device to leave the list');
  await page.locator('[data-testid=audit-item][data-event="session.revoked"]').first().waitFor();

  begin('settings: Sign out all others leaves only this device');
  for (let i = 0; i < 2; i++) {
    const more = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: email2, password: password3 }),
    });
    if (more.status !== 200) fail(`another sign-in answered ${more.status}`);
  }
  await byTestId('settings-close').click();
  await heading.waitFor();
  await byTestId('settings-link').click();
  await until(async () => (await page.locator('[data-testid=session-item][data-current=false]').count()) >= 2, 'two other devices');
  await byTestId('sessions-revoke-others').click();
  await until(async () => (await sessionItems.count()) === 1, 'only this device to stay');
  if ((await page.locator('[data-testid=session-item][data-current=true]').count()) !== 1) fail('this device was signed out too');
  if ((await byTestId('sessions-revoke-others').count()) !== 0) fail('"Sign out all others" is offered with no others');

  begin('settings: a wrong current password is refused');
  const password4 = 'orchard signal copper';
  await byTestId('current-password').fill('not the password');
  await byTestId('new-password').fill(password4);
  await byTestId('password-save').click();
  await byTestId('password-error').waitFor();
  if ((await byTestId('current-password').getAttribute('aria-invalid')) !== 'true') fail('the current password field is not marked');
  if (!(await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'current-password'))) fail('the current password field does not have focus');

  begin('settings: change the password');
  await byTestId('current-password').fill(password3);
  await byTestId('password-save').click();
  await until(async () => (await byTestId('toast').textContent())?.includes('Password changed'), 'the password-changed note');
  await page.locator('[data-testid=audit-item][data-event="password.changed"]').first().waitFor();
  await until(async () => (await sessionItems.count()) === 1, 'only this device to stay signed in');
  await snap(page, 'settings-password');

  begin('the new session survives a reload');
  await page.reload();
  await heading.waitFor();
  await until(async () => (await byTestId('user-name').textContent())?.trim() === 'Grace Hopper', 'still signed in after the reload');

  begin('Esc leaves settings');
  await byTestId('settings-link').click();
  await byTestId('settings-page').waitFor();
  await byTestId('security-activity').getByTestId('audit-item').first().waitFor();
  await snap(page, 'settings-activity');
  await page.keyboard.press('Escape');
  await heading.waitFor();

  begin('settings: the speech model, which a team server does not let users change');
  const modelStatus = page.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith('/api/settings/speech-model'));
  await byTestId('settings-link').click();
  const speech = byTestId('speech-model-settings');
  await speech.waitFor();
  const modelAnswer = await (await modelStatus).json();
  if (modelAnswer.ready || !modelAnswer.problem) fail(`the server reports a model: ${JSON.stringify(modelAnswer)}`);
  await until(async () => (await speech.getByTestId('speech-model-problem').textContent())?.trim() === modelAnswer.problem, 'the no-model problem');
  if ((await speech.getByTestId('speech-model-status').getAttribute('data-ready')) !== 'false') fail('the status is not marked as not ready');
  if ((await byTestId('team-server-settings').count()) !== 0) fail("the browser is offered the desktop's Team server settings");
  // The server's model is its administrators' to choose: a user is offered
  // no form that would only be refused (the API refuses too, see the Go
  // tests), and is told who chooses it.
  if (modelAnswer.editable || modelAnswer.folder || !modelAnswer.shared) fail(`a user may change the server's speech model: ${JSON.stringify(modelAnswer)}`);
  if ((await speech.getByTestId('speech-model-download-form').count()) + (await speech.getByTestId('speech-model-folder-form').count()) !== 0) fail('a user is offered the speech model forms');
  if (!/its administrators choose it/.test(await speech.getByTestId('speech-model-scope').textContent())) fail('the section does not say who chooses the speech model');
  await snap(page, 'settings-speech-model');
  await byTestId('settings-close').click();
  await heading.waitFor();

  begin('delete a throw-away account');
  const email3 = `e2e-delete-${Date.now()}@example.com`;
  const password5 = 'velvet compass drift';
  const reg = await fetch(`${base}/api/users/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: email3, password: password5, first_name: 'Throw', last_name: 'Away' }),
  });
  if (reg.status !== 201) fail(`registering the throw-away account answered ${reg.status}`);
  await byTestId('sign-out').click();
  await byTestId('sign-in-form').waitFor();
  await byTestId('email').fill(email3);
  await byTestId('password').fill(password5);
  await byTestId('auth-submit').click();
  await heading.waitFor();
  await byTestId('settings-link').click();
  await byTestId('delete-start').click();
  await byTestId('delete-confirm').fill('DELETE');
  if (!(await byTestId('delete-submit').isDisabled())) fail('DELETE unlocked deleting a web account');
  await byTestId('delete-confirm').fill(email3.toUpperCase());
  await snap(page, 'delete-confirm');
  await byTestId('delete-submit').click();
  await byTestId('sign-in-form').waitFor();
  await byTestId('session-notice').waitFor();
  if ((await page.evaluate(() => localStorage.length)) !== 0) fail('storage still holds a token after deleting the account');
  const gone = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: email3, password: password5 }),
  });
  if (gone.status !== 401) fail(`signing in to the deleted account answered ${gone.status}`);
  await snap(page, 'account-deleted');

  begin('a failed provider sign-in comes back with its message');
  // Coming back from a provider is a fresh page load, not a hash change.
  await page.goto('about:blank');
  await page.goto(`${base}/#oauth_error=${encodeURIComponent('The sign-in was cancelled.')}`);
  await until(async () => (await byTestId('auth-error').textContent())?.includes('The sign-in was cancelled.'), 'the provider error on the sign-in screen');
  if ((await page.evaluate(() => location.hash)) !== '') fail('the error stayed in the address');
  await snap(page, 'oauth-error');

  begin('a spent provider code is refused');
  await page.goto('about:blank');
  await page.goto(`${base}/#oauth_code=not-a-real-code`);
  await byTestId('sign-in-form').waitFor();
  await byTestId('auth-error').waitFor();
  if ((await page.evaluate(() => location.hash)) !== '') fail('the code stayed in the address');

  begin('provider buttons lead out and the code that comes back signs in');
  const providerLogin = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: email2, password: password4 }),
  });
  if (providerLogin.status !== 200) fail(`signing in for the provider test answered ${providerLogin.status}`);
  const providerSession = await providerLogin.text();
  const oauthCtx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const oauthPage = await oauthCtx.newPage();
  oauthPage.setDefaultTimeout(STEP_TIMEOUT);
  oauthPage.on('pageerror', (e) => pageErrors.push(e.message));
  // Stands in for a configured provider: the list, the trip out and back, and the exchange.
  let exchanged = null;
  let startedAt = null;
  await oauthPage.route('**/api/auth/providers', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ providers: ['google', 'apple'] }) }),
  );
  await oauthPage.route('**/api/auth/google?*', (route) => {
    startedAt = route.request().url();
    return route.fulfill({ status: 302, headers: { Location: `${base}/#oauth_code=from-the-provider` } });
  });
  await oauthPage.route('**/api/auth/oauth/exchange', (route) => {
    exchanged = route.request().postDataJSON();
    return route.fulfill({ status: 200, contentType: 'application/json', body: providerSession });
  });
  await oauthPage.goto(base + '/');
  await oauthPage.getByTestId('provider-google').waitFor();
  if ((await oauthPage.getByTestId('provider-apple').count()) !== 1) fail('the second provider has no button');
  await snap(oauthPage, 'providers');
  await oauthPage.getByTestId('provider-google').click();
  await oauthPage.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
  if (!startedAt || new URL(startedAt).searchParams.get('return_to') !== '/') fail(`the provider trip started at ${startedAt}`);
  if (exchanged?.code !== 'from-the-provider') fail(`the exchange sent ${JSON.stringify(exchanged)}`);
  if ((await oauthPage.evaluate(() => location.hash)) !== '') fail('the code stayed in the address');
  if ((await oauthPage.evaluate(() => localStorage.getItem('sentry.refresh_token'))) === null) fail('the provider sign-in kept no session');
  await until(async () => (await oauthPage.getByTestId('user-name').textContent())?.trim() === 'Grace Hopper', 'the provider-signed-in user');
  await snap(oauthPage, 'oauth-signed-in');
  await oauthCtx.close();

  begin('connect the desktop app: a provider sign-in goes straight back to the app');
  const received = [];
  loopback = createHttpServer((req, res) => {
    received.push(req.url);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<p>Connected. You can close this tab.</p>');
  });
  await new Promise((r) => loopback.listen(0, '127.0.0.1', r));
  const returnTo = `http://127.0.0.1:${loopback.address().port}/callback`;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  if (challenge.length !== 43) fail(`the challenge has ${challenge.length} characters`);
  const connectLink = `${base}/#connect-desktop?${new URLSearchParams({ return_to: returnTo, code_challenge: challenge })}`;
  const connectCtx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const cp = await connectCtx.newPage();
  cp.setDefaultTimeout(STEP_TIMEOUT);
  cp.on('pageerror', (e) => pageErrors.push(e.message));
  // Stands in for a configured provider, which sends the browser to the app with a code.
  let connectStartedAt = null;
  await cp.route('**/api/auth/providers', (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ providers: ['google'] }) }),
  );
  await cp.route('**/api/auth/google?*', (route) => {
    connectStartedAt = route.request().url();
    return route.fulfill({ status: 302, headers: { Location: `${returnTo}?code=from-the-provider` } });
  });
  await cp.goto(connectLink);
  await cp.getByTestId('sign-in-form').waitFor();
  if (!(await cp.getByTestId('sign-in-connect').textContent()).includes(new URL(base).host)) fail('the sign-in does not say which server the app connects to');
  await snap(cp, 'connect-desktop-sign-in');
  await cp.getByTestId('provider-google').click();
  await until(() => received.some((u) => u === '/callback?code=from-the-provider'), 'the provider sign-in to reach the app');
  const startedQuery = new URL(connectStartedAt).searchParams;
  if (startedQuery.get('return_to') !== returnTo || startedQuery.get('code_challenge') !== challenge) fail(`the provider trip started at ${connectStartedAt}`);
  await cp.unroute('**/api/auth/google?*');

  begin('connect the desktop app: the link survives signing in and a reload');
  await cp.goto(connectLink);
  await cp.getByTestId('email').fill(email2);
  await cp.getByTestId('password').fill(password4);
  await cp.getByTestId('auth-submit').click();
  await cp.getByTestId('connect-question').waitFor();
  if ((await cp.getByTestId('connect-email').textContent()).trim() !== email2) fail('the connect question names another account');
  if ((await cp.getByTestId('connect-host').textContent()).trim() !== new URL(base).host) fail('the connect question names another server');
  await cp.reload();
  await cp.getByTestId('connect-question').waitFor();
  await snap(cp, 'connect-desktop');

  begin('connect the desktop app: Connect hands the app a code it redeems with its verifier');
  const before3 = received.length;
  await cp.getByTestId('connect-submit').click();
  const callback = await until(() => received.slice(before3).find((u) => u.startsWith('/callback?')), 'the app to receive the code');
  const appCode = new URLSearchParams(callback.slice('/callback?'.length)).get('code');
  if (!appCode) fail(`the app received ${callback}`);
  await until(() => cp.url().startsWith(returnTo), 'the browser to land on the app');
  await snap(cp, 'connect-desktop-done');
  const redeem = (codeVerifier) =>
    fetch(`${base}/api/auth/oauth/exchange`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: appCode, code_verifier: codeVerifier }),
    });
  const wrongVerifier = await redeem(randomBytes(32).toString('base64url'));
  if (wrongVerifier.status !== 401) fail(`redeeming with a wrong verifier answered ${wrongVerifier.status}`);
  const redeemed = await redeem(verifier);
  if (redeemed.status !== 200) fail(`redeeming with the verifier answered ${redeemed.status}: ${await redeemed.text()}`);
  const appSession = await redeemed.json();
  if (appSession.user?.email !== email2 || !appSession.refresh_token) fail(`the app got ${JSON.stringify(appSession.user)}`);

  begin('connect the desktop app: Cancel tells the app no, and a bad link is refused');
  await cp.goto(connectLink);
  const before4 = received.length;
  await cp.getByTestId('connect-cancel').click();
  await until(() => received.slice(before4).includes('/callback?error=access_denied'), 'the app to hear access_denied');
  await cp.goto(`${base}/#connect-desktop?${new URLSearchParams({ return_to: 'https://evil.example/callback', code_challenge: challenge })}`);
  await cp.getByTestId('connect-problem').waitFor();
  if ((await cp.getByTestId('connect-submit').count()) !== 0) fail('a link leading elsewhere can be approved');
  await snap(cp, 'connect-desktop-bad-link');
  await cp.getByTestId('connect-leave').click();
  await cp.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
  if ((await cp.evaluate(() => location.hash)) !== '') fail('the bad link stayed in the address');
  await connectCtx.close();

  await dashboardSteps({ browser, base, begin, until, fail, snap, timeout: STEP_TIMEOUT });
  await dashboardWidths();
  await screens();
  await notebookAnswers();
  await models();
  await captureDetails();
  await (await import('./notices.mjs')).noticeSteps({ browser, base, begin, until, fail, snap, timeout: STEP_TIMEOUT });
  await desktopFace();
  await (await import('./integrations.mjs')).integrationSteps({ browser, bin, begin, until, fail, snap, timeout: STEP_TIMEOUT });

  if (pageErrors.length) fail(`uncaught errors in the page:\n  ${pageErrors.join('\n  ')}`);
  if (serverErrors.length) fail(`server errors:\n  ${serverErrors.join('\n  ')}`);
  await context.close();
  stepsDone += 1;
}

function addDays(d, n) {
  const r = new Date(d.getTime());
  r.setDate(r.getDate() + n);
  return r;
}

/** A WAV file of silence: 16 kHz, 16-bit mono. */
function silentWav(seconds) {
  const samples = 16000 * seconds;
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(samples * 2, 40);
  return b;
}

function localInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    process.stderr.write(`e2e: stopped by ${sig}\n`);
    if (server && server.exitCode === null) server.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (filesDir) rmSync(filesDir, { recursive: true, force: true });
    process.exit(1);
  });
}

let code = 0;
try {
  await run();
  log(`screenshots in ${outDir}`);
  log(`${stepsDone} passed, 0 failed`);
} catch (e) {
  code = 1;
  const why = e instanceof StepError ? e.message : e?.stack || String(e);
  process.stderr.write(`e2e: FAILED at step "${step}": ${why}\n`);
  log(`${stepsDone} passed, 1 failed`);
  if (browser) {
    try {
      const pages = browser.contexts().flatMap((c) => c.pages());
      if (pages[0]) await pages[0].screenshot({ path: join(outDir, 'failure.png'), fullPage: true });
    } catch {
      // The screenshot is a courtesy; the failure is already reported.
    }
  }
  if (serverLog) process.stderr.write(`--- server log (last part) ---\n${serverLog.slice(-6000)}\n`);
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopServer();
  loopback?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (filesDir) rmSync(filesDir, { recursive: true, force: true });
}
process.exit(code);
