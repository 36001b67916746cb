#!/usr/bin/python3
"""Conformance suite for Talk's signaling client and backend APIs.

Runs the checks of docs/signaling-protocol.md §8 against any signaling server
that reads the reference server.conf format: a mock Nextcloud stands in for
Talk, the runner writes a config pointing at it, starts the server, runs the
checks and stops the server by PID. One line per check; the exit status is the
verdict (non-zero if any check failed or none ran).

    conformance.py --server reference [--skip-for-reference] [--slow]
    conformance.py --server tern --binary build/signaling/tern-signaling --slow
    conformance.py --server-cmd '/path/to/server -config {config}' --only 6,10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checks_backend  # noqa: E402,F401 - registers checks
import checks_client  # noqa: E402,F401 - registers checks
from harness import PRESETS, CheckFailed, ServerUnderTest, run_cancellable  # noqa: E402
from mock_nextcloud import MockNextcloud, checksum_self_test  # noqa: E402
from suite import REGISTRY, Check, Context, Skip  # noqa: E402

# What nextcloud-spreed-signaling 0.4.1 (Debian bookworm) predates, found by
# running the suite against it and reading its v0.4.1 sources. The current 2.x
# behaviour (docs/signaling-protocol.md) is what the checks expect.
REFERENCE_SKIPS = {
    "1a": "0.4.1 sends no welcome frame (added in 1.0)",
    "1b": "0.4.1 sets no Server or X-Spreed-Signaling-Features header on the WebSocket upgrade",
    "5a": "0.4.1 predates invalid_hello_version: any version but 1.0 is invalid_format there",
    "8a": "0.4.1 predates hello v2 (JWT) tokens",
    "8b": "0.4.1 predates hello v2 (JWT) tokens",
    "11b": "0.4.1 predates already_joined: it ignores a join of the current room without a reply",
    "17b": "0.4.1 predates recipient-call",
    "24b": "0.4.1 predates brute-force throttling (HTTP 429)",
    "30": "0.4.1 predates incall-all",
    "32": "0.4.1 predates chat-relay",
    "33": "0.4.1 predates switchto",
    "34b": "0.4.1 predates dial-out",
    "35b": "0.4.1 advertises only audio-video-permissions (federation, incall-all, hello-v2, switchto came later)",
    "36b": "0.4.1 predates session-ping-limit (merged pings)",
    "37": "0.4.1 predates transient data",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", choices=sorted(PRESETS), help="server preset (command line, NATS url)")
    p.add_argument("--binary", help="server binary for the preset (default: the preset's)")
    p.add_argument("--server-cmd", help="server command line; {config} is replaced by the config path")
    p.add_argument("--nats-url", help="[nats] url for --server-cmd (default nats://loopback)")
    p.add_argument("--only", help="comma-separated check ids or item numbers (9 = 9a and 9b)")
    p.add_argument("--slow", action="store_true", help="also run checks that take more than 5 s")
    p.add_argument("--skip-for-reference", action="store_true",
                   help="skip what nextcloud-spreed-signaling 0.4.1 predates (see REFERENCE_SKIPS)")
    p.add_argument("--skip", action="append", default=[], metavar="ID=REASON",
                   help="skip check ID (or item number) with REASON; repeatable")
    p.add_argument("--list", action="store_true", help="list the checks and exit")
    p.add_argument("--threads", type=int,
                   help="tern's [tern] threads: with several, sessions spread over shards that "
                        "share rooms through the bus between them")
    args = p.parse_args(argv)
    if not args.list and not (args.server or args.server_cmd):
        p.error("give --server or --server-cmd")
    return args


def server_command(args: argparse.Namespace) -> tuple[str, str]:
    if args.server_cmd:
        return args.server_cmd, args.nats_url or "nats://loopback"
    preset = PRESETS[args.server]
    binary = args.binary or preset.default_binary
    if shutil.which(binary) is None:
        raise SystemExit(f"server binary {binary!r} not found or not executable")
    return preset.command.replace("{binary}", binary), args.nats_url or preset.nats_url


def selected(args: argparse.Namespace) -> list[tuple[Check, str | None]]:
    """Each check with its skip reason (None = run)."""
    wanted = {w.strip() for w in args.only.split(",")} if args.only else None
    extra = {}
    for item in args.skip:
        cid, _, why = item.partition("=")
        extra[cid.strip()] = why.strip() or "skipped on request (--skip)"
    out = []
    for c in sorted(REGISTRY, key=lambda c: (c.number, c.id)):
        if wanted is not None and c.id not in wanted and str(c.number) not in wanted:
            continue
        reason = extra.get(c.id) or extra.get(str(c.number))
        if reason is not None:
            pass
        elif args.skip_for_reference and c.id in REFERENCE_SKIPS:
            reason = REFERENCE_SKIPS[c.id]
        elif c.slow and not args.slow:
            reason = "slow (takes more than 5 s); run with --slow"
        out.append((c, reason))
    return out


class Results:
    def __init__(self) -> None:
        self.counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}

    def report(self, verdict: str, c: Check, detail: str = "", took: float | None = None) -> None:
        self.counts[verdict] += 1
        timing = f" ({took:.1f}s)" if took is not None else ""
        line = f"{verdict} {c.id:>4} {c.name}{timing}"
        if detail:
            line += f": {detail}"
        print(line, flush=True)


async def run_one(c: Check, server: ServerUnderTest, nc: MockNextcloud, nc2: MockNextcloud,
                  results: Results) -> None:
    ctx = Context(server, nc, nc2)
    start = time.monotonic()
    try:
        await asyncio.wait_for(c.fn(ctx), timeout=150)
        results.report("PASS", c, took=time.monotonic() - start)
    except Skip as e:
        results.report("SKIP", c, str(e))
    except CheckFailed as e:
        results.report("FAIL", c, f"{c.doc} — {e}", time.monotonic() - start)
    except asyncio.TimeoutError:
        results.report("FAIL", c, f"{c.doc} — did not finish within 150 s", time.monotonic() - start)
    except Exception as e:  # noqa: BLE001 - a crash in one check is a failed check, not a failed run
        tb = traceback.format_exception_only(type(e), e)[-1].strip()
        results.report("FAIL", c, f"{c.doc} — {tb}", time.monotonic() - start)
    finally:
        await ctx.cleanup()


async def main_async(args: argparse.Namespace) -> int:
    plan = selected(args)
    if not checksum_self_test():
        print("ERROR the mock's checksum does not reproduce the protocol's test vector", flush=True)
        return 2
    command, nats_url = server_command(args)
    secret = secrets.token_hex(16)
    nc = MockNextcloud(secret)
    nc2 = MockNextcloud(secrets.token_hex(16), session_ping_limit=200)
    await nc.start()
    await nc2.start()
    extra = f"\n[tern]\nthreads = {args.threads}\n" if args.threads else ""
    server = ServerUnderTest(command, nats_url, {"mock": nc, "mock2": nc2}, extra_config=extra)
    results = Results()
    try:
        await server.start()
        print(f"# server: {command.replace('{config}', server.config_path)}", flush=True)
        for c, reason in plan:
            if reason is not None:
                results.report("SKIP", c, reason)
        to_run = [c for c, reason in plan if reason is None]
        slow = [c for c in to_run if c.slow]
        fast = [c for c in to_run if not c.slow]

        async def run_fast() -> None:
            for c in fast:
                await run_one(c, server, nc, nc2, results)
        # Slow checks mostly wait on server timers; they run concurrently with
        # each other and with the fast ones (every check uses its own ids).
        await asyncio.gather(run_fast(), *[run_one(c, server, nc, nc2, results) for c in slow])
    except RuntimeError as e:
        print(f"ERROR {e}", flush=True)
        return 2
    finally:
        server.stop()
        await nc.stop()
        await nc2.stop()
    n = results.counts
    print(f"# {n['PASS']} passed, {n['FAIL']} failed, {n['SKIP']} skipped", flush=True)
    if n["FAIL"]:
        print(f"# server log: {server.log_path}", flush=True)
        return 1
    if n["PASS"] == 0:
        print(f"# no check ran; server log: {server.log_path}", flush=True)
        return 1
    shutil.rmtree(server.workdir, ignore_errors=True)  # logs are kept only when something failed
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.list:
        for c in sorted(REGISTRY, key=lambda c: (c.number, c.id)):
            print(f"{c.id:>4} {c.name}{' [slow]' if c.slow else ''}: {c.doc}")
        return 0
    return asyncio.run(run_cancellable(main_async, args, "server"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
