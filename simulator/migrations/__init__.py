"""Schema migrations with Alembic, configured from the app's database URL (no alembic.ini).

The revisions are in versions/, numbered 0001, 0002... each chained to the one before. At
start the app creates an empty database at the latest revision and refuses one that is
behind; `rapport db upgrade` applies what is pending, and adopts a database made before
migrations existed (tables, no `alembic_version`) by stamping it as the baseline first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.sql.schema import ColumnCollectionConstraint

FOLDER = Path(__file__).parent
BASELINE = "0001"
# the tables of the baseline: a database that has some of them but no alembic_version was
# made by a build from before migrations
BASELINE_TABLES = {"runs", "steps", "instead_notes", "instructors", "classrooms", "trainees"}
UPGRADE = "rapport db upgrade"


class OutOfDate(RuntimeError):
    """The database is not at the revision this code needs; the message says what to do."""


@dataclass(frozen=True)
class Status:
    """Where a database stands: no tables, made before migrations, or at a revision."""

    empty: bool
    legacy: bool
    revision: str | None

    @property
    def current(self) -> bool:
        return self.revision == head()

    @property
    def known(self) -> bool:
        return self.revision is None or self.revision in revisions()


def config(connection: Connection) -> Config:
    """Alembic's configuration for this open connection."""
    settings = Config()
    settings.set_main_option("script_location", str(FOLDER))
    settings.attributes["connection"] = connection
    return settings


@cache
def scripts() -> ScriptDirectory:
    """The revision files (read once per process)."""
    settings = Config()
    settings.set_main_option("script_location", str(FOLDER))
    return ScriptDirectory.from_config(settings)


def head() -> str:
    """The latest revision; there must be exactly one."""
    heads = scripts().get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have one head, found {sorted(heads)}")
    return heads[0]


def revisions() -> set[str]:
    """Every revision this code knows."""
    return {script.revision for script in scripts().walk_revisions()}


def status(connection: Connection) -> Status:
    """Where the database behind this connection stands."""
    tables = set(inspect(connection).get_table_names())
    revision = MigrationContext.configure(connection).get_current_revision()
    ours = bool(tables & BASELINE_TABLES)
    legacy = ours and "alembic_version" not in tables
    return Status(empty=not ours and revision is None, legacy=legacy, revision=revision)


