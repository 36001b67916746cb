#!/usr/bin/python3
"""tern-signaling's operations and limits (issue 15, item 7), over real sockets.

Starts a mock Nextcloud (the real one cannot run here) and tern-signaling from a
generated server.conf with tern's [limits] and [tern] keys, then checks, each
waiting by polling to a bounded deadline:

  - limits: with connections_per_ip = 3 a fourth /spreed upgrade from 127.0.0.1
    (loopback is limited unless exempt; a trusted proxy by default, so counted at
    the upgrade) is answered 429 before the upgrade, and one closed connection lets
    the next in; behind that proxy each X-Real-Ip counts for itself; a peer that is
    no trusted proxy is counted from accept: its fourth TCP connection (WebSocket
    or plain HTTP) is closed before a byte is read; with hellos_per_second = 2 and
    hello_burst = 3 a fourth quick hello is answered too_many_requests (the
    socket stays usable and a hello passes once a token is back); both are
    counted in /metrics; an exempt address is held to neither;
  - shutdown: clients in a room get, on SIGTERM, a WebSocket close with 1012
    (service restart; Talk's client reconnects and resumes after anything but
    1001) and no bye, after every frame queued for them at the signal (12 MB for
    a client that was not reading); the process exits 0, as soon as every client
    has answered the close; when one client never reads (its close cannot finish), still
    exits 0 within [tern] shutdown_grace_ms plus a margin, and says it cut;
  - start-up: the raised descriptor limit is logged.

Every process is stopped by PID and every temp dir removed on every path; on
failure the tail of the server log is printed. The exit status is the verdict.

    operations.py --binary build/signaling/tern-signaling
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import secrets
import shutil
import signal
import sys
import time
import traceback
from typing import Optional

import aiohttp
import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import PRESETS, CheckFailed, ServerUnderTest, SigClient, run_cancellable  # noqa: E402
from mock_nextcloud import MockNextcloud  # noqa: E402
from suite import PROMPT, Context, expect  # noqa: E402

GRACE_MS = 2000        # [tern] shutdown_grace_ms of the server with a stalled client
DRAIN_GRACE_MS = 10000  # and of the one whose backlog must drain (generous: no timing asserted)
BACKLOG = 200          # room messages of 60 KB queued at SIGTERM: 12 MB
EXIT_MARGIN_S = 3.0    # what the process may take beyond the grace to exit


async def metric(server: ServerUnderTest, name: str) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.get(server.http_url + "/metrics") as resp:
            text = await resp.text()
    m = re.search(rf"^{name} (\d+)$", text, re.M)
    expect(m is not None, f"{name} in /metrics", text[-400:])
    return int(m.group(1))


async def piped(argv: list[str], text: str) -> tuple[int, str]:
    """Runs argv with `text` on its stdin (bounded: 30 s); its exit status and output."""
    proc = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(text.encode()), timeout=30)
    return proc.returncode, out.decode(errors="replace")


async def check_exposition(ctx: Context) -> None:
    """/metrics passes Prometheus' own lint (promtool check metrics: names, units, HELP/TYPE)
    and has every metric docs/ops queries."""
    async with aiohttp.ClientSession() as http:
        async with http.get(ctx.server.http_url + "/metrics") as resp:
            text = await resp.text()
    promtool = shutil.which("promtool")
    expect(promtool is not None, "promtool (Debian package prometheus; tools/tern setup)", None)
    status, out = await piped([promtool, "check", "metrics"], text)
    expect(status == 0, "promtool check metrics to accept /metrics", out[-800:])
    # Every signaling_ metric the alert rules and the dashboard in docs/ops/ query is exported.
    ops = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ops", "ops_metrics.py")
    status, out = await piped([sys.executable, ops, "missing", "signaling_"], text)
    expect(status == 0, "the metrics docs/ops queries in /metrics", out[-800:])


async def wait_until(what: str, probe, timeout: float = PROMPT, every: float = 0.05):
    """Polls the async ``probe`` until it returns a true value; fails with the last one seen."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(every)  # poll interval, bounded by the deadline
    raise CheckFailed(f"{what}: not within {timeout}s (last: {last!r})")


