// The self-service walk in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; never a downloaded browser): sign in with password + TOTP, Account
// Security, New password "YouTrack Mobile", Generate, Copy, close, the name in the list; the
// copied password works with curl through the proxy (200) until it is revoked on the page (401);
// then New token "issue sync", Generate, Copy: the copied token works as Bearer (200); then
// Change password, which gives the session a new id and CSRF token, and the page goes on with
// them: Revoke "issue sync" works (401 as Bearer). Then Sign out, and a second user without
// TOTP turns it on: the current password is asked at start (a wrong one shows no QR code) and
// again at confirm, with the code; the ten recovery codes are shown.
// Screenshots of each step go to SCREENSHOT_DIR. Run by test_browser, which sets up the
// deployment and the user.
import { chromium } from 'playwright-core';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import assert from 'node:assert/strict';

const { BASE_URL, LK_USERNAME, LK_PASSWORD, TOTP_SECRET_HEX, SCREENSHOT_DIR } = process.env;
const { LK_PLAIN_USERNAME, LK_PLAIN_PASSWORD } = process.env;
for (const [name, value] of Object.entries({ BASE_URL, LK_USERNAME, LK_PASSWORD, TOTP_SECRET_HEX, SCREENSHOT_DIR,
  LK_PLAIN_USERNAME, LK_PLAIN_PASSWORD })) {
  if (!value) throw new Error(`${name} is not set`);
}
mkdirSync(SCREENSHOT_DIR, { recursive: true });

function bearerStatus(token) {
  const out = execFileSync('curl', ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}',
    '-H', `Authorization: Bearer ${token}`, `${BASE_URL}/api/issues`]);
  return Number(out.toString());
}

