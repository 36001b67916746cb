#!/usr/bin/env bash
# Map check: docs/layout.md has one row per folder that holds sources, and names no folder that
# is gone. Fails listing both kinds of drift.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
map=docs/layout.md
[[ -f "$map" ]] || { echo "$map missing"; exit 1; }
# Folders with sources in git (node_modules and seed corpora hold none of ours).
mapfile -t tree < <(git ls-files -- '*.cpp' '*.hpp' '*.h' '*.sh' '*.py' '*.mjs' '*.js' '*.html' '*.ts' '*.vue' \
  ':!:*/node_modules/*' | xargs -r -n1 dirname | sort -u | grep -v '^\.' | grep -v '^tests/fuzz/corpus')
# The map's rows: "| `folder/` | ...".
mapfile -t rows < <(sed -n 's/^| `\([a-z0-9_./-]*\)\/` |.*/\1/p' "$map" | sort -u)
((${#rows[@]} > 0)) || { echo "$map: no folder rows found"; exit 1; }
missing=$(comm -23 <(printf '%s\n' "${tree[@]}") <(printf '%s\n' "${rows[@]}"))
stale=$(comm -13 <(printf '%s\n' "${tree[@]}") <(printf '%s\n' "${rows[@]}"))
rc=0
[[ -z "$missing" ]] || { echo "$map lacks a row for: $(echo $missing)"; rc=1; }
[[ -z "$stale" ]] || { echo "$map names folders without sources: $(echo $stale)"; rc=1; }
echo "docs map: ${#tree[@]} source folders, ${#rows[@]} rows, exit status $rc"
exit "$rc"
