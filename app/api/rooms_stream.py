"""The ASGI answer of an event stream: text/event-stream from the hub's iterator, ended as soon as
the client is gone.

A client that closes (tab closed, reconnect) is seen at once (http.disconnect). A client that
vanishes without a word (a laptop lid closed, Wi-Fi gone) is found by the kernel: the keepalive
comment every 10 s keeps data in flight, and TCP_USER_TIMEOUT makes the kernel drop a
connection whose data stays unacknowledged for 25 s, so the stream ends and leaves the student
count within 30 s. A send that cannot complete in that time ends the stream too.
"""
from __future__ import annotations

import asyncio
import socket

from starlette.responses import Response

from app.rooms.credentials import TRANSPORT_KEY

DEAD_PEER_MS = 25_000
SEND_TIMEOUT = 30.0
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
]


def _watch_dead_peer(scope) -> None:
    transport = scope.get(TRANSPORT_KEY)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, DEAD_PEER_MS)
    except (OSError, AttributeError):  # not Linux, or not a TCP socket: http.disconnect still works
        pass


class EventStreamResponse(Response):
    media_type = "text/event-stream"

    def __init__(self, events):
        super().__init__(status_code=200)
        self.events = events  # an async iterator of bytes

    async def __call__(self, scope, receive, send) -> None:
        _watch_dead_peer(scope)
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})

        async def until_disconnect():
            while (await receive())["type"] != "http.disconnect":
                pass

        async def pump():
            async for chunk in self.events:
                await asyncio.wait_for(send({"type": "http.response.body", "body": chunk, "more_body": True}), SEND_TIMEOUT)

        watcher = asyncio.ensure_future(until_disconnect())
        pumper = asyncio.ensure_future(pump())
        try:
            done, _pending = await asyncio.wait({watcher, pumper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (watcher, pumper):
                task.cancel()
            await asyncio.gather(watcher, pumper, return_exceptions=True)
            await self.events.aclose()  # the hub forgets the stream now, not when it is collected
        if pumper in done and pumper.exception() is None:  # the hub ended it (room closed)
            try:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except OSError:
                pass
