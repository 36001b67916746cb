#!/usr/bin/env bash
# bench signaling: tern-signaling under WebSocket load, with the reference signaling server
# (nextcloud-spreed-signaling, Debian's /usr/bin/nextcloud-spreed-signaling-server) as the
# baseline under the same load in the same run. Both are served by the conformance suite's mock
# Nextcloud (tests/signaling/mock_nextcloud.py via perf/support/mock_backend.py): every session
# says a v1 hello that the backend checks, as a user of its own, and joins a room of 10 through
# the backend's room request.
#
#   tools/tern bench signaling
#
# Both servers run on one pinned core (taskset), with the load processes (tern-signaling-load,
# each from its own source address 127.0.0.2, .3, ...) and the mock on the other core:
#   1. each server is started, its sessions open and join; VmRSS before and after gives KiB per
#      session. Both then stay up, each paused (SIGSTOP) while the other is measured;
#   2. four phases, each a warm-up, a measured window and a bounded drain: direct messages at
#      saturation (offered far above what the server can carry, held back by at most
#      --max-inflight undelivered deliveries per process), direct messages at half the rate
#      delivered there, then the same two for room messages (one message, 9 deliveries). Each
#      phase runs for the reference and then for tern before the next phase starts, so the two
#      are compared over neighbouring windows of this shared, noisy machine.
#      Delivered messages per CPU-second of the server (utime+stime of /proc/PID/stat over the
#      window and drain) come from the saturated phases, p99 delivery latency from the
#      half-rate ones. Each message carries its send time and a per-sender sequence, so the
#      receivers time it and see every loss (dropped: owed deliveries never seen).
# The last line:
#   bench signaling: sessions=N kib_per_session=X msgs_per_cpu_s=X ref_msgs_per_cpu_s=X ratio=X p99_ms=X dropped=N
# sessions and kib_per_session are tern's; msgs_per_cpu_s is tern's deliveries over its CPU in
# both saturated phases (direct and room together; each is printed above), ratio that over the
# reference's; p99_ms the worse of tern's two half-rate phases; dropped the room deliveries tern
# owed and did not make, over both room phases.
#
# Knobs (environment): TERN_BENCH_SIG_PROCS (load processes, 2), TERN_BENCH_SIG_SESSIONS (per
# process, 4000: with 2 processes 8,000 sockets in the server, under the 20,000 open-file
# limit), TERN_BENCH_SIG_SECONDS (measured window per phase, 5), TERN_BENCH_SIG_PEAK_RATE
# (messages offered per second per process at saturation, 200000), TERN_BENCH_SIG_INFLIGHT
# (4096), TERN_BENCH_SIG_SERVERS ("ref tern"), TERN_BENCH_REF_SIGNALING (the reference binary),
# TERN_BENCH_GEN_CORE (0), TERN_BENCH_DUT_CORE (1).
#
# A process that exits early or fails ends the run with one line naming it; the logs are kept
# (perf/support/bench_lib.sh), and every process started here is stopped by its pid.
set -euo pipefail
BENCH=signaling
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=support/bench_lib.sh
source "$HERE/support/bench_lib.sh"
# shellcheck source=support/signaling_conf.sh
source "$HERE/support/signaling_conf.sh"
PROCS="${TERN_BENCH_SIG_PROCS:-2}"
PER_PROC="${TERN_BENCH_SIG_SESSIONS:-4000}"
ROOM_SIZE=10
WINDOW="${TERN_BENCH_SIG_SECONDS:-5}"
WARMUP=1
DRAIN=5
PEAK_RATE="${TERN_BENCH_SIG_PEAK_RATE:-200000}"
INFLIGHT="${TERN_BENCH_SIG_INFLIGHT:-4096}"
SERVERS="${TERN_BENCH_SIG_SERVERS:-ref tern}"
SETUP_TIMEOUT=180
GEN_CORE="${TERN_BENCH_GEN_CORE:-0}"
DUT_CORE="${TERN_BENCH_DUT_CORE:-1}"
REF="${TERN_BENCH_REF_SIGNALING:-/usr/bin/nextcloud-spreed-signaling-server}"
TERN="$BUILD/signaling/tern-signaling"
LOAD="$BUILD/perf/tern-signaling-load"
PYTHON=/usr/bin/python3

