// Headless Chromium pages in a Talk call through tern-signaling and tern's SFU: each page
// (talk.html) speaks Talk's client protocol on /spreed, as the web client does in MCU mode;
// tern-signaling drives the control plane over the MCU proxy protocol. The Nextcloud side is
// talk_backend.py (mock). Every participant publishes camera+mic and receives everyone else;
// then the last one leaves the room and the others must see it go, on their pages and in the SFU;
// then participant 1 leaves the call (Nextcloud's incall 0) and joins it again.
//
//   node talk_call.mjs PAGE_URL SIGNALING_WS AUTH_URL BACKEND_CONTROL_URL TERNCTL CP_SOCK PARTICIPANTS
import { launchChromium } from './browser.mjs';
import { execFileSync } from 'node:child_process';

const [pageUrl, wsUrl, authUrl, controlUrl, ternctl, cpSock, count] = process.argv.slice(2);
const n = Number(count);
const ROOM = 'tern-e2e-room';
const fail = (msg) => { console.error(`FAIL: ${msg}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// poll(what, ms, fn): fn() until it returns a truthy value or ms pass; then fail with what fn
// last reported through `seen`.
async function poll(what, ms, fn) {
  const t0 = Date.now();
  const seen = { v: null };
  for (;;) {
    const r = await fn(seen);
    if (r) return r;
    if (Date.now() - t0 > ms) fail(`${what} after ${ms} ms; last seen: ${JSON.stringify(seen.v)}`);
    await sleep(100);
  }
}

// The SFU's own count of publishers and subscribers (ternctl status, control plane).
function sfuCounts() {
  const s = JSON.parse(execFileSync(ternctl, ['--socket', cpSock, '--json', 'status']).toString());
  return { publishers: s.sfu_sessions.publishers, subscribers: s.sfu_sessions.subscribers };
}

// Nextcloud's incall request for these Talk sessions (talk_backend.py signs and sends it).
async function incall(sessions, flags) {
  const res = await fetch(`${controlUrl}/test/incall`, { method: 'POST', body: JSON.stringify({ roomid: ROOM, sessions, incall: flags }) });
  const r = await res.json();
  if (r.status !== 200) fail(`tern-signaling answered the incall request ${r.status}: ${r.body}`);
}

// Every peer connection of these pages connected (a failed one fails at once).
async function allConnected(pages, want) {
  await poll(`${want} peer connections connected`, 20000, async (seen) => {
    const st = await Promise.all(pages.map((p) => p.evaluate(() => window.state())));
    seen.v = st;
    const all = st.flatMap((s) => Object.values(s));
    if (all.some((s) => s.connection === 'failed')) fail(`a connection failed: ${JSON.stringify(st)}`);
    return all.length === want && all.every((s) => s.connection === 'connected');
  });
}

async function expectSfu(what, want) {
  await poll(`the SFU ${what} (want ${JSON.stringify(want)})`, 10000, async (seen) => {
    seen.v = sfuCounts();
    return seen.v.publishers === want.publishers && seen.v.subscribers === want.subscribers;
  });
}

const browser = await launchChromium();
try {
  const pages = [];
  const people = [];
  for (let i = 0; i < n; i++) {
    const p = await (await browser.newContext()).newPage();
    p.on('console', (m) => { if (m.type() === 'error' && !/favicon|404/.test(m.text())) console.error(`page ${i}: ${m.text()}`); });
    await p.goto(pageUrl);
    const user = `user${i}`;
    const talkSession = `nc-session-${i}-${Math.random().toString(36).slice(2)}`;
    const r = await p.evaluate(([u, a, usr, room, ts]) => window.connect(u, a, usr, room, ts), [wsUrl, authUrl, user, ROOM, talkSession]);
    if (!r.features.includes('mcu')) fail(`participant ${i}: tern-signaling does not announce mcu: ${r.features}`);
    if (r.userid !== user) fail(`participant ${i}: hello answered userid ${r.userid}`);
    console.log(`participant ${i}: ${user}, signaling session ${r.sessionId.slice(0, 12)}…, in room ${r.room}`);
    pages.push(p);
    people.push({ user, talkSession, id: r.sessionId });
  }
  // Everyone sees everyone in the room (join events).
  await poll('join events', 10000, async (seen) => {
    const m = await Promise.all(pages.map((p) => p.evaluate(() => [...window.members])));
    seen.v = m;
    return m.every((ids) => people.every((x) => ids.includes(x.id)));
  });

  // Nextcloud puts them in the call (Talk's incall request to tern-signaling).
  await incall(people.map((x) => x.talkSession), 7);
  await poll('participants update with everyone in the call', 10000, async (seen) => {
    const evs = await Promise.all(pages.map((p) => p.evaluate(() => window.events.filter((e) => e.target === 'participants' && e.type === 'update'))));
    seen.v = evs.map((e) => e.length);
    return evs.every((list) => list.some((e) => people.every((x) => e.update.users.some((u) => u.sessionId === x.id && (u.inCall & 1)))));
  });
  console.log(`all ${n} in the call`);

  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const r = await pages[i].evaluate(() => window.publish());
    console.log(`participant ${i}: published, SFU sid ${r.sid}`);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) await pages[i].evaluate((id) => window.subscribe(id), people[j].id);
    }
  }
  console.log(`${n} publishers, ${n * (n - 1)} subscriptions set up in ${Date.now() - t0} ms`);
  await allConnected(pages, n * n);
  console.log(`all ${n * n} peer connections up ${Date.now() - t0} ms after the first offer`);

  // Media on every subscription, as deltas against a baseline taken now, polled to a deadline.
  const summaries = () => Promise.all(pages.map((p) => p.evaluate(() => window.summary())));
  const who = (id) => people.findIndex((x) => x.id === id);
  async function checkMedia(label, active) {
    const first = await summaries();
    const t1 = Date.now();
    for (;;) {
      await sleep(250);
      const now = await summaries();
      const problems = [];
      const lines = [];
      for (const i of active) {
        for (const [k, s1] of Object.entries(now[i])) {
          const s0 = first[i][k] || {};
          if (s1.role === 'publisher') {
            if (s1.sent - (s0.sent || 0) <= 0) problems.push(`participant ${i}: publisher sent nothing`);
            continue;
          }
          const from = who(s1.publisher);
          const frames = (s1.video ? s1.video.framesDecoded : 0) - (s0.video ? s0.video.framesDecoded : 0);
          const energy = (s1.audio ? s1.audio.energy : 0) - (s0.audio ? s0.audio.energy : 0);
          const samples = (s1.audio ? s1.audio.samples : 0) - (s0.audio ? s0.audio.samples : 0);
          if (frames < 10) problems.push(`participant ${i} <- ${from}: ${frames} frames decoded (want 10): ${JSON.stringify([s0.video, s1.video])}`);
          if (energy <= 0 || samples <= 0) problems.push(`participant ${i} <- ${from}: audio energy +${energy}, samples +${samples}: ${JSON.stringify([s0.audio, s1.audio])}`);
          lines.push(`${label}: participant ${i} <- ${from}: +${frames} frames (${s1.video ? s1.video.width : 0}px), audio energy +${energy.toFixed(3)}, ` +
                     `+${samples} samples, candidates in ${s1.candidatesIn} out ${s1.candidatesOut}`);
        }
      }
      if (!problems.length) {
        for (const l of lines) console.log(l);
        console.log(`${label}: media checks held after ${Date.now() - t1} ms`);
        return now;
      }
      if (Date.now() - t1 > 15000) fail(`${label}: after 15000 ms: ${problems.join('; ')}`);
    }
  }
  const all = [...Array(n).keys()];
  const now = await checkMedia('call', all);
  const firsts = [];
  for (const i of all) {
    for (const s of Object.values(now[i])) {
      if (s.role !== 'subscriber') continue;
      console.log(`participant ${i} <- ${who(s.publisher)}: first frame ${s.firstFrameMs === null ? '-' : Math.round(s.firstFrameMs)} ms, ` +
                  `first audio ${s.firstAudioMs === null ? '-' : Math.round(s.firstAudioMs)} ms after connected`);
      if (s.firstFrameMs !== null) firsts.push(s.firstFrameMs);
    }
  }
  firsts.sort((a, b) => a - b);
  if (firsts.length) console.log(`first_frame_ms p50=${Math.round(firsts[Math.ceil(firsts.length / 2) - 1])} max=${Math.round(firsts[firsts.length - 1])} n=${firsts.length}`);
  // As from the reference server, the SFU's offer names the subscriber's sid.
  const noSid = all.flatMap((i) => Object.entries(now[i]).filter(([, s]) => s.role === 'subscriber' && !s.offerSid).map(([k]) => `${i}/${k}`));
  if (noSid.length) fail(`offers without a sid: ${noSid.join(', ')}`);
  const errors = (await Promise.all(pages.map((p) => p.evaluate(() => window.errors)))).flat();
  if (errors.length) fail(`error frames: ${JSON.stringify(errors)}`);
  await expectSfu('with everyone in the call', { publishers: n, subscribers: n * (n - 1) });

  // The last participant leaves the room: the others see the leave event and drop its stream;
  // tern-signaling releases its publisher and subscribers on the SFU.
  const last = n - 1;
  await pages[last].evaluate(() => window.leaveRoom());
  const rest = all.slice(0, last);
  await poll(`a leave event for participant ${last}`, 10000, async (seen) => {
    const l = await Promise.all(rest.map((i) => pages[i].evaluate(() => window.left)));
    seen.v = l;
    return l.every((x) => x.includes(people[last].id));
  });
  const st = await Promise.all(rest.map((i) => pages[i].evaluate(() => window.state())));
  if (st.some((s) => Object.keys(s).includes(`sub:${people[last].id}`))) fail(`a subscriber of the leaver remains: ${JSON.stringify(st)}`);
  const m = rest.length;
  await expectSfu(`without participant ${last}`, { publishers: m, subscribers: m * (m - 1) });
  console.log(`participant ${last} left the room: the others saw it leave, the SFU let its streams go`);
  if (m < 2) { console.log('PASS'); process.exit(0); }
  await checkMedia('after the leave', rest);

  // Participant 1 hangs up and Nextcloud takes it out of the call (incall 0): the others drop
  // its stream when the participants update says so, tern-signaling releases its streams.
  await pages[1].evaluate(() => window.hangUp());
  await incall([people[1].talkSession], 0);
  const others = rest.filter((i) => i !== 1);
  await poll('the others to drop participant 1\'s stream', 10000, async (seen) => {
    const st = await Promise.all(others.map((i) => pages[i].evaluate(() => window.state())));
    seen.v = st;
    return st.every((x) => !Object.keys(x).includes(`sub:${people[1].id}`));
  });
  const k = m - 1;
  await expectSfu('without participant 1 in the call', { publishers: k, subscribers: k * (k - 1) });
  console.log('participant 1 left the call: its stream went on every page and on the SFU');

  // ... and joins again: a new publisher, everyone subscribes again.
  await incall([people[1].talkSession], 7);
  await pages[1].evaluate(() => window.publish());
  for (const i of others) {
    await pages[1].evaluate((id) => window.subscribe(id), people[i].id);
    await pages[i].evaluate((id) => window.subscribe(id), people[1].id);
  }
  await allConnected(rest.map((i) => pages[i]), m * m);
  await expectSfu('with participant 1 back', { publishers: m, subscribers: m * (m - 1) });
  await checkMedia('participant 1 back in the call', rest);
  console.log('PASS');
} finally {
  await browser.close();
}
