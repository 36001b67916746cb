"""A scriptable stand-in for the Nextcloud/Talk side of the signaling protocol.

A real Nextcloud with the Talk app cannot run on the test machines (no PHP
stack, no database, no network), so the conformance suite talks to this mock
instead. It implements only what a signaling server needs from Talk
(docs/signaling-protocol.md §4) and what Talk does to a signaling server (§5):

* ``GET  /ocs/v2.php/cloud/capabilities`` — the spreed capabilities: features
  with ``signaling-v3``, ``config.signaling.hello-v2-token-key`` (the PEM public
  half of an ES256 key generated at start-up) and an optional
  ``config.signaling.session-ping-limit``.
* ``POST /ocs/v2.php/apps/spreed/api/v{1,2,3}/signaling/backend`` — checks the
  Spreed-Signaling-Random / -Checksum pair like Talk does (a bad pair is still
  HTTP 200, OCS-wrapped error ``invalid_request``), records every request and
  answers from per-type tables that the checks fill in.
* a client for the server's ``POST /api/v1/room/{roomid}`` with Talk's headers,
  and ES256 JWTs for hello 2.0.

Every answer is OCS-wrapped: ``{"ocs":{"meta":{...},"data":<answer>}}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import aiohttp
import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

BACKEND_PATH_PREFIX = "/ocs/v2.php/apps/spreed/api/"
BACKEND_PATH_SUFFIX = "/signaling/backend"

# An answer for a backend request: a JSON-able dict (the OCS ``data``), or a
# callable taking the request body and returning one.
Answer = Any


def checksum(secret: bytes, random: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256(secret, random || body), both directions (§4)."""
    return hmac.new(secret, random.encode() + body, hashlib.sha256).hexdigest()


def checksum_self_test() -> bool:
    """The test vector of the backend API documentation (docs/signaling-protocol.md §4)."""
    body = b'{"type":"auth","auth":{"version":"1.0","params":{"hello":"world"}}}'
    random = "afb6b872ab03e3376b31bf0af601067222ff7990335ca02d327071b73c0119c6"
    return checksum(b"MySecretValue", random, body) == \
        "3c4a69ff328299803ac2879614b707c807b4758cf19450755c60656cac46e3bc"


def error_answer(code: str, message: str = "") -> dict:
    return {"type": "error", "error": {"code": code, "message": message or code}}


@dataclass
class BackendRequest:
    """One request the server under test made to the mock."""

    path: str
    headers: dict          # lower-cased names
    body: dict
    raw: bytes
    checksum_ok: bool
    received: float = field(default_factory=time.monotonic)

    @property
    def type(self) -> str:
        return self.body.get("type", "")

    @property
    def payload(self) -> dict:
        return self.body.get(self.type) or {}