def log_lines(server: ServerUnderTest, msg: str) -> list[dict]:
    out = []
    with open(server.log_path, "rb") as f:
        for line in f.read().decode(errors="replace").splitlines():
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("msg") == msg:
                out.append(j)
    return out


# -- limits -------------------------------------------------------------------

async def check_connection_limit(ctx: Context) -> None:
    held = [await ctx.connect(f"held{i}") for i in range(3)]
    for c in held:
        await c.expect(lambda m: m.get("type") == "welcome", PROMPT, "welcome")
    refused_before = await metric(ctx.server, "signaling_limits_connections_refused_total")
    try:
        extra = await websockets.connect(ctx.server.ws_url, ping_interval=None)
        await extra.close()
        raise CheckFailed("a fourth WebSocket from 127.0.0.1 was accepted (limit 3)")
    except websockets.InvalidStatusCode as e:
        expect(e.status_code == 429, "HTTP 429 before the upgrade", e.status_code)
    expect(await metric(ctx.server, "signaling_limits_connections_refused_total")
           == refused_before + 1, "the refusal counted", "")
    # One ends; its place is given back when the server sees the close.
    await held[0].close()

    async def try_connect():
        try:
            c = await ctx.connect("again")
            return c
        except websockets.InvalidStatusCode:
            return None
    again = await wait_until("a new connection once one closed", try_connect)
    await again.expect(lambda m: m.get("type") == "welcome", PROMPT, "welcome")
    print("PASS connections_per_ip: the fourth upgrade gets 429, counted; a close frees a place",
          flush=True)
    for c in held[1:] + [again]:
        await c.close()

    # Behind a trusted proxy (loopback is one by default) each client address counts apart.
    async def via_proxy(client_ip: str):
        return await websockets.connect(ctx.server.ws_url, ping_interval=None,
                                        extra_headers={"X-Real-Ip": client_ip})
    proxied = []
    for ip in ("203.0.113.5", "203.0.113.6"):
        for _ in range(3):
            proxied.append(await wait_until(f"a proxied connection for {ip}",
                                            lambda ip=ip: try_proxied(via_proxy, ip)))
        try:
            extra = await via_proxy(ip)
            await extra.close()
            raise CheckFailed(f"a fourth WebSocket for X-Real-Ip {ip} was accepted (limit 3)")
        except websockets.InvalidStatusCode as e:
            expect(e.status_code == 429, f"HTTP 429 for a fourth from {ip}", e.status_code)
    print("PASS behind a trusted proxy each X-Real-Ip has its own connections_per_ip", flush=True)
    for ws in proxied:
        await ws.close()


async def try_proxied(via_proxy, ip: str):
    """One connection through via_proxy, or None while the server still counts closed ones."""
    try:
        return await via_proxy(ip)
    except websockets.InvalidStatusCode:
        return None


async def connect_when_free(ctx: Context, name: str) -> SigClient:
    """A connection, once the server has seen earlier ones (the start-up probe's) close."""
    async def attempt():
        try:
            return await ctx.connect(name)
        except (websockets.InvalidHandshake, websockets.ConnectionClosed, OSError, EOFError):
            return None
    return await wait_until(f"{name}: a connection", attempt)


