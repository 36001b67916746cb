// The bundle budget: every JavaScript file the entry HTML loads at once (its module scripts and
// modulepreload links) compressed with gzip and brotli; fails when the gzip total is over the
// budget (200 KiB, or BUDGET_KIB). Lazy chunks loaded later do not count.
// Usage: node scripts/budget.mjs DIST
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotli, gzip } from './compress.mjs';

const budgetKiB = Number(process.env.BUDGET_KIB ?? 200);
const dist = process.argv[2] ?? 'dist';
const htmlPath = join(dist, 'index.html');
if (!existsSync(htmlPath)) {
  console.error(`budget: ${htmlPath} is missing; run the build first`);
  process.exit(1);
}
const html = readFileSync(htmlPath, 'utf8');

/// The URLs of the initial JavaScript: <script src> and <link rel="modulepreload" href>.
export function initialScripts(text) {
  const urls = new Set();
  for (const m of text.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)) urls.add(m[1]);
  for (const m of text.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*>/g)) {
    const href = /\bhref="([^"]+)"/.exec(m[0]);
    if (href) urls.add(href[1]);
  }
  return [...urls];
}

const urls = initialScripts(html);
if (!urls.length) {
  console.error('budget: index.html loads no script; is this the built file?');
  process.exit(1);
}
let raw = 0;
let gz = 0;
let br = 0;
for (const url of urls) {
  if (/^[a-z]+:|^\/\//i.test(url)) {
    console.error(`budget: ${url} is not served by us (the CSP allows 'self' only)`);
    process.exit(1);
  }
  const path = join(dist, url.replace(/^\//, ''));
  const bytes = readFileSync(path);
  const g = gzip(bytes).length;
  const b = brotli(bytes).length;
  raw += bytes.length;
  gz += g;
  br += b;
  console.log(`budget: ${url}: ${kib(bytes.length)} KiB raw, ${kib(g)} KiB gzip, ${kib(b)} KiB brotli`);
}
console.log(`budget: initial JavaScript ${kib(raw)} KiB raw, ${kib(gz)} KiB gzip, ${kib(br)} KiB brotli (budget ${budgetKiB} KiB gzip)`);
if (gz > budgetKiB * 1024) {
  console.error(`budget: FAILED: the initial JavaScript is ${kib(gz)} KiB gzip, over the budget of ${budgetKiB} KiB. Load the new code lazily (import()) or drop a dependency.`);
  process.exit(1);
}

function kib(n) {
  return (n / 1024).toFixed(1);
}
