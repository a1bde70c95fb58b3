"""Training speed: the engine's own iteration loop and POST /train, each against a minimal
hand-written NumPy loop doing the same arithmetic in the same process (with the batch's
accuracy where the targets are classes, as a session's history has it); one step request's
latency; and how the cost grows with network width.

    .venv/bin/python bench/bench_train.py [--quick]

Prints Markdown tables (copied into the README). The loops compared with each other (minimal,
engine, /train) run back to back in ROUNDS rounds (in a rotating order). Each time shown is a
loop's fastest round, and each ratio the median of the rounds' own ratios: this machine's speed
drifts by a third within minutes, so a ratio of two fastest rounds taken minutes apart carries
that drift, while two loops run within a second of each other see the same machine. The other
times are medians.
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

from app.engine.batches import BatchSchedule  # noqa: E402
from app.engine.losses import get_loss  # noqa: E402
from app.engine.network import init_network  # noqa: E402
from app.engine.optimizers import make_optimizer  # noqa: E402
from app.engine.stepper import Stepper  # noqa: E402
from app.engine.metrics import is_classification, split_rows  # noqa: E402
from app.main import create_app  # noqa: E402
from app.sessions.session_data import build as build_session_data  # noqa: E402
from app.settings import load_settings  # noqa: E402

QUICK = "--quick" in sys.argv
HELD_OUT_ONLY = "--held-out" in sys.argv  # only the table of training with held-out rows
REPEATS = 3 if QUICK else 7
ROUNDS = 5 if QUICK else 11  # of the loops compared


def explicit_data(n_in: int, n_out: int, rows: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    inputs = rng.normal(size=(rows, n_in))
    targets = np.eye(n_out)[rng.integers(0, n_out, rows)]
    return {"inputs": inputs.tolist(), "targets": targets.tolist()}


CASES = [
    # name, config, iterations per measurement
    ("2-4-2-1 tanh, batch 10 of 500", {
        "layers": [2, 4, 2, 1], "activations": "tanh", "loss": "mse", "batch_size": 10,
        "optimizer": {"name": "sgd", "learning_rate": 0.05},
        "data": {"dataset": "circle", "samples": 500, "noise": 0.1}}, 2000),
    ("2-8-8-8-1 tanh, full batch of 500", {
        "layers": [2, 8, 8, 8, 1], "activations": "tanh", "loss": "mse",
        "optimizer": {"name": "sgd", "learning_rate": 0.05},
        "data": {"dataset": "circle", "samples": 500, "noise": 0.1}}, 1000),
    ("64-32-10 relu+softmax, batch 64", {
        "layers": [64, 32, 10], "activations": ["relu", "softmax"], "loss": "cross_entropy", "batch_size": 64,
        "optimizer": {"name": "sgd", "learning_rate": 0.05}, "init": "he",
        "data": explicit_data(64, 10, 640)}, 1000),
    ("784-256-10 relu+softmax, batch 128", {
        "layers": [784, 256, 10], "activations": ["relu", "softmax"], "loss": "cross_entropy", "batch_size": 128,
        "optimizer": {"name": "sgd", "learning_rate": 0.05}, "init": "he",
        "data": explicit_data(784, 10, 512)}, 300),
]


# --- the minimal loop: what one would write by hand, same arithmetic ----------------------------

ACT = {
    "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(np.float64)),
}


def minimal_loop(config: dict, inputs: np.ndarray, targets: np.ndarray, Ws, bs, iterations: int, test_fraction: float = 0.0) -> float:
    names = config["activations"]
    L = len(config["layers"]) - 1
    names = [names] * L if isinstance(names, str) else names
    lr = config["optimizer"]["learning_rate"]
    classes = is_classification(targets)  # of every row, as the session decides: its history then has accuracies too
    train_rows, test_rows = split_rows(len(inputs), test_fraction, config.get("seed", 0))
    x_test, y_test = inputs[test_rows], targets[test_rows]
    if test_rows.size:
        inputs, targets = inputs[train_rows], targets[train_rows]
    n = len(inputs)
    batch = config.get("batch_size") or n
    per_epoch = -(-n // batch)
    softmax_ce = names[-1] == "softmax"
    W = [None] + [w.copy() for w in Ws]
    b = [None] + [v.copy() for v in bs]
    start = time.perf_counter()
    order = np.arange(n)
    accuracy = None
    for it in range(iterations):
        epoch, slot = divmod(it, per_epoch)
        if batch < n:
            if slot == 0:
                order = np.random.default_rng([0, epoch]).permutation(n)
            rows = order[slot * batch : (slot + 1) * batch]
            x, y = inputs[rows], targets[rows]
        else:
            x, y = inputs, targets
        if test_rows.size:  # the held-out loss: one forward pass over the test rows, before the update
            h = x_test
            for l in range(1, L + 1):
                zt = h @ W[l].T + b[l]
                if l == L and softmax_ce:
                    e = np.exp(zt - zt.max(axis=1, keepdims=True))
                    h = e / e.sum(axis=1, keepdims=True)
                else:
                    h = ACT[names[l - 1]][0](zt)
            test_loss = -(y_test * np.log(h)).sum() / len(h) if softmax_ce else ((h - y_test) ** 2).mean()
            test_accuracy = hits(h, y_test) if classes else None
            del test_loss, test_accuracy
        a, z = [x], [None]
        for l in range(1, L + 1):
            zl = a[-1] @ W[l].T + b[l]
            z.append(zl)
            if l == L and softmax_ce:
                e = np.exp(zl - zl.max(axis=1, keepdims=True))
                a.append(e / e.sum(axis=1, keepdims=True))
            else:
                a.append(ACT[names[l - 1]][0](zl))
        accuracy = hits(a[L], y) if classes else None
        if softmax_ce:
            loss = -(y * np.log(a[L])).sum() / len(x)
            delta = (a[L] - y) / len(x)
        else:
            diff = a[L] - y
            loss = (diff * diff).mean()
            delta = (2.0 / diff.size) * diff * ACT[names[-1]][1](z[L], a[L])
        grads = [None] * (L + 1)
        for l in range(L, 0, -1):
            if l < L:
                delta = (delta @ W[l + 1]) * ACT[names[l - 1]][1](z[l], a[l])
            grads[l] = (delta.T @ a[l - 1], delta.sum(axis=0))
        for l in range(1, L + 1):  # the update after the whole backward pass, as backprop is defined
            W[l] -= lr * grads[l][0]
            b[l] -= lr * grads[l][1]
        del loss
    elapsed = time.perf_counter() - start
    minimal_loop.final_weights = W  # for the check that both loops did the same arithmetic
    minimal_loop.final_accuracy = accuracy
    return elapsed


def hits(y_hat: np.ndarray, y: np.ndarray) -> float:
    """The share of rows classified right, as one would write it."""
    if y.shape[1] == 1:
        return float(((y_hat > 0.5) == y).mean())
    return float((y_hat.argmax(axis=1) == y.argmax(axis=1)).mean())


def engine_loop(config: dict, applied: dict, inputs, targets, Ws, bs, iterations: int) -> float:
    network = init_network(applied["layers"], applied["activations"], weights=Ws, biases=bs)
    loss = get_loss(applied["loss"])
    loss.prepare(targets)
    optimizer = make_optimizer(applied["optimizer"])
    schedule = BatchSchedule(len(inputs), applied["batch_size"], applied["seed"])
    start = time.perf_counter()
    stepper = Stepper(network, loss, optimizer, inputs[:1], targets[:1], with_accuracy=is_classification(targets))
    for it in range(iterations):
        _rows, x, y = schedule.batch(it, inputs, targets)
        stepper.begin(x, y)
        stepper.run_iteration()
    elapsed = time.perf_counter() - start
    engine_loop.final_weights = network.W
    engine_loop.final_accuracy = stepper.trace.accuracy
    return elapsed


def engine_loop_held_out(applied: dict, inputs, targets, Ws, bs, iterations: int) -> float:
    """The engine's loop as a session runs it with held-out rows: batches of the training rows,
    the held-out loss (and the accuracies) computed at each loss step."""
    data = build_session_data(inputs, targets, applied["data"], applied["seed"])
    network = init_network(applied["layers"], applied["activations"], weights=Ws, biases=bs)
    loss = get_loss(applied["loss"])
    loss.prepare(targets)
    optimizer = make_optimizer(applied["optimizer"])
    schedule = BatchSchedule(data.train_rows.size, applied["batch_size"], applied["seed"], data.train_rows)
    start = time.perf_counter()
    stepper = Stepper(network, loss, optimizer, inputs[:1], targets[:1], data.held_out, data.with_accuracy)
    for it in range(iterations):
        _rows, x, y = schedule.batch(it, data.inputs, data.targets)
        stepper.begin(x, y)
        stepper.run_iteration()
    elapsed = time.perf_counter() - start
    engine_loop_held_out.final_weights = network.W
    return elapsed


HELD_OUT_CASES = [
    ("2-8-8-8-1 tanh, full batch, 400 + 100 held out", {
        "layers": [2, 8, 8, 8, 1], "activations": "tanh", "loss": "mse",
        "optimizer": {"name": "sgd", "learning_rate": 0.05},
        "data": {"dataset": "circle", "samples": 500, "noise": 0.1, "test_fraction": 0.2}}, 1000),
    ("64-32-10 relu+softmax, batch 64, 512 + 128 held out", {
        "layers": [64, 32, 10], "activations": ["relu", "softmax"], "loss": "cross_entropy", "batch_size": 64,
        "optimizer": {"name": "sgd", "learning_rate": 0.05}, "init": "he",
        "data": {**explicit_data(64, 10, 640), "test_fraction": 0.2}}, 1000),
]


def held_out_table(client) -> None:
    """Train's fast path with test_fraction 0.2 against the minimal loop that also computes the
    held-out loss once an iteration (target: /train within 1.3x)."""
    print("| network (test_fraction 0.2) | iterations | minimal loop | engine | engine / minimal | POST /train | /train / minimal |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, config, iterations in HELD_OUT_CASES:
        if QUICK:
            iterations = max(20, iterations // 5)
        created = client.post("/api/v1/sessions", json=config).json()
        export = client.get(f"/api/v1/sessions/{created['id']}/export").json()
        inputs, targets = np.array(export["data"]["inputs"]), np.array(export["data"]["targets"])
        Ws = [np.array(w) for w in export["weights"]]
        bs = [np.array(v) for v in export["biases"]]
        applied = created["config"]
        (minimal, engine, api), (_one, engine_ratio, api_ratio) = paired_rounds(
            lambda: minimal_loop(config, inputs, targets, Ws, bs, iterations, 0.2),
            lambda: engine_loop_held_out(applied, inputs, targets, Ws, bs, iterations),
            lambda: timed_train_request(client, config, iterations, held_out=True),
        )
        same = max(float(np.abs(m - e).max()) for m, e in zip(minimal_loop.final_weights[1:], engine_loop_held_out.final_weights[1:]))
        assert same < 1e-9, f"{name}: the loops disagree by {same}"
        print(f"| {name} | {iterations} | {1e6 * minimal / iterations:.1f} us/it | {1e6 * engine / iterations:.1f} us/it "
              f"| {engine_ratio:.2f}x | {1e6 * api / iterations:.1f} us/it | {api_ratio:.2f}x |")


def timed_train_request(client, config: dict, iterations: int, held_out: bool = False) -> float:
    """One POST /train of `iterations` on a new session, timed alone; a tool training in bulk
    asks for the compact answer (parameters, gradients, loss)."""
    session = client.post("/api/v1/sessions", json=config).json()["id"]
    start = time.perf_counter()
    answer = client.post(f"/api/v1/sessions/{session}/train?view=compact&history=1", json={"iterations": iterations})
    elapsed = time.perf_counter() - start
    assert answer.status_code == 200 and (not held_out or "test_loss" in answer.json()["history"][-1]), answer.text
    client.delete(f"/api/v1/sessions/{session}")
    return elapsed


def median_time(run, repeats=REPEATS) -> float:
    return statistics.median(run() for _ in range(repeats))


def paired_rounds(*runs, rounds=ROUNDS) -> tuple[list[float], list[float]]:
    """Each run's fastest time over `rounds` rounds of all of them back to back (the order
    rotating, so none always runs first), and the median over the rounds of each run's time
    divided by the first run's in the same round."""
    times = [[] for _ in runs]
    for round_index in range(rounds):
        order = [(round_index + k) % len(runs) for k in range(len(runs))]
        for k in order:
            times[k].append(runs[k]())
    ratios = [statistics.median(t / base for t, base in zip(taken, times[0])) for taken in times]
    return [min(taken) for taken in times], ratios