async def check_direct_peer(ctx: Context) -> None:
    """127.0.0.1 is no trusted proxy here: its connections are counted from accept."""
    held = [await connect_when_free(ctx, f"direct{i}") for i in range(3)]
    for c in held:
        await c.expect(lambda m: m.get("type") == "welcome", PROMPT, "welcome")
    try:
        extra = await websockets.connect(ctx.server.ws_url, ping_interval=None, open_timeout=5)
        await extra.close()
        raise CheckFailed("a fourth connection from a direct peer was accepted (limit 3)")
    except websockets.InvalidStatusCode as e:
        raise CheckFailed(f"a direct peer's fourth connection got HTTP {e.status_code}; "
                          "expected it closed at accept") from e
    except (websockets.InvalidHandshake, websockets.ConnectionClosed, OSError, EOFError,
            asyncio.TimeoutError):
        pass  # closed before a byte was read: no HTTP answer at all
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(ctx.server.http_url + "/api/v1/welcome",
                                timeout=aiohttp.ClientTimeout(total=5)) as resp:
                raise CheckFailed(f"plain HTTP from a peer at its limit got {resp.status}")
    except (aiohttp.ClientError, asyncio.TimeoutError):
        pass
    await held[0].close()
    again = await connect_when_free(ctx, "direct-again")
    for c in held[1:] + [again]:
        await c.close()

    async def refused_counted():
        try:
            return await metric(ctx.server, "signaling_limits_connections_refused_total") >= 2
        except (aiohttp.ClientError, CheckFailed):
            return False  # the last closes may not have been seen yet
    await wait_until("both refusals counted in /metrics", refused_counted)
    print("PASS connections_per_ip for a peer that is no trusted proxy: the fourth TCP "
          "connection (WebSocket or plain HTTP) is closed at accept, counted", flush=True)


async def check_hello_rate(ctx: Context) -> None:
    # Sockets closed by the previous check may still hold their places for a moment.
    async def try_connect():
        try:
            return await ctx.connect("hellos")
        except websockets.InvalidStatusCode:
            return None
    c = await wait_until("a connection for the hello check", try_connect)
    before = await metric(ctx.server, "signaling_limits_hellos_refused_total")
    bad = ctx.hello_msg("alice", url="https://not-configured.invalid/")
    for _ in range(3):
        reply = await c.request(bad)
        expect(reply.get("type") == "error" and reply["error"]["code"] == "invalid_backend",
               "invalid_backend for a hello within the burst", reply)
    reply = await c.request(bad)
    expect(reply.get("type") == "error" and reply["error"]["code"] == "too_many_requests",
           "too_many_requests for the fourth quick hello", reply)
    # The hub's counts reach /metrics at each shard's next tick (every 250 ms).
    async def refused_counted():
        return await metric(ctx.server, "signaling_limits_hellos_refused_total") >= before + 1
    await wait_until("the refused hello counted in /metrics", refused_counted)

    # A token comes back every 500 ms: a real hello then passes on the same socket.
    async def try_hello():
        r = await c.request(ctx.hello_msg("alice-" + ctx.tag))
        return r if r.get("type") == "hello" else None
    await wait_until("a hello once a token is back", try_hello, timeout=5.0, every=0.2)
    print("PASS hellos_per_second: the fourth quick hello is too_many_requests, counted; "
          "the socket stays and a later hello passes", flush=True)
    await c.close()


async def check_exempt(ctx: Context) -> None:
    """The shutdown server exempts 127.0.0.1 and allows 1 connection and 1 hello: neither holds."""
    clients = [await ctx.connect(f"ex{i}") for i in range(4)]
    for i, c in enumerate(clients):
        await ctx.hello(c, f"ex{i}-{ctx.tag}")
    print("PASS [limits] exempt: 4 connections and 4 hellos from an exempt address at limit 1",
          flush=True)
    for c in clients:
        await c.close()


# -- shutdown -----------------------------------------------------------------

async def room_of(ctx: Context, n: int) -> list[SigClient]:
    room = ctx.uid("shutdown-room")
    return [await ctx.member(f"m{i}", f"m{i}-{ctx.tag}", room, f"rs-m{i}-{ctx.tag}")
            for i in range(n)]


async def sigterm_and_wait(server: ServerUnderTest, members: list[SigClient], limit_s: float,
                           after_signal=None) -> tuple[float, list[tuple[str, Optional[int]]]]:
    """SIGTERM (then ``after_signal()``); returns the seconds until the process exited and each
    member's close code."""
    t0 = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    if after_signal is not None:
        after_signal()
    for c in members:
        closed = await c.wait_closed(limit_s)
        expect(closed, f"{c.name}: the server closes the WebSocket on SIGTERM", c.pending())

    async def exited():
        return server.proc.poll() is not None
    await wait_until("the process exits after SIGTERM", exited, timeout=limit_s)
    took = time.monotonic() - t0
    return took, [(c.name, c.ws.close_code) for c in members]


