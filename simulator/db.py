"""The database lifecycle: one engine and one scoped session per app; at start an empty
database is created at the latest migration and an out-of-date one refused."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    DatabaseError,
    DataError,
    DBAPIError,
    IntegrityError,
    InternalError,
    InvalidatePoolError,
    NotSupportedError,
    ProgrammingError,
)
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from werkzeug.wrappers import Response

from . import migrations

EXTENSION = "rapport.db"
LOCK_SECONDS = 5.0  # the default wait for a lock (RAPPORT_DATABASE_LOCK_SECONDS)
READ_ONLY = "25006"  # PostgreSQL's SQLSTATE for a write in a read-only transaction
# PostgreSQL's SQLSTATEs for waiting too long on a lock, a deadlock, a serialization failure
LOCKED = {"55P03", "40P01", "40001"}
# a bug, not the database failing: these stay a 500 (and are logged as one)
BUGS = (IntegrityError, ProgrammingError, DataError, NotSupportedError)


class Database:
    """An engine and its scoped session, owned by one app."""

    def __init__(self, url: str, lock_seconds: float = LOCK_SECONDS) -> None:
        parsed = make_url(url)
        options: dict[str, Any] = {}
        self.file: Path | None = None  # a SQLite database's file
        backend = parsed.get_backend_name()
        # how long a statement waits for a lock another holds before it gives up, and the
        # request is a 503 to retry (a write normally holds one for a millisecond or two)
        if backend == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                self.file = Path(database).absolute()
                self.file.parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": lock_seconds}
        else:
            # a server restarted or a connection dropped: the pool checks a connection before
            # lending it (one round trip) and opens a new one, so no request sees it dead
            options["pool_pre_ping"] = True
            given = parsed.query.get("options", "")
            given = given if isinstance(given, str) else " ".join(given)
            if backend == "postgresql" and "lock_timeout" not in given:  # the URL's own wins
                wait = f"-c lock_timeout={round(lock_seconds * 1000)}"
                options["connect_args"] = {"options": f"{given} {wait}".strip()}
        self.engine: Engine = create_engine(url, **options)
        if backend == "sqlite":

            def pragmas(connection: Any, _record: Any) -> None:
                _sqlite_pragmas(connection, lock_seconds)

            event.listen(self.engine, "connect", pragmas)
        self.session = scoped_session(sessionmaker(self.engine, expire_on_commit=False))

    def prepare(self) -> None:
        """Create an empty database at the latest migration, or check that an existing one
        is at it (simulator.migrations.OutOfDate says which command brings it there)."""
        self.mend_sidecars()
        migrations.prepare(self.engine)
        if self.file is not None:
            # from now on a connection opens the file that exists, never makes an empty one
            # in its place: a database moved away gives 503s until it is back
            event.listen(self.engine, "do_connect", self._existing_file)
            event.listen(self.engine, "connect", self._note_files)
            event.listen(self.engine, "checkout", self._same_files)
            self.engine.dispose()  # the connections opened so far noted no files

    def _existing_file(
        self, _dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        assert self.file is not None
        self.mend_sidecars()
        cargs[0] = _uri(self.file, "rw")
        cparams["uri"] = True

    def _sidecar(self, suffix: str) -> Path:
        assert self.file is not None
        return self.file.with_name(self.file.name + suffix)

    def mend_sidecars(self) -> None:
        """SQLite makes a database's -wal and -shm files with the mode the database file had:
        a server started while the file was read-only made a read-only -shm, which stayed so
        once the file was writable again, and every connection then failed to write. A
        sidecar this process cannot write, beside a database file it can, is given the
        database file's mode."""
        if self.file is None or not os.access(self.file, os.W_OK):
            return
        for suffix in ("-wal", "-shm"):
            sidecar = self._sidecar(suffix)
            if sidecar.exists() and not os.access(sidecar, os.W_OK):
                with suppress(OSError):  # not ours to change: the error page says so
                    os.chmod(sidecar, stat.S_IMODE(self.file.stat().st_mode))

    # A connection keeps the files it opened even when they are deleted or replaced: a
    # database restored from a backup over the live one, or its folder or its -wal file
    # deleted, and every later choice went to a file no one will open again (lost at the
    # next restart). Each connection notes its files (device and inode); lent out again, it
    # is checked against them (two stats, a few microseconds), and when they changed the
    # pool starts afresh: the files there now, or a 503 while there is none.

    def _files(self) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        assert self.file is not None
        return _identity(self.file), _identity(self._sidecar("-wal"))

    def _note_files(self, _connection: Any, record: Any) -> None:
        record.info["files"] = self._files()

    def _same_files(self, _connection: Any, record: Any, _proxy: Any) -> None:
        now = self._files()
        database, wal = record.info.setdefault("files", now)
        if wal is None:  # the -wal file is made on the first write
            record.info["files"] = database, wal = database, now[1]
        if now != (database, wal):
            raise InvalidatePoolError(f"{self.file} was deleted or replaced while open")


