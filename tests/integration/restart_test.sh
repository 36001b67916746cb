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

# detached: ternctl status fails and says the data plane is not attached (prints what it said).
detached() {
  local st rc=0
  st=$("$TERNCTL" --socket "$CP_SOCK" status) || rc=$?
  echo "status exit $rc: $st"
  ((rc != 0)) && [[ "$st" == *"not attached"* ]]
}

# probe PATH: the proxy listener's answer to GET PATH as "STATUS BODY" (one line).
probe() {
  in_dp python3 -c "
import sys, urllib.request as u, urllib.error as e
try:
    r = u.urlopen('http://127.0.0.1:9090$1', timeout=5); print(r.status, r.read().decode().strip())
except e.HTTPError as x:
    print(x.code, x.read().decode().strip())"
}
ready() {
  local got
  got=$(probe /readyz)
  echo "$got"
  [[ "$got" == '200 {"ready":true}' ]]
}
wait_until 10 "/readyz to answer 200 once the workers answer pings" ready

# 1. Crash: SIGKILL leaves a stale socket file; the control plane notices the closed socket.
stop_dataplane KILL || true
wait_until 10 "the control plane to notice the crash (status failing with \"not attached\")" detached
# Alive but not ready while no data plane is attached.
[[ "$(probe /healthz)" == "200 ok" ]] || fail "/healthz while detached: $(probe /healthz)"
got=$(probe /readyz)
[[ "$got" == '503 {"ready":false,"reason":"no data plane attached"}' ]] || fail "/readyz while detached: $got"
wait_until 10 "the tap to disappear with the process" bash -c "! ip netns exec $DNS ip link show ${TAG}x"
start_dataplane
wait_until 20 "re-attach after crash" "$TERNCTL" --socket "$CP_SOCK" status
wait_workers
wait_until 10 "/readyz to answer 200 again after the re-attach" ready
second=$(instance)
[[ "$second" != "$first" ]] || fail "instance id did not change ($first)"
out=$(echoes 2 "$US4") || fail "no echo after restart: $out"
log "re-attached after SIGKILL (instance $first -> $second)"

# 2. Clean stop: exit status 0, socket removed, tap removed; then start again.
stop_dataplane TERM || fail "data plane exited with status $? on SIGTERM"
[[ ! -e "$DP_SOCK" ]] || fail "control socket left behind"
# The kernel may finish removing the tap after the process is gone (as after the crash above).
wait_until 10 "the tap to go with the clean stop (tap left behind)" bash -c "! ip netns exec $DNS ip link show ${TAG}x"
grep -q '"stopped cleanly"' "$WORK/dataplane.log" || fail "no clean-stop log line: $(tail -3 "$WORK/dataplane.log")"
start_dataplane
wait_until 20 "re-attach after clean restart" "$TERNCTL" --socket "$CP_SOCK" status
wait_workers
attaches=$("$TERNCTL" --socket "$CP_SOCK" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["controlplane"]["attaches"])')
((attaches == 3)) || fail "expected 3 attaches, got $attaches"

# 3. A second control plane is refused while one is attached.
# (Its TURN TCP/TLS ports are off: the first one holds them, and that error would come first.)
sed -e "s|$CP_SOCK|$WORK/cp2.sock|" -e 's|tcp_ports = \[3478\]; tls_ports = \[5349\];|tcp_ports = []; tls_ports = [];|' \
  -e 's|proxy: { enabled = true;|proxy: { enabled = false;|' \
  "$CONF" >"$WORK/cp2.conf"
grep -q 'tcp_ports = \[\]' "$WORK/cp2.conf" || fail "could not turn off the second control plane's TURN ports"
bg_in "$DNS" "$WORK/cp2.log" "$CP_BIN" --config "$WORK/cp2.conf"  # the EXIT trap ends it on failure
cp2=$BG_PID
wait_until 10 "the second control plane's refusal" grep -q "another control plane is attached" "$WORK/cp2.log"
kill "$cp2" 2>/dev/null || true  # (it may have given up by itself)
wait "$cp2" 2>/dev/null || true
"$TERNCTL" --socket "$CP_SOCK" status >/dev/null || fail "first control plane lost its attachment"
log "clean stop leaves nothing behind; second control plane refused; PASS"
