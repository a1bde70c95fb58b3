"""How Train splits a run into slices (app/lab/stepping.next_chunk), and the one train limit."""
from __future__ import annotations

import re

import pytest

from app.lab.stepping import CHUNK_SECONDS, next_chunk
from app.sessions.config import MAX_TRAIN_ITERATIONS


@pytest.mark.parametrize(("chunk", "elapsed", "expected"), [
    (100, CHUNK_SECONDS, 100),      # on target: the same slice again
    (100, 2 * CHUNK_SECONDS, 50),   # twice too slow: half
    (100, 4 * CHUNK_SECONDS, 25),
    (10, 100.0, 1),                 # however slow, at least one iteration
    (1, 10.0, 1),
    (100, CHUNK_SECONDS / 3, 200),  # three times too fast: at most doubled
    (7, 0.0, 14),                   # an instant slice (clock resolution) doubles, no division by zero
    (8000, 1e-6, MAX_TRAIN_ITERATIONS),  # never more than one request may train
])
def test_next_chunk_fits_the_time_target(chunk, elapsed, expected):
    assert next_chunk(chunk, elapsed) == expected


def test_slices_grow_from_one_to_the_pace_of_the_machine():
    """At 1 ms an iteration, a run starting at 1 doubles up to the 250 iterations that fit."""
    chunk, seen = 1, []
    for _slice in range(12):
        chunk = next_chunk(chunk, chunk * 0.001)
        seen.append(chunk)
    assert seen[:8] == [2, 4, 8, 16, 32, 64, 128, 250] and set(seen[8:]) == {250}


def test_the_page_and_the_api_share_the_train_limit(client):
    session_id = client.post("/api/v1/sessions", json={"preset": "xor"}).json()["id"]
    html = client.get(f"/s/{session_id}").text
    field = re.search(r'<input id="train-iterations"[^>]*>', html).group(0)
    assert f'max="{MAX_TRAIN_ITERATIONS}"' in field
    refused = client.post(f"/api/v1/sessions/{session_id}/train", json={"iterations": MAX_TRAIN_ITERATIONS + 1})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "iterations"]
    # the page clamps a larger total to the same limit
    answer = client.post(f"/s/{session_id}/train-chunk", data={"total": str(MAX_TRAIN_ITERATIONS + 5), "chunk": "1"})
    assert answer.status_code == 200
    assert f'data-done="1" data-total="{MAX_TRAIN_ITERATIONS}"' in answer.text
