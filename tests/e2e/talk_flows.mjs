// Talk's layer requests and renegotiations through tern-signaling and tern's SFU (issue 16):
// two participants in a Talk call (talk.html), each publishing VP8 simulcast in three layers,
// participant 0 as Talk's web client does on Chromium (SDP munged with a=ssrc-group:SIM),
// participant 1 by rids l/m/h scaled 4/2/1. Each receives the other and then:
//   1. selectStream substream 2, 0, 2: the decoded width follows the publisher's layers (its
//      outbound widths, highest and lowest), each within a deadline;
//   2. requestoffer again on a new peer connection (Talk after a failed one), twice;
//   3. requestoffer again answered on the same connection (an ICE restart), twice;
//   4. the publisher's ICE restart (a new offer with iceRestart);
// after each, frames are decoded again within a deadline, and no error frame reached a page.
//
// TALK_FLOWS (default "layers,temporal,newpc,samepc,pubice") picks the steps, to look at one
// alone. temporal: selectStream temporal 0 then 2 on participant 1's stream (L1T3): the decoded
// frame rate falls below half, then comes back above 80 % of what all layers give.
//
//   node talk_flows.mjs PAGE_URL SIGNALING_WS AUTH_URL BACKEND_CONTROL_URL TERNCTL CP_SOCK
import { launchChromium } from './browser.mjs';

