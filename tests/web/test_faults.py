"""Faults: when the database fails (gone, read-only, locked for long) the trainee gets a 503
that says to retry, nothing is half-written, and the app recovers without a restart; a
scenario file edited or deleted mid-run leaves the run playable; a real server killed
between choices loses nothing; two tabs racing on one step record one choice."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from simulator import create_app
from simulator.db import BadSetting
from simulator.models import StepRow

from ..config import POSTGRES, app_config, database_url, server
from .helpers import HTMX, choose, reply, rows, start


def test_a_failing_database_gives_a_503_to_retry_and_the_app_recovers(client, app, monkeypatch):
    run = start(client)

    def refuse(self, *args, **kwargs):
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(Session, "commit", refuse)
    for headers in ({}, HTMX):
        page = choose(client, run, 0, 0, htmx=bool(headers))
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        assert "nothing was saved" in page.text
    monkeypatch.undo()
    found, steps = rows(app, run)
    assert found.steps == 0 and steps == []  # nothing half-written
    assert choose(client, run, 0, 0).status_code == 303  # and it works again, no restart
    assert rows(app, run)[0].steps == 1


def test_a_database_refusing_writes_gives_a_503_and_recovers(client, app):
    """A database that reads but refuses writes (a read-only file, a standby after a
    failover): the choice is a 503 to retry, nothing half-written, and it works again once
    writes are back."""
    run = start(client)
    engine = app.extensions["rapport.db"].engine
    refuse = (
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
        if POSTGRES
        else ("PRAGMA query_only = ON")
    )

    def read_only(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(refuse)
        cursor.close()
        dbapi_connection.commit()

    engine.dispose()
    event.listen(engine, "connect", read_only)
    try:
        for headers in ({}, HTMX):
            page = choose(client, run, 0, 0, htmx=bool(headers))
            assert page.status_code == 503 and page.headers["Retry-After"] == "5"
            assert "can&#39;t save your work right now" in page.text
            assert "nothing was saved" in page.text and "busy" not in page.text
    finally:
        event.remove(engine, "connect", read_only)
    # writes are back (the file made writable again): the read-only connections the pool
    # held were closed after the 503, so the app writes again without a restart
    found, steps = rows(app, run)
    assert found.steps == 0 and steps == []
    assert choose(client, run, 0, 0).status_code == 303
    assert rows(app, run)[0].steps == 1


def test_a_long_lock_gives_a_503_within_the_configured_wait(tmp_path, folder):
    """Another connection holds a write lock for long (a backup, a stuck migration): the
    choice waits RAPPORT_DATABASE_LOCK_SECONDS, not 15 s or for ever, then is a 503 to retry
    with nothing written; once the lock is gone it goes through."""
    app = create_app(
        app_config(tmp_path, folder, WTF_CSRF_ENABLED=False, DATABASE_LOCK_SECONDS="1")
    )
    client = app.test_client()
    run = start(client)
    engine = app.extensions["rapport.db"].engine
    holder = engine.connect()
    try:
        if POSTGRES:  # reads go on, writes to runs wait
            holder.execute(text("LOCK TABLE runs IN EXCLUSIVE MODE"))
        else:
            holder.exec_driver_sql("BEGIN IMMEDIATE")
        began = time.monotonic()
        page = choose(client, run, 0, 0, htmx=True)
        waited = time.monotonic() - began
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert "busy for a moment" in page.text and "nothing was saved" in page.text
        assert 0.9 < waited < 5, waited
    finally:
        holder.rollback()
        holder.close()
    found, steps = rows(app, run)
    assert found.steps == 0 and steps == []
    assert choose(client, run, 0, 0).status_code == 303
    engine.dispose()


@pytest.mark.parametrize("value", ["abc", "0", "-1", "601"])
def test_a_lock_wait_that_is_no_number_of_seconds_is_refused_at_start(tmp_path, folder, value):
    with pytest.raises(BadSetting, match="RAPPORT_DATABASE_LOCK_SECONDS must be a number"):
        create_app(app_config(tmp_path, folder, DATABASE_LOCK_SECONDS=value))


# -- the database going away and coming back ---------------------------------------------------


def test_the_database_going_away_and_coming_back_needs_no_restart(client, app):
    run = start(client)
    assert choose(client, run, 0, 0).status_code == 303
    database = app.extensions["rapport.db"]
    if POSTGRES:
        # the server drops the app's connections (a restart, a failover): the next request
        # finds its pooled connection dead, checks it first and opens a new one
        with database.engine.connect() as connection:
            pid = connection.scalar(text("SELECT pg_backend_pid()"))
        with server().connect() as admin:
            assert admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    else:
        # the file moved away (a volume unmounted), while the pool holds connections open
        # on it: 503s, and no empty database in its place
        file = database.file
        file.rename(file.with_name("away.db"))
        for headers in ({}, HTMX):
            gone = client.get(run, headers=headers)
            assert gone.status_code == 503 and gone.headers["Retry-After"] == "5"
        assert not file.exists()
        file.with_name("away.db").rename(file)
    assert "I don&#39;t know. Maybe." in client.get(run).text  # back, at the step it was
    assert choose(client, run, 1, 0).status_code == 303
    found, steps = rows(app, run)
    assert found.finished and [step.number for step in steps] == [1, 2]


sqlite_only = pytest.mark.skipif(POSTGRES, reason="faults of a SQLite file")


def test_a_backup_made_and_restored_while_serving_is_what_the_trainee_sees(
    client, app, tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from simulator.cli import main

    monkeypatch.setenv("RAPPORT_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("RAPPORT_SECRET_KEY", "tests")
    backup = tmp_path / "backup.db"
    run = start(client)
    assert choose(client, run, 0, 0).status_code == 303
    made = CliRunner().invoke(main, ["db", "backup", str(backup)])
    if POSTGRES:
        assert made.exit_code == 1 and "back PostgreSQL up with pg_dump" in made.output
        return
    assert made.exit_code == 0, made.output
    again = CliRunner().invoke(main, ["db", "backup", str(backup)])
    assert again.exit_code == 1 and "exists already: name a new file" in again.output
    assert choose(client, run, 1, 0).status_code == 303  # after the backup: the ending
    asked = CliRunner().invoke(main, ["db", "restore", str(backup)], input="n\n")
    assert asked.exit_code == 1 and "Replace everything in" in asked.output
    assert rows(app, run)[0].finished  # not restored: the answer was no
    restored = CliRunner().invoke(main, ["db", "restore", str(backup), "--yes"])
    assert restored.exit_code == 0, restored.output
    # the running app reads the restored content at once: back at the second step
    assert "I don&#39;t know. Maybe." in client.get(run).text
    assert choose(client, run, 1, 0).status_code == 303
    found, steps = rows(app, run)
    assert found.finished and [step.number for step in steps] == [1, 2]
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    refused = CliRunner().invoke(main, ["db", "restore", str(junk), "--yes"])
    assert refused.exit_code == 1 and "could not be restored" in refused.output
    assert "Traceback" not in refused.output
    assert rows(app, run)[0].finished  # nothing changed


@sqlite_only
def test_a_read_only_shm_left_by_a_read_only_start_is_mended_once_the_file_is_writable(
    client, app, monkeypatch, request
):
    """SQLite makes -wal and -shm with the database file's mode: a server started while the
    file was read-only (chmod 444) left a read-only -shm, and writes failed for ever after
    the file was writable again. The tests run as root, who may write anything, so what a
    server's user may write is read from the files' modes here."""
    run = start(client)
    database = app.extensions["rapport.db"]
    shm = database.file.with_name(database.file.name + "-shm")
    other = sqlite3.connect(database.file)  # another worker: the -shm stays while it is open
    other.execute("SELECT count(*) FROM runs").fetchone()
    request.addfinalizer(other.close)
    assert shm.exists()
    os.chmod(shm, 0o444)  # as the read-only start left it
    monkeypatch.setattr(
        os, "access", lambda path, _mode: bool(os.stat(path).st_mode & stat.S_IWUSR)
    )
    database.engine.dispose()  # the next request connects anew
    assert choose(client, run, 0, 0).status_code == 303
    assert stat.S_IMODE(shm.stat().st_mode) == stat.S_IMODE(database.file.stat().st_mode)
    os.chmod(database.file, 0o444)  # the file itself read-only: its -shm is left alone
    os.chmod(shm, 0o444)
    database.engine.dispose()
    choose(client, run, 1, 0)
    assert stat.S_IMODE(shm.stat().st_mode) == 0o444
    os.chmod(database.file, 0o644)


def test_a_database_that_cannot_be_opened_stops_the_start_with_what_to_check(tmp_path):
    from click.testing import CliRunner

    from simulator.cli import main

    (tmp_path / "rapport.db").mkdir()  # no file SQLite can open
    result = CliRunner().invoke(
        main,
        ["serve", "--port", "5128"],
        env={
            "RAPPORT_DATABASE_URL": f"sqlite:///{tmp_path / 'rapport.db'}",
            "RAPPORT_SECRET_KEY": "k",
        },
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Error: the database did not answer: unable to open database file" in result.output
    assert "the server's user can write the file, its -wal and -shm files" in result.output


@sqlite_only
def test_a_deleted_database_folder_gives_503s_and_loses_no_confirmed_choice(client, app):
    """The instance folder deleted while serving: the connections hold the deleted files
    open, and a choice written to them would be lost at the next restart. Instead each is a
    503; once the folder is restored the app goes on without a restart."""
    run = start(client)
    assert choose(client, run, 0, 0).status_code == 303
    database = app.extensions["rapport.db"]
    second = {"step": "1", "reply": reply(client, run, 0)}
    kept = database.file.parent.with_name("kept")
    os.rename(database.file.parent, kept)  # the same as deleting it, for the open files
    database.file.parent.mkdir()
    try:
        page = client.post(f"{run}/choose", data=second, headers=HTMX)
        assert page.status_code == 503 and "nothing was saved" in page.text
        assert not database.file.exists()  # no empty database in its place
    finally:
        database.file.parent.rmdir()
        os.rename(kept, database.file.parent)
    assert choose(client, run, 1, 0).status_code == 303
    found, steps = rows(app, run)
    assert found.finished and [step.number for step in steps] == [1, 2]


@sqlite_only
def test_a_database_file_overwritten_with_junk_gives_503s_and_recovers(client, app):
    run = start(client)
    assert choose(client, run, 0, 0).status_code == 303
    database = app.extensions["rapport.db"]
    database.engine.dispose()  # the checkpointed file holds everything
    good = database.file.read_bytes()
    with open(database.file, "r+b") as file:  # in place: the same file, junk in it
        file.write(b"not a database " * 512)
    for headers in ({}, HTMX):
        page = client.get(run, headers=headers)
        assert page.status_code == 503 and page.headers["Retry-After"] == "5"
        assert "Traceback" not in page.text
    with open(database.file, "r+b") as file:
        file.write(good)
    assert "I don&#39;t know. Maybe." in client.get(run).text  # restored: no restart
    assert choose(client, run, 1, 0).status_code == 303


# -- the scenario file edited or deleted mid-run -----------------------------------------------


def test_a_run_plays_to_its_debrief_when_its_file_is_deleted_mid_run(client, app, folder):
    run = start(client)
    choose(client, run, 0, 0)
    (folder / "coat-still-on.yaml").unlink()
    page = client.get(run)
    assert page.status_code == 200 and "I don&#39;t know. Maybe." in page.text
    assert choose(client, run, 1, 0).status_code == 303
    debrief = client.get(f"{run}/debrief")
    assert debrief.status_code == 200 and "A first foothold" in debrief.text
    assert "Coat Still On" not in client.get("/").text  # gone from the catalog
    briefing = client.get("/scenarios/coat-still-on")
    assert briefing.status_code == 404 and "Traceback" not in briefing.text
    # a new start from a form still open in another tab is refused cleanly too
    refused = client.post("/scenarios/coat-still-on/runs", data={"mode": "practice"})
    assert refused.status_code == 404


def test_a_run_plays_on_when_its_file_is_broken_mid_run(client, app, folder):
    run = start(client)
    choose(client, run, 0, 0)
    (folder / "coat-still-on.yaml").write_text("id: coat-still-on\nscenes: [", encoding="utf-8")
    assert client.get("/").status_code == 200
    assert choose(client, run, 1, 0).status_code == 303  # the pinned version plays on
    debrief = client.get(f"{run}/debrief")
    assert debrief.status_code == 200 and "A first foothold" in debrief.text
    assert client.get(f"{run}/debrief.json").status_code == 200


# -- a real server: killed between choices, and two tabs racing --------------------------------


class Tab:
    """A browser tab speaking HTTP to a served Rapport: its cookie, forms with CSRF."""

    def __init__(self, port: int, cookie: str | None = None) -> None:
        self.port, self.cookie = port, cookie

    def send(self, method: str, path: str, form: dict[str, str] | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Cookie": f"rapport={self.cookie}"} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8")
        cookie = response.getheader("Set-Cookie") or ""
        if cookie.startswith("rapport="):
            self.cookie = cookie.split(";", 1)[0].removeprefix("rapport=")
        connection.close()
        return response.status, response.getheader("Location"), text

    def start(self) -> str:
        _, _, page = self.send("GET", "/scenarios/coat-still-on")
        form = {"mode": "practice", "csrf_token": field(page, "csrf_token")}
        form["start"] = field(page, "start")
        status, location, _ = self.send("POST", "/scenarios/coat-still-on/runs", form)
        assert status == 303 and location
        return location

    def form(self, run: str) -> tuple[dict[str, str], list[str]]:
        """The play form where the run stands, and the replies it offers."""
        _, _, page = self.send("GET", run)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert token, "no CSRF token"
        form = {"csrf_token": token.group(1)}
        if 'name="words"' in page:  # a key moment asks for the trainee's own words first
            form["step"] = field(page, "step")
            self.send("POST", f"{run}/words", {**form, "words": "", "skip": "1"})
            _, _, page = self.send("GET", run)
        replies = re.findall(r'name="reply" value="([^"]+)"', page)
        if not replies:  # the end: no form
            return {}, []
        return {**form, "step": field(page, "step")}, replies


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, f"no {name} field"
    return found.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(url: str, folder, workers: int = 1) -> Iterator[int]:
    """`rapport serve` (gunicorn) in a process group of its own, on a free loopback port."""
    port = free_port()
    env = {**os.environ, "RAPPORT_DATABASE_URL": url, "RAPPORT_SECRET_KEY": "tests"}
    env["RAPPORT_SCENARIO_DIR"] = str(folder)
    command = [sys.executable, "-m", "simulator.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):  # up to 30 s on a busy machine
            try:
                if Tab(port).send("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
        yield port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def test_a_server_killed_between_choices_loses_nothing_and_the_run_goes_on(tmp_path, folder):
    url = database_url(tmp_path, "served.db")
    tab = Tab(0)
    with served(url, folder) as port:
        tab.port = port
        run = tab.start()
        form, replies = tab.form(run)
        assert tab.send("POST", f"{run}/choose", {**form, "reply": replies[0]})[0] == 303
        # leaving the block SIGKILLs the whole server (master and worker): no shutdown, no flush
    with served(url, folder) as port:  # restarted on the same database
        tab.port = port
        form, replies = tab.form(run)
        assert form["step"] == "1"  # the confirmed choice is there
        made = 1
        while replies and made < 10:  # the run goes on to its end
            assert tab.send("POST", f"{run}/choose", {**form, "reply": replies[0]})[0] == 303
            made += 1
            form, replies = tab.form(run)
        status, _, debrief = tab.send("GET", f"{run}/debrief")
        assert status == 200 and "Outcome" in debrief
    assert step_counts(url) == {run.rsplit("/", 1)[-1]: made}


def step_counts(url: str) -> dict[str, int]:
    """How many choices each run has recorded, read from the database itself."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = connection.execute(select(StepRow.run_id, func.count()).group_by(StepRow.run_id))
        counts = {run_id: count for run_id, count in rows}
    engine.dispose()
    return counts


def race(port: int) -> str:
    """Two tabs of one browser send different replies for the same step at the same moment;
    return the run's id."""
    first = Tab(port)
    run = first.start()
    second = Tab(port, first.cookie)
    form, replies = first.form(run)
    gate = threading.Barrier(2)
    answers: list[int] = []

    def send(tab: Tab, reply: str) -> None:
        gate.wait()
        answers.append(tab.send("POST", f"{run}/choose", {**form, "reply": reply})[0])

    racers = [
        threading.Thread(target=send, args=(tab, reply))
        for tab, reply in ((first, replies[0]), (second, replies[1]))
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=30)
    assert answers == [303, 303]  # the loser is shown the run as it now stands
    assert first.form(run)[0]["step"] == second.form(run)[0]["step"] == "1"
    return run.rsplit("/", 1)[-1]


def test_two_tabs_racing_on_one_step_record_one_choice(tmp_path, folder):
    url = database_url(tmp_path, "served.db")
    with served(url, folder, workers=2) as port:
        runs = [race(port) for _ in range(3)]
    assert step_counts(url) == {run: 1 for run in runs}
