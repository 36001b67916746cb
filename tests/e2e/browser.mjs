// Headless Chromium as every browser test starts it: fake camera and microphone granted without a
// prompt, nothing reaching outside the test (no background networking, updates or sync).
import { chromium } from 'playwright-core';

export const chromiumArgs = [
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required', '--no-sandbox', '--disable-gpu',
  '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

/// Debian's Chromium, headless, with chromiumArgs and `extra` after them.
export function launchChromium(extra = []) {
  return chromium.launch({
    executablePath: '/usr/lib/chromium/chromium',
    headless: true,
    args: [...chromiumArgs, ...extra],
  });
}
