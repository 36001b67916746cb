#!/usr/bin/env bash
# bench signaling_cluster: how many sessions tern-signaling holds on this machine as several nodes
# clustered over NATS (issue 15: at least 100,000; one process may hold 20,000 open files here,
# so one node cannot), and that room messages still reach every member across the nodes.
#
#   tools/tern bench signaling_cluster
#
# Starts Debian's nats-server (JetStream, a free loopback port, its store in the work folder),
# NODES tern-signaling nodes (node ids 1.., one shard each) and 2 x NODES load processes
# (tern-signaling-load) of PER_PROC sessions each, from their own source addresses. Load process
# p alternates its sessions between nodes p mod NODES and p+1 mod NODES, so each room of 10 has
# members on two nodes and each room message crosses NATS. Every session says a v1 hello the mock
# Nextcloud checks (perf/support/mock_backend.py) and joins its room through it. Then one phase
# of room messages, RATE per second per process (1 s warm-up, WINDOW s window, at most 5 s
# drain): every delivery owed must arrive. The last line:
#   bench signaling_cluster: nodes=N sessions=N kib_per_session=X deliveries=N p99_ms=X dropped=N
# kib_per_session is the nodes' RSS growth over the sessions they hold; deliveries and p99_ms are
# the phase's (p99 of delivery latency, the worst process).
#
# Knobs (environment): TERN_BENCH_CLUSTER_NODES (6), TERN_BENCH_CLUSTER_SESSIONS (per load
# process, 8500: 2 x 6 x 8500 = 102,000), TERN_BENCH_CLUSTER_RATE (200), TERN_BENCH_CLUSTER_SECONDS
# (5). Everything shares this machine's CPUs; the figures say what is held, not how fast.
set -euo pipefail
BENCH=signaling_cluster
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=support/bench_lib.sh
source "$HERE/support/bench_lib.sh"
# shellcheck source=support/signaling_conf.sh
source "$HERE/support/signaling_conf.sh"
NODES="${TERN_BENCH_CLUSTER_NODES:-6}"
PER_PROC="${TERN_BENCH_CLUSTER_SESSIONS:-8500}"
RATE="${TERN_BENCH_CLUSTER_RATE:-200}"
WINDOW="${TERN_BENCH_CLUSTER_SECONDS:-5}"
ROOM_SIZE=10
WARMUP=1
DRAIN=5
SETUP_TIMEOUT=600
TERN="$BUILD/signaling/tern-signaling"
LOAD="$BUILD/perf/tern-signaling-load"
NATS=/usr/sbin/nats-server
PYTHON=/usr/bin/python3

for exe in "$TERN" "$LOAD" "$NATS" "$PYTHON"; do
  [[ -x "$exe" ]] || bench_fail "$exe is missing (tools/tern setup installs nats-server; ninja -C $BUILD builds the others)"
done
((NODES >= 2 && NODES <= 20 && PER_PROC >= ROOM_SIZE && PER_PROC <= 18000)) ||
  bench_fail "TERN_BENCH_CLUSTER_NODES 2..20 and TERN_BENCH_CLUSTER_SESSIONS $ROOM_SIZE..18000"
PROCS=$((2 * NODES))
SESSIONS=$((PROCS * PER_PROC))
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# A node holds PER_PROC sessions: half of each of its two load processes'.
(($(ulimit -n) >= PER_PROC + 512)) || bench_fail "open-file limit $(ulimit -n) is too low for $PER_PROC sessions per node"


BACKEND_SECRET=$(openssl rand -hex 16)
start "the mock Nextcloud" mock.log "$PYTHON" "$HERE/support/mock_backend.py" --secret "$BACKEND_SECRET"
await_line "the mock Nextcloud" '^listening [0-9]+' 15
BACKEND_URL="http://127.0.0.1:${LINE#listening }/"

NATS_PORT=$(free_port)
mkdir -p "$WORK/nats"
start "nats-server" nats.log "$NATS" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$WORK/nats"
deadline=$((SECONDS + 15))
until "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $NATS_PORT), 1)" 2>/dev/null; do
  check_alive "nats-server"
  ((SECONDS < deadline)) || bench_fail "nats-server did not listen within 15 s; $(last_words nats-server)"
  sleep 0.1
done

