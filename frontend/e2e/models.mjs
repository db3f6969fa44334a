import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkAxe } from './screens.mjs';
import { signUpInUI, watchErrors } from './support.mjs';
// End-to-end steps of Settings → Models and the speech model list, called
// by run.mjs with its helpers, at 1440 and 390 px wide. First the web face
// as the server answers it: no model server runs on this machine, so the
// section says so in words that name no environment variable, and a team
// server offers no pull and no choice. Then the desktop's editable section:
// the API answers of a model server with three models are played to the page
// (the Go tests drive the same routes through the model server stand-in):
// the installed models with their sizes, choosing a model for finding tasks,
// pulling one with a progress bar that moves, a new embedding model that
// applies at once with the documents' re-embedding shown as it goes, and
// cancelling a pull; whom the models apply to is said on both faces. Each
// state is checked with axe-core (no serious or critical violation), for
// nothing wider than the window, and saved as <out>/models/<state>-<width>.png.
// Last, a team server administrator named in its configuration, against the
// real server: not one until the email is confirmed, then offered the choice,
// the pull and the speech model list (no folder), which the server takes from
// it and refuses to everyone else.

const GB = 1_000_000_000;

function modelsAnswer(over = {}) {
  return {
    running: true,
    version: '0.17.4',
    models: [
      { name: 'llama3.1:8b', size: 4.92 * GB, family: 'llama', parameter_size: '8.0B', quantization: 'Q4_K_M' },
      { name: 'nomic-embed-text:latest', size: 0.274 * GB, family: 'nomic-bert', parameter_size: '137M' },
      { name: 'mxbai-embed-large:latest', size: 0.67 * GB, family: 'bert', parameter_size: '334M' },
    ],
    chosen: { extraction: 'llama3.1:8b', answers: 'llama3.1:8b', embeddings: 'nomic-embed-text' },
    defaults: { extraction: 'llama3.1:8b', answers: 'llama3.1:8b', embeddings: 'nomic-embed-text' },
    editable: true,
    shared: false,
    embeddings_in_use: 'nomic-embed-text',
    embeddings_apply: 'now',
    ...over,
  };
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
 * @param {{ emails: string[], outboxNames: () => Set<string>, mailedCode: (email: string, seen: Set<string>) => Promise<string> }} h.admin
 *   the administrators' addresses the server was started with, and how to read their confirmation codes
 */
export async function modelSteps({ browser, base, begin, until, fail, outDir, timeout, admin }) {
  const shots = join(outDir, 'models');
  mkdirSync(shots, { recursive: true });
  for (const width of [1440, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'light' });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    const errors = watchErrors(page, fail);
    const byTestId = (id) => page.getByTestId(id);
    const models = byTestId('model-settings');
    const fits = async (where) => {
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (over > 1) fail(`${where} is ${over}px wider than the window`);
    };
    const openSettings = async () => {
      if (width < 700) {
        await byTestId('menu-button').click();
        await byTestId('main-menu').waitFor({ state: 'visible' });
      }
      await byTestId('settings-link').click();
    };
    const shot = async (name) => {
      await models.scrollIntoViewIfNeeded();
      await models.screenshot({ path: join(shots, `${name}-${width}.png`) });
    };

    begin(`models ${width}: the web face says the model server is not running, in words for people`);
    await signUpInUI(page, base, { first: 'Mo', last: 'Dels', email: `models-${width}-${Date.now()}@example.com`, password: 'models in settings' });
    // The link that messages and notebook answers give opens Settings at the Models section.
    const first = page.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith('/api/settings/models'));
    await page.evaluate(() => {
      location.hash = '#settings/models';
    });
    const answer = await (await first).json();
    await until(async () => (await page.evaluate(() => document.activeElement?.id)) === 'settings-models', 'the Models section to take the focus');
    if (answer.running || answer.editable) fail(`the server's answer: ${JSON.stringify(answer)}`);
    await until(async () => (await byTestId('model-server-status').getAttribute('data-running')) === 'false', 'the not-running status');
    const problem = (await byTestId('model-server-problem').textContent()).trim();
    if (problem !== answer.problem || /SENTRY_|OLLAMA_HOST|environment/i.test(problem)) fail(`the problem reads ${JSON.stringify(problem)}`);
    if ((await byTestId('model-pull-form').count()) !== 0) fail('a team server offers to pull a model');
    if (!(await byTestId('model-choice-extraction').isDisabled())) fail('a team server lets a user choose the model');
    // Whom the models apply to, and who chooses them, in words.
    const scope = (await byTestId('models-scope').textContent()).trim();
    if (!answer.shared || !/apply to everyone who uses it/.test(scope) || !/administrators choose/.test(scope)) fail(`the scope reads ${JSON.stringify(scope)}`);
    // The speech model is the server's too: a user who is not one of its
    // administrators is offered nothing to download or pick, and told who chooses.
    const speech = byTestId('speech-model-settings');
    if ((await speech.getByTestId('speech-model-download-form').count()) + (await speech.getByTestId('speech-model-folder-form').count()) !== 0) fail('a team server offers a user the speech model forms');
    if (!/administrators choose it/.test(await speech.getByTestId('speech-model-scope').textContent())) fail('the speech model section does not say who chooses it');
    if (/SENTRY_|environment/i.test(await speech.textContent())) fail('the speech model section names an environment variable');
    await checkAxe(page, `Settings → Models on the web at ${width}`, fail);
    await fits('Settings on the web');
    await shot('web-not-running');

    begin(`models ${width}: the desktop's section lists the models and chooses one for finding tasks`);
    let status = modelsAnswer();
    let pull = null;
    let pullAsks = 0;
    await page.route('**/api/settings/models', async (route) => {
      const req = route.request();
      if (req.method() === 'PUT') {
        const body = req.postDataJSON();
        status = { ...status, chosen: { ...status.chosen, ...body } };
        // A new embedding model applies at once: the documents are re-embedded in the background.
        if (body.embeddings && body.embeddings.replace(/:latest$/, '') !== status.embeddings_in_use.replace(/:latest$/, '')) {
          status = { ...status, embeddings_in_use: body.embeddings, reembedding: { model: body.embeddings, state: 'running', done: 0, total: 3 } };
        }
      } else if (status.reembedding?.state === 'running') {
        const done = status.reembedding.done + 1;
        status = { ...status, reembedding: { ...status.reembedding, done, state: done >= 3 ? 'done' : 'running' } };
      }
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...status, ...(pull ? { pull } : {}) }) });
    });
    await page.route('**/api/settings/models/pull', async (route) => {
      const req = route.request();
      if (req.method() === 'POST') {
        const { model } = req.postDataJSON();
        pull = { model, state: 'pulling', status: 'pulling manifest', completed: 0, total: 0, progress: 0, started_at: new Date().toISOString() };
        return route.fulfill({ status: 202, contentType: 'application/json', body: JSON.stringify(pull) });
      }
      if (req.method() === 'DELETE') {
        pull = { ...pull, state: 'cancelled', error: 'The pull was cancelled.' };
        return route.fulfill({ status: 204, body: '' });
      }
      // Each look moves the pull on by a fifth of 2 GB.
      if (pull?.state === 'pulling' && pull.model !== 'llava') {
        pullAsks += 1;
        const completed = Math.min(2 * GB, pullAsks * 0.4 * GB);
        pull = { ...pull, status: 'pulling 6a0746a1ec1a', completed, total: 2 * GB, progress: (0.99 * completed) / (2 * GB) };
        if (completed >= 2 * GB) {
          pull = { ...pull, state: 'done', status: 'success', progress: 1 };
          status = { ...status, models: [...status.models, { name: pull.model, size: 2 * GB, family: 'llama', parameter_size: '3.2B' }] };
        }
      }
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(pull) });
    });
    // The desktop's person may download a speech model of the list or pick a folder.
    await page.route('**/api/settings/speech-model', async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...(await res.json()), editable: true, folder: true, shared: false } });
    });
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
    await openSettings();
    await until(async () => (await speech.getByTestId('speech-model-choice').locator('option').count()) >= 10, 'the list of speech models');
    if ((await speech.getByTestId('speech-model-folder-form').count()) !== 1) fail('the desktop offers no folder for the speech model');
    if (!/this app’s/.test(await speech.getByTestId('speech-model-scope').textContent())) fail('the desktop does not say the speech model is this app’s');
    await until(async () => (await byTestId('model-server-status').getAttribute('data-running')) === 'true', 'the running status');
    if (!(await byTestId('model-server-status').textContent()).includes('Ollama 0.17.4')) fail(`the running status names no version: ${(await byTestId('model-server-status').textContent()).replace(/\s+/g, ' ')}`);
    const rows = byTestId('installed-model');
    await until(async () => (await rows.count()) === 3, 'three installed models');
    const firstRow = (await rows.first().textContent()).replace(/\s+/g, ' ');
    if (!firstRow.includes('llama3.1:8b') || !firstRow.includes('4.9 GB') || !firstRow.includes('Finding tasks')) fail(`the first model reads ${firstRow}`);
    for (const [job, want] of [['extraction', 'llama3.1:8b'], ['embeddings', 'nomic-embed-text:latest']]) {
      const shown = await byTestId(`model-choice-${job}`).inputValue();
      if (shown !== want) fail(`the ${job} menu shows ${JSON.stringify(shown)}, not the model in use`);
    }
    await checkAxe(page, `Settings → Models with three models at ${width}`, fail);
    await fits('the Models section');
    await shot('installed');

    begin(`models ${width}: pull a model with a progress bar, then choose it`);
    await byTestId('model-pull-name').fill('llama3.2:3b');
    await byTestId('model-pull-submit').click();
    const bar = byTestId('model-pull-progress');
    await until(async () => {
      const v = Number(await bar.getAttribute('value'));
      return v > 0 && v < 100;
    }, 'the progress bar to move');
    if (!(await byTestId('model-pull').textContent()).includes('of 2.0 GB')) fail('the pull shows no amount');
    if ((await byTestId('model-pull-cancel').count()) !== 1) fail('a running pull has no Cancel');
    await checkAxe(page, `a pull in progress at ${width}`, fail);
    await fits('a pull in progress');
    await shot('pulling');
    await until(async () => (await byTestId('model-pull').getAttribute('data-state')) === 'done', 'the pull to end');
    await until(async () => (await rows.count()) === 4, 'the pulled model in the list');
    await byTestId('model-choice-extraction').selectOption('llama3.2:3b');
    const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/api/settings/models'));
    await byTestId('models-choice-save').click();
    const put = (await saved).request().postDataJSON();
    if (put.extraction !== 'llama3.2:3b') fail(`the choice sent ${JSON.stringify(put)}`);
    await until(async () => (await rows.filter({ hasText: 'llama3.2:3b' }).textContent()).includes('Finding tasks'), 'the new model marked for finding tasks');
    await shot('chosen');
    if (!(await byTestId('models-scope').textContent()).includes('this app')) fail('the desktop does not say the models are this app’s');

    begin(`models ${width}: a new embedding model applies at once, re-embedding the documents with progress`);
    await byTestId('model-choice-embeddings').selectOption('mxbai-embed-large:latest');
    const note = (await byTestId('model-embeddings-note').textContent()).trim();
    if (!/at once/.test(note) || /starts again/.test(note)) fail(`the embeddings note reads ${JSON.stringify(note)}`);
    await byTestId('models-choice-save').click();
    const reembed = byTestId('model-reembedding');
    await reembed.waitFor();
    await until(async () => /: [12] of 3\./.test(await byTestId('model-reembedding-label').textContent()), 'the re-embedding to show its progress');
    await checkAxe(page, `re-embedding in progress at ${width}`, fail);
    await fits('re-embedding in progress');
    await shot('reembedding');
    await until(async () => (await reembed.getAttribute('data-state')) === 'done', 'the re-embedding to end', 10_000);
    if (!(await byTestId('model-reembedding-label').textContent()).includes('3 documents re-embedded')) fail('the end of the re-embedding is not said');
    if ((await byTestId('model-embeddings-note').count()) !== 0) fail('the note still says the model is not in use');

    begin(`models ${width}: a pull can be cancelled`);
    await byTestId('model-pull-name').fill('llava');
    await byTestId('model-pull-submit').click();
    await byTestId('model-pull-cancel').click();
    await until(async () => (await byTestId('model-pull').getAttribute('data-state')) === 'cancelled', 'the pull to read cancelled');
    await checkAxe(page, `a cancelled pull at ${width}`, fail);
    errors.check();
    await context.close();

    await adminSteps({ browser, base, begin, until, fail, timeout, width, shots, admin });
  }
}

