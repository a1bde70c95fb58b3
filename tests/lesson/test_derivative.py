"""Page 1: secant slopes against closed-form derivatives, and the float64 round-off at dx = 1e-8."""
import numpy as np
import pytest

from app.lesson.maths.derivative import secant_row, secant_slope, secant_table
from app.lesson.maths.functions import FUNCTIONS


def test_two_x_squared_at_one_and_a_half_has_derivative_six():
    function = FUNCTIONS["2x2"]
    assert function.grad(1.5) == 6.0
    # (2(x+dx)^2 - 2x^2)/dx = 4x + 2dx exactly: the secant slope at dx = 0.1 is 6.2
    dy, slope = secant_slope(function, 1.5, 0.1)
    assert dy == pytest.approx(0.62, abs=1e-12)
    assert slope == pytest.approx(6.2, abs=1e-12)
    assert abs(secant_slope(function, 1.5, 1e-5)[1] - 6) < 1e-4


def test_error_shrinks_tenfold_with_dx_until_round_off():
    rows = dict(secant_table(FUNCTIONS["2x2"], 1.5, 0))
    for k in range(0, 6):
        assert rows[k].error == pytest.approx(2 * 10.0**-k, rel=1e-3)  # truncation: exactly 2 dx
        assert not rows[k].round_off


def test_round_off_really_shows_at_the_smallest_dx():
    row = secant_row(FUNCTIONS["2x2"], 1.5, 1e-8)
    # exact arithmetic would give 6 + 2e-8; float64 as written gives something visibly different
    assert row.truncation == pytest.approx(2e-8)
    assert abs(row.error - 2e-8) > 1e-8
    assert row.round_off


def test_a_straight_line_has_no_truncation_error_only_round_off():
    rows = dict(secant_table(FUNCTIONS["3x"], 1.5, 0))
    assert rows[0].error == 0
    assert abs(rows[8].error) > 1e-10  # cancellation in 3(x0 + dx) - 3 x0
    assert rows[8].round_off


@pytest.mark.parametrize("key", sorted(FUNCTIONS))
@pytest.mark.parametrize("x0", [-2.0, -0.3, 0.7, 1.5, 2.5])
def test_exact_derivatives_match_central_differences(key, x0):
    function = FUNCTIONS[key]
    h = 1e-6
    central = (function.fn(x0 + h) - function.fn(x0 - h)) / (2 * h)
    assert float(function.grad(x0)) == pytest.approx(float(central), rel=1e-6, abs=1e-6)
    second = (function.grad(x0 + h) - function.grad(x0 - h)) / (2 * h)
    assert float(function.grad2(x0)) == pytest.approx(float(second), rel=1e-5, abs=1e-5)


def test_table_includes_a_half_step_dx_in_order():
    exps = [k for k, _row in secant_table(FUNCTIONS["sin"], 0.5, 4.5)]
    assert exps == [0, 1, 2, 3, 4, 4.5, 5, 6, 7, 8]
    assert np.all(np.diff(exps) > 0)
