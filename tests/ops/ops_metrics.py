#!/usr/bin/env python3
"""The metric names and queries of docs/ops (alerts.yml, grafana-dashboard.json).

    ops_metrics.py rules           the dashboard's queries as a Prometheus rule file on stdout,
                                   Grafana's variables replaced, for `promtool check rules`
    ops_metrics.py missing PREFIX  reads a /metrics scrape on stdin; lists the names starting
                                   with PREFIX that docs/ops uses and the scrape lacks; exit 1
                                   when there is one

So a renamed counter breaks a test, not a dashboard seen only in production.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

OPS = Path(__file__).resolve().parent.parent.parent / "docs" / "ops"
# A metric name in a query; names matched by a regex (__name__=~"tern_x_.+") are left out.
NAME = re.compile(r"\b((?:tern|signaling)_[a-z0-9_]*[a-z0-9])\b(?![.a-z0-9_+*])")


def dashboard_queries() -> list[str]:
    dash = json.loads((OPS / "grafana-dashboard.json").read_text())
    out = []
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            out.append(target["expr"])
    return out


def alert_queries() -> list[str]:
    # alerts.yml is checked by promtool itself; only its expressions are needed here, which
    # sit on "expr:" lines or, folded (>-), on the lines below them.
    exprs, current = [], None
    for line in (OPS / "alerts.yml").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("expr:"):
            current = stripped[len("expr:"):].strip()
            if current != ">-":
                exprs.append(current)
                current = None
            else:
                current = ""
        elif current is not None:
            if stripped and not re.match(r"^[a-z_]+:", stripped):
                current += " " + stripped
            else:
                exprs.append(current)
                current = None
    return exprs


def grafana_free(expr: str) -> str:
    return expr.replace("$__rate_interval", "1m").replace('"$instance"', '".*"')


def main(argv: list[str]) -> int:
    if argv[1:] == ["rules"]:
        print("groups:\n  - name: dashboard-queries\n    rules:")
        for i, expr in enumerate(dashboard_queries()):
            print(f"      - record: tern:dashboard_query_{i}")
            print(f"        expr: {json.dumps(grafana_free(expr))}")
        return 0
    if len(argv) == 3 and argv[1] == "missing":
        prefix = argv[2]
        scraped = {line.split()[2] for line in sys.stdin if line.startswith("# TYPE ")}
        used = {m for e in dashboard_queries() + alert_queries() for m in NAME.findall(e)}
        missing = sorted(m for m in used if m.startswith(prefix) and m not in scraped)
        for m in missing:
            print(f"docs/ops uses {m}, which /metrics does not have")
        return 1 if missing else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