def room_seqs(c: SigClient) -> list[int]:
    return [m["message"]["data"]["seq"] for m in c.inbox
            if m.get("type") == "message" and "seq" in (m["message"].get("data") or {})]


async def check_shutdown(ctx: Context, stalled: bool, grace_ms: int) -> None:
    members = await room_of(ctx, 3)
    sender, paused, reader = members
    resume = None
    if stalled:
        quiet = await ctx.member("stalled", "stalled-" + ctx.tag, ctx.uid("shutdown-room"),
                                 "rs-stalled-" + ctx.tag)
        quiet.ws.transport.pause_reading()  # never reads again: its close cannot complete
    else:
        # A backlog at the signal: one member stops reading while BACKLOG room messages of
        # 60 KB (more than the kernel's socket buffers take) are queued for it, and reads again
        # only once SIGTERM is sent. Every one of them must arrive, in order, before the 1012.
        paused.ws.transport.pause_reading()
        for seq in range(BACKLOG):
            await sender.send({"type": "message", "message": {
                "recipient": {"type": "room"}, "data": {"seq": seq, "pad": "x" * 60_000}}})
        await sender.barrier(timeout=30)  # the server has queued all of them
        resume = paused.ws.transport.resume_reading
    limit = grace_ms / 1000 + EXIT_MARGIN_S
    took, codes = await sigterm_and_wait(ctx.server, members, limit, resume)
    for name, code in codes:
        expect(code == 1012, f"{name}: close code 1012 (service restart)", code)
    for c in members:
        byes = c.unconsumed(lambda m: m.get("type") == "bye")
        expect(not byes, f"{c.name}: no bye (Talk would drop its resume id)", byes)
    rc = ctx.server.proc.returncode
    expect(rc == 0, "exit status 0 after SIGTERM", rc)
    stopped = log_lines(ctx.server, "stopped")
    expect(len(stopped) == 1, "one 'stopped' log line", stopped)
    expect(log_lines(ctx.server, "shutting down: no more connections; clients are closed with "
                                 "1012 (service restart) once their queued frames are out"),
           "the shutdown logged", "")
    if stalled:
        expect(stopped[0].get("drained") is False, "'stopped' says the grace period cut",
               stopped[0])
        expect(grace_ms / 1000 - 0.5 <= took <= limit,
               f"exit within {grace_ms} ms grace + {EXIT_MARGIN_S} s", f"{took:.2f}s")
        print(f"PASS SIGTERM with a client that never reads: the others get 1012, exit 0 after "
              f"{took:.2f}s (grace {grace_ms} ms), logged as cut", flush=True)
    else:
        for c in (paused, reader):
            seqs = room_seqs(c)
            expect(seqs == list(range(BACKLOG)),
                   f"{c.name}: all {BACKLOG} queued messages, in order, before the close",
                   f"{len(seqs)} received, last {seqs[-1:]}")
        expect(stopped[0].get("drained") is True, "'stopped' says everything drained",
               stopped[0])
        expect(took < grace_ms / 1000, f"exit before the grace of {grace_ms} ms", f"{took:.2f}s")
        print(f"PASS SIGTERM: 3 clients in a room get close 1012 and no bye, after a backlog of "
              f"{BACKLOG} x 60 KB queued for a client that was not reading (all delivered); "
              f"exit 0 after {took:.2f}s, drained", flush=True)


