"""A real `uvicorn --workers 2`: 40 concurrent steps on one session are all applied, one by one."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.settings import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_workers(tmp_path):
    port = _free_port()
    env = {**os.environ, "BPLAB_DB": str(tmp_path / "sessions.sqlite3")}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if httpx.get(base + "/api/v1/presets", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start: " + process.stderr.read().decode()[-2000:] if process.poll() is not None else "timeout")
            time.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the master and its two workers, all ours
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


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
