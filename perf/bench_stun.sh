#!/usr/bin/env bash
# bench stun: STUN Binding responses per second on one worker lcore of tern-dataplane, driven by
# tern-loadgen over net_memif, next to a raw DPDK echo of the same frames measured in the same
# run. Rounds alternate raw and tern so drift on a noisy host hits both; medians are reported.
#
#   tools/tern bench stun [ROUNDS] [SECONDS]
set -euo pipefail
BUILD="${TERN_BUILD_DIR:?}"
ROUNDS="${1:-3}"
SECONDS_PER_RUN="${2:-5}"
GEN_CORE="${TERN_BENCH_GEN_CORE:-0}"
DUT_CORE="${TERN_BENCH_DUT_CORE:-1}"
LOADGEN="$BUILD/perf/tern-loadgen"
WORK="$(mktemp -d /tmp/tern-bench-stun.XXXX)"
PIDS=()

cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

eal() {  # eal CORE SOCKET ROLE
  echo "--lcores 0@$1 --in-memory --no-telemetry -m 256 --log-level=*:warning" \
       "--no-pci --vdev net_memif0,role=$3,socket=$2,socket-abstract=no"
}

gen() {  # gen SOCKET -> prints pps
  # shellcheck disable=SC2046
  "$LOADGEN" $(eal "$GEN_CORE" "$1" client) -- --mode gen --seconds "$SECONDS_PER_RUN" \
    --warmup 1 --window 2048 --flows 1024 2>"$WORK/gen.err" | tee -a "$WORK/gen.log" |
    sed -n 's/.* pps=\([0-9]*\).*/\1/p'
}

run_raw() {
  local sock="$WORK/raw.sock"
  # shellcheck disable=SC2046
  "$LOADGEN" $(eal "$DUT_CORE" "$sock" server) -- --mode echo --seconds 120 >"$WORK/echo.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 200); do [[ -S "$sock" ]] && break; sleep 0.05; done
  gen "$sock"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

run_tern() {
  local sock="$WORK/dut.sock"
  cat >"$WORK/tern.conf" <<CONF
dataplane: {
  main_core = $GEN_CORE;
  worker_cores = [$DUT_CORE];
  memory_mb = 256;
  control_socket = "$WORK/dp.sock";
  idle: { backoff = false; };
  ports = ( { name = "memif"; vdev = "net_memif0,role=server,socket=$sock,socket-abstract=no";
              mac = "02:00:00:00:01:02"; ipv4 = "198.18.0.2/24"; } );
  exception: { enabled = false; };
};
controlplane: { admin_socket = "$WORK/cp.sock"; };
CONF
  "$BUILD/dataplane/tern-dataplane" --config "$WORK/tern.conf" >"$WORK/dp.log" 2>&1 &
  local dp=$!
  PIDS+=("$dp")
  for _ in $(seq 200); do [[ -S "$WORK/dp.sock" ]] && break; sleep 0.05; done
  [[ -S "$WORK/dp.sock" ]] || { cat "$WORK/dp.log" >&2; echo "tern-dataplane did not start" >&2; exit 1; }
  "$BUILD/controlplane/tern-controlplane" --config "$WORK/tern.conf" >"$WORK/cp.log" 2>&1 &
  local cp=$!
  PIDS+=("$cp")
  for _ in $(seq 200); do [[ -S "$sock" ]] && break; sleep 0.05; done
  local pps
  pps=$(gen "$sock")
  # Cycles the worker spent per answered request, from its own busy-cycle counter.
  "$BUILD/tools/ternctl" --socket "$WORK/cp.sock" --json stats >"$WORK/stats.json" || true
  kill -TERM "$cp" "$dp"; wait "$cp" 2>/dev/null || true; wait "$dp" 2>/dev/null || true
  echo "$pps"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

echo "bench stun: $ROUNDS rounds of ${SECONDS_PER_RUN}s; generator on CPU $GEN_CORE, device under test on CPU $DUT_CORE"
raw=() tern=() cpp=()
for r in $(seq "$ROUNDS"); do
  raw+=("$(run_raw)")
  tern+=("$(run_tern)")
  c=$(python3 -c 'import json; d=json.load(open("'"$WORK/stats.json"'")); c=d["lcores"][0]["counters"]; print(int(c["busy_cycles"] / max(1, c["stun_binding_answered"])))' 2>/dev/null || echo 0)
  cpp+=("$c")
  printf '  round %d: raw echo %s pps, tern STUN %s pps (%s cycles per response incl. rx/tx)\n' \
    "$r" "${raw[-1]}" "${tern[-1]}" "$c"
done
raw_m=$(printf '%s\n' "${raw[@]}" | median)
tern_m=$(printf '%s\n' "${tern[@]}" | median)
cpp_m=$(printf '%s\n' "${cpp[@]}" | median)
ratio=$(python3 -c "print(f'{$tern_m / max(1, $raw_m):.3f}')")
echo "  median: raw echo $raw_m pps, tern $tern_m pps, ratio $ratio"
echo "  note: both peers share one host; the generator's own rate bounds both figures"
echo "bench stun: pps_per_lcore=$tern_m ratio_to_raw=$ratio raw_echo_pps=$raw_m cycles_per_response=$cpp_m"