/**
 * A team server's administrator, named in its configuration (run.mjs
 * starts the server with admin.emails in SENTRY_ADMINS), against the real
 * server: signed up but not yet confirmed, the address is not enough and
 * the sections say who chooses; once the mailed code confirms it, the
 * sections offer the choice and the pull (which wait for the model
 * server), the speech model list without a folder, and the server takes
 * the administrator's download by name where it refuses everyone else.
 */
async function adminSteps({ browser, base, begin, until, fail, timeout, width, shots, admin }) {
  const email = admin.emails[width === 1440 ? 0 : 1];
  const password = 'the one who chooses';
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: width < 700 ? 'dark' : 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const errors = watchErrors(page, fail);
  const byTestId = (id) => page.getByTestId(id);
  const speech = byTestId('speech-model-settings');
  const shot = async (name) => {
    for (const [part, section] of [['models', byTestId('model-settings')], ['speech', speech]]) {
      await section.scrollIntoViewIfNeeded();
      await section.screenshot({ path: join(shots, `${name}-${part}-${width}.png`) });
    }
  };
  const openModels = async () => {
    const answered = page.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith('/api/settings/models'));
    await page.evaluate(() => {
      location.hash = '#settings/models';
    });
    const answer = await (await answered).json();
    await byTestId('model-server-status').waitFor();
    await until(async () => (await speech.getByTestId('speech-model-scope').count()) === 1, 'the speech model section');
    return answer;
  };
  const api = async (method, path, token, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };

  begin(`models ${width}: an administrator's address alone, not yet confirmed, chooses nothing`);
  const seen = admin.outboxNames();
  await signUpInUI(page, base, { first: 'Ada', last: 'Admin', email, password });
  let answer = await openModels();
  if (answer.editable) fail(`an unconfirmed administrator's address may change the models: ${JSON.stringify(answer)}`);
  if (!/administrators choose/.test(await byTestId('models-scope').textContent())) fail('the unconfirmed account is not told who chooses the models');
  if ((await byTestId('model-pull-form').count()) !== 0) fail('the unconfirmed account is offered a pull');
  if ((await speech.getByTestId('speech-model-download-form').count()) !== 0) fail('the unconfirmed account is offered the speech model list');

  begin(`models ${width}: the administrator confirms the email with the mailed code`);
  const code = await admin.mailedCode(email, seen);
  await byTestId('verify-banner-confirm').click();
  const dialog = byTestId('confirm-email-dialog');
  await until(() => dialog.isVisible(), 'the confirm-email dialog');
  await dialog.getByTestId('verify-code').fill(code);
  await dialog.getByTestId('verify-submit').click();
  await until(async () => (await byTestId('verify-banner').count()) === 0, 'the banner to go once confirmed');

  begin(`models ${width}: the confirmed administrator chooses the models everyone uses`);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
  answer = await openModels();
  if (!answer.editable || !answer.shared) fail(`the administrator may not change the models: ${JSON.stringify(answer)}`);
  const scope = (await byTestId('models-scope').textContent()).trim();
  if (!/You are an administrator of this server/.test(scope) || !/apply to everyone who uses it/.test(scope)) fail(`the administrator's scope reads ${JSON.stringify(scope)}`);
  await byTestId('model-pull-form').waitFor();
  // No model server runs here: the pull and the choice wait for it, and the
  // hint speaks of the server's machine, not "this computer".
  if (!(await byTestId('model-pull-submit').isDisabled())) fail('a pull is offered while no model server runs');
  const hint = (await byTestId('model-server-hint').textContent()).replace(/\s+/g, ' ').trim();
  if (!/server’s machine/.test(hint) || /this computer|SENTRY_|OLLAMA_HOST|environment/i.test(hint)) fail(`the administrator's hint reads ${JSON.stringify(hint)}`);
  // The speech model: the list by name, never a folder on the server's machine.
  await until(async () => (await speech.getByTestId('speech-model-choice').locator('option').count()) >= 10, 'the list of speech models');
  if ((await speech.getByTestId('speech-model-folder-form').count()) !== 0) fail('a team server offers its administrator a folder');
  if (!/You are an administrator of this server/.test(await speech.getByTestId('speech-model-scope').textContent())) fail('the speech model section does not say the administrator chooses it');
  await checkAxe(page, `Settings → Models for an administrator at ${width}`, fail);
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (over > 1) fail(`the administrator's Settings are ${over}px wider than the window`);
  await shot('admin');

  begin(`models ${width}: the server takes the administrator's speech model download by name, and refuses others`);
  // The page sends the model's name only; it goes on to the real server
  // with a name off the list, so nothing is downloaded, and the server's
  // answer (not a refusal of who asks) is shown.
  let sent = null;
  await page.route('**/api/settings/speech-model/download', (route) => {
    sent = route.request().postDataJSON();
    return route.continue({ postData: JSON.stringify({ model: 'not-in-the-list' }) });
  });
  const chosen = await speech.getByTestId('speech-model-choice').inputValue();
  await speech.getByTestId('speech-model-download-submit').click();
  await until(async () => /Choose one of the speech models in the list/.test((await speech.getByTestId('speech-model-download-form-error').textContent()) ?? ''), "the server's answer to a name off the list");
  if (sent?.model !== chosen || sent.url || sent.sha256) fail(`the download was asked for with ${JSON.stringify(sent)}`);
  await page.unroute('**/api/settings/speech-model/download');
  const login = async (who, pw) => {
    const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: who, password: pw }) });
    if (res.status !== 200) fail(`signing ${who} in answered ${res.status}`);
    return (await res.json()).access_token;
  };
  const adminToken = await login(email, password);
  const other = `models-other-${width}-${Date.now()}@example.com`;
  const reg = await fetch(`${base}/api/users/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: other, password: 'not one of them', first_name: 'Not', last_name: 'Admin' }),
  });
  if (reg.status !== 201) fail(`registering a second account answered ${reg.status}`);
  const otherToken = await login(other, 'not one of them');
  const known = chosen;
  for (const [who, token, want] of [
    ['a user', otherToken, 403],
    ['the administrator', adminToken, 400],
  ]) {
    const r = await api('POST', '/api/settings/speech-model/download', token, { model: 'not-in-the-list' });
    if (r.status !== want) fail(`${who}'s speech model download answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
  for (const [path, method, body] of [
    ['/api/settings/models', 'PUT', { extraction: '' }],
    ['/api/settings/models/pull', 'POST', { model: 'llama3.2:3b' }],
    ['/api/settings/speech-model/download', 'POST', { model: known }],
  ]) {
    const r = await api(method, path, otherToken, body);
    if (r.status !== 403 || !/administrators/.test(r.body?.message ?? r.body?.error?.message ?? JSON.stringify(r.body))) fail(`a user's ${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
  errors.check();
  await context.close();
}
