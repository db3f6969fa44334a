import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAxe } from './screens.mjs';
import { silentWav, watchErrors } from './support.mjs';
// End-to-end steps of three things people meet on the way in and in
// Capture, called by run.mjs with its helpers, at 1440 and 390 px wide:
// the confirm-email step on a server without mail (it says where the code
// went instead of claiming it was emailed), a draft's assignee and type
// set in its editor before it is accepted (a meeting needs its date; the
// accepted item shows both), and the capture history titled by what was
// pasted; after extracting, focus is in the results; a file the app cannot
// read is refused at the drop with the reason and never sent; a failed run
// (a recording without a speech model) sorts below the
// runs with results; an image's items say where they were found as a
// region of the image, never in pixels. Each state is checked with axe-core (no serious or critical
// violation), for nothing wider than the window, and saved as
// <out>/capture/<state>-<width>.png.

// A photo of a handwritten-style note with three things to do (the text
// recognition tests' own picture).
const NOTE_PNG = join(import.meta.dirname, '..', '..', 'backend', 'tesseract', 'testdata', 'note.png');

const PASTED = 'Please send the budget report to finance by Friday.\nBob will book the room for the quarterly review on Tuesday.';

/**
 * @param {object} h
 * @param {import('playwright-core').Browser} h.browser
 * @param {string} h.base
 * @param {(name: string) => void} h.begin
 * @param {(fn: () => unknown, what: string, timeout?: number) => Promise<unknown>} h.until
 * @param {(msg: string) => never} h.fail
 * @param {string} h.outDir
 * @param {number} h.timeout
 */
