"""Render benchmark of the visualizer (issue 3). Not a test: prints a table for the README.

1. Server time per step fragment: "route" is POST /s/{id}/step through the whole app in-process
   (the service loads, steps and saves the session in SQLite, then the page parts are rendered);
   "render" is the rendering alone (layout, narration, plots, templates of the parts that step
   changed), for 2-8-8-8-1 on XOR and for the largest drawn size, 8 weight layers of 16.
2. Click to swapped DOM in headless Chromium: from the click on Step to the frame after htmx's
   swap of the network, median over 30 clicks.

Targets (issue 3): fragments under 10 ms on the server, click to updated picture under 100 ms.
Run: .venv/bin/python bench/bench_render.py
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from live import CHROMIUM, CHROMIUM_ARGS, live_server  # noqa: E402

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.lab.status import state_token  # noqa: E402
from app.ui.templating import templates  # noqa: E402
from app.lab.stage import session_panels, stage_parts  # noqa: E402

STEPS = 60
CLICKS = 30


def configs() -> dict[str, dict]:
    rng = np.random.default_rng(0)
    wide = {"layers": [16] * 9, "activations": ["tanh"] * 7 + ["sigmoid"], "loss": "mse",
            "optimizer": {"name": "sgd", "learning_rate": 0.1},
            "data": {"inputs": rng.normal(size=(32, 16)).tolist(), "targets": rng.random(size=(32, 16)).round().tolist()}}
    small = {"layers": [2, 8, 8, 8, 1], "activations": ["tanh", "tanh", "tanh", "sigmoid"], "loss": "mse",
             "optimizer": {"name": "sgd", "learning_rate": 0.3}, "data": {"dataset": "xor", "samples": 200, "noise": 0.1}}
    return {"2-8-8-8-1 (xor, 200 rows)": small, "16x9: 8 weight layers of 16": wide}


def ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:7.2f}"


def server_times(client: TestClient, service, body: dict) -> tuple[str, str, str, int, int]:
    session_id = client.post("/api/v1/sessions", json=body).json()["id"]
    route, render, sizes = [], [], []
    for _ in range(STEPS):
        before = service.get(session_id, view="compact")
        seen = state_token(before)  # what the page sends: it is up to date, so it gets only the changes
        started = time.perf_counter()
        response = client.post(f"/s/{session_id}/step", data={"seen": seen}, headers={"HX-Request": "true"})
        route.append(time.perf_counter() - started)
        sizes.append(len(response.content))
        state = service.show(session_id)
        doc = state.doc
        started = time.perf_counter()  # what the route does after the service answered
        parts = stage_parts(before, doc)
        context = session_panels(state.reader, doc, 0, before, parts=parts)
        context["params_changed"] = parts.plots
        templates.get_template("lab/partials/stage_light.html").render(context)
        render.append(time.perf_counter() - started)
    edges = sum(a * b for a, b in zip(body["layers"], body["layers"][1:]))
    return ms(route), ms(render), f"{statistics.median(sizes) / 1024:6.1f}", edges, max(sizes)


CLICK_AND_WAIT = """async () => {
  const started = performance.now();
  const swapped = new Promise(resolve => document.body.addEventListener('htmx:afterSwap', function done(event) {
    if (event.detail.target && event.detail.target.id === 'network-panel' || document.getElementById('network-panel') !== panel) {
      document.body.removeEventListener('htmx:afterSwap', done);
      requestAnimationFrame(() => resolve(performance.now() - started));
    }
  }));
  const panel = document.getElementById('network-panel');
  document.getElementById('btn-step').click();
  return await swapped;
}"""


def browser_times(body: dict) -> str:
    from playwright.sync_api import sync_playwright

    with live_server() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        session_id = httpx.post(base + "/api/v1/sessions", json=body).json()["id"]
        page.goto(f"{base}/s/{session_id}")
        times = [page.evaluate(CLICK_AND_WAIT) / 1000 for _ in range(CLICKS)]
        browser.close()
    return ms(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(db_path=Path(tmp) / "bench.sqlite3"))
        with TestClient(app) as client:
            rows = [(name, *server_times(client, app.state.sessions, body)) for name, body in configs().items()]
    print(f"server: median over {STEPS} steps; browser: median over {CLICKS} clicks on Step\n")
    print(f"{'network':30} {'edges':>6} {'route ms':>9} {'render ms':>9} {'KB/frag':>8} {'click->DOM ms':>14}")
    for (name, route, render, kb, edges, _biggest), body in zip(rows, configs().values()):
        print(f"{name:30} {edges:6d} {route:>9} {render:>9} {kb:>8} {browser_times(body):>14}")


if __name__ == "__main__":
    main()
