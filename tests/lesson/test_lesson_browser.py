"""The lesson pages in Chromium: keyboard on a slider changes the picture, the numbers and the URL."""
import re

import pytest

pytestmark = pytest.mark.browser


def wait_for_new(page, selector, attribute, old, timeout=5000):
    page.wait_for_function(
        "([sel, attr, old]) => { const el = document.querySelector(sel); return el && el.getAttribute(attr) !== old; }",
        arg=[selector, attribute, old],
        timeout=timeout,
    )


def test_derivative_slider_by_keyboard_moves_the_secant_and_the_numbers(page):
    page.goto("/learn/derivative?fn=2x2&x0=1.5&dx_exp=0")
    secant_before = page.get_attribute("#derivative-secant", "d")
    assert "dy/dx = 8," in page.inner_text("#derivative-summary")
    assert page.is_hidden(".lesson-submit")  # JavaScript on: htmx does the submitting

    slider = page.locator("#dx_exp-input")
    slider.focus()
    page.keyboard.press("ArrowRight")  # k = 0.5
    page.keyboard.press("ArrowRight")  # k = 1: dx = 0.1
    assert page.inner_text("#dx_exp-out") == "dx = 1e-1"  # the readout follows at once
    wait_for_new(page, "#derivative-secant", "d", secant_before)
    page.wait_for_function("() => document.querySelector('#derivative-summary').innerText.includes('dy/dx = 6.2')")
    page.wait_for_url(re.compile(r".*dx_exp=1(\.0)?(&|$)"))
    assert "x0=1.5" in page.url and "fn=2x2" in page.url
    assert page.evaluate("document.activeElement.id") == "dx_exp-input"  # the form was not replaced


def test_derivative_reaches_round_off_and_the_url_reloads_the_same_view(page):
    page.goto("/learn/derivative?fn=2x2&x0=1.5&dx_exp=7")
    assert page.locator("#round-off-note").count() == 0
    slider = page.locator("#dx_exp-input")
    slider.focus()
    page.keyboard.press("End")  # k = 8: dx = 1e-8
    page.wait_for_selector("#round-off-note")
    page.wait_for_url(re.compile(r".*dx_exp=8"))
    page.reload()
    assert page.locator("#round-off-note").count() == 1
    assert page.input_value("#dx_exp-input") == "8"


def test_partial_slider_changes_the_slope(page):
    page.goto("/learn/partial?surface=bowl&x=1&y=0.5")
    assert page.inner_text("#dzdx-value") == "2"
    page.locator("#x-input").fill("-1.5")
    page.wait_for_function("() => document.querySelector('#dzdx-value').innerText === '-3'")
    page.wait_for_url(re.compile(r".*x=-1\.5"))


def test_gradient_direction_slider_updates_the_polar_marker(page):
    page.goto("/learn/gradient?surface=bowl&x=1&y=0&angle=0")
    assert page.inner_text("#gradient-chosen") == "2"
    marker_before = page.get_attribute("#gradient-polar circle.point-2", "cx")
    slider = page.locator("#angle-input")
    slider.focus()
    for _ in range(18):  # 90 degrees
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#gradient-chosen').innerText.startsWith('1.2')"
                           " || Math.abs(Number(document.querySelector('#gradient-chosen').innerText)) < 1e-9")
    assert page.get_attribute("#gradient-polar circle.point-2", "cx") != marker_before
    page.wait_for_url(re.compile(r".*angle=90"))


def test_descent_step_button_and_learning_rate(page):
    page.goto("/learn/descent?loss=bowl&lr=0.3&sx=-4&sy=2&steps=0")
    assert page.get_attribute("#descent-verdict", "data-verdict") == "start"
    page.get_by_role("button", name="Step").click()
    page.wait_for_function("() => document.querySelector('#descent-verdict').dataset.verdict === 'converges'")
    assert page.input_value("#steps-input") == "1"
    page.wait_for_url(re.compile(r".*steps=1"))
    page.locator("#lr-input").fill("2.3")
    page.wait_for_function("() => document.querySelector('#descent-verdict').dataset.verdict === 'diverges'")
    assert "Diverges" in page.inner_text("#descent-verdict")
    page.wait_for_url(re.compile(r".*lr=2\.3"))


