"""The lesson pages through the app: numbers in the HTML, page vs fragment, clear 422s."""
import re

import pytest

HX = {"HX-Request": "true"}
PAGES = ["/learn", "/learn/derivative", "/learn/partial", "/learn/gradient", "/learn/chain-rule", "/learn/descent", "/learn/exercise"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_a_full_page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.text.startswith("<!doctype html>")
    assert '<link rel="stylesheet" href="/static/css/lesson.css">' in response.text
    assert 'href="/learn/chain-rule"' in response.text  # the lesson navigation
    assert "style=" not in response.text and "onclick" not in response.text  # the CSP forbids both


def test_derivative_page_shows_the_numbers_of_its_url(client):
    html = client.get("/learn/derivative?fn=2x2&x0=1.5&dx_exp=1").text
    assert "dy/dx = 6.2" in html  # (2*1.6^2 - 2*1.5^2) / 0.1
    assert "F'(x0) = 6." in html
    assert 'value="1.5"' in html and 'name="x0"' in html
    assert '<math' in html and "<mi>x</mi>" in html  # the formula as MathML


def test_derivative_page_explains_round_off_at_the_smallest_dx(client):
    html = client.get("/learn/derivative?fn=2x2&x0=1.5&dx_exp=8").text
    assert 'id="round-off-note"' in html
    assert "5.99999996353517" in html  # what float64 really gives, not 6.00000002
    assert 'id="round-off-note"' not in client.get("/learn/derivative?fn=2x2&x0=1.5&dx_exp=3").text


def test_fragment_is_the_figure_partial_and_varies_on_hx_request(client):
    response = client.get("/learn/derivative?fn=x3&x0=1&dx_exp=2", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text and "<form" not in response.text
    assert 'id="derivative-plot"' in response.text
    assert "F'(x0) = 3." in response.text
    assert "HX-Request" in response.headers["vary"]
    page = client.get("/learn/derivative?fn=x3&x0=1&dx_exp=2")
    assert "HX-Request" in page.headers["vary"]


def test_history_restore_gets_the_full_page(client):
    response = client.get("/learn/partial", headers={**HX, "HX-History-Restore-Request": "true"})
    assert response.text.startswith("<!doctype html>")


@pytest.mark.parametrize(
    "url, field, allowed",
    [
        ("/learn/derivative?x0=9", "x0", "from -2.5 to 2.5"),
        ("/learn/derivative?dx_exp=abc", "dx_exp", "from 0 to 8"),
        ("/learn/derivative?fn=tan", "fn", "one of 2x2, 3x, x3, sin, exp"),
        ("/learn/partial?surface=hill", "surface", "one of bowl, tilted, wave"),
        ("/learn/gradient?angle=12.5", "angle", "a whole number from 0 to 355"),
        ("/learn/chain-rule?x=nan", "x", "from -2 to 2"),
        ("/learn/descent?lr=inf", "lr", "from 0.01 to 2.5"),
        ("/learn/descent?steps=1000", "steps", "a whole number from 0 to 100"),
    ],
)
def test_a_bad_value_is_a_clear_422_naming_the_field_and_range(client, url, field, allowed):
    for headers, status in (({}, 422), (HX, 200)):  # the fragment: same note, no failed request in the console
        response = client.get(url, headers=headers)
        assert response.status_code == status
        assert f"({field}) must be" in response.text
        assert allowed in response.text
        assert 'role="alert"' in response.text


def test_partial_page_numbers(client):
    html = client.get("/learn/partial?surface=bowl&x=1.2&y=-0.7", headers=HX).text
    assert re.search(r'id="dzdx-value">2\.4<', html)
    assert re.search(r'id="dzdy-value">-1\.4<', html)


def test_gradient_page_numbers(client):
    html = client.get("/learn/gradient?surface=bowl&x=0.6&y=0.8&angle=90", headers=HX).text
    assert re.search(r'id="gradient-norm">2<', html)  # |(1.2, 1.6)| = 2
    assert re.search(r'id="gradient-chosen">1\.6<', html)  # straight up: df/dy
    assert re.search(r'id="gradient-best">1\.9999\d* at 53°<', html)  # sampled at 53°, the gradient is at 53.13°


def test_chain_rule_page_numbers_and_visualizer_link(client):
    html = client.get("/learn/chain-rule?x=1.3").text
    assert re.search(r'id="chain-product">-1\.654996674<', html)
    assert re.search(r'id="chain-closed">-1\.654996674<', html)
    assert re.search(r'id="edge-product">0\.0821670406<', html)
    assert 'href="/open/worked-example?steps=4&amp;kind=edge&amp;layer=2&amp;to=0&amp;from=0"' in html


def test_descent_page_says_what_happens(client):
    converges = client.get("/learn/descent?loss=bowl&lr=0.3&sx=-4&sy=2&steps=20", headers=HX).text
    assert 'data-verdict="converges"' in converges
    diverges = client.get("/learn/descent?loss=bowl&lr=2.2&sx=-4&sy=2&steps=20", headers=HX).text
    assert 'data-verdict="diverges"' in diverges and "below 2." in diverges
    oscillates = client.get("/learn/descent?loss=valley&lr=0.15&sx=-4&sy=2&steps=15", headers=HX).text
    assert 'data-verdict="oscillates"' in oscillates and "along y" in oscillates


def test_descent_step_button_without_javascript_redirects_to_the_canonical_url(client):
    response = client.get("/learn/descent?loss=bowl&lr=0.3&sx=-4&sy=2&steps=3&advance=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/learn/descent?loss=bowl&lr=0.3&sx=-4.0&sy=2.0&steps=4"
    back = client.get("/learn/descent?steps=3&advance=-100", follow_redirects=False)
    assert back.headers["location"].endswith("steps=0")


def test_exercise_page_shows_the_measurement_and_the_answer(client):
    html = client.get("/learn/exercise").text
    assert "measured on this server" in html
    assert html.count("<tr><th scope=\"row\">") >= 7
    assert "Both give the same gradient" in html
    assert "evolution strategies" in html and "Forward-mode differentiation" in html


def test_pages_are_translated(client):
    html = client.get("/learn/descent?lang=zh_CN&loss=bowl&lr=2.2").text
    assert "梯度下降" in html and "发散" in html
    assert 'lang="zh-CN"' in html
    error = client.get("/learn/derivative?lang=zh_CN&x0=9")
    assert error.status_code == 422 and "必须是" in error.text


def test_a_language_in_the_address_stays_in_the_form_and_the_redirect(client):
    html = client.get("/learn/partial?lang=zh_CN").text
    assert '<input type="hidden" name="lang" value="zh_CN">' in html
    assert '<input type="hidden" name="lang"' not in client.get("/learn/partial").text
    response = client.get("/learn/descent?steps=2&advance=1&lang=zh_CN", follow_redirects=False)
    assert response.headers["location"].endswith("steps=3&lang=zh_CN")


@pytest.mark.parametrize("value", ["", "1e309", "-inf", "nan", "0x10", "\x00", "9" * 400, "1,5", "[]"])
def test_no_query_value_is_answered_500(client, value):
    for url, names in {
        "/learn/derivative": ["fn", "x0", "dx_exp"],
        "/learn/gradient": ["surface", "x", "y", "angle"],
        "/learn/descent": ["loss", "lr", "sx", "sy", "steps", "advance"],
    }.items():
        for name in names:
            response = client.get(url, params={name: value}, follow_redirects=False)
            assert response.status_code in (200, 303, 422), (url, name, value)


def test_flat_points_and_zero_losses_still_draw(client):
    assert "the gradient is zero" in client.get("/learn/gradient?surface=bowl&x=0&y=0").text
    html = client.get("/learn/descent?loss=bowl&sx=0&sy=0&steps=5").text
    assert 'data-verdict="converges"' in html


def test_the_visualizer_link_opens_the_inspector_on_the_same_edge(client):
    from app.lesson.routes import VISUALIZER_URL

    response = client.get(VISUALIZER_URL)
    assert response.status_code == 200
    assert "/s/" in str(response.url) and "kind=edge" in str(response.url)
    assert "0.08217" in response.text  # the inspector's gradient of W[2][0, 0]: the page's product
