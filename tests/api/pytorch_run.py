"""Running an exported PyTorch program and comparing what it prints with the API."""
from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

from tests.api.helpers import API

TOLERANCE = 1e-10  # relative and absolute (API.md)


def need_torch():
    return pytest.importorskip("torch", reason="torch is not installed: pip install torch==2.13.0 (CPU) to compare the export with PyTorch")


def export(client, sid: str, export_format: str):
    response = client.get(f"{API}/sessions/{sid}/export", params={"format": export_format})
    assert response.status_code == 200, response.text
    return response


def run_output(source: str) -> list[str]:
    """Runs a program in this process (torch is imported once for every test): its output lines."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(source, "<export>", "exec"), {"__name__": "__main__"})
    return output.getvalue().strip().splitlines()


def run_source(source: str) -> dict:
    """The JSON object of a program's last line of output."""
    return json.loads(run_output(source)[-1])


def notebook_source(notebook: dict) -> str:
    return "\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")


def expected_after_update(client, sid: str) -> dict:
    """What the API shows after step until update: the loss, gradients and new parameters."""
    response = client.post(f"{API}/sessions/{sid}/step", json={"until": "update"})
    assert response.status_code == 200, response.text
    doc = response.json()
    layers = doc["layers"][1:]
    return {
        "loss": doc["history"][-1]["loss"],
        "grad": {"W": [layer["grad"]["W"] for layer in layers], "b": [layer["grad"]["b"] for layer in layers]},
        "W": [layer["W"] for layer in layers],
        "b": [layer["b"] for layer in layers],
    }


def assert_same(printed: dict, expected: dict) -> None:
    assert set(printed) == {"loss", "grad", "W", "b"} and set(printed["grad"]) == {"W", "b"}
    np.testing.assert_allclose(printed["loss"], expected["loss"], rtol=TOLERANCE, atol=TOLERANCE)
    for key in ("W", "b"):
        assert len(printed[key]) == len(expected[key])
        for got, want in zip(printed[key], expected[key]):
            np.testing.assert_allclose(np.array(got), np.array(want), rtol=TOLERANCE, atol=TOLERANCE)
        for got, want in zip(printed["grad"][key], expected["grad"][key]):
            np.testing.assert_allclose(np.array(got), np.array(want), rtol=TOLERANCE, atol=TOLERANCE)


def check_export(client, sid: str) -> dict:
    """The script and the notebook's code cells both print what the API shows after the next
    update; answers that (the session has taken the update)."""
    need_torch()
    script = export(client, sid, "pytorch").text
    notebook = export(client, sid, "ipynb").json()
    script_output = run_output(script)
    from_notebook = run_source(notebook_source(notebook))
    expected = expected_after_update(client, sid)
    assert_same(json.loads(script_output[-1]), expected)
    assert_same(from_notebook, expected)
    held_out = [line for line in script_output if line.startswith("held-out loss: ")]
    if held_out:  # held-out rows: their loss is history's test_loss for this iteration
        test_loss = client.get(f"{API}/sessions/{sid}").json()["history"][-1]["test_loss"]
        np.testing.assert_allclose(float(held_out[0].split(": ")[1]), test_loss, rtol=TOLERANCE, atol=TOLERANCE)
    return expected
