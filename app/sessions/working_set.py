"""The working set: live runtimes kept in this process, bounded by bytes, least recently used
out first.

Only a cache: an entry is used when its version equals the stored one (one indexed read
under the session's lock, or the save's own check: store.Held.assumed), so a session changed
by another process or host is reloaded, and a miss costs one load. A runtime is in at most one request's hands at a time (the session's queue),
and a request that fails drops it: the next one reloads what is stored.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from app.sessions.runtime import Runtime

DEFAULT_CACHE_MB = 128.0


class WorkingSet:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[Runtime, int]] = OrderedDict()  # id -> (runtime, its bytes)
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, session_id: str) -> bool:
        """Live here (at some version): a request may try it on the event loop."""
        return session_id in self._entries

    def peek(self, session_id: str) -> Runtime | None:
        """The runtime kept, at whatever version (its size says what a reload would cost)."""
        entry = self._entries.get(session_id)
        return None if entry is None else entry[0]

    def known(self, session_id: str) -> tuple[int, bool] | None:
        """(version, watched) of the runtime kept, when both are known: a change may take them
        on trust and let its save check them (store.Held.assumed), so this reads without the
        lock (a value that changes meanwhile only makes that save find it stale)."""
        entry = self._entries.get(session_id)
        if entry is None or entry[0].watched is None:
            return None
        return entry[0].version, entry[0].watched

    def get(self, session_id: str, version: int) -> Runtime | None:
        """The runtime at `version`, or None (then a stale one is dropped)."""
        with self._lock:
            entry = self._entries.get(session_id)
            if entry is None:
                return None
            if entry[0].version != version:
                self._drop(session_id)
                return None
            self._entries.move_to_end(session_id)
            return entry[0]

    def put(self, session_id: str, runtime: Runtime) -> None:
        size = runtime.nbytes()
        with self._lock:
            entry = self._entries.get(session_id)
            if entry is not None and entry[0] is runtime and entry[1] == size and size <= self.max_bytes:
                self._entries.move_to_end(session_id)  # the common case: a step of the newest entry, same size
                return
            if entry is not None:
                self._drop(session_id)
            if size > self.max_bytes:  # larger than the whole set: not kept
                return
            self._entries[session_id] = (runtime, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                oldest = next(iter(self._entries))
                self._drop(oldest)

    def discard(self, session_id: str) -> None:
        with self._lock:
            if session_id in self._entries:
                self._drop(session_id)

    def _drop(self, session_id: str) -> None:
        _runtime, size = self._entries.pop(session_id)
        self._bytes -= size
