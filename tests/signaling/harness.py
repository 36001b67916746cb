"""Server under test and WebSocket client for the signaling conformance suite.

``ServerUnderTest`` writes a server.conf in the reference format (which
tern-signaling also reads), starts the server, waits for ``/api/v1/welcome`` and
stops it by PID. ``SigClient`` is a WebSocket client that keeps every frame it
receives so checks can wait for the one they expect without losing the others.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import re
import os
import secrets
import shlex
import signal
import socket
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import aiohttp
import websockets

from mock_nextcloud import MockNextcloud


class CheckFailed(AssertionError):
    """A conformance check saw something other than what it expected."""


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it if the runner dies (even by SIGKILL)."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel just handed out for ``host`` (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Preset:
    name: str
    command: str          # {binary} and {config} are substituted
    default_binary: str
    nats_url: str


PRESETS = {
    # 0.4.1 only knows ":loopback:" for the in-process NATS replacement.
    "reference": Preset("reference", "{binary} -config {config}",
                        "/usr/bin/nextcloud-spreed-signaling-server", ":loopback:"),
    "tern": Preset("tern", "{binary} --config {config}", "tern-signaling", "nats://loopback"),
}


class ServerUnderTest:
    """Owns the server process, its config and its log (kept in a temp dir)."""

    def __init__(self, command: str, nats_url: str, backends: dict[str, MockNextcloud], *,
                 hash_key: Optional[str] = None, internal_secret: Optional[str] = None,
                 node_id: Optional[int] = None, extra_config: str = ""):
        """``hash_key``, ``internal_secret``: shared by the nodes of a cluster (random when
        None); ``node_id``: tern's [tern] node_id, distinct per node of a cluster;
        ``extra_config``: sections appended to the server.conf (tern's [limits], [tern])."""
        self.command = command
        self.nats_url = nats_url
        self.backends = backends  # backend id -> its mock Nextcloud
        self.hash_key = hash_key or secrets.token_hex(32)
        self.node_id = node_id
        self.extra_config = extra_config
        # tern's [tern] threads, as extra_config sets it (1 when it does not).
        found = re.search(r"^threads\s*=\s*(\d+)", extra_config, re.M)
        self.shards = int(found.group(1)) if found else 1
        self.workdir = tempfile.mkdtemp(prefix="sig-conformance-")
        self.config_path = os.path.join(self.workdir, "server.conf")
        self.log_path = os.path.join(self.workdir, "server.log")
        self.internal_secret = internal_secret or secrets.token_hex(16)
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/spreed"

    def write_config(self) -> None:
        self.port = free_port()
        sections = "".join(f"\n[{bid}]\nurl = {m.base_url.rstrip('/')}\nsecret = {m.secret.decode()}\n"
                           for bid, m in self.backends.items())
        ids = ", ".join(self.backends)
        # No [mcu] section: no SFU. hashkey is 64 bytes, blockkey 16 (AES-128).
        conf = f"""\
[http]
listen = 127.0.0.1:{self.port}

[app]
debug = false

[sessions]
hashkey = {self.hash_key}
blockkey = {secrets.token_hex(8)}

[clients]
internalsecret = {self.internal_secret}

[backend]
backends = {ids}
allowall = false
timeout = 10
connectionsperhost = 8
{sections}
[nats]
url = {self.nats_url}

[stats]
allowed_ips = 127.0.0.1
"""
        if self.node_id is not None:
            conf += f"\n[tern]\nnode_id = {self.node_id}\n"
        conf += self.extra_config
        with open(self.config_path, "w") as f:
            f.write(conf)

    async def start(self, timeout: float = 15.0) -> None:
        self.write_config()
        argv = shlex.split(self.command.replace("{config}", self.config_path))
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                         cwd=self.workdir, start_new_session=True,
                                         preexec_fn=_die_with_parent)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        last = "no answer"
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode} before answering; "
                                       f"log: {self.log_path}")
                try:
                    async with http.get(self.http_url + "/api/v1/welcome",
                                        timeout=aiohttp.ClientTimeout(total=1)) as resp:
                        if resp.status == 200:
                            return
                        last = f"HTTP {resp.status}"
                except (aiohttp.ClientError, asyncio.TimeoutError) as e:
                    last = repr(e)
                await asyncio.sleep(0.1)  # poll interval, bounded by the deadline
        raise RuntimeError(f"/api/v1/welcome did not answer within {timeout}s ({last}); "
                           f"log: {self.log_path}")

    def stop(self) -> None:
        stop_process(self.proc)


