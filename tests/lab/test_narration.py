"""Narration of each step of the worked example: the sentences and the numbers in the MathML."""
from __future__ import annotations

import re

import numpy as np
import pytest

from app.i18n import current_locale
from app.engine.optimizers import SGD
from app.lab.narration import ENGINE_MSGIDS, narrate
from tests.lab.worked_example import doc_after, initial_doc


def numbers_in(formula) -> list[str]:
    return re.findall(r"<mn>([^<]+)</mn>", str(formula))


def test_before_the_first_step_it_says_what_to_do():
    narration = narrate(initial_doc())
    assert narration.title == "Ready" and not narration.formulas
    assert "layer 1" in narration.sentences[0]


def test_forward_1_shows_the_weighted_sum_and_the_sigmoid():
    narration = narrate(doc_after(1))
    assert narration.title == "Forward through layer 1"
    definition, z_formula, a_formula = map(str, narration.formulas[:3])  # z on two lines
    assert "∑" in definition
    assert "<mn>0.15</mn><mo>·</mo><mn>0.05</mn>" in z_formula
    assert "<mn>0.2</mn><mo>·</mo><mn>0.1</mn>" in z_formula
    assert numbers_in(z_formula)[-1] == "0.3775"
    assert "<mi>σ</mi><mo>\u2061</mo><mrow><mo>(</mo><mn>0.3775</mn><mo>)</mo></mrow>" in a_formula
    assert numbers_in(a_formula)[-2:] == ["0.3775", "0.59327"]


def test_loss_shows_the_value_and_its_terms():
    narration = narrate(doc_after(3))
    formula = str(narration.formulas[1])
    assert numbers_in(formula)[-1] == "0.298371"
    assert "<mn>0.75137</mn><mo>−</mo><mn>0.01</mn>" in formula
    assert "L = 0.298371" in narration.sentences[0]


def test_backward_2_shows_delta_and_the_weight_gradient():
    narration = narrate(doc_after(4))
    definition, delta, dw00 = map(str, narration.formulas[:3])  # delta on two lines
    assert "∂" in definition
    # delta = dL/da * f'(z) = 0.741365 * 0.186816 = 0.138499
    assert numbers_in(delta)[-3:] == ["0.74137", "0.18682", "0.1385"]
    assert numbers_in(dw00)[-3:] == ["0.1385", "0.59327", "0.082167"]
    assert "At the output" in narration.sentences[1]


def test_backward_1_sends_delta_back_through_the_weights():
    narration = narrate(doc_after(5))
    dA = str(narration.formulas[0])
    # dL/da_0^(1) = w_00 delta_0 + w_10 delta_1 = 0.40 * 0.138499 + 0.50 * (-0.038098) = 0.036350
    assert "<mn>0.4</mn><mo>·</mo><mn>0.1385</mn>" in dA
    assert numbers_in(dA)[-1] == "0.03635"
    assert "layer 2" in narration.sentences[1]


def worked_example_report(layer, to, source):
    """What plain SGD (lr 0.5) did to one parameter of the worked example, as the engine says."""
    before, after = doc_after(5)["layers"][layer], doc_after(6)["layers"][layer]
    old = before["b"][to] if source is None else before["W"][to, source]
    grad = after["grad"]["b"][to] if source is None else after["grad"]["W"][to, source]
    return SGD(0.5).explain(0, old, grad)


def test_update_shows_old_and_new_weight():
    narration = narrate(doc_after(6), update_report=worked_example_report)
    rule, w5 = map(str, narration.formulas[:2])
    assert "\u2190" in rule and "<mi>η</mi>" in rule
    assert numbers_in(w5)[-4:] == ["0.4", "0.5", "0.082167", "0.35891648"]
    assert "Iteration 1 is done; its loss 0.298371 joins the curve." in narration.sentences


def test_without_a_report_the_update_shows_the_new_weights_only():
    narration = narrate(doc_after(6))
    assert [numbers_in(f)[-1] for f in narration.formulas] == ["0.35891648", "0.14978072"]


def test_batches_say_which_sample_the_numbers_are_from():
    doc = doc_after(1, initial_doc(inputs=np.array([[0.05, 0.1], [0.2, 0.3]]), targets=np.array([[0.0, 1.0], [1.0, 0.0]])))
    narration = narrate(doc, focus=1)
    assert "sample 1 of 2" in narration.sentences[-1]
    assert "<mn>0.15</mn><mo>·</mo><mn>0.2</mn>" in str(narration.formulas[1])


def test_narration_is_translated():
    token = current_locale.set("zh_CN")
    try:
        narration = narrate(doc_after(1))
    finally:
        current_locale.reset(token)
    assert narration.title == "前向传播：第 1 层"
    assert "激活函数 sigmoid" in narration.sentences[0]