def main() -> None:
    app = create_app(load_settings())
    rows = []
    with TestClient(app) as client:
        if HELD_OUT_ONLY:
            held_out_table(client)
            return
        for name, config, iterations in CASES:
            if QUICK:
                iterations = max(20, iterations // 5)
            created = client.post("/api/v1/sessions", json=config).json()
            export = client.get(f"/api/v1/sessions/{created['id']}/export").json()
            inputs = np.array(export["data"]["inputs"])
            targets = np.array(export["data"]["targets"])
            Ws = [np.array(w) for w in export["weights"]]
            bs = [np.array(v) for v in export["biases"]]
            applied = created["config"]
            (minimal, engine, api), (_one, engine_ratio, api_ratio) = paired_rounds(
                lambda: minimal_loop(config, inputs, targets, Ws, bs, iterations),
                lambda: engine_loop(config, applied, inputs, targets, Ws, bs, iterations),
                lambda: timed_train_request(client, config, iterations),
            )
            same = max(float(np.abs(m - e).max()) for m, e in zip(minimal_loop.final_weights[1:], engine_loop.final_weights[1:]))
            assert same < 1e-9, f"{name}: the loops disagree by {same}"
            counted = (minimal_loop.final_accuracy, engine_loop.final_accuracy)
            assert counted == (None, None) or abs(counted[0] - counted[1]) < 1e-12, f"{name}: the loops count other hits {counted}"
            rows.append((name, iterations, minimal, engine, api, engine_ratio, api_ratio))

        print("| network | iterations | minimal loop | engine | engine / minimal | POST /train | /train / minimal |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, iterations, minimal, engine, api, engine_ratio, api_ratio in rows:
            print(
                f"| {name} | {iterations} | {1e6 * minimal / iterations:.1f} us/it | {1e6 * engine / iterations:.1f} us/it "
                f"| {engine_ratio:.2f}x | {1e6 * api / iterations:.1f} us/it | {api_ratio:.2f}x |"
            )

        print()
        held_out_table(client)

        print()
        print("| one step request (POST /step, full answer) | median | p90 | answer size |")
        print("|---|---:|---:|---:|")
        for preset in ("worked-example", "xor", "circle", "three-classes"):
            session = client.post("/api/v1/sessions", json={"preset": preset}).json()["id"]
            times, size = [], 0
            for _ in range(60 if QUICK else 300):
                start = time.perf_counter()
                answer = client.post(f"/api/v1/sessions/{session}/step")
                times.append(time.perf_counter() - start)
                size = len(answer.content)
            times.sort()
            print(f"| preset {preset} | {1e3 * statistics.median(times):.2f} ms | {1e3 * times[int(0.9 * len(times))]:.2f} ms | {size / 1024:.1f} KB |")

        print()
        print("| width W of 2-W-W-1 tanh, full batch of 200 | engine per iteration | one step request (compact) |")
        print("|---|---:|---:|")
        for width in (4, 16, 64, 256, 900):  # 2-900-900-1 is near the 1,000,000-parameter limit
            config = {"layers": [2, width, width, 1], "activations": "tanh", "loss": "mse",
                      "data": {"dataset": "circle", "samples": 200}}
            created = client.post("/api/v1/sessions", json=config).json()
            export = client.get(f"/api/v1/sessions/{created['id']}/export").json()
            inputs, targets = np.array(export["data"]["inputs"]), np.array(export["data"]["targets"])
            Ws = [np.array(w) for w in export["weights"]]
            bs = [np.array(v) for v in export["biases"]]
            iterations = 20 if width >= 256 else 300
            engine = median_time(lambda: engine_loop(config, created["config"], inputs, targets, Ws, bs, iterations))
            times = []
            for _ in range(40):
                start = time.perf_counter()
                client.post(f"/api/v1/sessions/{created['id']}/step?view=compact")
                times.append(time.perf_counter() - start)
            print(f"| {width} | {1e6 * engine / iterations:.0f} us | {1e3 * statistics.median(times):.2f} ms |")


if __name__ == "__main__":
    main()
