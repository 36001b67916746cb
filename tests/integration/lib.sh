# Shared set-up for integration tests: a client namespace and a data plane namespace joined by
# a veth pair, a config for this test only, and a trap that removes everything on any exit.
# Source it, then call `topology_up`. Needs root.
set -euo pipefail

BUILD="${TERN_BUILD_DIR:?TERN_BUILD_DIR must point at the build directory}"
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
  ip netns del "$CNS" 2>/dev/null || true
  ip netns del "$DNS" 2>/dev/null || true
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

# wait_until SECONDS WHAT COMMAND...: polls a condition (an observable state, not a delay).
wait_until() {
  local deadline=$((SECONDS + $1)) what="$2"; shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out waiting for $what"
    sleep 0.05
  done
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
  turn: { realm = "tern.test"; secrets = ["integration-secret"];
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
  ip netns add "$CNS"
  ip netns add "$DNS"
  ip link add "${TAG}a" netns "$CNS" type veth peer name "${TAG}b" netns "$DNS"
  in_cli ip link set lo up
  in_cli ip addr add "$CLI4/24" dev "${TAG}a"
  in_cli ip addr add "$CLI6/64" dev "${TAG}a" nodad
  in_cli ethtool -K "${TAG}a" tx off >/dev/null 2>&1 || true
  in_cli ip link set "${TAG}a" up
  in_dp ip link set lo up
  in_dp sysctl -qw "net.ipv6.conf.${TAG}b.disable_ipv6=1"
  in_dp ip link set "${TAG}b" arp off up
  write_config
}

start_dataplane() {
  # `ip netns exec` execs the program, so $! is the data plane's own PID.
  ip netns exec "$DNS" "$DP_BIN" --config "$CONF" >>"$WORK/dataplane.log" 2>&1 &
  DP_PID=$!
  wait_until 20 "the data plane socket" test -S "$DP_SOCK"
}

start_controlplane() {
  ip netns exec "$DNS" "$CP_BIN" --config "$CONF" >>"$WORK/controlplane.log" 2>&1 &
  CP_PID=$!
  wait_until 20 "the control plane to attach" "$TERNCTL" --socket "$CP_SOCK" status
}

stop_dataplane() {  # stop_dataplane [SIGNAL]
  kill "-${1:-TERM}" "$DP_PID"
  local rc=0
  wait "$DP_PID" || rc=$?
  DP_PID=""
  return $rc
}

# check_run NAME LOG EXPECTED_MESSAGES: a turnutils_uclient run echoed everything it sent
# (its own summary: "Total lost packets N (P%)" and tot_recv_msgs).
check_run() {
  local lost recv
  lost=$(sed -n 's/.*Total lost packets \([0-9]*\).*/\1/p' "$2" | tail -1)
  recv=$(sed -n 's/.*tot_recv_msgs=\([0-9]*\).*/\1/p' "$2" | tail -1)
  [[ -n "$lost" ]] || { tail -20 "$2" >&2; fail "$1: no summary from turnutils_uclient"; }
  ((lost == 0)) || { tail -20 "$2" >&2; fail "$1: $lost packets lost"; }
  ((recv >= $3)) || { tail -20 "$2" >&2; fail "$1: received $recv of $3"; }
  log "$1: $recv messages echoed through the relay, 0 lost"
}

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
