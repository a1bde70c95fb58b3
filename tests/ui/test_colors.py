"""The colour scale's two paths (NumPy for many values, Python for a layer's few) agree exactly."""
from __future__ import annotations

import numpy as np

from app.ui import colors


def numpy_hex(t) -> list[str]:
    return [colors.to_hex(rgb) for rgb in colors.diverging_rgb(np.asarray(t, dtype=float)).reshape(-1, 3)]


def test_the_small_path_equals_numpys():
    rng = np.random.default_rng(0)
    edges = [0.0, -0.0, 1.0, -1.0, 1.5, -7.0, 0.5, -0.5, 1e-12, -1e-12]
    # values whose channel lands on .5 exactly before rounding (round half to even, as np.rint)
    halves = [k / 224.0 for k in range(-224, 225, 7)] + [k / 0.5 / 113 for k in range(-50, 50, 3)]
    for values in [edges, halves, *(rng.uniform(-1.3, 1.3, size=n) for n in (1, 4, 17, colors.SMALL))]:
        assert colors.diverging_hex_many(np.asarray(values)) == numpy_hex(values)


def test_many_values_and_non_finite_ones_take_numpy():
    values = np.linspace(-1, 1, colors.SMALL + 5)
    assert colors.diverging_hex_many(values) == numpy_hex(values)
    assert len(colors.diverging_hex_many(np.array([[0.1, 0.2], [0.3, 0.4]]))) == 4


def test_tinting_by_lookup_equals_the_arithmetic():
    every = np.arange(256, dtype=np.uint8).reshape(-1, 1).repeat(3, axis=1)
    arithmetic = np.rint(every + (colors.WHITE - every) * colors.TINT).astype(np.uint8)
    assert (colors.tinted(every) == arithmetic).all()
    assert (colors.tinted(every.astype(float)) == arithmetic).all()  # the arithmetic path


def test_a_maps_scale_by_lookup_is_the_arithmetic_within_one_channel_unit():
    t = np.concatenate([np.random.default_rng(1).uniform(-1.5, 1.5, 20_000), [-1.0, 0.0, 1.0, -3.0, 3.0]]).reshape(-1, 5)
    exact = colors.tinted(colors.diverging_rgb(t)).astype(int)
    looked_up = colors.tinted_diverging_rgb(t)
    assert looked_up.shape == t.shape + (3,) and looked_up.dtype == np.uint8
    assert np.abs(looked_up.astype(int) - exact).max() <= 1
    assert (looked_up[-1] == exact[-1]).all()  # the ends, the middle and clipped values exactly
    levels = np.linspace(-1.0, 1.0, colors.MAP_LEVELS)
    assert (colors.tinted_diverging_rgb(levels) == colors.tinted(colors.diverging_rgb(levels))).all()
