"""The plot caches: a step that leaves the parameters as they were draws the maps from the cache
(a new batch too: only the batch's points change), every step the points; any change of a weight,
a bias or the session draws the maps again, of the plane the points; they never answer
another session's or an older parameter set's picture; and they stay bounded, one entry per
session."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from app.lab import plots


@pytest.fixture
def fresh_cache(monkeypatch):
    cache = plots.SessionCache(plots.CACHED_SESSIONS, 32 * 2**20)
    monkeypatch.setattr(plots, "_maps", cache)
    monkeypatch.setattr(plots, "_circles", plots.SessionCache(plots.CACHED_SESSIONS, 16 * 2**20))
    return cache


class CountingReader:
    """The service's layer_outputs and dataset for one session, counting the forward passes."""

    def __init__(self, service, session_id):
        self.service, self.session_id, self.forwards = service, session_id, 0

    def layer_outputs(self, inputs):
        self.forwards += 1
        return self.service.layer_outputs(self.session_id, inputs)

    def dataset(self):
        return self.service.dataset(self.session_id)


def draw(doc, reader):
    return plots.plane_plot(doc, reader.layer_outputs, reader.dataset)


def open_xor(client, steps=0):
    session_id = client.post("/api/v1/sessions", json={"preset": "xor"}).json()["id"]
    if steps:
        client.post(f"/api/v1/sessions/{session_id}/step", json={"count": steps})
    service = client.app.state.sessions
    return service, session_id, CountingReader(service, session_id)


def test_steps_that_change_no_parameter_reuse_the_plots(client, fresh_cache):
    service, session_id, reader = open_xor(client)
    first = draw(service.get(session_id), reader)
    assert first.kind == "boundary" and reader.forwards == 1
    for _step in range(4):  # forward 1, forward 2, loss, backward 2: same weights, same batch
        client.post(f"/api/v1/sessions/{session_id}/step", json={"count": 1})
        again = draw(service.get(session_id), reader)
        assert again.image_uri is first.image_uri and again.unit_maps is first.unit_maps
    assert reader.forwards == 1


def test_an_update_draws_the_plots_again(client, fresh_cache):
    service, session_id, reader = open_xor(client)
    before = draw(service.get(session_id), reader)
    client.post(f"/api/v1/sessions/{session_id}/step", json={"until": "update"})
    after = draw(service.get(session_id), reader)
    assert reader.forwards == 2 and after.image_uri != before.image_uri


def test_a_new_batch_keeps_the_maps_and_outlines_its_own_rows(client, fresh_cache):
    service, session_id, reader = open_xor(client)
    doc = service.get(session_id)
    first = draw(doc, reader)
    other_batch = copy.deepcopy(doc)
    other_batch["batch"]["indices"] = [0, 1]
    other = draw(other_batch, reader)
    assert reader.forwards == 1 and other.image_uri is first.image_uri
    inputs = service.dataset(session_id)[0]
    assert len(other.batch_points) == 2 and other.batch_points.cx == [
        (x - other.x_range[0]) / (other.x_range[1] - other.x_range[0]) * plots.PLANE for x in inputs[[0, 1], 0].tolist()]
    assert len(first.batch_points) == 0  # xor's batch is its 4 rows: outlining them all says nothing
    assert other.points == first.points and len(first.points) == 4  # every row, whatever the batch


def test_the_points_are_drawn_only_when_read(client, fresh_cache):
    service, session_id, reader = open_xor(client)
    plot = draw(service.get(session_id), reader)
    assert "points" not in vars(plot)  # an answer that sends no data plot never draws them
    assert plot.points and "points" in vars(plot)


@pytest.mark.parametrize("change", ["weight", "bias", "session"])
def test_any_change_of_what_the_maps_show_misses_the_cache(client, fresh_cache, change):
    service, session_id, reader = open_xor(client)
    doc = service.get(session_id)
    draw(doc, reader)
    changed = copy.deepcopy(doc)
    if change == "weight":
        changed["layers"][2]["W"] = np.array(doc["layers"][2]["W"]) + 1e-12
    elif change == "bias":
        changed["layers"][1]["b"] = np.array(doc["layers"][1]["b"]) - 1e-12
    else:
        changed["id"] = doc["id"] + "x"
    assert plots.parameters_key(changed) != plots.parameters_key(doc)
    draw(changed, reader)
    assert reader.forwards == 2


