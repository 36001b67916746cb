# Shared set-up for integration tests: a client namespace and a data plane namespace joined by
# a veth pair, a config for this test only, and a trap that removes everything on any exit.
# Source it, then call `topology_up`. Needs root.
set -euo pipefail

BUILD="${TERN_BUILD_DIR:?TERN_BUILD_DIR must point at the build directory}"
SUPPORT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../support" && pwd)"  # test clients and scripts
# shellcheck source=../../tools/lib/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../tools/lib/netns.sh"
DP_BIN="$BUILD/dataplane/tern-dataplane"
CP_BIN="$BUILD/controlplane/tern-controlplane"
TERNCTL="$BUILD/tools/ternctl"
WORKER_CORE="${TERN_TEST_WORKER_CORE:-1}"
MAIN_CORE="${TERN_TEST_MAIN_CORE:-0}"
# TERN_TEST_WORKERS=N: N workers (sharing WORKER_CORE on a small machine) and N queue pairs on the
# port, which the kernel's packet fanout fills by flow hash: frames reach the wrong worker too.
WORKERS="${TERN_TEST_WORKERS:-1}"
WORKER_LIST="$WORKER_CORE"
for ((i = 1; i < WORKERS; i++)); do WORKER_LIST+=", $WORKER_CORE"; done

# A short tag unique to this run keeps interface names (15 chars max) and paths apart.
TAG="t$(printf '%04x' $((RANDOM)))"
CNS="${TAG}c"              # client namespace: kernel clients live here
DNS="${TAG}d"              # data plane namespace
WORK="$(mktemp -d "/tmp/tern-it-$TAG.XXXX")"
CONF="$WORK/tern.conf"
DP_SOCK="$WORK/dp.sock"
CP_SOCK="$WORK/cp.sock"
DP_PID=""
CP_PID=""
BG_PIDS=()  # helpers started with bg_in; the EXIT trap ends them
US4=198.18.0.2
US6=2001:2::2
CLI4=198.18.0.1
CLI6=2001:2::1
US_MAC=02:00:00:00:01:02

log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

