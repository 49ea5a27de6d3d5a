"""The configuration every test app shares: a database and a scenario folder of its own.

The database is a SQLite file in the test's folder; when RAPPORT_DATABASE_URL names a
PostgreSQL server (scripts/test's second pass, through scripts/postgres), it is a schema
of its own on that server instead: the same folder and name give the same database, as a
file would, and every test starts on an empty one.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

SERVER = os.environ.get("RAPPORT_DATABASE_URL", "")
POSTGRES = SERVER.startswith("postgresql")


def app_config(
    folder: Path, scenarios: Path, database: str = "test.db", **extra: Any
) -> dict[str, Any]:
    """A test app's config: its database named `database` in `folder`, its scenarios from
    `scenarios`; `extra` adds or overrides keys (WTF_CSRF_ENABLED, SECRET_KEY...)."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url(folder, database),
        "SCENARIO_DIR": str(scenarios),
        "SECRET_KEY": "tests",
        # each test app counts its rate limits in a file of its own
        "RATELIMIT_STORAGE_URI": f"rapport-sqlite://{folder / (database + '.limits')}",
        "ANALYSIS_DIR": str(folder / "analyses"),  # large scenarios' background analyses
        **extra,
    }


def database_url(folder: Path, database: str = "test.db", blank: bool = False) -> str:
    """The URL of the test database named `database` in `folder` (empty on first use;
    `blank`: with no tables either, never one emptied for reuse)."""
    if not POSTGRES:
        return f"sqlite:///{folder / database}"
    if blank:
        key = str(folder / database)
        _schemas[key] = _made(key)
    url = make_url(SERVER).update_query_dict(
        {"options": f"-csearch_path={schema_of(folder, database)}"}
    )
    return url.render_as_string(hide_password=False)


# PostgreSQL: (folder, name) -> its schema. Making a schema's tables takes a few tenths of a
# second, emptying one a few hundredths: the schemas a test used are emptied for the next
# (tests/conftest.py marks where each test begins and ends)
_schemas: dict[str, str] = {}
_this_test: list[str] = []
_free: list[str] = []


def schema_of(folder: Path, database: str) -> str:
    """The schema that holds the test database `database` in `folder`."""
    key = str(folder / database)
    if key not in _schemas:
        _schemas[key] = _reused() or _made(key)
        _this_test.append(key)
    return _schemas[key]


def test_began() -> None:
    """A test begins: the databases made before it (by wider fixtures) stay as they are."""
    _this_test.clear()


def test_ended() -> None:
    """The databases the test that ended made can be emptied for the next one."""
    _free.extend(_schemas.pop(key) for key in _this_test)
    _this_test.clear()


def _made(key: str) -> str:
    schema = "t_" + hashlib.sha256(key.encode()).hexdigest()[:24]
    with server().begin() as connection:
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    return schema


def _reused() -> str | None:
    from simulator import migrations
    from simulator.models import Base

    while _free:
        schema = _free.pop()
        try:
            with server().begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '1s'"))
                connection.execute(text(f"SET LOCAL search_path = {schema}"))
                at = connection.scalar(text("SELECT version_num FROM alembic_version"))
                if at != migrations.head():
                    continue  # a test changed it (or never made it): not reused
                for table in reversed(Base.metadata.sorted_tables):
                    connection.execute(table.delete())
                    _restart_ids(connection, schema, table.name)
        except DBAPIError:  # still locked by a test's leftover connection, or broken
            continue
        return schema
    return None


def _restart_ids(connection: Connection, schema: str, table: str) -> None:
    # a table's next id comes after the ids it holds (1 when empty), as in a new table
    from simulator.models import Base

    if "id" not in Base.metadata.tables[table].c:  # scenario_texts is keyed by digest
        return
    sequence = connection.scalar(
        text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f"{schema}.{table}"}
    )
    if sequence is not None:
        after = connection.scalar(text(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {schema}.{table}"))
        connection.execute(
            text("SELECT setval(:sequence, :after, false)"), {"sequence": sequence, "after": after}
        )


def copy_database(source: tuple[Path, str], target: tuple[Path, str]) -> None:
    """Copy the test database `source` (folder, name) whole into the new one `target`."""
    if not POSTGRES:
        with (
            sqlite3.connect(source[0] / source[1]) as origin,
            sqlite3.connect(target[0] / target[1]) as copy,
        ):
            origin.backup(copy)
        return
    from simulator import migrations
    from simulator.models import Base

    into = create_engine(database_url(*target), poolclass=NullPool)
    migrations.prepare(into)  # the tables, empty, at the latest migration
    into.dispose()
    origin, copy = schema_of(*source), schema_of(*target)
    with server().begin() as connection:
        for table in Base.metadata.sorted_tables:
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            connection.execute(
                text(
                    f"INSERT INTO {copy}.{table.name} ({columns}) "
                    f"SELECT {columns} FROM {origin}.{table.name}"
                )
            )
            _restart_ids(connection, copy, table.name)


@cache
def server() -> Engine:
    """The PostgreSQL server's test database, for making schemas."""
    return create_engine(SERVER, poolclass=NullPool)