HASH_KEY=$(openssl rand -hex 32)
BLOCK_KEY=$(openssl rand -hex 8)
INTERNAL=$(openssl rand -hex 16)
declare -a PORTS=() NODE_NAMES=() RSS0=()
for ((n = 0; n < NODES; n++)); do
  PORTS[n]=$(free_port)
  {
    signaling_conf "${PORTS[n]}" "nats://127.0.0.1:$NATS_PORT" "$HASH_KEY" "$BLOCK_KEY" "$INTERNAL"
    printf '\n[tern]\nnode_id = %d\nthreads = 1\n' $((n + 1))
  } >"$WORK/node$n.conf"
  NODE_NAMES[n]="node $((n + 1))"
  start "${NODE_NAMES[n]}" "node$n.log" "$TERN" --config "$WORK/node$n.conf"
done
for ((n = 0; n < NODES; n++)); do
  deadline=$((SECONDS + 20))
  until curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:${PORTS[n]}/api/v1/welcome"; do
    check_alive "${NODE_NAMES[n]}"
    ((SECONDS < deadline)) || bench_fail "${NODE_NAMES[n]} did not answer /api/v1/welcome within 20 s; $(last_words "${NODE_NAMES[n]}")"
    sleep 0.1
  done
  RSS0[n]=$(rss_kib "${PROC_PID[${NODE_NAMES[n]}]}")
done
echo "bench signaling_cluster: $NODES tern-signaling nodes on one nats-server (JetStream); $SESSIONS sessions from $PROCS load processes in rooms of $ROOM_SIZE, each room on two nodes"

declare -a GEN_NAMES=() GEN_FDS=()
for ((p = 0; p < PROCS; p++)); do
  gen="load process $((p + 1))"
  fifo="$WORK/gen$p.in"
  mkfifo "$fifo"
  exec {fd}<>"$fifo"
  a=$((p % NODES)) b=$(((p + 1) % NODES))
  start "$gen" "gen$p.log" "$LOAD" --ports "${PORTS[a]},${PORTS[b]}" \
    --backend "$BACKEND_URL" --sessions "$PER_PROC" --room-size "$ROOM_SIZE" \
    --room-base $((p * (PER_PROC / ROOM_SIZE + 1))) --source-base "127.0.$((p + 1)).1" \
    --commands "$fifo" --seed $((p + 1)) --connect-concurrency 32 \
    --setup-timeout "$SETUP_TIMEOUT" --lifetime $((SETUP_TIMEOUT + WARMUP + WINDOW + DRAIN + 300))
  GEN_NAMES+=("$gen") GEN_FDS+=("$fd")
done
await_ready $((SETUP_TIMEOUT + 30)) "${GEN_NAMES[@]}"
sessions=$READY_SESSIONS
sleep 2  # join events settle before memory is read
grown=0
for ((n = 0; n < NODES; n++)); do
  check_alive "${NODE_NAMES[n]}"
  grown=$((grown + $(rss_kib "${PROC_PID[${NODE_NAMES[n]}]}") - RSS0[n]))
done
kib=$(calc %.1f "$grown / $sessions")
echo "  $sessions sessions held on $NODES nodes ($((sessions / NODES)) each); RSS growth $grown KiB: $kib KiB per session"

for i in "${!GEN_NAMES[@]}"; do
  echo "run room room $RATE $WARMUP $WINDOW $DRAIN" >&"${GEN_FDS[i]}"
done
delivered=0 dropped=0 p99=0
for i in "${!GEN_NAMES[@]}"; do
  await_line "${GEN_NAMES[i]}" "^phase room " $((WARMUP + WINDOW + DRAIN + 60))
  delivered=$((delivered + $(field delivered "$LINE")))
  dropped=$((dropped + $(field dropped "$LINE")))
  p99=$(calc %.3f "($(field p99_ms "$LINE") > $p99) ? $(field p99_ms "$LINE") : $p99")
done
echo "  room messages at $RATE/s per process: $delivered deliveries in the window, p99 $p99 ms, dropped $dropped"
for i in "${!GEN_NAMES[@]}"; do
  echo quit >&"${GEN_FDS[i]}"
done
for gen in "${GEN_NAMES[@]}"; do
  finish "$gen" 60
done
for ((n = 0; n < NODES; n++)); do
  stop "${NODE_NAMES[n]}"
done
echo "bench signaling_cluster: nodes=$NODES sessions=$sessions kib_per_session=$kib deliveries=$delivered p99_ms=$p99 dropped=$dropped"