def test_a_bad_typed_value_shows_the_message_in_place(page):
    page.goto("/learn/descent?loss=bowl&lr=0.3&sx=-4&sy=2&steps=5")
    page.locator("#steps-input").fill("500")
    page.locator("#steps-input").dispatch_event("change")
    page.wait_for_selector(".lesson-errors")
    assert "(steps) must be a whole number from 0 to 100" in page.inner_text(".lesson-errors")


def test_chain_rule_page_in_chinese(page):
    page.goto("/learn/chain-rule?x=0.5&lang=zh_CN")
    assert "链式法则" in page.inner_text("h1")
    before = page.inner_text("#chain-product")
    page.locator("#x-input").fill("1.5")
    page.wait_for_function("(old) => document.querySelector('#chain-product').innerText !== old", arg=before)
    assert page.inner_text("#chain-product") == "-2.846953858"  # -sin(1.5^2 - 1) * 2 * 1.5


def test_a_chinese_page_stays_chinese_after_a_slider_moves(page):
    page.goto("/learn/partial?surface=bowl&x=1&y=0.5&lang=zh_CN")
    page.locator("#y-input").fill("-1")
    page.wait_for_function("() => document.querySelector('#dzdy-value').innerText === '-2'")
    assert "偏导数" in page.inner_text("#partial-table")
    assert "lang=zh_CN" in page.url


def test_descent_run_steps_until_pressed_again(page):
    page.goto("/learn/descent?loss=valley&lr=0.15&sx=-4&sy=2&steps=0")
    run = page.get_by_role("button", name="Run")
    run.click()
    assert run.get_attribute("aria-pressed") == "true"
    page.wait_for_function("() => Number(document.querySelector('#steps-input').value) >= 3", timeout=10000)
    run.click()
    assert run.get_attribute("aria-pressed") == "false"
    stopped_at = page.input_value("#steps-input")
    page.wait_for_url(re.compile(rf".*steps={stopped_at}(&|$)"))
    page.wait_for_timeout(600)
    assert page.input_value("#steps-input") == stopped_at
    assert page.get_attribute("#descent-verdict", "data-verdict") == "oscillates"
    assert page.locator("#descent-table tbody tr").last.locator("th").inner_text() == stopped_at


def test_the_new_summary_is_announced_to_screen_readers(page):
    page.goto("/learn/chain-rule?x=0.5")
    assert page.inner_text("#lesson-announcer") == ""
    page.locator("#x-input").fill("1")
    page.wait_for_function("() => document.querySelector('#lesson-announcer').textContent.includes('x = 1')")


def test_without_javascript_the_forms_still_work(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/learn/derivative?fn=2x2&x0=1.5&dx_exp=0")
        page.select_option("#fn-input", "x3")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(re.compile(r".*fn=x3"))
        assert "F'(x0) = 6.75" in page.inner_text("#derivative-summary")  # 3 * 1.5^2
        page.goto("/learn/descent?loss=bowl&lr=0.3&sx=-4&sy=2&steps=2")
        page.get_by_role("button", name="Step").click()
        page.wait_for_url(re.compile(r".*steps=3$"))
        assert page.input_value("#steps-input") == "3"
    finally:
        context.close()


def test_the_language_switch_keeps_the_view_the_sliders_made(page):
    page.goto("/learn/chain-rule?x=0.5")
    page.locator("#x-input").fill("1.5")
    page.wait_for_url(re.compile(r".*x=1\.5"))
    # the switch reads the address bar when it is used (app.js), so it returns to x=1.5
    page.select_option("#lang-select", "zh_CN")
    page.locator(".lang-switch button[type='submit']").click()
    page.wait_for_function("() => document.querySelector('h1').innerText.includes('链式法则')")
    assert page.inner_text("#chain-product") == "-2.846953858"
