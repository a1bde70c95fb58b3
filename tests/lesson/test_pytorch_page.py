"""Page 7, "What PyTorch does for you": the autograd graph's values and grads are the session's for
the sample in focus, the walk fills grads in reverse topological order, each grad is the sum of
its terms (the chain rule), and the page falls back to the worked example with a reason."""
from __future__ import annotations

import re

import numpy as np
import pytest

from app.lesson.maths.autograd_graph import build_graph, engine_trace, layout_columns
from app.lesson.pages import PAGES
from app.lesson.pages.pytorch import MAX_VALUES, value_count
from tests.api.helpers import API, create, step

NODE = re.compile(r'data-id="(\w+)" data-data="([^"]*)" data-grad="([^"]*)"')


def graph_numbers(client, **query) -> dict[str, tuple[float, float | None]]:
    response = client.get("/learn/pytorch", params=query)
    assert response.status_code == 200, response.text
    return {node: (float(data), float(grad) if grad else None) for node, data, grad in NODE.findall(response.text)}


def to_backward_1(client, sid: str) -> dict:
    """The session stepped to just before its next update: every value of the graph shown."""
    doc = client.get(f"{API}/sessions/{sid}").json()
    while doc["next_step"] != {"phase": "update"}:
        doc = step(client, sid)
    return doc


def assert_graph_is_the_session(numbers: dict, doc: dict, row: int) -> None:
    layers = doc["layers"]
    L = len(layers) - 1
    close = dict(rtol=1e-12, atol=1e-15)
    for i, value in enumerate(layers[0]["a"][row]):
        np.testing.assert_allclose(numbers[f"a0_{i}"][0], value, **close)
    for l in range(1, L + 1):
        layer = layers[l]
        W, b = np.array(layer["W"]), np.array(layer["b"])
        for j in range(layer["size"]):
            np.testing.assert_allclose(numbers[f"z{l}_{j}"], (layer["z"][row][j], layer["grad"]["z"][row][j]), **close)
            np.testing.assert_allclose(numbers[f"a{l}_{j}"], (layer["a"][row][j], layer["grad"]["a"][row][j]), **close)
            np.testing.assert_allclose(numbers[f"b{l}_{j}"][0], b[j], **close)
            for i in range(W.shape[1]):
                np.testing.assert_allclose(numbers[f"w{l}_{j}_{i}"][0], W[j, i], **close)
                share = layer["grad"]["z"][row][j] * layers[l - 1]["a"][row][i]
                np.testing.assert_allclose(numbers[f"w{l}_{j}_{i}"][1], share, **close)
    np.testing.assert_allclose(numbers["loss"], (doc["loss"]["value"], 1.0), **close)


def test_the_page_is_in_the_lesson():
    assert PAGES[-1].slug == "pytorch" and PAGES[-1].url == "/learn/pytorch"


def test_the_worked_example_graph_is_the_apis(client):
    numbers = graph_numbers(client, step=10**4)
    sid = create(client, {"preset": "worked-example"})["id"]
    doc = to_backward_1(client, sid)
    assert_graph_is_the_session(numbers, doc, 0)
    # one sample: a weight's grad here is the session's whole grad.W
    np.testing.assert_allclose(numbers["w2_0_0"][1], doc["layers"][2]["grad"]["W"][0][0], rtol=1e-12)
    assert numbers["w2_0_0"][1] == pytest.approx(0.082167041, abs=1e-9)  # Mazur's dL/dw5


