"""GET /export?format=pytorch|ipynb: the program runs the session's next update in torch and
prints what the API shows after step until update, to 1e-10, for every optimizer with its
state, weight decay, mid-iteration, mini-batches, every activation and loss, and features."""
from __future__ import annotations

import ast
import contextlib
import io
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.api.helpers import API, create, explicit, step, worked_example
from tests.api.pytorch_run import check_export, export, need_torch, notebook_source

MOMENTUM = {"name": "sgd", "learning_rate": 0.3, "momentum": 0.9}
ADAM = {"name": "adam", "learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "eps": 1e-7}


def train(client, sid: str, iterations: int) -> dict:
    response = client.post(f"{API}/sessions/{sid}/train", json={"iterations": iterations})
    assert response.status_code == 200, response.text
    return response.json()


def test_worked_example_from_its_start(client):
    sid = worked_example(client)["id"]
    expected = check_export(client, sid)
    assert expected["loss"] == pytest.approx(0.298371109, abs=1e-9)  # the worked example's first loss


def test_sgd_after_some_updates(client):
    sid = create(client, {"preset": "xor", "optimizer": {"name": "sgd", "learning_rate": 0.7}})["id"]
    train(client, sid, 5)
    check_export(client, sid)


def test_momentum_with_its_buffers(client):
    sid = worked_example(client, optimizer=MOMENTUM)["id"]
    train(client, sid, 4)
    script = export(client, sid, "pytorch").text
    assert "MOMENTUM_BUFFERS" in script and "momentum=0.9" in script
    check_export(client, sid)
    check_export(client, sid)  # and the next one, from the state the export's update left


def test_adam_with_its_moments_and_step_count(client):
    sid = create(client, {"preset": "circle", "optimizer": ADAM})["id"]
    train(client, sid, 6)
    script = export(client, sid, "pytorch").text
    assert '"step": tensor(6.0)' in script and "betas=(0.8, 0.95)" in script and "eps=1e-07" in script
    check_export(client, sid)


def test_adam_from_no_state(client):
    sid = worked_example(client, optimizer=ADAM)["id"]
    assert "EXP_AVG" not in export(client, sid, "pytorch").text
    check_export(client, sid)


@pytest.mark.parametrize("optimizer", [
    {"name": "sgd", "learning_rate": 0.3, "weight_decay": 0.05},
    {"name": "sgd", "learning_rate": 0.3, "momentum": 0.8, "weight_decay": 0.1},
    {"name": "adam", "learning_rate": 0.02, "weight_decay": 0.2},
])
def test_weight_decay(client, optimizer):
    sid = create(client, {"preset": "xor", "optimizer": optimizer})["id"]
    train(client, sid, 3)
    assert f"weight_decay={optimizer['weight_decay']!r}" in export(client, sid, "pytorch").text
    check_export(client, sid)


@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5])
def test_mid_iteration(client, steps):
    """Exported partway through an iteration (forward 1 ... backward 1), the program runs the
    update that finishes it: the same batch, the same parameters."""
    sid = create(client, {"preset": "circle", "optimizer": MOMENTUM, "batch_size": 16})["id"]
    train(client, sid, 2)
    step(client, sid, {"count": steps})
    check_export(client, sid)


def test_after_a_patch_that_renames_the_optimizer(client):
    sid = worked_example(client, optimizer=MOMENTUM)["id"]
    train(client, sid, 2)  # ends on an update: the PATCH applies from the next iteration
    response = client.patch(f"{API}/sessions/{sid}", json={"optimizer": {"name": "adam", "learning_rate": 0.01}})
    assert response.status_code == 200, response.text
    assert "EXP_AVG" not in export(client, sid, "pytorch").text  # a new name starts afresh
    check_export(client, sid)


def test_after_an_edit(client):
    sid = worked_example(client, optimizer=MOMENTUM)["id"]
    train(client, sid, 2)
    edit = {"edits": [{"layer": 2, "to": 1, "from": 0, "value": -0.75}]}
    assert client.patch(f"{API}/sessions/{sid}", json=edit).status_code == 200
    assert "[-0.75, " in export(client, sid, "pytorch").text
    check_export(client, sid)


