"""The conformance suite's mock Nextcloud (tests/signaling/mock_nextcloud.py) as a process, for
perf/bench_signaling.sh: it answers every auth and room request of the servers under load.

    python3 perf/support/mock_backend.py --secret S

Prints ``listening PORT`` once it serves, then runs until SIGTERM or SIGINT. The requests it
records are dropped as they come (a benchmark makes tens of thousands).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "signaling"))

from mock_nextcloud import MockNextcloud  # noqa: E402


class QuietList(list):
    """The mock's request log, kept empty: nothing here asserts on it."""

    def append(self, item) -> None:  # noqa: D102 - list's
        pass


async def serve(secret: str) -> None:
    nc = MockNextcloud(secret)
    nc.requests = QuietList()
    await nc.start()
    print(f"listening {nc.port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await nc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--secret", required=True, help="the backend secret of the server.conf")
    asyncio.run(serve(ap.parse_args().secret))


if __name__ == "__main__":
    main()
