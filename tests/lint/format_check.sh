#!/usr/bin/env bash
# Layout check: every C++ file in git is as clang-format-15 (.clang-format) would write it.
# Fails naming each file that drifted and how many lines; `tools/tern format` rewrites them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
command -v clang-format-15 >/dev/null || { echo "clang-format-15 missing (tools/tern setup installs it)"; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
((${#files[@]} > 0)) || { echo "no C++ files found in git"; exit 1; }
bad=0
for f in "${files[@]}"; do
  n=$(clang-format-15 --dry-run "$f" 2>&1 | grep -c ': warning:' || true)
  if ((n > 0)); then
    echo "$f: $n lines differ from clang-format-15"
    bad=$((bad + 1))
  fi
done
echo "format: ${#files[@]} files checked, $bad drifted"
((bad == 0))