for exe in "$REF" "$TERN" "$LOAD" "$PYTHON"; do
  [[ -x "$exe" ]] || bench_fail "$exe is missing (ninja -C $BUILD signaling/tern-signaling perf/tern-signaling-load)"
done
((PROCS >= 1 && PROCS <= 50 && PER_PROC >= ROOM_SIZE)) || bench_fail "TERN_BENCH_SIG_PROCS 1..50 and TERN_BENCH_SIG_SESSIONS >= $ROOM_SIZE"
# Every session is a socket in the server and one in a load process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
SESSIONS=$((PROCS * PER_PROC))
(($(ulimit -n) >= SESSIONS + 512)) || bench_fail "open-file limit $(ulimit -n) is too low for $SESSIONS sessions (TERN_BENCH_SIG_PROCS x TERN_BENCH_SIG_SESSIONS)"


BACKEND_SECRET=$(openssl rand -hex 16)
start "the mock Nextcloud" mock.log taskset -c "$GEN_CORE" "$PYTHON" "$HERE/support/mock_backend.py" --secret "$BACKEND_SECRET"
await_line "the mock Nextcloud" '^listening [0-9]+' 15
BACKEND_URL="http://127.0.0.1:${LINE#listening }/"

write_conf() {  # write_conf FILE PORT
  signaling_conf "$2" :loopback: "$(openssl rand -hex 32)" "$(openssl rand -hex 8)" "$(openssl rand -hex 16)" >"$1"
}

# await_welcome NAME PORT: waits up to 15 s for the server NAME to answer /api/v1/welcome.
await_welcome() {
  local deadline=$((SECONDS + 15))
  until curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$2/api/v1/welcome"; do
    check_alive "$1"
    ((SECONDS < deadline)) || bench_fail "$1 did not answer /api/v1/welcome within 15 s; $(last_words "$1")"
    sleep 0.1
  done
}

declare -a GEN_NAMES=() GEN_FDS=()
# phase NAME KIND RATE: runs one phase in every load process at RATE per process; sums their
# `phase` lines into P_* (the server's CPU is the mean of the processes' readings over their
# nearly identical windows).
phase() {
  local name="$1" kind="$2" rate="$3" i line
  for i in "${!GEN_NAMES[@]}"; do
    echo "run $name $kind $rate $WARMUP $WINDOW $DRAIN" >&"${GEN_FDS[i]}"
  done
  P_DELIVERED=0 P_SENT=0 P_CPU=0 P_P99=0 P_P50=0 P_DROPPED=0 P_LOST=0 P_SHED=0 P_CLOSED=0 P_ERRORS=0 P_LOADCPU=0
  for i in "${!GEN_NAMES[@]}"; do
    await_line "${GEN_NAMES[i]}" "^phase $name " $((WARMUP + WINDOW + DRAIN + 30))
    line="$LINE"
    P_DELIVERED=$((P_DELIVERED + $(field delivered "$line")))
    P_SENT=$((P_SENT + $(field window_sent "$line")))
    P_DROPPED=$((P_DROPPED + $(field dropped "$line")))
    P_LOST=$((P_LOST + $(field lost "$line")))
    P_SHED=$((P_SHED + $(field shed "$line")))
    P_CLOSED=$((P_CLOSED + $(field closed "$line")))
    P_ERRORS=$((P_ERRORS + $(field errors "$line")))
    P_CPU=$(calc %.4f "$P_CPU + $(field server_cpu_s "$line") / $PROCS")
    P_LOADCPU=$(calc %.3f "$P_LOADCPU + $(field loadgen_cpu_s "$line")")
    P_P99=$(calc %.3f "($(field p99_ms "$line") > $P_P99) ? $(field p99_ms "$line") : $P_P99")
    P_P50=$(calc %.3f "($(field p50_ms "$line") > $P_P50) ? $(field p50_ms "$line") : $P_P50")
  done
  P_PER_CPU=$(calc %.0f "$P_DELIVERED / ($P_CPU > 0 ? $P_CPU : 1e-9)")
  printf '    %-6s %-6s offered %8s/s/process: %8s msg/s sent, %9s deliveries/s, server CPU %5.1f %% -> %8s deliveries/CPU-s; p50 %s ms, p99 %s ms; dropped %s, shed %s, closed %s, errors %s; load CPU %s s\n' \
    "$name" "$kind" "$rate" "$(calc %.0f "$P_SENT / $WINDOW")" "$(calc %.0f "$P_DELIVERED / $WINDOW")" \
    "$(calc %.1f "100 * $P_CPU / $WINDOW")" "$P_PER_CPU" "$P_P50" "$P_P99" "$P_DROPPED" "$P_SHED" "$P_CLOSED" \
    "$P_ERRORS" "$P_LOADCPU"
}

