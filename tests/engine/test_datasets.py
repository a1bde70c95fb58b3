"""The seeded toy datasets: determinism, shapes, label encodings, balance, noise, errors."""
import math
import subprocess
import sys

import numpy as np
import pytest

from app.engine import datasets
from app.engine.datasets import DATASET_NAMES, DatasetError, class_count, generate, input_width, validate

CLASSIFIERS = [name for name in DATASET_NAMES if name != "sine"]


def labels_of(targets: np.ndarray) -> np.ndarray:
    return targets[:, 0].astype(int) if targets.shape[1] == 1 else targets.argmax(axis=1)


def test_names_and_widths():
    assert DATASET_NAMES == ("xor", "circle", "gauss", "spiral", "moons", "sine")
    assert [input_width(name) for name in DATASET_NAMES] == [2, 2, 2, 2, 2, 1]


def test_class_counts():
    assert [class_count(name, 1) for name in DATASET_NAMES] == [2, 2, 2, 2, 2, None]
    assert [class_count(name, 5) for name in DATASET_NAMES] == [2, 2, 5, 5, 2, None]


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_same_seed_same_arrays_other_seed_other_arrays(name):
    first = generate(name, 50, 0.1, 7, 1)
    again = generate(name, 50, 0.1, 7, 1)
    other = generate(name, 50, 0.1, 8, 1)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_shapes_and_dtypes(name):
    inputs, targets = generate(name, 37, 0.0, 0, 1)
    assert inputs.shape == (37, input_width(name))
    assert targets.shape == (37, 1)
    assert inputs.dtype == np.float64 and targets.dtype == np.float64


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_one_unit_output_gets_a_zero_one_column(name):
    _inputs, targets = generate(name, 101, 0.0, 3, 1)
    assert set(np.unique(targets)) == {0.0, 1.0}
    # 101 samples over 2 classes: 51 and 50
    assert sorted(np.bincount(labels_of(targets))) == [50, 51]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_two_unit_output_gets_one_hot_rows(name):
    _inputs, targets = generate(name, 40, 0.0, 3, 2)
    assert targets.shape == (40, 2)
    np.testing.assert_array_equal(targets.sum(axis=1), np.ones(40))
    assert set(np.unique(targets)) == {0.0, 1.0}
    np.testing.assert_array_equal(np.bincount(labels_of(targets)), [20, 20])


@pytest.mark.parametrize("name", ["gauss", "spiral"])
def test_k_unit_output_gets_k_balanced_classes(name):
    _inputs, targets = generate(name, 301, 0.0, 1, 4)
    assert targets.shape == (301, 4)
    np.testing.assert_array_equal(targets.sum(axis=1), np.ones(301))
    counts = np.bincount(labels_of(targets), minlength=4)
    assert sorted(counts) == [75, 75, 75, 76]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classes_are_interleaved_so_small_batches_see_all(name):
    _inputs, targets = generate(name, 200, 0.0, 0, 1)
    labels = labels_of(targets)
    # A sorted label column would have one change; a shuffle has about 100.
    changes = np.count_nonzero(np.diff(labels))
    assert 60 < changes < 140
    assert all(len(set(labels[start:start + 20])) == 2 for start in range(0, 200, 20))


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_inputs_on_a_comparable_scale(name):
    inputs, _targets = generate(name, 10_000, 0.0, 0, 3 if name in ("gauss", "spiral") else 1)
    assert np.abs(inputs).max() <= 1.5
    assert np.abs(inputs).max() >= 0.5  # uses the plane, not a speck in the middle


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_noise_is_added_to_the_clean_inputs(name):
    clean_inputs, clean_targets = generate(name, 500, 0.0, 4, 1)
    noisy_inputs, noisy_targets = generate(name, 500, 0.3, 4, 1)
    np.testing.assert_array_equal(clean_targets, noisy_targets)
    difference = noisy_inputs - clean_inputs
    assert abs(difference.std() - 0.3) < 0.03
    assert abs(difference.mean()) < 0.05


def test_sine_is_sin_of_x_over_minus_pi_to_pi():
    inputs, targets = generate("sine", 200, 0.0, 0, 1)
    np.testing.assert_allclose(targets[:, 0], np.sin(inputs[:, 0]), rtol=0, atol=1e-15)
    assert inputs.min() == pytest.approx(-math.pi) and inputs.max() == pytest.approx(math.pi)
    assert np.count_nonzero(np.diff(inputs[:, 0]) < 0) > 50  # shuffled, not sorted


def test_sine_noise_goes_to_the_target():
    clean_inputs, clean_targets = generate("sine", 1000, 0.0, 2, 1)
    noisy_inputs, noisy_targets = generate("sine", 1000, 0.2, 2, 1)
    np.testing.assert_array_equal(clean_inputs, noisy_inputs)
    assert abs((noisy_targets - clean_targets).std() - 0.2) < 0.02


