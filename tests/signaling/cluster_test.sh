#!/bin/bash
# Runs the two-node cluster test (cluster.py): its own nats-server, a mock
# Nextcloud, two tern-signaling nodes. The exit status is the verdict.
#
#   cluster_test.sh BINARY NATS_SERVER [SCENARIO]
#
# SCENARIO: basic (the default) or resume (see cluster.py).
#
# Environment: PYTHON the interpreter (Debian's, which has python3-websockets/-aiohttp/-jwt).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-/usr/bin/python3}
binary=${1:?usage: cluster_test.sh BINARY NATS_SERVER}
nats=${2:?usage: cluster_test.sh BINARY NATS_SERVER}
scenario=${3:-basic}

for module in websockets aiohttp jwt cryptography; do
    if ! "$python" -c "import $module" 2>/dev/null; then
        echo "FAIL: $python cannot import $module; install python3-websockets," \
             "python3-aiohttp, python3-jwt and python3-cryptography" >&2
        exit 1
    fi
done

# cluster.py stops every process it starts by PID on every path; the timeout
# bounds a hang of the test itself.
exec timeout --kill-after=10 150 "$python" "$here/cluster.py" --binary "$binary" --nats-server "$nats" \
    --scenario "$scenario"
