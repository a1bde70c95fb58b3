"""The plot cache: a step that leaves the parameters and the batch as they were draws the plots
from the cache; any change of a weight, a bias, the batch or the session draws them again; and
the cache stays bounded."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from app.lab import plots


@pytest.fixture
def fresh_cache(monkeypatch):
    cache = plots._PlotCache()
    monkeypatch.setattr(plots, "_cache", cache)
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
        assert draw(service.get(session_id), reader) is first
    assert reader.forwards == 1


def test_an_update_draws_the_plots_again(client, fresh_cache):
    service, session_id, reader = open_xor(client)
    before = draw(service.get(session_id), reader)
    client.post(f"/api/v1/sessions/{session_id}/step", json={"until": "update"})
    after = draw(service.get(session_id), reader)
    assert reader.forwards == 2 and after.image_uri != before.image_uri


@pytest.mark.parametrize("change", ["weight", "bias", "batch", "session"])
def test_any_change_of_what_the_plots_show_misses_the_cache(client, fresh_cache, change):
    service, session_id, reader = open_xor(client)
    doc = service.get(session_id)
    draw(doc, reader)
    changed = copy.deepcopy(doc)
    if change == "weight":
        changed["layers"][2]["W"] = np.array(doc["layers"][2]["W"]) + 1e-12
    elif change == "bias":
        changed["layers"][1]["b"] = np.array(doc["layers"][1]["b"]) - 1e-12
    elif change == "batch":
        changed["batch"]["inputs"] = np.array(doc["batch"]["inputs"])[::-1]
    else:
        changed["id"] = doc["id"] + "x"
    assert plots._cache.key(changed) != plots._cache.key(doc)
    draw(changed, reader)
    assert reader.forwards == 2
    draw(doc, reader)  # the first is still cached
    assert reader.forwards == 2


def test_the_cache_keeps_the_latest_plots_only(fresh_cache):
    for index in range(plots._PlotCache.SIZE + 1):
        fresh_cache.put(bytes([index]), plots.PlanePlot("none"))
    assert fresh_cache.get(bytes([0])) is None  # the oldest went first
    assert fresh_cache.get(bytes([1])) is not None and fresh_cache.get(bytes([plots._PlotCache.SIZE])) is not None
    assert len(fresh_cache._plots) == plots._PlotCache.SIZE