@pytest.mark.parametrize("iterations", [0, 3, 7, 8])
def test_mini_batches_by_index(client, iterations):
    """batch_size 7 of 50 rows: 8 batches an epoch, the last of 1 row; iteration 8 is a new shuffle."""
    sid = create(client, {"layers": [2, 5, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                          "optimizer": MOMENTUM, "batch_size": 7, "seed": 3,
                          "data": {"dataset": "moons", "samples": 50, "noise": 0.1, "seed": 2}})["id"]
    if iterations:
        train(client, sid, iterations)
    rows = client.post(f"{API}/sessions/{sid}/step", json={"count": 1}).json()["batch"]["indices"]
    client.post(f"{API}/sessions/{sid}/back")
    assert f"BATCH = {rows}".replace("'", "") in export(client, sid, "pytorch").text
    check_export(client, sid)


@pytest.mark.parametrize("hidden", ["linear", "sigmoid", "tanh", "relu", "leaky_relu"])
def test_every_hidden_activation(client, hidden):
    sid = create(client, {"layers": [1, 6, 4, 1], "activations": [hidden, hidden, "linear"], "loss": "mse", "seed": 5,
                          "init": "normal", "optimizer": {"name": "sgd", "learning_rate": 0.05},
                          "data": {"dataset": "sine", "samples": 40, "noise": 0.05}})["id"]
    train(client, sid, 2)
    check_export(client, sid)


def test_relu_at_exactly_zero(client):
    """z = 0 exactly: both sides take the derivative 0 there (leaky_relu 0.01)."""
    data = {"inputs": [[0.0, 0.0], [1.0, -1.0]], "targets": [[1.0], [0.0]]}
    sid = create(client, {"layers": [2, 2, 2, 1], "activations": ["relu", "leaky_relu", "sigmoid"], "loss": "bce",
                          "weights": [[[1.0, 1.0], [0.5, -0.5]], [[1.0, -1.0], [0.3, 0.2]], [[0.4, -0.6]]],
                          "biases": [[0.0, 0.0], [0.0, 0.0], [0.1]], "data": data})["id"]
    check_export(client, sid)


def test_softmax_with_cross_entropy(client):
    sid = create(client, {"preset": "three-classes"})["id"]
    train(client, sid, 3)
    script = export(client, sid, "pytorch").text
    layers = len(client.get(f"{API}/sessions/{sid}").json()["layers"]) - 1
    assert f"loss = F.cross_entropy(z{layers}, y)" in script  # the logits: softmax is inside the loss
    check_export(client, sid)


def test_cross_entropy_with_probability_targets(client):
    data = {"inputs": [[0.2, -0.4], [1.0, 0.3], [-0.5, 0.9]],
            "targets": [[0.7, 0.2, 0.1], [0.0, 0.5, 0.5], [0.25, 0.25, 0.5]]}
    sid = create(client, {"layers": [2, 4, 3], "activations": ["tanh", "softmax"], "loss": "cross_entropy",
                          "optimizer": ADAM, "data": data})["id"]
    train(client, sid, 2)
    check_export(client, sid)


def test_softmax_with_mse(client):
    sid = create(client, {"layers": [2, 3, 3], "activations": ["sigmoid", "softmax"], "loss": "mse",
                          "data": {"dataset": "gauss", "samples": 30, "noise": 0.3}})["id"]
    train(client, sid, 2)
    check_export(client, sid)


def test_deep_network_with_mini_batches_and_adam(client):
    sid = create(client, {"preset": "spiral", "optimizer": {**ADAM, "learning_rate": 0.01}, "batch_size": 32})["id"]
    train(client, sid, 9)
    step(client, sid, {"count": 2})
    check_export(client, sid)


FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "cos(x2)"]


def test_input_features(client):
    sid = create(client, {"layers": [len(FEATURES), 4, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                          "optimizer": MOMENTUM,
                          "data": {"dataset": "circle", "samples": 60, "noise": 0.1, "features": FEATURES}})["id"]
    train(client, sid, 2)
    script = export(client, sid, "pytorch").text
    assert "inputs = torch.stack([x1, x2, x1 * x1, x2 * x2, x1 * x2, torch.sin(x1), torch.cos(x2)], dim=1)" in script
    assert '"x3"' not in script  # the raw columns are embedded, not the features
    check_export(client, sid)


def test_held_out_rows(client):
    sid = create(client, {"preset": "xor", "batch_size": 10, "seed": 4,
                          "data": {"dataset": "xor", "samples": 80, "noise": 0.1, "test_fraction": 0.25}})["id"]
    train(client, sid, 3)
    script = export(client, sid, "pytorch").text
    held_out = ast.literal_eval(script.split("HELD_OUT = ", 1)[1].split("\n", 1)[0])
    assert len(held_out) == 20
    need_torch()
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(script, "<export>", "exec"), {"__name__": "__main__"})
    printed = output.getvalue().strip().splitlines()[-2]
    assert printed.startswith("held-out loss: ")
    expected = check_export(client, sid)
    history = client.get(f"{API}/sessions/{sid}").json()["history"][-1]
    assert float(printed.split(": ")[1]) == pytest.approx(history["test_loss"], rel=1e-10, abs=1e-12)
    assert history["loss"] == expected["loss"]


