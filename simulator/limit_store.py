"""Rate-limit counts in a small SQLite file, shared by every worker process on one machine.

Flask-Limiter's `memory://` store counts in each process, so with `rapport serve --workers
2` every limit was, in effect, twice as high as documented. This store keeps fixed-window
counters in a file of their own (never the app's database, which may be PostgreSQL), so all
the processes of one machine count together. Several machines need a shared server such as
`redis://`. URI: `rapport-sqlite:///absolute/path/rate-limits.db`.

When the file cannot be written (its folder made read-only, the disk full) a login or a
join is not refused for it: the counts are kept in the process for a while, the file is
tried again after `RETRY_SECONDS` with a new connection, and counting there resumes.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from limits.storage import MemoryStorage, Storage

SCHEME = "rapport-sqlite"
RETRY_SECONDS = 10.0
log = logging.getLogger(__name__)
T = TypeVar("T")


class SQLiteStorage(Storage):
    """Fixed-window counters: a key's count and the time its window ends."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(uri.removeprefix(f"{SCHEME}://"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._failed_until = 0.0  # counting in the process until then

    @functools.cached_property
    def _fallback(self) -> MemoryStorage:  # made on first need (it starts a timer thread)
        return MemoryStorage()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        # one connection per thread and process: a forked worker opens its own
        found = getattr(self._local, "connection", None)
        if found is not None and self._local.pid == os.getpid():
            return found  # type: ignore[no-any-return]
        connection = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS counters "
            "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expiry REAL NOT NULL)"
        )
        self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._either(
            lambda: self._incr(key, expiry, amount),
            lambda: self._fallback.incr(key, expiry, amount),
        )

    def _incr(self, key: str, expiry: int, amount: int) -> int:
        now = time.time()
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM counters WHERE key = ? AND expiry <= ?", (key, now))
            db.execute(
                "INSERT INTO counters (key, count, expiry) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET count = count + excluded.count",
                (key, amount, now + expiry),
            )
            count = db.execute("SELECT count FROM counters WHERE key = ?", (key,)).fetchone()[0]
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return int(count)

    def _window(self, key: str) -> tuple[int, float] | None:
        # the key's count and when its window ends, while that window lasts
        row = (
            self._db()
            .execute(
                "SELECT count, expiry FROM counters WHERE key = ? AND expiry > ?",
                (key, time.time()),
            )
            .fetchone()
        )
        return (int(row[0]), float(row[1])) if row else None

    def get(self, key: str) -> int:
        window = self._either(lambda: self._window(key), lambda: None)
        return window[0] if window else self._in_process("get", key, 0)

    def get_expiry(self, key: str) -> float:
        window = self._either(lambda: self._window(key), lambda: None)
        return window[1] if window else self._in_process("get_expiry", key, time.time())

    def _in_process(self, method: str, key: str, none: Any) -> Any:
        # only a process that counted on its own has anything to say
        if "_fallback" not in self.__dict__:
            return none
        return getattr(self._fallback, method)(key)

    def _either(self, in_file: Callable[[], T], in_process: Callable[[], T]) -> T:
        """The file's answer, or the process's own while the file fails."""
        if time.monotonic() < self._failed_until:
            return in_process()
        try:
            return in_file()
        except sqlite3.Error as error:
            log.warning("rate limits counted in this process for now: %s: %s", self.path, error)
            self._failed_until = time.monotonic() + RETRY_SECONDS
            self._forget()
            return in_process()

    def _forget(self) -> None:
        # a connection opened read-only stays so: the next try opens a new one
        found = getattr(self._local, "connection", None)
        self._local.connection = None
        if found is not None:
            with contextlib.suppress(sqlite3.Error):
                found.close()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        db = self._db()
        count = db.execute("SELECT count(*) FROM counters").fetchone()[0]
        db.execute("DELETE FROM counters")
        return int(count)

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))
