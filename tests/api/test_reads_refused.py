"""Reads refuse what steps refuse, in words that fit a read; q=0 is "not this language"
(issue 13, finding 5)."""
from __future__ import annotations

from app.i18n import negotiate_locale
from tests.api.helpers import API, create, message

HUGE_WEIGHTS = {"layers": [2, 2], "activations": "sigmoid", "loss": "mse",
                "weights": [[[1e308, 1e308], [1e308, 1e308]]], "biases": [[0.0, 0.0]],
                "data": {"inputs": [[1.0, 1.0]], "targets": [[1.0, 1.0]]}}


def test_predict_refuses_an_infinite_z_as_step_does(client):
    sid = create(client, HUGE_WEIGHTS)["id"]
    stepped = client.post(f"{API}/sessions/{sid}/step")
    predicted = client.post(f"{API}/sessions/{sid}/predict", json={"inputs": [[1.0, 1.0]]})
    assert stepped.status_code == 409 and predicted.status_code == 409
    assert predicted.json()["code"] == "not_finite" and "overflow" in message(predicted)
    fine = client.post(f"{API}/sessions/{sid}/predict", json={"inputs": [[0.0, 0.0]]})  # z = 0
    assert fine.status_code == 200 and fine.json()["outputs"] == [[0.5, 0.5]]


def test_gradchecks_409_says_what_overflows_not_that_a_step_was_not_applied(client):
    sid = create(client, HUGE_WEIGHTS)["id"]
    answer = client.get(f"{API}/sessions/{sid}/gradcheck")
    assert answer.status_code == 409 and answer.json()["code"] == "not_finite"
    assert "not applied" not in message(answer) and "forward 1" in message(answer) and "no gradients to check" in message(answer)
    assert answer.json()["step"] == {"phase": "forward", "layer": 1}


def test_q_0_refuses_a_language():
    assert negotiate_locale(None, None, "zh;q=0") == "en"
    assert negotiate_locale(None, None, "zh-CN;q=0, en;q=0.5") == "en"
    assert negotiate_locale(None, None, "zh;q=0.0, *;q=0.1") == "en"
    assert negotiate_locale(None, None, "en;q=0, zh;q=0.2") == "zh_CN"
    assert negotiate_locale(None, None, "zh;q=0.8, en;q=0.9") == "en"


def test_q_0_chinese_is_answered_in_english(client):
    answer = client.get(f"{API}/sessions/nope", headers={"Accept-Language": "zh;q=0"})
    assert message(answer).startswith("No session")
