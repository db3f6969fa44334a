import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAxe } from './screens.mjs';
import { signUpInUI, watchErrors } from './support.mjs';
// End-to-end steps of notebook answers without a language model, called by
// run.mjs with its helpers (E2E_ONLY=notebook-answers runs them alone). At
// 1440 and 390 px wide, each in its own account: a postmortem and a
// three-page PDF are uploaded; "How long did the outage last?" is answered
// by the sentence that states the duration (not the heading), which names
// its engine and links to Settings → Models, and lists only the sources it
// cites; a near miss (the on-call engineer of a login outage the postmortem
// does not describe) is declined with no sources, while the checkout
// outage's is answered; the passage panel marks just the quoted sentence; a PDF answer
// shows its page, which zooms in and out from the keyboard; a question
// answered on page 3 of the PDF is answered, citing page 3; the panel's
// header stays clear of the app bar; axe-core finds nothing serious; the
// Settings link opens Settings (at 390 px in the dark scheme). Screens go
// to <out>/notebook-answers/.

const here = import.meta.dirname;

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
export async function notebookAnswerSteps({ browser, base, begin, until, fail, outDir, timeout, log }) {
  const filesDir = mkdtempSync(join(tmpdir(), 'sentry-e2e-answers-'));
  try {
    await steps({ browser, base, begin, until, fail, outDir, timeout, log, filesDir });
  } finally {
    rmSync(filesDir, { recursive: true, force: true });
  }
}

