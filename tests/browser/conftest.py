"""One live server for the whole browser suite, and a real Chromium to drive it."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from simulator import create_app

from ..config import app_config

ROOT = Path(__file__).parents[2]
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    """The Chromium scripts/find-chromium chose, or one on the PATH; None means Playwright's own."""
    chosen = os.environ.get("RAPPORT_CHROMIUM")
    if chosen:
        return chosen
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    args = {**browser_type_launch_args, "args": CHROMIUM_FLAGS}
    path = _chromium()
    if path:
        args["executable_path"] = path
    return args


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory):
    """The app on the bundled scenarios plus the contract's example, with its own database."""
    folder = tmp_path_factory.mktemp("live")
    scenarios = folder / "scenarios"
    shutil.copytree(ROOT / "scenarios", scenarios, ignore=shutil.ignore_patterns("*.json"))
    shutil.copy(ROOT / "tests" / "data" / "coat-still-on.yaml", scenarios)
    return create_app(app_config(folder, scenarios, "live.db", SECRET_KEY="browser-tests"))


@pytest.fixture(scope="session")
def base_url(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


AUTHOR_EMAIL = "author@example.org"
AUTHOR_PASSWORD = "browser author password"


@pytest.fixture(scope="session")
def author_account(live_app) -> tuple[str, str]:
    """An instructor account for the instructor-area tests, made once for the session."""
    from simulator import auth

    with live_app.app_context():
        if auth.find(AUTHOR_EMAIL) is None:
            auth.create(AUTHOR_EMAIL, AUTHOR_PASSWORD)
    return AUTHOR_EMAIL, AUTHOR_PASSWORD