cleanup() {
  local rc=$?
  set +e
  for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [[ -n "$CP_PID" ]] && kill -TERM "$CP_PID" 2>/dev/null && wait "$CP_PID" 2>/dev/null
  [[ -n "$DP_PID" ]] && kill -TERM "$DP_PID" 2>/dev/null && wait "$DP_PID" 2>/dev/null
  if ((rc != 0)); then
    for f in "$WORK"/*.log; do [[ -f "$f" ]] && { log "--- $f"; tail -20 "$f" >&2; }; done
  fi
  netns_delete "$CNS" "$DNS"
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT INT TERM

in_cli() { ip netns exec "$CNS" "$@"; }

# bg_in NS LOG COMMAND...: starts COMMAND in namespace NS in the background, with $! being the
# command itself (ip netns exec execs it), records it for the EXIT trap, and sets BG_PID.
bg_in() {
  local ns="$1" out="$2"; shift 2
  ip netns exec "$ns" "$@" >"$out" 2>&1 &
  BG_PID=$!
  BG_PIDS+=("$BG_PID")
}
in_dp() { ip netns exec "$DNS" "$@"; }

# now_ms: milliseconds on the wall clock, in NOW_MS (no subshell; EPOCHREALTIME is bash 5's).
now_ms() { local t=${EPOCHREALTIME//[.,]/}; NOW_MS=$((t / 1000)); }

# wait_until SECONDS WHAT COMMAND...: polls a condition (an observable state, not a delay) until
# it holds or SECONDS pass; then fails naming what it waited for and what the last check printed.
# COMMAND runs in this shell with its output captured; one that sees the wait is hopeless (the
# process it waits for died) sets WAIT_ABORT to a message and returns non-zero: the test fails at
# once with that message.
wait_until() {
  local secs="$1" what="$2" out="$WORK/.wait_until.out"; shift 2
  now_ms
  local deadline=$((NOW_MS + secs * 1000))
  WAIT_ABORT=""
  until "$@" >"$out" 2>&1; do
    [[ -z "$WAIT_ABORT" ]] || fail "$WAIT_ABORT"
    now_ms
    if ((NOW_MS >= deadline)); then
      local last
      last=$(tail -c 400 "$out" 2>/dev/null | tr '\n' ' ')
      fail "timed out after $secs s waiting for $what${last:+ (last check: $last)}"
    fi
    sleep 0.05
  done
}

# poll_value TEST SECONDS COMMAND...: runs COMMAND, which prints a value, until `TEST VALUE` holds
# or SECONDS pass (then returns 1). SEEN: the last value printed.
poll_value() {
  local test="$1" secs="$2"; shift 2
  now_ms
  local deadline=$((NOW_MS + secs * 1000))
  while :; do
    SEEN=$("$@" 2>&1 | tail -1) || true
    "$test" "$SEEN" && return 0
    now_ms
    ((NOW_MS < deadline)) || return 1
    sleep 0.1
  done
}

# expect_at_least WHAT MIN SECONDS COMMAND...: polls COMMAND, which prints a number, until that is
# at least MIN; fails with "WHAT is X, expected >= MIN after SECONDS s". Sets SEEN to the value.
expect_at_least() {
  local what="$1" min="$2" secs="$3"; shift 3
  is_at_least() { [[ "$1" =~ ^-?[0-9]+$ ]] && (($1 >= min)); }  # (min: the caller's local)
  poll_value is_at_least "$secs" "$@" ||
    fail "$what is ${SEEN:-nothing}, expected >= $min after $secs s${EXPECT_MEANING:+: $EXPECT_MEANING}"
}

# expect_equal WHAT WANT SECONDS COMMAND...: polls COMMAND until it prints WANT; fails with
# "WHAT is X, expected WANT after SECONDS s". Sets SEEN to the last output.
expect_equal() {
  local what="$1" want="$2" secs="$3"; shift 3
  is_want() { [[ "$1" == "$want" ]]; }  # (want: the caller's local)
  poll_value is_want "$secs" "$@" || fail "$what is ${SEEN:-nothing}, expected $want after $secs s"
}

# wait_exit PID SECONDS: waits for background process PID to end, at most SECONDS; past that it
# is sent SIGTERM (the test clients answer by printing what they saw and exiting non-zero) and
# STOPPED is set to "yes". Returns PID's exit status.
wait_exit() {
  local pid="$1" secs="$2"
  now_ms
  local deadline=$((NOW_MS + secs * 1000))
  STOPPED=no
  while kill -0 "$pid" 2>/dev/null && [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" != Z* ]]; do
    now_ms
    if ((NOW_MS >= deadline)); then
      STOPPED=yes
      kill -TERM "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.05
  done
  local rc=0
  wait "$pid" || rc=$?
  return $rc
}

write_config() {
  # A throwaway certificate for TURN over TLS (clients here do not verify it).
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=tern.test \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1 || fail "openssl could not make a certificate"
  # The key a test signaling server signs its proxy-protocol tokens with (PROXY_KEY, id tern-it).
  "$TERNCTL" proxy token --id tern-it --dir "$WORK/proxy" >/dev/null || fail "ternctl proxy token failed"
  PROXY_KEY="$WORK/proxy/tern-it.key"
  cat >"$CONF" <<CONF
dataplane: {
  main_core = $MAIN_CORE;
  worker_cores = [$WORKER_LIST];
  memory_mb = 128;
  mbufs = 4095;
  control_socket = "$DP_SOCK";
  idle: { backoff = true; spin_polls = 100; max_sleep_us = 50; };
  ports = ( { name = "wan"; vdev = "net_af_packet0,iface=${TAG}b,qpairs=$WORKERS";
              mac = "$US_MAC"; ipv4 = "$US4/24"; ipv6 = "$US6/64";
              gateway4 = "$CLI4"; gateway6 = "$CLI6"; } );
  exception: { enabled = true; iface = "${TAG}x"; };
  services: { stun_port = 3478; software = "tern-it"; media_port = 20000;
              transport_ports = "${TERN_TEST_TRANSPORT_PORTS:-}"; };  # "": transports share the media port
  # coturn's turnutils_uclient picks channel numbers up to 0x7fff (RFC 5766's range).
  turn: { realm = "tern.test"; secrets = ["integration-secret"]; rfc5766_channels = true;
          users = ( { name = "alice"; password = "wonderland"; } );
          tcp_ports = [3478]; tls_ports = [5349];
          tls_certificate = "$WORK/tls.crt"; tls_private_key = "$WORK/tls.key"; };
};
controlplane: { admin_socket = "$CP_SOCK"; reconnect_ms = 50; ping_interval_ms = 200;
  proxy: { enabled = true; listen = "0.0.0.0:9090"; state_file = "$WORK/cp-state.json";
           tls_listen = "0.0.0.0:9443"; tls_certificate = "$WORK/tls.crt"; tls_private_key = "$WORK/tls.key";
           camera_bitrate = 2500000;  # room for three simulcast layers in the e2e test
           streams_per_lcore = ${TERN_TEST_STREAMS_PER_LCORE:-8000};  # small: rooms spread over the workers
           tokens = ( { id = "tern-it"; public_key = "$WORK/proxy/tern-it.pub.pem"; } ); }; };
CONF
}

topology_up() {
  netns_pair "$CNS" "$DNS" "$TAG" "$CLI4/24" "$CLI6/64"
  write_config
}

# start_dataplane: starts the data plane and waits for its "data plane ready" line (written once
# its workers are launched), not only for its socket: after a crash the old socket file is still
# there. Fails at once if the process ends.
start_dataplane() {
  local ready_before
  ready_before=$(grep -c '"data plane ready"' "$WORK/dataplane.log" 2>/dev/null) || true
  # `ip netns exec` execs the program, so $! is the data plane's own PID.
  ip netns exec "$DNS" "$DP_BIN" --config "$CONF" >>"$WORK/dataplane.log" 2>&1 &
  DP_PID=$!
  wait_until 20 "the data plane to be ready" dataplane_ready "${ready_before:-0}"
}

# dataplane_ready N: the data plane's log has more than N "ready" lines and its socket exists
# (a wait_until condition: gives up at once if the process ended).
dataplane_ready() {
  if ! kill -0 "$DP_PID" 2>/dev/null; then
    local rc=0
    wait "$DP_PID" || rc=$?
    DP_PID=""
    WAIT_ABORT="the data plane exited with status $rc while starting"
    return 1
  fi
  local n
  n=$(grep -c '"data plane ready"' "$WORK/dataplane.log") || true
  ((${n:-0} > $1)) && test -S "$DP_SOCK"
}

# start_controlplane: starts the control plane and waits until it is attached and every worker
# answers its pings (the workers poll the ports then; before that, a client's first packet may be
# the one its fixed timeout waits for).
start_controlplane() {
  ip netns exec "$DNS" "$CP_BIN" --config "$CONF" >>"$WORK/controlplane.log" 2>&1 &
  CP_PID=$!
  wait_until 20 "the control plane to attach" controlplane_attached
  wait_workers
}

# controlplane_attached: the control plane says it is attached (a wait_until condition: gives up
# at once if the process ended).
controlplane_attached() {
  if ! kill -0 "$CP_PID" 2>/dev/null; then
    local rc=0
    wait "$CP_PID" || rc=$?
    CP_PID=""
    WAIT_ABORT="the control plane exited with status $rc while starting"
    return 1
  fi
  "$TERNCTL" --socket "$CP_SOCK" status
}

# workers_responding: every worker answers the control plane's pings (prints them when not).
workers_responding() {
  "$TERNCTL" --socket "$CP_SOCK" --json status | python3 -c '
import json, sys
w = json.load(sys.stdin).get("workers", [])
print(" ".join("worker %d: %s, %d pongs" % (x["worker"], "responding" if x["responding"] else "silent", x["pongs"])
               for x in w) or "no workers")
sys.exit(0 if w and all(x["responding"] for x in w) else 1)'
}
wait_workers() { wait_until 20 "every worker to answer the control plane" workers_responding; }

stop_dataplane() {  # stop_dataplane [SIGNAL]
  kill "-${1:-TERM}" "$DP_PID"
  local rc=0
  wait "$DP_PID" || rc=$?
  DP_PID=""
  return $rc
}

# check_run NAME LOG EXPECTED_MESSAGES: a turnutils_uclient run, read once it has ended, echoed
# everything it sent. Its summary ("tot_send_msgs=S, tot_recv_msgs=R", "Total lost packets N")
# says nothing was lost and at least EXPECTED_MESSAGES came back; uclient itself waits for the
# echoes (until all are in, or 10 s after its last send). Fails with all three figures.
check_run() {
  local name="$1" file="$2" want="$3" lost sent recv
  lost=$(sed -n 's/.*Total lost packets \([0-9]*\).*/\1/p' "$file" | tail -1)
  sent=$(sed -n 's/.*tot_send_msgs=\([0-9]*\).*/\1/p' "$file" | tail -1)
  recv=$(sed -n 's/.*tot_recv_msgs=\([0-9]*\).*/\1/p' "$file" | tail -1)
  local seen="sent ${sent:-?}, received ${recv:-?} (expected >= $want), lost ${lost:-?}"
  if [[ -z "$lost" || -z "$recv" || $lost -ne 0 || $recv -lt $want ]]; then
    tail -20 "$file" >&2
    log "counters for the post-mortem:"
    nonzero_counters 'turn_|stream|punt|inject|drop|full' >&2 || true
    [[ -n "$lost" && -n "$recv" ]] || fail "$name: no summary from turnutils_uclient ($seen)"
    fail "$name: turnutils_uclient $seen"
  fi
  log "$name: $seen"
}

