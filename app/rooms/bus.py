"""How a room event reaches every process that serves the room's streams.

A message is a small JSON object ({"room": CODE, "kind": "state" | "question" | "answers" |
"students" | "closed", ...}); it names what changed, and each process reads the change from
the database once and renders it once (app/rooms/hub.py).

- SocketBus (SQLite, one host): each worker binds a Unix datagram socket in one directory; a
  commit sends its messages to every socket there. Delivery is immediate, nobody polls, and a
  worker that died leaves a socket file that the next send removes.
- PostgresBus (any number of hosts): LISTEN on one connection per process; the messages are
  NOTIFYs sent inside the transaction of the change, so they leave exactly when it commits.
A missed message (a full socket buffer, a dropped PostgreSQL connection) is caught by the hub's
periodic check of each followed room's version, so no student stays behind.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import secrets
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CHANNEL = "bplab_rooms"
log = logging.getLogger(__name__)


class SocketBus:
    def __init__(self, key_path: Path):
        # Unix socket paths are limited to 107 bytes, so the directory is short and derived
        # from the database file: the workers of one database find each other, others don't.
        digest = hashlib.sha256(str(Path(key_path).resolve()).encode()).hexdigest()[:16]
        self.directory = Path(tempfile.gettempdir()) / f"bplab-rooms-{digest}"
        self._sender: socket.socket | None = None
        self._receiver: socket.socket | None = None
        self._own_path: Path | None = None

    def publish(self, message: dict) -> None:
        if not self.directory.is_dir():
            return  # no process follows any room yet
        data = json.dumps(message).encode()
        if self._sender is None:
            self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._sender.setblocking(False)
        for entry in os.scandir(self.directory):
            if entry.name.endswith(".sock"):
                self._send(data, entry.path)

    def _send(self, data: bytes, path: str) -> None:
        for attempt in range(50):  # a full receive buffer drains within milliseconds
            try:
                self._sender.sendto(data, path)
                return
            except BlockingIOError:
                time.sleep(0.001 * (attempt + 1))
            except (ConnectionRefusedError, FileNotFoundError):  # its worker is gone
                try:
                    os.unlink(path)
                except OSError:
                    pass
                return
            except OSError as error:
                log.warning("room event not sent to %s: %s", path, error)
                return
        log.warning("room event not sent to %s: its buffer stayed full", path)

    def start(self, loop: asyncio.AbstractEventLoop, on_message: Callable[[dict], None], on_reconnect: Callable[[], None]) -> None:
        self.directory.mkdir(mode=0o700, exist_ok=True)
        self._own_path = self.directory / f"{os.getpid()}-{secrets.token_hex(4)}.sock"
        receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        receiver.bind(str(self._own_path))
        receiver.setblocking(False)
        self._receiver = receiver

        def readable() -> None:
            while True:
                try:
                    data = receiver.recv(65536)
                except (BlockingIOError, InterruptedError):
                    return
                try:
                    on_message(json.loads(data))
                except ValueError:
                    log.warning("a room event that is not JSON was ignored")

        loop.add_reader(receiver.fileno(), readable)

    def close(self) -> None:
        for sock in (self._sender, self._receiver):
            if sock is not None:
                if sock is self._receiver:
                    try:
                        asyncio.get_event_loop().remove_reader(sock.fileno())
                    except (RuntimeError, ValueError):
                        pass
                sock.close()
        if self._own_path is not None:
            try:
                os.unlink(self._own_path)
            except OSError:
                pass
        self._sender = self._receiver = self._own_path = None


class PostgresBus:
    RETRY_SECONDS = 1.0

    def __init__(self, url: str):
        self.url = url
        self._task: asyncio.Task | None = None

    def publish(self, message: dict) -> None:
        raise RuntimeError("on PostgreSQL, room events are sent inside their transaction (tx.notify)")

    def start(self, loop: asyncio.AbstractEventLoop, on_message: Callable[[dict], None], on_reconnect: Callable[[], None]) -> None:
        self._task = loop.create_task(self._listen(on_message, on_reconnect))

    async def _listen(self, on_message, on_reconnect) -> None:
        import psycopg

        first = True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if not first:  # messages sent while we were away are lost: catch up
                        on_reconnect()
                    first = False
                    async for notify in conn.notifies():
                        try:
                            on_message(json.loads(notify.payload))
                        except ValueError:
                            log.warning("a room event that is not JSON was ignored")
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the listener must outlive a database restart
                log.warning("room events: PostgreSQL connection lost (%s), reconnecting", error)
                first = False
                await asyncio.sleep(self.RETRY_SECONDS)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
