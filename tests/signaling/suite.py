"""The check registry and the per-check context shared by the check modules.

A check is an async function taking a ``Context``; it raises ``CheckFailed``
(or any exception) to fail, ``Skip`` to skip. Checks are registered with their
docs/signaling-protocol.md §8 item number plus a letter when one item is split
into independently skippable parts (``"9b"``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import secrets
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

from harness import CheckFailed, ServerUnderTest, SigClient
from mock_nextcloud import MockNextcloud

# Talk refuses a signaling server whose features header lacks one of these (§3.11).
REQUIRED_FEATURES = {"audio-video-permissions", "federation", "incall-all", "hello-v2", "switchto"}

# Absence of a backend request cannot be fenced by a barrier (the server's
# backend client runs apart from the socket), so "B gets no X" is checked by
# waiting this long for X. It is the only fixed wait in the suite.
BACKEND_QUIET_WINDOW = 1.5

# Bound for anything the server should do "at once" (replies, fan-out, backend calls).
PROMPT = 5.0


class Skip(Exception):
    """Raised by a check that cannot run here (e.g. needs an SFU)."""


@dataclass
class Check:
    id: str
    name: str
    fn: Callable[["Context"], Awaitable[None]]
    slow: bool
    doc: str

    @property
    def number(self) -> int:
        return int("".join(itertools.takewhile(str.isdigit, self.id)))


REGISTRY: list[Check] = []


def check(cid: str, slow: bool = False):
    """Register an async check under §8 id ``cid``; its docstring is its summary."""
    def wrap(fn):
        REGISTRY.append(Check(cid, fn.__name__, fn, slow, (fn.__doc__ or "").strip().split("\n")[0]))
        return fn
    return wrap


def expect(cond: bool, expected: str, seen: Any) -> None:
    if not cond:
        raise CheckFailed(f"expected {expected}; saw {_short(seen)}")


def expect_error(reply: dict, code: str) -> None:
    expect(reply.get("type") == "error" and (reply.get("error") or {}).get("code") == code,
           f"error {code}", reply)


def is_event(m: dict, target: str, etype: str) -> bool:
    return m.get("type") == "event" and m["event"].get("target") == target \
        and m["event"].get("type") == etype


def join_lists(m: dict, sessionid: str) -> bool:
    return is_event(m, "room", "join") and any(e.get("sessionid") == sessionid
                                               for e in m["event"]["join"])


def _short(v: Any) -> str:
    text = v if isinstance(v, str) else json.dumps(v, default=str)
    return text if len(text) < 1200 else text[:1200] + "…"


class Context:
    """What one check gets: the server, both mock backends, and client helpers.

    Every id a check makes (rooms, users, Talk session ids) is unique, so checks
    may run concurrently against one server. Clients are closed after the check.
    """

    _counter = itertools.count(1)

    def __init__(self, server: ServerUnderTest, nc: MockNextcloud, nc2: MockNextcloud):
        self.server = server
        self.nc = nc      # backend "mock": no session-ping-limit
        self.nc2 = nc2    # backend "mock2": session-ping-limit 200
        self.clients: list[SigClient] = []
        self.tag = f"{next(self._counter)}{secrets.token_hex(2)}"

    def uid(self, prefix: str) -> str:
        return f"{prefix}-{self.tag}"

    async def connect(self, name: str, **kw) -> SigClient:
        c = await SigClient.connect(self.server.ws_url, name=name, **kw)
        self.clients.append(c)
        return c

    async def drop_settle(self) -> None:
        """After a client dropped its socket: give the server a second to see the drop before
        anything is sent to the dropped session, so that it meets a detached session and not a
        socket about to fail (no server acknowledges a frame; what is written to a dead socket
        is lost). On loopback both servers see it within milliseconds, but not in order with
        another socket's frames: the reference was seen to handle the next frame first. Neither
        reports the moment it sees it (0.4.1's /api/v1/stats counts sessions, not sockets)."""
        await asyncio.sleep(1.0)

    async def cleanup(self) -> None:
        for c in self.clients:
            try:
                await c.close()
            except Exception:  # noqa: BLE001 - a broken socket must not hide the verdict
                pass

    # -- hello ---------------------------------------------------------------

    def hello_msg(self, userid: str, *, features: Optional[list] = None,
                  nc: Optional[MockNextcloud] = None, version: str = "1.0",
                  url: Optional[str] = None) -> dict:
        nc = nc or self.nc
        hello: dict = {"version": version,
                       "auth": {"url": url or nc.auth_url(),
                                "params": {"userid": userid, "ticket": "t-" + (userid or "guest")}}}
        if features is not None:
            hello["features"] = features
        return {"type": "hello", "hello": hello}

    async def hello(self, c: SigClient, userid: str, **kw) -> dict:
        """A v1 hello that must succeed; returns the hello body (sessionid, resumeid, …)."""
        reply = await c.request(self.hello_msg(userid, **kw))
        expect(reply.get("type") == "hello" and reply["hello"].get("sessionid"),
               f"a hello reply for {userid!r}", reply)
        c.hello = reply["hello"]
        return c.hello

    def internal_hello_msg(self, *, good: bool = True, features: Optional[list] = None) -> dict:
        random = secrets.token_hex(32)
        key = self.server.internal_secret.encode() if good else b"not-the-internal-secret"
        token = hmac.new(key, random.encode(), hashlib.sha256).hexdigest()
        hello: dict = {"version": "1.0", "auth": {"type": "internal", "params": {
            "random": random, "token": token, "backend": self.nc.base_url}}}
        if features is not None:
            hello["features"] = features
        return {"type": "hello", "hello": hello}

    # -- rooms ---------------------------------------------------------------

    async def join(self, c: SigClient, roomid: str, ncsid: Optional[str]) -> dict:
        room: dict = {"roomid": roomid}
        if ncsid is not None:
            room["sessionid"] = ncsid
        return await c.request({"type": "room", "room": room})

    async def member(self, name: str, userid: str, roomid: str, ncsid: str, *,
                     features: Optional[list] = None,
                     nc: Optional[MockNextcloud] = None) -> SigClient:
        """A client that said hello as ``userid`` and joined ``roomid`` as Talk session ``ncsid``.

        Its own join event has been consumed, so later expects see only what follows.
        """
        c = await self.connect(name)
        await self.hello(c, userid, features=features, nc=nc)
        reply = await self.join(c, roomid, ncsid)
        expect(reply.get("type") == "room" and reply["room"].get("roomid") == roomid,
               f"a room reply for {roomid}", reply)
        sid = c.hello["sessionid"]
        await c.expect(lambda m: join_lists(m, sid), PROMPT, "the join event for itself")
        return c

    async def backend(self, roomid: str, rtype: str, payload: Any, **kw):
        """A signed Talk -> server request; returns (status, headers, text)."""
        body = {"type": rtype, rtype: payload}
        return await self.nc.room_request(self.server.http_url, roomid, body, **kw)

    async def backend_ok(self, roomid: str, rtype: str, payload: Any) -> dict:
        status, headers, text = await self.backend(roomid, rtype, payload)
        expect(status == 200, f"HTTP 200 for backend {rtype}", f"{status} {text}")
        return headers
