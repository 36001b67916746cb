#!/usr/bin/env bash
# Headless Chromium through tern's SFU, set up over the MCU proxy protocol as a Talk signaling
# server would: a 2-party call with an ICE restart, simulcast in three layers (each selected by the subscriber), a
# 4-party call with a screen share, relay-only participants that
# reach the SFU through tern's own TURN over UDP and over TCP, and a 2-party call that survives
# kill -9 of the control plane (media keeps flowing; a third participant joins after restart).
source "$(dirname "$0")/../integration/lib.sh"
E2E="$(cd "$(dirname "$0")" && pwd)"
[[ -x /usr/lib/chromium/chromium ]] || fail "chromium is not installed (tools/tern setup installs it)"
[[ -d "$E2E/node_modules/playwright-core" ]] || fail "playwright-core missing (tools/tern setup runs npm ci in tests/e2e)"

topology_up
start_dataplane
start_controlplane
wait_until 10 "the proxy protocol listener" listening tcp 9090

mkdir -p "$WORK/www" "$WORK/tmp"
cp "$E2E/sfu.html" "$E2E/first_media.js" "$WORK/www/"
bg_in "$CNS" "$WORK/http.log" python3 -m http.server 8765 --bind 127.0.0.1 --directory "$WORK/www"
wait_until 10 "the page server" bash -c "ip netns exec $CNS ss -Hltn | grep -q '127.0.0.1:8765'"

# /welcome answers like the stock proxy.
welcome=$(in_cli python3 -c "import urllib.request as u; print(u.urlopen('http://$US4:9090/welcome', timeout=5).read().decode())") ||
  fail "GET /welcome failed"
[[ "$welcome" == *'"nextcloud-spreed-signaling-proxy":"Welcome"'* ]] || fail "/welcome: $welcome"
welcome=$(in_cli python3 -c "import ssl, urllib.request as u; print(u.urlopen('https://$US4:9443/welcome', timeout=5, context=ssl._create_unverified_context()).read().decode())") ||
  fail "GET https://.../welcome failed"
[[ "$welcome" == *'"nextcloud-spreed-signaling-proxy":"Welcome"'* ]] || fail "TLS /welcome: $welcome"

# SFU_CALLS="two simulcast ..." runs only those scenarios (development); default all.
want() { [[ -z "${SFU_CALLS:-}" || " $SFU_CALLS " == *" $1 "* ]]; }

# sample_layers FILE: once a second, each subscriber's bandwidth estimate and what the SFU's
# layer selection made of it (the status document's sfu_sessions.layers), one line per
# subscriber, until killed: the timeline a failed call prints.
sample_layers() {
  local t0=$SECONDS
  while :; do
    "$TERNCTL" --socket "$CP_SOCK" --json status 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin).get("sfu_sessions", {})
est = s.get("estimate_bps", {})
for sub, l in sorted(s.get("layers", {}).items()):
    print("+%ss subscriber %s: estimate %d budget %d used %d, %d video(s) %d paused, layer %d (sent %d) temporal %d, layers measured %s%s"
          % (sys.argv[1], sub[:8], est.get(sub, 0), l["budget_bps"], l["layers_bps"], l["videos"],
             l["paused"], l["spatial"], l["flowing"], l["temporal"], "/".join(str(b) for b in l["layer_bps"]),
             ", probing" if l["probing"] else ""))
' "$((SECONDS - t0))" >>"$1" 2>/dev/null || true
    sleep 1
  done
}

call() {  # call NAME PARTICIPANTS [driver options...]  (PROXY_URL overrides the ws:// endpoint)
  local name="$1" n="$2"; shift 2
  want "$name" || { log "$name: skipped (SFU_CALLS)"; return 0; }
  local rc=0 sampler
  sample_layers "$WORK/layers_$name.txt" &
  sampler=$!
  TMPDIR="$WORK/tmp" in_cli timeout -k 5 120 node "$E2E/sfu_call.mjs" "http://127.0.0.1:8765/sfu.html" \
    "${PROXY_URL:-ws://$US4:9090/proxy}" "$PROXY_KEY" tern-it "$n" "$@" 2>&1 | tee "$WORK/call_$name.log" | sed "s/^/[$name] /" >&2 ||
    rc=${PIPESTATUS[0]}  # the driver's exit status is the verdict
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  if ((rc != 0)); then
    nonzero_counters 'sfu_|turn_|handoff|drop' >&2 || true  # for the post-mortem
    log "$name: layer selection per subscriber, last 40 samples:"
    tail -40 "$WORK/layers_$name.txt" >&2 || true
    fail "the $name call failed (driver exit $rc)"
  fi
  # SFU_LAYERS=1: the timeline of every call (development).
  if [[ -n "${SFU_LAYERS:-}" ]]; then
    sed "s/^/[$name layers] /" "$WORK/layers_$name.txt" >&2 || true
    nonzero_counters 'sfu_(layer|probes|padding|pli)' >&2 || true
  fi
  first_media "$name" "$WORK/call_$name.log"
}

# Time to first media per scenario, from the driver's summary line, gathered for the end.
FIRST_MEDIA=()
first_media() {  # first_media NAME LOG
  local line
  line=$(grep -m1 '^first_frame_ms ' "$2" || true)
  FIRST_MEDIA+=("$1: ${line:-no first_frame_ms line}")
}
print_first_media() {
  local l
  for l in "${FIRST_MEDIA[@]}"; do log "time to first media, $l"; done
}

