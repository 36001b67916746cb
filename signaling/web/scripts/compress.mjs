// Writes a .gz and a .br sibling of every compressible file under the build directory, so that
// tern-signaling can send precompressed bytes (Content-Encoding) without compressing per request.
// A sibling that would not be smaller than its file is not written.
// Usage: node scripts/compress.mjs DIST
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt|map)$/;

export function gzip(bytes) {
  return gzipSync(bytes, { level: 9 });
}

export function brotli(bytes) {
  return brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dist = process.argv[2] ?? 'dist';
  let count = 0;
  for (const path of files(dist)) {
    if (!COMPRESSIBLE.test(path)) continue;
    const bytes = readFileSync(path);
    for (const [ext, packed] of [['.gz', gzip(bytes)], ['.br', brotli(bytes)]]) {
      if (packed.length < bytes.length) {
        writeFileSync(path + ext, packed);
        count++;
      }
    }
  }
  console.log(`compress: wrote ${count} precompressed files under ${dist}`);
}
