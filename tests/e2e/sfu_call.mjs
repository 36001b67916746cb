// Headless Chromium participants call each other through tern's SFU, driven over tern's MCU
// proxy protocol (the page speaks it directly, with a JWT signed here by the test's key).
// Every participant publishes its camera (audio+video) and subscribes to everyone else;
// optionally the first one also shares a "screen". Media must decode on every subscription.
//
//   node sfu_call.mjs PAGE_URL PROXY_URL KEY_FILE TOKEN_ID PARTICIPANTS [--screen]
//                     [--turn URI USER PASS] [--restart] [--simulcast] [--ice-restart]
// --ice-restart: participant 0 restarts ICE on its publisher (new offer), and each subscriber
// of it gets a new offer from tern (new credentials); both must reconnect and media continue.
// --simulcast: participant 0 publishes its camera in three layers (rids h, m, l); each other
// participant then selects each layer in turn and must decode it at that layer's width.
// --restart: after the call is up, print READY and wait for a line on stdin (the test kills the
// control plane with SIGKILL and starts it again meanwhile); then media must still flow, the
// pages resume their proxy sessions, and one more participant joins everyone.
import { launchChromium } from './browser.mjs';
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const [pageUrl, proxyUrl, keyFile, tokenId, count] = args;
const screen = args.includes('--screen');
const restart = args.includes('--restart');
const simulcast = args.includes('--simulcast');
const iceRestart = args.includes('--ice-restart');
const turnAt = args.indexOf('--turn');
const turn = turnAt > 0 ? { urls: args[turnAt + 1], username: args[turnAt + 2], credential: args[turnAt + 3] } : null;
const fail = (msg) => { console.error(`FAIL: ${msg}`); process.exit(1); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const b64url = (b) => Buffer.from(b).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
function token() {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({ iss: tokenId, iat: Math.floor(Date.now() / 1000), sub: '' }));
  const sig = createSign('RSA-SHA256').update(`${head}.${claims}`).sign(readFileSync(keyFile));
  return `${head}.${claims}.${b64url(sig)}`;
}

