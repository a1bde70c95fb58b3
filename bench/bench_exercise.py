"""The lesson's exercise at larger sizes: one full gradient by backprop vs central differences.

Prints a table (parameters, best-of times, ratio, ratio per parameter, max relative error) and the
log-log slope of the ratio against the parameter count (about 1: the ratio grows linearly).
Run: .venv/bin/python bench/bench_exercise.py [--quick]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.lesson.maths.exercise import PAGE_SIZES, growth_fit, time_gradients  # noqa: E402

LARGER_SIZES = (
    (64, 64, 16),
    (64, 96, 32),
    (128, 64, 32),
    (64, 128, 64, 16),
    (128, 128, 64),
)


def main() -> None:
    quick = "--quick" in sys.argv
    sizes_list = PAGE_SIZES if quick else PAGE_SIZES + LARGER_SIZES
    print(f"{'layers':>18} {'params':>7} {'backprop ms':>12} {'differences ms':>15} {'ratio':>9} {'ratio/param':>12} {'max rel err':>12}")
    timings = []
    started = time.perf_counter()
    for sizes in sizes_list:
        # the differences cost seconds at the top sizes: one run there, the best of three below
        t = time_gradients(sizes, repeats=3 if sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) < 5000 else 1)
        timings.append(t)
        print(
            f"{'-'.join(map(str, t.sizes)):>18} {t.parameters:>7} {t.backprop_seconds * 1e3:>12.3f} "
            f"{t.numeric_seconds * 1e3:>15.1f} {t.ratio:>9.0f} {t.ratio_per_parameter:>12.3f} {t.max_rel_error:>12.2e}",
            flush=True,
        )
    print(f"log-log slope of ratio vs parameters: {growth_fit(timings):.2f}  (1 = linear)")
    print(f"worst relative error: {max(t.max_rel_error for t in timings):.2e}; total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
