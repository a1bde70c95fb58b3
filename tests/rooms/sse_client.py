"""A small blocking SSE client over a raw socket, for tests that need many streams they can
drop at will (httpx cannot close a stream from outside the thread reading it)."""
from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Event:
    event: str | None
    id: str | None
    data: str
    comment: bool = False

    def json(self):
        return json.loads(self.data)


class SSEClient:
    def __init__(self, base_url: str, path: str, headers: dict | None = None, timeout: float = 10.0):
        parts = urlsplit(base_url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        lines = [f"GET {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self._raw = b""
        self._body = b""
        head = self._read_until(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines if ":" in h)}
        self.chunked = self.headers.get("transfer-encoding") == "chunked"
        self.ended = False

    def _recv(self) -> bool:
        data = self.sock.recv(65536)
        if not data:
            self.ended = True
            return False
        self._raw += data
        return True

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._raw:
            if not self._recv():
                raise ConnectionError("closed before " + repr(marker))
        head, self._raw = self._raw.split(marker, 1)
        return head

    def _dechunk(self) -> None:
        if not self.chunked:
            self._body += self._raw
            self._raw = b""
            return
        while b"\r\n" in self._raw:
            size_line, rest = self._raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                self.ended = True
                self._raw = b""
                return
            if len(rest) < size + 2:
                return
            self._body += rest[:size]
            self._raw = rest[size + 2:]

    def next_event(self, timeout: float = 10.0, comments: bool = False) -> Event | None:
        """The next event (or comment, with comments=True); None when the stream ended."""
        deadline = time.monotonic() + timeout
        while True:
            self._dechunk()
            while b"\n\n" in self._body:
                block, self._body = self._body.split(b"\n\n", 1)
                event = self._parse(block.decode())
                if event.comment and not comments:
                    continue
                return event
            if self.ended:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no event within the timeout")
            self.sock.settimeout(remaining)
            self._recv()

    @staticmethod
    def _parse(block: str) -> Event:
        event = id_ = None
        data = []
        comment = False
        for line in block.split("\n"):
            if line.startswith(":"):
                comment = True
            elif line.startswith("event: "):
                event = line[7:]
            elif line.startswith("id: "):
                id_ = line[4:]
            elif line.startswith("data: "):
                data.append(line[6:])
        return Event(event, id_, "\n".join(data), comment and event is None and not data)

    def events_until(self, predicate, timeout: float = 10.0) -> list[Event]:
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            event = self.next_event(max(0.01, deadline - time.monotonic()))
            if event is None:
                return seen
            seen.append(event)
            if predicate(event):
                return seen

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
