// The example portal's whole story in a real browser: Debian's chromium, headless, driven by
// playwright-core. A person's steps, in order: sign up, turn 2FA on from the QR code, keep the backup
// codes, sign out, sign in with password and code, meet the replay message, sign in with a backup
// code, add a second phone, remove the first. Codes come from oathtool (an implementation of TOTP
// independent of totpd) computed from the secret that the QR code in a screenshot holds; ZXing
// reads the QR code (QrDecode.java, run with java).
//
// Started by ./run, which starts totpd and the portal and sets:
//   PORTAL_URL        the portal, e.g. http://127.0.0.1:8181
//   TOTPD_PUBLIC_URL  totpd as the browser reaches it (the QR image's origin)
//   TOTPD_API_KEY     the portal's API key, which the browser must never receive
//   SCREENSHOTS       where the README's screenshots go
//   WORK_DIR          where other screenshots go (the failure's, the second phone's)
//   ZXING_JAR         ZXing's core jar, for QrDecode.java
//   CHROMIUM          the browser binary (/usr/bin/chromium)
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const PORTAL = required('PORTAL_URL');
const TOTPD = required('TOTPD_PUBLIC_URL');
const API_KEY = required('TOTPD_API_KEY');
const SCREENSHOTS = required('SCREENSHOTS');
const WORK_DIR = required('WORK_DIR');
const ZXING_JAR = required('ZXING_JAR');
const QR_DECODE = join(dirname(fileURLToPath(import.meta.url)), 'QrDecode.java');
const EMAIL = process.env.STORY_EMAIL || 'alice@example.com';
const PASSWORD = 'correct horse battery staple';
const PERIOD = 30;

let passed = 0;
let failed = 0;

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`story.mjs: ${name} is not set (run ./run, which sets it)`);
    process.exit(2);
  }
  return value;
}

function check(condition, what) {
  if (!condition) {
    throw new Error(`expected ${what}`);
  }
}

// One step of the story: its checks pass or the story stops there (later steps build on it).
async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    passed++;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}`);
    const shot = join(WORK_DIR, 'failure.png');
    await page.screenshot({ path: shot, fullPage: true }).then(() => console.log(`     the page then: ${shot}`), () => {});
    throw e;
  }
}

// --- TOTP from outside: oathtool, and the replay rule the service applies ---------------------

// The highest time step of any code totpd accepted for the user: codes at or below it are replays.
let replayMark = -1;

function oathtool(secret, timeStep) {
  return execFileSync('oathtool', ['--totp', '--base32', '--now', `@${timeStep * PERIOD}`, secret], { encoding: 'utf8' }).trim();
}

// A code totpd will take as new: the current step or the next (RFC 6238's window lets one step either
// side through), whichever is past the replay mark; when neither is, wait for the next step.
async function freshCode(secret) {
  for (;;) {
    const current = Math.floor(Date.now() / 1000 / PERIOD);
    for (const candidate of [current, current + 1]) {
      if (candidate > replayMark) {
        return { code: oathtool(secret, candidate), timeStep: candidate };
      }
    }
    await sleep((current + 1) * PERIOD * 1000 - Date.now() + 250);
  }
}

function accepted(code) {
  replayMark = Math.max(replayMark, code.timeStep);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- The QR code, read from pixels ---------------------------------------------------------------

// ZXing's Java reader: its JavaScript port (@zxing/library) missed some codes of this very page.
function decodeQr(pngFile) {
  return execFileSync('java', ['-cp', ZXING_JAR, QR_DECODE, pngFile], { encoding: 'utf8' }).trim();
}

// The setup page as a user sees it: the QR image loaded from totpd, the grouped key beside it.
async function readSetupPage(page, screenshot) {
  const qr = page.locator('img.qr');
  await qr.waitFor();
  await page.waitForFunction(() => document.querySelector('img.qr').complete);
  const naturalWidth = await qr.evaluate((img) => img.naturalWidth);
  check(naturalWidth > 0, `the QR image to load from totpd (naturalWidth ${naturalWidth})`);
  const src = await qr.getAttribute('src');
  check(src.startsWith(`${TOTPD}/qr/`), `the QR image to come from totpd's signed link, not ${src}`);

  const file = join(screenshot ? SCREENSHOTS : WORK_DIR, screenshot || 'add-phone.png');
  await page.screenshot({ fullPage: true, path: file });
  const uri = new URL(decodeQr(file));
  check(uri.protocol === 'otpauth:' && uri.host === 'totp', `an otpauth://totp/ URI in the QR code, not ${uri.protocol}//${uri.host}`);
  check(decodeURIComponent(uri.pathname).endsWith(`:${EMAIL}`), `the account name ${EMAIL} in the QR code's label`);
  const secret = uri.searchParams.get('secret');

  const manualEntryKey = (await page.locator('#manual-entry-key').textContent()).trim();
  check(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})*$/.test(manualEntryKey), `the manual entry key in groups of four, not "${manualEntryKey}"`);
  check(manualEntryKey.replaceAll(' ', '') === secret, 'the QR code\'s secret to be the manual entry key without its spaces');
  return { secret, src };
}

