// What the web client's browser tests share: Debian's Chromium started the way this machine
// needs it (no sandbox as root, no background networking into a closed network), and the one
// way they wait: poll a probe to a deadline, then fail with the last probe and what the page
// shows.
export function launchChromium(chromium) {
  // playwright starts Chromium with a fresh temporary profile (--user-data-dir) of its own.
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    timeout: 30000,
  });
}

/// Polls `probe` until it returns a truthy value or `ms` pass; then throws with what the page
/// shows.
export async function until(page, what, probe, ms) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const text = await page.evaluate(() => document.body.innerText).catch(() => '?');
  throw new Error(`timed out after ${ms} ms waiting for ${what}; last probe: ${last}; the page shows:\n${text.slice(0, 1500)}`);
}
