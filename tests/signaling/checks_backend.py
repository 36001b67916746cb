"""Checks of the backend APIs (Talk -> server and server -> Talk): §8 items 24–36."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp

from suite import PROMPT, REQUIRED_FEATURES, Context, check, expect, is_event

# A second loopback address: requests from it count against a different client
# IP, so brute-force blocking and the stats allow-list are testable without
# locking the suite's own address out.
OTHER_IP = "127.0.0.2"


def _features(headers: dict) -> set:
    value = {k.lower(): v for k, v in headers.items()}.get("x-spreed-signaling-features", "")
    return {f.strip() for f in value.split(",") if f.strip()}


async def _room_of_two(ctx: Context, **kw):
    r1 = ctx.uid("r1")
    alice, bob = ctx.uid("alice"), ctx.uid("bob")
    nc1, nc2 = ctx.uid("nc1"), ctx.uid("nc2")
    s = await ctx.member("S", alice, r1, nc1, **kw)
    t = await ctx.member("T", bob, r1, nc2)
    return r1, s, t


# -- 24: request authentication --------------------------------------------------------

@check("24a")
async def room_api_auth(ctx: Context) -> None:
    """Bad/missing checksum → 403, text/plain → 400, unknown backend → 403."""
    r1 = ctx.uid("r1")
    body = {"type": "update", "update": {"userids": [], "properties": {}}}
    cases = [
        ("missing random/checksum", {"Spreed-Signaling-Random": None, "Spreed-Signaling-Checksum": None}, {}, 403),
        ("bad checksum", {"Spreed-Signaling-Checksum": "0" * 64}, {}, 403),
        ("text/plain", {}, {"content_type": "text/plain"}, 400),
        ("unknown backend", {"Spreed-Signaling-Backend": "https://unknown.test/"}, {}, 403),
    ]
    seen = []
    for what, headers, kw, want in cases:
        status, _, text = await ctx.backend(r1, "update", body["update"], headers=headers, **kw)
        seen.append(f"{what}: {status} {text.strip()[:80]}")
        expect(status == want, f"HTTP {want} for {what}", seen)
    status, _, text = await ctx.backend(r1, "update", body["update"])
    expect(status == 200, "HTTP 200 for a good request afterwards", f"{status} {text}")


@check("24b", slow=True)
async def room_api_bruteforce(ctx: Context) -> None:
    """The 11th bad checksum from one IP within 30 min gets 429."""
    r1 = ctx.uid("r1")
    bad = {"Spreed-Signaling-Checksum": "0" * 64}
    payload = {"userids": [], "properties": {}}
    # Ten failures at once: the server delays each failed answer (up to 25 s),
    # sending them concurrently keeps the check near the longest single delay.
    results = await asyncio.gather(*[ctx.backend(r1, "update", payload, headers=bad, local_addr=OTHER_IP)
                                     for _ in range(10)])
    statuses = [s for s, _, _ in results]
    expect(all(s == 403 for s in statuses), "ten 403s", statuses)
    status, _, text = await ctx.backend(r1, "update", payload, headers=bad, local_addr=OTHER_IP)
    expect(status == 429, "HTTP 429 for the 11th", f"{status} {text}")


# -- 25–28: room changes -----------------------------------------------------------------

@check("25")
async def room_update(ctx: Context) -> None:
    """update: 200 {} with features header; members get new properties; userids get roomlist/update."""
    r1, s, t = await _room_of_two(ctx)
    alice = s.hello["userid"]
    status, headers, text = await ctx.backend(r1, "update", {"userids": [alice],
                                                             "properties": {"name": "New"}})
    expect(status == 200 and json.loads(text or "null") == {}, "200 {}", f"{status} {text}")
    expect(_features(headers), "an X-Spreed-Signaling-Features header", headers)
    for c in (s, t):
        m = await c.expect(lambda m: m.get("type") == "room", PROMPT, "the room properties message")
        expect(m["room"] == {"roomid": r1, "properties": {"name": "New"}}, f"room {r1} name New", m)
    m = await s.expect(lambda m: is_event(m, "roomlist", "update"), PROMPT, "roomlist/update for alice")
    expect(m["event"]["update"].get("roomid") == r1, f"roomid {r1}", m)


@check("26")
async def room_invite(ctx: Context) -> None:
    """invite: invitees get roomlist/invite; the other users get roomlist/update."""
    r1 = ctx.uid("r1")
    alice, bob = ctx.uid("alice"), ctx.uid("bob")
    a = await ctx.connect("A")
    await ctx.hello(a, alice)
    b = await ctx.connect("B")
    await ctx.hello(b, bob)
    await ctx.backend_ok(r1, "invite", {"userids": [bob], "alluserids": [alice, bob], "properties": {}})
    m = await b.expect(lambda m: is_event(m, "roomlist", "invite"), PROMPT, "roomlist/invite")
    expect(m["event"]["invite"] == {"roomid": r1, "properties": {}}, f"invite {{roomid:{r1},properties:{{}}}}", m)
    m = await a.expect(lambda m: is_event(m, "roomlist", "update"), PROMPT, "roomlist/update")
    expect(m["event"]["update"].get("roomid") == r1, f"roomid {r1}", m)


async def _expect_kicked(c, r1: str, reason: str) -> None:
    m = await c.expect(lambda m: is_event(m, "roomlist", "disinvite"), PROMPT, f"disinvite {reason}")
    d = m["event"]["disinvite"]
    expect(d.get("roomid") == r1 and d.get("reason") == reason, f"disinvite {r1} {reason}", m)
    expect(await c.wait_closed(PROMPT), "the socket closed after the disinvite", c.pending())


@check("27a")
async def room_disinvite_user(ctx: Context) -> None:
    """disinvite by userid: the member gets disinvite (disinvited), then its socket closes."""
    r1, s, t = await _room_of_two(ctx)
    await ctx.backend_ok(r1, "disinvite", {"userids": [t.hello["userid"]],
                                           "alluserids": [s.hello["userid"]], "properties": {}})
    await _expect_kicked(t, r1, "disinvited")


@check("27b")
async def room_disinvite_session(ctx: Context) -> None:
    """disinvite by Talk session id: the holder gets disinvite (disinvited), then its socket closes."""
    r1, s, t = await _room_of_two(ctx)
    await ctx.backend_ok(r1, "disinvite", {"sessionids": [ctx.uid("nc2")],
                                           "alluserids": [s.hello["userid"]], "properties": {}})
    await _expect_kicked(t, r1, "disinvited")


@check("28")
async def room_delete(ctx: Context) -> None:
    """delete: members get room {"roomid":""}; userids get disinvite (deleted)."""
    r1, s, t = await _room_of_two(ctx)
    alice = s.hello["userid"]
    a2 = await ctx.connect("A2")
    await ctx.hello(a2, alice)  # a second session of alice, in no room
    await ctx.backend_ok(r1, "delete", {"userids": [alice]})
    m = await t.expect(lambda m: m.get("type") == "room", PROMPT, 'room {"roomid":""}')
    expect(m["room"].get("roomid") == "", 'roomid ""', m)
    m = await a2.expect(lambda m: is_event(m, "roomlist", "disinvite"), PROMPT, "disinvite deleted")
    expect(m["event"]["disinvite"] == {"roomid": r1, "reason": "deleted"}, f"disinvite {r1} deleted", m)
    # S is both a member and a disinvited user. The reference publishes the room
    # message and the disinvite independently, and a disinvite kicks a member, so
    # S sees either one first; both are conformant.
    m = await s.expect(lambda m: m.get("type") == "room" or is_event(m, "roomlist", "disinvite"),
                       PROMPT, 'room {"roomid":""} or disinvite deleted')
    expect(m.get("type") == "room" and m["room"].get("roomid") == ""
           or m.get("type") == "event" and m["event"]["disinvite"].get("reason") == "deleted",
           'room {"roomid":""} or disinvite deleted', m)


# -- 29–31: participants -------------------------------------------------------------------

@check("29")
async def incall_update(ctx: Context) -> None:
    """incall: participants/update with Talk ids mapped to signaling ids, no changed/permissions."""
    r1, s, t = await _room_of_two(ctx)
    nc1 = ctx.uid("nc1")
    await ctx.backend_ok(r1, "incall", {"incall": 7, "changed": [{"sessionId": nc1, "inCall": 7}],
                                        "users": [{"sessionId": nc1, "inCall": 7,
                                                   "permissions": ["publish-media"]}]})
    for c in (s, t):
        m = await c.expect(lambda m: is_event(m, "participants", "update"), PROMPT, "participants/update")
        u = m["event"]["update"]
        expect(u.get("roomid") == r1 and u.get("users") and u["users"][0].get("sessionId") == s.hello["sessionid"],
               f"users[0].sessionId == S ({s.hello['sessionid']})", m)
        expect("changed" not in u and all("permissions" not in x for x in u["users"]),
               "no changed and no permissions keys", m)


@check("30")
async def incall_all(ctx: Context) -> None:
    """incall all: members get {"roomid","incall":0,"all":true}."""
    r1, s, t = await _room_of_two(ctx)
    await ctx.backend_ok(r1, "incall", {"incall": 0, "all": True})
    for c in (s, t):
        m = await c.expect(lambda m: is_event(m, "participants", "update"), PROMPT, "participants/update")
        expect(m["event"]["update"] == {"roomid": r1, "incall": 0, "all": True},
               f'{{"roomid":"{r1}","incall":0,"all":true}}', m)


@check("31")
async def participants_permissions(ctx: Context) -> None:
    """participants with changed permissions revokes control."""
    r1 = ctx.uid("r1")
    nc1 = ctx.uid("nc1")
    ctx.nc.room_by_session[(r1, nc1)] = {"type": "room", "room": {
        "version": "1.0", "roomid": r1, "properties": {"name": r1}, "permissions": ["control"]}}
    r1, s, t = await _room_of_two(ctx)
    to_t = {"type": "session", "sessionid": t.hello["sessionid"]}
    await s.send({"type": "control", "control": {"recipient": to_t, "data": {"n": 1}}})
    await t.expect(lambda m: m.get("type") == "control", PROMPT, "S's control while permitted")
    entry = {"sessionId": nc1, "permissions": ["publish-audio"]}
    await ctx.backend_ok(r1, "participants", {"changed": [entry], "users": [entry]})
    await s.expect(lambda m: is_event(m, "participants", "update"), PROMPT, "participants/update")
    await s.send({"type": "control", "control": {"recipient": to_t, "data": {"n": 2}}})
    await s.send({"type": "message", "message": {"recipient": to_t, "data": {"fence": 1}}})
    await t.expect(lambda m: m.get("type") == "message", PROMPT, "the fence message")
    got = t.unconsumed(lambda m: m.get("type") == "control")
    expect(not got, "S's control dropped after losing the permission", got)


# -- 32–35: messages, switchto, errors, HTTP endpoints -----------------------------------------

@check("32")
async def chat_relay(ctx: Context) -> None:
    """Chat refresh: chat-relay clients get the comment, others {"refresh":true}."""
    r1, s, t = await _room_of_two(ctx, features=["chat-relay"])
    data = {"type": "chat", "chat": {"refresh": True, "comment": {"id": 1}}}
    await ctx.backend_ok(r1, "message", {"data": data})
    m = await s.expect(lambda m: is_event(m, "room", "message"), PROMPT, "room/message (chat-relay)")
    expect(m["event"]["message"] == {"roomid": r1, "data": {"type": "chat", "chat": {"comment": {"id": 1}}}},
           "the comment without refresh", m)
    m = await t.expect(lambda m: is_event(m, "room", "message"), PROMPT, "room/message")
    expect(m["event"]["message"].get("data") == {"type": "chat", "chat": {"refresh": True}},
           '{"type":"chat","chat":{"refresh":true}}', m)


@check("33")
async def switchto(ctx: Context) -> None:
    """switchto: the mapped session gets room/switchto with its details."""
    r1, s, t = await _room_of_two(ctx)
    await ctx.backend_ok(r1, "switchto", {"roomid": "r2", "sessions": {ctx.uid("nc1"): {"x": 1}}})
    m = await s.expect(lambda m: is_event(m, "room", "switchto"), PROMPT, "room/switchto")
    expect(m["event"]["switchto"] == {"roomid": "r2", "details": {"x": 1}}, '{"roomid":"r2","details":{"x":1}}', m)


@check("34a")
async def room_api_bad_type(ctx: Context) -> None:
    """Types transient and foo are rejected with 400."""
    r1 = ctx.uid("r1")
    for rtype in ("transient", "foo"):
        status, _, text = await ctx.backend(r1, rtype, {"type": "set", "key": "k", "value": 1})
        expect(status == 400, f"HTTP 400 for type {rtype}", f"{status} {text}")


@check("34b")
async def room_api_dialout(ctx: Context) -> None:
    """dialout: a bad number → 400 invalid_number; no SIP client → 404 no_client_available."""
    room = str(int(time.time() * 1000) % 10**9)  # dial-out rooms are numeric
    for number, want_status, code in (("123", 400, "invalid_number"), ("+4930123", 404, "no_client_available")):
        status, _, text = await ctx.backend(room, "dialout", {"number": number, "options": {}})
        try:
            body = json.loads(text)
        except ValueError:
            body = text
        ok = status == want_status and isinstance(body, dict) and body.get("type") == "dialout" \
            and ((body.get("dialout") or {}).get("error") or {}).get("code") == code
        expect(ok, f"HTTP {want_status} dialout error {code} for {number}", f"{status} {text}")


async def _get(url: str, local_addr: str | None = None):
    connector = aiohttp.TCPConnector(local_addr=(local_addr, 0) if local_addr else None)
    async with aiohttp.ClientSession(connector=connector) as http:
        async with http.get(url) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, await resp.text()


@check("35a")
async def welcome_endpoint(ctx: Context) -> None:
    """GET /api/v1/welcome: 200 with the welcome body, Date, Server and features headers."""
    status, headers, text = await _get(ctx.server.http_url + "/api/v1/welcome")
    body = json.loads(text)
    expect(status == 200 and body.get("nextcloud-spreed-signaling") == "Welcome" and body.get("version"),
           '200 {"nextcloud-spreed-signaling":"Welcome","version":…}', f"{status} {text}")
    expect("date" in headers and _features(headers), "Date and X-Spreed-Signaling-Features headers", headers)
    expect(headers.get("server", "").startswith("nextcloud-spreed-signaling/"),
           "Server: nextcloud-spreed-signaling/<ver>", headers)


@check("35b")
async def welcome_required_features(ctx: Context) -> None:
    """The welcome endpoint's features header has every feature Talk requires."""
    _, headers, _ = await _get(ctx.server.http_url + "/api/v1/welcome")
    expect(REQUIRED_FEATURES <= _features(headers), f"features ⊇ {sorted(REQUIRED_FEATURES)}", headers)


