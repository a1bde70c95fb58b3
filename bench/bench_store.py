"""In-process cost of one session request (issue 8): SessionService.step and get on a cached
2-4-2-1 tanh session (batches of 10 of 500 xor points, compact answer), beside the engine's own
step (Runtime.step with nothing stored or answered), medians over interleaved rounds.

    .venv/bin/python bench/bench_store.py [--memory]

Target (issue 8): SessionService.step <= 150 us median. --memory also measures the RSS that
10,000 idle sessions of the worked example add to a process (target: under 200 MB), each one
created and stepped once, so each is a live runtime of the working set.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.sessions.service import SessionService  # noqa: E402
from app.sessions.sqlite_store import SQLiteSessionStore  # noqa: E402

CONFIG = {"layers": [2, 4, 2, 1], "activations": "tanh", "loss": "mse", "batch_size": 10,
          "optimizer": {"name": "sgd", "learning_rate": 0.05}, "data": {"dataset": "xor", "samples": 500, "noise": 0.1}}
ROUNDS, PER_ROUND = 20, 200


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        service = SessionService(SQLiteSessionStore(Path(tmp) / "bench.sqlite3"))
        sid = service.create(CONFIG, view="compact")["id"]
        service.step(sid, count=100, view="compact")
        engine = service.working_set.get(sid, service.version(sid))
        times = {"SessionService.step (compact)": [], "SessionService.get (compact)": [], "engine step alone": []}
        for _ in range(ROUNDS):
            for name, call in (("SessionService.step (compact)", lambda: service.step(sid, view="compact")),
                               ("SessionService.get (compact)", lambda: service.get(sid, view="compact"))):
                for _ in range(PER_ROUND):
                    started = time.perf_counter()
                    call()
                    times[name].append(time.perf_counter() - started)
        runtime = service._load(sid)  # a private copy: stepping it stores nothing
        for _ in range(ROUNDS * PER_ROUND):
            started = time.perf_counter()
            runtime.step()
            times["engine step alone"].append(time.perf_counter() - started)
        del engine
    print("| in-process, 2-4-2-1 tanh, batch 10 of 500 | median | p90 |")
    print("|---|---:|---:|")
    for name, values in times.items():
        values.sort()
        print(f"| {name} | {statistics.median(values) * 1e6:.0f} us | {values[int(len(values) * 0.9)] * 1e6:.0f} us |")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def memory(sessions: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        service = SessionService(SQLiteSessionStore(Path(tmp) / "bench.sqlite3"))
        service.step(service.create({"preset": "worked-example"}, view="compact")["id"], view="compact")
        before = rss_mb()
        for _ in range(sessions):
            service.step(service.create({"preset": "worked-example"}, view="compact")["id"], view="compact")
        print(f"\n{sessions:,} worked-example sessions, each stepped once: RSS +{rss_mb() - before:.0f} MB, "
              f"{len(service.working_set):,} live in the working set ({service.working_set.nbytes / 2**20:.0f} MiB by its estimate)")


if __name__ == "__main__":
    main()
    if "--memory" in sys.argv:
        memory()