def _identity(file: Path) -> tuple[int, int] | None:
    try:
        found = os.stat(file)
    except OSError:
        return None
    return found.st_dev, found.st_ino


class CannotCopy(RuntimeError):
    """A backup or restore that cannot be made; the message says why and what to do."""


def backup(database: Database, target: Path) -> None:
    """Copy a SQLite database to `target` through SQLite's backup API: a consistent copy,
    its -wal file included, made while the server goes on writing."""
    if database.file is None:
        raise CannotCopy(
            "only a SQLite database is copied by Rapport: back PostgreSQL up with pg_dump"
        )
    if target.exists():
        raise CannotCopy(f"{target} exists already: name a new file")
    partial = target.with_name(f".{target.name}.partial")
    try:
        with _opened(database.file, "ro") as source, _opened(partial, "rwc") as copy:
            source.backup(copy)
        partial.rename(target)
    except (OSError, sqlite3.Error) as error:
        partial.unlink(missing_ok=True)
        raise CannotCopy(f"the backup could not be made: {error}") from error


def restore(database: Database, source: Path) -> None:
    """Replace a SQLite database's content with a backup's, through SQLite's backup API,
    under the database's own locks: safe while the server runs (its next requests read the
    restored content), where copying a file over a live database is not."""
    if database.file is None:
        raise CannotCopy("only a SQLite database is restored by Rapport: use pg_restore")
    try:
        with _opened(source, "ro") as backup_file:
            tables = {row[0] for row in backup_file.execute("SELECT name FROM sqlite_master")}
            if not {"runs", "steps", "alembic_version"} <= tables:
                raise CannotCopy(f"{source} is not a backup of Rapport's database")
            with _opened(database.file, "rw") as live:
                live.execute(f"PRAGMA busy_timeout = {round(LOCK_SECONDS * 1000)}")
                backup_file.backup(live)
    except sqlite3.DatabaseError as error:
        raise CannotCopy(f"{source} could not be restored: {error}") from error
    database.engine.dispose()


@contextmanager
def _opened(file: Path, mode: str) -> Iterator[sqlite3.Connection]:
    # a plain connection to an existing file (mode=ro, rw) or a new one (rwc), closed after
    connection = sqlite3.connect(_uri(file, mode), uri=True)
    try:
        yield connection
    finally:
        connection.close()


def _uri(file: Path, mode: str) -> str:
    """SQLite's URI for a file opened in `mode` (ro, rw, or rwc to make it)."""
    return f"{file.absolute().as_uri().replace('file://', 'file:', 1)}?mode={mode}"


def _sqlite_pragmas(connection: Any, lock_seconds: float) -> None:
    # WAL lets readers carry on while a choice is written; foreign keys are off by default.
    # synchronous=NORMAL in WAL mode survives an app crash or restart (only a power cut
    # can lose the last commits), and keeps a choice's commit well under a millisecond.
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Turning a new file to WAL while another process writes it (two starting at once) is
    # "database is locked" at once, without the busy timeout's wait: wait for it here
    deadline = time.monotonic() + lock_seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> Database:
    """Open the app's database (created, or checked to be up to date), and end each
    request's session."""
    database = Database(app.config["DATABASE_URL"], lock_seconds(app.config))
    if app.config.get("DATABASE_PREPARE", True):  # `rapport db` opens it as it is
        try:
            database.prepare()
        except BaseException:
            database.engine.dispose()  # refused (or failed): no connection left open
            raise
    app.extensions[EXTENSION] = database

    @app.teardown_appcontext
    def remove_session(_exc: BaseException | None) -> None:
        database.session.remove()

    @app.errorhandler(DatabaseError)
    def unavailable(error: DBAPIError) -> Response:
        # the database is gone, read-only, unreadable or locked for long: nothing
        # half-written (the transaction is rolled back) and a page that says to retry.
        # PostgreSQL refusing writes (a standby after a failover) is an InternalError.
        if isinstance(error, BUGS) or (
            isinstance(error, InternalError) and _sqlstate(error) != READ_ONLY
        ):
            # a 500, whose page (the header names who is logged in) reads the database
            # again: on a session left failed that was gunicorn's bare error page instead
            database.session.rollback()
            raise error
        database.session.rollback()
        database.session.remove()
        from .web import message_page

        if _is_lock(error):
            heading = "Rapport is busy for a moment"
            reason = "The database did not answer in time"
            app.logger.warning("database busy: %s", error.orig)
        else:
            # a file made read-only or replaced, a disk full, a server gone: the pooled
            # connections may keep that state, so they are closed and the next request
            # opens new ones, and the app recovers without a restart once it is fixed
            database.engine.dispose()
            heading = "Rapport can't save your work right now"
            reason = "The database is not available"
            app.logger.error("database unavailable: %s", error.orig)
        response = message_page(
            503,
            heading,
            f"{reason}, so nothing was saved. Please try again in a few seconds: everything "
            "you did before this is kept.",
        )
        response.headers["Retry-After"] = "5"
        return response

    return database


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def _is_lock(error: DBAPIError) -> bool:
    """Whether the database only waited too long for a lock another connection holds."""
    if _sqlstate(error) in LOCKED:
        return True
    name = getattr(error.orig, "sqlite_errorname", "")
    return name in ("SQLITE_BUSY", "SQLITE_LOCKED") or "database is locked" in str(error.orig)


