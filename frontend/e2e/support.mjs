// Helpers the e2e modules share.

/**
 * Collects uncaught page errors and 5xx answers while a module runs;
 * check() fails the run when there were any.
 * @param {import('playwright-core').Page} page
 * @param {(msg: string) => never} fail
 */
// watchFailedRequests returns the list, growing as the page runs, of its
// requests that failed or were answered 400 or above ("GET /path → 404").
export function watchFailedRequests(page) {
  const failed = [];
  page.on('response', (res) => {
    if (res.status() >= 400) failed.push(`${res.request().method()} ${new URL(res.url()).pathname} → ${res.status()}`);
  });
  page.on('requestfailed', (req) => failed.push(`${req.method()} ${new URL(req.url()).pathname} → ${req.failure()?.errorText}`));
  return failed;
}

export function watchErrors(page, fail) {
  const pageErrors = [];
  const serverErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('response', (res) => {
    if (res.status() >= 500) serverErrors.push(`${res.request().method()} ${res.url()} → ${res.status()}`);
  });
  return {
    check() {
      if (pageErrors.length) fail(`uncaught errors in the page:\n  ${pageErrors.join('\n  ')}`);
      if (serverErrors.length) fail(`server errors:\n  ${serverErrors.join('\n  ')}`);
    },
  };
}

/**
 * Signs a new account up through the UI, skips the email confirmation and
 * waits for the Tasks screen.
 * @param {import('playwright-core').Page} page
 * @param {string} base
 * @param {{ first: string, last: string, email: string, password: string }} who
 */
export async function signUpInUI(page, base, { first, last, email, password }) {
  const byTestId = (id) => page.getByTestId(id);
  await page.goto(base + '/');
  await byTestId('sign-in-form').waitFor();
  await byTestId('show-sign-up').click();
  await byTestId('first-name').fill(first);
  await byTestId('last-name').fill(last);
  await byTestId('email').fill(email);
  await byTestId('password').fill(password);
  await byTestId('auth-submit').click();
  await byTestId('verify-form').waitFor();
  await byTestId('verify-skip').click();
  await page.getByRole('heading', { level: 1, name: 'Tasks', exact: true }).waitFor();
}

/** A WAV file of silence: 16 kHz, 16-bit mono. */
export function silentWav(seconds) {
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
