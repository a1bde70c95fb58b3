""""In PyTorch" beside each step: the lines name this session's layers, shapes, loss and optimizer,
they are lines of the exported program, and run in torch they hold the numbers the step shows."""
from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pytest

from app.lab.pytorch_lines import pytorch_lines
from tests.api.helpers import API, create, step
from tests.api.pytorch_run import export, need_torch

ADAM = {"name": "adam", "learning_rate": 0.01, "beta1": 0.85, "beta2": 0.99, "eps": 1e-8}


def codes(doc: dict) -> list[str]:
    return [line.code for line in pytorch_lines(doc).lines]


def walk_iteration(client, sid: str) -> list[dict]:
    """The session after each step of one iteration, forward 1 to the update."""
    first = step(client, sid)
    docs = [first]
    while docs[-1]["last_step"] != {"phase": "update"}:
        docs.append(step(client, sid))
    return docs


def test_lines_name_this_sessions_layers_shapes_and_loss(client):
    sid = create(client, {"layers": [2, 5, 3], "activations": ["leaky_relu", "softmax"], "loss": "cross_entropy",
                          "optimizer": ADAM, "batch_size": 8,
                          "data": {"dataset": "gauss", "samples": 40, "noise": 0.2}})["id"]
    ready = client.get(f"{API}/sessions/{sid}").json()
    assert codes(ready)[:2] == ["layer1 = torch.nn.Linear(2, 5)", "layer2 = torch.nn.Linear(5, 3)"]
    docs = walk_iteration(client, sid)
    forward1, forward2, loss, backward2, backward1, update = docs
    assert codes(forward1) == ["z1 = layer1(a0)", "a1 = F.leaky_relu(z1, negative_slope=0.01)"]
    assert codes(forward2) == ["z2 = layer2(a1)", "a2 = torch.softmax(z2, dim=1)"]
    comments = [line.comment for line in pytorch_lines(forward1).lines]
    assert comments[0].startswith("(8, 5): a0 @ layer1.weight.T + layer1.bias")
    assert codes(loss)[0] == "loss = F.cross_entropy(z2, y)"
    assert "loss.backward()" in codes(backward2) and "layer2.weight.grad" in codes(backward2)
    grad_comment = next(line.comment for line in pytorch_lines(backward2).lines if line.code == "layer2.weight.grad")
    dW = np.array(backward2["layers"][2]["grad"]["W"])
    assert grad_comment.startswith("(3, 5), row 0 = [" + ", ".join(f"{v:.4g}" for v in dW[0][:4]))
    assert "layer1.weight.grad" in codes(backward1) and "loss.backward()" not in codes(backward1)
    assert "optimizer = torch.optim.Adam(parameters, lr=0.01, betas=(0.85, 0.99), eps=1e-08)" in codes(update)
    assert "optimizer.step()" in codes(update)


@pytest.mark.parametrize("loss, output, line", [
    ("mse", "linear", "loss = F.mse_loss(a2, y)"),
    ("bce", "sigmoid", "loss = F.binary_cross_entropy(a2, y)"),
    ("cross_entropy", "softmax", "loss = F.cross_entropy(z2, y)"),
])
def test_the_loss_function(client, loss, output, line):
    outputs = 2 if output == "softmax" else 1
    sid = create(client, {"layers": [2, 3, outputs], "activations": ["tanh", output], "loss": loss,
                          "data": {"dataset": "xor", "samples": 8}})["id"]
    assert codes(step(client, sid, {"until": "loss"}))[0] == line


@pytest.mark.parametrize("optimizer, rule", [
    ({"name": "sgd", "learning_rate": 0.2}, "p -= lr * g"),
    ({"name": "sgd", "learning_rate": 0.2, "momentum": 0.5}, "buf = momentum*buf + g"),
    ({"name": "adam", "learning_rate": 0.01}, "m = b1*m + (1-b1)*g"),
])
def test_what_the_update_does(client, optimizer, rule):
    sid = create(client, {"preset": "worked-example", "optimizer": optimizer})["id"]
    doc = step(client, sid, {"until": "update"})
    lines = pytorch_lines(doc).lines
    step_line = next(line for line in lines if line.code == "optimizer.step()")
    assert step_line.comment.startswith(rule)


def test_weight_decay_is_said(client):
    sid = create(client, {"preset": "worked-example", "optimizer": {"name": "sgd", "learning_rate": 0.2, "weight_decay": 0.01}})["id"]
    doc = step(client, sid, {"until": "update"})
    assert "weight_decay=0.01" in " ".join(codes(doc))
    assert "# g = p.grad + weight_decay * p" in codes(doc)


