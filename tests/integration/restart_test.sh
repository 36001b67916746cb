#!/usr/bin/env bash
# The control plane survives data plane restarts (a crash and a clean stop), re-attaches to the
# new instance, and a SIGTERM leaves no socket or tap behind.
source "$(dirname "$0")/lib.sh"
topology_up
start_dataplane
start_controlplane

instance() { "$TERNCTL" --socket "$CP_SOCK" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["dataplane"].get("instance_id",""))'; }
first=$(instance)
[[ -n "$first" ]] || fail "no instance id"

# 1. Crash: SIGKILL leaves a stale socket file; the control plane notices the closed socket.
stop_dataplane KILL || true
wait_until 10 "the control plane to notice" bash -c "! '$TERNCTL' --socket '$CP_SOCK' status"
st=$("$TERNCTL" --socket "$CP_SOCK" status || true)
[[ "$st" == *"not attached"* ]] || fail "status should say not attached, says: $st"
wait_until 10 "the tap to disappear with the process" bash -c "! ip netns exec $DNS ip link show ${TAG}x"
start_dataplane
wait_until 20 "re-attach after crash" "$TERNCTL" --socket "$CP_SOCK" status
second=$(instance)
[[ "$second" != "$first" ]] || fail "instance id did not change"
in_cli ping -c 2 -i 0.2 -W 2 "$US4" >/dev/null || fail "no echo after restart"
log "re-attached after SIGKILL (instance $first -> $second)"

# 2. Clean stop: exit status 0, socket removed, tap removed; then start again.
stop_dataplane TERM || fail "data plane exited non-zero on SIGTERM"
[[ ! -e "$DP_SOCK" ]] || fail "control socket left behind"
in_dp ip link show "${TAG}x" >/dev/null 2>&1 && fail "tap left behind"
grep -q '"stopped cleanly"' "$WORK/dataplane.log" || fail "no clean-stop log line"
start_dataplane
wait_until 20 "re-attach after clean restart" "$TERNCTL" --socket "$CP_SOCK" status
attaches=$("$TERNCTL" --socket "$CP_SOCK" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["controlplane"]["attaches"])')
((attaches == 3)) || fail "expected 3 attaches, got $attaches"

# 3. A second control plane is refused while one is attached.
# (Its TURN TCP/TLS ports are off: the first one holds them, and that error would come first.)
sed -e "s|$CP_SOCK|$WORK/cp2.sock|" -e 's|tcp_ports = \[3478\]; tls_ports = \[5349\];|tcp_ports = []; tls_ports = [];|' \
  -e 's|proxy: { enabled = true;|proxy: { enabled = false;|' \
  "$CONF" >"$WORK/cp2.conf"
grep -q 'tcp_ports = \[\]' "$WORK/cp2.conf" || fail "could not turn off the second control plane's TURN ports"
ip netns exec "$DNS" "$CP_BIN" --config "$WORK/cp2.conf" >"$WORK/cp2.log" 2>&1 &
cp2=$!
wait_until 10 "the second control plane's refusal" grep -q "another control plane is attached" "$WORK/cp2.log"
kill "$cp2"; wait "$cp2" 2>/dev/null || true
"$TERNCTL" --socket "$CP_SOCK" status >/dev/null || fail "first control plane lost its attachment"
log "clean stop leaves nothing behind; second control plane refused; PASS"