def prepare(engine: Engine) -> None:
    """At start: create an empty database at the latest revision; refuse one that is not at
    it, with the command to run."""
    from ..models import Base

    with locked(engine) as connection:
        found = status(connection)
        if found.empty:
            Base.metadata.create_all(connection)
            MigrationContext.configure(connection).stamp(scripts(), "head")
            return
    if found.current:
        return
    where = engine.url.render_as_string(hide_password=True)
    if found.legacy:
        raise OutOfDate(
            f"The database {where} was made before Rapport had migrations. Back it up, then "
            f"run `{UPGRADE}` (with the same RAPPORT_DATABASE_URL) and start again."
        )
    if not found.known:
        raise OutOfDate(
            f"The database {where} is at migration {found.revision}, which this version of "
            "Rapport does not know: a newer version made it. Run that version, or restore a "
            "backup made for this one."
        )
    raise OutOfDate(
        f"The database {where} is at migration {found.revision} and this version of Rapport "
        f"needs {head()}. Back it up, then run `{UPGRADE}` (with the same "
        "RAPPORT_DATABASE_URL) and start again."
    )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Apply every pending migration (adopting a database from before migrations first);
    return the revisions before and after."""
    with locked(engine, migrating=True) as connection:
        found = status(connection)
        if not found.known:
            raise OutOfDate(f"the database is at migration {found.revision}, unknown here")
        if found.legacy:
            adopt(connection)
        command.upgrade(config(connection), "head")
        return found.revision, head()


def current(engine: Engine) -> Status:
    """Where the database stands, without changing it."""
    with engine.connect() as connection:
        return status(connection)


# -- the pre-migration builds ------------------------------------------------------------------


def late_columns() -> list[tuple[str, sa.Column[Any]]]:
    """What the tables gained before migrations existed (the start-time column adder used
    to add them): a database from those builds may lack them."""
    return [
        ("runs", sa.Column("start_token", sa.String(40), nullable=True)),
        (
            "classrooms",
            sa.Column("words_required", sa.Boolean(), nullable=False, server_default="0"),
        ),
        ("instructors", sa.Column("login_epoch", sa.Integer(), nullable=False, server_default="0")),
    ]


def adopt(connection: Connection) -> None:
    """Bring a database made before migrations to the baseline and stamp it so."""
    found = inspect(connection)
    missing = BASELINE_TABLES - set(found.get_table_names())
    if missing:
        raise OutOfDate(
            f"the database lacks the tables {sorted(missing)}: it is older than any build "
            "that can be upgraded; start on an empty database"
        )
    operations = Operations(MigrationContext.configure(connection))
    for table, column in late_columns():
        if column.name not in {c["name"] for c in found.get_columns(table)}:
            operations.add_column(table, column)
    if "uq_runs_owner_start_token" not in {i["name"] for i in found.get_indexes("runs")}:
        operations.create_index(
            "uq_runs_owner_start_token", "runs", ["owner", "start_token"], unique=True
        )
    if connection.dialect.name == "postgresql":
        _rename_constraints(connection)
    elif connection.dialect.name == "sqlite":
        # SQLite kept the old build's unique and foreign key constraints unnamed: copying each
        # table (batch mode) names them by the convention, so later migrations can name them
        from ..models import NAMING

        for name in ("instructors", "classrooms", "trainees", "runs", "steps", "instead_notes"):
            with operations.batch_alter_table(name, recreate="always", naming_convention=NAMING):
                pass
    MigrationContext.configure(connection).stamp(scripts(), BASELINE)


def _rename_constraints(connection: Connection) -> None:
    # PostgreSQL named the old build's unnamed constraints itself (runs_pkey,
    # instructors_email_key, runs_parent_id_fkey): give them the names later migrations use
    from ..models import Base

    found = inspect(connection)
    for name in sorted(BASELINE_TABLES):
        wanted = {
            (type(c).__name__, tuple(column.name for column in c.columns)): str(c.name)
            for c in Base.metadata.tables[name].constraints
            if isinstance(c, ColumnCollectionConstraint)
        }
        pk = found.get_pk_constraint(name)
        have = [("PrimaryKeyConstraint", pk["constrained_columns"], pk["name"])]
        have += [
            ("UniqueConstraint", u["column_names"], u["name"])
            for u in found.get_unique_constraints(name)
        ]
        have += [
            ("ForeignKeyConstraint", f["constrained_columns"], f["name"])
            for f in found.get_foreign_keys(name)
        ]
        for kind, columns, old in have:
            new = wanted.get((kind, tuple(columns)))
            if old and new and new != old:
                connection.execute(
                    sa.text(f'ALTER TABLE {name} RENAME CONSTRAINT "{old}" TO "{new}"')
                )


# -- one process at a time ---------------------------------------------------------------------


@contextmanager
def locked(engine: Engine, migrating: bool = False) -> Iterator[Connection]:
    """A connection in a transaction that no other process starting or migrating can enter
    at the same time; DDL included, so a failed step leaves nothing half-done."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(7218450311)"))
            yield connection
        return
    # pysqlite would commit before each DDL statement: take the transaction in hand, and
    # take the write lock at once (BEGIN IMMEDIATE), so two processes cannot both create
    with engine.connect() as plain:
        connection = plain.execution_options(isolation_level="AUTOCOMMIT")
        if migrating:
            # SQLite alters a table by copying it and dropping the old one; with foreign
            # keys on, that drop would delete the rows that point at it (ON DELETE CASCADE)
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
            if migrating:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise RuntimeError(f"a migration left a dangling foreign key: {broken}")
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        else:
            connection.exec_driver_sql("COMMIT")
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
