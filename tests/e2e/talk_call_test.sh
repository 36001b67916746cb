#!/usr/bin/env bash
# A Talk call through tern-signaling and tern's SFU: headless Chromium pages (talk.html) speak
# Talk's client protocol on ws://.../spreed as the Talk web client does in MCU mode (hello v1
# through the backend, room join, in the call by Nextcloud's incall request, camera+mic
# published with an offer to oneself, the others received via requestoffer/offer/answer,
# candidates both ways); tern-signaling drives the control plane over the MCU proxy protocol
# ([mcu] type = proxy, token id tern-it). Media must decode on every subscription; then one
# participant leaves and the others and the SFU must let its streams go.
#
# A real Nextcloud with Talk cannot run here (no PHP stack, no database, no network), so the
# backend is the conformance suite's mock (tests/signaling/mock_nextcloud.py, run by
# talk_backend.py), which also sends Talk's incall request to tern-signaling.
#
# TALK_PARTICIPANTS=N sets the call's size (default 3). TALK_SCENARIO=talk_flows runs
# talk_flows.mjs instead: simulcast layer requests (selectStream) and renegotiations (requestoffer
# on a new and on the same connection, the publisher's ICE restart) in a 2-party call.
# TALK_SIGNALING_THREADS=N runs tern-signaling with N shards ([tern] threads, default 1): the
# participants then land on different shards, and subscribe to publishers another shard created.
source "$(dirname "$0")/../integration/lib.sh"
E2E="$(cd "$(dirname "$0")" && pwd)"
SIG_BIN="$BUILD/signaling/tern-signaling"
PARTICIPANTS="${TALK_PARTICIPANTS:-3}"
SCENARIO="${TALK_SCENARIO:-talk_call}"
[[ -f "$E2E/$SCENARIO.mjs" ]] || fail "no scenario $E2E/$SCENARIO.mjs"
[[ -x /usr/lib/chromium/chromium ]] || fail "chromium is not installed (tools/tern setup installs it)"
[[ -d "$E2E/node_modules/playwright-core" ]] || fail "playwright-core missing (tools/tern setup runs npm ci in tests/e2e)"
[[ -x "$SIG_BIN" ]] || fail "$SIG_BIN is not built"
for module in aiohttp jwt cryptography; do
  /usr/bin/python3 -c "import $module" 2>/dev/null || fail "/usr/bin/python3 cannot import $module (python3-$module)"
done

topology_up
start_dataplane
start_controlplane
wait_until 10 "the proxy protocol listener" listening tcp 9090

# Everything else lives in the client namespace, on its loopback: the pages' server, the mock
# Nextcloud, tern-signaling (which reaches the control plane at $US4:9090 like the browsers
# reach the data plane).
SIG_PORT=8080 NC_PORT=8780 PAGE_PORT=8765
SECRET=$(openssl rand -hex 16)
mkdir -p "$WORK/www" "$WORK/tmp"
cp "$E2E/talk.html" "$E2E/first_media.js" "$WORK/www/"
bg_in "$CNS" "$WORK/http.log" python3 -m http.server "$PAGE_PORT" --bind 127.0.0.1 --directory "$WORK/www"
bg_in "$CNS" "$WORK/nextcloud.log" /usr/bin/python3 "$E2E/talk_backend.py" "$NC_PORT" "$SECRET" "http://127.0.0.1:$SIG_PORT"
cat >"$WORK/server.conf" <<CONF
[http]
listen = 127.0.0.1:$SIG_PORT

[app]
debug = false

[sessions]
hashkey = $(openssl rand -hex 32)
blockkey = $(openssl rand -hex 8)

[clients]
internalsecret = $(openssl rand -hex 16)

[backend]
backends = nextcloud
allowall = false
timeout = 10

[nextcloud]
url = http://127.0.0.1:$NC_PORT
secret = $SECRET

[nats]
url = nats://loopback

[mcu]
type = proxy
url = ws://$US4:9090
token_id = tern-it
token_key = $PROXY_KEY

[tern]
threads = ${TALK_SIGNALING_THREADS:-1}
CONF
bg_in "$CNS" "$WORK/signaling.log" "$SIG_BIN" --config "$WORK/server.conf"
SIG_PID=$BG_PID
tcp_listening() { ip netns exec "$CNS" ss -Hltn | grep -q "127.0.0.1:$1 "; }
signaling_up() {
  kill -0 "$SIG_PID" 2>/dev/null || { WAIT_ABORT="tern-signaling exited while starting"; return 1; }
  tcp_listening "$SIG_PORT"
}
wait_until 10 "the page server" tcp_listening "$PAGE_PORT"
wait_until 10 "the mock Nextcloud" tcp_listening "$NC_PORT"
wait_until 10 "tern-signaling" signaling_up
# tern-signaling's proxy link: the control plane opened a proxy session for token id tern-it.
wait_until 10 "tern-signaling's proxy session on the control plane" \
  grep -q '"proxy session opened".*"issuer":"tern-it"' "$WORK/controlplane.log"

rc=0
TMPDIR="$WORK/tmp" in_cli timeout -k 5 150 node "$E2E/$SCENARIO.mjs" "http://127.0.0.1:$PAGE_PORT/talk.html" \
  "ws://127.0.0.1:$SIG_PORT/spreed" "http://127.0.0.1:$NC_PORT/ocs/v2.php/apps/spreed/api/v3/signaling/backend" \
  "http://127.0.0.1:$NC_PORT" "$TERNCTL" "$CP_SOCK" "$PARTICIPANTS" 2>&1 | tee "$WORK/call.log" | sed 's/^/[talk] /' >&2 ||
  rc=${PIPESTATUS[0]}  # the driver's exit status is the verdict
if ((rc != 0)); then
  nonzero_counters 'sfu_|drop' >&2 || true  # for the post-mortem
  fail "the Talk call ($SCENARIO) failed (driver exit $rc)"
fi
kill -0 "$SIG_PID" 2>/dev/null || fail "tern-signaling exited during the call"
log "$(grep -m1 -E '^(first_frame_ms|switch_ms) ' "$WORK/call.log" || echo 'no first_frame_ms or switch_ms line')"
log "SFU: rtp in $(counter sfu_rtp_in), out $(counter sfu_rtp_out); a $PARTICIPANTS-party Talk call through tern-signaling: PASS"
