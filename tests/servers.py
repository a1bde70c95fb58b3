"""A real uvicorn for the tests that need sockets: on a free loopback port, and surely ours.

A free port is found by binding port 0 and letting it go, so another test's server may take it
before ours binds it. Then ours exits ("address already in use") while the other one answers
our readiness probe: the test would talk to the wrong server. So a server counts as started
only when our process itself listens on the port (Linux's /proc), and one that lost its port
is started again on another.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.settings import PROJECT_ROOT

ATTEMPTS = 5  # ports tried before giving up


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_uvicorn(args: list[str], env: dict, port: int | None = None, timeout: float = 30,
                  own_group: bool = False) -> tuple[subprocess.Popen, str]:
    """`python -m uvicorn app.main:app *args` on 127.0.0.1 (a free port unless `port` is given);
    answers the process and its base URL once it listens and answers /api/v1/presets.
    own_group: in its own process group (stop() signals the workers too)."""
    for attempt in range(ATTEMPTS):
        chosen = port or free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", *args, "--host", "127.0.0.1", "--port", str(chosen)],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=own_group,
        )
        base = f"http://127.0.0.1:{chosen}"
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode()
                if "address already in use" in error.lower() and port is None and attempt + 1 < ATTEMPTS:
                    break  # another test's server took the port first: another port
                raise RuntimeError("uvicorn did not start: " + error[-2000:])
            if _listens(process.pid, chosen) and _answers(base):
                return process, base
            if time.monotonic() > deadline:
                stop(process, signal.SIGKILL)
                raise RuntimeError("uvicorn did not start: " + process.stderr.read().decode()[-2000:])
            time.sleep(0.1)
    raise AssertionError("unreachable")  # the last attempt raises


def stop(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 10) -> None:
    """Signals the server (its process group when it has its own), then reaps it."""
    if process.poll() is not None:
        return
    group = os.getpgid(process.pid) == process.pid
    try:
        os.killpg(process.pid, sig) if group else process.send_signal(sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL) if group else process.kill()
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


def _answers(base: str) -> bool:
    try:
        return httpx.get(base + "/api/v1/presets", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _listens(pid: int, port: int) -> bool:
    """Whether process `pid` holds the listening socket of 127.0.0.1:port (uvicorn's main
    process binds it, its workers inherit it)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and local == f"0100007F:{port:04X}":  # LISTEN on 127.0.0.1:port
            inodes.add(f"socket:[{inode}]")
    if not inodes:
        return False
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:  # exited meanwhile, or an fd closed while we looked
        return False