async function steps({ browser, base, begin, until, fail, outDir, timeout, log, filesDir }) {
  const shots = join(outDir, 'notebook-answers');
  mkdirSync(shots, { recursive: true });
  const postmortem = join(filesDir, 'checkout-postmortem.md');
  writeFileSync(postmortem, readFileSync(join(here, '..', '..', 'backend', 'notebook', 'testdata', 'qa', 'checkout-postmortem.md')));
  const pdfPath = join(here, '..', '..', 'backend', 'docparse', 'testdata', 'libreoffice-3pages.pdf');

  for (const width of [1440, 390]) {
    const narrow = width < 700;
    // The narrow run is in the dark scheme, so both schemes pass axe.
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: narrow ? 'dark' : 'light' });
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    const errors = watchErrors(page, fail);
    const byTestId = (id) => page.getByTestId(id);
    const shot = (name) => page.screenshot({ path: join(shots, `${name}-${width}.png`) });

    begin(`notebook answers ${width}: sign up, make a notebook, add a postmortem and a PDF`);
    await signUpInUI(page, base, { first: 'Nora', last: narrow ? 'Narrow' : 'Wide', email: `answers-${width}-${Date.now()}@example.com`, password: 'sentences that answer' });
    if (narrow) {
      await byTestId('menu-button').click();
      await byTestId('main-menu').waitFor({ state: 'visible' });
    }
    await byTestId('notebooks-link').click();
    await byTestId('notebooks-page').waitFor();
    await byTestId('notebook-name').fill('Incidents');
    await byTestId('notebook-create-submit').click();
    await byTestId('notebook-view').waitFor();
    await byTestId('notebook-file-input').setInputFiles([postmortem, pdfPath]);
    for (const name of ['checkout-postmortem.md', 'libreoffice-3pages.pdf']) {
      const doc = page.locator(`[data-testid=notebook-document][data-name="${name}"]`);
      await doc.waitFor();
      await until(async () => ['ready', 'failed'].includes(await doc.getAttribute('data-status')), `${name} to be indexed`, 30_000);
      if ((await doc.getAttribute('data-status')) !== 'ready') fail(`${name} ended ${await doc.textContent()}`);
    }

    const ask = async (q) => {
      const before = await byTestId('notebook-message').count();
      await byTestId('notebook-query').fill(q);
      await byTestId('notebook-ask').click();
      const last = byTestId('notebook-message').last();
      await until(
        async () =>
          (await byTestId('notebook-message').count()) === before + 2 &&
          (await last.getByTestId('notebook-answer').getAttribute('data-streaming')) === null &&
          (await last.getByTestId('notebook-engine').count()) === 1,
        `the answer to ${JSON.stringify(q)}`,
      );
      return last;
    };

    begin(`notebook answers ${width}: "How long did the outage last?" quotes the sentence with the duration`);
    let msg = await ask('How long did the outage last?');
    const text = (await msg.getByTestId('notebook-answer').textContent()).replace(/\s+/g, ' ').trim();
    if (!text.includes('The outage lasted 47 minutes')) fail(`the answer does not state the duration: ${text}`);
    if (text.includes('Postmortem:') || text.includes('#')) fail(`the answer quotes the heading: ${text}`);
    const engine = msg.getByTestId('notebook-engine');
    if ((await engine.getAttribute('data-engine')) !== 'extractive') fail(`engine ${await engine.getAttribute('data-engine')}`);
    if (!(await engine.textContent()).includes('without a language model')) fail(`the engine note says ${await engine.textContent()}`);
    if ((await msg.getByTestId('notebook-engine-settings').getAttribute('href')) !== '#settings/models') fail('the note does not link to Settings → Models');
    // Only the sources the text cites are listed.
    const chips = new Set((await msg.getByTestId('citation-chip').allTextContents()).map((s) => s.trim()));
    const items = await msg.getByTestId('citation-item').count();
    if (items === 0 || items !== chips.size) fail(`${items} sources listed for ${chips.size} cited`);
    await shot('answer');

    begin(`notebook answers ${width}: the passage panel marks only the quoted sentence`);
    await msg.getByTestId('citation-chip').first().click();
    await byTestId('citation-panel').waitFor();
    const marked = (await byTestId('citation-text').allTextContents()).join(' ').replace(/\s+/g, ' ').trim();
    const passage = (await byTestId('citation-passage').textContent()).replace(/\s+/g, ' ').trim();
    if (!marked.startsWith('The outage lasted 47 minutes')) fail(`the marked text is ${JSON.stringify(marked)}`);
    if (passage.length <= marked.length + 20) fail('the whole passage is marked, not the sentence');
    await clearOfBar(page, fail, width);
    await checkAxe(page, `the passage panel at ${width}`, fail);
    await shot('passage');
    await page.keyboard.press('Escape');
    await byTestId('citation-panel').waitFor({ state: 'detached' });

    begin(`notebook answers ${width}: a near miss is declined, not answered from a look-alike sentence`);
    // The postmortem is about a checkout outage: its on-call engineer is no
    // answer to a question about a login outage, which it does not describe.
    msg = await ask('Who was on call during the login outage?');
    const declined = (await msg.getByTestId('notebook-answer').textContent()).replace(/\s+/g, ' ').trim();
    if (!/couldn.t find this in your documents/.test(declined) || /Marta/.test(declined)) fail(`the near miss was answered: ${declined}`);
    if ((await msg.getByTestId('citation-item').count()) !== 0) fail('a declined answer lists sources');
    await shot('near-miss');
    msg = await ask('Who was on call during the checkout outage?');
    const onCall = (await msg.getByTestId('notebook-answer').textContent()).replace(/\s+/g, ' ').trim();
    if (!onCall.includes('Marta Kowalski was on call')) fail(`the question the postmortem answers was not answered: ${onCall}`);
    if ((await msg.getByTestId('citation-item').filter({ hasText: 'checkout-postmortem.md' }).count()) !== 1) fail('the answer does not cite the postmortem');
    await checkAxe(page, `a declined and an answered question at ${width}`, fail);

    begin(`notebook answers ${width}: a PDF answer opens its page, which zooms from the keyboard`);
    msg = await ask('Who will send the budget to Bob?');
    const pdfItem = msg.getByTestId('citation-item').filter({ hasText: 'libreoffice-3pages.pdf' }).first();
    if ((await pdfItem.count()) === 0) fail(`the answer does not cite the PDF: ${await msg.textContent()}`);
    await pdfItem.click();
    await byTestId('citation-panel').waitFor();
    if (!(await byTestId('citation-text').first().textContent()).includes('Alice will send the budget to Bob')) fail('the sentence is not marked');
    await until(async () => (await byTestId('citation-page-image').count()) > 0 || !(await byTestId('citation-panel').textContent()).includes('Loading page'), 'the page image or the passage alone');
    if ((await byTestId('citation-page-image').count()) > 0) {
      await until(async () => await byTestId('citation-page-image').evaluate((img) => img.complete && img.naturalWidth > 0), 'the page image to load');
      const view = byTestId('citation-page-view');
      const w0 = await byTestId('citation-page-image').evaluate((img) => img.getBoundingClientRect().width);
      await view.focus();
      await page.keyboard.press('+');
      await until(async () => (await byTestId('citation-zoom').textContent()).trim() === '150%', 'zoom to 150%');
      const w1 = await byTestId('citation-page-image').evaluate((img) => img.getBoundingClientRect().width);
      if (!(w1 > w0 * 1.4)) fail(`zooming in took the page from ${w0} to ${w1} px`);
      if (!(await view.evaluate((el) => el.scrollWidth > el.clientWidth))) fail('the zoomed page does not scroll');
      await shot('page-zoomed');
      await page.keyboard.press('-');
      await until(async () => (await byTestId('citation-zoom').textContent()).trim() === '100%', 'zoom back to 100%');
      await byTestId('citation-zoom-in').click();
      await byTestId('citation-zoom-fit').click();
      await until(async () => (await byTestId('citation-zoom').textContent()).trim() === '100%', 'fit width');
      log(`page image zooms (${Math.round(w0)} → ${Math.round(w1)} px)`);
    } else {
      log('no page image from this server: the passage is shown');
    }
    await clearOfBar(page, fail, width);
    await checkAxe(page, `the PDF page panel at ${width}`, fail);
    await shot('page');
    await page.keyboard.press('Escape');
    await byTestId('citation-panel').waitFor({ state: 'detached' });

    begin(`notebook answers ${width}: the answer on page 3 of the PDF is given, citing page 3`);
    msg = await ask('Who must review the contract?');
    const contract = (await msg.getByTestId('notebook-answer').textContent()).replace(/\s+/g, ' ').trim();
    if (/couldn.t find this in your documents/.test(contract) || !contract.includes('Carol')) fail(`the answer on page 3 was not given: ${contract}`);
    const page3 = msg.getByTestId('citation-item').filter({ hasText: 'libreoffice-3pages.pdf' }).first();
    if ((await page3.count()) === 0) fail(`the answer does not cite the PDF: ${await msg.textContent()}`);
    if (!(await page3.textContent()).includes('p. 3')) fail(`the PDF citation names ${JSON.stringify((await page3.textContent()).trim())}, not page 3`);
    await page3.click();
    await byTestId('citation-panel').waitFor();
    if (!(await byTestId('citation-where').textContent()).includes('page 3')) fail(`the panel names ${JSON.stringify(await byTestId('citation-where').textContent())}, not page 3`);
    if (!(await byTestId('citation-text').first().textContent()).includes('Carol must review the contract')) fail('the sentence on page 3 is not marked');
    await until(async () => (await byTestId('citation-page-image').count()) > 0 || !(await byTestId('citation-panel').textContent()).includes('Loading page'), 'the page image or the passage alone');
    await clearOfBar(page, fail, width);
    await checkAxe(page, `the page-3 answer at ${width}`, fail);
    await shot('page-3');
    await page.keyboard.press('Escape');
    await byTestId('citation-panel').waitFor({ state: 'detached' });

    begin(`notebook answers ${width}: the Settings link opens Settings`);
    await byTestId('notebook-message').last().getByTestId('notebook-engine-settings').click();
    await page.getByRole('heading', { level: 1, name: 'Settings', exact: true }).waitFor();
    if ((await page.evaluate(() => location.hash)) !== '') fail('the Settings link stayed in the address');
    // Where Settings has its Models section, the link lands on it.
    if ((await page.locator('#settings-models').count()) > 0) {
      await until(async () => (await page.evaluate(() => document.activeElement?.id)) === 'settings-models', 'the Models section to have the focus');
      log('the Settings link lands on Settings → Models');
    }
    errors.check();
    await context.close();
  }
}

/**
 * The panel's header (its file name and close button) is inside the
 * window and below the app's sticky bar, also when the page is scrolled.
 * @param {import('playwright-core').Page} page
 */
async function clearOfBar(page, fail, width) {
  for (const scroll of [0, 400]) {
    await page.evaluate((y) => window.scrollTo(0, y), scroll);
    await page.waitForTimeout(100);
    const r = await page.evaluate(() => {
      const bar = document.querySelector('header')?.getBoundingClientRect();
      const head = document.querySelector('[data-testid=citation-panel] h3')?.getBoundingClientRect();
      const close = document.querySelector('[data-testid=citation-close]')?.getBoundingClientRect();
      return { bar: bar?.bottom ?? 0, head: head?.top ?? -1, close: close ? [close.top, close.right] : null, vw: document.documentElement.clientWidth, vh: innerHeight };
    });
    if (r.head < r.bar) fail(`at ${width} px (scrolled ${scroll}) the panel's header (top ${r.head}) is under the app bar (bottom ${r.bar})`);
    if (!r.close || r.close[0] < r.bar || r.close[1] > r.vw || r.close[0] > r.vh) fail(`at ${width} px the panel's close button is out of reach: ${JSON.stringify(r)}`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}
