#!/usr/bin/env python3
"""Talk's REST API against the running tern-signaling (issue 17, item 6).

Starts tern-signaling from a generated tern.conf (the embedded backend in a temporary folder, two
shards), adds users with `ternctl user add` (password on stdin) and an app password, then calls
every endpoint of the REST subset with good and bad input: each bad call must give a clear OCS
error (meta.status failure, a message) and store nothing, which is checked by listing
afterwards. Then Matterbridge's nctalk sequence: capabilities, room list, chat with the
parameters in the query string, 201 on send, a long poll answered by a post with
X-Chat-Last-Given, the immediate re-poll, and a poll that times out with 304.

Usage: talk_api_test.py TERN_SIGNALING TERNCTL. Every wait is bounded; the server is stopped by
its PID and the folder removed on every path."""

import base64
import json
import struct
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOM = "/ocs/v2.php/apps/spreed/api/v4/room"
CHAT = "/ocs/v2.php/apps/spreed/api/v1/chat/"
REACTION = "/ocs/v2.php/apps/spreed/api/v1/reaction/"
SETTINGS = "/ocs/v2.php/apps/spreed/api/v3/signaling/settings"
BACKEND = "/ocs/v2.php/apps/spreed/api/v3/signaling/backend"
CAPS = "/ocs/v2.php/cloud/capabilities"


class Failed(Exception):
    pass


