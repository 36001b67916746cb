// Two Chromium pages call each other with iceTransportPolicy "relay" through tern's TURN server:
// audio and video both ways and a data channel message, all relayed (and hairpinned) by tern.
//
//   node turn_relay_call.mjs PAGE_URL TURN_URI USERNAME PASSWORD
import { launchChromium } from './browser.mjs';

const [pageUrl, turnUri, username, credential] = process.argv.slice(2);
const fail = (msg) => { console.error(`FAIL: ${msg}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const deadline = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms));

const browser = await launchChromium();
try {
  const cfg = { iceServers: [{ urls: turnUri, username, credential }], policy: 'relay' };
  const [a, b] = await Promise.all([browser.newContext(), browser.newContext()]).then(
    (ctxs) => Promise.all(ctxs.map((c) => c.newPage())));
  for (const p of [a, b]) {
    p.on('console', (m) => { if (m.type() === 'error') console.error(`page: ${m.text()}`); });
    await p.goto(pageUrl);
  }
  await a.evaluate((c) => window.setup({ ...c, offerer: true }), cfg);
  await b.evaluate((c) => window.setup({ ...c, offerer: false }), cfg);

  const offer = await Promise.race([a.evaluate(() => window.makeOffer()), deadline(15000, 'offer gathering')]);
  if (!/ typ relay /.test(offer.sdp)) fail(`no relay candidate in the offer:\n${offer.sdp}`);
  if (/ typ (host|srflx) /.test(offer.sdp)) fail('the relay-only offer carries non-relay candidates');
  const answer = await Promise.race([b.evaluate((o) => window.takeOffer(o), offer), deadline(15000, 'answer gathering')]);
  await a.evaluate((ans) => window.takeAnswer(ans), answer);
  const t0 = Date.now();

  for (;;) {
    const [sa, sb] = await Promise.all([a.evaluate(() => window.state()), b.evaluate(() => window.state())]);
    if (sa.connection === 'connected' && sb.connection === 'connected' && sa.dc === 'open') break;
    if (sa.connection === 'failed' || sb.connection === 'failed') fail(`ICE failed: ${JSON.stringify([sa, sb])}`);
    if (Date.now() - t0 > 20000) fail(`not connected after 20 s: ${JSON.stringify([sa, sb])}`);
    await sleep(100);
  }
  console.log(`connected through the relay in ${Date.now() - t0} ms`);

  await a.evaluate(() => window.sendPing('hello over tern'));
  for (let i = 0; ; i++) {
    const sa = await a.evaluate(() => window.state());
    if (sa.received.includes('pong:hello over tern')) break;
    if (i > 100) fail(`no data channel answer: ${JSON.stringify(sa.received)}`);
    await sleep(50);
  }
  console.log('data channel: ping answered by the other page');

  // Media must flow both ways: against a baseline taken now, polled until every check holds or
  // the deadline passes, then a failure with the figures seen (browser-testing.md).
  const DEADLINE_MS = 15000;
  const pages = [[a, 'A'], [b, 'B']];
  const summaries = () => Promise.all(pages.map(([p]) => p.evaluate(() => window.rtcSummary())));
  const ZV = { framesDecoded: 0, width: 0, packetsLost: 0 };
  const ZA = { energy: 0, samples: 0, packetsLost: 0 };
  const first = await summaries();
  const t1 = Date.now();
  let now;
  for (;;) {
    await sleep(250);
    now = await summaries();
    const problems = [];
    for (let i = 0; i < 2; i++) {
      const name = pages[i][1];
      const s0 = first[i];
      const s1 = now[i];
      const v0 = s0.video || ZV, v1 = s1.video || ZV, a0 = s0.audio || ZA, a1 = s1.audio || ZA;
      if (!s1.local || s1.local.type !== 'relay') problems.push(`${name}: selected local candidate is not relay: ${JSON.stringify(s1.local)}`);
      if (v1.framesDecoded - v0.framesDecoded < 10) problems.push(`${name}: video not decoding: ${JSON.stringify([s0.video, s1.video])}`);
      if (a1.samples - a0.samples <= 0) problems.push(`${name}: no audio samples: ${JSON.stringify([s0.audio, s1.audio])}`);
      if (a1.energy - a0.energy <= 0) problems.push(`${name}: no audio energy: ${JSON.stringify([s0.audio, s1.audio])}`);
    }
    if (!problems.length) break;
    if (Date.now() - t1 > DEADLINE_MS) fail(`after ${DEADLINE_MS} ms: ${problems.join('; ')}`);
  }
  const ff = [];
  for (let i = 0; i < 2; i++) {
    const name = pages[i][1];
    const s0 = first[i];
    const s1 = now[i];
    const v0 = s0.video || ZV, a0 = s0.audio || ZA;
    ff.push(s1.firstFrameMs);
    console.log(`${name}: local ${s1.local.type} ${s1.local.address}:${s1.local.port} -> remote ${s1.remote.type} ` +
                `${s1.remote.address}:${s1.remote.port}; +${s1.video.framesDecoded - v0.framesDecoded} frames ` +
                `(${s1.video.width}px), audio energy +${(s1.audio.energy - a0.energy).toFixed(3)}, ` +
                `lost video ${s1.video.packetsLost} audio ${s1.audio.packetsLost}; ` +
                `first frame ${Math.round(s1.firstFrameMs)} ms, first audio ${s1.firstAudioMs === null ? '-' : Math.round(s1.firstAudioMs)} ms after connected`);
  }
  if (ff.some((x) => x === null)) fail(`a first frame was decoded but not timed: ${JSON.stringify(ff)}`);
  const fa = now.map((s) => s.firstAudioMs).filter((x) => x !== null).sort((x, y) => x - y);
  ff.sort((x, y) => x - y);
  // Two subscriptions: p50 is the lower, p95 the higher.
  console.log(`first_frame_ms p50=${Math.round(ff[0])} p95=${Math.round(ff[1])} max=${Math.round(ff[1])} n=2` +
              (fa.length ? ` first_audio_ms p50=${Math.round(fa[0])} p95=${Math.round(fa[fa.length - 1])} max=${Math.round(fa[fa.length - 1])} n=${fa.length}` : ''));
  console.log('PASS');
} finally {
  await browser.close();
}
