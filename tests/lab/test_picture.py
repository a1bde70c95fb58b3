"""The picture as a class sees it (issue 10), measured in Chromium on every preset, at every step
of an iteration, at 1366x768 and at 1920x1080 in projector mode (and in Chinese for two presets):
no text of the drawing overlaps another or crosses a unit it does not label, every text is at
least 12 px (laptop) or 24 px (projector) high, nothing in the narration is cut off, nothing moves
between two steps or while training, every text reaches 4.5:1 contrast, the data plot is at least
300 or 450 px, and projector mode keeps Step, Back, Train and Reset."""
from __future__ import annotations

import re

import httpx
import pytest

from app.sessions.presets import PRESETS
from tests.lab.picture_checks import (
    DEUTERANOPIA, DRAWN_TEXTS, HTML_CONTRAST, NARRATION, PANEL_BOXES, PLOT_AND_CONTROLS, PROTANOPIA, UNIT_DISCS,
    box_crosses_disc, contrast, overlapping, simulate,
)

pytestmark = pytest.mark.browser

MODES = {
    "laptop": ({"width": 1366, "height": 768}, "", 12, 300),
    "projector": ({"width": 1920, "height": 1080}, "projector=1", 24, 450),
}
CASES = [(preset["name"], mode, "en") for preset in PRESETS for mode in MODES]
CASES += [("worked-example", mode, "zh_CN") for mode in MODES] + [("circle", mode, "zh_CN") for mode in MODES]


def _new_session(live_server, preset: str) -> dict:
    return httpx.post(live_server + "/api/v1/sessions", json={"preset": preset}).json()


def unit_map_of(page, unit: str) -> str:
    """The data: URI of the map a unit shows (its <use> of an image in #net-maps)."""
    return page.evaluate("(unit) => document.getElementById(document.querySelector(unit + ' .unit-map')"
                         ".getAttribute('href').slice(1)).getAttribute('href')", unit)


def _check_drawing(page, min_px: float, where: str) -> None:
    texts = page.evaluate(DRAWN_TEXTS, "#network")
    discs = page.evaluate(UNIT_DISCS)
    assert texts, where
    for t in texts:
        assert t["px"] >= min_px - 0.05, f"{where}: {t['text']!r} ({t['cls']}) is {t['px']:.1f} px"
        ratio = contrast(t["color"], t["behind"])
        assert ratio >= 4.5, f"{where}: {t['text']!r} ({t['cls']}) has contrast {ratio:.2f}:1"
        for d in discs:
            if d["id"] != t["unit"]:
                assert not box_crosses_disc(t["box"], d), f"{where}: {t['text']!r} ({t['cls']}) crosses {d['id']}"
    for n, a in enumerate(texts):
        for b in texts[n + 1:]:
            assert not overlapping(a["box"], b["box"]), f"{where}: {a['text']!r} ({a['cls']}) overlaps {b['text']!r} ({b['cls']})"
    for selector in ("#data-plot svg.plane", "#loss-curve svg.chart"):
        for t in page.evaluate(DRAWN_TEXTS, selector):
            assert t["px"] >= min_px - 0.05, f"{where}: tick {t['text']!r} of {selector} is {t['px']:.1f} px"
            assert contrast(t["color"], t["behind"]) >= 4.5, f"{where}: tick {t['text']!r} of {selector}"


def _check_narration(page, projector: bool, where: str) -> None:
    narration = page.evaluate(NARRATION)
    assert narration["cut"] == [], f"{where}: formulas cut off on the right: {narration['cut']}"
    assert narration["overflowing"] == [], f"{where}: something in the narration scrolls sideways"
    assert narration["scroll"][0] <= narration["scroll"][1] + 1, where
    if projector:
        assert narration["text_px"] >= 28 and narration["math_px"] >= 28, f"{where}: narration {narration}"


