#!/usr/bin/env bash
# bench signaling: the same WebSocket load against the reference signaling server
# (nextcloud-spreed-signaling, Debian's /usr/bin/nextcloud-spreed-signaling-server) and against
# tern-signaling, side by side in one run. tern-signaling-load opens internal-client sessions
# (no backend call), joins them to rooms, then sends paced direct and room messages; each
# message carries its send time and a sequence number, so the receiver measures delivery latency
# and counts losses. The figure that matters is delivered messages per CPU-second of the server.
#
#   tools/tern bench signaling [ROUNDS] [SECONDS]
#
# Both servers run on one core (taskset), the load generator on the other. Rounds alternate
# (ref, tern, ref, tern, ...) so drift on this shared host hits both; medians are reported. Each
# round starts its server afresh, so its RSS per session is that of the sessions just opened.
# Knobs (environment): TERN_BENCH_SIG_SESSIONS (2000), TERN_BENCH_SIG_ROOM_SIZE (10),
# TERN_BENCH_SIG_RATE (messages sent per second, 2000), TERN_BENCH_SIG_ROOM_SHARE (0.25),
# TERN_BENCH_SIG_SOURCES (loopback source addresses, 4), TERN_BENCH_REF_SIGNALING (the reference
# binary), TERN_BENCH_GEN_CORE (0), TERN_BENCH_DUT_CORE (1).
#
# A process that exits early or fails ends the run with one line naming it; the logs are kept
# (perf/support/bench_lib.sh).
set -euo pipefail
BENCH=signaling
# shellcheck source=support/bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/support/bench_lib.sh"
ROUNDS="${1:-2}"
SECONDS_PER_RUN="${2:-20}"
SESSIONS="${TERN_BENCH_SIG_SESSIONS:-2000}"
ROOM_SIZE="${TERN_BENCH_SIG_ROOM_SIZE:-10}"
RATE="${TERN_BENCH_SIG_RATE:-2000}"
ROOM_SHARE="${TERN_BENCH_SIG_ROOM_SHARE:-0.25}"
SOURCES="${TERN_BENCH_SIG_SOURCES:-4}"
WARMUP=2
GEN_CORE="${TERN_BENCH_GEN_CORE:-0}"
DUT_CORE="${TERN_BENCH_DUT_CORE:-1}"
REF="${TERN_BENCH_REF_SIGNALING:-/usr/bin/nextcloud-spreed-signaling-server}"
TERN="$BUILD/signaling/tern-signaling"
LOAD="$BUILD/perf/tern-signaling-load"

for exe in "$REF" "$TERN" "$LOAD"; do
  [[ -x "$exe" ]] || bench_fail "$exe is missing (ninja -C $BUILD signaling/tern-signaling perf/tern-signaling-load)"
done
# Every session is a socket on both sides; the servers inherit this limit.
ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) > SESSIONS + 256)) || bench_fail "open-file limit $(ulimit -n) is too low for $SESSIONS sessions"

# One server.conf for both (the format the conformance suite writes, tests/signaling/harness.py).
# The backend is never called: internal sessions need no backend to say hello or join a room,
# so it points at the discard port.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SECRET=$(openssl rand -hex 16)
BACKEND_URL="http://127.0.0.1:9/"
CONF="$WORK/server.conf"
cat >"$CONF" <<CONF
[http]
listen = 127.0.0.1:$PORT

[app]
debug = false

[sessions]
hashkey = $(openssl rand -hex 32)
blockkey = $(openssl rand -hex 8)

[clients]
internalsecret = $SECRET

[backend]
backends = bench
allowall = false
timeout = 10
connectionsperhost = 8

[bench]
url = ${BACKEND_URL%/}
secret = $(openssl rand -hex 16)

[nats]
url = :loopback:

[stats]
allowed_ips = 127.0.0.1
CONF

# await_welcome NAME: waits up to 15 s for the server NAME to answer /api/v1/welcome.
await_welcome() {
  local deadline=$((SECONDS + 15))
  until curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/api/v1/welcome"; do
    check_alive "$1"
    ((SECONDS < deadline)) || bench_fail "$1 did not answer /api/v1/welcome within 15 s; $(last_words "$1")"
    sleep 0.1
  done
}

# field KEY: KEY's value in LINE (key=value pairs).
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$LINE"; }