@check("35c")
async def stats_allow_list(ctx: Context) -> None:
    """/api/v1/stats answers 127.0.0.1 (allowed) and refuses another address with 403."""
    status, _, text = await _get(ctx.server.http_url + "/api/v1/stats")
    expect(status == 200, "200 from an allowed IP", f"{status} {text}")
    status, _, text = await _get(ctx.server.http_url + "/api/v1/stats", local_addr=OTHER_IP)
    expect(status == 403, f"403 from {OTHER_IP}", f"{status} {text}")


# -- 36: pings -----------------------------------------------------------------------------

@check("36a", slow=True)
async def backend_ping(ctx: Context) -> None:
    """While a session is in a room, the backend gets a ping for it at least every 10 s."""
    r1, alice, nc1 = ctx.uid("r1"), ctx.uid("alice"), ctx.uid("nc1")
    await ctx.member("S", alice, r1, nc1)
    since = len(ctx.nc.requests)

    def ping(r) -> bool:
        return r.type == "ping" and r.payload.get("roomid") == r1 and \
            {"sessionid": nc1, "userid": alice} in r.payload.get("entries", [])
    first = await ctx.nc.wait_for(ping, 10 + PROMPT, since)
    expect(first is not None, f"a ping for {r1}/{nc1} within 10 s",
           [r.body for r in ctx.nc.find(lambda r: r.type == "ping", since)][-3:])
    expect(first.checksum_ok, "a signed ping", first.headers)
    idx = ctx.nc.requests.index(first) + 1
    second = await ctx.nc.wait_for(ping, 10 + PROMPT, idx)
    expect(second is not None, "the next ping within 10 s", None)
    gap = second.received - first.received
    expect(gap <= 10 + 2, "pings at most ~10 s apart", f"{gap:.1f}s")


