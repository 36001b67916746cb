#!/usr/bin/env bash
# The web client against the real tern-signaling: a server of its own on a free loopback port
# (embedded backend on a temporary database, web_root the built client), users alice and bob
# made with ternctl, then real_server.mjs in Debian's Chromium. Everything started here is
# stopped by its PID and the temporary folder removed on every path. The exit status is the
# verdict.
#   real_server_test.sh TERN_SIGNALING TERNCTL
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WEB="$(cd "$HERE/../.." && pwd)"
SIG="${1:?usage: real_server_test.sh TERN_SIGNALING TERNCTL}"
TERNCTL="${2:?usage: real_server_test.sh TERN_SIGNALING TERNCTL}"
[[ -f "$WEB/dist/index.html" ]] || { echo "real_server_test: $WEB/dist is not built (tools/tern build)"; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/tern-web-real-XXXXXX")"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/tern.conf" <<CONF
signaling = {
  listen = ["127.0.0.1:$port"];
  hash_key = "web-real-server-test-hash-key-0123456789";
  backend = { database = "$work/backend.db"; };
  web_root = "$WEB/dist";
};
CONF
alice_pw="alice-$(openssl rand -hex 8)"
bob_pw="bob-$(openssl rand -hex 8)"
"$TERNCTL" --db "$work/backend.db" user add alice <<<"$alice_pw" >/dev/null
"$TERNCTL" --db "$work/backend.db" user add bob <<<"$bob_pw" >/dev/null

"$SIG" --config "$work/tern.conf" >"$work/signaling.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  curl -fsS --max-time 1 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/signaling.log"; echo "real_server_test: tern-signaling exited"; exit 1; }
  sleep 0.1
done
curl -fsS --max-time 1 "http://127.0.0.1:$port/healthz" >/dev/null ||
  { cat "$work/signaling.log"; echo "real_server_test: tern-signaling did not answer within 10 s"; exit 1; }

rc=0
timeout --kill-after=10 180 node "$HERE/real_server.mjs" "http://127.0.0.1:$port" "$alice_pw" "$bob_pw" || rc=$?
if ((rc != 0)); then
  echo "--- tern-signaling's log"; tail -40 "$work/signaling.log"
fi
exit "$rc"
