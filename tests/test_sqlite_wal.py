"""SQLite: a new database file is turned to WAL even while another process is writing it,
as when two processes start at once on a database that does not exist yet."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from simulator.db import Database


def held(path, seconds: float) -> threading.Thread:
    """Another process's first write: a rollback-journal file, its write lock held."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE started (x)")

    def release() -> None:
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    releasing = threading.Thread(target=release)
    releasing.start()
    return releasing


def test_a_new_file_locked_by_another_writer_is_turned_to_wal_once_it_is_free(tmp_path):
    path = tmp_path / "new.db"
    releasing = held(path, 0.3)
    database = Database(f"sqlite:///{path}", lock_seconds=5)
    try:
        with database.engine.connect() as connection:  # waits, rather than failing at once
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        releasing.join()
        database.engine.dispose()


def test_it_gives_up_after_the_lock_wait(tmp_path):
    path = tmp_path / "new.db"
    releasing = held(path, 1.0)
    database = Database(f"sqlite:///{path}", lock_seconds=0.2)
    try:
        with pytest.raises(OperationalError, match="database is locked"):
            database.engine.connect()
    finally:
        releasing.join()
        database.engine.dispose()
