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
#
# ROUNDS=0 runs only the relay ceiling over net_memif; TERN_BENCH_MEMIF_ROUNDS its rounds (3);
# TERN_BENCH_PERF=PREFIX records tern's data plane in each ceiling run (PREFIX.TAG.data).
#
# A process that exits early or fails ends the run with one line naming it; the logs are kept
# (perf/support/bench_lib.sh).
set -euo pipefail
BENCH=turn
# shellcheck source=support/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/support/bench_lib.sh"
# shellcheck source=../tools/lib/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tools/lib/netns.sh"
ROUNDS="${1:-3}"
SESS="${2:-20}"
MSGS="${3:-1500}"
GAP_MS="${4:-2}"
LEN="${5:-172}"
SECRET="bench-turn-secret"
TAG="b$(printf '%04x' $((RANDOM)))"
CNS="${TAG}c" DNS="${TAG}d"
CLK_TCK=$(getconf CLK_TCK)

bench_teardown() { netns_delete "$CNS" "$DNS"; }

# The client namespace has uclient's address and the echo peer's; the server's end has no
# address of its own: coturn's rounds give it one (and ARP), tern's take both away.
netns_create "$CNS" "$DNS"
netns_veth "$CNS" "${TAG}a" "$DNS" "${TAG}b"
netns_client_end "$CNS" "${TAG}a" 198.18.0.1/24 198.18.0.3/24
ip netns exec "$DNS" sysctl -qw "net.ipv6.conf.${TAG}b.disable_ipv6=1"
ip -n "$DNS" link set "${TAG}b" up

PEER="the UDP echo peer (turnutils_peer)"
start "$PEER" peer.log ip netns exec "$CNS" turnutils_peer -L 198.18.0.3 -p 3480

tsc_hz=$(awk -F: '/cpu MHz/ {printf "%d", $2 * 1000000; exit}' /proc/cpuinfo)

