"""Chromium: a CSV chosen with the file picker and one dropped on the drop zone are previewed,
the network is sized from their columns, a changed role re-sizes it, and the session made from
it trains on the file with its held-out rows drawn hollow."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

CSV = "temperature,humidity,<i>wind</i>,weather\n" + "".join(
    f"{10 + r % 17},{(r * 7 % 10) / 10},{r % 5},{['sun', 'rain', 'snow'][r % 3]}\n" for r in range(60)
)


def test_picked_csv_is_previewed_sized_and_trained_on(page, live_server):
    expect = pytest.importorskip("playwright.sync_api").expect
    page.goto("/")
    page.set_input_files("#csv-file", files=[{"name": "weather.csv", "mimeType": "text/csv", "buffer": CSV.encode()}])
    page.wait_for_selector(".upload-preview .data-table")
    assert page.locator(".column-kind").all_inner_texts() == ["numbers", "numbers", "numbers", "text"]
    assert page.locator("th .column-name").nth(2).inner_text() == "<i>wind</i>"  # shown as text, not markup
    assert page.input_value("#f-layers") == "3, 8, 3"
    assert page.input_value("#f-output") == "softmax" and page.input_value("#f-loss") == "cross_entropy"
    # leave the wind out: layer 0 follows
    page.select_option('.column-role[data-column="<i>wind</i>"]', "ignore")
    expect(page.locator("#f-layers")).to_have_value("2, 8, 3")
    page.fill("#f-test-fraction", "0.25")
    page.click("#build-form button[type=submit]")
    page.wait_for_url(re.compile(r"/s/[\w-]+$"))
    session_id = page.url.rsplit("/", 1)[1]
    doc = page.request.get(f"{live_server}/api/v1/sessions/{session_id}").json()
    assert doc["config"]["layers"] == [2, 8, 3] and doc["config"]["data"]["test_fraction"] == 0.25
    assert set(doc["config"]["data"]) == {"dataset_id", "test_fraction", "features"}
    page.click("text=The data table")
    page.wait_for_selector(".dataset-page")
    assert page.locator("tr.held-out").count() == 15


def test_dropped_csv_is_previewed(page, live_server):
    page.goto("/")
    data_transfer = page.evaluate_handle(
        """(text) => { const dt = new DataTransfer(); dt.items.add(new File([text], "dropped.csv", {type: "text/csv"})); return dt; }""",
        "a,b,y\n1,2,0\n3,4,1\n5,6,0\n",
    )
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": data_transfer})
    page.wait_for_selector(".upload-preview .data-table")
    assert page.input_value("#f-layers") == "2, 8, 1" and page.input_value("#f-loss") == "bce"
    page.click("#csv-clear")
    assert page.locator(".upload-preview").count() == 0
