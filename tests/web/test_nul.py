"""A NUL character (U+0000) sent anywhere: refused in words, nothing saved. PostgreSQL
cannot store one in text, so each of these was a 500 there (a probe of the live server)."""

from __future__ import annotations

from sqlalchemy import func, select

from simulator.db import session as db_session
from simulator.models import Classroom, InsteadNote, Instructor, Run

from . import classes
from .helpers import HTMX, rows, start

SAID = "holds a NUL character (U+0000), which Rapport cannot keep: nothing was saved"


def refused(response) -> None:
    assert response.status_code == 400, response.text
    assert SAID in response.text


def count(app, model) -> int:
    with app.app_context():
        return db_session().scalar(select(func.count()).select_from(model))


def test_a_login_whose_email_holds_a_nul_is_refused_in_words(client):
    refused(client.post("/login", data={"email": "a\x00@b.c", "password": "x"}))
    refused(client.post("/login", data={"email": "a@b.c", "password": "x\x00"}, headers=HTMX))


def test_a_start_whose_one_time_token_holds_a_nul_starts_nothing(client, app):
    client.get("/scenarios/coat-still-on")  # the briefing gives the browser its cookie
    before = count(app, Run)
    refused(
        client.post(
            "/scenarios/coat-still-on/runs", data={"mode": "practice", "start": "abc\x00defgh"}
        )
    )
    assert count(app, Run) == before


def test_reactions_and_a_reply_instead_holding_a_nul_are_not_saved(client, app):
    run = start(client)
    classes.play(client, run, [2, 0, 0])
    refused(client.post(f"{run}/reactions", data={"rating": "3", "text": "a\x00b"}))
    refused(client.post(f"{run}/instead", data={"step": "1", "text": "a\x00b"}, headers=HTMX))
    found, _ = rows(app, run)
    assert found.finished_at is not None  # played to its end, so both forms were open
    assert found.reaction_rating is None and found.reaction_text is None
    assert count(app, InsteadNote) == 0


def test_a_class_named_with_a_nul_is_not_made(app, client):
    classes.make_instructor(app, "nul@example.org")
    classes.log_in(client, "nul@example.org")
    before = count(app, Classroom)
    refused(
        client.post(
            "/classes",
            data={
                "name": "Week\x004",
                "scenarios": ["coat-still-on"],
                "mode": "practice",
                "board": "ranked",
                "words": "optional",
            },
        )
    )
    assert count(app, Classroom) == before
    page = client.get("/classes")  # still logged in, and the header names who
    assert page.status_code == 200 and "nul@example.org" in page.text


def test_a_nul_in_a_query_or_a_key_is_refused_and_in_a_path_names_nothing(app, client):
    refused(client.get("/?q=a%00b"))
    refused(client.post("/login", data={"em\x00ail": "a@b.c", "password": "x"}))
    classes.make_instructor(app, "path@example.org")
    classes.log_in(client, "path@example.org")
    code = classes.create_class(client)
    for path in (f"/classes/{code}/runs/a%00b/debrief", "/runs/a%00b", "/scenarios/a%00b"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "Traceback" not in page.text
    assert count(app, Instructor) == 1


def test_a_database_bug_while_logged_in_gets_our_500_page_naming_who_is_logged_in(
    app, client, monkeypatch
):
    from simulator.classroom import instructor as view

    classes.make_instructor(app, "bug@example.org")
    classes.log_in(client, "bug@example.org")

    def duplicate(*_args, **_kwargs):  # a flush that fails leaves the session failed
        db_session().add(Instructor(email="bug@example.org", password_hash="x"))
        db_session().flush()

    monkeypatch.setattr(view, "insert_with_code", duplicate)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    page = client.post(
        "/classes",
        data={
            "name": "Week 4",
            "scenarios": ["coat-still-on"],
            "mode": "practice",
            "board": "ranked",
            "words": "optional",
        },
    )
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.text
    assert "bug@example.org" in page.text  # the header read the database again
