// Time to first media of one peer connection, shared by the e2e pages: from the connection's
// first 'connected' to its first decoded video frame (getStats framesDecoded), first video
// packet and first audio packet, polled every 20 ms (figures exact to 20 ms) until all wanted
// are seen, the connection closes, or 60 s pass. Returns the record it fills (performance.now()
// times; null: not seen yet).
function watchFirstMedia(pc, { audio = true } = {}) {
  const first = { connected: null, video: null, audio: null, videoPacket: null };
  const now = () => performance.now();
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected' && first.connected === null) first.connected = now();
  });
  const started = now();
  const timer = setInterval(async () => {
    const done = first.video !== null && (!audio || first.audio !== null);
    if (done || pc.connectionState === 'closed' || now() - started > 60000) { clearInterval(timer); return; }
    if (first.connected === null && pc.connectionState === 'connected') first.connected = now();
    if (first.connected === null) return;  // no media before DTLS is done
    const before = now();
    const stats = await pc.getStats();
    const after = now();
    stats.forEach((r) => {
      if (r.type !== 'inbound-rtp') return;
      // When WebRTC collected the figures (timeOrigin-based), not when this busy page got them.
      const t = Math.min(after, Math.max(before, r.timestamp - performance.timeOrigin));
      if (r.kind === 'video' && first.videoPacket === null && r.packetsReceived > 0) first.videoPacket = t;
      if (r.kind === 'video' && first.video === null && r.framesDecoded > 0) first.video = t;
      if (r.kind === 'audio' && first.audio === null && r.packetsReceived > 0) first.audio = t;
    });
  }, 20);
  return first;
}
