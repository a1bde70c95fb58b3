"""One page request, one service call: counted loads, replays and engine steps; and the race of
two tabs stepping one session, whose narrations must each match their own step."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy as np
import pytest
from fastapi.testclient import TestClient

import app.lab.stage as stage
from app.engine.stepper import Stepper
from app.main import create_app
from app.sessions.runtime import Runtime
from app.settings import Settings
from tests.backends import database_url_for


@contextmanager
def counted(service, monkeypatch):
    """Counts store loads, replays (Runtime._restore) and engine steps while the block runs."""
    counts = {"loads": 0, "replays": 0, "steps": 0, "service calls": 0}
    real_load, real_restore, real_step = service.store.load, Runtime._restore, Stepper.step

    def load(*args, **kwargs):
        counts["loads"] += 1
        return real_load(*args, **kwargs)

    def restore(self):
        counts["replays"] += 1
        return real_restore(self)

    def step(self):
        counts["steps"] += 1
        return real_step(self)

    monkeypatch.setattr(service.store, "load", load)
    monkeypatch.setattr(Runtime, "_restore", restore)
    monkeypatch.setattr(Stepper, "step", step)
    for name in ("get", "show", "step", "back", "reset", "train", "patch", "layer_outputs", "dataset", "numeric_partial"):
        real = getattr(service, name)

        def call(*args, _real=real, **kwargs):
            counts["service calls"] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(service, name, call)
    yield counts
    monkeypatch.undo()


def _client(tmp_path, cache_mb: float):
    db_path = tmp_path / "s.sqlite3"
    return TestClient(create_app(Settings(db_path=db_path, database_url=database_url_for(db_path), cache_mb=cache_mb)))


@pytest.mark.parametrize("cache_mb", [128.0, 0.0], ids=["working set", "no working set"])
def test_a_page_step_an_update_and_an_inspector_read_are_one_call_and_one_load(tmp_path, monkeypatch, cache_mb):
    with _client(tmp_path, cache_mb) as client:
        service = client.app.state.sessions
        sid = client.post("/api/v1/sessions", json={"preset": "xor"}).json()["id"]  # 2-2-1: 6 steps an iteration
        client.post(f"/api/v1/sessions/{sid}/step", json={"count": 3})
        cold = 1 if cache_mb == 0 else 0  # a load (and its replay of the iteration) only without a working set

        with counted(service, monkeypatch) as counts:  # forward 2 ... backward 1, then the update
            assert client.post(f"/s/{sid}/step", data={"focus": "0"}).status_code == 200
        assert counts == {"loads": cold, "replays": cold, "steps": 3 * cold + 1, "service calls": 1}

        client.post(f"/api/v1/sessions/{sid}/step")
        with counted(service, monkeypatch) as counts:  # the update: plots and unit maps redrawn, narration
            html = client.post(f"/s/{sid}/step", data={"focus": "0"}).text
        assert "Update" in html
        assert counts == {"loads": cold, "replays": cold, "steps": 5 * cold + 1, "service calls": 1}

        with counted(service, monkeypatch) as counts:  # the inspector after the update, numeric partial included
            html = client.get(f"/s/{sid}/inspect", params={"kind": "edge", "layer": 2, "to": 0, "from": 0}).text
        assert "central difference" in html
        assert counts == {"loads": cold, "replays": cold, "steps": 6 * cold, "service calls": 1}

        with counted(service, monkeypatch) as counts:  # the whole page, inspector open
            html = client.get(f"/s/{sid}", params={"kind": "edge", "layer": 1, "to": 0, "from": 1}).text
        assert "central difference" in html
        assert counts == {"loads": cold, "replays": cold, "steps": 6 * cold, "service calls": 1}

        with counted(service, monkeypatch) as counts:
            client.post(f"/s/{sid}/iteration", data={"focus": "0"})
            client.post(f"/s/{sid}/back", data={"focus": "0"})
            client.post(f"/s/{sid}/edit", data={"layer": 1, "to": 0, "from": 0, "value": "0.5"})
        assert counts["service calls"] == 3 and counts["loads"] == 3 * cold


def test_two_tabs_stepping_one_session_each_narrate_their_own_step(tmp_path, monkeypatch):
    """Each page step's narration is built from the state just before that step and just after it,
    both taken in the step's own locked call: never from the other tab's state."""
    pairs: list[tuple[dict, dict]] = []
    pairs_lock = threading.Lock()
    real_narrate = stage.narrate

    def recording(doc, focus=0, update_report=None):
        with pairs_lock:
            pairs.append((update_report, doc))
        return real_narrate(doc, focus, update_report)

    monkeypatch.setattr(stage, "narrate", recording)
    app = create_app(Settings(db_path=tmp_path / "s.sqlite3", database_url=database_url_for(tmp_path / "s.sqlite3")))
    with TestClient(app) as setup:
        sid = setup.post("/api/v1/sessions", json={"preset": "xor"}).json()["id"]  # plain SGD
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def tab():
        try:
            with TestClient(app) as client:
                start.wait()
                for _ in range(24):
                    assert client.post(f"/s/{sid}/step", data={"focus": "0"}).status_code == 200
        except BaseException as error:  # noqa: BLE001  reported below
            errors.append(error)

    tabs = [threading.Thread(target=tab) for _ in range(2)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join(120)
    assert not errors, errors
    assert sorted(doc["version"] for _report, doc in pairs) == list(range(1, 49))  # each step once
    updates = 0
    for update_report, doc in pairs:
        if doc["last_step"] == {"phase": "update"}:
            updates += 1
            lr = doc["config"]["optimizer"]["learning_rate"]
            for l in (1, 2):  # what the update's narration shows: old - lr * g = new, exactly this step's
                for to, source in np.ndindex(np.shape(doc["layers"][l]["W"])):
                    lines = update_report(l, to, source)
                    old, g, new = lines[-1].values["w"], lines[-1].values["g"], lines[-1].result
                    assert g == doc["layers"][l]["grad"]["W"][to][source] and new == doc["layers"][l]["W"][to][source]
                    assert new == old - lr * g
        else:
            assert update_report(1, 0, 0) is None  # the reader knows this step was no update
    assert updates == 8
