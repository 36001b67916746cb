// The web client against the real tern-signaling (its embedded backend, Talk's REST API), in
// Debian's Chromium driven by playwright-core: log in as alice, create a group room, send a
// message and see it, react to it; bob, added to the room over the REST API, writes and his
// message arrives through the client's long poll; alice edits hers. Any page error or
// Content-Security-Policy violation (the server's own header) fails the run.
//
// Usage: node real_server.mjs BASE_URL ALICE_PASSWORD BOB_PASSWORD
//        (E2E_DIR: where playwright-core is installed)
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, until as untilDeadline } from './browser_support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '../..');
const [base, alicePassword, bobPassword] = process.argv.slice(2);
const e2eDir = resolve(process.env.E2E_DIR ?? join(webDir, '../../tests/e2e'));
const { chromium } = createRequire(join(e2eDir, 'package.json'))('playwright-core');
const STEP_MS = 15000;

function log(...a) {
  console.log('[web-real]', ...a);
}

function until(page, what, probe, ms = STEP_MS) {
  return untilDeadline(page, what, probe, ms);
}

/// One OCS request as `user`, the way a bot would make it; the envelope's data, or a throw with
/// the status and message.
async function ocs(user, password, method, path, form) {
  const res = await fetch(`${base}/ocs/v2.php/apps/spreed/api/${path}`, {
    method,
    headers: {
      'OCS-APIRequest': 'true',
      Accept: 'application/json',
      Authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64'),
      ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path} as ${user}: HTTP ${res.status} ${JSON.stringify(body?.ocs?.meta)}`);
  return body.ocs.data;
}

let browser;
let failed = false;
try {
  browser = await launchChromium(chromium);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  context.setDefaultTimeout(2000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().includes('/ocs/')) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  await page.goto(base + '/', { waitUntil: 'load' });

  await until(page, 'the login form', () => page.locator('#login-user').isVisible());
  await page.fill('#login-user', 'alice');
  await page.fill('#login-password', alicePassword);
  await page.locator('#login-password').press('Enter');
  await until(page, 'the room list after the login', () => page.locator('summary', { hasText: 'New conversation' }).isVisible());
  log('logged in as alice');

  await page.locator('summary', { hasText: 'New conversation' }).click();
  await page.fill('#new-room-name', 'Launch');
  await page.locator('#new-room-name').press('Enter');
  await until(page, 'the new room open', async () => (await page.locator('#chat-heading').innerText()) === 'Launch');
  const rooms = await ocs('alice', alicePassword, 'GET', 'v4/room');
  const room = rooms.find((r) => r.name === 'Launch');
  if (!room) throw new Error(`the server has no room Launch: ${JSON.stringify(rooms.map((r) => r.name))}`);
  log(`room Launch created through the page: token ${room.token}`);

  await page.fill('#composer', 'Hello from the page');
  await page.locator('#composer').press('Enter');
  const mine = page.locator('li.message', { hasText: 'Hello from the page' });
  await until(page, 'the sent message', () => mine.isVisible());
  const stored = await ocs('alice', alicePassword, 'GET', `v1/chat/${room.token}?lookIntoFuture=0&limit=10`);
  if (!stored.some((m) => m.message === 'Hello from the page')) throw new Error('the message is not in the server\'s history');

  await mine.getByRole('button', { name: 'React', exact: true }).click();
  await mine.getByRole('button', { name: 'React with 👍' }).click();
  await until(page, 'the reaction', async () => (await mine.locator('button.reaction').innerText()).includes('👍 1'));

  await ocs('alice', alicePassword, 'POST', `v4/room/${room.token}/participants`, { newParticipant: 'bob', source: 'users' });
  await ocs('bob', bobPassword, 'POST', `v1/chat/${room.token}`, { message: 'Hi Alice, bob here' });
  await until(page, "bob's message through the long poll", () => page.locator('li.message', { hasText: 'Hi Alice, bob here' }).isVisible());
  log("bob's message arrived through the long poll");

  await mine.getByRole('button', { name: 'Edit the message' }).click();
  await page.fill('#composer', 'Hello from the page, edited');
  await page.locator('#composer').press('Enter');
  await until(page, 'the edited message', () => page.locator('li.message', { hasText: 'Hello from the page, edited' }).isVisible());

  if (problems.length) throw new Error(`the page reported: ${problems.join('; ')}`);
  log('the journey against tern-signaling passed');
} catch (e) {
  failed = true;
  console.error(`[web-real] FAILED: ${e instanceof Error ? e.stack ?? e.message : e}`);
} finally {
  await browser?.close().catch(() => {});
}
process.exit(failed ? 1 : 0);