class MockNextcloud:
    """The mock Talk backend; one instance serves one server under test."""

    def __init__(self, secret: str, session_ping_limit: int = 0):
        self.secret = secret.encode()
        self.session_ping_limit = session_ping_limit
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.public_key_pem = self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        self.requests: list[BackendRequest] = []
        self.capability_requests = 0
        self._changed = asyncio.Condition()
        # Scriptable tables. auth: userid -> answer; room: roomid -> answer;
        # room_by_session: (roomid, talk session id) -> answer, consulted first.
        self.auth: dict[str, Answer] = {}
        self.room: dict[str, Answer] = {}
        self.room_by_session: dict[tuple, Answer] = {}
        self.session_answer: Answer = error_answer("unknown_type")
        self._runner: Optional[web.AppRunner] = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------

    async def start(self, host: str = "127.0.0.1") -> None:
        app = web.Application()
        app.router.add_get("/ocs/v2.php/cloud/capabilities", self._capabilities)
        app.router.add_post(BACKEND_PATH_PREFIX + "{version}" + BACKEND_PATH_SUFFIX, self._backend)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # port 0: ask the kernel

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """The Nextcloud base URL, as configured for the backend (trailing slash)."""
        return f"http://127.0.0.1:{self.port}/"

    def auth_url(self, api: str = "v1") -> str:
        return f"{self.base_url}ocs/v2.php/apps/spreed/api/{api}/signaling/backend"

    # -- HTTP handlers -----------------------------------------------------

    async def _capabilities(self, request: web.Request) -> web.Response:
        self.capability_requests += 1
        signaling: dict = {"hello-v2-token-key": self.public_key_pem}
        if self.session_ping_limit:
            signaling["session-ping-limit"] = self.session_ping_limit
        spreed = {
            "features": ["audio", "video", "chat-v2", "signaling-v3", "federation-v2"],
            "config": {"signaling": signaling},
            "version": "19.0.0",
        }
        return self._ocs({"version": {"major": 28}, "capabilities": {"spreed": spreed}})

    async def _backend(self, request: web.Request) -> web.Response:
        raw = await request.read()
        random = request.headers.get("Spreed-Signaling-Random", "")
        given = request.headers.get("Spreed-Signaling-Checksum", "")
        ok = len(random) >= 32 and hmac.compare_digest(given, checksum(self.secret, random, raw))
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        # Header names are case-insensitive; keep them lower-cased for lookups.
        headers = {k.lower(): v for k, v in request.headers.items()}
        rec = BackendRequest(request.path, headers, body, raw, ok)
        async with self._changed:
            self.requests.append(rec)
            self._changed.notify_all()
        if not ok:
            # Talk answers a bad checksum with a 200 and an OCS-wrapped error.
            return self._ocs(error_answer("invalid_request", "The request could not be authenticated."))
        return self._ocs(self._answer(rec))

    def _answer(self, rec: BackendRequest) -> dict:
        p = rec.payload
        if rec.type == "auth":
            params = p.get("params") or {}
            userid = params.get("userid", "")
            answer = self.auth.get(userid)
            if answer is None:
                auth: dict = {"version": "1.0"}
                if userid:
                    auth["userid"] = userid
                    auth["user"] = {"displayname": userid.capitalize()}
                answer = {"type": "auth", "auth": auth}
            return _resolve(answer, rec.body)
        if rec.type == "room":
            roomid = p.get("roomid", "")
            if p.get("action") == "leave":
                return {"type": "room", "room": {"version": "1.0", "roomid": roomid}}
            answer = self.room_by_session.get((roomid, p.get("sessionid")))
            if answer is None:
                answer = self.room.get(roomid)
            if answer is None:
                answer = room_answer(roomid)
            return _resolve(answer, rec.body)
        if rec.type == "ping":
            return {"type": "room", "room": {"version": "1.0", "roomid": p.get("roomid", "")}}
        if rec.type == "session":
            return _resolve(self.session_answer, rec.body)
        return error_answer("unknown_type")

    @staticmethod
    def _ocs(data: dict) -> web.Response:
        body = {"ocs": {"meta": {"status": "ok", "statuscode": 200, "message": "OK"}, "data": data}}
        return web.json_response(body)

    # -- assertions --------------------------------------------------------

    def find(self, pred: Callable[[BackendRequest], bool], since: int = 0) -> list[BackendRequest]:
        return [r for r in self.requests[since:] if pred(r)]

    async def wait_for(self, pred: Callable[[BackendRequest], bool], timeout: float,
                       since: int = 0) -> Optional[BackendRequest]:
        """The first recorded request (from index ``since``) matching pred, or None at the deadline."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                hits = self.find(pred, since)
                if hits:
                    return hits[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except asyncio.TimeoutError:
                    pass

    # -- Talk -> signaling server ------------------------------------------

    def sign(self, body: bytes, secret: Optional[bytes] = None) -> dict:
        random = secrets.token_hex(32)
        return {
            "Spreed-Signaling-Random": random,
            "Spreed-Signaling-Checksum": checksum(secret or self.secret, random, body),
            "Spreed-Signaling-Backend": self.base_url,
        }

    async def room_request(self, server_url: str, roomid: str, body: Any, *,
                           headers: Optional[dict] = None, content_type: str = "application/json",
                           local_addr: Optional[str] = None) -> tuple[int, dict, str]:
        """POST a signed backend request to ``server_url``/api/v1/room/{roomid}.

        ``headers`` overrides or (with value None) removes the signed headers.
        Returns (status, response headers with lower-cased names, response text).
        """
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        h = {"Content-Type": content_type, **self.sign(raw)}
        for k, v in (headers or {}).items():
            if v is None:
                h.pop(k, None)
            else:
                h[k] = v
        connector = aiohttp.TCPConnector(local_addr=(local_addr, 0) if local_addr else None)
        async with aiohttp.ClientSession(connector=connector) as http:
            async with http.post(f"{server_url}/api/v1/room/{roomid}", data=raw, headers=h) as resp:
                headers = {k.lower(): v for k, v in resp.headers.items()}
                return resp.status, headers, await resp.text()

    def token(self, sub: str, *, iat: Optional[float] = None, exp: Optional[float] = None,
              userdata: Optional[dict] = None, bad_signature: bool = False) -> str:
        """An ES256 hello-v2 JWT as Talk issues it (iss = base URL, 60 s lifetime)."""
        now = time.time()
        iat = now if iat is None else iat
        claims = {"iss": self.base_url, "sub": sub, "iat": int(iat),
                  "exp": int(iat + 60 if exp is None else exp),
                  "userdata": userdata or {"displayname": sub.capitalize()}}
        key = ec.generate_private_key(ec.SECP256R1()) if bad_signature else self._key
        return jwt.encode(claims, key, algorithm="ES256")


def room_answer(roomid: str, properties: Optional[dict] = None,
                permissions: Optional[list] = None) -> dict:
    room: dict = {"version": "1.0", "roomid": roomid,
                  "properties": properties if properties is not None else
                  {"name": roomid, "type": 2, "lobby-state": 0, "read-only": 0}}
    if permissions is not None:
        room["permissions"] = permissions
    return {"type": "room", "room": room}


def _resolve(answer: Answer, body: dict) -> dict:
    return answer(body) if callable(answer) else answer
