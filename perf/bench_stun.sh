#!/usr/bin/env bash
# bench stun: STUN Binding responses per second on one worker lcore of tern-dataplane, driven by
# tern-loadgen over net_memif, next to a raw DPDK echo of the same frames measured in the same
# run. Rounds alternate raw and tern so drift on a noisy host hits both; medians are reported.
#
#   tools/tern bench stun [ROUNDS] [SECONDS]
#
# A process that exits early or fails ends the run with one line naming it; the logs are kept
# (perf/support/bench_lib.sh). Every memif pair follows tern-loadgen's teardown rule (its
# linger_ports()): the generator ends its run and stops polling, then its peer stops, then it closes.
set -euo pipefail
BENCH=stun
# shellcheck source=support/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/support/bench_lib.sh"
ROUNDS="${1:-3}"
SECONDS_PER_RUN="${2:-5}"
GEN_CORE="${TERN_BENCH_GEN_CORE:-0}"
DUT_CORE="${TERN_BENCH_DUT_CORE:-1}"
LOADGEN="$BUILD/perf/tern-loadgen"

eal() {  # eal CORE SOCKET ROLE
  echo "--lcores 0@$1 --in-memory --no-telemetry -m 256 --log-level=*:warning" \
       "--no-pci --vdev net_memif0,role=$3,socket=$2,socket-abstract=no"
}

gen() {  # gen SOCKET TAG -> GEN (its name), PPS
  GEN="the STUN generator (tern-loadgen --mode gen, $2)"
  # shellcheck disable=SC2046
  start "$GEN" "$2.gen.log" "$LOADGEN" $(eal "$GEN_CORE" "$1" client) -- --mode gen \
    --seconds "$SECONDS_PER_RUN" --warmup 1 --window 2048 --flows 1024 --linger 15
  await_line "$GEN" '^loadgen: mode=gen' $((SECONDS_PER_RUN + 60))
  PPS=$(echo "$LINE" | sed -n 's/.* pps=\([0-9]*\).*/\1/p')
  [[ -n "$PPS" ]] || bench_fail "$GEN: no pps in its summary: $LINE"
}

run_raw() {  # run_raw ROUND -> PPS
  local tag="r$1.raw" echo="the raw DPDK echo (tern-loadgen --mode echo, round $1)"
  local sock="$WORK/$tag.sock"
  # shellcheck disable=SC2046
  start "$echo" "$tag.echo.log" "$LOADGEN" $(eal "$DUT_CORE" "$sock" server) -- --mode echo --seconds 600
  await_socket "$echo" "$sock" 10
  gen "$sock" "$tag"
  stop "$echo"
  finish "$GEN" 20
}

run_tern() {  # run_tern ROUND -> PPS, CPP (worker cycles per response)
  local tag="r$1.tern" dp="tern-dataplane (round $1)" cp="tern-controlplane (round $1)"
  local sock="$WORK/$tag.sock"
  cat >"$WORK/$tag.conf" <<CONF
dataplane: {
  main_core = $GEN_CORE;
  worker_cores = [$DUT_CORE];
  memory_mb = 256;
  control_socket = "$WORK/$tag.dp.sock";
  idle: { backoff = false; };
  ports = ( { name = "memif"; vdev = "net_memif0,role=server,socket=$sock,socket-abstract=no";
              mac = "02:00:00:00:01:02"; ipv4 = "198.18.0.2/24"; } );
  exception: { enabled = false; };
};
controlplane: { admin_socket = "$WORK/$tag.cp.sock"; };
CONF
  start "$dp" "$tag.dataplane.log" "$BUILD/dataplane/tern-dataplane" --config "$WORK/$tag.conf"
  await_socket "$dp" "$WORK/$tag.dp.sock" 10
  start "$cp" "$tag.controlplane.log" "$BUILD/controlplane/tern-controlplane" --config "$WORK/$tag.conf"
  await_socket "$dp" "$sock" 10
  gen "$sock" "$tag"
  check_alive "$cp"
  # Cycles the worker spent per answered request, from its own busy-cycle counter.
  "$BUILD/tools/ternctl" --socket "$WORK/$tag.cp.sock" --json stats >"$WORK/$tag.stats.json"
  stop "$cp"
  stop "$dp"
  finish "$GEN" 20
  CPP=$(python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["lcores"][0]["counters"]; print(int(c["busy_cycles"] / max(1, c["stun_binding_answered"])))' "$WORK/$tag.stats.json")
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

echo "bench stun: $ROUNDS rounds of ${SECONDS_PER_RUN}s; generator on CPU $GEN_CORE, device under test on CPU $DUT_CORE"
raw=() tern=() cpp=()
for r in $(seq "$ROUNDS"); do
  run_raw "$r"; raw+=("$PPS")
  run_tern "$r"; tern+=("$PPS"); cpp+=("$CPP")
  printf '  round %d: raw echo %s pps, tern STUN %s pps (%s cycles per response incl. rx/tx)\n' \
    "$r" "${raw[-1]}" "${tern[-1]}" "${cpp[-1]}"
done
raw_m=$(printf '%s\n' "${raw[@]}" | median)
tern_m=$(printf '%s\n' "${tern[@]}" | median)
cpp_m=$(printf '%s\n' "${cpp[@]}" | median)
ratio=$(python3 -c "print(f'{$tern_m / max(1, $raw_m):.3f}')")
echo "  median: raw echo $raw_m pps, tern $tern_m pps, ratio $ratio"
echo "  note: both peers share one host; the generator's own rate bounds both figures"
echo "bench stun: pps_per_lcore=$tern_m ratio_to_raw=$ratio raw_echo_pps=$raw_m cycles_per_response=$cpp_m"
