#!/bin/bash
# Runs tern-signaling's operations test (operations.py): per-address connection and hello
# limits, SIGTERM (close 1012, drain, exit 0 within the grace), the descriptor limit logged.
# The exit status is the verdict.
#
#   operations_test.sh BINARY
#
# Environment: PYTHON the interpreter (Debian's, which has python3-websockets/-aiohttp/-jwt).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-/usr/bin/python3}
binary=${1:?usage: operations_test.sh BINARY}

for module in websockets aiohttp jwt cryptography; do
    if ! "$python" -c "import $module" 2>/dev/null; then
        echo "FAIL: $python cannot import $module; install python3-websockets," \
             "python3-aiohttp, python3-jwt and python3-cryptography" >&2
        exit 1
    fi
done

# operations.py stops every process it starts by PID on every path; the timeout bounds a hang
# of the test itself.
exec timeout --kill-after=10 150 "$python" "$here/operations.py" --binary "$binary"
