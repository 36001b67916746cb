#!/usr/bin/env bash
# bench turn: the same turnutils_uclient load relayed by coturn and by tern on this machine,
# side by side: relayed packets/s, loss, and CPU cycles per relayed packet (coturn from its
# /proc CPU time, user and system, tern from its worker's busy-cycle counter). Rounds alternate;
# medians reported.
#
# tern runs twice per round on the same veth:
#   - "nic": tern's port is net_memif and a DPDK bridge (tern-loadgen --mode bridge) joins it to
#     the veth, playing the NIC and the wire, as on the appliance's real hardware where the
#     worker writes descriptors and never enters the kernel. This is the headline ratio.
#   - "af_packet": tern's port is net_af_packet on the veth, so every transmit burst is a
#     sendto() into the kernel, charged to tern (on this VM a system call costs several µs).
# coturn always pays its kernel socket calls: that is its design.
#
#   tools/tern bench turn [ROUNDS] [SESSIONS] [MESSAGES] [INTERVAL_MS] [LENGTH]
set -euo pipefail
BUILD="${TERN_BUILD_DIR:?}"
ROUNDS="${1:-3}"
SESS="${2:-20}"
MSGS="${3:-1500}"
GAP_MS="${4:-2}"
LEN="${5:-172}"
SECRET="bench-turn-secret"
TAG="b$(printf '%04x' $((RANDOM)))"
CNS="${TAG}c" DNS="${TAG}d"
WORK="$(mktemp -d /tmp/tern-bench-turn.XXXX)"
PIDS=()
CLK_TCK=$(getconf CLK_TCK)

cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns del "$CNS" 2>/dev/null
  ip netns del "$DNS" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ip netns add "$CNS"
ip netns add "$DNS"
ip link add "${TAG}a" netns "$CNS" type veth peer name "${TAG}b" netns "$DNS"
ip -n "$CNS" link set lo up
ip -n "$CNS" addr add 198.18.0.1/24 dev "${TAG}a"
ip -n "$CNS" addr add 198.18.0.3/24 dev "${TAG}a"
ip netns exec "$CNS" ethtool -K "${TAG}a" tx off >/dev/null 2>&1 || true
ip -n "$CNS" link set "${TAG}a" up
ip -n "$DNS" link set lo up
ip netns exec "$DNS" sysctl -qw "net.ipv6.conf.${TAG}b.disable_ipv6=1"
ip -n "$DNS" link set "${TAG}b" up

ip netns exec "$CNS" turnutils_peer -L 198.18.0.3 -p 3480 >"$WORK/peer.log" 2>&1 &
PIDS+=($!)

tsc_hz=$(awk -F: '/cpu MHz/ {printf "%d", $2 * 1000000; exit}' /proc/cpuinfo)

uclient() {  # uclient LOG: one load run against 198.18.0.2
  # coturn answers with the veth's MAC and tern with its own: forget the old one first.
  ip -n "$CNS" neigh flush dev "${TAG}a"
  ip netns exec "$CNS" timeout 120 turnutils_uclient -c -W "$SECRET" -u bench -e 198.18.0.3 -r 3480 \
    -m "$SESS" -n "$MSGS" -l "$LEN" -z "$GAP_MS" 198.18.0.2 >"$1" 2>&1 || true
}
recv_of() { sed -n 's/.*tot_recv_msgs=\([0-9]*\).*/\1/p' "$1" | tail -1; }
sent_of() { sed -n 's/.*tot_send_msgs=\([0-9]*\).*/\1/p' "$1" | tail -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_coturn() {
  ip -n "$DNS" link set "${TAG}b" arp on
  ip -n "$DNS" addr add 198.18.0.2/24 dev "${TAG}b"
  ip netns exec "$DNS" turnserver -n --no-cli --no-tls --no-dtls -L 198.18.0.2 -E 198.18.0.2 \
    --use-auth-secret --static-auth-secret "$SECRET" --realm tern --allowed-peer-ip=198.18.0.3 \
    --min-port 49152 --max-port 65535 --no-stdout-log --log-file "$WORK/coturn.log" \
    --pidfile "$WORK/coturn.pid" >/dev/null 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 100); do ip netns exec "$DNS" ss -Hlun | grep -q '198.18.0.2:3478' && break; sleep 0.05; done
  local t0 t1 start end
  t0=$(cpu_ticks "$pid"); start=$(date +%s.%N)
  uclient "$WORK/coturn_run.log"
  end=$(date +%s.%N); t1=$(cpu_ticks "$pid")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  ip -n "$DNS" addr del 198.18.0.2/24 dev "${TAG}b"
  local recv sent
  recv=$(recv_of "$WORK/coturn_run.log"); sent=$(sent_of "$WORK/coturn_run.log")
  python3 - "$recv" "$sent" "$t0" "$t1" "$start" "$end" "$CLK_TCK" "$tsc_hz" <<'PY'
import sys
recv, sent, t0, t1, start, end, tck, hz = (float(x or 0) for x in sys.argv[1:])
relayed = 2 * recv                      # each echoed message crossed the relay twice
cycles = (t1 - t0) / tck * hz
secs = end - start
print(f"{relayed / secs:.0f} {cycles / max(1, relayed):.0f} {100 * (1 - recv / max(1, sent)):.3f}")
PY
}

