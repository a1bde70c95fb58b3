"""The pages of issue 11: the CSV preview, the data table, test rows on the plot, the loss chart's
test loss and accuracy, feature labels, weight decay in the form and the update's narration;
hostile column names escaped wherever a name is shown."""
from __future__ import annotations

import re

import pytest

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
LONG = "w" * 10_000


def preview(client, body: bytes, **params):
    response = client.post("/datasets/preview", content=body, headers={"content-type": "text/csv"}, params=params)
    assert response.status_code == 200
    return response.text


def create_from_form(client, fields: dict) -> str:
    base = {"layers": "2, 4, 1", "hidden_activation": "tanh", "output_activation": "sigmoid", "loss": "bce",
            "optimizer": "sgd", "learning_rate": "0.5", "momentum": "0", "seed": "0", "dataset": "circle",
            "samples": "100", "noise": "0", "data_seed": "0", "init": "xavier"}
    response = client.post("/s", data={**base, **fields}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_the_preview_shows_rows_types_roles_and_sizes_the_network(client):
    html = preview(client, b"id,temperature,humidity,weather\nA,21.5,0.4,sun\nB,18,0.9,rain\nC,25,0.2,snow\n")
    assert re.findall(r'<span class="column-kind">(\w+)</span>', html) == ["text", "numbers", "numbers", "text"]
    selected = re.findall(r'data-column="([^"]+)"[^>]*>\s*(?:<option[^>]*>[^<]*</option>\s*)*?<option value="(\w+)" selected', html)
    assert selected == [("id", "ignore"), ("temperature", "input"), ("humidity", "input"), ("weather", "target")]
    assert 'data-layers="2, 8, 3" data-output="softmax" data-loss="cross_entropy"' in html
    assert "<td>21.5</td>" in html and "rain, snow, sun" in html
    dataset_id = re.search(r'name="dataset_id" value="([0-9a-f]{64})"', html).group(1)
    assert client.get(f"/api/v1/datasets/{dataset_id}").json()["inputs"][0] == [21.5, 0.4]
    # another choice of columns: a regression on humidity
    html = preview(client, b"id,temperature,humidity,weather\nA,21.5,0.4,sun\nB,18,0.9,rain\n", inputs="temperature", targets="humidity")
    assert 'data-layers="1, 8, 1" data-output="linear" data-loss="mse"' in html


def test_a_bad_file_shows_its_message_in_the_preview(client):
    html = preview(client, b"a,b,y\n1,2,0\n1,abc,1\n")
    assert "line 3, column b: &#39;abc&#39; is not a number" in html and "dataset_id" not in html


@pytest.mark.parametrize("name", [HOSTILE, LONG], ids=["html", "10000-characters"])
def test_hostile_column_names_are_escaped_on_every_page(client, name):
    quoted = '"' + name.replace('"', '""') + '"'
    body = f"{quoted},other,label\n1,2,yes\n3,4,no\n5,6,yes\n".encode()
    html = preview(client, body)
    assert "<script>" not in html and "onerror=alert(1)>" not in html
    if name == HOSTILE:
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    dataset_id = re.search(r'name="dataset_id" value="([0-9a-f]{64})"', html).group(1)
    page = create_from_form(client, {"dataset_id": dataset_id, "layers": "2, 3, 2", "output_activation": "softmax",
                                     "loss": "cross_entropy", "test_fraction": "0.34"})
    for path in (page, page + "/data", "/"):
        text = client.get(path).text
        assert "<script>alert" not in text and "onerror=alert(1)>" not in text, path
    data_page = client.get(page + "/data").text
    assert ("&lt;script&gt;" in data_page) if name == HOSTILE else (LONG in data_page)  # in full in its title
    exported = client.get(f"/api/v1/datasets/{dataset_id}").json()
    assert exported["input_names"][0] == name


def test_the_session_page_shows_test_rows_hollow_and_the_test_loss(client):
    page = create_from_form(client, {"test_fraction": "0.2", "feature:x1^2": "1", "feature:x2^2": "1", "weight_decay": "0.01"})
    session_id = page.rsplit("/", 1)[1]
    doc = client.get(f"/api/v1/sessions/{session_id}").json()
    assert doc["config"]["layers"][0] == 2 and doc["config"]["data"]["features"] == ["x1^2", "x2^2"]
    assert doc["config"]["optimizer"]["weight_decay"] == 0.01 and doc["config"]["data"]["test_fraction"] == 0.2
    client.post(f"/api/v1/sessions/{session_id}/train", json={"iterations": 3})
    html = client.get(page).text
    assert len(re.findall(r'class="point held-out"', html)) == 20
    assert 'id="show-test-data"' in html
    assert html.count('class="feature-label"') == 2 and ">x1^2</text>" in html
    assert 'class="curve curve-test"' in html and 'class="curve curve-accuracy"' in html and 'class="curve curve-test-accuracy"' in html
    assert "Test loss" in html and 'href="/s/' + session_id + '/data"' in html
    data = client.get(page + "/data").text
    assert data.count('<tr class="held-out">') == 20


def test_weight_decay_is_in_the_update_narration(client):
    response = client.post("/api/v1/sessions", json={"preset": "worked-example", "optimizer": {"name": "sgd", "learning_rate": 0.5, "weight_decay": 0.1}})
    session_id = response.json()["id"]
    client.post(f"/api/v1/sessions/{session_id}/step", json={"until": "update"})
    html = client.get(f"/s/{session_id}").text
    assert "Weight decay λ = 0.1" in html
    assert "g + λ · w" in html
    chinese = client.get(f"/s/{session_id}", params={"lang": "zh_CN"}).text
    assert "权重衰减 λ = 0.1" in chinese