def test_never_another_sessions_picture(client, fresh_cache):
    service, first_id, first_reader = open_xor(client)
    _service, second_id, second_reader = open_xor(client, steps=6)  # one iteration on: other weights
    first = draw(service.get(first_id), first_reader)
    second = draw(service.get(second_id), second_reader)
    assert second.image_uri != first.image_uri
    assert draw(service.get(first_id), first_reader).image_uri == first.image_uri
    assert draw(service.get(second_id), second_reader).image_uri == second.image_uri
    assert first_reader.forwards == 1 and second_reader.forwards == 1 and len(fresh_cache) == 2


def test_never_an_older_or_newer_parameter_sets_picture(client, fresh_cache):
    service, session_id, reader = open_xor(client)
    old = draw(service.get(session_id), reader)
    client.post(f"/api/v1/sessions/{session_id}/step", json={"until": "update"})
    new = draw(service.get(session_id), reader)
    assert len(fresh_cache) == 1 and new.image_uri != old.image_uri  # the new parameters replaced the entry
    client.post(f"/api/v1/sessions/{session_id}/back")  # the old parameters again: their picture, drawn anew
    again = draw(service.get(session_id), reader)
    assert reader.forwards == 3 and again.image_uri == old.image_uri


def test_the_circles_are_drawn_again_for_another_plane_only_and_the_batch_apart(client, fresh_cache):
    service, session_id, reader = open_xor(client)
    doc = service.get(session_id)
    plot = draw(doc, reader)
    frame = plots.plot_frame(plot)
    first = plots.points_svg(plot, frame)
    assert first.count("<circle") == len(plot.points) and "in-batch" not in first
    assert plots.points_svg(draw(doc, reader), frame) is first  # same plane: the same circles
    other_batch = copy.deepcopy(doc)
    other_batch["batch"]["indices"] = [0, 1]
    assert plots.points_svg(draw(other_batch, reader), frame) is first  # a new batch: the same circles
    batch = plots.batch_svg(draw(other_batch, reader), frame)
    assert batch.count('<circle class="point in-batch"') == 2 and f'r="{frame.batch_r}"' in batch
    assert plots.batch_svg(plot, frame) == ""  # the whole data in the batch
    projector = plots.plot_frame(plot, plots.PROJECTOR_PLOT)
    assert plots.points_svg(draw(doc, reader), projector) != first  # other radii
    assert plots.points_svg(draw(doc, reader), frame) == first and len(plots._circles) == 1


def test_one_entry_per_session_and_at_most_max_sessions():
    cache = plots.SessionCache(3, 10**6)
    cache.put("a", b"1", "first", 1)
    cache.put("a", b"2", "second", 1)
    assert len(cache) == 1 and cache.get("a", b"1") is None and cache.get("a", b"2") == "second"
    for index in range(4):
        cache.put(f"s{index}", b"k", index, 1)
    assert len(cache) == 3
    assert cache.get("a", b"2") is None and cache.get("s0", b"k") is None  # the least recently used went
    assert cache.get("s3", b"k") == 3


def test_the_cache_is_bounded_by_bytes():
    cache = plots.SessionCache(100, 2500)
    for index in range(5):
        cache.put(f"s{index}", b"k", index, 1000)
        assert cache.held_bytes <= 2500
    assert len(cache) == 2 and cache.get("s4", b"k") == 4
    cache.put("s4", b"k2", "bigger", 2000)
    assert cache.held_bytes == 2000 and len(cache) == 1


def test_a_plots_bytes_are_its_pictures():
    plot = plots.PlanePlot("boundary", image_uri="x" * 10, discrete_uri="y" * 20, unit_maps={(1, 0): "z" * 5})
    assert plot.picture_bytes == 35
