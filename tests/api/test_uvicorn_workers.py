"""A real `uvicorn --workers 2`: 40 concurrent steps on one session are all applied, one by one."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests import servers
from tests.backends import backend_env
from tests.servers import stop


def start_uvicorn(db, *extra) -> tuple[subprocess.Popen, str]:
    """uvicorn app.main:app on a free loopback port, in its own process group (stop() reaches its workers)."""
    # a shared CI machine under load starts two workers slowly
    return servers.start_uvicorn(list(extra), {**os.environ, **backend_env(db)}, timeout=120, own_group=True)


@pytest.fixture
def two_workers(tmp_path):
    process, base = start_uvicorn(tmp_path / "sessions.sqlite3", "--workers", "2")
    try:
        yield base
    finally:
        stop(process)


def test_40_concurrent_steps_on_two_workers(two_workers):
    base = two_workers
    with httpx.Client(base_url=base, timeout=30) as client:
        sid = client.post("/api/v1/sessions", json={"preset": "xor"}).json()["id"]  # 2-2-1: 6 steps an iteration

    def one_step(_):
        with httpx.Client(base_url=base, timeout=30) as c:
            return c.post(f"/api/v1/sessions/{sid}/step", params={"view": "compact"}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(one_step, range(40)))
    assert codes == [200] * 40
    with httpx.Client(base_url=base, timeout=30) as client:
        doc = client.get(f"/api/v1/sessions/{sid}").json()
        assert doc["iteration"] == 6 and doc["last_step"] == {"phase": "backward", "layer": 2}  # 40 = 6*6 + 4
        assert len(doc["history"]) == 6
        reference = client.post("/api/v1/sessions", json={"preset": "xor"}).json()["id"]
        expected = client.post(f"/api/v1/sessions/{reference}/step", json={"count": 40}).json()
        assert doc["layers"] == expected["layers"] and doc["history"] == expected["history"]


def test_a_killed_server_loses_nothing_it_answered(tmp_path):
    """kill -9 the server: after a restart on the same file, the session is exactly as last answered."""
    db = tmp_path / "sessions.sqlite3"
    process, base = start_uvicorn(db)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            sid = client.post("/api/v1/sessions", json={"preset": "circle"}).json()["id"]
            client.post(f"/api/v1/sessions/{sid}/train", json={"iterations": 30})
            last = client.post(f"/api/v1/sessions/{sid}/step", json={"count": 3}).json()
    finally:
        stop(process, signal.SIGKILL)
    process, base = start_uvicorn(db)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get(f"/api/v1/sessions/{sid}").json() == last
            back = client.post(f"/api/v1/sessions/{sid}/back")
            assert back.status_code == 200 and back.json()["last_step"] == {"phase": "forward", "layer": 2}
    finally:
        stop(process)


def test_kill_9_during_a_stream_of_steps_keeps_every_answered_step(tmp_path):
    """Steps stream from two clients while the server is killed: after a restart the session is
    at the last answered version (or the one after, answered by a commit the kill cut off), and
    each answered state is still there, step by step back through the undo history."""
    import threading

    db = tmp_path / "sessions.sqlite3"
    process, base = start_uvicorn(db, "--workers", "2")
    answered: dict[int, dict] = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        sid = client.post("/api/v1/sessions", json={"preset": "xor"}).json()["id"]

    def stream():
        with httpx.Client(base_url=base, timeout=30) as c:
            while True:
                try:
                    response = c.post(f"/api/v1/sessions/{sid}/step", params={"view": "compact"})
                except httpx.HTTPError:
                    return
                if response.status_code == 200:
                    answered[response.json()["version"]] = response.json()

    clients = [threading.Thread(target=stream) for _ in range(2)]
    for t in clients:
        t.start()
    deadline = time.monotonic() + 120
    while len(answered) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop(process, signal.SIGKILL)
    for t in clients:
        t.join(30)
    last = max(answered)
    assert last >= 40
    process, base = start_uvicorn(db)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            now = client.get(f"/api/v1/sessions/{sid}", params={"view": "compact"}).json()
            assert now["version"] in (last, last + 1)
            if now["version"] == last + 1:  # committed, its answer cut off by the kill
                now = client.post(f"/api/v1/sessions/{sid}/back", params={"view": "compact"}).json()
            for version in range(last, last - 30, -1):  # back through the answered states
                assert {**now, "version": None} == {**answered[version], "version": None}
                now = client.post(f"/api/v1/sessions/{sid}/back", params={"view": "compact"}).json()
    finally:
        stop(process)