def test_xor_label_is_sign_disagreement():
    inputs, targets = generate("xor", 400, 0.0, 0, 1)
    expected = (np.sign(inputs[:, 0]) != np.sign(inputs[:, 1])).astype(float)
    np.testing.assert_array_equal(targets[:, 0], expected)


def test_circle_inner_disc_is_class_zero_ring_class_one():
    inputs, targets = generate("circle", 400, 0.0, 0, 1)
    radius = np.hypot(inputs[:, 0], inputs[:, 1])
    assert radius[targets[:, 0] == 0].max() <= 0.5
    assert radius[targets[:, 0] == 1].min() >= 0.7
    assert radius.max() <= 1.0


def test_gauss_clusters_sit_around_distinct_centres():
    inputs, targets = generate("gauss", 900, 0.0, 0, 3)
    centres = np.array([inputs[labels_of(targets) == k].mean(axis=0) for k in range(3)])
    np.testing.assert_allclose(np.hypot(centres[:, 0], centres[:, 1]), [0.7, 0.7, 0.7], atol=0.05)
    gaps = [np.linalg.norm(centres[i] - centres[j]) for i, j in [(0, 1), (1, 2), (0, 2)]]
    assert min(gaps) > 1.0


def test_spiral_arms_are_rotated_copies():
    inputs, targets = generate("spiral", 600, 0.0, 0, 3)
    labels = labels_of(targets)
    radius = np.hypot(inputs[:, 0], inputs[:, 1])
    angle = np.arctan2(inputs[:, 1], inputs[:, 0])
    # On arm k at radius r the angle is 2*pi*((r - 0.1)/0.9 + k/3) (mod 2*pi).
    expected = 2 * np.pi * ((radius - 0.1) / 0.9 + labels / 3)
    np.testing.assert_allclose(np.cos(angle - expected), np.ones(600), atol=1e-9)


def test_moons_are_two_half_circles():
    inputs, targets = generate("moons", 400, 0.0, 0, 1)
    centred = inputs / 0.75 + np.array([0.5, 0.25])  # back to scikit-learn's coordinates
    upper = centred[targets[:, 0] == 0]
    lower = centred[targets[:, 0] == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert upper[:, 1].min() >= 0 and lower[:, 1].max() <= 0.5


def test_one_sample_works():
    inputs, targets = generate("spiral", 1, 0.0, 0, 3)
    assert inputs.shape == (1, 2) and targets.shape == (1, 3) and targets.sum() == 1.0


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        (("xor", 10, 0.0, 0, 3), "layers", "data.dataset 'xor' has 2 classes: the output layer needs 1 unit (0/1 column) or 2 (one-hot), not 3"),
        (("moons", 10, 0.0, 0, 4), "layers", "needs 1 unit (0/1 column) or 2 (one-hot), not 4"),
        (("sine", 10, 0.0, 0, 2), "layers", "the output layer needs 1 unit, not 2"),
        (("gauss", 10, 0.0, 0, 0), "layers", "at least 1 unit"),
        (("blobs", 10, 0.0, 0, 1), "data.dataset", "choose one of xor, circle, gauss, spiral, moons, sine"),
        (("xor", 0, 0.0, 0, 1), "data.samples", "from 1 to 10000, not 0"),
        (("xor", 10_001, 0.0, 0, 1), "data.samples", "from 1 to 10000, not 10001"),
        (("xor", 2.5, 0.0, 0, 1), "data.samples", "whole number"),
        (("xor", 10, -0.1, 0, 1), "data.noise", "from 0 to 10, not -0.1"),
        (("xor", 10, 10.5, 0, 1), "data.noise", "from 0 to 10"),
        (("xor", 10, float("nan"), 0, 1), "data.noise", "not nan"),
        (("xor", 10, float("inf"), 0, 1), "data.noise", "not inf"),
        (("xor", 10, 0.0, -1, 1), "data.seed", "0 or above, not -1"),
    ],
)
def test_impossible_requests_raise_a_dataset_error_that_says_what_to_fix(args, field, words):
    with pytest.raises(DatasetError) as caught:
        generate(*args)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_validate_checks_the_input_width_too():
    validate("sine", 10, 0.0, 0, 1, n_inputs=1)
    with pytest.raises(DatasetError, match=r"'sine' has 1 input: the input layer \(layers\[0\]\) needs 1 unit, not 2"):
        validate("sine", 10, 0.0, 0, 1, n_inputs=2)
    with pytest.raises(DatasetError, match="'spiral' has 2 inputs"):
        validate("spiral", 10, 0.0, 0, 3, n_inputs=3)


def test_limits_match_the_api_contract():
    assert datasets.MAX_SAMPLES == 10_000 and datasets.MAX_NOISE == 10.0
    inputs, _targets = generate("xor", 10_000, 10.0, 0, 1)
    assert inputs.shape == (10_000, 2) and np.isfinite(inputs).all()


def test_importing_datasets_loads_no_web_framework():
    code = "import sys, app.engine.datasets; print(sorted({'fastapi', 'starlette', 'jinja2', 'pydantic'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
