"""Page 6: backprop and central differences compute the same gradient (timing lives in bench/)."""
import pytest

from app.lesson.maths.exercise import PAGE_SIZES, make_problem, max_relative_error, time_gradients
from app.engine.gradients import backprop_gradients, numeric_gradients


@pytest.mark.parametrize("sizes", [PAGE_SIZES[0], PAGE_SIZES[2], (3, 5, 4, 2)])
def test_backprop_and_central_differences_agree(sizes):
    network, loss, x, y = make_problem(sizes)
    _value, dW, db = backprop_gradients(network, loss, x, y)
    dW_n, db_n = numeric_gradients(network, loss, x, y)
    assert max_relative_error(dW, db, dW_n, db_n) < 1e-6


def test_a_wrong_gradient_is_caught():
    network, loss, x, y = make_problem((2, 4, 1))
    _value, dW, db = backprop_gradients(network, loss, x, y)
    dW_n, db_n = numeric_gradients(network, loss, x, y)
    dW[1][0, 0] *= 1.5
    assert max_relative_error(dW, db, dW_n, db_n) > 0.1


def test_timing_row_counts_parameters_and_reports_agreement():
    timing = time_gradients((4, 8, 2), repeats=1)
    assert timing.parameters == 4 * 8 + 8 + 8 * 2 + 2
    assert timing.backprop_seconds > 0 and timing.numeric_seconds > 0
    assert timing.max_rel_error < 1e-6


def test_page_sizes_span_ten_to_a_few_thousand_parameters():
    counts = [sum(a * b + b for a, b in zip(s[:-1], s[1:])) for s in PAGE_SIZES]
    assert counts == sorted(counts)
    assert counts[0] <= 10 and 2000 <= counts[-1] <= 5000
