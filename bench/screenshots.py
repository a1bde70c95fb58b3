"""Screenshots for the README: each phase of one iteration of the worked example at 1366x768,
plus a trained XOR network (heatmaps) and projector mode, saved to docs/screenshots/.

Run: .venv/bin/python bench/screenshots.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from live import CHROMIUM, CHROMIUM_ARGS, ROOT, live_server  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def new_session(base: str, body: dict) -> str:
    return httpx.post(base + "/api/v1/sessions", json=body).json()["id"]


def shoot(page, name: str, clip: dict | None = None) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), clip=clip)
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with live_server() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(base + "/")
        shoot(page, "home", clip={"x": 0, "y": 0, "width": 1366, "height": 620})
        session = new_session(base, {"preset": "worked-example"})
        page.goto(f"{base}/s/{session}")
        shoot(page, "0-ready")
        names = ["1-forward-1", "2-forward-2", "3-loss", "4-backward-2", "5-backward-1", "6-update"]
        for index, name in enumerate(names):
            with page.expect_response(lambda r: "/step" in r.url):
                page.click("#btn-step")
            page.wait_for_selector(f"#status[data-position='{index + 1}']")
            shoot(page, name)
        page.click("#btn-back")  # back to backward 2, to show the inspector on w5
        page.wait_for_selector("#status[data-position='5']")
        page.click("#btn-back")
        page.wait_for_selector("#status[data-position='4']")
        page.dispatch_event("#edge-2-0-0", "click")  # a horizontal line has an empty box for Playwright
        page.wait_for_selector("#inspector[data-kind='edge']")
        box = page.locator(".lab-side").bounding_box()  # a close-up keeps the PNG small
        shoot(page, "4b-inspector", clip=box)
        xor = new_session(base, {"preset": "xor"})
        httpx.post(f"{base}/api/v1/sessions/{xor}/train", json={"iterations": 3000})
        httpx.post(f"{base}/api/v1/sessions/{xor}/step", json={"until": "loss"})
        page.goto(f"{base}/s/{xor}")
        shoot(page, "7-xor-trained")
        page.goto(f"{base}/s/{session}?projector=1")
        shoot(page, "8-projector")
        page.goto(f"{base}/s/{session}?lang=zh_CN")
        shoot(page, "9-chinese")
        browser.close()


if __name__ == "__main__":
    main()