declare -A R_SESSIONS=() R_KIB=() R_DCPU=() R_RCPU=() R_ALLCPU=() R_DP99=() R_RP99=() R_RDROP=() R_DDROP=()
declare -A SRV_NAME=() SRV_GENS=() SRV_FDS=() R_DDELIV=() R_DCPUS=() R_DPEAK=() R_RPEAK=()
# bring_up ref|tern: starts the server and its load processes, holds every session, reads the
# memory per session. The server stays up (idle) while the other one's phases run.
bring_up() {
  local kind="$1" srv port pid rss0 rss1 i k gen fifo fd
  local -a names=() fds=()
  port=$(free_port)
  write_conf "$WORK/$kind.conf" "$port"
  if [[ "$kind" == ref ]]; then
    srv="the reference server (nextcloud-spreed-signaling)"
    start "$srv" "$kind.server.log" taskset -c "$DUT_CORE" "$REF" -config "$WORK/$kind.conf"
  else
    srv="tern-signaling"
    start "$srv" "$kind.server.log" taskset -c "$DUT_CORE" "$TERN" --config "$WORK/$kind.conf"
  fi
  SRV_NAME[$kind]=$srv
  pid="${PROC_PID[$srv]}"
  await_welcome "$srv" "$port"
  sleep 0.5
  rss0=$(rss_kib "$pid")
  echo "  $kind: $srv up (pid $pid, RSS $rss0 KiB); opening $SESSIONS sessions from $PROCS processes"
  k=$((${#SRV_GENS[@]} * PROCS))  # this server's processes come after the other's: own addresses
  for ((i = 0; i < PROCS; i++)); do
    gen="load process $((i + 1)) ($kind)"
    fifo="$WORK/$kind.gen$i.in"
    mkfifo "$fifo"
    exec {fd}<>"$fifo"  # read-write: opening it never blocks, and the reader never sees its end
    start "$gen" "$kind.gen$i.log" taskset -c "$GEN_CORE" "$LOAD" --port "$port" \
      --backend "$BACKEND_URL" --sessions "$PER_PROC" --room-size "$ROOM_SIZE" \
      --room-base $((i * (PER_PROC / ROOM_SIZE + 1))) --source-base "127.0.0.$((k + i + 2))" \
      --max-inflight "$INFLIGHT" --commands "$fifo" --server-pid "$pid" --seed $((i + 1)) \
      --setup-timeout "$SETUP_TIMEOUT" --lifetime $((2 * SETUP_TIMEOUT + 8 * (WARMUP + WINDOW + DRAIN) + 300))
    names+=("$gen") fds+=("$fd")
  done
  await_ready $((SETUP_TIMEOUT + 30)) "${names[@]}"
  sleep 2  # join events settle before memory is read
  rss1=$(rss_kib "$pid")
  R_SESSIONS[$kind]=$READY_SESSIONS
  R_KIB[$kind]=$(calc %.1f "($rss1 - $rss0) / $READY_SESSIONS")
  echo "    $READY_SESSIONS sessions held; RSS $rss0 -> $rss1 KiB: ${R_KIB[$kind]} KiB per session"
  SRV_GENS[$kind]=$(printf '%s\n' "${names[@]}")
  SRV_FDS[$kind]="${fds[*]}"
}

# use KIND: phase() drives KIND's load processes.
use() {
  mapfile -t GEN_NAMES <<<"${SRV_GENS[$1]}"
  read -r -a GEN_FDS <<<"${SRV_FDS[$1]}"
}

# pause KIND / resume KIND: the idle server is stopped (SIGSTOP) while the other is measured,
# so that its timers and garbage collector take nothing from the measured one's core.
pause() { kill -STOP "${PROC_PID[${SRV_NAME[$1]}]}"; }
resume() { kill -CONT "${PROC_PID[${SRV_NAME[$1]}]}"; }

# step STEP KIND: one of the four phases for one server, its figures kept in R_*.
step() {
  local name="$1" kind="$2" other
  for other in $SERVERS; do
    [[ "$other" == "$kind" ]] || pause "$other"
  done
  use "$kind"
  printf '  %-4s ' "$kind"
  case "$name" in
  dpeak)
    phase dpeak direct "$PEAK_RATE"
    R_DCPU[$kind]=$P_PER_CPU R_DDELIV[$kind]=$P_DELIVERED R_DCPUS[$kind]=$P_CPU R_DDROP[$kind]=$P_DROPPED
    R_DPEAK[$kind]=$(calc %.0f "0.5 * $P_SENT / $WINDOW / $PROCS")
    ;;
  dhalf)
    phase dhalf direct "${R_DPEAK[$kind]}"
    R_DP99[$kind]=$P_P99 R_DDROP[$kind]=$((R_DDROP[$kind] + P_DROPPED))
    ;;
  rpeak)
    phase rpeak room "$PEAK_RATE"
    R_RCPU[$kind]=$P_PER_CPU R_RDROP[$kind]=$P_DROPPED
    R_ALLCPU[$kind]=$(calc %.0f "(${R_DDELIV[$kind]} + $P_DELIVERED) / (${R_DCPUS[$kind]} + $P_CPU)")
    R_RPEAK[$kind]=$(calc %.0f "0.5 * $P_SENT / $WINDOW / $PROCS")
    ;;
  rhalf)
    phase rhalf room "${R_RPEAK[$kind]}"
    R_RP99[$kind]=$P_P99 R_RDROP[$kind]=$((R_RDROP[$kind] + P_DROPPED))
    ;;
  esac
  for other in $SERVERS; do
    [[ "$other" == "$kind" ]] || resume "$other"
  done
}