run_tern() {  # run_tern nic|af_packet
  local vdev
  if [[ "$1" == nic ]]; then
    vdev="net_memif0,role=server,socket=$WORK/br.sock,socket-abstract=no"
  else
    vdev="net_af_packet0,iface=${TAG}b"
  fi
  ip -n "$DNS" link set "${TAG}b" arp off
  cat >"$WORK/tern.conf" <<CONF
dataplane: {
  main_core = 0; worker_cores = [1]; memory_mb = 128; mbufs = 4095;
  control_socket = "$WORK/dp.sock";
  ports = ( { name = "wan"; vdev = "$vdev"; mac = "02:00:00:00:01:02";
              ipv4 = "198.18.0.2/24"; } );
  exception: { enabled = false; };
  turn: { realm = "tern"; secrets = ["$SECRET"]; tcp_ports = []; };
};
controlplane: { admin_socket = "$WORK/cp.sock"; };
CONF
  ip netns exec "$DNS" "$BUILD/dataplane/tern-dataplane" --config "$WORK/tern.conf" >"$WORK/dp.log" 2>&1 &
  local dp=$! bridge=""
  PIDS+=("$dp")
  for _ in $(seq 200); do [[ -S "$WORK/dp.sock" ]] && break; sleep 0.05; done
  if [[ "$1" == nic ]]; then
    local wire="net_af_packet0,iface=${TAG}b" nic="net_memif0,role=client,socket=$WORK/br.sock,socket-abstract=no"
    ip netns exec "$DNS" "$BUILD/perf/tern-loadgen" --lcores 0@0 --in-memory --no-telemetry -m 128 \
      --log-level='*:warning' --no-pci --vdev "$wire" --vdev "$nic" -- --mode bridge --seconds 300 \
      >"$WORK/bridge.log" 2>&1 &
    bridge=$!
    PIDS+=("$bridge")
  fi
  ip netns exec "$DNS" "$BUILD/controlplane/tern-controlplane" --config "$WORK/tern.conf" >"$WORK/cp.log" 2>&1 &
  local cp=$!
  PIDS+=("$cp")
  for _ in $(seq 200); do "$BUILD/tools/ternctl" --socket "$WORK/cp.sock" status >/dev/null 2>&1 && break; sleep 0.05; done
  if [[ -n "$bridge" ]]; then  # the bridge forwards once memif is up: tern answers through it
    for _ in $(seq 200); do
      ip netns exec "$CNS" ping -c 1 -W 0.2 198.18.0.2 >/dev/null 2>&1 && break
    done
  fi
  "$BUILD/tools/ternctl" --socket "$WORK/cp.sock" --json stats >"$WORK/s0.json"
  local start end
  start=$(date +%s.%N)
  if [[ -n "${TERN_BENCH_PERF:-}" ]]; then  # profile the data plane during the run
    perf record -q -g -p "$dp" -o "$TERN_BENCH_PERF" -- sleep 3 >/dev/null 2>&1 &
  fi
  uclient "$WORK/tern_run.log"
  end=$(date +%s.%N)
  "$BUILD/tools/ternctl" --socket "$WORK/cp.sock" --json stats >"$WORK/s1.json"
  kill -TERM "$cp" "$dp" $bridge; wait "$cp" 2>/dev/null || true; wait "$dp" 2>/dev/null || true
  [[ -n "$bridge" ]] && { wait "$bridge" 2>/dev/null || true; }
  rm -f "$WORK/dp.sock"
  local recv sent
  recv=$(recv_of "$WORK/tern_run.log"); sent=$(sent_of "$WORK/tern_run.log")
  python3 - "$recv" "$sent" "$start" "$end" "$WORK/s0.json" "$WORK/s1.json" <<'PY'
import json, sys
recv, sent, start, end = (float(x or 0) for x in sys.argv[1:5])
c0 = json.load(open(sys.argv[5]))["lcores"][0]["counters"]
c1 = json.load(open(sys.argv[6]))["lcores"][0]["counters"]
relayed = 2 * recv
busy = c1["busy_cycles"] - c0["busy_cycles"]
counted = (c1["turn_to_peer_packets"] - c0["turn_to_peer_packets"]) + (c1["turn_to_client_packets"] - c0["turn_to_client_packets"])
secs = end - start
# Cycles per relayed packet from the relay's own count, so retransmits or drops do not flatter it.
print(f"{relayed / secs:.0f} {busy / max(1, counted):.0f} {100 * (1 - recv / max(1, sent)):.3f}")
PY
}

