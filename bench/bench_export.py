"""The PyTorch export: server time of GET /export?format=pytorch (and ipynb) and its size, from the
presets to a 784-256-10 network on 1,000 rows of 784 columns with Adam's state (the program embeds
every parameter, every state vector and every data row, each as its shortest exact text).

Run: .venv/bin/python bench/bench_export.py (in-process, medians of a few runs)
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402

API = "/api/v1"


def large_config() -> dict:
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(1000, 784)).round(3).tolist()
    targets = np.eye(10)[rng.integers(0, 10, 1000)].tolist()
    return {"layers": [784, 256, 10], "activations": ["relu", "softmax"], "loss": "cross_entropy",
            "optimizer": {"name": "adam"}, "batch_size": 128, "data": {"inputs": inputs, "targets": targets}}


CASES = [
    ("worked-example", {"preset": "worked-example"}, 5),
    ("spiral (2-16-16-3, Adam, 30 of 300 rows)", {"preset": "spiral"}, 5),
    ("784-256-10, Adam, 128 of 1,000 rows of 784", None, 3),
]


def main() -> None:
    with TestClient(create_app(Settings(db_path=Path(tempfile.mkdtemp()) / "bench.sqlite3"))) as client:
        print(f"{'session':<44} {'format':>8} {'median ms':>10} {'size':>10}")
        for name, body, runs in CASES:
            session_id = client.post(f"{API}/sessions", json=body or large_config()).json()["id"]
            client.post(f"{API}/sessions/{session_id}/train", json={"iterations": 3})
            for export_format in ("pytorch", "ipynb"):
                times, size = [], 0
                for _ in range(runs):
                    started = time.perf_counter()
                    answer = client.get(f"{API}/sessions/{session_id}/export", params={"format": export_format})
                    times.append(time.perf_counter() - started)
                    size = len(answer.content)
                print(f"{name:<44} {export_format:>8} {statistics.median(times) * 1e3:>10.1f} {size / 1e6:>8.2f} MB", flush=True)


if __name__ == "__main__":
    main()
