"""A request holds at most about 3x its body: measured as the peak RSS of a real server process.

The largest allowed body (just under the 256 MiB limit: 10,000 rows of 1,024 numbers written
as a JSON serializer writes float64) is created, and a 40 MB body is refused; the server's
peak resident memory (VmHWM) may grow by at most three times the body in each.
"""
from __future__ import annotations

import os
from pathlib import Path

import httpx
import numpy as np
import orjson
import pytest

from app.settings import Settings
from tests.servers import start_uvicorn, stop

MAX_RATIO = 3.0


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc")


@pytest.fixture
def server(tmp_path):
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc to read a process's peak memory")
    process, base = start_uvicorn(["--no-access-log"], {**os.environ, "BPLAB_DB": str(tmp_path / "sessions.sqlite3")})
    httpx.post(base + "/api/v1/sessions", json={"preset": "xor"}, timeout=30)  # warm up imports and caches
    yield base, process.pid
    stop(process, timeout=30)


def _row_values(width: int) -> np.ndarray:
    return np.random.default_rng(0).uniform(-1, 1, size=width)


def _body(rows: int, width: int, targets_width: int) -> bytes:
    """A Config whose explicit data is `rows` rows of `width` float64 numbers in full precision."""
    values = _row_values(width)
    row = ("[" + ", ".join(f"{v:.17e}" for v in values) + "]").encode()
    target = ("[" + ", ".join(["0.5"] * targets_width) + "]").encode()
    head = b'{"layers": [%d, 1], "activations": "sigmoid", "loss": "mse", "batch_size": 900, "data": {"inputs": [' % width
    return head + b", ".join([row] * rows) + b'], "targets": [' + b", ".join([target] * rows) + b"]}}"


def _post(base: str, pid: int, body: bytes) -> tuple[httpx.Response, float]:
    before = _peak_rss(pid)
    answer = httpx.post(
        base + "/api/v1/sessions", params={"view": "compact"}, content=body,
        headers={"content-type": "application/json"}, timeout=300,
    )
    return answer, (_peak_rss(pid) - before) / len(body)


def test_the_largest_allowed_body_holds_at_most_3x_its_size(server):
    base, pid = server
    body = _body(10_000, 1024, 1)
    assert 0.9 * Settings.max_body_bytes < len(body) <= Settings.max_body_bytes
    answer, ratio = _post(base, pid, body)
    assert answer.status_code == 201, answer.text[:500]
    dataset_id = orjson.loads(answer.content)["config"]["data"]["dataset_id"]  # rows are not echoed (API.md v1.1)
    inputs = orjson.loads(httpx.get(f"{base}/api/v1/datasets/{dataset_id}", timeout=300).content)["inputs"]
    assert len(inputs) == 10_000 and inputs[-1] == list(_row_values(1024))  # every digit kept
    print(f"peak RSS grew by {ratio:.2f}x the {len(body) / 2**20:.0f} MiB body")
    assert ratio <= MAX_RATIO, f"the server's peak memory grew by {ratio:.2f}x the body"


def test_a_refused_40_mb_body_holds_at_most_3x_its_size(server):
    base, pid = server
    body = _body(1_600, 1024, 2)  # targets 2 wide for a 1-unit output: refused after parsing
    assert len(body) > 40 * 10**6
    answer, ratio = _post(base, pid, body)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][:3] == ["body", "data", "targets"], answer.text[:500]
    assert len(answer.content) < 2000  # the refusal does not echo the body
    print(f"peak RSS grew by {ratio:.2f}x the {len(body) / 2**20:.0f} MiB body")
    assert ratio <= MAX_RATIO, f"the server's peak memory grew by {ratio:.2f}x the body"
