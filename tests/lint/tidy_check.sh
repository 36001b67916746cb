#!/usr/bin/env bash
# Static checks: clang-tidy-15 (.clang-tidy) over every translation unit of the product in the
# build's compile_commands.json (tests, fuzz targets and benchmarks' Catch2 files excepted: they
# are checked by the compiler's warnings, and parsing Catch2 costs minutes per file here).
#   tidy_check.sh BUILD_DIR [FOLDER...]   (default: every product folder)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:?usage: tidy_check.sh BUILD_DIR [FOLDER...]}"
shift
folders=("$@")
((${#folders[@]} > 0)) || folders=(common dataplane controlplane signaling tools perf)
command -v run-clang-tidy-15 >/dev/null || { echo "clang-tidy-15 missing (tools/tern setup installs it)"; exit 1; }
[[ -f "$BUILD/compile_commands.json" ]] || { echo "$BUILD/compile_commands.json missing: build first"; exit 1; }
cd "$ROOT"
mapfile -t files < <(git ls-files "${folders[@]/%//*.cpp}" | grep -Ev '_(test|fuzz)\.cpp$')
((${#files[@]} > 0)) || { echo "no translation units found"; exit 1; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
rc=0
# Boost.Asio's configuration turns on its coroutine support for GCC (the build's compiler) but
# for clang only with libc++; clang 15 with libstdc++ has C++20 coroutines all the same.
run-clang-tidy-15 -p "$BUILD" -quiet -j "${TERN_JOBS:-2}" \
  -extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 -extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1 \
  "${files[@]/#/$ROOT/}" >"$out" 2>&1 || rc=$?
grep -E '(warning|error): ' "$out" | sort -u || true
echo "tidy: ${#files[@]} translation units of ${folders[*]} checked, exit status $rc"
exit "$rc"
