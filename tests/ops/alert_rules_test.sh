#!/usr/bin/env bash
# The alert rules and dashboard operators load (docs/ops/): Prometheus' own checker accepts
# the rules and every dashboard query (`promtool check rules`; the queries as recording rules,
# Grafana's variables replaced), and each alert fires, or stays quiet, on the series of
# docs/ops/alerts_test.yml (`promtool test rules`). That the metrics they name exist is checked
# against live scrapes (integration_sfu, signaling_operations_tern). The exit status is the
# verdict.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ops="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../docs/ops" && pwd)"
command -v promtool >/dev/null || {
  echo "FAIL: promtool missing: install the Debian package prometheus (tools/tern setup)" >&2
  exit 1
}
promtool check rules "$ops/alerts.yml"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$ops/grafana-dashboard.json"
queries="$(mktemp --suffix=.yml)"
trap 'rm -f "$queries"' EXIT
python3 "$here/ops_metrics.py" rules >"$queries"
promtool check rules "$queries"
# promtool resolves rule_files relative to the test file's folder.
cd "$ops"
promtool test rules alerts_test.yml
