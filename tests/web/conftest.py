"""The Flask test client over a fresh database (a SQLite file, or a PostgreSQL schema when
RAPPORT_DATABASE_URL names a server) and a temporary scenario folder per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator import create_app

from ..config import app_config
from .helpers import COAT


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A scenario folder holding the contract's example."""
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    shutil.copy(COAT, scenarios / COAT.name)
    return scenarios


@pytest.fixture
def csrf_enabled() -> bool:
    return False


@pytest.fixture
def app(tmp_path: Path, folder: Path, csrf_enabled: bool) -> Iterator[Flask]:
    # most web tests post like a plain client; test_auth.py checks CSRF with it on
    app = create_app(app_config(tmp_path, folder, WTF_CSRF_ENABLED=csrf_enabled))
    yield app
    app.extensions["rapport.db"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def other(app: Flask) -> FlaskClient:
    """A second browser, with its own cookies."""
    return app.test_client()