// --- The story -------------------------------------------------------------------------------------

const started = Date.now();
mkdirSync(SCREENSHOTS, { recursive: true });
mkdirSync(WORK_DIR, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const context = await browser.newContext({ viewport: { width: 820, height: 960 }, locale: 'en-GB' });
const page = await context.newPage();

// Everything the browser received and every QR image request it sent, for the checks at the end.
const received = [];
const qrRequests = [];
context.on('response', (response) => {
  received.push((async () => {
    const headers = JSON.stringify(await response.allHeaders());
    let body = '';
    try {
      body = (await response.body()).toString('latin1');
    } catch {
      // a redirect has no body
    }
    return { url: response.url(), headers, body };
  })().catch((e) => ({ url: response.url(), unreadable: e.message })));
});
context.on('request', (request) => {
  if (request.url().startsWith(`${TOTPD}/qr/`)) {
    qrRequests.push(request);
  }
});

const onPage = (path) => check(new URL(page.url()).pathname === path, `to be on ${path}, not ${page.url()}`);
const main = () => page.locator('main').innerText();
let firstSecret;
let firstQrSrc;
let backupCodes;
let codeUsedToSignIn;

async function signInWithPassword() {
  await page.goto(`${PORTAL}/sign-in`);
  await page.fill('#email', EMAIL);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
}

async function signOut() {
  await page.goto(`${PORTAL}/account`);
  await page.click('text=Sign out');
  onPage('/sign-in');
}

try {
  await step('sign up with a password', async () => {
    await page.goto(`${PORTAL}/sign-up`);
    await page.fill('#email', EMAIL);
    await page.fill('#password', PASSWORD);
    await page.screenshot({ path: join(SCREENSHOTS, 'sign-up.png') });
    await page.click('button[type=submit]');
    onPage('/account');
    check((await main()).includes('Off: a password alone signs you in'), 'the account page to say 2FA is off');
  });

  await step('turn on 2FA: the QR code from a screenshot holds the grouped manual entry key', async () => {
    await page.click('text=Turn on two-factor sign-in');
    ({ secret: firstSecret, src: firstQrSrc } = await readSetupPage(page, 'turn-on.png'));
  });

  await step('the QR image loaded from totpd without any API key', async () => {
    const request = qrRequests.find((r) => r.url() === firstQrSrc);
    check(request, 'the browser to have requested the QR image itself');
    const headers = await request.allHeaders();
    check(!('authorization' in headers), `no Authorization header on the QR request, found one: ${Object.keys(headers)}`);
    // totpd is another host to the browser (localhost, the portal 127.0.0.1): the portal's cookies stay home.
    check(!('cookie' in headers), 'no cookie of the portal on the QR request');
    check((await request.response()).status() === 200, 'the QR image to answer 200');
  });

  await step('the first code from oathtool turns 2FA on; the backup codes are shown once', async () => {
    const code = await freshCode(firstSecret);
    await page.fill('#code', code.code);
    await page.click('button[type=submit]');
    accepted(code);
    backupCodes = await page.locator('#backup-codes li').allTextContents();
    check(backupCodes.length === 10, `ten backup codes, not ${backupCodes.length}`);
    check(backupCodes.every((c) => /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(c)), `backup codes as XXXX-XXXX-XXXX: ${backupCodes}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'backup-codes.png'), fullPage: true });
    await page.click('text=I have saved them');
    onPage('/account');
    const account = await main();
    check(account.includes('Two-factor sign-in is on'), 'the account page to say 2FA is on');
    check(!backupCodes.some((c) => account.includes(c)), 'the account page not to show the backup codes again');
  });

  await step('sign out ends the session', async () => {
    await signOut();
    check((await main()).includes('You signed out'), 'the sign-in page to say so');
    await page.goto(`${PORTAL}/account`);
    onPage('/sign-in');
  });

  await step('a wrong password, or a form without its CSRF token, signs nobody in', async () => {
    await page.goto(`${PORTAL}/sign-in`);
    await page.fill('#email', EMAIL);
    await page.fill('#password', `${PASSWORD}!`);
    await page.click('button[type=submit]');
    onPage('/sign-in');
    const error = await page.locator('.error').innerText();
    check(error.includes('do not match an account'), `the wrong-password message, not "${error}"`);
    // The right password, posted as another site's form would be: the browser's cookies, no token in the form.
    const forged = await page.request.post(`${PORTAL}/sign-in`, { form: { email: EMAIL, password: PASSWORD }, maxRedirects: 0 });
    check(forged.status() === 400, `a form without its CSRF token to be refused with 400, not ${forged.status()}`);
    const names = (await context.cookies(PORTAL)).map((c) => c.name);
    check(!names.includes('portal-sign-in-pending') && !names.includes('portal-session'), `no sign-in cookie after either, found ${names}`);
  });

  await step('a right password alone gives no session, not even with the pending cookie as the session cookie', async () => {
    await signInWithPassword();
    onPage('/sign-in/code');
    const pending = (await context.cookies(PORTAL)).find((c) => c.name === 'portal-sign-in-pending');
    check(pending && pending.httpOnly, 'an HttpOnly pending sign-in cookie after the password');
    check(!(await context.cookies(PORTAL)).some((c) => c.name === 'portal-session'), 'no session cookie after the password');
    await context.addCookies([{ ...pending, name: 'portal-session' }]);
    await page.goto(`${PORTAL}/account`);
    onPage('/sign-in');
    await context.clearCookies({ name: 'portal-session' });
  });

  await step('sign in with the password, then a code from oathtool', async () => {
    await page.goto(`${PORTAL}/sign-in/code`);
    codeUsedToSignIn = await freshCode(firstSecret);
    await page.fill('#code', codeUsedToSignIn.code);
    await page.click('text=Sign in >> nth=0');
    onPage('/account');
    accepted(codeUsedToSignIn);
  });

  await step('the same code again shows the replay message', async () => {
    await signOut();
    await signInWithPassword();
    onPage('/sign-in/code');
    await page.fill('#code', codeUsedToSignIn.code);
    await page.click('form[action="/sign-in/code"] button');
    onPage('/sign-in/code');
    const error = await page.locator('.error').innerText();
    check(error.includes('That code was already used. Wait for the next code'), `the replay message, not "${error}"`);
    await page.screenshot({ path: join(SCREENSHOTS, 'code-already-used.png') });
    await page.goto(`${PORTAL}/account`);
    onPage('/sign-in');
  });

  await step('sign in with a backup code', async () => {
    await signInWithPassword();
    onPage('/sign-in/code');
    await page.fill('#backupCode', backupCodes[3].toLowerCase().replaceAll('-', ' '));
    await page.click('form[action="/sign-in/backup-code"] button');
    onPage('/account');
    check((await main()).includes('you have 9 left'), 'the account page to say 9 backup codes are left');
  });

  let secondSecret;
  await step('add a second phone from its own QR code', async () => {
    await page.fill('#name', 'Work phone');
    await page.click('text=Add phone');
    ({ secret: secondSecret } = await readSetupPage(page, null));
    check(secondSecret !== firstSecret, 'the second phone to get a secret of its own');
    // Activation is judged on the new phone's secret alone, then counts its step as used for all.
    const code = { code: oathtool(secondSecret, Math.floor(Date.now() / 1000 / PERIOD)), timeStep: Math.floor(Date.now() / 1000 / PERIOD) };
    await page.fill('#code', code.code);
    await page.click('button[type=submit]');
    accepted(code);
    onPage('/account');
    const phones = await page.locator('table.phones strong').allTextContents();
    check(JSON.stringify(phones) === JSON.stringify(['Authenticator', 'Work phone']), `two phones listed, not ${phones}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'account.png'), fullPage: true });
  });

  await step('remove the first phone', async () => {
    await page.click('button[aria-label="Remove Authenticator"]');
    onPage('/account');
    check((await main()).includes('The phone was removed'), 'the account page to say the phone was removed');
    const phones = await page.locator('table.phones strong').allTextContents();
    check(JSON.stringify(phones) === JSON.stringify(['Work phone']), `only the work phone left, not ${phones}`);
  });

  await step('the removed phone\'s code is refused, the second phone\'s signs in', async () => {
    await signOut();
    await signInWithPassword();
    const second = await freshCode(secondSecret);
    await page.fill('#code', oathtool(firstSecret, second.timeStep));
    await page.click('form[action="/sign-in/code"] button');
    const error = await page.locator('.error').innerText();
    check(error.includes('That code is not right'), `the wrong-code message, not "${error}"`);
    await page.fill('#code', second.code);
    await page.click('form[action="/sign-in/code"] button');
    onPage('/account');
    accepted(second);
  });

  await step('no response the browser received contains the API key', async () => {
    await page.waitForLoadState('networkidle');
    let responses;
    do {
      responses = await Promise.all(received);
    } while (responses.length !== received.length);
    check(responses.length > 20, `the story's responses to have been collected (${responses.length})`);
    const unread = responses.filter((r) => r.unreadable);
    check(unread.length === 0, `every response to have been read, not ${unread.map((r) => `${r.url}: ${r.unreadable}`)}`);
    const leaks = responses.filter((r) => r.url.includes(API_KEY) || r.headers.includes(API_KEY) || r.body.includes(API_KEY));
    check(leaks.length === 0, `no API key anywhere, found in ${leaks.map((r) => r.url)}`);
    console.log(`     (${responses.length} responses searched, ${qrRequests.length} QR image requests)`);
  });
} catch {
  // reported by step(); the summary says the rest
} finally {
  await browser.close();
}

console.log(`portal story: ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
