#!/usr/bin/env bash
# One libFuzzer target as a meson test (suite "fuzz"): TERN_FUZZ_SECONDS (default 15) of fuzzing
# from the seed corpus. New inputs and crash inputs go to WORK_DIR, which is kept: a failure names
# the crash input to replay (BINARY CRASH_FILE) and to add to the seed corpus once fixed.
#   run_target.sh BINARY SEED_CORPUS WORK_DIR
set -euo pipefail
bin="$1" seeds="$2" work="$3"
seconds="${TERN_FUZZ_SECONDS:-15}"
rm -rf "$work"
mkdir -p "$work/new" "$work/crash"
rc=0
"$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/crash/" "$work/new" "$seeds" \
  >"$work/log" 2>&1 || rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$work/log")
if ((rc != 0)); then
  tail -40 "$work/log"
  echo "$(basename "$bin"): FAILED after ${runs:-?} runs (exit $rc); crash inputs kept in $work/crash:" >&2
  ls "$work/crash" >&2 || true
  exit 1
fi
if [[ -z "$runs" || "$runs" -eq 0 ]]; then
  tail -20 "$work/log"
  echo "$(basename "$bin"): ran no input" >&2
  exit 1
fi
echo "$(basename "$bin"): $runs runs in $seconds s, no crash"