@pytest.mark.parametrize("config", [
    {"preset": "xor"},
    {"layers": [2, 3, 3], "activations": ["relu", "softmax"], "loss": "cross_entropy", "optimizer": {"name": "adam", "learning_rate": 0.05},
     "data": {"dataset": "gauss", "samples": 12, "noise": 0.4}, "batch_size": 5},
    {"layers": [1, 4, 1], "activations": ["leaky_relu", "linear"], "loss": "mse", "data": {"dataset": "sine", "samples": 10}},
])
def test_a_sessions_graph_is_the_sessions_next_iteration_for_the_sample_in_focus(client, config):
    sid = create(client, config)["id"]
    client.post(f"{API}/sessions/{sid}/train", json={"iterations": 3})
    step(client, sid, {"count": 2})  # mid-iteration: the graph is this iteration's, on this batch
    numbers = graph_numbers(client, session=sid, focus=2, step=10**4)
    assert_graph_is_the_session(numbers, to_backward_1(client, sid), 2)


def test_after_an_update_it_is_the_next_iterations_graph(client):
    sid = create(client, {"preset": "xor"})["id"]
    client.post(f"{API}/sessions/{sid}/train", json={"iterations": 2})
    numbers = graph_numbers(client, session=sid, focus=1, step=10**4)
    assert_graph_is_the_session(numbers, to_backward_1(client, sid), 1)


def test_reading_the_page_changes_nothing(client):
    sid = create(client, {"preset": "xor"})["id"]
    step(client, sid, {"count": 3})
    before = client.get(f"{API}/sessions/{sid}").json()
    graph_numbers(client, session=sid, step=5)
    assert client.get(f"{API}/sessions/{sid}").json() == before


def test_the_walk_fills_grads_from_the_loss_in_reverse_topological_order(client):
    numbers = graph_numbers(client, step=0)
    assert all(grad is None for _data, grad in numbers.values())
    assert [k for k, (_d, g) in graph_numbers(client, step=1).items() if g is not None] == ["loss"]
    trace = engine_trace((2, 2, 2), ["sigmoid", "sigmoid"], "mse", [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]],
                         [[0.35, 0.35], [0.6, 0.6]], [[0.05, 0.1]], [[0.01, 0.99]])
    W = [None, np.array([[0.15, 0.2], [0.25, 0.3]]), np.array([[0.4, 0.45], [0.5, 0.55]])]
    b = [None, np.array([0.35, 0.35]), np.array([0.6, 0.6])]
    graph = build_graph(W, b, ["sigmoid", "sigmoid"], "mse", trace, 0)
    values = [n for n, node in graph.nodes.items() if node.kind == "value"]
    assert sorted(graph.backward_order) == sorted(values) and len(values) == value_count((2, 2, 2))
    position = {node_id: index for index, node_id in enumerate(graph.backward_order)}
    consumers: dict[str, set[str]] = {}
    outputs = {source: target for source, target in graph.edges if graph.nodes[source].kind == "op"}
    for source, target in graph.edges:
        if graph.nodes[source].kind == "value":
            consumers.setdefault(source, set()).add(outputs[target])
    for node_id, used_by in consumers.items():  # a node's grad comes after every node that uses it
        assert all(position[user] < position[node_id] for user in used_by), node_id
    for node_id in graph.backward_order[1:]:  # the chain rule: the grad is the sum of its terms
        node = graph.nodes[node_id]
        assert node.grad == pytest.approx(sum(t.grad * t.local for t in node.terms), rel=1e-12, abs=1e-15), node_id
    columns = layout_columns(graph)
    assert all(columns[s] < columns[t] for s, t in graph.edges)  # drawn left to right
    count = len(graph.backward_order)
    page = client.get("/learn/pytorch", params={"step": 7}).text
    assert f"7 of {count} grads filled." in page
    assert 'id="walk-next" href="/learn/pytorch?focus=0&amp;step=8"' in page


def test_the_current_node_is_explained_with_its_numbers(client):
    page = client.get("/learn/pytorch", params={"step": 4}).text  # L, a2_0, a2_1, z2_0
    formula = re.search(r'<code id="autograd-formula">(.*?)</code>', page).group(1)
    assert formula.startswith("grad(z[2][0]) = 0.7414 × 0.1868 = 0.138499")


