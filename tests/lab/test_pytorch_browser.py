"""The PyTorch bridge in headless Chromium: the "In PyTorch" toggle (off by default, remembered,
in projector mode too), the two downloads (the downloaded files run and print the API's next
update), and lesson page 7's graph equal to the API's numbers for the sample in focus."""
from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from tests.api.pytorch_run import TOLERANCE, assert_same, need_torch, notebook_source, run_source

pytestmark = pytest.mark.browser


def new_session(live_server, body: dict) -> str:
    response = httpx.post(live_server + "/api/v1/sessions", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def api_step(live_server, session_id: str, body: dict | None = None) -> dict:
    response = httpx.post(f"{live_server}/api/v1/sessions/{session_id}/step", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def expected_update(live_server, session_id: str) -> dict:
    doc = api_step(live_server, session_id, {"until": "update"})
    layers = doc["layers"][1:]
    return {"loss": doc["history"][-1]["loss"],
            "grad": {"W": [l["grad"]["W"] for l in layers], "b": [l["grad"]["b"] for l in layers]},
            "W": [l["W"] for l in layers], "b": [l["b"] for l in layers]}


def test_the_toggle_is_off_by_default_and_remembered(page, live_server):
    session_id = new_session(live_server, {"preset": "worked-example"})
    page.goto(f"/s/{session_id}")
    assert not page.is_checked("#pytorch-toggle")
    assert not page.is_visible("#pytorch-lines")
    page.check("#pytorch-toggle")
    assert page.is_visible("#pytorch-lines")
    assert "layer1 = torch.nn.Linear(2, 2)" in page.inner_text("#pytorch-lines")
    page.click("#btn-step")  # the narration is swapped: the lines follow the step, still shown
    page.wait_for_selector("#status[data-position='1']")
    page.wait_for_function("document.querySelector('#pytorch-lines').innerText.includes('z1 = layer1(a0)')")
    assert page.is_visible("#pytorch-lines") and page.is_checked("#pytorch-toggle")
    assert "a1 = torch.sigmoid(z1)" in page.inner_text("#pytorch-lines")
    page.click("#btn-step")
    page.click("#btn-step")
    page.wait_for_selector("#status[data-position='3']")
    page.wait_for_function("document.querySelector('#pytorch-lines').innerText.includes('F.mse_loss(a2, y)')")
    page.reload()
    assert page.is_checked("#pytorch-toggle") and page.is_visible("#pytorch-lines")
    page.goto(f"/s/{session_id}?projector=1")
    assert page.is_visible("#pytorch-lines") and "loss = F.mse_loss(a2, y)" in page.inner_text("#pytorch-lines")
    page.uncheck("#pytorch-toggle")
    assert not page.is_visible("#pytorch-lines")
    page.goto(f"/s/{session_id}")
    assert not page.is_checked("#pytorch-toggle") and not page.is_visible("#pytorch-lines")


def test_the_backward_lines_show_the_gradients_just_shown(page, live_server):
    session_id = new_session(live_server, {"preset": "worked-example"})
    api_step(live_server, session_id, {"count": 4})  # backward 2
    page.goto(f"/s/{session_id}")
    page.check("#pytorch-toggle")
    text = page.inner_text("#pytorch-lines")
    assert "loss.backward()" in text
    assert "layer2.weight.grad  # (2, 2), row 0 = [0.08217, 0.08267]" in text
    assert "0.082167" in page.inner_text("#narration")  # the same number in the narration's formula


def test_the_downloads_run_and_print_the_next_update(page, live_server, tmp_path):
    need_torch()
    session_id = new_session(live_server, {"preset": "xor", "optimizer": {"name": "sgd", "learning_rate": 0.5, "momentum": 0.9}})
    httpx.post(f"{live_server}/api/v1/sessions/{session_id}/train", json={"iterations": 3})
    api_step(live_server, session_id, {"count": 2})
    page.goto(f"/s/{session_id}")
    with page.expect_download() as script_download:
        page.click("#download-pytorch")
    script_path = tmp_path / script_download.value.suggested_filename
    script_download.value.save_as(script_path)
    assert script_path.suffix == ".py" and session_id in script_path.name
    with page.expect_download() as notebook_download:
        page.click("#download-notebook")
    notebook_path = tmp_path / notebook_download.value.suggested_filename
    notebook_download.value.save_as(notebook_path)
    assert notebook_path.suffix == ".ipynb"
    done = subprocess.run([sys.executable, "-I", str(script_path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    from_script = json.loads(done.stdout.strip().splitlines()[-1])
    from_notebook = run_source(notebook_source(json.loads(notebook_path.read_text())))
    expected = expected_update(live_server, session_id)
    assert_same(from_script, expected)
    assert_same(from_notebook, expected)
    assert TOLERANCE == 1e-10


def test_the_lesson_graph_equals_the_api_for_the_sample_in_focus(page, live_server):
    session_id = new_session(live_server, {"preset": "xor"})
    httpx.post(f"{live_server}/api/v1/sessions/{session_id}/train", json={"iterations": 2})
    page.goto(f"/s/{session_id}?focus=2")
    page.check("#pytorch-toggle")
    href = page.get_attribute("#pytorch-graph-link", "href")
    assert href == f"/learn/pytorch?session={session_id}&focus=2"
    page.goto(href)
    page.click("#walk-next")  # htmx: the loss gets its grad 1
    page.wait_for_selector("#walk-count:has-text('1 of')")
    assert page.get_attribute("[data-id='loss']", "data-grad") == "1.0"
    assert page.get_attribute("[data-id='a2_0']", "data-grad") == ""
    page.click("#walk-all")
    page.wait_for_selector("#walk-next[aria-disabled='true']")
    assert "step=" in page.url  # the walk's state is in the address
    drawn = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#autograd-graph [data-data]')]
        .map(g => [g.dataset.id, [g.dataset.data, g.dataset.grad]]))""")
    doc = httpx.get(f"{live_server}/api/v1/sessions/{session_id}").json()
    while doc["next_step"] != {"phase": "update"}:
        doc = api_step(live_server, session_id)
    row = 2
    for l in range(1, len(doc["layers"])):
        layer = doc["layers"][l]
        for j in range(layer["size"]):
            assert float(drawn[f"z{l}_{j}"][0]) == pytest.approx(layer["z"][row][j], rel=1e-12, abs=1e-15)
            assert float(drawn[f"z{l}_{j}"][1]) == pytest.approx(layer["grad"]["z"][row][j], rel=1e-12, abs=1e-15)
            assert float(drawn[f"a{l}_{j}"][0]) == pytest.approx(layer["a"][row][j], rel=1e-12, abs=1e-15)
            assert float(drawn[f"a{l}_{j}"][1]) == pytest.approx(layer["grad"]["a"][row][j], rel=1e-12, abs=1e-15)
            for i in range(len(layer["W"][j])):
                assert float(drawn[f"w{l}_{j}_{i}"][0]) == pytest.approx(layer["W"][j][i], rel=1e-12)
    assert float(drawn["loss"][0]) == pytest.approx(doc["loss"]["value"], rel=1e-12)
    page.click("#autograd-session-link")
    page.wait_for_url(f"**/s/{session_id}?focus=2")
    assert page.input_value("#focus") == "2"