run_one() {  # run_one ref|tern ROUND -> LINE (the load generator's summary)
  local kind="$1" tag="r$2.$1" srv gen
  if [[ "$kind" == ref ]]; then
    srv="the reference server (nextcloud-spreed-signaling, round $2)"
    start "$srv" "$tag.server.log" taskset -c "$DUT_CORE" "$REF" -config "$CONF"
  else
    srv="tern-signaling (round $2)"
    start "$srv" "$tag.server.log" taskset -c "$DUT_CORE" "$TERN" --config "$CONF"
  fi
  await_welcome "$srv"
  gen="the load generator (tern-signaling-load, $kind, round $2)"
  # Rooms are named by round, so no room outlives its server in a way that matters.
  start "$gen" "$tag.load.log" taskset -c "$GEN_CORE" "$LOAD" --port "$PORT" --secret "$SECRET" \
    --backend "$BACKEND_URL" --server-pid "${PROC_PID[$srv]}" --sessions "$SESSIONS" \
    --room-size "$ROOM_SIZE" --rate "$RATE" --room-share "$ROOM_SHARE" --sources "$SOURCES" \
    --seconds "$SECONDS_PER_RUN" --warmup "$WARMUP" --drain 3 --setup-timeout 60 --seed "$2"
  await_line "$gen" '^signaling-load: sessions=' $((SECONDS_PER_RUN + WARMUP + 90))
  finish "$gen" 15
  check_alive "$srv"
  stop "$srv"
  [[ "$(field delivered)" =~ ^[1-9] ]] || bench_fail "$gen: no message delivered: $LINE; $(last_words "$gen")"
  echo "$kind $LINE" >>"$WORK/summaries.log"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "bench signaling: $ROUNDS rounds of ${SECONDS_PER_RUN}s (+${WARMUP}s warm-up); $SESSIONS internal sessions in rooms of $ROOM_SIZE" \
     "from $SOURCES loopback addresses; $RATE msg/s sent, $ROOM_SHARE of them to the room; servers on CPU $DUT_CORE, load on CPU $GEN_CORE"
echo "  reference: $("$REF" -version 2>&1 | head -1)"
declare -A per_cpu=() p99=() kib=() rate=() lost=() sess=()
for r in $(seq "$ROUNDS"); do
  for kind in ref tern; do
    run_one "$kind" "$r"
    per_cpu[$kind]+="$(field msgs_per_cpu_s) " p99[$kind]+="$(field p99_ms) " kib[$kind]+="$(field kib_per_session) "
    rate[$kind]+="$(field msgs_per_s) " lost[$kind]+="$(field lost) " sess[$kind]+="$(field sessions) "
    printf '  round %d %-4s: %s sessions (%s failed), %s msg/s delivered, p50 %s ms, p99 %s ms, lost %s, gaps %s, shed %s, closed %s, server CPU %s s -> %s msg/CPU-s, %s KiB/session, load generator CPU %s s\n' \
      "$r" "$kind" "$(field sessions)" "$(field failed)" "$(field msgs_per_s)" "$(field p50_ms)" "$(field p99_ms)" \
      "$(field lost)" "$(field gaps)" "$(field shed)" "$(field closed)" "$(field server_cpu_s)" \
      "$(field msgs_per_cpu_s)" "$(field kib_per_session)" "$(field loadgen_cpu_s)"
  done
done
med() { tr ' ' '\n' <<<"$1" | grep -v '^$' | median; }
ref_cpu=$(med "${per_cpu[ref]}")
tern_cpu=$(med "${per_cpu[tern]}")
ratio=$(python3 -c "print(f'{$tern_cpu / max(1e-9, $ref_cpu):.2f}')")
tern_sessions=$(tr ' ' '\n' <<<"${sess[tern]}" | grep -v '^$' | sort -n | head -1)
dropped=$(tr ' ' '\n' <<<"${lost[tern]}" | grep -v '^$' | awk '{s += $1} END {print s + 0}')
echo "  medians: reference $ref_cpu msg/CPU-s, p99 $(med "${p99[ref]}") ms, $(med "${kib[ref]}") KiB/session, $(med "${rate[ref]}") msg/s;" \
     "tern $tern_cpu msg/CPU-s, p99 $(med "${p99[tern]}") ms, $(med "${kib[tern]}") KiB/session, $(med "${rate[tern]}") msg/s"
echo "  the offered load is the same for both (paced); the comparison is server CPU per delivered message"
echo "bench signaling: sessions=$tern_sessions kib_per_session=$(med "${kib[tern]}") msgs_per_cpu_s=$tern_cpu ref_msgs_per_cpu_s=$ref_cpu ratio=$ratio p99_ms=$(med "${p99[tern]}") dropped=$dropped"