def _expression_value(namespace: dict, expression: str):
    value = eval(expression, namespace)  # noqa: S307 - the lines under test, in torch
    return None if value is None else np.asarray(value.detach() if hasattr(value, "detach") else value, dtype=float)


@pytest.mark.parametrize("config", [
    {"preset": "circle", "optimizer": {"name": "sgd", "learning_rate": 0.3, "momentum": 0.9}},
    {"preset": "three-classes", "optimizer": {"name": "adam", "learning_rate": 0.02}},
])
def test_the_lines_run_in_the_export_and_hold_the_numbers_shown(client, config):
    """Each assignment of the lines is a line of the exported program; each value the lines name
    (z1, a1, loss.item(), layer2.weight.grad, z2.grad, a1.grad, ...) is, in torch, the value the
    step shows (a2.grad is None where F.cross_entropy took the logits, as the line says)."""
    torch = need_torch()
    sid = create(client, config)["id"]
    client.post(f"{API}/sessions/{sid}/train", json={"iterations": 2})
    script = export(client, sid, "pytorch").text
    namespace: dict = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(script, "<export>", "exec"), namespace)
    program_lines = {line.split("  # ")[0].strip() for line in script.splitlines()}
    for doc in walk_iteration(client, sid):
        phase = doc["last_step"]["phase"]
        for line in pytorch_lines(doc).lines:
            code = line.code.strip()
            if code.startswith("#"):
                continue
            assignment = re.fullmatch(r"(\w+) = (.+)", code)
            if assignment or code.endswith(":") or code in ("loss.backward()", "optimizer.step()", "optimizer.zero_grad()"):
                assert code in program_lines, code  # it runs in the export
            if phase == "forward" and assignment:
                name = assignment.group(1)
                kind = name[0]
                want = doc["layers"][int(name[1:])][kind]
                np.testing.assert_allclose(namespace[name].detach().numpy(), want, rtol=1e-10, atol=1e-12)
            elif code == "loss.item()":
                assert namespace["loss"].item() == pytest.approx(doc["loss"]["value"], rel=1e-10)
            elif code.endswith(".grad") and phase == "backward":
                got = _expression_value(namespace, code)
                if line.comment.startswith("None"):
                    assert got is None and config["preset"] == "three-classes", code
                    continue
                target, field = code[: -len(".grad")], None
                if target.startswith("layer"):
                    l, field = int(target[5:].split(".")[0]), "W" if target.endswith("weight") else "b"
                    want = doc["layers"][l]["grad"][field]
                else:
                    l = int(target[1:])
                    want = doc["layers"][l]["grad"]["z" if target[0] == "z" else "a"]
                np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert torch.get_default_dtype() == torch.float64


def test_the_session_page_has_the_toggle_and_the_downloads(client):
    sid = create(client, {"preset": "worked-example"})["id"]
    page = client.get(f"/s/{sid}").text
    assert 'id="pytorch-toggle"' in page and 'type="checkbox"' in page
    assert f'href="/api/v1/sessions/{sid}/export?format=pytorch" download' in page
    assert f'href="/api/v1/sessions/{sid}/export?format=ipynb" download' in page
    assert "layer1 = torch.nn.Linear(2, 2)" in page
    assert '<script src="/static/js/pytorch.js" defer></script>' in page
    projector = client.get(f"/s/{sid}", params={"projector": "1"}).text
    assert 'id="pytorch-toggle"' in projector
    chinese = client.get(f"/s/{sid}", headers={"Accept-Language": "zh-CN"}).text
    assert "layer1 = torch.nn.Linear(2, 2)" in chinese  # code stays code
    assert "Download as PyTorch script" not in chinese


def test_before_the_first_step_the_lines_build_the_model_and_its_inputs(client):
    features = ["x1^2", "x2^2", "x1*x2"]
    sid = create(client, {"layers": [3, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce", "batch_size": 5,
                          "data": {"dataset": "circle", "samples": 30, "features": features, "test_fraction": 0.2}})["id"]
    ready = client.get(f"{API}/sessions/{sid}").json()
    lines = codes(ready)
    assert lines[:2] == ["layer1 = torch.nn.Linear(3, 2)", "layer2 = torch.nn.Linear(2, 1)"]
    assert "inputs = torch.stack([x1 * x1, x2 * x2, x1 * x2], dim=1)" in lines
    program = {line.split("  # ")[0].strip() for line in export(client, sid, "pytorch").text.splitlines()}
    assert all(line in program for line in lines), [line for line in lines if line not in program]
    comment = next(line.comment for line in pytorch_lines(ready).lines if line.code == "a0 = x")
    assert comment.startswith("the batch: 5 rows of 3 inputs, (5, 3)")