def test_every_loss_and_activation_narrates_without_gaps():
    """bce and cross-entropy, tanh/relu/linear/softmax: each step narrates with its numbers."""
    from tests.lab.test_layout import random_doc

    for loss, activation in (("bce", "sigmoid"), ("cross_entropy", "softmax"), ("mse", "linear"), ("mse", "tanh")):
        doc = random_doc([3, 4, 2])
        doc["loss"] = {"name": loss, "value": 0.5}
        doc["layers"][2]["activation"] = activation
        doc["config"]["optimizer"] = {"name": "adam", "learning_rate": 0.01}
        doc["config"]["layers"] = [3, 4, 2]
        doc["history"] = [{"iteration": 1, "loss": 0.5}]
        doc["iteration"] = 1
        for step in ({"phase": "forward", "layer": 2}, {"phase": "loss"}, {"phase": "backward", "layer": 2},
                     {"phase": "backward", "layer": 1}, {"phase": "update"}):
            doc["last_step"] = step
            narration = narrate(doc, focus=2)
            assert narration.sentences and narration.formulas
            assert "<mo>=</mo><mo>=</mo>" not in "".join(map(str, narration.formulas))


def test_each_phase_links_the_lesson_pages_of_its_ideas():
    from app.lab.idea_links import BY_PHASE

    hrefs = {phase: [link.href for link in links] for phase, links in BY_PHASE.items()}
    assert "/learn/chain-rule" in hrefs["backward"] and "/learn/derivative" in hrefs["backward"]
    assert "/learn/descent" in hrefs["update"] and "/learn/gradient" in hrefs["update"]


def test_the_narration_and_the_inspector_link_to_pages_that_exist(client):
    from app.lab.idea_links import BY_PHASE, EDGE

    for link in {link for links in BY_PHASE.values() for link in links} | set(EDGE):
        assert client.get(link.href).status_code == 200, link.href


def test_the_engine_words_the_narration_shows_are_in_the_catalog_list():
    from app.engine.losses import LOSSES
    from app.engine.optimizers import make_optimizer

    listed = set(ENGINE_MSGIDS)
    words = {cls.display_name for cls in LOSSES.values()}
    words |= {make_optimizer(config).summary for config in ({"name": "sgd"}, {"name": "sgd", "momentum": 0.9}, {"name": "adam"})}
    words |= {make_optimizer({"name": name, "weight_decay": 0.1}).decay_summary for name in ("sgd", "adam")}
    assert words == listed


def test_momentum_and_adam_updates_show_their_state_from_the_session(client):
    """Through the service: the velocity (or the moments) the optimizer used, its numbers from
    the API's own gradients, and a new value equal to the weight the API reports."""
    from app.ui.numbers import fmt

    for optimizer in ({"name": "sgd", "learning_rate": 0.5, "momentum": 0.9}, {"name": "adam", "learning_rate": 0.01}):
        sid = client.post("/api/v1/sessions", json={"preset": "worked-example", "optimizer": optimizer}).json()["id"]
        first = client.post(f"/api/v1/sessions/{sid}/step", json={"until": "update"}).json()
        before = client.post(f"/api/v1/sessions/{sid}/step", json={"count": 5}).json()  # up to the second update
        service = client.app.state.sessions
        assert service.update_report(sid, 2, 0, 0) is None  # the last step is no update
        after = client.post(f"/api/v1/sessions/{sid}/step", json={"count": 1}).json()
        g1, g2 = first["layers"][2]["grad"]["W"][0][0], after["layers"][2]["grad"]["W"][0][0]
        lines = service.update_report(sid, 2, 0, 0)
        assert lines[-1].result == after["layers"][2]["W"][0][0]  # to the bit
        assert lines[-1].values["w"] == before["layers"][2]["W"][0][0]
        state = service.show(sid)  # the document and a reader from one hold of the session, as the pages do
        narration = narrate(state.doc, update_report=state.reader.update_report)
        text = "".join(map(str, narration.formulas))
        if optimizer["name"] == "sgd":
            velocity = 0.9 * g1 + g2
            assert lines[0].target == "v" and lines[0].result == pytest.approx(velocity, rel=1e-15)
            assert f"<mn>{fmt(g1, 5)}</mn>" in text and f"<mn>{fmt(velocity, 5)}</mn>" in text
        else:
            m = 0.9 * (0.1 * g1) + 0.1 * g2
            assert [line.target for line in lines] == ["m", "v", "m_hat", "v_hat", "w"]
            assert lines[0].result == pytest.approx(m, rel=1e-12)
            assert f"<mn>{fmt(lines[0].result, 5)}</mn>" in text and f"<mn>{fmt(lines[3].result, 5)}</mn>" in text
        assert f"<mn>{fmt(after['layers'][2]['W'][0][0], 8)}</mn>" in text


def test_softmax_cross_entropy_shows_y_hat_minus_y_over_b(client):
    created = client.post("/api/v1/sessions", json={"preset": "three-classes"}).json()
    L = len(created["layers"]) - 1
    doc = client.post(f"/api/v1/sessions/{created['id']}/step", json={"count": L + 2}).json()  # to backward L
    assert doc["last_step"] == {"phase": "backward", "layer": L}
    y_hat, y = doc["layers"][L]["a"][0][0], doc["batch"]["targets"][0][0]
    rows = len(doc["batch"]["targets"])
    narration = narrate(doc)
    fused = str(narration.formulas[1])
    from app.ui.numbers import fmt

    assert numbers_in(fused) == [fmt(y_hat, 5), fmt(y, 5), str(rows), fmt(doc["layers"][L]["grad"]["z"][0][0], 5)]
    assert doc["layers"][L]["grad"]["z"][0][0] == pytest.approx((y_hat - y) / rows, rel=1e-12)
