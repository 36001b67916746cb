#!/usr/bin/env bash
# Layout check: every C++ file in git is as clang-format-15 (.clang-format) would write it.
# The verdict is clang-format's exit status (--dry-run -Werror); its report names each drifted
# line. `tools/tern format` rewrites the files.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
command -v clang-format-15 >/dev/null || { echo "clang-format-15 missing (tools/tern setup installs it)"; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
((${#files[@]} > 0)) || { echo "no C++ files found in git"; exit 1; }
rc=0
clang-format-15 --dry-run -Werror --ferror-limit=3 "${files[@]}" || rc=$?
echo "format: ${#files[@]} files checked, clang-format-15 exit status $rc"
exit "$rc"
