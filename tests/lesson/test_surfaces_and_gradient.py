"""Pages 2 and 3: partials of the surfaces, contour lines, and the directional derivative."""
import numpy as np
import pytest

from app.lesson.maths.contour import contour_segments
from app.lesson.maths.gradient import directional_derivatives, summarise_directions
from app.lesson.maths.surfaces import SURFACES, central_difference
from app.lesson.pages.surface_fields import SURFACE

POINTS = [(-1.5, 0.3), (0.0, 0.0), (0.4, -1.9), (1.0, 0.5), (2.0, 2.0)]


@pytest.mark.parametrize("x, y", POINTS)
def test_bowl_partials_are_two_x_and_two_y(x, y):
    bowl = SURFACES["bowl"]
    assert bowl.dfdx(x, y) == pytest.approx(2 * x)
    assert bowl.dfdy(x, y) == pytest.approx(2 * y)


@pytest.mark.parametrize("key", sorted(SURFACES))
@pytest.mark.parametrize("x, y", POINTS)
def test_closed_form_partials_match_central_differences(key, x, y):
    surface = SURFACES[key]
    numeric_x, numeric_y = central_difference(surface.fn, x, y)
    assert float(surface.dfdx(x, y)) == pytest.approx(numeric_x, abs=1e-7)
    assert float(surface.dfdy(x, y)) == pytest.approx(numeric_y, abs=1e-7)


def test_every_surface_has_a_choice_in_the_form():
    assert set(SURFACE.choices) == set(SURFACES)


def test_marching_squares_lines_lie_on_the_level_set():
    xs = ys = np.linspace(-2, 2, 41)
    gx, gy = np.meshgrid(xs, ys)
    segments = contour_segments(xs, ys, gx**2 + gy**2, 1.0)
    assert len(segments) > 20
    radii = np.hypot(segments[:, [0, 2]], segments[:, [1, 3]])
    assert np.allclose(radii, 1.0, atol=0.01)


def test_marching_squares_splits_a_saddle_cell():
    # one cell, diagonal corners above: two separate segments
    z = np.array([[1.0, 0.0], [0.0, 1.0]])
    segments = contour_segments(np.array([0.0, 1.0]), np.array([0.0, 1.0]), z, 0.5)
    assert segments.shape == (2, 4)


@pytest.mark.parametrize("key", sorted(SURFACES))
@pytest.mark.parametrize("x, y", [(1.0, 0.5), (-1.2, 1.7), (0.3, -0.8)])
def test_directional_derivative_is_largest_along_the_gradient(key, x, y):
    surface = SURFACES[key]
    summary = summarise_directions(surface, x, y)
    grad = surface.gradient(x, y)
    norm = float(np.hypot(*grad))
    # sampled every degree: the best direction is within half a degree of the gradient's
    assert summary.best_value == pytest.approx(norm, rel=1e-4)
    assert summary.worst_value == pytest.approx(-norm, rel=1e-4)
    gap = (summary.best_angle_deg - summary.grad_angle_deg + 180) % 360 - 180
    assert abs(gap) <= 0.5 + 1e-9
    # exactly along the gradient the slope is |grad|; across it, 0
    angle = np.arctan2(grad[1], grad[0])
    along, across = directional_derivatives(surface, x, y, np.array([angle, angle + np.pi / 2]))
    assert along == pytest.approx(norm)
    assert across == pytest.approx(0, abs=1e-12)
