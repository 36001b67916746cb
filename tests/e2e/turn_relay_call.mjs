// Two Chromium pages call each other with iceTransportPolicy "relay" through tern's TURN server:
// audio and video both ways and a data channel message, all relayed (and hairpinned) by tern.
//
//   node turn_relay_call.mjs PAGE_URL TURN_URI USERNAME PASSWORD
import { chromium } from 'playwright-core';

const [pageUrl, turnUri, username, credential] = process.argv.slice(2);
const fail = (msg) => { console.error(`FAIL: ${msg}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const deadline = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms));

const browser = await chromium.launch({
  executablePath: '/usr/lib/chromium/chromium',
  headless: true,
  args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
         '--autoplay-policy=no-user-gesture-required', '--no-sandbox', '--disable-gpu',
         '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run'],
});
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

  // Media must flow both ways: deltas over a 2 s window (browser-testing.md).
  await sleep(1000);
  const first = await Promise.all([a.evaluate(() => window.rtcSummary()), b.evaluate(() => window.rtcSummary())]);
  await sleep(2000);
  const second = await Promise.all([a.evaluate(() => window.rtcSummary()), b.evaluate(() => window.rtcSummary())]);
  for (const [i, name] of [[0, 'A'], [1, 'B']]) {
    const s0 = first[i];
    const s1 = second[i];
    if (!s1.local || s1.local.type !== 'relay') fail(`${name}: selected local candidate is not relay: ${JSON.stringify(s1.local)}`);
    if (!s1.video || s1.video.framesDecoded - s0.video.framesDecoded < 10) fail(`${name}: video not decoding: ${JSON.stringify([s0.video, s1.video])}`);
    if (!s1.audio || s1.audio.samples - s0.audio.samples <= 0) fail(`${name}: no audio samples: ${JSON.stringify([s0.audio, s1.audio])}`);
    if (s1.audio.energy - s0.audio.energy <= 0) fail(`${name}: no audio energy: ${JSON.stringify([s0.audio, s1.audio])}`);
    console.log(`${name}: local ${s1.local.type} ${s1.local.address}:${s1.local.port} -> remote ${s1.remote.type} ` +
                `${s1.remote.address}:${s1.remote.port}; +${s1.video.framesDecoded - s0.video.framesDecoded} frames ` +
                `(${s1.video.width}px), audio energy +${(s1.audio.energy - s0.audio.energy).toFixed(3)}, ` +
                `lost video ${s1.video.packetsLost} audio ${s1.audio.packetsLost}`);
  }
  console.log('PASS');
} finally {
  await browser.close();
}