call two 2 --ice-restart
PROXY_URL="wss://$US4:9443/proxy" call simulcast 2 --simulcast  # (the proxy protocol over TLS)
if want simulcast; then
  expect_counter sfu_ssrc_learned 3
  expect_counter sfu_remb_sent 1 10 "no REMB sent to publishers"
fi
want two && expect_counter sfu_dtls_punted 4
# Chromium publishes with transport-wide sequence numbers once tern answers with transport-cc:
# tern's feedback drives its bandwidth estimate (the simulcast call above needs it to send all layers).
want two && expect_counter sfu_twcc_sent 20
want two && log "two: ICE restart moved $(counter sfu_path_moves) selected path(s); sfu_drop_unknown $(counter sfu_drop_unknown) (teardown included)"
call four 4 --screen
if ((WORKERS > 1)) && want four; then
  # The room spans the workers: subscribers on another worker than their publisher get its
  # packets relayed (decrypted once on the publisher's worker).
  expect_counter sfu_relayed 200 10 "nothing crossed between workers"
  expect_counter_is handoff_dropped 0  # (the call is over: nothing moves it now)
  log "across $WORKERS workers: $(counter sfu_relayed) packets relayed, $(counter sfu_relay_dropped) dropped, $(counter handoff_in) frames steered"
fi
if [[ -n "${TERN_TEST_TRANSPORT_PORTS:-}" ]] && want four; then
  # Every transport got a port of its own from the range (the browsers' candidates named it).
  own=$(grep -cE '"msg":"(publisher|subscriber) created".*"udp_port":30[0-9]{3}' "$WORK/controlplane.log" || true)
  shared=$(grep -cE '"msg":"(publisher|subscriber) created".*"udp_port":0[,}]' "$WORK/controlplane.log" || true)
  ((own >= 20 && shared == 0)) || fail "transports on their own ports: $own, on the shared port: $shared"
  log "$own transports on ports of their own"
fi
log "SFU: rtp in $(counter sfu_rtp_in), out $(counter sfu_rtp_out), nacks answered $(counter sfu_nack_resent), transport-cc feedback $(counter sfu_twcc_sent), speech changes $(counter sfu_speaking_changes)"

creds=$("$TERNCTL" --socket "$CP_SOCK" turn credentials --user e2e --ttl 600 | head -1)
[[ "$creds" =~ ^username=([^ ]+)\ password=([^ ]+)$ ]] || fail "ternctl turn credentials: '$creds'"
user="${BASH_REMATCH[1]}" pass="${BASH_REMATCH[2]}"
handoff=$(counter sfu_turn_handoff)
call relay-udp 2 --turn "turn:$US4:3478?transport=udp" "$user" "$pass"
call relay-tcp 2 --turn "turn:$US4:3478?transport=tcp" "$user" "$pass"
! want relay-udp || expect_counter sfu_turn_handoff $((handoff + 200)) 10 "no SFU traffic through TURN"
log "relay-only participants through TURN/UDP and TURN/TCP: handoffs $(( $(counter sfu_turn_handoff) - handoff )); PASS"

# kill -9 of the control plane in the middle of a call.
want restart || { print_first_media; exit 0; }
coproc CALL { TMPDIR="$WORK/tmp" in_cli timeout -k 5 150 node "$E2E/sfu_call.mjs" "http://127.0.0.1:8765/sfu.html" \
  "ws://$US4:9090/proxy" "$PROXY_KEY" tern-it 2 --restart 2>&1; }
call_pid=$CALL_PID
BG_PIDS+=("$call_pid")
exec {call_out}<&"${CALL[0]}" {call_in}>&"${CALL[1]}"
while IFS= read -r -t 90 line <&"$call_out"; do
  echo "$line" >>"$WORK/call_restart.log"; echo "[restart] $line" >&2
  [[ "$line" == READY ]] && break
  [[ "$line" == FAIL* ]] && fail "the call before the restart failed"
done
[[ "$(tail -1 "$WORK/call_restart.log")" == READY ]] || fail "the call never got ready"
kill -KILL "$CP_PID"; wait "$CP_PID" 2>/dev/null || true
CP_PID=""
log "control plane killed (SIGKILL) during the call"
echo KILLED >&"$call_in"  # the driver checks that media still flows without a control plane
while IFS= read -r -t 60 line <&"$call_out"; do
  echo "$line" >>"$WORK/call_restart.log"; echo "[restart] $line" >&2
  [[ "$line" == CHECKED ]] && break
  [[ "$line" == FAIL* ]] && fail "media stopped without the control plane"
done
[[ "$(tail -1 "$WORK/call_restart.log")" == CHECKED ]] || fail "no media check while the control plane was down"
start_controlplane
echo GO >&"$call_in"
while IFS= read -r -t 120 line <&"$call_out"; do
  echo "$line" >>"$WORK/call_restart.log"; echo "[restart] $line" >&2
done
rc=0
wait "$call_pid" || rc=$?
((rc == 0)) || fail "the call across the control plane restart failed (driver exit $rc)"
first_media restart "$WORK/call_restart.log"
print_first_media
log "kill -9 of the control plane: media kept flowing, sessions resumed, a newcomer joined; PASS"