def _check_html_contrast(page, min_px: float, where: str) -> None:
    for item in page.evaluate(HTML_CONTRAST):
        ratio = contrast(item["color"], item["behind"])
        assert ratio >= 4.5, f"{where}: {item['text']!r} ({item['sel']}) has contrast {ratio:.2f}:1"
        if min_px >= 24:
            assert item["px"] >= 20, f"{where}: {item['text']!r} ({item['sel']}) is {item['px']} px on the projector"


@pytest.mark.parametrize("preset,mode,lang", CASES)
def test_every_step_is_legible_and_nothing_moves(page, live_server, preset, mode, lang):
    viewport, query, min_px, plot_px = MODES[mode]
    page.set_viewport_size(viewport)
    session = _new_session(live_server, preset)
    steps = 2 * (len(session["config"]["layers"]) - 1) + 2
    page.goto(f"/lang?lang={lang}&next=/s/{session['id']}?{query}")  # the cookie: every step's answer in that language
    boxes = page.evaluate(PANEL_BOXES)
    controls = page.evaluate(PLOT_AND_CONTROLS)
    assert all(controls["buttons"].values()), f"{preset} {mode}: {controls['buttons']}"
    assert controls["page_scroll_x"] == 0, f"{preset} {mode}: the page scrolls sideways"
    rows = len(httpx.get(f"{live_server}/api/v1/sessions/{session['id']}").json()["batch"]["inputs"])
    if "plot-boundary" in controls["kind"] or "plot-regression" in controls["kind"]:
        assert controls["plot"] >= plot_px - 0.5 and abs(controls["plot_height"] - controls["plot"]) < 0.5, f"{preset} {mode}: {controls}"
    if preset == "worked-example":
        assert "plot-single" in controls["kind"] and rows == 1  # one sample: no boundary plot
    if lang == "zh_CN":
        assert page.inner_text("#btn-step").startswith("走一步")
    for position in range(steps + 1):
        where = f"{preset} {mode} {lang} after {position} steps"
        _check_drawing(page, min_px, where)
        _check_narration(page, mode == "projector", where)
        if position in (0, steps - 1):
            _check_html_contrast(page, min_px, where)
        assert page.evaluate(PANEL_BOXES) == boxes, f"{where}: a panel moved"
        if lang == "zh_CN" and position:
            assert "层" in page.inner_text("#status") or "损失" in page.inner_text("#status"), where  # the answer is in Chinese too
        if position < steps:
            page.click("#btn-step")
            page.wait_for_selector(f"#status[data-position='{position + 1}']" if position + 1 < steps else "#status[data-iteration='1']")


@pytest.fixture(autouse=True)
def _english_afterwards(page):
    yield
    page.goto("/lang?lang=en&next=/")  # the other tests expect the default language


