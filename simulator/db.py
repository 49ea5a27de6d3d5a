"""The database lifecycle: one engine and one scoped session per app, tables created at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from werkzeug.wrappers import Response

from .models import Base

EXTENSION = "rapport.db"


class Database:
    """An engine and its scoped session, owned by one app."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        options: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": 15}
        self.engine: Engine = create_engine(url, **options)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.session = scoped_session(sessionmaker(self.engine, expire_on_commit=False))

    def create_all(self) -> None:
        """Create any missing tables, and add columns that a newer version brought."""
        Base.metadata.create_all(self.engine)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        # A stop-gap until migrations: a column added since the table was made is added (with
        # its server default, or empty when it may be), and so are new indexes, so an
        # existing database keeps working after an upgrade.
        found = inspect(self.engine)
        with self.engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                have = {column["name"] for column in found.get_columns(table.name)}
                for column in table.columns:
                    if column.name in have:
                        continue
                    kind = column.type.compile(dialect=self.engine.dialect)
                    if column.server_default is not None:
                        default = column.server_default.arg  # type: ignore[attr-defined]
                        extra = f"NOT NULL DEFAULT '{default}'"
                    elif column.nullable:
                        extra = ""
                    else:
                        continue  # cannot be added to rows that exist: needs a migration
                    connection.execute(
                        text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind} {extra}")
                    )
                for index in table.indexes:
                    index.create(connection, checkfirst=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets readers carry on while a choice is written; foreign keys are off by default.
    # synchronous=NORMAL in WAL mode survives an app crash or restart (only a power cut
    # can lose the last commits), and keeps a choice's commit well under a millisecond.
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> Database:
    """Open the app's database, create its tables, and end each request's session."""
    database = Database(app.config["DATABASE_URL"])
    database.create_all()
    app.extensions[EXTENSION] = database

    @app.teardown_appcontext
    def remove_session(_exc: BaseException | None) -> None:
        database.session.remove()

    @app.errorhandler(OperationalError)
    def unavailable(error: OperationalError) -> Response:
        # the database is gone, read-only or locked for long: nothing half-written (the
        # transaction is rolled back), a page that says to retry, and the next request
        # starts a fresh connection, so the app recovers without a restart
        database.session.rollback()
        database.session.remove()
        from .web import message_page

        response = message_page(
            503,
            "Rapport is busy for a moment",
            "The database did not answer in time, so nothing was saved. Please try again in "
            "a few seconds: everything you did before this is kept.",
        )
        response.headers["Retry-After"] = "5"
        return response

    return database


def session() -> Session:
    """The current app's session for this request."""
    database: Database = current_app.extensions[EXTENSION]
    return database.session()
