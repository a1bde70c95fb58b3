"""Waiting for a session: in arrival order within a process, and in the kernel's queue across them.

`SessionQueues` hands a session to one thread at a time, first come first served: each waiter
blocks on its own lock, which the thread before it releases (no polling, no thundering herd).
`RangeLocks` holds a session across processes (uvicorn --workers) with an open-file-description
lock on one byte of one file, at an offset hashed from the session id (63 bits: two sessions
never share a lock in practice, so a long train on one never delays another). Only the head
of a process's queue asks the kernel, so the kernel's queue holds at most one waiter per
process and session; the common, uncontended case costs one fcntl and no thread.
`RangeLocks.writer` is byte 0, SQLite's one writer: each thread takes it on a description of
its own, so the kernel queues every waiter of every process (a waiter announces itself on
WAITING_OFFSET, so that a try never takes the lock from those queued).
"""
from __future__ import annotations

import errno
import functools
import fcntl
import hashlib
import os
import struct
import threading
import time
from collections import deque
from pathlib import Path

WRITER_OFFSET = 0  # the byte that serialises SQLite's write transactions across processes
WAITING_OFFSET = 2**62 + 1  # read-locked by whoever waits for the writer's byte (past every session's)
_LOCK_BYTES = 1


def _flock(kind: int, offset: int) -> bytes:
    """struct flock: l_type, l_whence, (pad), l_start, l_len, l_pid (0 for OFD locks), (pad)."""
    return struct.pack("hh4xqqi4x", kind, os.SEEK_SET, offset, _LOCK_BYTES, 0)


def _lock(fd: int, offset: int, kind: int) -> None:
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _flock(kind, offset))


def _try_lock(fd: int, offset: int) -> bool:
    """The byte write-locked at once, or False if another description holds it."""
    try:
        _lock(fd, offset, fcntl.F_WRLCK)
        return True
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise


_WAITING_PROBE = _flock(fcntl.F_WRLCK, WAITING_OFFSET)
_WRITER_UNLOCK = _flock(fcntl.F_UNLCK, WRITER_OFFSET)


def _anyone_waits(fd: int) -> bool:
    """Whether another description holds WAITING_OFFSET (a waiter for the writer's byte)."""
    found = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, _WAITING_PROBE)
    return struct.unpack_from("h", found)[0] != fcntl.F_UNLCK  # l_type, the struct's first field


@functools.lru_cache(maxsize=65536)
def session_offset(session_id: str) -> int:
    """A byte of the lock file for this session: 1 .. 2**62, never the writer's byte 0 or WAITING_OFFSET."""
    return 1 + int.from_bytes(hashlib.blake2b(session_id.encode(), digest_size=8).digest(), "big") % (2**62)


class _Waiter:
    __slots__ = ("lock", "granted")

    def __init__(self):
        self.lock = threading.Lock()
        self.lock.acquire()
        self.granted = False