// RFC 6238 with SHA-1, 30 s steps, 6 digits: what an authenticator app shows.
function totp(secretHex, unixSeconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', Buffer.from(secretHex, 'hex')).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

// RFC 4648 base32 (the secret the page shows) as hex, for totp().
function base32Hex(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = [];
  let value = 0;
  let bits = 0;
  for (const symbol of text.replace(/[=\s]/g, '').toUpperCase()) {
    value = ((value << 5) | alphabet.indexOf(symbol)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  return Buffer.from(bytes).toString('hex');
}

function proxyStatus(password) {
  const out = execFileSync('curl', ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}',
    '-u', `${LK_USERNAME}:${password}`, `${BASE_URL}/issues`]);
  return Number(out.toString());
}

let step = 0;
async function shot(page, name) {
  step += 1;
  await page.screenshot({ path: `${SCREENSHOT_DIR}/${String(step).padStart(2, '0')}-${name}.png`, fullPage: true });
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox'],  // the test may run as root, where Chromium's sandbox refuses to start
  timeout: 60_000,
});
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const consoleErrors = [];
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });

  await page.goto(`${BASE_URL}/-/account/`);
  const signIn = page.getByRole('region', { name: 'Sign in' });
  await signIn.getByLabel('Username').fill(LK_USERNAME);
  await signIn.getByLabel('Password', { exact: true }).fill(LK_PASSWORD);
  await shot(page, 'sign-in');
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  // TOTP is on: the page asks for the code after the right password.
  const code = signIn.getByLabel('Authentication code');
  await code.waitFor();
  await shot(page, 'totp-code-asked');
  await code.fill(totp(TOTP_SECRET_HEX, Date.now() / 1000));
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Account Security' }).waitFor();
  await shot(page, 'signed-in');

  await page.getByRole('tab', { name: 'Account Security' }).click();
  await page.getByRole('button', { name: 'New password' }).waitFor();
  await shot(page, 'account-security');

  await page.getByRole('button', { name: 'New password' }).click();
  const dialog = page.getByRole('dialog', { name: 'New application password' });
  await dialog.waitFor();
  // Keyboard only here: the dialog puts focus on the name field, Enter generates, and the
  // focus moves to Copy password.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'new-password-name');
  await page.keyboard.type('YouTrack Mobile');
  await shot(page, 'new-password-dialog');
  await page.keyboard.press('Enter');
  await dialog.getByRole('button', { name: 'Copy password' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'copy-password');
  const shown = (await page.locator('#new-password-value').textContent()).trim();
  assert.match(shown, /^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  await dialog.getByRole('button', { name: 'Copy password' }).click();
  await dialog.getByText('Copied to the clipboard.').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, shown);
  await shot(page, 'password-shown');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'hidden' });

  const row = page.getByRole('row', { name: /YouTrack Mobile/ });
  await row.waitFor();
  await shot(page, 'in-the-list');

  // The copied password works through the proxy.
  assert.equal(proxyStatus(copied), 200);

  await row.getByRole('button', { name: 'Revoke YouTrack Mobile' }).click();
  const confirm = page.locator('#confirm-dialog');
  await confirm.waitFor();
  await shot(page, 'revoke-confirm');
  await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
  await row.waitFor({ state: 'detached' });
  await shot(page, 'revoked');

  // Revocation reaches the proxy's cache by NOTIFY: at once, but asynchronously.
  let status = 0;
  for (let i = 0; i < 40 && status !== 401; i += 1) {
    status = proxyStatus(copied);
    if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(status, 401);

  // A permanent token, made in the same way in the next section.
  await page.getByRole('button', { name: 'New token' }).click();
  const tokenDialog = page.getByRole('dialog', { name: 'New permanent token' });
  await tokenDialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'new-token-name');
  await page.keyboard.type('issue sync');
  await tokenDialog.getByLabel('Expires after (days)').fill('90');
  await shot(page, 'new-token-dialog');
  await tokenDialog.getByRole('button', { name: 'Generate token' }).click();
  await tokenDialog.getByRole('button', { name: 'Copy token' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'copy-token');
  const shownToken = (await page.locator('#new-token-value').textContent()).trim();
  assert.match(shownToken, /^lkp_[0-9A-Za-z]{33}$/);
  await tokenDialog.getByRole('button', { name: 'Copy token' }).click();
  await tokenDialog.getByText('Copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shownToken);
  await shot(page, 'token-shown');
  await tokenDialog.getByRole('button', { name: 'Close' }).click();
  await tokenDialog.waitFor({ state: 'hidden' });
  await page.getByRole('row', { name: /issue sync/ }).waitFor();
  await shot(page, 'token-in-the-list');
  assert.equal(bearerStatus(shownToken), 200);

  // A new password renews the session (id and CSRF token); the next change must still work.
  await page.locator('#password-current').fill(LK_PASSWORD);
  await page.locator('#password-new').fill(`${LK_PASSWORD}-renewed`);
  // The next step's code: the sign-in used up the current one.
  await page.locator('#password-code').fill(totp(TOTP_SECRET_HEX, Date.now() / 1000 + 30));
  await page.locator('#password-revoke').uncheck();
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText(/^Password changed\./).waitFor();
  await shot(page, 'password-changed');
  const tokenRow = page.getByRole('row', { name: /issue sync/ });
  await tokenRow.getByRole('button', { name: 'Revoke issue sync' }).click();
  await confirm.waitFor();
  await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
  await tokenRow.waitFor({ state: 'detached' });
  await shot(page, 'token-revoked');
  status = 0;
  for (let i = 0; i < 40 && status !== 401; i += 1) {
    status = bearerStatus(shownToken);
    if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(status, 401);

  // Turning TOTP on needs the current password at both steps: a session alone is not enough.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn.getByLabel('Username').fill(LK_PLAIN_USERNAME);
  await signIn.getByLabel('Password', { exact: true }).fill(LK_PLAIN_PASSWORD);
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Account Security' }).click();
  const turnOn = page.getByRole('button', { name: 'Turn on two-factor authentication' });
  await page.locator('#totp-start-password').fill('not-the-password');
  await turnOn.click();
  await page.locator('#totp-error').getByText('The current password is wrong.').waitFor();
  assert.equal(await page.locator('#totp-enrol').isHidden(), true);
  assert.equal(await page.locator('#totp-start-password').inputValue(), '');  // not kept
  await shot(page, 'totp-start-refused');
  await page.locator('#totp-start-password').fill(LK_PLAIN_PASSWORD);
  await turnOn.click();
  await page.locator('#totp-enrol').waitFor();
  const secret = base32Hex((await page.locator('#totp-secret').textContent()).trim());
  await page.getByLabel('Code from the app').fill(totp(secret, Date.now() / 1000));
  await page.locator('#totp-confirm-password').fill(LK_PLAIN_PASSWORD);
  await shot(page, 'totp-enrol');
  await page.getByRole('button', { name: 'Confirm and turn on' }).click();
  await page.locator('#totp-code-list li').nth(9).waitFor();
  assert.equal(await page.locator('#totp-code-list li').count(), 10);
  await page.getByText(/^Two-factor authentication is on\./).waitFor();
  await shot(page, 'totp-on');

  // 401: the session checks at start; 403: the wrong password refused on purpose above.
  assert.deepEqual(consoleErrors.filter((text) => !/\b40[13]\b/.test(text)), []);
  console.log(`walk passed: ${step} screenshots in ${SCREENSHOT_DIR}`);
} finally {
  await browser.close();
}
