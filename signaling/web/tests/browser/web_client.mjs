// The web client's browser journey, in Debian's Chromium driven by playwright-core, against
// fake_ocs.mjs (a STAND-IN for tern-signaling's OCS API, which can seed what the real server
// cannot yet: badges, other users' history, guests; real_server.mjs walks the real one). Twice, at 1280 px and at a 360 px phone: log in with the keyboard
// only, see the rooms with their unread and mention badges, create a group room, send a message
// and see it, react, edit, delete; a message from someone else arrives through the long poll;
// older history loads; a failed request shows its error line. Once: a guest joins a public room
// by its link with the room's password. An axe-core scan of the login, room list and chat views
// fails on any serious or critical finding; screenshots of those views, light and dark, go to
// OUT. Any Content-Security-Policy violation or page error fails the run.
//
// Usage: node web_client.mjs DIST OUT   (E2E_DIR: where playwright-core is installed)
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, until as untilDeadline } from './browser_support.mjs';
import { startFakeServer } from './fake_ocs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '../..');
const dist = resolve(process.argv[2] ?? join(webDir, 'dist'));
const out = resolve(process.argv[3] ?? mkdtempSync(join(tmpdir(), 'tern-web-')));
const e2eDir = resolve(process.env.E2E_DIR ?? join(webDir, '../../tests/e2e'));
const { chromium } = createRequire(join(e2eDir, 'package.json'))('playwright-core');
const axePath = createRequire(join(webDir, 'package.json')).resolve('axe-core/axe.min.js');

const STEP_MS = 10000;
mkdirSync(out, { recursive: true });

function log(...a) {
  console.log('[web]', ...a);
}

function until(page, what, probe, ms = STEP_MS) {
  return untilDeadline(page, what, probe, ms);
}

const visible = (page, selector) => () => page.locator(selector).first().isVisible();

async function axeScan(page, name) {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ url: '/__test/axe.js' });
    // The scan itself is checked once per page: an unlabelled field must be found.
    const canary = await page.evaluate(async () => {
      const input = document.createElement('input');
      input.id = 'axe-canary';
      document.body.append(input);
      // eslint-disable-next-line no-undef
      const r = await axe.run('#axe-canary', { runOnly: ['label'] });
      input.remove();
      return r.violations.map((v) => `${v.id}:${v.impact}`);
    });
    if (!canary.includes('label:critical')) throw new Error(`axe did not find the canary's missing label: ${canary}`);
  }
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of result) log(`axe ${name}: ${v.impact} ${v.id}: ${v.help} at ${v.nodes.join(', ')}`);
  if (bad.length) throw new Error(`axe found ${bad.length} serious or critical violations in the ${name} view: ${JSON.stringify(bad)}`);
  log(`axe ${name}: no serious or critical violation (${result.length} lesser)`);
}

/// The axe scan and a screenshot of the view, in the light and in the dark theme.
async function scanAndShoot(page, name) {
  // Nothing wider than the viewport (a 360 px phone scrolls vertically only).
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  if (widths[0] > widths[1]) throw new Error(`the ${name} view is ${widths[0]} px wide in a ${widths[1]} px viewport`);
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await axeScan(page, `${name}-${scheme}`);
    await page.screenshot({ path: join(out, `${name}-${scheme}.png`), fullPage: false });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

function watchPage(page, problems) {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
    else if (m.type() === 'error' && !/Failed to load resource/.test(text)) problems.push(`console error: ${text}`);
  });
}