class SessionQueues:
    """One holder per session in this process; the others wait in arrival order."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._queues: dict[str, deque] = {}  # the head is the holder (None when it never waited)

    def acquire(self, session_id: str, timeout: float) -> bool:
        with self._mutex:
            queue = self._queues.get(session_id)
            if queue is None:
                self._queues[session_id] = deque([None])
                return True
            waiter = _Waiter()
            queue.append(waiter)
        if waiter.lock.acquire(timeout=timeout):
            return True
        with self._mutex:
            if waiter.granted:  # handed over between the timeout and here: it is ours
                return True
            queue.remove(waiter)
            return False

    def try_acquire(self, session_id: str) -> bool:
        """The session at once if nobody in this process holds or waits for it."""
        with self._mutex:
            if session_id in self._queues:
                return False
            self._queues[session_id] = deque([None])
            return True

    def release(self, session_id: str) -> None:
        with self._mutex:
            queue = self._queues[session_id]
            queue.popleft()
            if not queue:
                del self._queues[session_id]
                return
            waiter = queue[0]
            waiter.granted = True
            waiter.lock.release()

    def waiting(self, session_id: str) -> int:
        """How many threads hold or wait for the session (for tests)."""
        with self._mutex:
            return len(self._queues.get(session_id, ()))


class RangeLocks:
    """Cross-process locks, one byte each, on the file `path`; blocking waits happen in the kernel."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None
        self._fd_lock = threading.Lock()
        self._per_thread = threading.local()  # each thread's own description, for the writer's byte

    def _open(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def _shared_fd(self) -> int:
        # one open file description for the uncontended case: its locks on different bytes never
        # conflict, and one session's byte is only ever taken by the head of this process's queue
        if self._fd is None:
            with self._fd_lock:
                if self._fd is None:
                    self._fd = self._open()
        return self._fd

    def acquire(self, offset: int, timeout: float) -> int:
        """Holds byte `offset`; answers the fd to release it with. TimeoutError after `timeout` s."""
        fd = self._shared_fd()
        try:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _flock(fcntl.F_WRLCK, offset))
            return fd
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if timeout <= 0:
            raise TimeoutError(offset)
        return self._wait(offset, timeout)

    def _wait(self, offset: int, timeout: float) -> int:
        """Contended: a helper thread waits in the kernel on its own file description, so that
        this thread can give up at its deadline; a lock granted after that is released at once."""
        own = self._open()
        granted = threading.Event()
        state = {"abandoned": False, "error": None}
        mutex = threading.Lock()

        def wait() -> None:
            try:
                fcntl.fcntl(own, fcntl.F_OFD_SETLKW, _flock(fcntl.F_WRLCK, offset))
            except OSError as error:  # pragma: no cover - reported to the waiting thread
                state["error"] = error
            with mutex:
                if state["abandoned"]:
                    os.close(own)  # closing the description releases its lock
                    return
            granted.set()

        threading.Thread(target=wait, name="bplab-lock-wait", daemon=True).start()
        if not granted.wait(timeout):
            with mutex:
                if not granted.is_set():
                    state["abandoned"] = True
                    raise TimeoutError(offset)
        if state["error"] is not None:
            os.close(own)
            raise state["error"]
        return own

    def release(self, fd: int, offset: int) -> None:
        if fd == self._fd:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _flock(fcntl.F_UNLCK, offset))
        else:
            os.close(fd)

    def writer(self, spin: float = 0.0) -> _Writer:
        """Byte 0, for one short write transaction, on the calling thread's own file description.
        A waiter waits in the kernel's queue, holding a shared lock on WAITING_OFFSET meanwhile.
        spin (the event loop's commits): first tries for that many seconds, yielding the core
        (the holder may need it), unless somebody waits: a try that never queues must not take
        the lock from those queued (woken by a release, they found it taken again)."""
        return _Writer(self._thread_description(), spin)

    def _thread_description(self) -> _OwnDescription:
        own = getattr(self._per_thread, "fd", None)
        if own is None:
            own = self._per_thread.fd = _OwnDescription(self._open())
        return own


class _Writer:
    """RangeLocks.writer's context manager (a class: this runs for every commit)."""

    __slots__ = ("own", "spin")

    def __init__(self, own: _OwnDescription, spin: float):
        self.own, self.spin = own, spin

    def __enter__(self) -> None:
        own = self.own
        if own.writing:  # the inner exit would release the outer's lock
            raise RuntimeError("RangeLocks.writer() is not reentrant")
        fd = own.fd
        if _anyone_waits(fd) or not _try_lock(fd, WRITER_OFFSET):
            deadline = time.perf_counter() + self.spin
            while time.perf_counter() < deadline and not _anyone_waits(fd):
                os.sched_yield()
                if _try_lock(fd, WRITER_OFFSET):
                    break
            else:
                _lock(fd, WAITING_OFFSET, fcntl.F_RDLCK)  # never waits: nobody write-locks it
                try:
                    fcntl.fcntl(fd, fcntl.F_OFD_SETLKW, _flock(fcntl.F_WRLCK, WRITER_OFFSET))
                finally:
                    _lock(fd, WAITING_OFFSET, fcntl.F_UNLCK)
        own.writing = True

    def __exit__(self, *exc) -> None:
        self.own.writing = False
        fcntl.fcntl(self.own.fd, fcntl.F_OFD_SETLK, _WRITER_UNLOCK)


class _OwnDescription:
    """A thread's own open file description of the lock file, closed when the thread ends;
    `writing` while it holds the writer's byte."""

    __slots__ = ("fd", "writing")

    def __init__(self, fd: int):
        self.fd = fd
        self.writing = False

    def __del__(self):
        try:
            os.close(self.fd)  # releases whatever it held
        except OSError:
            pass
