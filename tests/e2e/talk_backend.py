"""The Nextcloud side of the Talk e2e call (talk_call_test.sh), on the conformance suite's mock.

A real Nextcloud with Talk cannot run on the test machines, so this process plays it with
tests/signaling/mock_nextcloud.py: it answers tern-signaling's auth and room requests (any
user with any ticket, any room, no permissions listed: everything but hide-displaynames is
allowed) and, for the test driver, signs and sends Talk's own requests to tern-signaling:

  POST /test/incall {"roomid": R, "sessions": ["<Talk session id>", ...], "incall": N}
      -> Talk's incall request for those sessions (POST /api/v1/room/R on tern-signaling);
         answers {"status": HTTP status of tern-signaling's answer, "body": its text}

  talk_backend.py PORT SECRET SIGNALING_URL
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from aiohttp import web

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "signaling"))
from mock_nextcloud import BACKEND_PATH_PREFIX, BACKEND_PATH_SUFFIX, MockNextcloud  # noqa: E402


async def main(port: int, secret: str, signaling_url: str) -> None:
    mock = MockNextcloud(secret)
    mock.port = port  # base_url (the Spreed-Signaling-Backend header) names this port

    async def incall(request: web.Request) -> web.Response:
        q = await request.json()
        flags = int(q.get("incall", 7))
        changed = [{"inCall": flags, "sessionId": s, "participantType": 3,
                    "lastPing": 0, "participantPermissions": 254} for s in q["sessions"]]
        body = {"type": "incall", "incall": {"incall": flags, "changed": changed, "users": changed}}
        status, _, text = await mock.room_request(signaling_url, q["roomid"], body)
        return web.json_response({"status": status, "body": text})

    app = web.Application()
    app.router.add_get("/ocs/v2.php/cloud/capabilities", mock._capabilities)
    app.router.add_post(BACKEND_PATH_PREFIX + "{version}" + BACKEND_PATH_SUFFIX, mock._backend)
    app.router.add_post("/test/incall", incall)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"mock Nextcloud on {mock.base_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