class SigClient:
    """One WebSocket connection to /spreed.

    A reader task stores every received frame in ``inbox``; ``expect`` consumes
    the first unconsumed frame matching a predicate, waiting up to a deadline.
    """

    def __init__(self, name: str = "client"):
        self.name = name
        self.ws: Optional[websockets.WebSocketClientProtocol] = None
        self.inbox: list[dict] = []
        self._consumed: set[int] = set()
        self._changed = asyncio.Condition()
        self._reader: Optional[asyncio.Task] = None
        self.closed_at: Optional[float] = None
        self.response_headers: dict = {}
        self.hello: dict = {}
        self._next_id = 0

    @classmethod
    async def connect(cls, url: str, name: str = "client", **kw) -> "SigClient":
        c = cls(name)
        c.ws = await websockets.connect(url, max_size=None, ping_interval=None, **kw)
        c.response_headers = dict(c.ws.response_headers)
        c._reader = asyncio.create_task(c._read())
        return c

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                try:
                    msg = json.loads(frame)
                except (ValueError, TypeError):
                    msg = {"type": "<unparsable>", "raw": repr(frame)[:200]}
                async with self._changed:
                    self.inbox.append(msg)
                    self._changed.notify_all()
        except websockets.ConnectionClosed:
            pass
        finally:
            async with self._changed:
                self.closed_at = time.monotonic()
                self._changed.notify_all()

    def new_id(self) -> str:
        self._next_id += 1
        return f"{self.name}-{self._next_id}"

    async def send(self, msg: Any) -> None:
        await self.ws.send(json.dumps(msg) if isinstance(msg, dict) else msg)

    async def request(self, msg: dict, timeout: float = 12.0) -> dict:
        """Send msg with a fresh id and return the reply carrying that id."""
        msg = dict(msg, id=self.new_id())
        await self.send(msg)
        return await self.expect(lambda m: m.get("id") == msg["id"], timeout,
                                 f"a reply with id {msg['id']} to {msg.get('type')}")

    async def expect(self, pred: Callable[[dict], bool], timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for i, m in enumerate(self.inbox):
                    if i not in self._consumed and _safe(pred, m):
                        self._consumed.add(i)
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.closed_at is not None:
                    state = "socket closed" if self.closed_at is not None else f"after {timeout}s"
                    raise CheckFailed(f"{self.name}: expected {what}; {state}, saw {self.pending()}")
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except asyncio.TimeoutError:
                    pass

    def pending(self, limit: int = 6) -> str:
        rest = [m for i, m in enumerate(self.inbox) if i not in self._consumed]
        text = json.dumps(rest[-limit:])
        return text if len(text) < 1500 else text[:1500] + "…"

    def unconsumed(self, pred: Callable[[dict], bool]) -> list[dict]:
        return [m for i, m in enumerate(self.inbox) if i not in self._consumed and _safe(pred, m)]

    async def barrier(self, timeout: float = 10.0) -> None:
        """Round-trip a request that always gets an error reply.

        The server handles one socket's frames in order, so once this reply is
        here, every reply to frames sent before it is here too. An invalid
        recipient type is rejected with invalid_format by every version.
        """
        reply = await self.request({"type": "message", "message": {
            "recipient": {"type": "conformance-barrier"}, "data": {"type": "barrier"}}}, timeout)
        if reply.get("type") != "error":
            raise CheckFailed(f"{self.name}: barrier request got {reply}")

    async def wait_closed(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        async with self._changed:
            while self.closed_at is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except asyncio.TimeoutError:
                    pass
        return True

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._reader.cancel()

    async def abort(self) -> None:
        """Drop the TCP connection without a close handshake (a lost network)."""
        if self.ws is not None:
            # The connection ends now, with a reset: the kernel socket is shut down here rather
            # than when asyncio gets round to closing it (seen to stay open for seconds).
            sock = self.ws.transport.get_extra_info("socket")
            if sock is not None:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.ws.transport.abort()
        await self.wait_closed(5)


def _safe(pred: Callable[[dict], bool], m: dict) -> bool:
    try:
        return bool(pred(m))
    except (KeyError, TypeError, AttributeError, IndexError):
        return False


def stop_process(proc: "subprocess.Popen | None") -> None:
    """SIGTERM, then SIGKILL after 5 s, to a process this harness started (None or ended: no-op)."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


async def run_cancellable(main_async, args, stopped: str) -> int:
    """main_async(args), cancelled on SIGTERM/SIGINT so that its finally blocks stop what it
    started; `stopped` names that in the message."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await main_async(args)
    except asyncio.CancelledError:
        print(f"# interrupted; {stopped} stopped", flush=True)
        return 130