class BadSetting(ValueError):
    """A database setting that cannot be used; the message says what is expected."""


def lock_seconds(config: Any) -> float:
    """The configured wait for a lock, in seconds; a clear error for one that is no number."""
    raw = config.get("DATABASE_LOCK_SECONDS")
    if raw is None or raw == "":
        return LOCK_SECONDS
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = float("nan")  # refused below, as a number out of range is
    if not 0 < seconds <= 600:
        raise BadSetting(
            "RAPPORT_DATABASE_LOCK_SECONDS must be a number of seconds, more than 0 and at "
            f"most 600 (such as 5), not {raw!r}"
        )
    return seconds


def session() -> Session:
    """The current app's session for this request."""
    database: Database = current_app.extensions[EXTENSION]
    return database.session()


class Direct:
    """A Core statement run straight on the driver's cursor, in the session's transaction:
    compiled once per dialect (and per set of columns it is given), its values converted by
    the columns' own types, as SQLAlchemy would. It skips SQLAlchemy's per-statement
    execution machinery and the ORM's loading of a row, which were most of the database time
    of a choice; only for the few statements every choice runs. A driver's error is raised
    as SQLAlchemy's own (IntegrityError, OperationalError), so callers and the 503 page
    handle it as any other."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def first(self, db: Session, values: dict[str, Any]) -> dict[str, Any] | None:
        """A SELECT's first row as {column key: value}, or None."""
        cursor, compiled = self._execute(db, values)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        return {
            key: (convert(value) if convert is not None else value)
            for key, convert, value in zip(compiled.keys, compiled.results, row, strict=True)
        }

    def rowcount(self, db: Session, values: dict[str, Any]) -> int:
        """An UPDATE's or INSERT's count of rows written."""
        cursor, _ = self._execute(db, values)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def _execute(self, db: Session, values: dict[str, Any]) -> tuple[Any, _Compiled]:
        """Run with these values (by bind name; for an UPDATE or INSERT also by column):
        the driver's cursor, and the statement as compiled for this database."""
        connection = db.connection()
        dialect = connection.dialect
        key = (dialect.name, tuple(values))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _Compiled(self.statement, dialect, tuple(values))
        parameters = compiled.parameters(values)
        proxied = connection.connection
        cursor = proxied.cursor()
        try:
            cursor.execute(compiled.sql, parameters)
        except dialect.loaded_dbapi.Error as error:
            cursor.close()
            if dialect.is_disconnect(error, proxied.dbapi_connection, None):
                connection.invalidate(error)  # the pool opens a new one for the next request
            raise DBAPIError.instance(
                compiled.sql, parameters, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
        return cursor, compiled


class _Compiled:
    """A statement compiled for one dialect: its SQL, how to pass each value, how to read
    each column of its rows."""

    def __init__(self, statement: Any, dialect: Any, names: tuple[str, ...]) -> None:
        query = isinstance(statement, Select)
        compiled = statement.compile(dialect=dialect, column_keys=None if query else list(names))
        self.sql: str = compiled.string
        binds = compiled.binds
        self.converters = {
            name: binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in binds
        }
        self.order: list[str] | None = (
            list(compiled.positiontup or []) if compiled.positional else None
        )
        self.keys: list[str] = []
        self.results: list[Any] = []
        if query:
            for column in statement.selected_columns:
                self.keys.append(column.key)
                self.results.append(
                    column.type.dialect_impl(dialect).result_processor(dialect, None)
                )

    def parameters(self, values: dict[str, Any]) -> Any:
        converted = {}
        for name, convert in self.converters.items():  # None too, as SQLAlchemy does
            value = values[name]
            converted[name] = convert(value) if convert is not None else value
        if self.order is not None:
            return tuple(converted[name] for name in self.order)
        return converted
