"""Screenshots for the README and for judging the picture as a class sees it: every phase of one
iteration of the worked example at 1366x768 and in projector mode at 1920x1080, in English and in
Chinese; every other preset after some training, in both modes; the home page and the inspector.
Saved to docs/screenshots/.

Run: .venv/bin/python bench/screenshots.py            (all of them, about a minute)
     .venv/bin/python bench/screenshots.py circle     (one preset's, while working on it)
"""
from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

import httpx
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from live import CHROMIUM, CHROMIUM_ARGS, ROOT, live_server  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
MODES = {"laptop": ({"width": 1366, "height": 768}, ""), "projector": ({"width": 1920, "height": 1080}, "projector=1")}
LANGUAGES = ("en", "zh_CN")
PHASES = ["0-ready", "1-forward-1", "2-forward-2", "3-loss", "4-backward-2", "5-backward-1", "6-update"]
# the other presets, trained a little and stopped mid-iteration where the picture says the most
TRAINED = {
    "xor": (1500, {"until": "loss"}),
    "circle": (300, {"count": 5}),
    "three-classes": (200, {"count": 4}),
    "sine": (400, {"until": "loss"}),
    "spiral": (400, {"count": 6}),
    "vanishing-gradients": (100, {"count": 9}),
}


def new_session(base: str, body: dict) -> str:
    return httpx.post(base + "/api/v1/sessions", json=body).json()["id"]


def shoot(page, name: str, clip: dict | None = None) -> None:
    path = OUT / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), clip=clip)
    print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")


def worked_example(base: str, page, mode: str, lang: str) -> None:
    session = new_session(base, {"preset": "worked-example"})
    page.goto(f"{base}/lang?lang={lang}&next=" + quote(f"/s/{session}?{MODES[mode][1]}"))  # the cookie: the steps' answers too
    folder = f"{mode}-{lang}"
    shoot(page, f"{folder}/{PHASES[0]}")
    for index, name in enumerate(PHASES[1:], start=1):
        with page.expect_response(lambda r: "/step" in r.url):
            page.click("#btn-step")
        page.wait_for_selector(f"#status[data-position='{index}']" if index < 6 else "#status[data-iteration='1']")
        page.wait_for_timeout(150)  # the swap settles
        shoot(page, f"{folder}/{name}")


def trained(base: str, page, preset: str, mode: str) -> None:
    iterations, step = TRAINED[preset]
    session = new_session(base, {"preset": preset})
    httpx.post(f"{base}/api/v1/sessions/{session}/train", json={"iterations": iterations}, timeout=60)
    httpx.post(f"{base}/api/v1/sessions/{session}/step", json=step)
    page.goto(f"{base}/lang?lang=en&next=" + quote(f"/s/{session}?{MODES[mode][1]}"))
    shoot(page, f"presets/{preset}-{mode}")


def main(only: list[str]) -> None:
    with live_server() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for mode, (viewport, _query) in MODES.items():
            page = browser.new_page(viewport=viewport)
            if not only:
                for lang in LANGUAGES:
                    worked_example(base, page, mode, lang)
            for preset in TRAINED:
                if not only or preset in only:
                    trained(base, page, preset, mode)
            page.close()
        if not only:
            page = browser.new_page(viewport=MODES["laptop"][0])
            for lang in LANGUAGES:
                page.goto(f"{base}/lang?lang={lang}&next=/")
                shoot(page, f"home-{lang}")
            session = new_session(base, {"preset": "worked-example"})
            httpx.post(f"{base}/api/v1/sessions/{session}/step", json={"count": 4})
            page.goto(f"{base}/lang?lang=en&next=" + quote(f"/s/{session}?kind=edge&layer=2&to=0&from=0"))
            page.wait_for_selector("#inspector[data-kind='edge']")
            shoot(page, "inspector", clip=page.locator(".lab-main").bounding_box())
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
