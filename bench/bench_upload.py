"""Your own data: uploading a 10,000-row CSV (POST /api/v1/datasets, in-process, answer included)
and a compact step on a session over it (target: the upload under 1 s, compact steps under 5 KB).

    .venv/bin/python bench/bench_upload.py

Prints a Markdown table (copied into the README); times are medians of 5 runs. Each run uploads
new content (a different seed), so it measures parsing and storing, not the "stored already" path.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("BPLAB_DB", str(Path(tempfile.mkdtemp(prefix="bplab-bench-")) / "bench.sqlite3"))

from fastapi.testclient import TestClient  # noqa: E402

from app.main import create_app  # noqa: E402
from app.settings import load_settings  # noqa: E402

ROWS = 10_000
RUNS = 5


def csv_file(columns: int, seed: int) -> bytes:
    """ROWS rows of `columns` numbers (17 significant digits, as a program writes them) and a text label."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(ROWS, columns))
    label = np.where((x * x).sum(axis=1) < columns, "inside", "outside")
    lines = [",".join([f"x{i}" for i in range(1, columns + 1)] + ["label"])]
    lines += [",".join([*(repr(float(v)) for v in row), label[r]]) for r, row in enumerate(x)]
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    print("| file (10,000 rows) | size | POST /api/v1/datasets | compact step on it | compact step answer |")
    print("|---|---:|---:|---:|---:|")
    with TestClient(create_app(load_settings())) as client:
        for columns in (2, 20, 50):  # 50 columns of 17 digits: 9.5 MiB, near the 16 MiB limit
            times, body = [], b""
            for run in range(RUNS):
                body = csv_file(columns, seed=1000 * columns + run)
                start = time.perf_counter()
                answer = client.post("/api/v1/datasets", content=body, headers={"content-type": "text/csv"})
                times.append(time.perf_counter() - start)
                assert answer.status_code == 201, answer.text
            dataset = answer.json()
            config = {"layers": [columns, 16, 2], "activations": ["tanh", "softmax"], "loss": "cross_entropy",
                      "batch_size": 100, "data": {"dataset_id": dataset["id"], "test_fraction": 0.2}}
            session = client.post("/api/v1/sessions", json=config, params={"view": "compact"}).json()["id"]
            steps, size = [], 0
            for _ in range(50):
                start = time.perf_counter()
                step = client.post(f"/api/v1/sessions/{session}/step", params={"view": "compact"})
                steps.append(time.perf_counter() - start)
                size = len(step.content)
            print(f"| {columns} number columns + a text label | {len(body) / 2**20:.1f} MiB | {1e3 * statistics.median(times):.0f} ms "
                  f"| {1e3 * statistics.median(steps):.1f} ms | {size / 1024:.1f} KB |")


if __name__ == "__main__":
    main()