uclient() {  # uclient LOG: one load run against 198.18.0.2 (its losses are figures, not failures)
  # coturn answers with the veth's MAC and tern with its own: forget the old one first.
  ip -n "$CNS" neigh flush dev "${TAG}a"
  ip netns exec "$CNS" timeout 120 turnutils_uclient -c -W "$SECRET" -u bench -e 198.18.0.3 -r 3480 \
    -m "$SESS" -n "$MSGS" -l "$LEN" -z "$GAP_MS" 198.18.0.2 >"$1" 2>&1 || true
}
recv_of() { sed -n 's/.*tot_recv_msgs=\([0-9]*\).*/\1/p' "$1" | tail -1; }
sent_of() { sed -n 's/.*tot_send_msgs=\([0-9]*\).*/\1/p' "$1" | tail -1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_coturn() {  # run_coturn ROUND -> RESULT="pps cycles/pkt loss%"
  local name="coturn (round $1)"
  ip -n "$DNS" link set "${TAG}b" arp on
  ip -n "$DNS" addr add 198.18.0.2/24 dev "${TAG}b"
  start "$name" "r$1.coturn.out" ip netns exec "$DNS" turnserver -n --no-cli --no-tls --no-dtls \
    -L 198.18.0.2 -E 198.18.0.2 --use-auth-secret --static-auth-secret "$SECRET" --realm tern \
    --allowed-peer-ip=198.18.0.3 --min-port 49152 --max-port 65535 --no-stdout-log \
    --log-file "$WORK/r$1.coturn.log" --pidfile "$WORK/coturn.pid"
  local pid="${PROC_PID[$name]}" deadline=$((SECONDS + 10))
  until ip netns exec "$DNS" ss -Hlun | grep -q '198.18.0.2:3478'; do
    check_alive "$name"
    ((SECONDS < deadline)) || bench_fail "$name is not listening on 198.18.0.2:3478 after 10 s"
    sleep 0.05
  done
  local t0 t1 begin end
  t0=$(cpu_ticks "$pid"); begin=$(date +%s.%N)
  uclient "$WORK/r$1.coturn.uclient.log"
  end=$(date +%s.%N); t1=$(cpu_ticks "$pid")
  check_alive "$PEER"
  stop "$name"
  ip -n "$DNS" addr del 198.18.0.2/24 dev "${TAG}b"
  local recv sent
  recv=$(recv_of "$WORK/r$1.coturn.uclient.log"); sent=$(sent_of "$WORK/r$1.coturn.uclient.log")
  RESULT=$(python3 - "$recv" "$sent" "$t0" "$t1" "$begin" "$end" "$CLK_TCK" "$tsc_hz" <<'PY'
import sys
recv, sent, t0, t1, start, end, tck, hz = (float(x or 0) for x in sys.argv[1:])
relayed = 2 * recv                      # each echoed message crossed the relay twice
cycles = (t1 - t0) / tck * hz
secs = end - start
print(f"{relayed / secs:.0f} {cycles / max(1, relayed):.0f} {100 * (1 - recv / max(1, sent)):.3f}")
PY
)
}

# The bridge's receive ring on the veth holds 4,096 frames, as a NIC's descriptor ring would
# (docs/tuning.md): uclient sends each session's due messages at once when it was late (up to 50
# per session per 1 ms tick), and after a scheduling hiccup of ~100 ms on this shared VM those
# bursts overflowed net_af_packet's default ring of 512 frames (the bridge's ring_drops equalled
# the messages lost). The bridge holds what memif's ring cannot take yet, so the burst waits in
# that ring; memif keeps its 1,024 slots (4,096 cost tern twice the cycles per packet here). Any
# loss also halves the rate measured: uclient waits 10 s for missing answers before it ends.
BRIDGE_RING="framecnt=4096"

run_tern() {  # run_tern nic|af_packet ROUND -> RESULT="pps cycles/pkt loss%"
  local vdev r="r$2.$1" dp="tern-dataplane ($1, round $2)" cp="tern-controlplane ($1, round $2)"
  local bridge="the NIC bridge (tern-loadgen --mode bridge, round $2)"
  if [[ "$1" == nic ]]; then
    vdev="net_memif0,role=server,socket=$WORK/$r.br.sock,socket-abstract=no"
  else
    vdev="net_af_packet0,iface=${TAG}b"
  fi
  ip -n "$DNS" link set "${TAG}b" arp off
  cat >"$WORK/$r.conf" <<CONF
dataplane: {
  main_core = 0; worker_cores = [1]; memory_mb = 128; mbufs = 4095;
  control_socket = "$WORK/$r.dp.sock";
  ports = ( { name = "wan"; vdev = "$vdev"; mac = "02:00:00:00:01:02";
              ipv4 = "198.18.0.2/24"; } );
  exception: { enabled = false; };
  turn: { realm = "tern"; secrets = ["$SECRET"]; tcp_ports = []; rfc5766_channels = true; };  # uclient's channels
};
controlplane: { admin_socket = "$WORK/$r.cp.sock"; };
CONF
  start "$dp" "$r.dataplane.log" ip netns exec "$DNS" "$BUILD/dataplane/tern-dataplane" --config "$WORK/$r.conf"
  await_socket "$dp" "$WORK/$r.dp.sock" 10
  local procs=("$dp")
  if [[ "$1" == nic ]]; then
    # --linger: when asked to stop it stops polling and keeps memif open until tern closes it
    # (tern-loadgen's linger_ports()).
    local wire="net_af_packet0,iface=${TAG}b,$BRIDGE_RING"
    local nic="net_memif0,role=client,socket=$WORK/$r.br.sock,socket-abstract=no"
    start "$bridge" "$r.bridge.log" ip netns exec "$DNS" "$BUILD/perf/tern-loadgen" --lcores 0@0 \
      --in-memory --no-telemetry -m 128 --log-level='*:warning' --no-pci --vdev "$wire" --vdev "$nic" \
      -- --mode bridge --seconds 600 --linger 15
    procs+=("$bridge")
  fi
  start "$cp" "$r.controlplane.log" ip netns exec "$DNS" "$BUILD/controlplane/tern-controlplane" --config "$WORK/$r.conf"
  procs+=("$cp")
  local deadline=$((SECONDS + 10))
  until "$BUILD/tools/ternctl" --socket "$WORK/$r.cp.sock" status >/dev/null 2>&1; do
    check_alive "${procs[@]}"
    ((SECONDS < deadline)) || bench_fail "$cp did not answer 'ternctl status' within 10 s; $(last_words "$cp")"
    sleep 0.05
  done
  if [[ "$1" == nic ]]; then  # the bridge forwards once memif is up: tern answers through it
    # coturn's round left the veth's MAC for 198.18.0.2 in the client's cache: ask again.
    ip -n "$CNS" neigh flush dev "${TAG}a"
    deadline=$((SECONDS + 20))
    until ip netns exec "$CNS" ping -c 1 -W 0.2 198.18.0.2 >/dev/null 2>&1; do
      check_alive "${procs[@]}"
      ((SECONDS < deadline)) || bench_fail "no ping reply from tern through $bridge within 20 s; $(last_words "$bridge")"
    done
  fi
  "$BUILD/tools/ternctl" --socket "$WORK/$r.cp.sock" --json stats >"$WORK/$r.s0.json"
  local begin end
  begin=$(date +%s.%N)
  if [[ -n "${TERN_BENCH_PERF:-}" ]]; then  # profile the data plane during the run
    perf record -q -g -p "${PROC_PID[$dp]}" -o "$TERN_BENCH_PERF" -- sleep 3 >/dev/null 2>&1 &
  fi
  uclient "$WORK/$r.uclient.log"
  end=$(date +%s.%N)
  check_alive "${procs[@]}" "$PEER"
  "$BUILD/tools/ternctl" --socket "$WORK/$r.cp.sock" --json stats >"$WORK/$r.s1.json"
  stop "$cp"
  if [[ "$1" == nic ]]; then
    # memif's teardown rule: the bridge stops polling first (its summary says so), then tern
    # closes, then the bridge.
    ask_stop "$bridge"
    await_line "$bridge" '^loadgen: mode=bridge' 10
    BRIDGE_SUMMARY="$LINE"
  fi
  stop "$dp"
  [[ "$1" == nic ]] && finish "$bridge" 20
  local recv sent
  recv=$(recv_of "$WORK/$r.uclient.log"); sent=$(sent_of "$WORK/$r.uclient.log")
  RESULT=$(python3 - "$recv" "$sent" "$begin" "$end" "$WORK/$r.s0.json" "$WORK/$r.s1.json" <<'PY'
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
)
}

# ---- the ChannelData relay ceiling of one lcore, over net_memif (no kernel) ---------------------
# Every pair here follows memif's teardown rule (tern-loadgen's linger_ports()): the generator
# ends its run, prints its summary and stops polling; only then is its peer stopped, and the
# generator closes last.
memif_eal() {  # memif_eal CORE SOCKET ROLE
  echo "--lcores 0@$1 --in-memory --no-telemetry -m 256 --log-level=*:warning" \
       "--no-pci --vdev net_memif0,role=$3,socket=$2,socket-abstract=no"
}
memif_turn() {  # memif_turn SOCKET TAG LOADGEN-ARGS... -> GEN (its name), RESULT="pps gbps"
  local sock="$1" tag="$2"
  shift 2
  GEN="the ChannelData generator (tern-loadgen --mode turn, $tag)"
  # shellcheck disable=SC2046
  start "$GEN" "$tag.turn.log" "$BUILD/perf/tern-loadgen" $(memif_eal 0 "$sock" client) -- --mode turn \
    --allocs 64 --secret "$SECRET" --seconds 4 --warmup 1 --linger 15 "$@"
  await_line "$GEN" '^loadgen: mode=turn' 120
  echo "$LINE" >>"$WORK/loadgen.log"
  RESULT=$(echo "$LINE" | sed -n 's/.* pps=\([0-9]*\) gbps=\([0-9.]*\).*/\1 \2/p')
  [[ -n "$RESULT" ]] || bench_fail "$GEN: no pps/gbps in its summary: $LINE"
}
memif_raw() {  # memif_raw LENGTH ROUND -> RESULT="pps gbps"
  local tag="c$1.r$2.raw" echo="the raw DPDK echo (tern-loadgen --mode echo, $1 B, round $2)"
  local sock="$WORK/$tag.sock"
  # shellcheck disable=SC2046
  start "$echo" "$tag.echo.log" "$BUILD/perf/tern-loadgen" $(memif_eal 1 "$sock" server) -- --mode echo --seconds 600
  await_socket "$echo" "$sock" 10
  memif_turn "$sock" "$tag" --length "$1" --raw
  stop "$echo"
  finish "$GEN" 20
}
memif_tern() {  # memif_tern LENGTH ROUND -> RESULT="pps gbps"
  local tag="c$1.r$2.tern" dp="tern-dataplane (memif, $1 B, round $2)"
  local sock="$WORK/$tag.sock"
  cat >"$WORK/$tag.conf" <<CONF
dataplane: {
  main_core = 0; worker_cores = [1]; memory_mb = 256;
  control_socket = "$WORK/$tag.dp.sock";
  idle: { backoff = false; };
  ports = ( { name = "memif"; vdev = "net_memif0,role=server,socket=$sock,socket-abstract=no";
              mac = "02:00:00:00:01:02"; ipv4 = "198.18.0.2/24"; } );
  exception: { enabled = false; };
  turn: { secrets = ["$SECRET"]; };
};
CONF
  start "$dp" "$tag.dataplane.log" "$BUILD/dataplane/tern-dataplane" --config "$WORK/$tag.conf"
  await_socket "$dp" "$sock" 10
  if [[ -n "${TERN_BENCH_PERF:-}" ]]; then  # profile the relay: 3 s, from 2 s into the run
    (sleep 2; perf record -q -e cpu-clock -g -p "${PROC_PID[$dp]}" -o "$TERN_BENCH_PERF.$tag.data" -- sleep 3) >/dev/null 2>&1 &
  fi
  memif_turn "$sock" "$tag" --length "$1"
  stop "$dp"
  finish "$GEN" 20
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "bench turn: $ROUNDS rounds; turnutils_uclient -m $SESS -n $MSGS -l $LEN -z $GAP_MS (ChannelData), peer echo"
cot_pps=() cot_cpp=() cot_loss=() nic_pps=() nic_cpp=() nic_loss=() afp_pps=() afp_cpp=() afp_loss=()
for r in $(seq "$ROUNDS"); do
  run_coturn "$r"; read -r p c l <<<"$RESULT"; cot_pps+=("$p"); cot_cpp+=("$c"); cot_loss+=("$l")
  run_tern nic "$r"; read -r p2 c2 l2 <<<"$RESULT"; nic_pps+=("$p2"); nic_cpp+=("$c2"); nic_loss+=("$l2")
  run_tern af_packet "$r"; read -r p3 c3 l3 <<<"$RESULT"; afp_pps+=("$p3"); afp_cpp+=("$c3"); afp_loss+=("$l3")
  printf '  round %d: coturn %s pps, %s cycles/pkt, loss %s%% | tern (nic) %s pps, %s cycles/pkt, loss %s%% | tern (af_packet) %s pps, %s cycles/pkt, loss %s%%\n' \
    "$r" "$p" "$c" "$l" "$p2" "$c2" "$l2" "$p3" "$c3" "$l3"
  if [[ "$BRIDGE_SUMMARY" =~ ring_drops=([1-9][0-9]*) ]]; then
    echo "  WARNING: round $r: the bridge's receive ring on the veth overflowed, ${BASH_REMATCH[1]} frames lost before tern"
  fi
done
comparison=""
if ((ROUNDS > 0)); then
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
  comparison=" coturn_cycles_ratio=$ratio coturn_cycles_ratio_af_packet=$ratio_afp"
fi
echo "  ChannelData relay ceiling on one lcore over net_memif, 64 allocations, both directions:"
declare -A m_pps m_gbps r_pps m_ratio
MEMIF_ROUNDS="${TERN_BENCH_MEMIF_ROUNDS:-3}"
for len in 172 1200; do
  # Alternating rounds, medians: this 2-vCPU VM's neighbours move single runs by +-30 %.
  rps=() tps=() tgs=()
  for mr in $(seq "$MEMIF_ROUNDS"); do
    memif_raw "$len" "$mr"; read -r rp _ <<<"$RESULT"; rps+=("$rp")
    memif_tern "$len" "$mr"; read -r tp tg <<<"$RESULT"; tps+=("$tp"); tgs+=("$tg")
  done
  r_pps[$len]=$(printf '%s\n' "${rps[@]}" | median)
  m_pps[$len]=$(printf '%s\n' "${tps[@]}" | median)
  m_gbps[$len]=$(printf '%s\n' "${tgs[@]}" | median)
  m_ratio[$len]=$(python3 -c "print(f'{${m_pps[$len]} / max(1, ${r_pps[$len]}):.2f}')")
  printf '    %4d B payload: tern %s pps (%s Gbit/s received), raw DPDK echo of the same frames %s pps, ratio %s (rounds: tern %s; raw %s)\n' \
    "$len" "${m_pps[$len]}" "${m_gbps[$len]}" "${r_pps[$len]}" "${m_ratio[$len]}" "${tps[*]}" "${rps[*]}"
done
if grep -q 'invalid=[1-9]' "$WORK/loadgen.log"; then
  echo "  WARNING: tern-loadgen received frames that are not relayed traffic: $(grep -o 'invalid=[0-9]*' "$WORK/loadgen.log" | tr '\n' ' ')"
fi
mpps=$(python3 -c "print(f'{${m_pps[172]} / 1e6:.2f}')")
cycles=""
((ROUNDS == 0)) || cycles=" tern_cycles_per_pkt=$tp_m tern_af_packet_cycles_per_pkt=$ap_m coturn_cycles_per_pkt=$cp_m"
# ROUNDS=0 (the relay ceiling alone): no coturn comparison, so none of its fields.
echo "bench turn: mpps_per_lcore=$mpps ratio_to_raw=${m_ratio[172]}$comparison gbps_1200=${m_gbps[1200]} mpps_1200=$(python3 -c "print(f'{${m_pps[1200]} / 1e6:.2f}')")$cycles"