# echoes COUNT ADDR [SIZE]: COUNT ICMP(v6) echo requests from the client namespace, 0.2 s apart
# (IPv4 ones with DF set), then waits until every one is answered, at most 10 s after the last.
# (iputils ping, once it has any reply, waits for the rest only max(2 x slowest RTT, interval)
# after its last request, 0.2 s at -i 0.2, and counts a later reply as lost: a sample at a fixed
# moment.) Prints one line of figures; exits non-zero when a request went unanswered, was
# answered twice (the kernel behind the tap answered too) or with other data.
echoes() { in_cli python3 "$SUPPORT_DIR/icmp_echoes.py" "$@"; }

# listening tcp|udp PORT: a socket in the data plane namespace is bound to PORT.
listening() { ip netns exec "$DNS" ss -Hln --"$1" | awk '{print $4}' | grep -q ":$2\$"; }

# nonzero_counters REGEX: every nonzero lcore counter whose name matches, per lcore (post-mortems).
nonzero_counters() {
  "$TERNCTL" --socket "$CP_SOCK" --json stats | python3 -c "
import json, re, sys
for i, l in enumerate(json.load(sys.stdin)['lcores']):
    print('lcore', i, ' '.join(f'{k}={v}' for k, v in l['counters'].items() if v and re.search(sys.argv[1], k)))
" "$1"
}

# counter NAME: the summed value of an lcore counter, via ternctl --json.
counter() {
  "$TERNCTL" --socket "$CP_SOCK" --json stats |
    python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(l['counters']['$1'] for l in d['lcores']))"
}

# counter_at_least NAME MIN
counter_at_least() { (( $(counter "$1") >= $2 )); }

# expect_counter NAME MIN [SECONDS [MEANING]]: polls the lcore counter NAME until it is at least
# MIN (a worker's counters reach ternctl when the worker gets to them, not when a client has its
# answer); fails with "NAME is X, expected >= MIN after S s[: MEANING]" (10 s unless told).
# SEEN: the value.
expect_counter() { EXPECT_MEANING="${4:-}" expect_at_least "$1" "$2" "${3:-10}" counter "$1"; }

# expect_counter_is NAME VALUE: NAME is exactly VALUE. One read, for counters that must not
# move: call it after a barrier, something seen later than whatever could still move NAME.
expect_counter_is() {
  local v
  v=$(counter "$1" 2>&1 | tail -1) || true
  [[ "$v" == "$2" ]] || fail "$1 is ${v:-unavailable}, expected $2"
}