const [pageUrl, wsUrl, authUrl, controlUrl] = process.argv.slice(2);
const ROOM = 'tern-e2e-flows';
const steps = new Set((process.env.TALK_FLOWS || 'layers,temporal,newpc,samepc,pubice').split(','));
const CAMERA = { width: 960, height: 540, fps: 15 };  // three layers: 240, 480, 960 px wide
const fail = (msg) => { console.error(`FAIL: ${msg}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// fn() until it returns a truthy value or ms pass; then fail with what fn last put in `seen`.
async function poll(what, ms, fn) {
  const t0 = Date.now();
  const seen = { v: null };
  for (;;) {
    const r = await fn(seen);
    if (r) return { r, ms: Date.now() - t0 };
    if (Date.now() - t0 > ms) fail(`${what} after ${ms} ms; last seen: ${JSON.stringify(seen.v)}`);
    await sleep(100);
  }
}

async function incall(sessions, flags) {
  const res = await fetch(`${controlUrl}/test/incall`, { method: 'POST', body: JSON.stringify({ roomid: ROOM, sessions, incall: flags }) });
  const r = await res.json();
  if (r.status !== 200) fail(`tern-signaling answered the incall request ${r.status}: ${r.body}`);
}

const browser = await launchChromium();
try {
  const pages = [];
  const people = [];
  for (let i = 0; i < 2; i++) {
    const p = await (await browser.newContext()).newPage();
    p.on('console', (m) => { if (m.type() === 'error' && !/favicon|404/.test(m.text())) console.error(`page ${i}: ${m.text()}`); });
    await p.goto(pageUrl);
    const talkSession = `nc-flows-${i}-${Math.random().toString(36).slice(2)}`;
    const r = await p.evaluate(([u, a, usr, room, ts]) => window.connect(u, a, usr, room, ts), [wsUrl, authUrl, `user${i}`, ROOM, talkSession]);
    if (!r.features.includes('simulcast') || !r.features.includes('update-sdp')) fail(`features without simulcast/update-sdp: ${r.features}`);
    pages.push(p);
    people.push({ talkSession, id: r.sessionId });
  }
  await poll('join events', 10000, async (seen) => {
    const m = await Promise.all(pages.map((p) => p.evaluate(() => [...window.members])));
    seen.v = m;
    return m.every((ids) => people.every((x) => ids.includes(x.id)));
  });
  await incall(people.map((x) => x.talkSession), 7);
  await poll('participants update with both in the call', 10000, async (seen) => {
    const evs = await Promise.all(pages.map((p) => p.evaluate(() => window.events.filter((e) => e.target === 'participants' && e.type === 'update'))));
    seen.v = evs.map((e) => e.length);
    return evs.every((list) => list.some((e) => people.every((x) => e.update.users.some((u) => u.sessionId === x.id && (u.inCall & 1)))));
  });

  const modes = ['sim', 'rid'];
  for (let i = 0; i < 2; i++) await pages[i].evaluate((o) => window.publish(o), { ...CAMERA, simulcast: modes[i] });
  for (let i = 0; i < 2; i++) await pages[i].evaluate((id) => window.subscribe(id), people[1 - i].id);
  const connected = async (what) => poll(what, 20000, async (seen) => {
    const st = await Promise.all(pages.map((p) => p.evaluate(() => window.state())));
    seen.v = st;
    const all = st.flatMap((s) => Object.values(s));
    if (all.some((s) => s.connection === 'failed')) fail(`${what}: a connection failed: ${JSON.stringify(st)}`);
    return all.length === 4 && all.every((s) => s.connection === 'connected');
  });
  await connected('all 4 peer connections connected');
  console.log('2 simulcast publishers (SIM-munged, rid l/m/h), each received by the other');

  // Both publishers send three layers (the encoder may start with fewer until its estimate rises).
  const widths = [];
  for (let i = 0; i < 2; i++) {
    const { r, ms } = await poll(`participant ${i} (${modes[i]}) sending 3 layers`, 30000, async (seen) => {
      seen.v = await pages[i].evaluate(() => window.sentWidths());
      return seen.v.length === 3 && new Set(seen.v).size === 3 ? seen.v : null;
    });
    widths.push(r);
    console.log(`participant ${i} (${modes[i]}): layers ${r.join('/')} px wide after ${ms} ms`);
  }

  const sub = async (i) => (await pages[i].evaluate(() => window.summary()))[`sub:${people[1 - i].id}`];
  const errorsSoFar = async () => (await Promise.all(pages.map((p) => p.evaluate(() => window.errors)))).flat();

  // 1. selectStream: the subscriber of each publisher goes to its highest, lowest, highest layer.
  const switchMs = [];
  for (let i = 0; i < 2 && steps.has('layers'); i++) {
    const from = 1 - i;
    const s0 = await sub(i);
    console.log(`participant ${i} <- ${from}: starts on ${s0.video ? s0.video.width : 0} px`);
    for (const substream of [2, 0, 2]) {
      const before = await sub(i);
      await pages[i].evaluate(([id, n]) => window.selectStream(id, n, n), [people[from].id, substream]);
      const { ms } = await poll(`participant ${i} <- ${from}: substream ${substream} decoded`, 10000, async (seen) => {
        const sent = await pages[from].evaluate(() => window.sentWidths());
        const want = substream === 2 ? Math.max(...sent) : Math.min(...sent);
        const s = await sub(i);
        seen.v = { want, sent, got: s.video };
        // Talk asks temporal = substream: on 0 a quarter of the frames, so 2 new ones suffice.
        return s.video && s.video.width === want && s.video.framesDecoded >= before.video.framesDecoded + 2;
      });
      switchMs.push(ms);
      console.log(`participant ${i} <- ${from}: substream ${substream} -> ${(await sub(i)).video.width} px in ${ms} ms`);
    }
  }
  switchMs.sort((a, b) => a - b);
  if (switchMs.length) console.log(`switch_ms p50=${switchMs[Math.ceil(switchMs.length / 2) - 1]} max=${switchMs[switchMs.length - 1]} n=${switchMs.length}`);

  // 1b. Temporal layers: participant 0 receives participant 1's highest layer, all temporal
  // layers, then only layer 0 (a quarter of the frames with L1T3), then all again.
  async function fps(i, ms = 1500) {
    const a = await sub(i);
    await sleep(ms);
    const b = await sub(i);
    return ((b.video.framesDecoded - a.video.framesDecoded) * 1000) / ms;
  }
  if (steps.has('temporal')) {
    const modes1 = await pages[1].evaluate(() => window.sentModes());
    console.log(`participant 1 sends ${modes1.join('/')}`);
    await pages[0].evaluate((id) => window.selectStream(id, 2, 2), people[1].id);
    // The baseline once the switch to the top layer is done (it waits for a keyframe): a window
    // of 1.5 s at 8 fps or more, polled to a deadline, not one sample taken at once.
    const all = (await poll('participant 0 <- 1: 8 fps or more with every temporal layer', 10000,
                            async (seen) => {
                              seen.v = await fps(0);
                              return seen.v >= 8 ? seen.v : null;
                            })).r;
    await pages[0].evaluate((id) => window.selectStream(id, 2, 0), people[1].id);
    const down = await poll('participant 0 <- 1: temporal layer 0 only', 10000, async (seen) => {
      seen.v = await fps(0);
      return seen.v > 0.5 && seen.v < all * 0.5 ? seen.v : null;
    });
    await pages[0].evaluate((id) => window.selectStream(id, 2, 2), people[1].id);
    const up = await poll('participant 0 <- 1: every temporal layer again', 10000, async (seen) => {
      seen.v = await fps(0);
      return seen.v >= all * 0.8 ? seen.v : null;
    });
    const w = (await sub(0)).video.width;
    if (w !== Math.max(...widths[1])) fail(`participant 0 <- 1: ${w} px after the temporal switches`);
    console.log(`participant 0 <- 1: temporal 2 ${all.toFixed(1)} fps, temporal 0 ${down.r.toFixed(1)} fps ` +
                `(after ${down.ms} ms), temporal 2 again ${up.r.toFixed(1)} fps (after ${up.ms} ms)`);
  }

  // Frames decoded again on participant 1's subscription within a deadline (a baseline first).
  async function framesResume(what) {
    const { ms } = await poll(`${what}: frames decoded again`, 15000, async (seen) => {
      const st = await pages[1].evaluate(() => window.state());
      const s = await sub(1);
      seen.v = { state: st[`sub:${people[0].id}`], video: s && s.video };
      if (!seen.v.state || seen.v.state.connection !== 'connected' || !s.video) return false;
      if (seen.base === undefined) seen.base = s.video.framesDecoded;
      return s.video.framesDecoded >= seen.base + 10;
    });
    const errs = await errorsSoFar();
    if (errs.length) fail(`${what}: error frames: ${JSON.stringify(errs)}`);
    console.log(`${what}: connected and decoding ${ms} ms after the offer was answered`);
    return ms;
  }

  // 2. requestoffer on a new peer connection (the old one closed), twice.
  for (let k = 1; k <= 2 && steps.has('newpc'); k++) {
    await pages[1].evaluate((id) => window.subscribe(id), people[0].id);
    await framesResume(`requestoffer on a new connection #${k}`);
  }
  // 3. requestoffer answered on the same connection: an ICE restart, twice.
  for (let k = 1; k <= 2 && steps.has('samepc'); k++) {
    const before = await pages[1].evaluate((id) => window.remoteUfrag(id), people[0].id);
    await pages[1].evaluate((id) => window.subscribe(id, { samePc: true }), people[0].id);
    const after = await pages[1].evaluate((id) => window.remoteUfrag(id), people[0].id);
    if (!before || before === after) fail(`the renegotiated offer kept ICE ufrag ${before}: no ICE restart`);
    await framesResume(`requestoffer on the same connection (ICE restart) #${k}`);
  }
  // 4. The publisher's ICE restart.
  if (steps.has('pubice')) {
    await pages[0].evaluate(() => window.restartPublisherIce());
    await framesResume('publisher ICE restart');
  }
  await connected('all 4 peer connections connected at the end');
  const errs = await errorsSoFar();
  if (errs.length) fail(`error frames: ${JSON.stringify(errs)}`);
  console.log('PASS');
} finally {
  await browser.close();
}