# ---- the ChannelData relay ceiling of one lcore, over net_memif (no kernel) ---------------------
memif_eal() {  # memif_eal CORE SOCKET ROLE
  echo "--lcores 0@$1 --in-memory --no-telemetry -m 256 --log-level=*:warning" \
       "--no-pci --vdev net_memif0,role=$3,socket=$2,socket-abstract=no"
}
memif_turn() {  # memif_turn LENGTH [--raw] -> pps gbps (from tern-loadgen's summary)
  local sock="$1"; shift
  # shellcheck disable=SC2046
  "$BUILD/perf/tern-loadgen" $(memif_eal 0 "$sock" client) -- --mode turn --allocs 64 \
    --secret "$SECRET" --seconds 4 --warmup 1 "$@" 2>>"$WORK/loadgen.err" | tee -a "$WORK/loadgen.log" |
    sed -n 's/.* pps=\([0-9]*\) gbps=\([0-9.]*\).*/\1 \2/p'
}
memif_raw() {  # memif_raw LENGTH
  local sock="$WORK/raw.sock"
  # shellcheck disable=SC2046
  "$BUILD/perf/tern-loadgen" $(memif_eal 1 "$sock" server) -- --mode echo --seconds 120 >"$WORK/echo.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 200); do [[ -S "$sock" ]] && break; sleep 0.05; done
  memif_turn "$sock" --length "$1" --raw
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}
memif_tern() {  # memif_tern LENGTH
  local sock="$WORK/dut.sock"
  cat >"$WORK/memif.conf" <<CONF
dataplane: {
  main_core = 0; worker_cores = [1]; memory_mb = 256;
  control_socket = "$WORK/mdp.sock";
  idle: { backoff = false; };
  ports = ( { name = "memif"; vdev = "net_memif0,role=server,socket=$sock,socket-abstract=no";
              mac = "02:00:00:00:01:02"; ipv4 = "198.18.0.2/24"; } );
  exception: { enabled = false; };
  turn: { secrets = ["$SECRET"]; };
};
CONF
  "$BUILD/dataplane/tern-dataplane" --config "$WORK/memif.conf" >"$WORK/mdp.log" 2>&1 &
  local dp=$!
  PIDS+=("$dp")
  for _ in $(seq 200); do [[ -S "$sock" ]] && break; sleep 0.05; done
  memif_turn "$sock" --length "$1"
  kill -TERM "$dp"; wait "$dp" 2>/dev/null || true
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "bench turn: $ROUNDS rounds; turnutils_uclient -m $SESS -n $MSGS -l $LEN -z $GAP_MS (ChannelData), peer echo"
cot_pps=() cot_cpp=() cot_loss=() nic_pps=() nic_cpp=() nic_loss=() afp_pps=() afp_cpp=() afp_loss=()
for r in $(seq "$ROUNDS"); do
  read -r p c l < <(run_coturn); cot_pps+=("$p"); cot_cpp+=("$c"); cot_loss+=("$l")
  read -r p2 c2 l2 < <(run_tern nic); nic_pps+=("$p2"); nic_cpp+=("$c2"); nic_loss+=("$l2")
  read -r p3 c3 l3 < <(run_tern af_packet); afp_pps+=("$p3"); afp_cpp+=("$c3"); afp_loss+=("$l3")
  printf '  round %d: coturn %s pps, %s cycles/pkt, loss %s%% | tern (nic) %s pps, %s cycles/pkt, loss %s%% | tern (af_packet) %s pps, %s cycles/pkt, loss %s%%\n' \
    "$r" "$p" "$c" "$l" "$p2" "$c2" "$l2" "$p3" "$c3" "$l3"
done
cp_m=$(printf '%s\n' "${cot_cpp[@]}" | median)
tp_m=$(printf '%s\n' "${nic_cpp[@]}" | median)
ap_m=$(printf '%s\n' "${afp_cpp[@]}" | median)
ratio=$(python3 -c "print(f'{$cp_m / max(1, $tp_m):.1f}')")
ratio_afp=$(python3 -c "print(f'{$cp_m / max(1, $ap_m):.1f}')")
echo "  medians: coturn $(printf '%s\n' "${cot_pps[@]}" | median) pps at $cp_m cycles/pkt (loss $(printf '%s\n' "${cot_loss[@]}" | median)%)," \
     "tern (nic) $(printf '%s\n' "${nic_pps[@]}" | median) pps at $tp_m cycles/pkt (loss $(printf '%s\n' "${nic_loss[@]}" | median)%)," \
     "tern (af_packet) $(printf '%s\n' "${afp_pps[@]}" | median) pps at $ap_m cycles/pkt (loss $(printf '%s\n' "${afp_loss[@]}" | median)%)"
echo "  coturn cycles per relayed packet / tern's: $ratio (nic), $ratio_afp (af_packet, kernel transmit charged to tern)"
echo "  the offered load is the same for both (paced by uclient); the comparison is CPU per packet"
echo "  ChannelData relay ceiling on one lcore over net_memif, 64 allocations, both directions:"
declare -A m_pps m_gbps r_pps
MEMIF_ROUNDS="${TERN_BENCH_MEMIF_ROUNDS:-3}"
for len in 172 1200; do
  # Alternating rounds, medians: this 2-vCPU VM's neighbours move single runs by +-30 %.
  rps=() tps=() tgs=()
  for _ in $(seq "$MEMIF_ROUNDS"); do
    read -r rp _ < <(memif_raw "$len"); rps+=("${rp:-0}")
    read -r tp tg < <(memif_tern "$len"); tps+=("${tp:-0}"); tgs+=("${tg:-0}")
  done
  r_pps[$len]=$(printf '%s\n' "${rps[@]}" | median)
  m_pps[$len]=$(printf '%s\n' "${tps[@]}" | median)
  m_gbps[$len]=$(printf '%s\n' "${tgs[@]}" | median)
  printf '    %4d B payload: tern %s pps (%s Gbit/s received), raw DPDK echo of the same frames %s pps, ratio %s (rounds: tern %s; raw %s)\n' \
    "$len" "${m_pps[$len]}" "${m_gbps[$len]}" "${r_pps[$len]}" \
    "$(python3 -c "print(f'{${m_pps[$len]} / max(1, ${r_pps[$len]}):.2f}')")" "${tps[*]}" "${rps[*]}"
done
if grep -q 'invalid=[1-9]' "$WORK/loadgen.log"; then
  echo "  WARNING: tern-loadgen received frames that are not relayed traffic: $(grep -o 'invalid=[0-9]*' "$WORK/loadgen.log" | tr '\n' ' ')"
fi
mpps=$(python3 -c "print(f'{${m_pps[172]} / 1e6:.2f}')")
echo "bench turn: mpps_per_lcore=$mpps coturn_cycles_ratio=$ratio coturn_cycles_ratio_af_packet=$ratio_afp gbps_1200=${m_gbps[1200]} mpps_1200=$(python3 -c "print(f'{${m_pps[1200]} / 1e6:.2f}')") tern_cycles_per_pkt=$tp_m tern_af_packet_cycles_per_pkt=$ap_m coturn_cycles_per_pkt=$cp_m"
