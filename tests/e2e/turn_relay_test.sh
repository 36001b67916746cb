#!/usr/bin/env bash
# Headless Chromium: two pages call each other P2P with iceTransportPolicy "relay" through tern's
# TURN (REST credentials from ternctl), exchanging audio, video and a data channel message, once
# with TURN over UDP and once over TCP (the control plane's stream listener).
# Both relayed addresses are tern's, so the media also crosses tern's relay-to-relay hairpin.
source "$(dirname "$0")/../integration/lib.sh"
E2E="$(cd "$(dirname "$0")" && pwd)"
[[ -x /usr/lib/chromium/chromium ]] || fail "chromium is not installed (tools/tern setup installs it)"
[[ -d "$E2E/node_modules/playwright-core" ]] || fail "playwright-core missing (tools/tern setup runs npm ci in tests/e2e)"

topology_up
start_dataplane
start_controlplane

creds=$("$TERNCTL" --socket "$CP_SOCK" turn credentials --user e2e --ttl 600 | head -1)
[[ "$creds" =~ ^username=([^ ]+)\ password=([^ ]+)$ ]] || fail "ternctl turn credentials: '$creds'"
user="${BASH_REMATCH[1]}" pass="${BASH_REMATCH[2]}"

# The page is served on the client namespace's loopback (a secure context for getUserMedia).
mkdir -p "$WORK/www" "$WORK/tmp"
cp "$E2E/call.html" "$E2E/first_media.js" "$WORK/www/"
bg_in "$CNS" "$WORK/http.log" python3 -m http.server 8765 --bind 127.0.0.1 --directory "$WORK/www"
wait_until 10 "the page server" bash -c "ip netns exec $CNS ss -Hltn | grep -q '127.0.0.1:8765'"

FIRST_MEDIA=()
call() {  # call NAME TURN_URI
  local rc=0
  TMPDIR="$WORK/tmp" in_cli timeout -k 5 90 node "$E2E/turn_relay_call.mjs" "http://127.0.0.1:8765/call.html" \
    "$2" "$user" "$pass" 2>&1 | tee "$WORK/call_$1.log" | sed "s/^/[call $1] /" >&2 || rc=${PIPESTATUS[0]}
  ((rc == 0)) || fail "the relayed call over $1 failed (driver exit $rc)"
  FIRST_MEDIA+=("$1: $(grep -m1 '^first_frame_ms ' "$WORK/call_$1.log" || echo 'no first_frame_ms line')")
}

call udp "turn:$US4:3478?transport=udp"
expect_counter turn_allocations_created 2
expect_counter turn_hairpin_packets 100
log "UDP: allocations $(counter turn_allocations_created), hairpin packets $(counter turn_hairpin_packets), to clients $(counter turn_to_client_packets)"

hairpin_udp=$(counter turn_hairpin_packets)
call tcp "turn:$US4:3478?transport=tcp"
expect_counter turn_stream_in 200 10 "the call did not use TCP"
expect_counter turn_stream_out 200
expect_counter turn_hairpin_packets $((hairpin_udp + 100)) 10 "no hairpin traffic over TCP"
log "TCP: stream messages in $(counter turn_stream_in), out $(counter turn_stream_out), hairpin packets $(( $(counter turn_hairpin_packets) - hairpin_udp )); PASS"
for l in "${FIRST_MEDIA[@]}"; do log "time to first media, $l"; done