@check("36b", slow=True)
async def backend_ping_merged(ctx: Context) -> None:
    """With session-ping-limit, one ping with roomid "" covers every room of the backend."""
    ra, rb = ctx.uid("ra"), ctx.uid("rb")
    a, b = ctx.uid("alice"), ctx.uid("bob")
    nca, ncb = ctx.uid("nca"), ctx.uid("ncb")
    await ctx.member("A", a, ra, nca, nc=ctx.nc2)
    await ctx.member("B", b, rb, ncb, nc=ctx.nc2)
    since = len(ctx.nc2.requests)

    want = [{"sessionid": nca, "userid": a}, {"sessionid": ncb, "userid": b}]

    def merged(r) -> bool:
        entries = r.payload.get("entries", [])
        return r.type == "ping" and r.payload.get("roomid") == "" and all(e in entries for e in want)
    if ctx.server.shards > 1:
        # Each shard pings for its own sessions, as each node of a cluster does (the two may be
        # on different shards): every session in a merged ping (roomid ""), none per room.
        def covered(r) -> bool:
            pings = ctx.nc2.find(lambda p: p.type == "ping", since)
            listed = [e for p in pings if p.payload.get("roomid") == ""
                      for e in p.payload.get("entries", [])]
            return r.type == "ping" and all(e in listed for e in want)
        hit = await ctx.nc2.wait_for(covered, 20 + PROMPT, since)
        per_room = ctx.nc2.find(lambda p: p.type == "ping" and p.payload.get("roomid") != "", since)
        expect(not per_room, 'no ping per room with session-ping-limit', [p.body for p in per_room])
    else:
        hit = await ctx.nc2.wait_for(merged, 20 + PROMPT, since)
    expect(hit is not None, 'one ping with roomid "" listing both sessions (one per shard with '
                            'several)', [r.body for r in ctx.nc2.find(lambda r: r.type == "ping",
                                                                     since)][-3:])

