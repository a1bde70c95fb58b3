"""Shared fixtures: an in-process API client, a live server, and a headless Chromium page.

The browser is Debian's chromium (/usr/bin/chromium) driven by Playwright's Python package;
Playwright never downloads a browser here.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.backends import backend_env, database_url_for
from tests.servers import start_uvicorn, stop

CHROMIUM = os.environ.get("BPLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def app(tmp_path):
    db_path = tmp_path / "sessions.sqlite3"
    return create_app(Settings(db_path=db_path, database_url=database_url_for(db_path)))


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A real uvicorn on a free loopback port with its own database; yields its base URL."""
    db_path = tmp_path_factory.mktemp("live") / "sessions.sqlite3"
    process, base_url = start_uvicorn(["--loop", "asyncio"], {**os.environ, **backend_env(db_path)}, timeout=20)
    yield base_url
    stop(process)


@pytest.fixture(scope="session")
def browser():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    with playwright_sync.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page on the live server that fails the test on a console error, a page error
    or any request that would leave the server (classrooms are offline)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def only_our_server(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            problems.append(f"request left the server: {route.request.url}")
            route.abort()

    page.route("**/*", only_our_server)
    yield page
    context.close()
    assert not problems, "\n".join(problems)