def test_the_link_back_to_the_session(client):
    sid = create(client, {"preset": "xor"})["id"]
    page = client.get("/learn/pytorch", params={"session": sid, "focus": 3}).text
    assert f'id="autograd-session-link" href="/s/{sid}?focus=3"' in page
    plain = client.get("/learn/pytorch").text
    assert 'id="autograd-session-link" href="/open/worked-example?steps=5"' in plain


def test_the_session_page_links_to_its_graph(client):
    sid = create(client, {"preset": "xor"})["id"]
    page = client.get(f"/s/{sid}", params={"focus": 2}).text
    assert f'href="/learn/pytorch?session={sid}&amp;focus=2"' in page


def test_unknown_too_large_and_bad_queries_fall_back_to_the_worked_example(client):
    page = client.get("/learn/pytorch", params={"session": "no-such-session"})
    assert page.status_code == 200 and "There is no session no-such-session" in page.text
    big = create(client, {"preset": "circle"})["id"]
    assert value_count((2, 8, 8, 1)) > MAX_VALUES
    assert "more than this page draws" in client.get("/learn/pytorch", params={"session": big}).text
    bad = client.get("/learn/pytorch", params={"session": "<script>", "focus": "-1"})
    assert bad.status_code == 422 and "<script>" not in bad.text.split("lesson-errors", 1)[1].split("</div>", 1)[0].replace("&lt;script&gt;", "")
    assert 'data-id="w2_0_0"' in bad.text


def test_a_refused_session_says_why(client):
    sid = create(client, {"layers": [1, 1], "activations": "linear", "loss": "mse", "weights": [[[1e200]]], "biases": [[0.0]],
                          "data": {"inputs": [[1e200]], "targets": [[0.0]]}})["id"]
    page = client.get("/learn/pytorch", params={"session": sid}).text
    assert f"Session {sid} cannot run its next iteration" in page


def test_in_chinese(client):
    page = client.get("/learn/pytorch", headers={"Accept-Language": "zh-CN"}).text
    assert "PyTorch 为你做了什么" in page and "反向模式" in page
    assert "grad ?" in page  # the node's fields stay as draw_dot writes them


def test_the_inputs_grads_agree_with_central_differences():
    """The graph also gives x its grads (the API has none to compare with): checked against
    central differences of the engine's loss."""
    from app.engine.losses import get_loss
    from app.engine.network import init_network

    W1, W2 = [[0.3, -0.8], [0.5, 0.2], [-0.4, 0.9]], [[0.7, -0.6, 0.25]]
    b1, b2 = [0.1, -0.2, 0.05], [0.3]
    x, y = np.array([[0.4, -1.3]]), np.array([[0.8]])
    trace = engine_trace((2, 3, 1), ["tanh", "sigmoid"], "bce", [W1, W2], [b1, b2], x, y)
    graph = build_graph([None, np.array(W1), np.array(W2)], [None, np.array(b1), np.array(b2)], ["tanh", "sigmoid"], "bce", trace, 0)
    network = init_network((2, 3, 1), ["tanh", "sigmoid"], weights=[W1, W2], biases=[b1, b2])
    loss, eps = get_loss("bce"), 1e-6
    for i in range(2):
        bump = np.zeros_like(x)
        bump[0, i] = eps
        numeric = (loss.value(network.predict(x + bump), y) - loss.value(network.predict(x - bump), y)) / (2 * eps)
        assert graph.nodes[f"a0_{i}"].grad == pytest.approx(numeric, rel=1e-7, abs=1e-10)


def test_features_name_the_input_nodes(client):
    sid = create(client, {"layers": [3, 2, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                          "data": {"dataset": "circle", "samples": 20, "features": ["x1^2", "x2^2", "x1*x2"]}})["id"]
    page = client.get("/learn/pytorch", params={"session": sid}).text
    assert '<text class="ag-label"' in page and ">x1^2</text>" in page and ">w[1][0,2]·x1*x2</text>" in page
    numbers = graph_numbers(client, session=sid, step=10**4)
    assert_graph_is_the_session(numbers, to_backward_1(client, sid), 0)