def lower_fd_soft_limit() -> int:
    """Sets this runner's RLIMIT_NOFILE soft limit to 1024 (the servers inherit it), so the raise
    is seen; returns the soft limit the servers start with."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > 1024:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 1024), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def check_fd_limit_logged(server: ServerUnderTest, started_with: int) -> None:
    lines = log_lines(server, "file descriptor limit")
    expect(lines and lines[0].get("soft") == lines[0].get("hard") and lines[0]["soft"] > 0,
           "'file descriptor limit' logged with soft == hard", lines)
    expect(lines[0].get("was") == started_with, f"'was' the inherited {started_with}", lines[0])
    print(f"PASS RLIMIT_NOFILE raised to its hard limit and logged (soft {lines[0]['soft']}, "
          f"was {lines[0].get('was')})", flush=True)


async def main_async(args: argparse.Namespace) -> int:
    nc = MockNextcloud(secrets.token_hex(16))
    nc2 = MockNextcloud(secrets.token_hex(16))
    command = PRESETS["tern"].command.replace("{binary}", os.path.abspath(args.binary))
    def tern(grace_ms: int) -> str:
        return f"\n[tern]\nshutdown_grace_ms = {grace_ms}\nsend_queue_bytes = {64 << 20}\n"
    servers: list[ServerUnderTest] = []
    contexts: list[Context] = []
    ok = False
    start = time.monotonic()

    async def server(extra: str) -> Context:
        s = ServerUnderTest(command, PRESETS["tern"].nats_url, {"mock": nc, "mock2": nc2},
                            extra_config=extra)
        servers.append(s)
        await s.start()
        ctx = Context(s, nc, nc2)
        contexts.append(ctx)
        return ctx

    try:
        started_with = lower_fd_soft_limit()
        await nc.start()
        await nc2.start()
        limited = await server("\n[limits]\nconnections_per_ip = 3\nhellos_per_second = 2\n"
                               "hello_burst = 3\n")
        await asyncio.wait_for(check_connection_limit(limited), timeout=30)
        await asyncio.wait_for(check_hello_rate(limited), timeout=30)
        await check_exposition(limited)
        check_fd_limit_logged(limited.server, started_with)
        direct = await server("\n[app]\ntrustedproxies = 192.0.2.1\n"
                              "[limits]\nconnections_per_ip = 3\n")
        await asyncio.wait_for(check_direct_peer(direct), timeout=30)
        exempt = "\n[limits]\nconnections_per_ip = 1\nhellos_per_second = 1\nhello_burst = 1\n" \
                 "exempt = 127.0.0.1\n"
        drained = await server(tern(DRAIN_GRACE_MS) + exempt)
        await asyncio.wait_for(check_exempt(drained), timeout=30)
        await asyncio.wait_for(check_shutdown(drained, False, DRAIN_GRACE_MS), timeout=60)
        cut = await server(tern(GRACE_MS) + exempt)
        await asyncio.wait_for(check_shutdown(cut, True, GRACE_MS), timeout=30)
        ok = True
    except (CheckFailed, RuntimeError, asyncio.TimeoutError) as e:
        print(f"FAIL {type(e).__name__}: {e}", flush=True)
    except Exception:  # noqa: BLE001 - any crash is a failed run, reported with its trace
        print("FAIL " + traceback.format_exc(), flush=True)
    finally:
        for ctx in contexts:
            for c in ctx.clients:
                if c.ws is not None:
                    c.ws.transport.abort()  # the stalled one would not finish a close
            await ctx.cleanup()
        for s in servers:
            s.stop()
        await nc.stop()
        await nc2.stop()
        if not ok:
            for s in servers:
                if os.path.exists(s.log_path):
                    with open(s.log_path, "rb") as f:
                        tail = f.read()[-3000:].decode(errors="replace")
                    print(f"# --- tail of {os.path.basename(s.workdir)}/server.log\n{tail}",
                          flush=True)
        for s in servers:
            shutil.rmtree(s.workdir, ignore_errors=True)
    print(f"# {'passed' if ok else 'failed'} in {time.monotonic() - start:.1f}s", flush=True)
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True, help="the tern-signaling binary")
    args = p.parse_args(argv)
    if not os.access(args.binary, os.X_OK):
        print(f"FAIL: tern-signaling binary {args.binary} not found", flush=True)
        return 1
    return asyncio.run(run_cancellable(main_async, args, "processes"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
