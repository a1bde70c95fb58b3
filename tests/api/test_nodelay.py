"""NoDelayMiddleware turns Nagle's algorithm off on the request's TCP connection (the socket
uvicorn --workers N binds has no protocol number, so asyncio leaves it on)."""
from __future__ import annotations

import asyncio
import socket

from app.middleware import NoDelayMiddleware


class _Transport:
    def __init__(self, sock):
        self.sock = sock

    def get_extra_info(self, name):
        return self.sock if name == "socket" else None


class _Cycle:  # what uvicorn's receive is bound to: the request cycle, holding the transport
    def __init__(self, transport):
        self.transport = transport

    async def receive(self):
        return {"type": "http.request", "body": b"", "more_body": False}


def test_the_connection_gets_tcp_nodelay():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # no protocol number, as uvicorn's workers bind
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    seen = []

    async def app(scope, receive, send):
        seen.append(receive)

    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        cycle = _Cycle(_Transport(accepted))
        asyncio.run(NoDelayMiddleware(app)({"type": "http"}, cycle.receive, None))
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert seen == [cycle.receive]  # handed on unchanged: the rooms' middleware reads the same transport
    finally:
        for sock in (client, accepted, listener):
            sock.close()
