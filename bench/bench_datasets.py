"""How long app.engine.datasets.generate takes for the largest request (10,000 samples).

Target: well under 10 ms per call. Run from the project root: .venv/bin/python bench/bench_datasets.py
"""
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine.datasets import DATASET_NAMES, generate  # noqa: E402

SAMPLES = 10_000
REPEAT, NUMBER = 5, 20


def main() -> None:
    print(f"{'dataset':<8} {'outputs':>7} {'noise':>5} {'best ms':>8} {'median ms':>9}")
    for name in DATASET_NAMES:
        n_outputs = 3 if name in ("gauss", "spiral") else 1
        for noise in (0.0, 0.2):
            times = timeit.repeat(lambda: generate(name, SAMPLES, noise, 0, n_outputs), repeat=REPEAT, number=NUMBER)
            per_call = sorted(t / NUMBER * 1000 for t in times)
            print(f"{name:<8} {n_outputs:>7} {noise:>5} {per_call[0]:>8.2f} {per_call[len(per_call) // 2]:>9.2f}")


if __name__ == "__main__":
    main()
