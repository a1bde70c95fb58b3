"""In-process cost of the page step (issue 8): bench_http's page request without HTTP, in one thread.

64 sessions of 2-4-2-1 tanh (batches of 10 of 500 xor points), each request stepping the next
session as the Step button does (HX-Request and the state token the page shows, so the answer is
the light out-of-band update). Prints the mean and median per request and the mean answer size,
then the same per step of the 8-step cycle (1 = forward 1 with a new batch, 8 = the update), whose
answers also carry the data plot and the loss curve.

    .venv/bin/python bench/bench_page_step.py [requests]
"""
from __future__ import annotations

import collections
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402
from starlette.requests import Request  # noqa: E402

from app.lab.stepping import step_session  # noqa: E402
from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402

CONFIG = {"layers": [2, 4, 2, 1], "activations": "tanh", "loss": "mse", "batch_size": 10,
          "optimizer": {"name": "sgd", "learning_rate": 0.05}, "data": {"dataset": "xor", "samples": 500, "noise": 0.1}}
SESSIONS = 64
SEEN = re.compile(rb'id="seen" name="seen" value="([^"]+)"')
POSITION = re.compile(rb'data-position="(\d+)"')


def main(requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, TestClient(create_app(Settings(db_path=Path(tmp) / "bench.sqlite3"))) as client:
        app = client.app
        service = app.state.sessions
        ids = [service.create(CONFIG, view="compact")["id"] for _ in range(SESSIONS)]
        seen = dict.fromkeys(ids, "")

        def step(session_id: str):
            scope = {"type": "http", "method": "POST", "path": f"/s/{session_id}/step", "headers": [(b"hx-request", b"true")],
                     "query_string": b"", "app": app, "router": app.router}
            answer = step_session(Request(scope), session_id, service, {"focus": "0", "seen": seen[session_id]})
            seen[session_id] = SEEN.search(answer.body).group(1).decode()
            return answer

        for k in range(2 * SESSIONS):  # every session live, every cache warm
            step(ids[k % SESSIONS])
        times, sizes = collections.defaultdict(list), collections.defaultdict(list)
        for k in range(requests):
            started = time.perf_counter()
            answer = step(ids[k % SESSIONS])
            elapsed = time.perf_counter() - started
            position = int(POSITION.search(answer.body).group(1))
            times[position].append(elapsed)
            sizes[position].append(len(answer.body))
        every = [t for ts in times.values() for t in ts]
        print(f"page step: mean {statistics.mean(every) * 1e3:.2f} ms, median {statistics.median(every) * 1e3:.2f} ms, "
              f"mean size {statistics.mean(s for ss in sizes.values() for s in ss) / 1e3:.1f} KB")
        for position in sorted(times):
            print(f"  step {position} of the cycle: mean {statistics.mean(times[position]) * 1e3:.2f} ms, "
                  f"median {statistics.median(times[position]) * 1e3:.2f} ms, {statistics.mean(sizes[position]) / 1e3:.1f} KB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1280)