const browser = await launchChromium([
  // wss:// to the test's self-signed certificate (a signaling server would verify it)
  ...(proxyUrl.startsWith('wss:') ? ['--ignore-certificate-errors'] : [])
]);
try {
  const n = Number(count);
  const pages = [];
  for (let i = 0; i < n; i++) {
    const p = await (await browser.newContext()).newPage();
    // (Refused WebSocket reconnects while the control plane restarts are expected.)
    p.on('console', (m) => { if (m.type() === 'error' && !/WebSocket connection|favicon|404/.test(m.text())) console.error(`page ${i}: ${m.text()}`); });
    await p.goto(pageUrl);
    const config = turn ? { iceServers: [turn], iceTransportPolicy: 'relay' } : {};
    const sid = await p.evaluate(([u, t, c]) => window.connect(u, t, c), [proxyUrl, token(), config]);
    console.log(`participant ${i}: proxy session ${sid.slice(0, 8)}…`);
    pages.push(p);
  }
  // Publish: cameras, and a screen from participant 0 when asked.
  const pubs = [];
  for (let i = 0; i < n; i++) {
    const opts = simulcast && i === 0 ? { simulcast: true, bitrate: 2500000 } : {};
    const r = await pages[i].evaluate((o) => window.publish('video', o), opts);
    pubs.push({ owner: i, id: r.clientId, type: 'video' });
    console.log(`participant ${i}: camera publisher ${r.clientId} at ${r.bitrate} bit/s`);
  }
  if (screen) {
    const r = await pages[0].evaluate(() => window.publish('screen'));
    if (r.bitrate !== 2000000) fail(`screen bitrate ${r.bitrate}, expected the 2 Mbit/s cap`);
    pubs.push({ owner: 0, id: r.clientId, type: 'screen' });
    console.log(`participant 0: screen publisher ${r.clientId}`);
  }
  // Everyone receives everyone else.
  let subscriptions = 0;
  for (let i = 0; i < n; i++) {
    for (const p of pubs) {
      if (p.owner === i) continue;
      await pages[i].evaluate(([id, t]) => window.subscribe(id, t), [p.id, p.type]);
      subscriptions++;
    }
  }
  console.log(`${pubs.length} publishers, ${subscriptions} subscriptions`);

  const t0 = Date.now();
  for (;;) {
    const states = await Promise.all(pages.map((p) => p.evaluate(() => window.state())));
    const all = states.flatMap((s) => Object.values(s));
    if (all.every((s) => s.connection === 'connected')) break;
    if (all.some((s) => s.connection === 'failed')) fail(`a connection failed: ${JSON.stringify(states)}`);
    if (Date.now() - t0 > 20000) fail(`not all connected after 20 s: ${JSON.stringify(states)}`);
    await sleep(100);
  }
  console.log(`all ${pubs.length + subscriptions} peer connections up in ${Date.now() - t0} ms`);

  // Media on every subscription, judged against a baseline taken now: the checks are polled
  // until all hold or MEDIA_DEADLINE_MS passes, then the call fails with the figures it saw
  // (browser-testing.md). A subscription with no statistics yet counts from zero.
  const MEDIA_DEADLINE_MS = 15000;
  const summaries = () => Promise.all(pages.map((p) => p.evaluate(() => window.summary())));
  const ZERO_VIDEO = { framesDecoded: 0, packetsLost: 0, packets: 0, width: 0 };
  const ZERO_AUDIO = { energy: 0 };
  function mediaProblems(label, checkData, first, now) {
    const problems = [];
    const lines = [];
    for (let i = 0; i < pages.length; i++) {
      for (const [id, s1] of Object.entries(now[i])) {
        const s0 = first[i][id] || { sent: 0, video: null, audio: null, messages: 0 };
        if (s1.role === 'publisher') {
          if (s1.sent - s0.sent <= 0) problems.push(`participant ${i}: publisher ${id} sent nothing`);
          if (turn && (!s1.local || s1.local.type !== 'relay')) problems.push(`publisher not relayed: ${JSON.stringify(s1.local)}`);
          continue;
        }
        const pub = pubs.find((p) => p.id === s1.publisherId);
        if (!pub) continue;  // unpublished
        const who = `participant ${i} <- ${pub.owner} ${pub.type}`;
        const v0 = s0.video || ZERO_VIDEO;
        const v1 = s1.video || ZERO_VIDEO;
        const frames = v1.framesDecoded - v0.framesDecoded;
        const packets = v1.packets - v0.packets;
        const lost = v1.packetsLost - v0.packetsLost;
        if (frames < 10) problems.push(`${who}: ${frames} frames decoded (want 10): ${JSON.stringify([s0.video, s1.video])}`);
        if (lost > packets / 20) problems.push(`${who}: video loss ${lost}/${packets} in the window`);
        const a0 = s0.audio || ZERO_AUDIO;
        const a1 = s1.audio || ZERO_AUDIO;
        if (pub.type === 'video') {
          if (a1.energy - a0.energy <= 0) problems.push(`${who}: no audio energy: ${JSON.stringify([s0.audio, s1.audio])}`);
          // The publisher's audio level header extension reaches the subscriber under tern's id.
          if (s1.ssrcAudioLevel === null) problems.push(`${who}: no audio level extension in the received audio`);
        }
        // The publisher's data channel messages, through the SFU (not after a control plane
        // restart: SCTP state does not survive it).
        if (checkData && s1.messages - s0.messages < 3) problems.push(`${who}: ${s1.messages - s0.messages} data channel messages`);
        if (checkData && s1.lastMessage && (s1.lastMessage.label !== 'status' || JSON.parse(s1.lastMessage.data).from !== pub.id)) {
          problems.push(`${who}: wrong data channel message ${JSON.stringify(s1.lastMessage)}`);
        }
        if (turn && (!s1.local || s1.local.type !== 'relay')) problems.push(`${who}: subscriber not relayed: ${JSON.stringify(s1.local)}`);
        lines.push(`${label}: ${who}: +${frames} frames (${v1.width}px), ` +
                   `audio energy +${s1.audio ? (a1.energy - a0.energy).toFixed(3) : '-'}` +
                   (s1.ssrcAudioLevel !== null ? ` (level ${s1.ssrcAudioLevel.toFixed(3)}), ` : ', ') +
                   `lost ${lost}/${packets}, ${s1.srtp}, +${s1.messages - s0.messages} data channel messages` +
                   (s1.local ? `, local ${s1.local.type}/${s1.local.protocol}` : ''));
      }
    }
    return { problems, lines };
  }
  async function checkMedia(label, checkData = true) {
    const first = await summaries();
    const t0 = Date.now();
    for (;;) {
      await sleep(250);
      const now = await summaries();
      const { problems, lines } = mediaProblems(label, checkData, first, now);
      if (!problems.length) {
        for (const l of lines) console.log(l);
        console.log(`${label}: media checks held after ${Date.now() - t0} ms`);
        return now;
      }
      if (Date.now() - t0 > MEDIA_DEADLINE_MS) fail(`${label}: after ${MEDIA_DEADLINE_MS} ms: ${problems.join('; ')}`);
    }
  }
  // Time to first media per subscription (from connected to the first decoded frame / audio
  // packet), once every subscription has both; reported as p50/p95 of the scenario.
  const reported = new Set();
  const quantile = (xs, q) => xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];
  const firstFrames = [];
  const firstAudios = [];
  async function reportFirstMedia(label) {
    const now = await summaries();
    for (let i = 0; i < pages.length; i++) {
      for (const [id, s] of Object.entries(now[i])) {
        if (s.role !== 'subscriber' || reported.has(id) || s.firstFrameMs === null) continue;
        reported.add(id);
        const pub = pubs.find((p) => p.id === s.publisherId);
        firstFrames.push(s.firstFrameMs);
        if (s.firstAudioMs !== null) firstAudios.push(s.firstAudioMs);
        console.log(`${label}: participant ${i} <- ${pub ? `${pub.owner} ${pub.type}` : s.publisherId}: ` +
                    `first frame ${Math.round(s.firstFrameMs)} ms (first video packet ${s.firstVideoPacketMs === null ? '-' : Math.round(s.firstVideoPacketMs)} ms), first audio ${s.firstAudioMs === null ? '-' : `${Math.round(s.firstAudioMs)} ms`} after connected`);
      }
    }
  }
  function summarizeFirstMedia() {
    const f = [...firstFrames].sort((a, b) => a - b);
    const a = [...firstAudios].sort((x, y) => x - y);
    if (!f.length) fail('no subscription reported a first frame');
    console.log(`first_frame_ms p50=${Math.round(quantile(f, 0.5))} p95=${Math.round(quantile(f, 0.95))} max=${Math.round(f[f.length - 1])} n=${f.length}` +
                (a.length ? ` first_audio_ms p50=${Math.round(quantile(a, 0.5))} p95=${Math.round(quantile(a, 0.95))} max=${Math.round(a[a.length - 1])} n=${a.length}` : ''));
  }
  await checkMedia('call');
  await reportFirstMedia('call');
  if (simulcast) {
    // The SFU receives all three layers (the publisher's REMB budget allows them) ...
    let layers = null;
    for (let i = 0; ; i++) {
      const a = (await pages[0].evaluate(() => window.summary()))[pubs[0].id].layers;
      await sleep(1000);
      const b = (await pages[0].evaluate(() => window.summary()))[pubs[0].id].layers;
      layers = Object.fromEntries(Object.keys(b).map((rid) => [rid, { width: b[rid].width, pps: b[rid].packets - (a[rid] ? a[rid].packets : 0) }]));
      if (['h', 'm', 'l'].every((rid) => layers[rid] && layers[rid].pps > 0)) break;
      if (i > 20) fail(`the publisher does not send three layers: ${JSON.stringify(layers)}`);
    }
    console.log(`simulcast: publisher sends ${JSON.stringify(layers)}`);
    // ... and a subscriber receives whichever it selects, at that layer's width.
    for (let i = 1; i < n; i++) {
      const subId = Object.entries(await pages[i].evaluate(() => window.summary()))
        .find(([, s]) => s.role === 'subscriber' && s.publisherId === pubs[0].id)[0];
      for (const [substream, rid] of [[0, 'l'], [2, 'h'], [1, 'm']]) {
        await pages[i].evaluate(([id, sub]) => window.selectStream(id, sub), [subId, substream]);
        const want = layers[rid].width;
        let got = 0;
        for (let k = 0; k < 100; k++) {
          const s = (await pages[i].evaluate(() => window.summary()))[subId];
          got = s.video ? s.video.width : 0;
          if (got === want) break;
          await sleep(100);
        }
        if (got !== want) fail(`participant ${i}: substream ${substream} (${rid}) decodes at ${got}px, expected ${want}px`);
        console.log(`simulcast: participant ${i} selected substream ${substream} (${rid}) and decodes ${got}px`);
      }
    }
    await checkMedia('simulcast m');
  }
  if (iceRestart) {
    const before = await Promise.all(pages.map((p) => p.evaluate(() => window.summary())));
    await pages[0].evaluate((id) => window.restartPublisher(id), pubs[0].id);
    const refreshed = [];
    for (let i = 1; i < n; i++) {
      const subId = Object.entries(before[i]).find(([, s]) => s.role === 'subscriber' && s.publisherId === pubs[0].id)[0];
      await pages[i].evaluate((id) => window.refreshSubscriber(id), subId);
      refreshed.push([i, subId]);
    }
    for (let k = 0; ; k++) {
      const now = await Promise.all(pages.map((p) => p.evaluate(() => window.summary())));
      const pubNow = now[0][pubs[0].id];
      const changed = pubNow.ufrag && pubNow.ufrag !== before[0][pubs[0].id].ufrag &&
        refreshed.every(([i, id]) => now[i][id].ufrag && now[i][id].ufrag !== before[i][id].ufrag);
      const up = Object.values(now.flatMap((x) => Object.values(x))).every((x) => x.connection === 'connected');
      if (changed && up) break;
      if (k > 200) fail(`ICE restart did not complete: ${JSON.stringify(now)}`);
      await sleep(50);
    }
    console.log(`ICE restart: publisher and ${refreshed.length} subscriber(s) reconnected with new credentials`);
    await checkMedia('after ICE restart');  // a lost keyframe is asked for again by PLI
  }
  if (restart) {
    const lines = [];
    let wake = null;
    process.stdin.on('data', (d) => { lines.push(...d.toString().split('\n').filter(Boolean)); if (wake) wake(); });
    const line = async () => { while (!lines.length) await new Promise((r) => { wake = r; }); return lines.shift(); };
    console.log('READY');
    if ((await line()) !== 'KILLED') fail('expected KILLED');
    await checkMedia('without control plane', false);  // the data plane forwards on its own
    console.log('CHECKED');
    if ((await line()) !== 'GO') fail('expected GO');
    for (let i = 0; ; i++) {
      const r = await Promise.all(pages.map((p) => p.evaluate(() => [window.online, window.resumed])));
      if (r.every(([online, resumed]) => online && resumed > 0)) break;
      if (i > 200) fail(`proxy sessions not resumed: ${JSON.stringify(r)}`);
      await sleep(50);
    }
    console.log('proxy sessions resumed on the restarted control plane');
    await checkMedia('after restart', false);
    // A newcomer publishes and receives everyone; everyone receives the newcomer.
    const p = await (await browser.newContext()).newPage();
    await p.goto(pageUrl);
    await p.evaluate(([u, t]) => window.connect(u, t, {}), [proxyUrl, token()]);
    pages.push(p);
    const me = pages.length - 1;
    const r = await p.evaluate(() => window.publish('video'));
    const before = [...pubs];
    pubs.push({ owner: me, id: r.clientId, type: 'video' });
    for (const old of before) await p.evaluate(([id, t]) => window.subscribe(id, t), [old.id, old.type]);
    for (let i = 0; i < me; i++) await pages[i].evaluate((id) => window.subscribe(id, 'video'), r.clientId);
    for (let i = 0; ; i++) {
      const st = await Promise.all(pages.map((q) => q.evaluate(() => window.state())));
      if (st.flatMap((x) => Object.values(x)).every((x) => x.connection === 'connected')) break;
      if (i > 400) fail(`newcomer's connections not up: ${JSON.stringify(st)}`);
      await sleep(50);
    }
    await checkMedia('newcomer', false);
    await reportFirstMedia('newcomer');
    subscriptions += 2 * me;
  }
  const events = await Promise.all(pages.map((p) => p.evaluate(() => window.events)));
  const ice = events.flat().filter((e) => e.type === 'ice-completed').length;
  if (!restart && ice < pubs.length + subscriptions) fail(`only ${ice} ice-completed events for ${pubs.length + subscriptions} clients`);
  if (!events.flat().some((e) => e.type === 'update-load' && e.load > 0)) fail('no update-load event with load');
  // Unpublishing closes that publisher's subscribers, announced to their owners.
  await pages[0].evaluate((id) => window.unpublish(id), pubs[0].id);
  for (let i = 0; ; i++) {
    const ev = await Promise.all(pages.slice(1).map((p) => p.evaluate(() => window.events)));
    if (ev.every((e) => e.some((x) => x.type === 'subscriber-closed'))) break;
    if (i > 100) fail('no subscriber-closed events after delete-publisher');
    await sleep(50);
  }
  console.log(`events: ${ice} ice-completed, update-load, subscriber-closed after delete-publisher`);
  summarizeFirstMedia();
  console.log('PASS');
} finally {
  await browser.close();
}
// Exit now: with --restart the stdin listener would keep node alive after the verdict.
process.exit(0);