# tear_down KIND: its load processes quit, then the server stops.
tear_down() {
  local kind="$1" gen fd
  use "$kind"
  for fd in "${GEN_FDS[@]}"; do
    echo quit >&"$fd"
  done
  for gen in "${GEN_NAMES[@]}"; do
    finish "$gen" 20
  done
  for fd in "${GEN_FDS[@]}"; do
    exec {fd}>&-
  done
  stop "${SRV_NAME[$kind]}"
}

echo "bench signaling: $SESSIONS sessions ($PROCS load processes x $PER_PROC) per server in rooms of $ROOM_SIZE; phases of ${WARMUP}s warm-up + ${WINDOW}s window;" \
     "servers on CPU $DUT_CORE, load and mock Nextcloud on CPU $GEN_CORE"
echo "  reference: $("$REF" -version 2>&1 | head -1)"
for kind in $SERVERS; do
  bring_up "$kind"
done
# Each phase runs for every server before the next phase: the servers are compared over
# neighbouring windows of this shared machine, not minutes apart.
for name in dpeak dhalf rpeak rhalf; do
  for kind in $SERVERS; do
    step "$name" "$kind"
  done
done
for kind in $SERVERS; do
  tear_down "$kind"
done

for kind in $SERVERS; do
  echo "  $kind: ${R_SESSIONS[$kind]} sessions, ${R_KIB[$kind]} KiB/session; deliveries per CPU-s: direct ${R_DCPU[$kind]}, room ${R_RCPU[$kind]}, both ${R_ALLCPU[$kind]};" \
       "p99 at half peak: direct ${R_DP99[$kind]} ms, room ${R_RP99[$kind]} ms; dropped: direct ${R_DDROP[$kind]}, room ${R_RDROP[$kind]}"
done
[[ " $SERVERS " == *" tern "* && " $SERVERS " == *" ref "* ]] || exit 0
ratio() { calc %.2f "$1 / ($2 > 0 ? $2 : 1e-9)"; }
echo "  tern/reference per CPU-s: direct $(ratio "${R_DCPU[tern]}" "${R_DCPU[ref]}"), room $(ratio "${R_RCPU[tern]}" "${R_RCPU[ref]}")"
p99=$(calc %.3f "(${R_DP99[tern]} > ${R_RP99[tern]}) ? ${R_DP99[tern]} : ${R_RP99[tern]}")
echo "bench signaling: sessions=${R_SESSIONS[tern]} kib_per_session=${R_KIB[tern]} msgs_per_cpu_s=${R_ALLCPU[tern]} ref_msgs_per_cpu_s=${R_ALLCPU[ref]} ratio=$(ratio "${R_ALLCPU[tern]}" "${R_ALLCPU[ref]}") p99_ms=$p99 dropped=${R_RDROP[tern]}"