async function journey(browser, base, width, height, tag) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: 'light', locale: 'en-US' });
  context.setDefaultTimeout(2000); // each probe of until() is short; until() holds the deadline
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems);
  await page.goto(base + '/', { waitUntil: 'load' });

  // Login, by keyboard only: Tab order is the skip link, the user name, the password.
  await until(page, 'the login form', visible(page, '#login-user'));
  await scanAndShoot(page, `login-${tag}`);
  await page.keyboard.press('Tab');
  await until(page, 'the skip link focused first', () => page.evaluate(() => document.activeElement?.classList.contains('skip')));
  await page.keyboard.press('Tab');
  await until(page, 'the user name field focused', () => page.evaluate(() => document.activeElement?.id === 'login-user'));
  await page.keyboard.type('alice');
  await page.keyboard.press('Tab');
  await until(page, 'the password field focused', () => page.evaluate(() => document.activeElement?.id === 'login-password'));
  await page.keyboard.type('wrong');
  await page.keyboard.press('Enter');
  await until(page, 'the error line of a wrong password', async () => (await page.locator('.error-line').innerText()).includes('wrong user name or password'));
  await page.fill('#login-password', 'secret');
  await page.focus('#login-password');
  await page.keyboard.press('Enter');

  // The rooms with their badges.
  await until(page, 'the room list', visible(page, '.rooms a.room'));
  const team = page.locator('a.room', { hasText: 'Team' });
  await until(page, 'the unread badge of Team', async () => (await team.locator('.badge.unread').innerText()) === '4 unread');
  await until(page, 'the mention badge of Team', () => team.locator('.badge.mention').isVisible());
  await until(page, 'the one-to-one with Bob Builder', async () => (await page.locator('a.room', { hasText: 'Bob Builder' }).locator('.badge.unread').innerText()) === '1 unread');
  await scanAndShoot(page, `rooms-${tag}`);

  // Search.
  await page.fill('#room-search', 'town');
  await until(page, 'the search to leave one room', async () => (await page.locator('a.room').count()) === 1);
  await page.fill('#room-search', '');

  // A one-to-one with nobody: the error line carries the server's message.
  await page.locator('summary', { hasText: 'Message one person' }).click();
  await page.fill('#peer-user', 'nobody');
  await page.locator('#peer-user').press('Enter');
  await until(page, 'the error line of an unknown user', async () => (await page.locator('.room-list .error-line').innerText()).includes('user nobody not found'));

  // Create a group room; it opens.
  const roomName = `Launch ${tag}`;
  await page.locator('summary', { hasText: 'New conversation' }).click();
  await page.fill('#new-room-name', roomName);
  await page.locator('#new-room-name').press('Enter');
  await until(page, 'the new room open', async () => (await page.locator('#chat-heading').innerText()) === roomName);
  if (width <= 400) {
    await until(page, 'the room list hidden on a phone', async () => !(await page.locator('.room-list').isVisible()));
  }

  // Send and see the message.
  const text = `Hello from ${tag}`;
  await page.fill('#composer', text);
  await page.locator('#composer').press('Enter');
  const mine = page.locator('li.message', { hasText: text });
  await until(page, 'the sent message', () => mine.isVisible());
  await until(page, 'the composer cleared', async () => (await page.inputValue('#composer')) === '');
  await scanAndShoot(page, `chat-${tag}`);

  // React.
  await mine.getByRole('button', { name: 'React', exact: true }).click();
  await mine.getByRole('button', { name: 'React with 👍' }).click();
  const reaction = mine.locator('button.reaction');
  await until(page, 'the reaction', async () => (await reaction.innerText()).includes('👍 1') && (await reaction.getAttribute('aria-pressed')) === 'true');

  // A message from Bob arrives through the long poll.
  const token = await page.evaluate(() => location.hash.split('/').pop());
  const hook = await fetch(`${base}/__test/post`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token, actorId: 'bob', message: `Bob says hi in ${tag}` }) });
  if (!hook.ok) throw new Error(`the test hook answered ${hook.status}`);
  await until(page, "Bob's message through the long poll", () => page.locator('li.message', { hasText: `Bob says hi in ${tag}` }).isVisible());

  // Reply to Bob.
  const bobs = page.locator('li.message', { hasText: `Bob says hi in ${tag}` });
  await bobs.getByRole('button', { name: 'Reply', exact: true }).click();
  await until(page, 'the reply note', async () => (await page.locator('.composing').innerText()).includes('Replying to Bob Builder'));
  await page.fill('#composer', 'Hi Bob');
  await page.locator('#composer').press('Enter');
  const reply = page.locator('li.message', { hasText: 'Hi Bob' }).filter({ has: page.locator('blockquote') });
  await until(page, 'the reply with its quote', () => reply.isVisible());

  // Edit.
  await mine.getByRole('button', { name: 'Edit the message' }).click();
  await until(page, 'the composer holding the message', async () => (await page.inputValue('#composer')) === text);
  await page.fill('#composer', `${text}, edited`);
  await page.locator('#composer').press('Enter');
  const edited = page.locator('li.message', { hasText: `${text}, edited` });
  await until(page, 'the edited message', async () => (await edited.isVisible()) && (await edited.innerText()).includes('(edited)'));

  // Delete.
  await edited.getByRole('button', { name: 'Delete the message' }).click();
  await until(page, 'the deleted message', async () => (await page.locator('li.message.deleted').count()) === 1 && !(await page.locator('li.message', { hasText: `${text}, edited` }).count()));

  // The busy Team room: the newest page, the read marker set, older messages on demand.
  if (width <= 400) await page.getByRole('button', { name: 'Back to the conversations' }).click();
  await page.locator('a.room', { hasText: 'Team' }).click();
  await until(page, 'the Team chat', async () => (await page.locator('#chat-heading').innerText()) === 'Team' && (await page.locator('li.message').count()) >= 50);
  const before = await page.locator('li.message').count();
  await until(page, 'the read marker of Team', async () => {
    const state = await (await fetch(`${base}/__test/state`)).json();
    return state.team0001.readMarkers['users/alice'] >= 61;
  });
  // The button, unless scrolling to the top already loaded them.
  await page.getByRole('button', { name: 'Load older messages' }).click({ timeout: 1000 }).catch(() => {});
  await until(page, 'the older messages', async () => (await page.locator('li.message').count()) > before && (await page.locator('li.message', { hasText: 'Team update number 1' }).first().isVisible()));
  if (width <= 400) await page.getByRole('button', { name: 'Back to the conversations' }).click();
  await until(page, 'the Team badges cleared', async () => (await page.locator('a.room', { hasText: 'Team' }).locator('.badge').count()) === 0);

  if (problems.length) throw new Error(`problems in the ${tag} journey:\n${problems.join('\n')}`);
  await context.close();
  log(`journey ${tag}: passed`);
}