export async function captureDetailSteps({ browser, base, begin, until, fail, outDir, timeout }) {
  const shots = join(outDir, 'capture');
  mkdirSync(shots, { recursive: true });
  for (const width of [1440, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'light' });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    const errors = watchErrors(page, fail);
    const byTestId = (id) => page.getByTestId(id);
    const fits = async (where) => {
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (over > 1) fail(`${where} is ${over}px wider than the window`);
    };
    const shot = (name) => page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
    const email = `capture-${width}-${Date.now()}@example.com`;

    begin(`capture details ${width}: with no mail set up, the confirm step says where the code went`);
    await page.goto(base + '/');
    await byTestId('sign-in-form').waitFor();
    await byTestId('show-sign-up').click();
    await byTestId('first-name').fill('Cap');
    await byTestId('last-name').fill('Ture');
    await byTestId('email').fill(email);
    await byTestId('password').fill('capture the details');
    const providers = page.waitForResponse((r) => r.url().includes('/api/auth/providers'));
    await byTestId('auth-submit').click();
    await byTestId('verify-form').waitFor();
    const listed = await (await providers).json();
    if (listed.mail !== false) fail(`the server without mail says ${JSON.stringify(listed)}`);
    const noMail = byTestId('verify-no-mail');
    await noMail.waitFor();
    const said = (await noMail.textContent()).replace(/\s+/g, ' ').trim();
    if (!said.includes(email) || !/no email was sent/.test(said) || !/written to a file on the server/.test(said)) fail(`the confirm step says ${JSON.stringify(said)}`);
    if (/we emailed|from the email/i.test(await byTestId('verify-form').textContent())) fail('the confirm step speaks of an email that was not sent');
    await checkAxe(page, `the confirm step without mail at ${width}`, fail);
    await fits('the confirm step');
    await shot('confirm-no-mail');
    await byTestId('verify-skip').click();
    await page.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();

    begin(`capture details ${width}: paste text for review`);
    if (width < 700) {
      await byTestId('menu-button').click();
      await byTestId('main-menu').waitFor({ state: 'visible' });
    }
    await byTestId('capture-link').click();
    await byTestId('capture-page').waitFor();
    await byTestId('capture-text').fill(PASTED);
    if (!(await byTestId('capture-review').isChecked())) await byTestId('capture-review').check();
    await byTestId('capture-submit').click();
    const run = page.getByTestId('capture-run').first();
    await until(async () => (await run.getAttribute('data-status')) === 'done', 'the run to finish');
    const drafts = run.locator('[data-testid=extracted-item][data-status=draft]');
    if ((await drafts.count()) < 1) fail(`the pasted text gave no draft: ${await run.textContent()}`);
    // Focus moves to what was found, so the advertised keys work at once.
    await until(() => page.evaluate(() => !!document.activeElement?.closest('[data-testid=capture-results]')), 'focus to move to the results');

    begin(`capture details ${width}: an unsupported file is refused at the drop, with the reason, and never sent`);
    let exeSent = false;
    const onExe = (r) => {
      if (r.method() === 'POST' && r.url().includes('/api/extract/') && r.postDataBuffer()?.includes(`setup-${width}.exe`)) exeSent = true;
    };
    page.on('request', onExe);
    const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(2048, 0x4d)]);
    await byTestId('file-input').setInputFiles({ name: `setup-${width}.exe`, mimeType: 'application/octet-stream', buffer: exe });
    const refused = page.locator(`[data-testid=file-refused] li[data-name="setup-${width}.exe"]`);
    await refused.waitFor();
    if (!/does not read \.exe files\. It reads documents/.test(await refused.textContent())) fail(`the refusal says ${JSON.stringify(await refused.textContent())}`);
    if ((await page.locator(`[data-testid=file-entry][data-name="setup-${width}.exe"]`).count()) !== 0) fail('the .exe was queued anyway');
    await refused.scrollIntoViewIfNeeded();
    await checkAxe(page, `a file refused at the drop at ${width}`, fail);
    await fits('the refused file');
    await shot('refused-at-drop');
    page.off('request', onExe);
    if (exeSent) fail('the refused file was sent');
    await run.scrollIntoViewIfNeeded();

    begin(`capture details ${width}: a draft's assignee and type are set before it is accepted`);
    const draft = drafts.first();
    const key = await draft.getAttribute('data-item-key');
    const item = run.locator(`[data-testid=extracted-item][data-item-key="${key}"]`);
    await draft.getByTestId('item-edit').click();
    const editor = byTestId('draft-editor');
    await editor.waitFor();
    await byTestId('draft-assignee').fill('Bob Stone');
    await byTestId('draft-type').selectOption('meeting');
    await byTestId('draft-deadline').fill('');
    await byTestId('draft-save').click();
    await until(async () => ((await byTestId('draft-error').textContent()) ?? '').includes('A meeting needs a date and time.'), 'a meeting without a date to be refused');
    if ((await byTestId('draft-deadline').getAttribute('aria-invalid')) !== 'true') fail('the date is not marked as the field at fault');
    await byTestId('draft-deadline').fill('2026-12-10T15:00');
    await checkAxe(page, `the draft editor at ${width}`, fail);
    await fits('the draft editor');
    await shot('draft-editor');
    const accept = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/accept'));
    await byTestId('draft-save').click();
    const sent = (await accept).postDataJSON();
    if (!sent?.tags?.includes('assignee:Bob Stone') || sent?.task_type !== 'meeting' || !sent?.start_time || !sent?.end_time) fail(`the accept sent ${JSON.stringify(sent)}`);
    if (Date.parse(sent.end_time) - Date.parse(sent.start_time) !== 3_600_000) fail(`the meeting runs ${sent.start_time} to ${sent.end_time}, not an hour`);
    await until(async () => (await item.getAttribute('data-status')) === 'accepted', 'the edited draft to be accepted');
    await until(async () => ((await item.getByTestId('item-assignee').textContent()) ?? '').trim() === 'For Bob Stone', 'the accepted item to show its assignee');
    if ((await item.getByTestId('item-type').textContent()).trim() !== 'Meeting') fail('the accepted item does not read as a meeting');
    await checkAxe(page, `an accepted draft at ${width}`, fail);
    await fits('the accepted draft');
    await shot('draft-accepted');

    begin(`capture details ${width}: the history row is titled by what was pasted`);
    const row = byTestId('history-item').first();
    await until(async () => (await row.getAttribute('data-status')) === 'done', 'the run in the history');
    const title = (await row.locator('.name').textContent()).replace(/\s+/g, ' ').trim();
    if (!title.startsWith('Please send the budget report')) fail(`the history row reads ${JSON.stringify(title)}`);
    const named = await row.locator('.name').getAttribute('title');
    if (!named?.startsWith('Please send the budget report')) fail(`the row's full title is ${JSON.stringify(named)}`);
    // The title has room: at 390 px the row's width (wrapping, not cut
    // sideways), wide the larger part of the row.
    const nameBox = await row.locator('.name').boundingBox();
    const rowBox = await row.boundingBox();
    if (width < 700) {
      const cut = await row.locator('.name').evaluate((el) => el.scrollWidth - el.clientWidth);
      if (cut > 1 || nameBox.width < 0.9 * rowBox.width) fail(`the history title is cut by ${cut}px in ${Math.round(nameBox.width)}px of a ${Math.round(rowBox.width)}px row`);
    } else if (nameBox.width < 0.45 * rowBox.width) {
      fail(`the history title has ${Math.round(nameBox.width)}px of a ${Math.round(rowBox.width)}px row`);
    }
    await row.scrollIntoViewIfNeeded();
    await checkAxe(page, `the capture history at ${width}`, fail);
    await fits('the capture history');
    await shot('history');

    begin(`capture details ${width}: an image's evidence reads as a region of the image, not pixels`);
    // A photo of a note (read by the server's text recognition): each item
    // found in it says where in the image, in words.
    await byTestId('file-input').setInputFiles({ name: `note-${width}.png`, mimeType: 'image/png', buffer: readFileSync(NOTE_PNG) });
    await byTestId('files-submit').click();
    const photo = page.getByTestId('capture-run').filter({ has: byTestId('run-title').getByText(`note-${width}.png`, { exact: true }) });
    await until(async () => ['done', 'failed', 'error'].includes(await photo.getAttribute('data-status')), 'the image run to end', 60_000);
    if ((await photo.getAttribute('data-status')) !== 'done') fail(`the image run ended ${await photo.getAttribute('data-status')}: ${(await photo.textContent()).replace(/\s+/g, ' ')}`);
    const wheres = (await photo.getByTestId('item-where').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    if (wheres.length === 0) fail(`no item from the image says where it was found: ${(await photo.textContent()).replace(/\s+/g, ' ')}`);
    for (const w of wheres) {
      if (!/region of the image/i.test(w)) fail(`an image item's place reads ${JSON.stringify(w)}`);
      if (/\d+\s*px|\d+\s*[×x]\s*\d+|\d+\s*,\s*\d+|\bx\s*[:=]|\by\s*[:=]/i.test(w)) fail(`an image item's place shows pixels: ${JSON.stringify(w)}`);
    }
    await photo.scrollIntoViewIfNeeded();
    await checkAxe(page, `an image's results at ${width}`, fail);
    await fits('the image results');
    await shot('image-region');

    begin(`capture details ${width}: a run that failed sorts below the runs with results`);
    // A recording, with no speech model on this server, fails; though newer,
    // its card comes after the pasted text's results.
    await byTestId('file-input').setInputFiles({ name: `memo-${width}.wav`, mimeType: 'audio/wav', buffer: silentWav(1) });
    await byTestId('files-submit').click();
    const memo = page.getByTestId('capture-run').filter({ has: byTestId('run-title').getByText(`memo-${width}.wav`, { exact: true }) });
    await until(async () => ['done', 'failed', 'error'].includes(await memo.getAttribute('data-status')), 'the recording run to end', 30_000);
    if ((await memo.getAttribute('data-status')) === 'failed') {
      const order = await page.getByTestId('capture-run').evaluateAll((els) => els.map((e) => e.dataset.status));
      const firstFailed = order.indexOf('failed');
      if (order.slice(firstFailed).some((st) => st === 'done')) fail(`a failed run is above a run with results: ${order.join(', ')}`);
      if (!/install|model/i.test(await memo.getByTestId('run-error').textContent())) fail('the failed recording does not say what to install');
      // On the web the server turns speech into text, not the person's computer.
      const next = (await memo.getByTestId('run-error-next').textContent()).replace(/\s+/g, ' ');
      if (!next.includes('on the server') || next.includes('this computer')) fail(`the failed recording says ${JSON.stringify(next)}`);
      await memo.scrollIntoViewIfNeeded();
      await checkAxe(page, `a failed run below the results at ${width}`, fail);
      await fits('the failed run');
      await shot('failed-below');
    }
    errors.check();
    await context.close();
  }
}
