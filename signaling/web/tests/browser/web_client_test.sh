#!/usr/bin/env bash
# The web client's browser test: its built files (signaling/web/dist) served with a stand-in of
# tern-signaling's OCS API (fake_ocs.mjs), walked in Debian's Chromium at 1280 px and at 360 px,
# with axe-core scans and screenshots. The exit status is the verdict.
#
# Needs: `npm ci && npm run build` done in signaling/web (WEB_BUILD=1 does it here), and
# playwright-core in tests/e2e/node_modules (tools/tern setup). Screenshots go to
# $WEB_TEST_OUT, else a directory under the meson build's meson-logs, else a temporary one.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WEB="$(cd "$HERE/../.." && pwd)"
ROOT="$(cd "$WEB/../.." && pwd)"
E2E_DIR="${E2E_DIR:-$ROOT/tests/e2e}"

if [[ "${WEB_BUILD:-0}" == 1 ]]; then
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error && npm run build)
fi
[[ -f "$WEB/dist/index.html" ]] || { echo "web_client_test: $WEB/dist is not built (cd signaling/web && npm ci && npm run build)"; exit 1; }
[[ -d "$WEB/node_modules/axe-core" ]] || { echo "web_client_test: axe-core missing (cd signaling/web && npm ci)"; exit 1; }
[[ -d "$E2E_DIR/node_modules/playwright-core" ]] || { echo "web_client_test: playwright-core missing in $E2E_DIR (tools/tern setup)"; exit 1; }
command -v chromium >/dev/null || [[ -n "${CHROMIUM:-}" ]] || { echo "web_client_test: Debian's chromium is not installed"; exit 1; }

if [[ -n "${WEB_TEST_OUT:-}" ]]; then
  OUT="$WEB_TEST_OUT"
elif [[ -n "${MESON_BUILD_ROOT:-}" ]]; then
  OUT="$MESON_BUILD_ROOT/meson-logs/web_client"
else
  OUT="$(mktemp -d "${TMPDIR:-/tmp}/tern-web-XXXXXX")"
fi
mkdir -p "$OUT"
export E2E_DIR
exec timeout --kill-after=10 240 node "$HERE/web_client.mjs" "$WEB/dist" "$OUT"
