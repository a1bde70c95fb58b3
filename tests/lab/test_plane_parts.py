"""A step's light answer sends only the parts of the data plot it changed: a new batch its
outlined points, a boundary's update its maps (the plane and its 400 points stay put), a fitted
curve's update the whole plot (its y axis follows the curve). The page the session shows after
each step holds the same circles and maps."""
from __future__ import annotations

import re

import pytest

from app.lab import plots

XOR_BATCHES = {"layers": [2, 4, 2, 1], "activations": "tanh", "loss": "mse", "batch_size": 10,
               "optimizer": {"name": "sgd", "learning_rate": 0.05}, "data": {"dataset": "xor", "samples": 500, "noise": 0.1}}


def seen_token(html: str) -> str:
    return re.search(r'id="seen" name="seen" value="([^"]+)"', html).group(1)


def group(html: str, group_id: str) -> str | None:
    found = re.search(r'<g id="%s"[^>]*>(.*?)</g>' % group_id, html, re.S)
    return None if found is None else found.group(1)


def circles(svg: str) -> list[tuple[str, float, float]]:
    return [(kind, float(cx), float(cy)) for kind, cx, cy in re.findall(r'<circle class="([^"]+)" cx="([^"]+)" cy="([^"]+)"', svg)]


def on_plane(values, lo_hi) -> list[float]:
    lo, hi = lo_hi
    return [round((v - lo) / (hi - lo) * plots.PLANE, 1) for v in values]


def step_light(client, session_id: str, html: str) -> str:
    response = client.post(f"/s/{session_id}/step", data={"focus": "0", "seen": seen_token(html)}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers.get("HX-Reswap") == "none"
    return response.text


def test_a_boundary_sends_its_batch_on_a_new_batch_and_its_maps_on_an_update(client):
    session_id = client.post("/api/v1/sessions", json=XOR_BATCHES).json()["id"]
    page = client.get(f"/s/{session_id}").text
    inputs = client.app.state.sessions.dataset(session_id)[0]
    x_range, y_range = plots._square(plots._extent(inputs[:, 0]), plots._extent(inputs[:, 1]))
    points = circles(group(page, "plane-points"))
    assert len(points) == plots.MAX_POINTS and {kind for kind, _x, _y in points} == {"point"}
    html = page
    for step in range(1, 17):  # two iterations: forward 1 takes a new batch, 8 is the update
        html = step_light(client, session_id, html)
        session = client.get(f"/api/v1/sessions/{session_id}").json()
        assert 'id="data-plot"' not in html and "plane-points" not in html  # never the whole plot, never its 400 points
        assert ('<g id="plane-batch" hx-swap-oob="true">' in html) == (step % 8 == 1)
        assert ('<g id="plane-maps" hx-swap-oob="true">' in html) == (step % 8 == 0)
        assert ('id="loss-curve"' in html) == (step % 8 == 0)
        # the units' maps only with new parameters (each unit shows its own with a <use>)
        assert ('<defs id="net-maps" hx-swap-oob="true">' in html) == (step % 8 == 0)
        assert ("data:image/png" in html) == (step % 8 == 0) and html.count('<use class="unit-map"') == 6
        fresh = client.get(f"/s/{session_id}").text
        if step % 8 == 1:
            batch = circles(group(html, "plane-batch"))
            rows = sorted(session["batch"]["indices"])
            assert [kind for kind, _x, _y in batch] == ["point in-batch"] * 10
            assert [x for _kind, x, _y in batch] == on_plane(inputs[rows, 0].tolist(), x_range)  # this batch's rows
            assert [round(plots.PLANE - y, 1) for _kind, _x, y in batch] == pytest.approx(on_plane(inputs[rows, 1].tolist(), y_range), abs=0.11)
            assert batch == circles(group(fresh, "plane-batch"))  # what a reload shows
        if step % 8 == 0:
            image = re.search(r'<image id="plane-image" class="plane-continuous" href="([^"]+)"', html).group(1)
            assert image == re.search(r'<image id="plane-image" class="plane-continuous" href="([^"]+)"', fresh).group(1)
            assert image != re.search(r'<image id="plane-image" class="plane-continuous" href="([^"]+)"', page).group(1)
            maps = re.findall(r'<image id="(map-\d-\d)" class="unit-map-image" href="([^"]+)"', html)
            assert len(maps) == 6 and maps == re.findall(r'<image id="(map-\d-\d)" class="unit-map-image" href="([^"]+)"', fresh)
        assert circles(group(fresh, "plane-points")) == points  # the plane and its points stay put


def test_a_fitted_curve_sends_the_whole_plot_on_an_update_and_its_batch_on_a_new_batch(client):
    session_id = client.post("/api/v1/sessions", json={"preset": "sine", "batch_size": 10}).json()["id"]
    html = client.get(f"/s/{session_id}").text
    steps = client.get(f"/api/v1/sessions/{session_id}").json()["steps_per_iteration"]
    for step in range(1, 2 * steps + 1):
        html = step_light(client, session_id, html)
        update, new_batch = step % steps == 0, step % steps == 1
        assert ('<section id="data-plot"' in html) == update
        if update:  # the curve's y axis follows it: the points and ticks move with it
            assert 'hx-swap-oob="true"' in re.search(r'<section id="data-plot"[^>]*>', html).group(0)
            assert '<g id="plane-maps">' in html and len(circles(group(html, "plane-points"))) == 100
        assert ('<g id="plane-batch" hx-swap-oob="true">' in html) == new_batch
        if new_batch:
            assert len(circles(group(html, "plane-batch"))) == 10
