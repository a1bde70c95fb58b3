"""The summary a page's step takes before the change says what the compact Session says about
where the session stands and its gradients of W, at every step of an iteration, after back
and after reset: the parts of the drawing a step re-sends are chosen from it."""
from __future__ import annotations

import numpy as np

from app.lab.stage import stage_parts
from app.lab.status import state_token
from app.sessions.documents import COMPACT, session_document, step_summary
from tests.sessions.helpers import make_service, xor_config


def assert_summarises(summary: dict, doc: dict) -> None:
    for key in ("iteration", "last_step", "next_step", "undo_available"):
        assert summary[key] == doc[key], key
    assert len(summary["layers"]) == len(doc["layers"])
    for mine, theirs in zip(summary["layers"][1:], doc["layers"][1:]):
        expected = theirs["grad"]["W"]
        assert (mine["grad"]["W"] is None) == (expected is None)
        if expected is not None:
            assert np.array_equal(mine["grad"]["W"], expected)
    assert state_token(summary) == state_token(doc)


def test_the_summary_agrees_with_the_compact_session_at_every_step(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    session_id = service.create(xor_config())["id"]
    runtime = service._load(session_id)
    before = step_summary(runtime)
    for step in range(15):
        doc = session_document(runtime, COMPACT)
        assert_summarises(before, doc)
        runtime.step()
        after = session_document(runtime, COMPACT)
        assert stage_parts(before, after) == stage_parts(doc, after)  # the parts the summary picks are the Session's
        before = step_summary(runtime)
    runtime.back()
    assert_summarises(step_summary(runtime), session_document(runtime, COMPACT))
    runtime.reset()
    assert_summarises(step_summary(runtime), session_document(runtime, COMPACT))


def test_the_summary_keeps_its_gradients_when_the_session_steps_on(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    runtime = service._load(service.create(xor_config())["id"])
    for _ in range(5):  # forward 1-2, loss, backward 2-1: every gradient computed
        runtime.step()
    summary = step_summary(runtime)
    kept = [np.array(layer["grad"]["W"]) for layer in summary["layers"][1:]]
    runtime.step()  # the update
    runtime.step()  # forward 1 of the next iteration: the gradients are computed again later, in place
    for _ in range(4):
        runtime.step()
    assert all(np.array_equal(layer["grad"]["W"], old) for layer, old in zip(summary["layers"][1:], kept))
