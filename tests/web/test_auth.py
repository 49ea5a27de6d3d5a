"""Instructor accounts, login and logout, and CSRF on every state-changing request."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from simulator import auth, create_app
from simulator.cli import main
from simulator.models import Instructor

from ..config import app_config
from .helpers import HTMX, reply


def token(client: FlaskClient, path: str = "/") -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


@pytest.fixture
def instructor(app: Flask) -> Instructor:
    with app.app_context():
        return auth.create("Ada@Example.org", "correct horse battery")


def log_in(
    client: FlaskClient, email: str = "ada@example.org", password: str = "correct horse battery"
):
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token(client, "/login")}
    )


class TestAccounts:
    def test_passwords_are_stored_as_scrypt_hashes(self, app, instructor):
        assert instructor.email == "ada@example.org"
        assert instructor.password_hash.startswith("scrypt:")
        assert "correct horse" not in instructor.password_hash

    def test_bad_accounts_are_refused_with_a_reason(self, app, instructor):
        with app.app_context():
            for email, password, words in [
                ("not-an-email", "long enough pass", "does not look like an email"),
                ("b@example.org", "short", "at least 10 characters"),
                ("ADA@example.org", "another long one", "already exists"),
            ]:
                with pytest.raises(ValueError, match=words):
                    auth.create(email, password)

    def test_the_command_asks_for_the_password_twice(self, app, monkeypatch, tmp_path):
        monkeypatch.setenv("RAPPORT_DATABASE_URL", app.config["DATABASE_URL"])
        monkeypatch.setenv("RAPPORT_SCENARIO_DIR", app.config["SCENARIO_DIR"])
        monkeypatch.setenv("RAPPORT_SECRET_KEY", "tests")
        runner = CliRunner()
        mismatch = runner.invoke(
            main, ["instructor", "add", "cli@example.org"], input="first pass 1\nother pass 2\n" * 3
        )
        assert mismatch.exit_code != 0
        made = runner.invoke(
            main, ["instructor", "add", "cli@example.org"], input="good password\ngood password\n"
        )
        assert made.exit_code == 0, made.output
        assert "instructor cli@example.org created" in made.output
        again = runner.invoke(
            main, ["instructor", "add", "cli@example.org"], input="good password\ngood password\n"
        )
        assert again.exit_code == 1 and "already exists" in again.output


class TestLogin:
    def test_a_right_password_logs_in_and_a_wrong_one_does_not(self, client, instructor):
        wrong = log_in(client, password="wrong password")
        assert wrong.status_code == 401
        assert "do not match an instructor account" in wrong.text
        assert "Log out" not in wrong.text
        right = log_in(client)
        assert right.status_code == 303
        assert "ada@example.org" in client.get("/").text

    def test_an_unknown_email_gets_the_same_message(self, client, instructor):
        response = log_in(client, email="nobody@example.org")
        assert response.status_code == 401
        assert "do not match an instructor account" in response.text

    def test_logout_ends_the_session(self, client, instructor):
        log_in(client)
        response = client.post("/logout", data={"csrf_token": token(client)})
        assert response.status_code == 303
        assert "Instructor login" in client.get("/").text

    def test_next_never_redirects_off_site(self, client, instructor):
        response = client.post(
            "/login?next=//evil.example/x",
            data={
                "email": "ada@example.org",
                "password": "correct horse battery",
                "csrf_token": token(client, "/login"),
            },
        )
        assert response.status_code == 303
        assert "evil.example" not in response.headers["Location"]


class TestCsrf:
    @pytest.fixture
    def csrf_enabled(self) -> bool:
        return True

    def test_a_form_without_its_token_is_refused_kindly(self, client):
        response = client.post("/scenarios/coat-still-on/runs", data={"mode": "practice"})
        assert response.status_code == 400
        assert "This form has expired" in response.text
        assert "Traceback" not in response.text

    def test_the_same_form_with_its_token_works(self, client):
        response = client.post(
            "/scenarios/coat-still-on/runs",
            data={"mode": "practice", "csrf_token": token(client, "/scenarios/coat-still-on")},
        )
        assert response.status_code == 303

    def test_htmx_requests_carry_the_token_in_a_header(self, client):
        run_url = client.post(
            "/scenarios/coat-still-on/runs", data={"mode": "practice", "csrf_token": token(client)}
        ).headers["Location"]
        page = client.get(run_url).text
        assert 'name="csrf-token" content="' in page
        assert "/static/js/csrf.js" in page
        refused = client.post(
            f"{run_url}/choose",
            data={"step": "0", "reply": reply(client, run_url, 0)},
            headers=HTMX,
        )
        assert refused.status_code == 400
        assert "This form has expired" in refused.text
        accepted = client.post(
            f"{run_url}/choose",
            data={"step": "0", "reply": reply(client, run_url, 0)},
            headers={**HTMX, "X-CSRFToken": token(client)},
        )
        assert accepted.status_code == 200
        assert "What happened" in accepted.text

    def test_a_page_drawn_after_a_checked_form_carries_the_token_it_was_checked_with(
        self, client, app
    ):
        first = token(client, "/scenarios/coat-still-on")
        run_url = client.post(
            "/scenarios/coat-still-on/runs", data={"mode": "practice", "csrf_token": first}
        ).headers["Location"]
        sent = token(client, run_url)  # a newly signed one: a GET checks nothing
        block = client.post(
            f"{run_url}/choose",
            data={"step": "0", "reply": reply(client, run_url, 0), "csrf_token": sent},
            headers=HTMX,
        )
        assert block.status_code == 200
        kept = re.findall(r'name="csrf_token" value="([^"]+)"', block.text)
        assert kept and set(kept) == {sent}  # not signed again
        again = client.post(
            f"{run_url}/choose",
            data={"step": "1", "reply": reply(client, run_url, 0), "csrf_token": kept[0]},
            headers=HTMX,
        )
        assert again.status_code == 200 and "What happened" in again.text
        # a forged token is still refused, and a page after it has no borrowed token
        forged = client.post(
            f"{run_url}/choose",
            data={"step": "2", "reply": reply(client, run_url, 0), "csrf_token": sent + "x"},
            headers=HTMX,
        )
        assert forged.status_code == 400 and sent + "x" not in forged.text

    def test_a_checked_token_is_not_reused_once_the_session_secret_changed(self, app):
        from flask import g, session
        from flask_wtf.csrf import validate_csrf

        with app.test_request_context("/", method="POST"):
            session["csrf_token"] = "the first secret"
            g.checked_csrf = ("the first secret", "a token checked against it")
            assert auth._form_token() == "a token checked against it"
            session["csrf_token"] = "a renewed secret"  # a login renewed the session
            fresh = auth._form_token()
            assert fresh != "a token checked against it"
            validate_csrf(fresh)  # signed for the renewed secret: raises if not

    def test_a_browser_s_pages_share_one_signed_token_that_the_check_accepts(
        self, client, other, app
    ):
        first, second = token(client, "/"), token(client, "/scenarios/coat-still-on")
        assert first == second  # signed once for this session's secret, not on every page
        assert token(other, "/") != first  # another browser: its own secret and token
        started = client.post(
            "/scenarios/coat-still-on/runs", data={"mode": "practice", "csrf_token": first}
        )
        assert started.status_code == 303
        refused = other.post(
            "/scenarios/coat-still-on/runs", data={"mode": "practice", "csrf_token": first}
        )
        assert refused.status_code == 400  # the token is good only with its own session
        # a time limit set: every page signs its own token again, as Flask-WTF does
        app.config["WTF_CSRF_TIME_LIMIT"] = 3600
        with app.test_request_context("/"):
            from flask import session

            session["csrf_token"] = "a secret"
            app.extensions[auth.SIGNED]["a secret"] = "a remembered token"
            assert auth._form_token() != "a remembered token"

    def test_logout_needs_the_token(self, client, instructor):
        log_in(client)
        assert client.post("/logout").status_code == 400


def test_a_protected_page_sends_you_to_login_and_says_why(client):
    response = client.get("/author/")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert "Please log in as an instructor to see that page." in page.text


def test_wrong_passwords_are_limited_per_account_with_a_clear_message(client, app):
    with app.app_context():
        auth.create("ada@example.org", "the right password")
        auth.create("bo@example.org", "another password")
    for _ in range(5):
        wrong = client.post("/login", data={"email": "ada@example.org", "password": "guess"})
        assert wrong.status_code == 401
    slowed = client.post("/login", data={"email": "ADA@example.org", "password": "guess"})
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "60"
    assert "Too many wrong passwords for this account" in slowed.text
    assert 'value="ADA@example.org"' in slowed.text  # what was typed is kept
    # even the right password waits, so guessing cannot go on; another account is not held up
    right = client.post(
        "/login", data={"email": "ada@example.org", "password": "the right password"}
    )
    assert right.status_code == 429
    other = client.post("/login", data={"email": "bo@example.org", "password": "another password"})
    assert other.status_code == 303
    assert client.get("/login").status_code == 200  # looking at the form costs nothing


def test_with_rate_limits_switched_off_the_app_starts_and_nothing_is_limited(tmp_path, folder):
    # Flask-Limiter's own switch: it then adds no hooks, and the app must not expect them
    app = create_app(app_config(tmp_path, folder, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False))
    client = app.test_client()
    with app.app_context():
        auth.create("ada@example.org", "the right password")
    for _ in range(8):
        wrong = client.post("/login", data={"email": "ada@example.org", "password": "guess"})
        assert wrong.status_code == 401
    right = client.post(
        "/login", data={"email": "ada@example.org", "password": "the right password"}
    )
    assert right.status_code == 303
    app.extensions["rapport.db"].engine.dispose()


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(tmp_path, folder):
    from simulator import create_app

    from ..config import app_config

    for proxies, separate in ((0, False), (1, True)):
        app = create_app(
            app_config(
                tmp_path, folder, f"p{proxies}.db", TRUSTED_PROXIES=proxies, WTF_CSRF_ENABLED=False
            )
        )
        client = app.test_client()
        for n in range(20):  # 20 wrong passwords from "different" addresses
            client.post(
                "/login",
                data={"email": f"user{n}@example.org", "password": "guess"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
        last = client.post(
            "/login",
            data={"email": "someone@example.org", "password": "guess"},
            headers={"X-Forwarded-For": "203.0.113.99"},
        )
        # trusted: each address has its own count; untrusted: one address, now limited
        assert (last.status_code == 401) == separate, proxies
        app.extensions["rapport.db"].engine.dispose()


def test_a_cookie_copied_before_logout_no_longer_opens_the_instructor_area(client, app):
    with app.app_context():
        auth.create("ada@example.org", "correct horse battery")
    assert log_in(client).status_code == 303
    assert client.get("/author/").status_code == 200
    copy = app.test_client()
    copy.set_cookie("rapport", client.get_cookie("rapport").value)
    assert copy.get("/author/").status_code == 200  # the copy works while the login lasts
    assert client.post("/logout").status_code == 303
    for browser in (client, copy):
        page = browser.get("/author/")
        assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert log_in(client).status_code == 303  # logging in again works
    assert client.get("/author/").status_code == 200


def test_the_limits_count_across_the_processes_of_one_machine(tmp_path, folder):
    # two apps on one database and one counts file: two gunicorn workers. A wrong password
    # counts once whichever worker gets it, so the limit is the one documented, not twice it
    config = app_config(tmp_path, folder, WTF_CSRF_ENABLED=False)
    first, second = create_app(config), create_app(config)
    with first.app_context():
        auth.create("ada@example.org", "the right password")
    browsers = [first.test_client(), second.test_client()]
    for attempt in range(5):
        wrong = browsers[attempt % 2].post(
            "/login", data={"email": "ada@example.org", "password": "guess"}
        )
        assert wrong.status_code == 401
    for browser in browsers:
        slowed = browser.post("/login", data={"email": "ada@example.org", "password": "guess"})
        assert slowed.status_code == 429
    for app in (first, second):
        app.extensions["rapport.db"].engine.dispose()


def test_by_default_the_counts_live_in_the_instance_folder(tmp_path, folder):
    config = app_config(tmp_path, folder)
    del config["RATELIMIT_STORAGE_URI"]
    app = create_app(config)
    stored = app.config["RATELIMIT_STORAGE_URI"]
    assert stored == f"rapport-sqlite://{Path(app.instance_path) / 'rate-limits.db'}"
    app.extensions["rapport.db"].engine.dispose()


def test_the_counts_file_keeps_fixed_windows(tmp_path):
    from simulator.limit_store import SQLiteStorage

    store = SQLiteStorage(f"rapport-sqlite://{tmp_path / 'counts.db'}")
    assert store.check() and store.get("k") == 0
    assert [store.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert store.get("k") == 3 and store.get_expiry("k") > time.time() + 50
    assert store.incr("short", 0) == 1 and store.get("short") == 0  # its window has ended
    assert store.incr("short", 60) == 1  # a new window starts at one
    store.clear("k")
    assert store.get("k") == 0 and store.reset() == 1


def test_a_counts_file_that_cannot_be_written_limits_in_the_process_then_recovers(
    tmp_path, folder, monkeypatch, caplog
):
    """The instance folder made read-only (or the disk full) while serving: a wrong password
    is still a plain 401, not a 500, and still counted (in the process for a while). Once
    the file can be written again, a new connection counts there: no restart."""
    from simulator import limit_store

    app = create_app(app_config(tmp_path, folder, WTF_CSRF_ENABLED=False))
    with app.app_context():
        auth.create("ada@example.org", "the right password")
    client = app.test_client()
    store = app.extensions["rapport.limiter"].storage
    wrong = {"email": "ada@example.org", "password": "guess"}
    assert client.post("/login", data=wrong).status_code == 401  # the connection is open
    store._db().execute("PRAGMA query_only = ON")  # as a file opened read-only stays
    for _ in range(5):
        assert client.post("/login", data=wrong).status_code == 401
    assert client.post("/login", data=wrong).status_code == 429  # still limited
    assert "rate limits counted in this process" in caplog.text
    monkeypatch.setattr(limit_store, "RETRY_SECONDS", 0.0)
    store._failed_until = 0.0  # the retry is due
    other = {"email": "bea@example.org", "password": "guess"}
    assert client.post("/login", data=other).status_code == 401
    with sqlite3.connect(store.path) as counts:  # counted in the file again
        assert counts.execute("SELECT count(*) FROM counters WHERE key LIKE '%bea%'").fetchone()[0]
    app.extensions["rapport.db"].engine.dispose()
