# shellcheck shell=bash
# Sourced by perf/bench_*.sh: a work folder, processes started by name with a log each, and one
# rule for failures. A process that exits before it is asked to stop, prints no summary, or ends
# badly ends the benchmark at once with one line naming it, how it ended and its last log line;
# then the work folder, with every log, is kept and named in that line. Any other failing command
# is named by its line. On success the work folder is removed.
#
# Source it after `set -euo pipefail` with BENCH set (the name in messages and in the folder).
# A script with more to undo (namespaces) defines bench_teardown, run after the processes end.
# Functions that fail the benchmark must run in the script's own shell, never inside $(...) or
# <(...): an exit there would end only the subshell. They return results in variables.
BUILD="${TERN_BUILD_DIR:?TERN_BUILD_DIR must point at the build directory}"
WORK="$(mktemp -d "/tmp/tern-bench-$BENCH.XXXX")"
declare -A PROC_PID=() PROC_LOG=()
PROC_NAMES=()  # start order; the EXIT trap stops what is left in reverse
FAILED=""      # why the benchmark failed, once it has

set -E  # the ERR trap in functions too
trap 'FAILED="${FAILED:-${BASH_SOURCE[0]##*/} line $LINENO: \`$BASH_COMMAND\` exited with status $?}"' ERR

bench_cleanup() {
  local rc=$? i pid
  set +e
  trap - ERR
  # All asked at once: a loadgen lingering for its memif peer ends when that peer does.
  for ((i = ${#PROC_NAMES[@]} - 1; i >= 0; i--)); do
    pid="${PROC_PID[${PROC_NAMES[i]}]:-}"
    [[ -n "$pid" ]] && kill -TERM "$pid" 2>/dev/null && kill -CONT "$pid" 2>/dev/null  # a paused one too
  done
  for pid in "${PROC_PID[@]}"; do
    wait "$pid" 2>/dev/null
  done
  declare -F bench_teardown >/dev/null && bench_teardown
  if ((rc != 0)); then
    echo "bench $BENCH: FAILED: ${FAILED:-exit status $rc}; logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap bench_cleanup EXIT
trap 'FAILED="${FAILED:-interrupted}"; exit 130' INT TERM

# bench_fail REASON: ends the benchmark; the EXIT trap prints REASON and keeps the logs.
bench_fail() {
  FAILED="$1"
  exit 1
}

# how_ended STATUS: "exit status N", or the signal that killed it.
how_ended() {
  if (($1 > 128)); then
    echo "killed by SIG$(kill -l $(($1 - 128)))"
  else
    echo "exit status $1"
  fi
}

# last_words NAME: the last non-empty line of NAME's log, short.
last_words() {
  local l
  l=$(grep -v '^[[:space:]]*$' "${PROC_LOG[$1]}" 2>/dev/null | tail -1 | cut -c1-200) || true
  echo "${PROC_LOG[$1]##*/}: ${l:-(empty)}"
}

# start NAME LOG COMMAND...: runs COMMAND in the background, its output in $WORK/LOG. Behind
# `ip netns exec` the pid is still the command's own (ip execs it).
start() {
  local name="$1" log="$2"
  shift 2
  "$@" >"$WORK/$log" 2>&1 &
  PROC_PID[$name]=$!
  PROC_LOG[$name]="$WORK/$log"
  PROC_NAMES+=("$name")
}

alive() { kill -0 "${PROC_PID[$1]}" 2>/dev/null; }

# gone NAME [WHAT]: fails the benchmark because NAME has ended (exited before it was asked to
# stop, unless WHAT says otherwise).
gone() {
  local name="$1" pid="${PROC_PID[$1]}" st=0
  wait "$pid" 2>/dev/null || st=$?
  unset "PROC_PID[$name]"
  bench_fail "$name (pid $pid) ${2:-exited before it was asked to stop} ($(how_ended "$st")); $(last_words "$name")"
}

# check_alive NAME...: fails the benchmark if any of them has exited.
check_alive() {
  local name
  for name in "$@"; do
    alive "$name" || gone "$name"
  done
}

# finish NAME SECONDS [STATUS...]: waits up to SECONDS for NAME to end; it must end with one of
# STATUS (default 0).
finish() {
  local name="$1" secs="$2" pid="${PROC_PID[$1]}" st=0 deadline=$((SECONDS + $2))
  shift 2
  local ok=("${@:-0}")
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || bench_fail "$name (pid $pid) did not end within $secs s; $(last_words "$name")"
    sleep 0.05
  done
  wait "$pid" 2>/dev/null || st=$?
  unset "PROC_PID[$name]"
  [[ " ${ok[*]} " == *" $st "* ]] ||
    bench_fail "$name (pid $pid) failed ($(how_ended "$st")); $(last_words "$name")"
}

# ask_stop NAME: sends SIGTERM; fails the benchmark if NAME had already exited.
ask_stop() {
  check_alive "$1"
  kill -TERM "${PROC_PID[$1]}"
}

# stop NAME [SECONDS]: asks NAME to stop and waits for it (default 30 s). Exit status 0, or
# SIGTERM's own death for programs that keep the default action, is a clean end.
stop() {
  ask_stop "$1"
  finish "$1" "${2:-30}" 0 143
}

# await_line NAME PATTERN SECONDS: waits until NAME's log has a line matching PATTERN (grep -E),
# and puts it in LINE. Fails if NAME ends without one or SECONDS pass.
await_line() {
  local name="$1" pattern="$2" deadline=$((SECONDS + $3))
  while :; do
    LINE=$(grep -E -- "$pattern" "${PROC_LOG[$name]}" 2>/dev/null | tail -1) || true
    [[ -n "$LINE" ]] && return 0
    if ! alive "$name"; then
      LINE=$(grep -E -- "$pattern" "${PROC_LOG[$name]}" 2>/dev/null | tail -1) || true
      [[ -n "$LINE" ]] && return 0
      gone "$name" "exited without printing '$pattern'"
    fi
    ((SECONDS < deadline)) || bench_fail "$name printed no '$pattern' within $3 s; $(last_words "$name")"
    sleep 0.05
  done
}

# await_socket NAME PATH SECONDS: waits for NAME to create the unix socket PATH.
await_socket() {
  local deadline=$((SECONDS + $3))
  until [[ -S "$2" ]]; do
    check_alive "$1"
    ((SECONDS < deadline)) || bench_fail "$1 created no socket ${2##*/} within $3 s; $(last_words "$1")"
    sleep 0.05
  done
}
