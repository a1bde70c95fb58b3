"""Pages and htmx fragments through the in-process client: hooks and numbers in the HTML agree
with the JSON API; errors come back as readable messages for #messages."""
from __future__ import annotations

import re

import pytest

from app.lab.layout import geometry
from app.lab.plots import CURVE_POINTS

MAZUR_W5_AFTER_UPDATE = 0.35891648


def create(client, body: dict) -> str:
    response = client.post("/api/v1/sessions", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def hooks(html: str, kind: str) -> dict[tuple, dict[str, str]]:
    """Every element carrying class `unit` or `edge` -> its data-* attributes."""
    found = {}
    for tag in re.findall(r"<(?:g|line)\b[^>]*\bclass=\"%s(?: [^\"]*)?\"[^>]*>" % kind, html):
        data = dict(re.findall(r'data-([a-z]+)="([^"]*)"', tag))
        key = (data["layer"], data["unit"]) if kind == "unit" else (data["layer"], data["to"], data["from"])
        assert key not in found, f"two elements carry the hooks of {kind} {key}"
        found[key] = data
    return found


def api(client, session_id):
    return client.get(f"/api/v1/sessions/{session_id}").json()


def assert_hooks_match_api(html: str, session: dict, focus: int = 0):
    units, edges = hooks(html, "unit"), hooks(html, "edge")
    sizes = session["config"]["layers"]
    assert len(units) == sum(sizes)
    assert len(edges) == sum(sizes[l] * sizes[l - 1] for l in range(1, len(sizes)))
    for layer in session["layers"]:
        l = layer["index"]
        for j in range(layer["size"]):
            a = layer["a"]
            expected = "" if a is None else a[focus][j]
            got = units[(str(l), str(j))]["a"]
            assert (got == "" if expected == "" else float(got) == pytest.approx(expected, abs=1e-12))
        if l == 0:
            continue
        for j in range(layer["size"]):
            for i in range(sizes[l - 1]):
                edge = edges[(str(l), str(j), str(i))]
                assert float(edge["w"]) == pytest.approx(layer["W"][j][i], abs=1e-12)
                grad = layer["grad"]["W"]
                assert edge["grad"] == "" if grad is None else float(edge["grad"]) == pytest.approx(grad[j][i], abs=1e-12)


@pytest.fixture
def worked(client):
    return create(client, {"preset": "worked-example"})


def test_home_lists_presets_and_the_build_form(client):
    html = client.get("/").text
    assert 'name="preset" value="worked-example"' in html
    assert 'name="layers"' in html and 'name="learning_rate"' in html


def test_preset_form_creates_a_session_and_redirects_to_its_page(client):
    response = client.post("/s", data={"preset": "worked-example"}, follow_redirects=False)
    assert response.status_code == 303
    session_id = response.headers["location"].rsplit("/", 1)[1]
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and '<svg id="network"' in page.text
    assert_hooks_match_api(page.text, api(client, session_id))


def test_build_form_creates_a_session(client):
    response = client.post("/s", data={
        "layers": "2, 3, 1", "hidden_activation": "relu", "output_activation": "sigmoid", "loss": "bce",
        "optimizer": "adam", "learning_rate": "0.01", "momentum": "0", "batch_size": "8", "dataset": "moons",
        "samples": "40", "noise": "0.1", "data_seed": "3", "seed": "7", "init": "he"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    session = api(client, response.headers["location"].rsplit("/", 1)[1])
    assert session["config"]["layers"] == [2, 3, 1]
    assert session["config"]["activations"] == ["relu", "sigmoid"]
    assert session["config"]["optimizer"]["name"] == "adam" and session["config"]["batch_size"] == 8


def test_build_form_errors_are_shown_on_the_form(client):
    response = client.post("/s", data={"layers": "2", "learning_rate": "x"})
    assert response.status_code == 422
    assert "Units per layer: write at least two whole numbers" in response.text
    assert "Learning rate: please enter a number, for example 0.5." in response.text
    response = client.post("/s", data={"layers": "2, 4, 1", "samples": "0"})
    assert response.status_code == 422 and 'class="message message-error"' in response.text


def edge_layers_in(html: str) -> list[int]:
    return [int(l) for l in re.findall(r'<g id="edges-(\d+)" class="edge-layer"', html)]


def test_a_whole_iteration_of_step_fragments_agrees_with_the_api(client, worked):
    """Each step answers only what it changed (units always, the edge groups whose numbers
    changed), out of band; the page after each step has every hook equal to the API."""
    expected = [("forward", []), ("forward", []), ("loss", []), ("backward", [2]), ("backward", [1]), ("update", [1, 2])]
    html = client.get(f"/s/{worked}").text
    for index, (phase, edge_layers) in enumerate(expected):
        seen = seen_token(html)
        response = client.post(f"/s/{worked}/step", data={"focus": "0", "seen": seen}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert response.headers["HX-Trigger"] == "step-done" and response.headers["HX-Reswap"] == "none"
        html = response.text
        assert html.startswith("<template><svg>")
        assert f'<g id="net-frame" data-phase="{phase}"' in html
        assert '<g id="net-units" class="units" hx-swap-oob="true">' in html
        assert edge_layers_in(html) == edge_layers
        assert '<section id="narration" class="panel narration phase-%s"' % phase in html
        assert 'id="status" class="status" hx-swap-oob="true"' in html
        assert f'data-position="{index + 1}"' in html
        assert ('id="loss-curve"' in html) == (phase == "update")  # far panels only when they change
        session = api(client, worked)
        units = hooks(html, "unit")
        assert len(units) == 6
        for (l, j), data in units.items():
            a = session["layers"][int(l)]["a"]
            assert data["a"] == ("" if a is None else repr(a[0][int(j)]))
        for (l, j, i), data in hooks(html, "edge").items():
            assert data["grad"] == ("" if session["layers"][int(l)]["grad"]["W"] is None
                                    else repr(session["layers"][int(l)]["grad"]["W"][int(j)][int(i)]))
        assert_hooks_match_api(client.get(f"/s/{worked}").text, session)
    assert "<mn>0.35891648</mn>" in html  # the update's narration: w5 0.40 -> 0.35891648
    assert f'data-w="{session["layers"][2]["W"][0][0]!r}"' in html
    assert session["layers"][2]["W"][0][0] == pytest.approx(MAZUR_W5_AFTER_UPDATE, abs=1e-8)
    assert 'data-count="1"' in html  # the loss curve has its first point
    forward_1 = client.post(f"/s/{worked}/step", data={"seen": seen_token(html)}).text  # clears the gradients
    assert edge_layers_in(forward_1) == [1, 2] and 'data-grad="0.' not in forward_1


def seen_token(html: str) -> str:
    return re.search(r'id="seen" name="seen" value="([^"]+)"', html).group(1)


def test_a_page_behind_the_session_gets_the_whole_drawing(client, worked):
    """Another tab stepped meanwhile: the answer is the whole panel, not patches of a stale picture."""
    seen = seen_token(client.get(f"/s/{worked}").text)
    client.post(f"/api/v1/sessions/{worked}/step")  # the other tab
    response = client.post(f"/s/{worked}/step", data={"seen": seen}, headers={"HX-Request": "true"})
    assert "HX-Reswap" not in response.headers
    assert response.text.lstrip().startswith('<div id="network-panel"')
    assert_hooks_match_api(response.text, api(client, worked))


def test_forward_1_narration_has_the_worked_example_numbers(client, worked):
    html = client.post(f"/s/{worked}/step").text
    assert "<mn>0.3775</mn>" in html and "<mn>0.59327</mn>" in html
    assert 'id="unit-1-0" data-layer="1" data-unit="0" data-a="0.59326999' in html


def test_iteration_button_runs_to_the_update(client, worked):
    html = client.post(f"/s/{worked}/iteration").text
    assert api(client, worked)["iteration"] == 1
    assert '<section id="narration" class="panel narration phase-update"' in html
    assert "<mn>0.4</mn><mo>−</mo><mn>0.5</mn>" in html  # old value from before the request


def test_back_with_nothing_to_undo_is_a_readable_409(client, worked):
    response = client.post(f"/s/{worked}/back")
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#messages"
    assert response.text.lstrip().startswith('<div id="messages"')
    assert "Refused: There is nothing to undo" in response.text


def test_back_undoes_one_step(client, worked):
    client.post(f"/s/{worked}/step")
    client.post(f"/s/{worked}/step")
    html = client.post(f"/s/{worked}/back").text
    assert api(client, worked)["last_step"] == {"phase": "forward", "layer": 1}
    assert_hooks_match_api(html, api(client, worked))


def test_unknown_session_fragment_and_page_are_404_messages(client):
    response = client.post("/s/no-such-session/step")
    assert response.status_code == 404 and "This session does not exist" in response.text
    page = client.get("/s/no-such-session")
    assert page.status_code == 404 and "This session does not exist" in page.text and "<html" in page.text


def test_inspector_edge_numbers_and_numeric_estimate(client, worked):
    for _ in range(4):
        client.post(f"/s/{worked}/step")
    html = client.get(f"/s/{worked}/inspect", params={"kind": "edge", "layer": 2, "to": 0, "from": 0, "focus": 0}).text
    assert html.lstrip().startswith('<section id="inspector"')
    assert 'hx-trigger="step-done from:body"' in html
    assert '<dd data-reading="grad">0.082167</dd>' in html
    numeric = float(re.search(r'data-numeric="([^"]+)"', html).group(1))
    analytic = float(re.search(r'data-analytic="([^"]+)"', html).group(1))
    assert numeric == pytest.approx(analytic, rel=1e-6) and analytic == pytest.approx(0.082167041, abs=1e-9)


def test_inspector_rejects_what_is_not_in_the_network(client, worked):
    response = client.get(f"/s/{worked}/inspect", params={"kind": "edge", "layer": 3, "to": 0, "from": 0})
    assert response.status_code == 422 and "no such edge or unit" in response.text


def test_editing_a_weight_patches_the_session(client, worked):
    client.post(f"/s/{worked}/step")
    html = client.post(f"/s/{worked}/edit", data={"layer": "2", "to": "0", "from": "1", "value": "−0.25"}).text
    session = api(client, worked)
    assert session["layers"][2]["W"][0][1] == -0.25
    assert session["last_step"] is None  # the iteration restarts at forward 1
    assert 'id="edge-2-0-1" data-layer="2" data-from="1" data-to="0" data-w="-0.25"' in html
    client.post(f"/s/{worked}/edit", data={"layer": "1", "to": "1", "from": "", "value": "0.5"})
    assert api(client, worked)["layers"][1]["b"][1] == 0.5


def test_bad_edits_are_readable_422s(client, worked):
    response = client.post(f"/s/{worked}/edit", data={"layer": "2", "to": "0", "from": "0", "value": "abc"})
    assert response.status_code == 422 and "Please enter a finite number." in response.text
    response = client.post(f"/s/{worked}/edit", data={"layer": "9", "to": "0", "from": "0", "value": "1"})
    assert response.status_code == 422 and "Please change this:" in response.text


def test_train_chunks_run_to_the_end_and_can_stop(client, worked):
    fields = {"iterations": "5"}
    for _ in range(10):
        response = client.post(f"/s/{worked}/train-chunk", data=fields)
        html = response.text
        assert html.lstrip().startswith('<div id="train-progress"')
        done, total = map(int, re.search(r'data-done="(\d+)" data-total="(\d+)"', html).groups())
        if 'class="train-continue"' not in html:
            break
        fields = {k: str(v) for k, v in (__import__("json").loads(re.search(r"hx-vals='([^']+)'", html).group(1))).items()}
    assert (done, total) == (5, 5) and "Done." in html
    assert api(client, worked)["iteration"] == 5
    assert 'data-count="5"' in html
    stopped = client.post(f"/s/{worked}/train-chunk", data={"total": "9", "remaining": "4", "chunk": "1", "stop": "1"}).text
    assert "Stopped." in stopped and 'data-done="5" data-total="9"' in stopped
    assert api(client, worked)["iteration"] == 5


def test_focus_fragment_remembers_the_sample_in_the_url(client):
    session_id = create(client, {"preset": "xor"})
    client.post(f"/s/{session_id}/step")
    response = client.get(f"/s/{session_id}/network", params={"focus": 2, "projector": "1"})
    assert response.headers["HX-Replace-Url"] == f"/s/{session_id}?focus=2&projector=1"
    assert_hooks_match_api(response.text, api(client, session_id), focus=2)


def test_projector_mode_is_a_body_class(client, worked):
    html = client.get(f"/s/{worked}", params={"projector": "1"}).text
    assert '<body class="projector" hx-headers=\'{"X-Projector": "1"}\'>' in html and "Leave projector mode" in html
    assert 'class="network canvas-projector' in html


def test_language_switch_sets_the_cookie_and_redirects_locally(client, worked):
    response = client.get("/lang", params={"lang": "zh_CN", "next": f"/s/{worked}"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/s/{worked}"
    assert "bplab_lang=zh_CN" in response.headers["set-cookie"]
    page = client.get(f"/s/{worked}")  # the client keeps the cookie
    assert "走一步" in page.text and "检查器" in page.text and 'lang="zh-CN"' in page.text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil.example", "evil", ""])
def test_language_switch_is_never_an_open_redirect(client, target):
    response = client.get("/lang", params={"lang": "en", "next": target}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_a_784_256_10_network_page_is_summarized(client):
    body = {"layers": [784, 256, 10], "activations": ["relu", "softmax"], "loss": "cross_entropy",
            "data": {"inputs": [[0.0] * 784, [1.0] * 784], "targets": [[1.0] + [0.0] * 9, [0.0] * 9 + [1.0]]}}
    session_id = create(client, body)
    page = client.get(f"/s/{session_id}")
    assert page.status_code == 200
    shown = len(geometry([784, 256, 10]).slots[0]) - 1
    assert f"{shown}/784" in page.text and f"{shown} of 256 units shown" in page.text
    assert len(hooks(page.text, "edge")) == shown * shown + 10 * shown
    html = client.post(f"/s/{session_id}/iteration").text
    assert len(html) < 400_000
    assert '<section id="narration" class="panel narration phase-update"' in html


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")


def test_htmx_gets_refusals_as_200_message_fragments(client, worked):
    """Chromium logs a 4xx XHR as a console error: htmx requests get 200 and the status aside."""
    response = client.post(f"/s/{worked}/back", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["X-Refused-Status"] == "409" and response.headers["HX-Retarget"] == "#messages"
    assert 'data-status="409"' in response.text and "Refused:" in response.text


def test_regression_data_gets_a_fitted_curve(client):
    session_id = create(client, {"preset": "sine"})
    html = client.get(f"/s/{session_id}").text
    assert "Fitted curve" in html
    points = re.search(r'<polyline class="fit" points="([^"]+)"', html).group(1).split()
    assert len(points) == CURVE_POINTS


def test_two_input_data_gets_a_boundary_map_and_unit_maps(client):
    session_id = create(client, {"preset": "xor"})
    html = client.get(f"/s/{session_id}").text
    assert "Decision boundary" in html
    assert re.search(r'<image id="plane-image" class="plane-continuous" href="data:image/png;base64,[A-Za-z0-9+/=]+"', html)
    assert re.search(r'<image class="plane-discrete" href="data:image/png;base64,[A-Za-z0-9+/=]+"', html)
    assert re.findall(r'<use class="unit-map" href="#(map-\d-\d)"', html) == ["map-1-0", "map-1-1"]  # one per hidden unit
    assert len(re.findall(r'<image id="map-1-[01]" class="unit-map-image" href="data:image/png;base64,', html)) == 2


def test_reset_returns_to_iteration_zero(client, worked):
    client.post(f"/s/{worked}/iteration")
    html = client.post(f"/s/{worked}/reset").text
    session = api(client, worked)
    assert session["iteration"] == 0 and session["layers"][2]["W"][0][0] == 0.40
    assert 'data-iteration="0" data-position="0"' in html
    assert_hooks_match_api(html, session)


def test_the_build_form_takes_one_activation_per_layer(client):
    answer = client.post(
        "/s",
        data={"layers": "2, 5, 4, 3", "activations": "relu, tanh, softmax", "loss": "cross_entropy",
              "optimizer": "sgd", "learning_rate": "0.1", "dataset": "spiral", "samples": "90"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    session_id = answer.headers["location"].rsplit("/", 1)[-1]
    config = client.get(f"/api/v1/sessions/{session_id}").json()["config"]
    assert config["activations"] == ["relu", "tanh", "softmax"] and config["layers"] == [2, 5, 4, 3]


def test_the_lesson_link_opens_the_worked_example_inspecting_w5(client):
    answer = client.get("/open/worked-example", params={"steps": 4, "kind": "edge", "layer": 2, "to": 0, "from": 0},
                        follow_redirects=False)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert 'data-kind="edge"' in page and "0.082167" in page  # Mazur's dE/dw5 in the inspector's ledger
    assert client.get("/open/no-such-preset").status_code == 404