def check(cond, what, seen=None):
    if not cond:
        raise Failed(what + ("" if seen is None else f" (saw: {seen!r})"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def ocs(self):
        return json.loads(self.body)["ocs"]

    def data(self):
        return self.ocs()["data"]

    def __repr__(self):
        return f"{self.status} {self.body[:300]!r}"


class Client:
    def __init__(self, base, user=None, password=None):
        self.base = base
        self.auth = None
        if user is not None:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            self.auth = "Basic " + token

    def call(self, method, path, form=None, query=None, body=None, content_type=None,
             headers=None, timeout=10):
        url = self.base + path
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query)
        data = None
        h = {"OCS-APIRequest": "true", "Accept": "application/json"}
        if self.auth:
            h["Authorization"] = self.auth
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None:
            data = body if isinstance(body, bytes) else body.encode()
            h["Content-Type"] = content_type or "application/json"
        h.update(headers or {})
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Reply(r.status, dict(r.headers), r.read().decode())
        except urllib.error.HTTPError as e:
            return Reply(e.code, dict(e.headers), e.read().decode())


def expect_error(reply, status, what):
    check(reply.status == status, f"{what}: status {status}", reply)
    if status == 304:
        return
    meta = reply.ocs()["meta"]
    check(meta["status"] == "failure" and meta["statuscode"] == status and meta["message"],
          f"{what}: a clear OCS error", reply)


def wait_until(deadline_s, what, probe):
    end = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < end:
        try:
            last = probe()
            if last:
                return last
        except OSError as e:
            last = e
        time.sleep(0.1)
    raise Failed(f"timed out waiting for {what} (last: {last!r})")


def rooms_of(client):
    r = client.call("GET", ROOM)
    check(r.status == 200, "list rooms", r)
    return r.data()


def comments(client, token):
    r = client.call("GET", CHAT + token, query={"lookIntoFuture": 0, "limit": 200})
    if r.status == 304:
        return []
    check(r.status == 200, "history", r)
    return [m["message"] for m in reversed(r.data()) if m["messageType"] == "comment"]


def test_capabilities(anon):
    r = anon.call("GET", CAPS)
    check(r.status == 200, "capabilities without a login", r)
    spreed = r.data()["capabilities"]["spreed"]
    for f in ("conversation-v4", "chat-v2", "delete-messages", "reactions", "signaling-v3"):
        check(f in spreed["features"], f"feature {f}", spreed["features"])
    check(spreed["config"]["chat"]["max-length"] == 32000, "chat max-length")
    check(spreed["config"]["conversations"]["can-create"] is True, "can-create")
    xml = anon.call("GET", CAPS, query={"format": "xml"})
    check(xml.status == 200 and "<element>conversation-v4</element>" in xml.body, "XML", xml)
    v1 = anon.call("GET", "/ocs/v1.php/cloud/capabilities")
    check(v1.ocs()["meta"]["statuscode"] == 100, "v1 statuscode 100", v1)


def test_auth(base, alice):
    anon = Client(base)
    expect_error(anon.call("GET", ROOM), 401, "no login")
    expect_error(Client(base, "alice", "wrong-password").call("GET", ROOM), 401, "wrong password")
    r = alice.call("GET", ROOM, headers={"OCS-APIRequest": ""})
    expect_error(r, 401, "without OCS-APIRequest")
    expect_error(alice.call("POST", ROOM, form={"roomType": 2, "roomName": "x"},
                            headers={"OCS-APIRequest": "no"}), 401, "CSRF")
    check(rooms_of(alice) == [], "nothing stored by refused calls")


def test_rooms(alice, bob, carol):
    for form, status in (({}, 400), ({"roomType": "x"}, 400), ({"roomType": 7}, 400),
                         ({"roomType": 2}, 400), ({"roomType": 2, "roomName": ""}, 400),
                         ({"roomType": 1}, 400), ({"roomType": 1, "invite": "nobody"}, 404)):
        expect_error(alice.call("POST", ROOM, form=form), status, f"create {form}")
    check(rooms_of(alice) == [], "bad creations store nothing")

    made = alice.call("POST", ROOM, form={"roomType": 2, "roomName": "Team"})
    check(made.status == 201, "create a group room", made)
    token = made.data()["token"]
    check(alice.call("GET", ROOM + "/" + token).data()["name"] == "Team", "get")
    expect_error(bob.call("GET", ROOM + "/" + token), 404, "get as a stranger")
    expect_error(alice.call("GET", ROOM + "/zzzzzzzz"), 404, "get a missing room")

    # participants
    expect_error(alice.call("POST", ROOM + f"/{token}/participants", form={}), 400, "add nobody")
    expect_error(alice.call("POST", ROOM + f"/{token}/participants",
                            form={"newParticipant": "nobody"}), 404, "add a missing user")
    check(len(alice.call("GET", ROOM + f"/{token}/participants").data()) == 1, "one participant")
    r = alice.call("POST", ROOM + f"/{token}/participants", form={"newParticipant": "bob"})
    check(r.status == 200, "add bob", r)
    people = alice.call("GET", ROOM + f"/{token}/participants").data()
    check([p["actorId"] for p in people] == ["alice", "bob"], "participants", people)
    bob_id = people[1]["attendeeId"]

    # rename, description
    expect_error(alice.call("PUT", ROOM + "/" + token, form={}), 400, "rename without a name")
    expect_error(alice.call("PUT", ROOM + "/" + token, form={"roomName": "x" * 300}), 400,
                 "rename too long")
    expect_error(bob.call("PUT", ROOM + "/" + token, form={"roomName": "Bob's"}), 403,
                 "rename by a non-moderator")
    check(alice.call("PUT", ROOM + "/" + token, form={"roomName": "Team 2"}).status == 200, "rename")
    check(bob.call("GET", ROOM + "/" + token).data()["name"] == "Team 2", "renamed")
    check(alice.call("PUT", ROOM + f"/{token}/description",
                     form={"description": "About"}).status == 200, "description")

    # moderators
    expect_error(alice.call("POST", ROOM + f"/{token}/moderators", form={"attendeeId": "x"}), 400,
                 "promote a non-number")
    check(alice.call("POST", ROOM + f"/{token}/moderators",
                     form={"attendeeId": bob_id}).status == 200, "promote bob")
    check(alice.call("DELETE", ROOM + f"/{token}/moderators",
                     form={"attendeeId": bob_id}).status == 200, "demote bob")

    # public, password, lobby, read-only
    expect_error(bob.call("POST", ROOM + f"/{token}/public"), 403, "make public as bob")
    check(alice.call("POST", ROOM + f"/{token}/public").status == 200, "make public")
    expect_error(alice.call("PUT", ROOM + f"/{token}/password", form={}), 400, "no password")
    check(alice.call("PUT", ROOM + f"/{token}/password",
                     form={"password": "open-sesame"}).status == 200, "set a password")
    check(alice.call("GET", ROOM + "/" + token).data()["hasPassword"] is True, "hasPassword")
    expect_error(carol.call("POST", ROOM + f"/{token}/participants/active",
                            form={"password": "wrong"}), 403, "join with a wrong password")
    check(rooms_of(carol) == [], "a refused join stores nothing")
    r = carol.call("POST", ROOM + f"/{token}/participants/active",
                   form={"password": "open-sesame"})
    check(r.status == 200 and r.data()["participantType"] == 5, "join by the link", r)
    check(carol.call("DELETE", ROOM + f"/{token}/participants/self").status == 200, "carol leaves")
    check(rooms_of(carol) == [], "carol left")
    check(alice.call("DELETE", ROOM + f"/{token}/public").status == 200, "make private")

    expect_error(alice.call("PUT", ROOM + f"/{token}/webinar/lobby", form={"state": 5}), 400,
                 "lobby state 5")
    check(alice.call("GET", ROOM + "/" + token).data()["lobbyState"] == 0, "no lobby stored")
    r = alice.call("PUT", ROOM + f"/{token}/webinar/lobby", form={"state": 1})
    check(r.status == 200 and r.data()["lobbyState"] == 1, "lobby on", r)
    expect_error(bob.call("GET", CHAT + token, query={"lookIntoFuture": 0}), 412,
                 "the lobby keeps bob out")
    check(alice.call("PUT", ROOM + f"/{token}/webinar/lobby", form={"state": 0}).status == 200,
          "lobby off")
    expect_error(alice.call("PUT", ROOM + f"/{token}/read-only", form={"state": 9}), 400,
                 "read-only 9")

    # join and leave as active participant: the session the signaling client names
    r = bob.call("POST", ROOM + f"/{token}/participants/active")
    check(r.status == 200 and len(r.data()["sessionId"]) > 20, "join active", r)
    check(bob.call("DELETE", ROOM + f"/{token}/participants/active").status == 200, "leave active")

    # remove a participant
    expect_error(alice.call("DELETE", ROOM + f"/{token}/participants",
                            form={"attendeeId": 999999}), 404, "remove a missing participant")
    check(len(rooms_of(bob)) == 1, "bob still in")

    # delete: bob may not; alice may
    other = alice.call("POST", ROOM, form={"roomType": 2, "roomName": "Doomed"}).data()["token"]
    expect_error(bob.call("DELETE", ROOM + "/" + other), 404, "delete as a stranger")
    check(alice.call("DELETE", ROOM + "/" + other).status == 200, "delete")
    check([r["token"] for r in rooms_of(alice)] == [token], "deleted room gone")
    return token


def test_chat(alice, bob, carol, token):
    for form, status in (({}, 400), ({"message": ""}, 400), ({"message": "x" * 32001}, 413),
                         ({"message": "hi", "replyTo": "x"}, 400),
                         ({"message": "hi", "replyTo": 999999}, 400)):
        expect_error(alice.call("POST", CHAT + token, form=form), status, f"send {str(form)[:40]}")
    expect_error(carol.call("POST", CHAT + token, form={"message": "hi"}), 404, "send as stranger")
    check(comments(alice, token) == [], "bad sends store nothing")
    for q in ({"lookIntoFuture": "x"}, {"limit": 0}, {"lastKnownMessageId": "x"},
              {"timeout": "soon"}):
        expect_error(alice.call("GET", CHAT + token, query=q), 400, f"receive {q}")

    sent = alice.call("POST", CHAT + token, form={"message": "first", "referenceId": "ref-1"})
    check(sent.status == 201 and sent.data()["message"] == "first", "send", sent)
    first = sent.data()["id"]
    r = bob.call("POST", CHAT + token, form={"message": "reply", "replyTo": first})
    check(r.status == 201 and r.data()["parent"]["id"] == first, "reply", r)

    # edit and delete
    expect_error(bob.call("PUT", CHAT + f"{token}/{first}", form={"message": "bob's"}), 403,
                 "edit another's message")
    r = alice.call("PUT", CHAT + f"{token}/{first}", form={"message": "first, edited"})
    check(r.status == 200 and r.data()["systemMessage"] == "message_edited", "edit", r)
    expect_error(alice.call("DELETE", CHAT + f"{token}/999999"), 404, "delete a missing message")
    expect_error(bob.call("DELETE", CHAT + f"{token}/{first}"), 403, "delete another's message")
    check(comments(alice, token) == ["first, edited", "reply"], "nothing deleted yet")
    r = alice.call("DELETE", CHAT + f"{token}/{first}")
    check(r.status == 200 and r.data()["systemMessage"] == "message_deleted", "delete", r)
    check(comments(alice, token) == ["reply"], "deleted")

    # reactions
    reply_id = [m for m in bob.call("GET", CHAT + token, query={"lookIntoFuture": 0}).data()
                if m["message"] == "reply"][0]["id"]
    path = f"{REACTION}{token}/{reply_id}"
    expect_error(alice.call("POST", path, form={}), 400, "react without a reaction")
    expect_error(alice.call("POST", path, form={"reaction": "not an emoji"}), 400, "react with text")
    expect_error(alice.call("POST", f"{REACTION}{token}/999999", form={"reaction": "👍"}), 404,
                 "react to a missing message")
    check(alice.call("GET", path).data() == [], "no reactions stored")
    r = alice.call("POST", path, form={"reaction": "👍"})
    check(r.status == 201 and r.data()["👍"][0]["actorId"] == "alice", "react", r)
    check(alice.call("POST", path, form={"reaction": "👍"}).status == 200, "react again: 200")
    check(len(bob.call("GET", path).data()["👍"]) == 1, "list reactions")
    check(alice.call("DELETE", path, form={"reaction": "👍"}).status == 200, "unreact")
    check(alice.call("GET", path).data() == [], "reaction gone")

    # read marker
    check(bob.call("POST", CHAT + f"{token}/read").status == 200, "mark read")
    expect_error(bob.call("POST", CHAT + f"{token}/read", form={"lastReadMessage": "x"}), 400,
                 "mark read with a bad id")


def test_settings_and_backend(base, alice, token):
    r = alice.call("GET", SETTINGS, query={"token": token})
    check(r.status == 200, "signaling settings", r)
    s = r.data()
    check(s["server"] == base and s["ticket"] and s["helloAuthParams"]["1.0"]["userid"] == "alice",
          "settings: server, ticket", s)
    check(s["stunservers"] == [{"urls": ["stun:127.0.0.1:3478"]}], "STUN from TURN", s)
    turn = s["turnservers"][0]
    check(turn["username"].endswith(":alice") and turn["credential"], "TURN credentials", turn)
    expect_error(alice.call("GET", SETTINGS, query={"token": "zzzzzzzz"}), 404,
                 "settings for a missing room")
    # The backend endpoint refuses unsigned requests (Talk: HTTP 200, invalid_request).
    body = json.dumps({"type": "auth", "auth": {"version": "1.0", "params": {
        "userid": "alice", "ticket": s["ticket"]}}})
    r = Client(base).call("POST", BACKEND, body=body, headers={
        "Spreed-Signaling-Random": "x" * 64, "Spreed-Signaling-Checksum": "0" * 64})
    check(r.status == 200 and r.data()["error"]["code"] == "invalid_request", "unsigned", r)


def test_nctalk(base, bridge, alice, token):
    """Matterbridge's nctalk client, step by step (sip-chat-push notes §3.2)."""
    caps = bridge.call("GET", CAPS)
    check("conversation-v4" in caps.data()["capabilities"]["spreed"]["features"], "nctalk caps")
    rooms = bridge.call("GET", ROOM)
    check(rooms.status == 200 and rooms.data()[0]["token"] == token, "nctalk room list", rooms)
    last_read = rooms.data()[0]["lastReadMessage"]
    probe = bridge.call("GET", CHAT + token, query={"lookIntoFuture": 0, "includeLastKnown": 0})
    check(probe.status in (200, 304), "nctalk test call", probe)
    # Catch up to the newest message, then long-poll from there.
    r = bridge.call("GET", CHAT + token, query={
        "lookIntoFuture": 1, "includeLastKnown": 0, "lastKnownMessageId": last_read,
        "timeout": 0})
    check(r.status in (200, 304), "catch up", r)
    offset = int(r.headers.get("X-Chat-Last-Given", last_read)) if r.status == 200 else last_read

    result = {}

    def poll(key, since, timeout):
        result[key] = bridge.call("GET", CHAT + token, query={
            "lookIntoFuture": 1, "includeLastKnown": 0, "lastKnownMessageId": since,
            "timeout": timeout}, timeout=timeout + 15)

    t = threading.Thread(target=poll, args=("woken", offset, 30))
    t.start()
    time.sleep(1.0)  # the poll parks (the server answers nothing yet)
    check("woken" not in result, "the long poll waits", result.get("woken"))
    sent = alice.call("POST", CHAT + token, form={"message": "to the bridge"})
    check(sent.status == 201, "post while polled", sent)
    t.join(20)
    check(not t.is_alive(), "the long poll is answered after a post")
    woken = result["woken"]
    check(woken.status == 200 and [m["message"] for m in woken.data()] == ["to the bridge"],
          "the poll brings the message", woken)
    given = woken.headers.get("X-Chat-Last-Given")
    check(given == str(sent.data()["id"]), "X-Chat-Last-Given", woken.headers)

    # The bridge posts with the parameters in the query string: exactly 201.
    own = bridge.call("POST", CHAT + token, query={"message": "[irc] <dave> hi",
                                                    "actorDisplayName": "dave"})
    check(own.status == 201, "nctalk send: 201", own)
    # Immediate re-poll from X-Chat-Last-Given: the bridge's own message comes back at once.
    again = bridge.call("GET", CHAT + token, query={
        "lookIntoFuture": 1, "includeLastKnown": 0, "lastKnownMessageId": given, "timeout": 5})
    check(again.status == 200 and again.data()[0]["message"] == "[irc] <dave> hi", "re-poll",
          again)
    # Nothing newer: 304 when the timeout passes.
    started = time.monotonic()
    idle = bridge.call("GET", CHAT + token, query={
        "lookIntoFuture": 1, "lastKnownMessageId": again.headers["X-Chat-Last-Given"],
        "timeout": 2}, timeout=20)
    check(idle.status == 304 and time.monotonic() - started >= 1.5, "idle poll: 304", idle)
    # nctalk deletes with DELETE /chat/{token}/{id}.
    check(bridge.call("DELETE", CHAT + f"{token}/{own.data()['id']}").status == 200,
          "nctalk delete")


class WebSocket:
    """Just enough of RFC 6455 for the signaling hello and room join: text frames, masked
    from the client; pings and other control frames from the server are skipped."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /spreed HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            check(chunk, "the WebSocket handshake is answered", head)
            head += chunk
        head, self.rest = head.split(b"\r\n\r\n", 1)
        check(head.startswith(b"HTTP/1.1 101"), "WebSocket upgrade", head[:80])

    def _read(self, n):
        while len(self.rest) < n:
            chunk = self.sock.recv(65536)
            check(chunk, "the WebSocket stays open")
            self.rest += chunk
        out, self.rest = self.rest[:n], self.rest[n:]
        return out

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                bytes([0x80 | 126]) + struct.pack(">H", n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            if b0 & 0x0F == 1:
                return json.loads(payload)

    def wait_for(self, what, pred, deadline_s=10):
        end = time.monotonic() + deadline_s
        seen = []
        while time.monotonic() < end:
            m = self.recv()
            if pred(m):
                return m
            seen.append(m)
        raise Failed(f"no {what} within {deadline_s} s (saw {seen!r})")

    def close(self):
        self.sock.close()


def test_signaling_hello(base, port, alice, token):
    """A Talk client's signaling: settings, hello v1 with the ticket (tern-signaling asks its
    embedded backend over HTTP, signed), then the room join with the Talk session id."""
    settings = alice.call("GET", SETTINGS, query={"token": token}).data()
    session = alice.call("POST", ROOM + f"/{token}/participants/active").data()["sessionId"]
    ws = WebSocket(port)
    try:
        ws.send({"id": "1", "type": "hello", "hello": {"version": "1.0", "auth": {
            "url": base + BACKEND, "params": settings["helloAuthParams"]["1.0"]}}})
        hello = ws.wait_for("hello answer", lambda m: m.get("id") == "1")
        check(hello["type"] == "hello" and hello["hello"].get("userid") == "alice",
              "hello through the embedded backend", hello)
        ws.send({"id": "2", "type": "room", "room": {"roomid": token, "sessionid": session}})
        room = ws.wait_for("room answer", lambda m: m.get("id") == "2")
        check(room["type"] == "room" and room["room"]["roomid"] == token, "room join", room)
        check(room["room"]["properties"]["name"] == "Team 2", "room properties", room)
    finally:
        ws.close()
    bad = WebSocket(port)
    try:
        bad.send({"id": "1", "type": "hello", "hello": {"version": "1.0", "auth": {
            "url": base + BACKEND, "params": {"userid": "alice", "ticket": "1:00"}}}})
        err = bad.wait_for("hello answer", lambda m: m.get("id") == "1")
        check(err["type"] == "error" and err["error"]["code"] == "invalid_ticket",
              "a bad ticket is refused", err)
    finally:
        bad.close()


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    signaling, ternctl = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="tern-talk-api-")
    proc = None
    log_path = os.path.join(work, "signaling.log")
    try:
        db = os.path.join(work, "backend.db")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        conf = os.path.join(work, "tern.conf")
        with open(conf, "w") as f:
            f.write(f"""signaling = {{
  listen = ["127.0.0.1:{port}"];
  hash_key = "talk-api-test-hash-key-0123456789abcdef";
  threads = 2;
  backend = {{ database = "{db}"; }};
  turn = {{ api_key = "turn-api-key"; secret = "turn-secret";
           servers = ["turn:127.0.0.1:3478?transport=udp"]; }};
}};
""")
        for user, pw in (("alice", "alice-password"), ("bob", "bob-password"),
                         ("carol", "carol-password"), ("bridge-bot", "bridge-password")):
            subprocess.run([ternctl, "--db", db, "user", "add", user], input=pw + "\n",
                           text=True, check=True, capture_output=True, timeout=30)
        app = subprocess.run([ternctl, "--db", db, "user", "app-password", "bridge-bot",
                              "--label", "matterbridge"], text=True, check=True,
                             capture_output=True, timeout=30).stdout.strip()
        with open(log_path, "w") as log:
            proc = subprocess.Popen([signaling, "--config", conf], stdout=log,
                                    stderr=subprocess.STDOUT)
        wait_until(20, "tern-signaling to answer", lambda: proc.poll() is None and
                   Client(base).call("GET", CAPS, timeout=2).status == 200)

        alice = Client(base, "alice", "alice-password")
        bob = Client(base, "bob", "bob-password")
        carol = Client(base, "carol", "carol-password")
        bridge = Client(base, "bridge-bot", app)
        test_capabilities(Client(base))
        test_auth(base, alice)
        token = test_rooms(alice, bob, carol)
        test_chat(alice, bob, carol, token)
        test_settings_and_backend(base, alice, token)
        test_signaling_hello(base, port, alice, token)
        check(alice.call("POST", ROOM + f"/{token}/participants",
                         form={"newParticipant": "bridge-bot"}).status == 200, "add the bridge")
        test_nctalk(base, bridge, alice, token)
        check(proc.poll() is None, "tern-signaling still runs")
        print("talk api: all checks passed")
        return 0
    except (Failed, subprocess.SubprocessError, OSError, KeyError, ValueError) as e:
        print(f"talk api: FAILED: {e!r}", file=sys.stderr)
        try:
            with open(log_path) as log:
                sys.stderr.write("--- tern-signaling log (last 40 lines) ---\n")
                sys.stderr.writelines(log.readlines()[-40:])
        except OSError:
            pass
        return 1
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