def test_held_out_rows_with_the_full_batch_and_features(client):
    sid = create(client, {"layers": [3, 4, 1], "activations": ["tanh", "sigmoid"], "loss": "mse", "optimizer": ADAM,
                          "data": {"dataset": "moons", "samples": 40, "test_fraction": 0.3, "features": ["x1", "x2", "x1*x2"]}})["id"]
    train(client, sid, 2)
    check_export(client, sid)


def test_a_stored_dataset(client):
    upload = client.post(f"{API}/datasets", content="a,b,label\n0.1,0.2,1\n0.5,-0.3,0\n-0.2,0.8,1\n",
                         headers={"content-type": "text/csv"})
    assert upload.status_code in (200, 201), upload.text
    sid = create(client, {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                          "data": {"dataset_id": upload.json()["id"]}})["id"]
    check_export(client, sid)


# --- what the program is ------------------------------------------------------------------------


def test_the_program_imports_only_the_standard_library_and_torch(client):
    sid = create(client, {"preset": "spiral", "optimizer": ADAM, "batch_size": 20})["id"]
    train(client, sid, 2)
    imported = set()
    for node in ast.walk(ast.parse(export(client, sid, "pytorch").text)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert "torch" in imported
    assert imported - {"torch"} <= set(sys.stdlib_module_names), imported


def test_it_says_which_session_and_iteration_it_came_from(client):
    sid = worked_example(client)["id"]
    train(client, sid, 3)
    step(client, sid, {"count": 2})
    script = export(client, sid, "pytorch").text
    first_lines = script.splitlines()[:5]
    assert any(sid in line and line.startswith("#") for line in first_lines)
    assert 'after step "forward 2" of iteration 4' in script.splitlines()[0]
    response = export(client, sid, "pytorch")
    assert response.headers["content-type"].startswith("text/x-python")
    assert f"backprop-lab-{sid}-iteration-4.py" in response.headers["content-disposition"]


def test_the_notebook_is_nbformat_4_with_one_code_cell_per_part(client):
    sid = worked_example(client, optimizer=MOMENTUM)["id"]
    train(client, sid, 1)
    response = export(client, sid, "ipynb")
    assert response.headers["content-type"].startswith("application/x-ipynb+json")
    notebook = response.json()
    assert notebook["nbformat"] == 4 and notebook["nbformat_minor"] >= 4
    cells = notebook["cells"]
    assert [cell["cell_type"] for cell in cells] == ["code"] * 5
    assert all(cell["outputs"] == [] and cell["execution_count"] is None for cell in cells)  # not yet run
    assert "COLUMNS = {" in "".join(cells[0]["source"])
    assert "torch.nn.Linear(2, 2)" in "".join(cells[1]["source"])
    assert "MOMENTUM_BUFFERS" in "".join(cells[2]["source"])
    assert "loss.backward()" in "".join(cells[3]["source"])
    assert "print(json.dumps(result))" in "".join(cells[4]["source"])
    assert notebook_source(notebook).replace("\n", "") == export(client, sid, "pytorch").text.replace("\n", "")
    for cell in cells:  # what nbformat 4.5's schema requires of a code cell
        assert set(cell) == {"cell_type", "execution_count", "id", "metadata", "outputs", "source"}
        assert re.fullmatch(r"[a-zA-Z0-9-_]{1,64}", cell["id"])
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


def test_the_script_runs_on_its_own(client, tmp_path):
    """A real run: a fresh Python with nothing but torch, from a file."""
    need_torch()
    sid = worked_example(client, optimizer=ADAM)["id"]
    train(client, sid, 2)
    path = tmp_path / "export.py"
    path.write_text(export(client, sid, "pytorch").text)
    done = subprocess.run([sys.executable, "-I", str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    import json

    printed = json.loads(done.stdout.strip().splitlines()[-1])
    from tests.api.pytorch_run import assert_same, expected_after_update

    assert_same(printed, expected_after_update(client, sid))


def test_a_refused_update_is_refused_by_the_export(client):
    """When the next update would overflow, export answers the step's 409 and changes nothing."""
    sid = create(client, {"layers": [1, 1], "activations": "linear", "loss": "mse",
                          "optimizer": {"name": "sgd", "learning_rate": 1000}, "weights": [[[1e150]]], "biases": [[0.0]],
                          "data": {"inputs": [[1e150]], "targets": [[0.0]]}})["id"]
    before = client.get(f"{API}/sessions/{sid}").json()
    for export_format in ("pytorch", "ipynb"):
        response = client.get(f"{API}/sessions/{sid}/export", params={"format": export_format})
        assert response.status_code == 409, response.text
    refused = client.post(f"{API}/sessions/{sid}/step", json={"until": "update"})
    assert refused.status_code == 409
    assert response.json()["detail"] == refused.json()["detail"]
    assert client.get(f"{API}/sessions/{sid}").json() == before


def test_the_config_export_is_still_the_default(client):
    sid = worked_example(client)["id"]
    plain = client.get(f"{API}/sessions/{sid}/export")
    assert plain.json() == client.get(f"{API}/sessions/{sid}/export", params={"format": "json"}).json()
    assert plain.json()["weights"][0] == [[0.15, 0.2], [0.25, 0.3]]
    assert client.get(f"{API}/sessions/{sid}/export", params={"format": "keras"}).status_code == 422


def test_unknown_session(client):
    assert client.get(f"{API}/sessions/nope/export", params={"format": "pytorch"}).status_code == 404


def test_exporting_changes_nothing(client):
    sid = worked_example(client, optimizer=MOMENTUM)["id"]
    train(client, sid, 2)
    step(client, sid, {"count": 3})
    before = client.get(f"{API}/sessions/{sid}").json()
    export(client, sid, "pytorch")
    export(client, sid, "ipynb")
    after = client.get(f"{API}/sessions/{sid}").json()
    assert after == before
    assert np.array(after["layers"][1]["W"]).shape == (2, 2)


def test_the_openapi_document_describes_the_formats(client):
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/sessions/{session_id}/export"]["get"]
    parameter = next(p for p in operation["parameters"] if p["name"] == "format")
    assert parameter["in"] == "query" and set(parameter["schema"]["enum"]) == {"json", "pytorch", "ipynb"}
    content = operation["responses"]["200"]["content"]
    assert {"application/json", "text/x-python", "application/x-ipynb+json"} <= set(content)
    assert "409" in operation["responses"] and "404" in operation["responses"]


@pytest.mark.parametrize("change", [
    {"learning_rate": 0.05},  # same name: the buffers are kept
    {"momentum": 0.0},  # buffers kept but unused, in torch as in the session
    {"weight_decay": 0.03},
])
def test_after_an_optimizer_patch_mid_iteration(client, change):
    sid = create(client, {"preset": "circle", "optimizer": MOMENTUM})["id"]
    train(client, sid, 3)
    step(client, sid, {"count": 2})
    response = client.patch(f"{API}/sessions/{sid}", json={"optimizer": change})
    assert response.status_code == 200, response.text
    check_export(client, sid)
    check_export(client, sid)


def test_momentum_turned_on_after_plain_sgd(client):
    sid = worked_example(client)["id"]
    train(client, sid, 2)
    assert client.patch(f"{API}/sessions/{sid}", json={"optimizer": {"momentum": 0.5}}).status_code == 200
    check_export(client, sid)
    assert "MOMENTUM_BUFFERS" in export(client, sid, "pytorch").text  # the first momentum step made them
    check_export(client, sid)


def test_held_out_rows_with_cross_entropy(client):
    sid = create(client, {"layers": [2, 5, 3], "activations": ["relu", "softmax"], "loss": "cross_entropy", "batch_size": 16,
                          "optimizer": ADAM, "data": {"dataset": "spiral", "samples": 90, "noise": 0.1, "test_fraction": 0.3}})["id"]
    train(client, sid, 4)
    assert "held_out_loss = F.cross_entropy(logits, targets[HELD_OUT])" in export(client, sid, "pytorch").text
    check_export(client, sid)