async function guestJourney(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark', locale: 'de-DE' });
  context.setDefaultTimeout(2000);
  const page = await context.newPage();
  const problems = [];
  watchPage(page, problems);
  await page.goto(`${base}/call/town0001`, { waitUntil: 'load' });
  await until(page, 'the guest form (German)', async () => (await page.locator('#guest-heading').innerText()).includes('„Town hall“ beitreten'));
  await until(page, 'the password field of a room with one', visible(page, '#guest-password'));
  await axeScan(page, 'guest');
  await page.screenshot({ path: join(out, 'guest-dark.png') });
  await page.fill('#guest-name', 'Gerda');
  await page.fill('#guest-password', 'wrong');
  await page.locator('#guest-password').press('Enter');
  await until(page, 'the wrong password line', async () => (await page.locator('.error-line').innerText()).includes('Das Passwort stimmt nicht.'));
  await page.fill('#guest-password', 'letmein');
  await page.locator('#guest-password').press('Enter');
  await until(page, 'the town hall chat', async () => (await page.locator('#chat-heading').innerText()) === 'Town hall');
  await page.fill('#composer', 'Hallo von Gerda');
  await page.locator('#composer').press('Enter');
  await until(page, "the guest's message", () => page.locator('li.message', { hasText: 'Hallo von Gerda' }).isVisible());
  if (problems.length) throw new Error(`problems in the guest journey:\n${problems.join('\n')}`);
  await context.close();
  log('journey guest: passed');
}

let browser;
let failed = false;
const servers = [];
/// A fresh fake server (fresh rooms and messages) for each journey.
async function serve() {
  const s = await startFakeServer({ dist, axePath });
  servers.push(s.server);
  const base = `http://127.0.0.1:${s.port}`;
  log(`serving ${dist} and the fake OCS API on ${base}`);
  return base;
}
log(`screenshots in ${out}`);
try {
  browser = await launchChromium(chromium);
  await journey(browser, await serve(), 1280, 800, 'wide');
  await journey(browser, await serve(), 360, 740, 'phone');
  await guestJourney(browser, await serve());
  log('all journeys passed');
} catch (e) {
  failed = true;
  console.error(`[web] FAILED: ${e instanceof Error ? e.stack ?? e.message : e}`);
} finally {
  await browser?.close().catch(() => {});
  for (const server of servers) {
    server.closeAllConnections?.();
    server.close();
  }
}
process.exit(failed ? 1 : 0);
