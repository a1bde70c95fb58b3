"""Pages 4 and 5: the chain rule against its closed form, and gradient descent's verdicts."""
import numpy as np
import pytest

from app.lesson.maths.chain_rule import chain_rule_at, worked_example_edge
from app.lesson.maths.descent import LOSSES, axis_factors, classify, run_descent


@pytest.mark.parametrize("x", [-2.0, -1.3, -0.2, 0.0, 0.75, 1.3, 2.0])
def test_chain_rule_product_is_the_closed_form(x):
    numbers = chain_rule_at(x)
    assert numbers.u == pytest.approx(x * x - 1)
    assert numbers.du_dx == pytest.approx(2 * x)
    assert numbers.df_du == pytest.approx(-np.sin(x * x - 1))
    assert numbers.product == pytest.approx(-np.sin(x * x - 1) * 2 * x, abs=1e-15)
    assert numbers.central == pytest.approx(numbers.product, abs=1e-8)


def test_worked_example_edge_is_the_chain_rule_and_matches_backprop():
    edge = worked_example_edge()
    # Mazur's worked example: dE/dw5 = 0.74136507 * 0.186815602 * 0.593269992 = 0.082167041
    assert edge.weight == 0.4
    assert edge.dL_da == pytest.approx(0.74136507, abs=1e-8)
    assert edge.da_dz == pytest.approx(0.186815602, abs=1e-8)
    assert edge.dz_dw == pytest.approx(0.593269992, abs=1e-8)
    assert edge.product == pytest.approx(0.082167041, abs=1e-9)
    assert edge.backprop == pytest.approx(edge.product, rel=1e-12)


def test_curvatures_are_the_largest_hessian_eigenvalues():
    assert LOSSES["bowl"].curvature == 1.0
    assert LOSSES["valley"].curvature == 10.0


def test_bowl_path_shrinks_by_one_minus_lr_each_step():
    run = run_descent(LOSSES["bowl"], (3.0, -2.0), 0.3, 5)
    expected = np.array([3.0, -2.0]) * 0.7 ** np.arange(6)[:, None]
    assert np.allclose(run.path, expected)
    assert np.allclose(run.losses, 0.5 * (expected**2).sum(axis=1))


@pytest.mark.parametrize("key", ["bowl", "valley"])
def test_converges_for_a_small_rate_and_diverges_above_two_over_curvature(key):
    loss = LOSSES[key]
    limit = 2 / loss.curvature
    small = run_descent(loss, (-4.0, 2.0), 0.1 * limit, 50)
    assert small.verdict == "converges"
    assert np.all(np.diff(small.losses) < 0)
    assert small.losses[-1] < 0.1 * small.losses[0]
    for lr in (1.05 * limit, 1.5 * limit):
        fast = run_descent(loss, (-4.0, 2.0), lr, 50)
        assert fast.verdict == "diverges", lr
        assert fast.losses[-1] > fast.losses[0]
    just_below = run_descent(loss, (-4.0, 2.0), 0.95 * limit, 50)
    assert just_below.verdict in ("converges", "oscillates")
    assert just_below.losses[-1] < just_below.losses[0]


def test_oscillation_is_named_along_the_steep_axis():
    run = run_descent(LOSSES["valley"], (-4.0, 2.0), 0.15, 15)
    assert run.verdict == "oscillates"
    assert run.oscillating_axes == ("y",)
    assert np.all(np.sign(run.path[1:, 1]) * np.sign(run.path[:-1, 1]) < 0)
    assert list(axis_factors(LOSSES["valley"], 0.15)) == pytest.approx([0.85, -0.5])


def test_rate_exactly_at_the_limit_bounces_forever():
    run = run_descent(LOSSES["bowl"], (1.0, 1.0), 2.0, 6)
    assert run.verdict == "stalls"
    assert np.allclose(run.losses, run.losses[0])


def test_divergence_stops_before_overflow():
    run = run_descent(LOSSES["valley"], (1.0, 1.0), 2.5, 100)
    assert run.blew_up and run.verdict == "diverges"
    assert np.all(np.isfinite(run.losses))
    assert len(run.path) < 101


def test_no_steps_is_the_start():
    assert classify(np.array([[1.0, 1.0]]), np.array([1.0])) == ("start", ())
