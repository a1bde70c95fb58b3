"""The inspector's chain-rule ledger and numeric estimate, on the worked example."""
from __future__ import annotations

import re


from app.lab.inspecting import inspector_view
from app.lab.inspector import edge_view, unit_view
from app.ui.numbers import fmt
from tests.engine import reference
from tests.lab.worked_example import B1, B2, INPUTS, TARGETS, W1, W2, doc_after

MAZUR_DE_DW5 = 0.082167041  # his dE_total/dw5 (our w^(2)_{0,0})


def readings(view):
    return {r.hook: r.value for r in view.readings}


def test_edge_ledger_multiplies_the_three_factors():
    view = edge_view(doc_after(4), 2, 0, 0, 0, None)
    values = readings(view)
    assert values["w"] == "0.4" and values["grad"] == "0.082167"
    assert values["dl-da"] == "0.741365" and values["f-prime"] == "0.186816" and values["a-from"] == "0.59327"
    numbers = re.findall(r"<mn>([^<]+)</mn>", str(view.ledger[1]))
    assert numbers == ["0.741365", "0.186816", "0.59327", "0.082167"]
    assert view.edit_value == "0.4"


def mazur_loss_with_w5(shift: float) -> float:
    """The worked example's loss with w5 moved by shift, by the reference network (no app code)."""
    W = [None, W1.copy(), W2.copy()]
    W[2][0, 0] += shift
    _z, a = reference.forward(W, [None, B1, B2], [None, "sigmoid", "sigmoid"], INPUTS)
    return float(reference.loss_value("mse", a[2], TARGETS))


def test_edge_numeric_estimate_is_a_real_central_difference(client):
    """The inspector's estimate through the service, against the same difference quotient
    computed here from the reference network and against Mazur's published gradient."""
    session = client.post("/api/v1/sessions", json={"preset": "worked-example"}).json()
    doc = client.post(f"/api/v1/sessions/{session['id']}/step", json={"count": 4}).json()
    service = client.app.state.sessions
    state = service.show(session["id"])
    view = inspector_view(state.reader, state.doc, {"kind": "edge", "layer": "2", "to": "0", "from": "0"}, 0)
    eps = 1e-5
    plus, minus = mazur_loss_with_w5(eps), mazur_loss_with_w5(-eps)
    numeric = float(view.numeric_value)
    assert abs(numeric - (plus - minus) / (2 * eps)) < 1e-10
    assert abs(numeric - MAZUR_DE_DW5) < 1e-9
    shown = re.findall(r"<mn>([^<]+)</mn>", str(view.numeric[1]))
    assert shown[:2] == [fmt(plus, 10), fmt(minus, 10)]
    analytic = doc["layers"][2]["grad"]["W"][0][0]
    difference = abs(analytic - numeric) / (abs(analytic) + abs(numeric))
    assert f"Relative difference from backpropagation: {fmt(difference, 2)}." in view.numeric_note


def test_edge_before_backward_asks_for_the_step():
    view = edge_view(doc_after(1), 2, 1, 0, 0, None)
    assert not view.ledger and "backward step of layer 2" in view.ledger_note
    assert readings(view)["grad"] == ""


def test_unit_view_reads_z_a_derivative_and_delta():
    view = unit_view(doc_after(5), 1, 0, 0, None)
    values = readings(view)
    assert values["z"] == "0.3775" and values["a"] == "0.59327"
    assert values["f-prime"] == "0.241301"
    assert values["dl-da"] == "0.0363503"  # Mazur: dE/dout_h1 = 0.036350306
    assert values["delta"] == "0.00877135"
    assert values["b"] == "0.35"
    assert view.edit_value == "0.35" and view.from_ is None


def test_input_unit_has_no_bias_to_edit():
    view = unit_view(doc_after(1), 0, 1, 0, None)
    assert readings(view) == {"a": "0.1"} and view.edit_value == ""


def test_after_the_update_the_check_is_taken_where_the_gradient_was(client):
    """The gradients shown after an update belong to the weights before it: so does the check."""
    session = client.post("/api/v1/sessions", json={"preset": "xor"}).json()
    finished = client.post(f"/api/v1/sessions/{session['id']}/step", json={"until": "update"}).json()
    service = client.app.state.sessions
    estimate = service.numeric_partial(session["id"], 2, 0, 0)
    analytic = finished["layers"][2]["grad"]["W"][0][0]
    assert abs(estimate["numeric"] - analytic) <= 1e-7 * max(1.0, abs(analytic))
    before = client.post(f"/api/v1/sessions/{session['id']}/back").json()
    assert estimate["at"] == before["layers"][2]["W"][0][0] != finished["layers"][2]["W"][0][0]
