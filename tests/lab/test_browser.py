"""The visualizer in headless Chromium: buttons and keys step exactly once per press, the SVG
hooks agree with the JSON API, the inspector's numbers, reload, language, errors, training."""
from __future__ import annotations

import time

import httpx
import pytest

pytestmark = pytest.mark.browser

READ_HOOKS = """() => ({
  units: [...document.querySelectorAll('#network .unit')].map(e => [+e.dataset.layer, +e.dataset.unit, e.dataset.a]),
  edges: [...document.querySelectorAll('#network .edge')].map(e => [+e.dataset.layer, +e.dataset.to, +e.dataset.from, e.dataset.w, e.dataset.grad]),
})"""


def new_session(live_server, preset="worked-example") -> str:
    return httpx.post(live_server + "/api/v1/sessions", json={"preset": preset}).json()["id"]


def api(live_server, session_id) -> dict:
    return httpx.get(f"{live_server}/api/v1/sessions/{session_id}").json()


def assert_drawing_matches_api(page, session: dict, focus: int = 0):
    drawn = page.evaluate(READ_HOOKS)
    sizes = session["config"]["layers"]
    assert len(drawn["units"]) == sum(sizes)
    for l, j, a in drawn["units"]:
        expected = session["layers"][l]["a"]
        assert a == "" if expected is None else float(a) == pytest.approx(expected[focus][j], abs=1e-12)
    assert len(drawn["edges"]) == sum(sizes[l] * sizes[l - 1] for l in range(1, len(sizes)))
    for l, j, i, w, grad in drawn["edges"]:
        layer = session["layers"][l]
        assert float(w) == pytest.approx(layer["W"][j][i], abs=1e-12)
        g = layer["grad"]["W"]
        assert grad == "" if g is None else float(grad) == pytest.approx(g[j][i], abs=1e-12)


def wait_position(page, position: int, iteration: int = 0):
    page.wait_for_selector(f"#status[data-position='{position}'][data-iteration='{iteration}']")


def test_step_button_runs_a_whole_iteration_and_the_drawing_follows_the_api(page, live_server):
    session_id = new_session(live_server)
    page.goto(f"/s/{session_id}")
    assert_drawing_matches_api(page, api(live_server, session_id))
    for position in range(1, 7):
        page.click("#btn-step")
        wait_position(page, position, 1 if position == 6 else 0)
        assert_drawing_matches_api(page, api(live_server, session_id))
    assert float(page.get_attribute("#edge-2-0-0", "data-w")) == pytest.approx(0.35891648, abs=1e-8)
    assert "0.35891648" in page.inner_text("#narration")
    assert page.get_attribute("#loss-curve svg", "data-count") == "1"


def test_keys_step_exactly_once_per_press_even_when_pressed_fast(page, live_server):
    session_id = new_session(live_server)
    page.goto(f"/s/{session_id}")
    page.click("#btn-step")  # focus is now on the button just clicked
    wait_position(page, 1)
    page.keyboard.press("Space")  # Space on a focused button: one step, not two
    wait_position(page, 2)
    for _ in range(4):  # pressed without waiting: queued, none lost, none doubled
        page.keyboard.press("ArrowRight")
    wait_position(page, 6, 1)
    page.wait_for_timeout(300)
    session = api(live_server, session_id)
    assert session["iteration"] == 1 and session["last_step"] == {"phase": "update"}
    assert_drawing_matches_api(page, session)
    page.keyboard.press("ArrowLeft")
    wait_position(page, 5, 0)
    assert api(live_server, session_id)["last_step"] == {"phase": "backward", "layer": 1}
    page.keyboard.down("ArrowRight")  # a held key repeats: still one step
    page.keyboard.down("ArrowRight")
    page.keyboard.up("ArrowRight")
    wait_position(page, 6, 1)
    page.wait_for_timeout(300)
    assert api(live_server, session_id)["iteration"] == 1


def test_arrow_keys_in_a_text_field_do_not_step(page, live_server):
    session_id = new_session(live_server)
    page.goto(f"/s/{session_id}")
    page.focus("#train-iterations")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(300)
    assert api(live_server, session_id)["last_step"] is None


def test_inspector_shows_the_chain_rule_numbers_of_an_edge_and_a_unit(page, live_server):
    session_id = new_session(live_server)
    httpx.post(f"{live_server}/api/v1/sessions/{session_id}/step", json={"count": 4})
    page.goto(f"/s/{session_id}")
    page.dispatch_event("#edge-2-0-0", "click")  # a horizontal line has an empty box for Playwright's click
    page.wait_for_selector("#inspector[data-kind='edge']")
    assert page.inner_text("#inspector [data-reading='grad']") == "0.082167"
    assert page.inner_text("#inspector [data-reading='dl-da']") == "0.741365"
    numeric = float(page.get_attribute("#inspector .numeric", "data-numeric"))
    grad = api(live_server, session_id)["layers"][2]["grad"]["W"][0][0]
    assert numeric == pytest.approx(grad, rel=1e-6)
    assert "selected" in page.get_attribute("#edge-2-0-0", "class")
    page.focus("#unit-1-0")  # keyboard: focus a unit and press Enter
    page.keyboard.press("Enter")
    page.wait_for_selector("#inspector[data-kind='unit']")
    assert page.inner_text("#inspector [data-reading='z']") == "0.3775"
    page.click("#btn-step")  # the inspector follows the step (backward 1 fills delta)
    page.wait_for_selector("#inspector [data-reading='delta']:text-is('0.00877135')")  # no wait_for_function: the CSP forbids eval


