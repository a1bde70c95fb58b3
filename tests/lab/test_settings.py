"""Settings inside a session (PATCH of the optimizer on this network; a new session on the same
data for what needs a new network), the home page's labels and start, and refusals as advice."""
from __future__ import annotations

import re

import pytest

from app.ui.advice import advice


def create(client, body: dict) -> str:
    response = client.post("/api/v1/sessions", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def api(client, session_id):
    return client.get(f"/api/v1/sessions/{session_id}").json()


def test_the_learning_rate_changes_live_and_the_next_update_uses_it(client):
    session_id = create(client, {"preset": "worked-example"})
    html = client.post(f"/s/{session_id}/optimizer", data={"current_optimizer": "sgd", "optimizer": "sgd", "learning_rate": "0.1", "momentum": "0"}).text
    assert "From the next update on: gradient descent (SGD) with learning rate 0.1." in html
    session = api(client, session_id)
    assert session["config"]["optimizer"]["learning_rate"] == 0.1 and session["iteration"] == 0
    client.post(f"/s/{session_id}/iteration")
    w5 = api(client, session_id)["layers"][2]["W"][0][0]
    assert w5 == pytest.approx(0.40 - 0.1 * 0.082167041, abs=1e-8)  # Mazur's gradient with the new rate
    assert 'id="s-lr" name="learning_rate" type="text" inputmode="decimal" value="0.1"' in client.get(f"/s/{session_id}").text


def test_switching_to_adam_drops_momentum_and_a_bad_rate_is_advice(client):
    session_id = create(client, {"preset": "circle"})
    client.post(f"/s/{session_id}/optimizer", data={"current_optimizer": "sgd", "optimizer": "adam", "learning_rate": "0.01", "momentum": "0.9"})
    optimizer = api(client, session_id)["config"]["optimizer"]
    assert optimizer["name"] == "adam" and optimizer["learning_rate"] == 0.01 and "momentum" not in optimizer
    response = client.post(f"/s/{session_id}/optimizer", data={"current_optimizer": "adam", "learning_rate": "fast"})
    assert response.status_code == 422 and "Please enter a number for the learning rate" in response.text
    response = client.post(f"/s/{session_id}/optimizer", data={"current_optimizer": "adam", "learning_rate": "-1"})
    assert response.status_code == 422 and "Learning rate: must be greater than 0" in response.text
    assert api(client, session_id)["config"]["optimizer"]["learning_rate"] == 0.01  # nothing half-applied


def test_a_new_network_on_the_same_data_opens_as_a_new_session(client):
    session_id = create(client, {"preset": "circle"})
    before = api(client, session_id)
    response = client.post(f"/s/{session_id}/new-session", data={
        "layers": "2, 4, 1", "hidden_activation": "relu", "output_activation": "sigmoid", "loss": "bce",
        "batch_size": "", "init": "he", "seed": "3"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    new_id = re.fullmatch(r"/s/([\w-]+)", response.headers["HX-Redirect"]).group(1)
    assert new_id != session_id
    new = api(client, new_id)
    assert new["config"]["layers"] == [2, 4, 1] and new["config"]["activations"] == ["relu", "sigmoid"]
    assert new["config"]["batch_size"] is None and new["config"]["init"] == "he" and new["config"]["seed"] == 3
    assert new["config"]["optimizer"] == before["config"]["optimizer"]
    old_rows = client.get(f"/api/v1/sessions/{session_id}/export").json()["data"]
    new_rows = client.get(f"/api/v1/sessions/{new_id}/export").json()["data"]
    assert new_rows["inputs"] == old_rows["inputs"] and new_rows["targets"] == old_rows["targets"]  # the same data
    assert api(client, session_id)["config"] == before["config"]  # the old session is untouched
    response = client.post(f"/s/{session_id}/new-session", data={"layers": "2"})
    assert response.status_code == 422 and "at least two whole numbers" in response.text


def test_home_says_where_to_start_and_menus_show_labels_not_identifiers(client):
    html = client.get("/").text
    assert "Where to start" in html and html.index("Worked example") < html.index("XOR with two hidden units")
    assert '<option value="mse" selected>mean squared error</option>' in html
    assert '<option value="xavier" selected>Xavier (uniform, for tanh and sigmoid)</option>' in html
    assert re.search(r'<label for="f-momentum" class="sgd-only">', html)  # hidden with Adam (app.css)
    chinese = client.get("/", params={"lang": "zh_CN"}).text
    assert ">均方误差</option>" in chinese and ">xavier</option>" not in chinese


@pytest.mark.parametrize("error,expected", [
    ({"loc": ["body", "layers", 1], "msg": "Input should be greater than or equal to 1", "type": "greater_than_equal"},
     "Units per layer, number 2: must be at least 1"),
    ({"loc": ["body", "optimizer", "learning_rate"], "msg": "Input should be greater than 0", "type": "greater_than"},
     "Learning rate: must be greater than 0"),
    ({"loc": ["body", "activations", 0], "msg": "activations[0]: softmax is for the output layer only", "type": "value_error"},
     "Activation of layer 1: softmax is for the output layer only"),
    ({"loc": ["body", "unknown"], "msg": "odd", "type": "value_error"}, "unknown: odd"),
])
def test_refusals_read_as_advice_in_the_words_of_the_form(error, expected):
    assert advice(error) == expected


def test_the_build_form_refusal_names_the_field_as_the_form_does(client):
    html = client.post("/s", data={"layers": "2, 0, 1"}).text
    assert "Units per layer, number 2: must be at least 1" in html and "layers[1]" not in html