def test_nothing_moves_while_training(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    session = _new_session(live_server, "circle")
    page.goto(f"/s/{session['id']}")
    boxes = page.evaluate(PANEL_BOXES)
    page.fill("#train-iterations", "300")
    page.click("#btn-train")
    page.wait_for_selector(".train-stop")
    seen = [page.evaluate(PANEL_BOXES)]
    page.wait_for_selector(".train-count[data-done='300']", timeout=60_000)
    seen.append(page.evaluate(PANEL_BOXES))
    assert all(box == boxes for box in seen)


def test_gradients_differ_from_weights_without_hue(page, live_server):
    """Weights are solid orange/blue lines; a gradient is a dark dashed line on a white casing, its
    sign in the dash pattern too: readable with deuteranopia and protanopia (simulated)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    session = _new_session(live_server, "worked-example")
    httpx.post(f"{live_server}/api/v1/sessions/{session['id']}/step", json={"count": 4})
    page.goto(f"/s/{session['id']}")
    lines = page.evaluate("""() => [...document.querySelectorAll('#network .edge, #network .edge-grad, #network .edge-grad-casing')].map(l => {
      const s = getComputedStyle(l);
      return {cls: l.getAttribute('class'), stroke: s.stroke.match(/\\d+/g).slice(0, 3).map(Number), dash: s.strokeDasharray};
    })""")
    weights = [line for line in lines if line["cls"] == "edge"]
    grads = [line for line in lines if line["cls"].startswith("edge-grad ")]
    casings = [line for line in lines if line["cls"] == "edge-grad-casing"]
    assert weights and grads and len(casings) == len(grads)
    assert all(w["dash"] == "none" for w in weights) and all(g["dash"] != "none" for g in grads)
    assert {g["dash"] for g in grads if "positive" in g["cls"]}.isdisjoint({g["dash"] for g in grads if "negative" in g["cls"]})
    assert all(c["stroke"] == [255, 255, 255] for c in casings)
    for g in grads:
        for matrix in (None, DEUTERANOPIA, PROTANOPIA):
            seen = g["stroke"] if matrix is None else simulate(g["stroke"], matrix)
            assert contrast(seen, [255, 255, 255]) >= 4.5  # dark on its white casing, for every eye
    numbers = page.evaluate("() => [...document.querySelectorAll('#network .edge-label')].map(t => t.textContent)")
    assert "0.0822" in numbers  # backward 2's gradients are written on their edges


def test_hovering_a_unit_shows_its_map_in_the_big_plot(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    session = _new_session(live_server, "xor")
    page.goto(f"/s/{session['id']}")
    output = page.get_attribute("#plane-image", "href")
    page.hover("#unit-1-0")
    unit_map = unit_map_of(page, "#unit-1-0")
    assert page.get_attribute("#plane-image", "href") == unit_map != output
    assert "1" in page.inner_text("#plane-showing")
    page.mouse.move(5, 5)
    assert page.get_attribute("#plane-image", "href") == output
    page.focus("#unit-1-1")  # the keyboard shows it too
    assert page.get_attribute("#plane-image", "href") == unit_map_of(page, "#unit-1-1")


def test_a_step_swaps_only_the_plane_parts_it_changed(page, live_server):
    """Mini-batches of 500 xor points: forward 1 replaces the outlined batch, the update the maps;
    the 400 points stay the same elements, and a unit focused during the update shows its new map."""
    page.set_viewport_size({"width": 1366, "height": 768})
    config = {"layers": [2, 4, 2, 1], "activations": "tanh", "loss": "mse", "batch_size": 10,
              "optimizer": {"name": "sgd", "learning_rate": 0.05}, "data": {"dataset": "xor", "samples": 500, "noise": 0.1}}
    session_id = httpx.post(live_server + "/api/v1/sessions", json=config).json()["id"]
    page.goto(f"/s/{session_id}")
    page.evaluate("() => { document.getElementById('plane-points').marked = true; }")
    output = page.get_attribute("#plane-image", "href")
    batches = []
    for position in range(1, 9):
        if position == 8:
            page.keyboard.press("ArrowRight")  # from the focused unit
        else:
            page.click("#btn-step")
        page.wait_for_selector(f"#status[data-position='{position}']")
        if position == 1:
            page.wait_for_function("() => document.querySelectorAll('#plane-batch circle.in-batch').length === 10")
        batches.append(page.evaluate("() => [...document.querySelectorAll('#plane-batch circle')].map(c => c.getAttribute('cx'))"))
        if position == 7:
            page.focus("#unit-1-0")  # the keyboard's way: its map is on the plane when the update arrives
            old_unit_map = unit_map_of(page, "#unit-1-0")
            assert page.get_attribute("#plane-image", "href") == old_unit_map
    page.wait_for_function("(old) => document.getElementById('plane-image').dataset.output !== old", arg=output)
    assert page.evaluate("() => document.getElementById('plane-points').marked === true")  # never re-sent
    assert page.locator("#plane-points circle").count() == 400 and len(set(map(tuple, batches))) == 1
    new_output = page.get_attribute("#plane-image", "data-output")
    reloaded = httpx.get(f"{live_server}/s/{session_id}").text
    assert f'href="{new_output}"' in reloaded and batches[0] == [
        c for c in re.findall(r'<circle class="point in-batch" cx="([^"]+)"', reloaded)]
    # htmx keeps the focus on the unit's new element: the plane shows its new map, never one of parameters that are gone
    assert page.evaluate("() => document.activeElement.id") == "unit-1-0"
    unit_map = unit_map_of(page, "#unit-1-0")
    assert unit_map != old_unit_map and page.get_attribute("#plane-image", "href") == unit_map
    # the pointer on a unit through the next update: its new map, named
    page.evaluate("() => document.activeElement.blur()")
    page.hover("#unit-1-1")
    hovered_map = unit_map_of(page, "#unit-1-1")
    for position in range(1, 9):
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(f"#status[data-position='{position}'][data-iteration='{2 if position == 8 else 1}']")
    page.wait_for_function("(old) => document.getElementById('map-1-1').getAttribute('href') !== old", arg=hovered_map)
    assert page.get_attribute("#plane-image", "href") == unit_map_of(page, "#unit-1-1")
    assert "showing-unit" in page.get_attribute("#data-plot", "class") and "1" in page.inner_text("#plane-showing")


def test_discretize_is_remembered_across_steps(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    session = _new_session(live_server, "xor")
    page.goto(f"/s/{session['id']}")
    page.check("#data-plot [data-toggle='discrete']")
    assert "discrete" in page.get_attribute("#data-plot", "class")
    page.click("#btn-iteration")
    page.wait_for_selector("#status[data-iteration='1']")
    assert "discrete" in page.get_attribute("#data-plot", "class")
    page.uncheck("#data-plot [data-toggle='discrete']")
    assert "discrete" not in page.get_attribute("#data-plot", "class")


def test_a_selected_edge_stands_out_even_in_a_faded_layer(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    session = _new_session(live_server, "worked-example")
    httpx.post(f"{live_server}/api/v1/sessions/{session['id']}/step", json={"count": 4})  # backward 2: layer 1 fades
    page.goto(f"/s/{session['id']}")
    assert page.evaluate("() => getComputedStyle(document.getElementById('edges-1')).opacity") == "0.38"
    page.dispatch_event("#edge-1-0-0", "click")
    page.wait_for_selector("#inspector[data-kind='edge']")
    page.wait_for_selector("#net-selection .selection-band", state="attached")
    band = page.evaluate("""() => {
      const band = document.querySelector('#net-selection .selection-band');
      let opacity = 1;
      for (let e = band; e && e.tagName !== 'svg'; e = e.parentElement) opacity *= parseFloat(getComputedStyle(e).opacity);
      const edge = document.getElementById('edge-1-0-0');
      return {opacity, x1: band.getAttribute('x1') === edge.getAttribute('x1'), wider: +band.getAttribute('stroke-width') > +edge.getAttribute('stroke-width'),
              stroke: getComputedStyle(band).stroke, core: getComputedStyle(document.querySelector('#net-selection .selection-core')).stroke};
    }""")
    assert band == {"opacity": 1, "x1": True, "wider": True, "stroke": "rgb(17, 17, 17)", "core": "rgb(255, 208, 0)"}
    page.click("#btn-step")  # the band follows the drawing through a swap
    page.wait_for_selector("#status[data-position='5']")
    page.wait_for_selector("#net-selection .selection-band", state="attached")


def test_the_inspectors_edit_is_in_view_on_a_laptop_without_scrolling(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    session = _new_session(live_server, "circle")
    httpx.post(f"{live_server}/api/v1/sessions/{session['id']}/step", json={"count": 5})
    page.goto(f"/s/{session['id']}?kind=edge&layer=3&to=0&from=1")
    box = page.locator("#inspector .edit-form button").bounding_box()
    assert box["y"] + box["height"] <= 768
    assert page.evaluate("() => [...document.querySelectorAll('.lab *')].filter(e => getComputedStyle(e).overflowY === 'auto' || getComputedStyle(e).overflowY === 'scroll').length") == 0  # no panel scrolls inside the page
