#!/bin/bash
# Runs the signaling conformance suite (conformance.py, slow checks included unless
# CONFORMANCE_SLOW=0).
# The exit status is the verdict.
#
#   conformance_test.sh [extra conformance.py options]         # reference server
#   conformance_test.sh tern BINARY [extra conformance.py options]
#
# Against the reference, nextcloud-spreed-signaling 0.4.1 from Debian, the
# checks it predates are skipped (REFERENCE_SKIPS in conformance.py).
# Environment: SIGNALING_REFERENCE_BINARY overrides the reference binary,
# PYTHON the interpreter (Debian's, which has python3-websockets/-aiohttp/-jwt).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-/usr/bin/python3}

if [[ ${1:-} == tern ]]; then
    binary=${2:?usage: conformance_test.sh tern BINARY [options]}
    shift 2
    if [[ ! -x $binary ]]; then
        echo "FAIL: tern-signaling binary $binary not found; build it first" >&2
        exit 1
    fi
    server_args=(--server tern --binary "$binary")
else
    binary=${SIGNALING_REFERENCE_BINARY:-/usr/bin/nextcloud-spreed-signaling-server}
    if [[ ! -x $binary ]]; then
        echo "FAIL: reference signaling server $binary not found;" \
             "install the Debian package nextcloud-spreed-signaling" >&2
        exit 1
    fi
    server_args=(--server reference --binary "$binary" --skip-for-reference)
fi

for module in websockets aiohttp jwt cryptography; do
    if ! "$python" -c "import $module" 2>/dev/null; then
        echo "FAIL: $python cannot import $module; install python3-websockets," \
             "python3-aiohttp, python3-jwt and python3-cryptography" >&2
        exit 1
    fi
done

# CONFORMANCE_SLOW=0 leaves out the checks that wait on the server's timers (a minute for
# the read deadline); every other run takes them.
slow=(--slow)
[[ ${CONFORMANCE_SLOW:-1} == 0 ]] && slow=()

# conformance.py stops the server it starts by PID on every path; the
# timeout bounds a hang of the suite itself.
exec timeout --kill-after=10 280 "$python" "$here/conformance.py" "${server_args[@]}" "${slow[@]}" "$@"
