"""Migrations: the models and the latest migration agree, there is one head, an empty
database is made at it on first start, one behind is refused with the command to run, and a
database from the build before migrations (179eeb0) upgrades in place, its runs playable.
Run on SQLite, and on PostgreSQL in scripts/test's second pass."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command as alembic_command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.pool import NullPool

from simulator import create_app, migrations
from simulator.cli import main
from simulator.models import Base, Run, StepRow
from simulator.web import BROWSER_KEY

from .config import POSTGRES, app_config, database_url
from .web.helpers import COAT, WITH_THOUGHT, choose, start

DUMPS = Path(__file__).parent / "data" / "databases"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    shutil.copy(COAT, scenarios / COAT.name)
    return scenarios


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A database with no tables at all."""
    return database_url(tmp_path, "blank.db", blank=True)


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    made = create_engine(url, poolclass=NullPool)
    yield made
    made.dispose()


def differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def command(url: str, folder: Path, *args: str):
    env = {"RAPPORT_DATABASE_URL": url, "RAPPORT_SECRET_KEY": "tests"}
    env["RAPPORT_SCENARIO_DIR"] = str(folder)
    return CliRunner().invoke(main, list(args), env=env)


def test_there_is_one_head_and_the_revisions_form_one_numbered_line():
    scripts = migrations.scripts()
    assert scripts.get_heads() == [migrations.head()]
    chain = list(reversed(list(scripts.walk_revisions())))
    assert [script.revision for script in chain] == [f"{n:04d}" for n in range(1, len(chain) + 1)]
    for before, script in zip([None, *chain], chain, strict=False):
        assert script.down_revision == (before.revision if before else None)
        assert Path(script.path).name.startswith(f"{script.revision}_")


def test_the_models_and_the_latest_migration_agree(engine):
    # every change to simulator/models.py needs a migration: this fails until it has one
    assert migrations.upgrade(engine) == (None, migrations.head())
    assert differences(engine) == []
    assert migrations.current(engine).current


def test_an_empty_database_is_made_at_the_latest_migration_on_first_start(url, folder, tmp_path):
    app = create_app({**app_config(tmp_path, folder, WTF_CSRF_ENABLED=False), "DATABASE_URL": url})
    engine = app.extensions["rapport.db"].engine
    assert revision_of(engine) == migrations.head()
    assert differences(engine) == []
    client = app.test_client()
    choose(client, start(client), 0, 0)  # and it plays
    engine.dispose()


def test_processes_starting_at_once_make_the_tables_once(url, engine):
    code = "from simulator import create_app; create_app({'DATABASE_URL': %r, 'SECRET_KEY': 'k'})"
    starts = [subprocess.Popen([sys.executable, "-c", code % url]) for _ in range(2)]
    assert [process.wait(timeout=120) for process in starts] == [0, 0]
    assert revision_of(engine) == migrations.head()


@pytest.fixture(autouse=True)
def revisions_read_again() -> Iterator[None]:
    migrations.scripts.cache_clear()  # a test may point migrations at another folder
    yield
    migrations.scripts.cache_clear()


def add_pending(tmp_path: Path, monkeypatch) -> str:
    """This code with one more migration than the real ones, which copies `runs` whole on
    SQLite (batch mode) as a migration that alters a column does; return its revision."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrations.FOLDER, copy, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrations.head()
    after = f"{int(head) + 1:04d}"
    (copy / "versions" / f"{after}_extra.py").write_text(
        f'''"""A test's extra migration."""
import sqlalchemy as sa
from alembic import op

revision = "{after}"
down_revision = "{head}"


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("runs", recreate="always" if sqlite else "auto") as batch:
        batch.add_column(sa.Column("extra_note", sa.Text(), nullable=True))
