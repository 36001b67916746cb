#!/usr/bin/python3
"""Two tern-signaling nodes on one NATS server form one cluster (issue 15, item 6).

Starts its own nats-server (JetStream on, a temp store dir) on a free loopback
port, one mock Nextcloud (a real Nextcloud cannot run here: the mock verifies
and signs the backend API's checksums like Talk does) and two tern-signaling
processes sharing it, the hash key and the internal secret, with node ids 1 and
2. Then checks, each polling to a bounded deadline:

  - joins and leaves cross nodes: a joiner sees the members of the other node,
    they see the joiner, a leave reaches the other node;
  - session, user, room messages and control cross nodes;
  - a backend POST to /api/v1/room/{id} on either node reaches the room's
    members on both nodes, once.

With --scenario resume (issue 15, item 6), instead: a client on node 1 shares
a room with one on node 2; node 1 is killed (SIGKILL); while the first client is
disconnected, the second sends it messages (to its session and to the room);
the first resumes on node 2 with its resume id and must get the same session
id, every queued message exactly once and in order, and nothing it had before
the kill again; the second sees no leave for it; messages then flow both ways
on node 2; after a bye the resume id is refused.

Every process is stopped by PID and every temp dir removed on every path; on
failure the tails of the logs are printed first. The exit status is the verdict.

    cluster.py --binary build/signaling/tern-signaling [--nats-server /usr/sbin/nats-server]
               [--scenario basic|resume]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from typing import Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (PRESETS, CheckFailed, ServerUnderTest, _die_with_parent,  # noqa: E402
                     free_port, run_cancellable, stop_process)
from mock_nextcloud import MockNextcloud  # noqa: E402
from suite import PROMPT, Context, expect, is_event, join_lists  # noqa: E402


class NatsServer:
    """A nats-server of our own on 127.0.0.1, JetStream on, its store in a temp dir."""

    def __init__(self, binary: str):
        self.binary = binary
        self.workdir = tempfile.mkdtemp(prefix="sig-cluster-nats-")
        self.log_path = os.path.join(self.workdir, "nats.log")
        self.port = 0
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self.port = free_port()
        argv = [self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-js",
                "-sd", os.path.join(self.workdir, "store"), "-l", self.log_path]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.proc.returncode}; "
                                   f"log: {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(4096).startswith(b"INFO "):
                        return
            except OSError as e:
                last = repr(e)
            time.sleep(0.05)  # poll interval, bounded by the deadline
        raise RuntimeError(f"nats-server did not answer within {timeout}s ({last})")

    def stop(self) -> None:
        stop_process(self.proc)


def is_message_from(m: dict, sid: str, kind: str = "message", data_key: str = "") -> bool:
    body = m.get(kind) if m.get("type") == kind else None
    return bool(body) and body["sender"].get("sessionid") == sid and \
        (not data_key or data_key in (body.get("data") or {}))


def is_leave_of(m: dict, sid: str) -> bool:
    return is_event(m, "room", "leave") and sid in m["event"].get("leave", [])


def is_properties(m: dict, roomid: str, name: str) -> bool:
    return m.get("type") == "room" and m["room"].get("roomid") == roomid and \
        (m["room"].get("properties") or {}).get("name") == name


async def check_cluster(a: Context, b: Context) -> None:
    room = a.uid("cluster-room")

    # Joins: alice on node 1 first, then bob on node 2, then carol on node 1.
    alice = await a.member("alice", "alice-" + a.tag, room, "rs-alice")
    bob = await b.member("bob", "bob-" + a.tag, room, "rs-bob")
    alice_sid, bob_sid = alice.hello["sessionid"], bob.hello["sessionid"]
    await bob.expect(lambda m: join_lists(m, alice_sid), PROMPT,
                     "node 2: bob is told of alice, a member on node 1")
    await alice.expect(lambda m: join_lists(m, bob_sid), PROMPT,
                       "node 1: alice is told of bob joining on node 2")
    carol = await a.member("carol", "carol-" + a.tag, room, "rs-carol")
    carol_sid = carol.hello["sessionid"]
    await carol.expect(lambda m: join_lists(m, bob_sid), PROMPT,
                       "node 1: carol is told of bob, a member on node 2")
    await carol.expect(lambda m: join_lists(m, alice_sid), PROMPT,
                       "node 1: carol is told of alice")
    await bob.expect(lambda m: join_lists(m, carol_sid), PROMPT,
                     "node 2: bob is told of carol joining on node 1")
    print("PASS joins cross nodes (both directions, member lists included)", flush=True)

    # Messages: session, control, user, room.
    await alice.send({"type": "message", "message": {
        "recipient": {"type": "session", "sessionid": bob_sid}, "data": {"hello": 1}}})
    await bob.expect(lambda m: is_message_from(m, alice_sid, "message", "hello"), PROMPT,
                     "node 2: alice's message to bob's session")
    await bob.send({"type": "control", "control": {
        "recipient": {"type": "session", "sessionid": alice_sid}, "data": {"mute": 1}}})
    await alice.expect(lambda m: is_message_from(m, bob_sid, "control", "mute"), PROMPT,
                       "node 1: bob's control to alice's session")
    await alice.send({"type": "message", "message": {
        "recipient": {"type": "user", "userid": "bob-" + a.tag}, "data": {"user": 1}}})
    await bob.expect(lambda m: is_message_from(m, alice_sid, "message", "user"), PROMPT,
                     "node 2: alice's message to user bob")
    await bob.send({"type": "message", "message": {
        "recipient": {"type": "room"}, "data": {"room": 1}}})
    await alice.expect(lambda m: is_message_from(m, bob_sid, "message", "room"), PROMPT,
                       "node 1: bob's room message, at alice")
    await carol.expect(lambda m: is_message_from(m, bob_sid, "message", "room"), PROMPT,
                       "node 1: bob's room message, at carol")
    print("PASS session, user and room messages and control cross nodes", flush=True)

    # Backend POSTs: to node 1, then to node 2; every member hears each once.
    for ctx, name in ((a, "From node 1"), (b, "From node 2")):
        await ctx.backend_ok(room, "update", {"userids": [], "properties": {"name": name}})
        for c in (alice, bob, carol):
            await c.expect(lambda m, n=name: is_properties(m, room, n), PROMPT,
                           f"{c.name}: the room update POSTed to node {1 if ctx is a else 2}")
    await alice.barrier()
    await bob.barrier()
    for c in (alice, bob, carol):
        dup = c.unconsumed(lambda m: m.get("type") == "room" and "properties" in m.get("room", {}))
        expect(not dup, f"{c.name}: each update once", dup)
    print("PASS a backend POST to either node reaches the members on both, once", flush=True)

    # Leaves: bob leaves the room on node 2, then carol disconnects with a bye on node 1.
    reply = await bob.request({"type": "room", "room": {"roomid": ""}})
    expect(reply.get("type") == "room" and not reply["room"].get("roomid"), "a leave reply", reply)
    await alice.expect(lambda m: is_leave_of(m, bob_sid), PROMPT,
                       "node 1: alice is told bob left on node 2")
    await carol.send({"type": "bye", "bye": {}})
    await bob.barrier()
    got = bob.unconsumed(lambda m: is_leave_of(m, carol_sid))
    expect(not got, "no leave events for bob once he left the room", got)
    await alice.expect(lambda m: is_leave_of(m, carol_sid), PROMPT,
                       "node 1: alice is told carol left")
    # Bob joins again: he is told of alice on node 1 only (carol is gone).
    await b.join(bob, room, "rs-bob")
    first = await bob.expect(lambda m: join_lists(m, alice_sid), PROMPT,
                             "node 2: bob, back, is told of alice")
    listed = {e.get("sessionid") for e in first["event"]["join"]}
    expect(carol_sid not in listed, "carol no longer listed", first)
    print("PASS leaves cross nodes", flush=True)


def data_of(m: dict, sid: str) -> Optional[dict]:
    """The data of a message or control frame from session ``sid``, else None."""
    body = m.get(m.get("type", ""))
    if m.get("type") not in ("message", "control") or not isinstance(body, dict):
        return None
    if body.get("sender", {}).get("sessionid") != sid:
        return None
    return body.get("data")


async def check_resume(a: Context, b: Context, node1: ServerUnderTest) -> None:
    room = a.uid("resume-room")
    dave = await a.member("dave", "dave-" + a.tag, room, "rs-dave")
    erin = await b.member("erin", "erin-" + a.tag, room, "rs-erin")
    dave_sid, erin_sid = dave.hello["sessionid"], erin.hello["sessionid"]
    resume_id = dave.hello["resumeid"]
    await dave.expect(lambda m: join_lists(m, erin_sid), PROMPT,
                      "node 1: dave is told of erin joining on node 2")
    await erin.expect(lambda m: join_lists(m, dave_sid), PROMPT,
                      "node 2: erin is told of dave, a member on node 1")
    # Delivered before the kill: must not come again after the resume.
    await erin.send({"type": "message", "message": {
        "recipient": {"type": "session", "sessionid": dave_sid}, "data": {"seen": 0}}})
    await dave.expect(lambda m: (data_of(m, erin_sid) or {}).get("seen") == 0, PROMPT,
                      "node 1: erin's message to dave before the kill")
    await dave.barrier()

    node1.proc.send_signal(signal.SIGKILL)
    node1.proc.wait(timeout=10)
    expect(await dave.wait_closed(10), "dave's socket to node 1 closes with it", "still open")
    print("PASS node 1 killed (SIGKILL) with dave attached", flush=True)

    # While dave is away: to his session, to the room, alternating.
    sent = []
    for n in range(1, 7):
        if n % 2:
            recipient = {"type": "session", "sessionid": dave_sid}
        else:
            recipient = {"type": "room"}
        await erin.send({"type": "message", "message": {"recipient": recipient,
                                                        "data": {"queued": n}}})
        sent.append(n)
    await erin.barrier()

    dave2 = await b.connect("dave-resumed")
    reply = await dave2.request({"type": "hello", "hello": {"version": "1.0",
                                                           "resumeid": resume_id}})
    expect(reply.get("type") == "hello" and reply["hello"].get("sessionid") == dave_sid and
           reply["hello"].get("resumeid") == resume_id,
           "node 2: the resume answered with dave's session and resume ids", reply)
    await dave2.expect(lambda m: (data_of(m, erin_sid) or {}).get("queued") == sent[-1], PROMPT,
                       "node 2: the last message queued for dave")
    await dave2.barrier()
    got = [d.get("queued") if "queued" in d else ("seen", d.get("seen"))
           for d in (data_of(m, erin_sid) for m in dave2.inbox) if isinstance(d, dict)]
    expect(got == sent, f"every queued message once, in order: {sent}", got)
    print(f"PASS dave resumed on node 2 with the same session id; {len(sent)} queued messages "
          "once each, in order, none from before the kill", flush=True)

    # Erin saw dave neither leave nor (re)join.
    await erin.barrier()
    left = erin.unconsumed(lambda m: is_leave_of(m, dave_sid))
    expect(not left, "no leave event for dave at erin", left)
    rejoined = erin.unconsumed(lambda m: join_lists(m, dave_sid))
    expect(not rejoined, "no new join event for dave at erin", rejoined)
    print("PASS erin saw no leave (and no join) for dave", flush=True)

    # Live, both ways, now that both are on node 2.
    await erin.send({"type": "message", "message": {
        "recipient": {"type": "session", "sessionid": dave_sid}, "data": {"live": 1}}})
    await dave2.expect(lambda m: (data_of(m, erin_sid) or {}).get("live") == 1, PROMPT,
                       "node 2: erin's message to dave after the resume")
    await dave2.send({"type": "message", "message": {
        "recipient": {"type": "room"}, "data": {"back": 1}}})
    await erin.expect(lambda m: (data_of(m, dave_sid) or {}).get("back") == 1, PROMPT,
                      "node 2: dave's room message after the resume")
    await dave2.barrier()
    dup = [m for m in dave2.inbox if (data_of(m, erin_sid) or {}).get("live") == 1]
    expect(len(dup) == 1, "the live message once", dup)
    print("PASS messages flow both ways after the resume", flush=True)

    # A bye ends the session for good: its resume id is refused, on any node.
    await dave2.send({"type": "bye", "bye": {}})
    await dave2.wait_closed(10)
    await erin.expect(lambda m: is_leave_of(m, dave_sid), PROMPT,
                      "node 2: erin is told dave left after his bye")
    again = await b.connect("dave-again")
    reply = await again.request({"type": "hello", "hello": {"version": "1.0",
                                                           "resumeid": resume_id}})
    expect(reply.get("type") == "error" and reply["error"].get("code") == "no_such_session",
           "no_such_session for a resume after bye", reply)
    print("PASS after a bye the resume id is refused", flush=True)


async def main_async(args: argparse.Namespace) -> int:
    nats = NatsServer(args.nats_server)
    nc = MockNextcloud(secrets.token_hex(16))
    nc2 = MockNextcloud(secrets.token_hex(16))
    command = PRESETS["tern"].command.replace("{binary}", os.path.abspath(args.binary))
    nodes: list[ServerUnderTest] = []
    contexts: list[Context] = []
    ok = False
    start = time.monotonic()
    try:
        nats.start()
        await nc.start()
        await nc2.start()
        hash_key, internal = secrets.token_hex(32), secrets.token_hex(16)
        for node_id in (1, 2):
            node = ServerUnderTest(command, nats.url, {"mock": nc, "mock2": nc2},
                                   hash_key=hash_key, internal_secret=internal, node_id=node_id)
            nodes.append(node)
            await node.start()
        print(f"# nats-server {nats.url}; nodes {nodes[0].http_url} and {nodes[1].http_url}",
              flush=True)
        contexts = [Context(nodes[0], nc, nc2), Context(nodes[1], nc, nc2)]
        contexts[1].tag = contexts[0].tag  # one room, one set of user ids
        if args.scenario == "resume":
            await asyncio.wait_for(check_resume(*contexts, nodes[0]), timeout=120)
        else:
            await asyncio.wait_for(check_cluster(*contexts), timeout=120)
        ok = True
    except (CheckFailed, RuntimeError, asyncio.TimeoutError) as e:
        print(f"FAIL {type(e).__name__}: {e}", flush=True)
    except Exception:  # noqa: BLE001 - any crash is a failed run, reported with its trace
        print("FAIL " + traceback.format_exc(), flush=True)
    finally:
        for ctx in contexts:
            await ctx.cleanup()
        for node in nodes:
            node.stop()
        nats.stop()
        await nc.stop()
        await nc2.stop()
        if not ok:
            for path in [n.log_path for n in nodes] + [nats.log_path]:
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        tail = f.read()[-3000:].decode(errors="replace")
                    print(f"# --- tail of {os.path.basename(os.path.dirname(path))}/"
                          f"{os.path.basename(path)}\n{tail}", flush=True)
        for d in [n.workdir for n in nodes] + [nats.workdir]:
            shutil.rmtree(d, ignore_errors=True)
    print(f"# {'passed' if ok else 'failed'} in {time.monotonic() - start:.1f}s", flush=True)
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True, help="the tern-signaling binary")
    p.add_argument("--nats-server", default=shutil.which("nats-server") or "/usr/sbin/nats-server",
                   help="the nats-server binary (Debian's nats-server package)")
    p.add_argument("--scenario", choices=("basic", "resume"), default="basic",
                   help="basic: joins, messages, backend POSTs across nodes; resume: a client "
                        "resumes on node 2 after node 1 is killed")
    args = p.parse_args(argv)
    for path, what in ((args.binary, "tern-signaling"), (args.nats_server, "nats-server")):
        if not os.access(path, os.X_OK):
            print(f"FAIL: {what} binary {path} not found", flush=True)
            return 1
    return asyncio.run(run_cancellable(main_async, args, "processes"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