def test_editing_a_weight_in_the_inspector(page, live_server):
    session_id = new_session(live_server)
    page.goto(f"/s/{session_id}")
    page.dispatch_event("#edge-1-0-0", "click")
    page.wait_for_selector("#inspector[data-kind='edge']")
    page.fill("#edit-value", "0.5")
    page.click("#inspector button[type='submit']")
    page.wait_for_selector("#edge-1-0-0[data-w='0.5']", state="attached")
    assert api(live_server, session_id)["layers"][1]["W"][0][0] == 0.5
    page.fill("#edit-value", "oops")
    page.click("#inspector button[type='submit']")
    page.wait_for_selector("#messages .message-error")
    assert "finite number" in page.inner_text("#messages")


def test_reload_shows_the_same_state(page, live_server):
    session_id = new_session(live_server)
    page.goto(f"/s/{session_id}")
    for position in range(1, 5):
        page.click("#btn-step")
        wait_position(page, position)
    before = page.evaluate(READ_HOOKS)
    narration = page.inner_text("#narration")
    page.reload()
    assert page.evaluate(READ_HOOKS) == before
    assert page.inner_text("#narration") == narration


def test_refused_back_is_shown_in_the_page(page, live_server):
    session_id = new_session(live_server)
    page.goto(f"/s/{session_id}")
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector("#messages .message-error")
    assert "nothing to undo" in page.inner_text("#messages").lower()
    page.keyboard.press("ArrowRight")  # the next good step clears the message
    wait_position(page, 1)
    assert page.inner_text("#messages").strip() == ""


def test_language_switch_shows_chinese(page, live_server):
    session_id = new_session(live_server)
    page.goto(f"/s/{session_id}")
    page.select_option("#lang-select", "zh_CN")  # submits the switch by itself
    page.wait_for_selector("html[lang='zh-CN']")
    assert page.url.endswith(f"/s/{session_id}")
    assert "走一步" in page.inner_text("#btn-step")
    page.click("#btn-step")
    page.wait_for_selector("#narration.phase-forward")
    assert "前向传播：第 1 层" in page.inner_text("#narration")


def test_train_runs_in_chunks_with_a_growing_curve_and_finishes(page, live_server):
    session_id = new_session(live_server, "xor")
    page.goto(f"/s/{session_id}")
    page.fill("#train-iterations", "40")
    page.click("#train-form button[type='submit']")
    page.wait_for_selector(".train-count[data-done='40']")
    assert "Done." in page.inner_text("#train-progress")
    assert page.get_attribute("#loss-curve svg", "data-count") == "40"
    assert api(live_server, session_id)["iteration"] == 40
    assert_drawing_matches_api(page, api(live_server, session_id))


def test_train_can_be_stopped(page, live_server):
    session_id = new_session(live_server, "xor")

    def slowly(route):  # a fast machine trains 10,000 XOR iterations in two slices: slow them down
        time.sleep(0.3)
        route.continue_()

    page.route("**/train-chunk", slowly)
    page.goto(f"/s/{session_id}")
    page.fill("#train-iterations", "10000")
    page.click("#train-form button[type='submit']")
    page.wait_for_selector(".train-stop")
    page.click(".train-stop")
    page.wait_for_selector("#train-progress :text('Stopped.')")
    done = int(page.get_attribute(".train-count", "data-done"))
    assert 0 < done < 10000
    page.wait_for_timeout(500)
    assert api(live_server, session_id)["iteration"] == done


def test_projector_mode_hides_editing_and_keeps_the_controls(page, live_server):
    session_id = new_session(live_server)
    page.goto(f"/s/{session_id}?projector=1")
    assert page.get_attribute("body", "class") == "projector"
    assert not page.is_visible("#settings") and not page.is_visible(".keys-hint")
    for control in ("#btn-step", "#btn-back", "#train-form", "#btn-reset"):
        assert page.is_visible(control), control
    page.click("#btn-step")  # a step's answer is drawn for the projector too
    page.wait_for_selector("#status[data-position='1']")
    assert page.get_attribute("#network", "class").startswith("network canvas-projector")


def test_sample_in_focus_changes_the_numbers_and_the_url(page, live_server):
    session_id = new_session(live_server, "xor")
    httpx.post(f"{live_server}/api/v1/sessions/{session_id}/step", json={"count": 2})
    page.goto(f"/s/{session_id}")
    page.fill("#focus", "2")
    page.press("#focus", "Enter")
    page.wait_for_selector("#network[data-focus='2']", state="attached")
    assert page.url.endswith(f"/s/{session_id}?focus=2")
    assert_drawing_matches_api(page, api(live_server, session_id), focus=2)
    page.keyboard.press("Escape")
    page.click("#btn-step")  # the next step keeps the sample in focus
    wait_position(page, 3)
    assert_drawing_matches_api(page, api(live_server, session_id), focus=2)
    page.reload()
    assert page.get_attribute("#network", "data-focus") == "2"


def test_the_language_switch_keeps_the_sample_in_focus(page, live_server):
    session_id = new_session(live_server, "xor")
    httpx.post(f"{live_server}/api/v1/sessions/{session_id}/step", json={"count": 2})
    page.goto(f"/s/{session_id}")
    page.fill("#focus", "2")
    page.press("#focus", "Enter")
    page.wait_for_selector("#network[data-focus='2']", state="attached")
    page.select_option("#lang-select", "zh_CN")
    page.click(".lang-switch button")
    page.wait_for_selector("html[lang='zh-CN']", state="attached")
    assert "focus=2" in page.url
    assert page.get_attribute("#network", "data-focus") == "2"
    page.select_option("#lang-select", "en")  # leave the cookie as the other tests expect it
    page.click(".lang-switch button")
    page.wait_for_selector("html[lang='en']", state="attached")