''',
        encoding="utf-8",
    )
    monkeypatch.setattr(migrations, "FOLDER", copy)
    migrations.scripts.cache_clear()
    return after


def played(client) -> str:
    """A run started and one choice made in it, through the pages."""
    run = start(client)
    choose(client, run, 0, 0)
    return run


def test_a_database_behind_is_refused_at_start_and_rapport_db_upgrade_brings_it_up(
    url, folder, tmp_path, engine, monkeypatch
):
    config = {**app_config(tmp_path, folder, WTF_CSRF_ENABLED=False), "DATABASE_URL": url}
    app = create_app(config)
    run = played(app.test_client())
    app.extensions["rapport.db"].engine.dispose()
    before = migrations.head()
    pending = add_pending(tmp_path, monkeypatch)
    with pytest.raises(migrations.OutOfDate) as refused:  # the WSGI app factory
        create_app(config)
    assert f"at migration {before} and this version of Rapport needs {pending}" in str(
        refused.value
    )
    assert "run `rapport db upgrade`" in str(refused.value)
    from simulator import cli

    monkeypatch.setattr(cli._Production, "run", lambda self: pytest.fail("served"))
    served = command(url, folder, "serve")
    assert served.exit_code == 1 and "run `rapport db upgrade`" in served.output
    added = CliRunner().invoke(
        main,
        ["instructor", "add", "lee@example.org"],
        input="a long enough password\na long enough password\n",
        env={
            "RAPPORT_DATABASE_URL": url,
            "RAPPORT_SECRET_KEY": "tests",
            "RAPPORT_SCENARIO_DIR": str(folder),
        },
    )
    assert added.exit_code == 1 and "run `rapport db upgrade`" in added.output, added.output
    assert "Traceback" not in added.output
    current = command(url, folder, "db", "current")
    assert current.exit_code == 1
    assert f"{before}; the latest is {pending}: run `rapport db upgrade`" in current.output
    upgraded = command(url, folder, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"database upgraded from {before} to {pending}" in upgraded.output
    assert "already at" in command(url, folder, "db", "upgrade").output
    columns = {column["name"] for column in inspect(engine).get_columns("runs")}
    assert "extra_note" in columns
    with engine.connect() as connection:  # copying runs kept the steps that point at it
        assert connection.scalar(select(func.count()).select_from(StepRow.__table__)) == 1
    again = create_app(config)
    assert again.test_client().get("/").status_code == 200
    assert run.rsplit("/", 1)[-1] in {row.id for row in rows(again, Run)}
    again.extensions["rapport.db"].engine.dispose()


def rows(app: Flask, model: type) -> list:
    with app.app_context():
        from simulator.db import session

        return list(session().scalars(select(model)))


def test_a_database_from_a_newer_version_is_refused(url, folder, tmp_path, engine):
    config = {**app_config(tmp_path, folder, WTF_CSRF_ENABLED=False), "DATABASE_URL": url}
    create_app(config).extensions["rapport.db"].engine.dispose()
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(migrations.OutOfDate, match="9999, which this version of Rapport does not"):
        create_app(config)
    assert "unknown here" in command(url, folder, "db", "upgrade").output


def load_dump(url: str, engine: Engine) -> None:
    """The database the build before migrations made, from its dump (tests/data/databases)."""
    if POSTGRES:
        with engine.begin() as connection:
            connection.exec_driver_sql((DUMPS / "179eeb0-postgresql.sql").read_text("utf-8"))
        return
    with sqlite3.connect(url.removeprefix("sqlite:///")) as raw:
        raw.executescript((DUMPS / "179eeb0-sqlite.sql").read_text("utf-8"))


def test_a_database_from_before_migrations_upgrades_in_place_and_its_runs_play_on(
    url, folder, tmp_path, engine
):
    load_dump(url, engine)
    config = {**app_config(tmp_path, folder, WTF_CSRF_ENABLED=False), "DATABASE_URL": url}
    with pytest.raises(migrations.OutOfDate, match="made before Rapport had migrations"):
        create_app(config)
    assert "made before migrations; the latest" in command(url, folder, "db", "current").output
    upgraded = command(url, folder, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"upgraded from no migrations to {migrations.head()}" in upgraded.output
    assert differences(engine) == []
    app = create_app(config)
    runs = {run.steps: run for run in rows(app, Run)}
    assert sorted(runs) == [1, 2] and runs[2].finished and runs[2].classroom_id is not None
    assert len(rows(app, StepRow)) == 3
    client = app.test_client()  # the trainee's browser, as its cookie would say
    with client.session_transaction() as cookie:
        cookie[BROWSER_KEY] = runs[1].owner
    assert client.get(f"/runs/{runs[1].id}").status_code == 200
    choose(client, f"/runs/{runs[1].id}", 1, 0)
    assert {run.id: run.steps for run in rows(app, Run)}[runs[1].id] == 2
    played(app.test_client())  # and new runs start beside the old
    app.extensions["rapport.db"].engine.dispose()


def test_a_database_from_before_the_start_token_gains_its_columns(url, folder, tmp_path, engine):
    # a build older still, before these columns came: the start-time column adder that
    # came before migrations added them; `rapport db upgrade` does it now
    load_dump(url, engine)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX uq_runs_owner_start_token"))
        for table, column in migrations.late_columns():
            connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column.name}"))
    upgraded = command(url, folder, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    found = inspect(engine)
    assert "start_token" in {column["name"] for column in found.get_columns("runs")}
    assert "uq_runs_owner_start_token" in {index["name"] for index in found.get_indexes("runs")}
    assert differences(engine) == []
    app = create_app({**app_config(tmp_path, folder, WTF_CSRF_ENABLED=False), "DATABASE_URL": url})
    old = next(run for run in rows(app, Run) if not run.finished)
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie[BROWSER_KEY] = old.owner
    choose(client, f"/runs/{old.id}", 1, 0)  # the old run plays on
    assert {run.id: run.steps for run in rows(app, Run)}[old.id] == 2
    app.extensions["rapport.db"].engine.dispose()


def test_scenario_texts_move_out_of_the_run_rows_and_back(url, folder, tmp_path, engine):
    # 0006: each pinned text is kept once, by digest; the runs refer to it
    load_dump(url, engine)
    with engine.connect() as connection:
        dumped = dict(connection.execute(text("SELECT id, scenario_source FROM runs")).all())
    assert command(url, folder, "db", "upgrade").exit_code == 0
    with engine.connect() as connection:
        kept = dict(connection.execute(text("SELECT digest, source FROM scenario_texts")).all())
        pinned = dict(connection.execute(text("SELECT id, scenario_digest FROM runs")).all())
    assert len(kept) == 1 and {run: kept[digest] for run, digest in pinned.items()} == dumped
    assert "scenario_source" not in {c["name"] for c in inspect(engine).get_columns("runs")}
    # the file has changed since: the runs play on from their kept text
    (folder / COAT.name).write_text(WITH_THOUGHT, encoding="utf-8")
    app = create_app({**app_config(tmp_path, folder, WTF_CSRF_ENABLED=False), "DATABASE_URL": url})
    unfinished = next(run for run in rows(app, Run) if not run.finished)
    assert app.extensions["rapport.library"].version(unfinished.scenario_digest) is None
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie[BROWSER_KEY] = unfinished.owner
    page = client.get(f"/runs/{unfinished.id}")
    assert page.status_code == 200 and "Coat Still On" in page.text
    assert "If this goes badly" not in page.text  # the old version, not the file's
    assert choose(client, f"/runs/{unfinished.id}", 1, 0).status_code == 303
    played(client)  # a new run keeps the file's text beside the old
    app.extensions["rapport.db"].engine.dispose()
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM scenario_texts")) == 2
    # and back to 0005: every run holds its own text again
    with migrations.locked(engine, migrating=True) as connection:
        alembic_command.downgrade(migrations.config(connection), "0005")
    with engine.connect() as connection:
        back = dict(connection.execute(text("SELECT id, scenario_source FROM runs")).all())
    assert {run: back[run] for run in dumped} == dumped and len(back) == 3
    assert "scenario_texts" not in inspect(engine).get_table_names()


def test_trainee_ids_are_never_reused_after_0009_and_the_rows_are_kept(url, folder, engine):
    # 0009: SQLite's trainees and group_runs get AUTOINCREMENT (PostgreSQL's sequences never
    # reuse an id): the old database's trainee keeps its id and its runs, and removing the
    # newest trainee does not hand its id to the next
    load_dump(url, engine)
    with engine.connect() as connection:
        before = connection.execute(text("SELECT id, name FROM trainees")).all()
        linked = connection.execute(text("SELECT id, trainee_id FROM runs ORDER BY id")).all()
    assert command(url, folder, "db", "upgrade").exit_code == 0
    with engine.begin() as connection:
        assert connection.execute(text("SELECT id, name FROM trainees")).all() == before
        assert connection.execute(text("SELECT id, trainee_id FROM runs ORDER BY id")).all() == (
            linked
        )
        if not POSTGRES:
            for table in ("trainees", "group_runs"):
                made = connection.scalar(
                    text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
                )
                assert "AUTOINCREMENT" in made
        newest = max(row.id for row in before)
        classroom = connection.scalar(
            text("SELECT classroom_id FROM trainees WHERE id = :i"), {"i": newest}
        )
        # as the app removes one (this test's connection does not enforce foreign keys)
        connection.execute(
            text("UPDATE runs SET trainee_id = NULL WHERE trainee_id = :i"), {"i": newest}
        )
        connection.execute(text("DELETE FROM trainees WHERE id = :i"), {"i": newest})
        connection.execute(
            text(
                "INSERT INTO trainees (classroom_id, name, key, owner, joined_at) "
                "VALUES (:c, 'Bo', 'bo', 'someone', CURRENT_TIMESTAMP)"
            ),
            {"c": classroom},
        )
        assert connection.scalar(text("SELECT id FROM trainees WHERE name = 'Bo'")) > newest
    assert differences(engine) == []
    # and back to 0008, rows kept
    with migrations.locked(engine, migrating=True) as connection:
        alembic_command.downgrade(migrations.config(connection), "0008")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM trainees")) == len(before)
