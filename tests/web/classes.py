"""Helpers for the class session tests: instructors, classes, trainees, runs through the forms."""

from __future__ import annotations

import html as html_module
import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from simulator.db import session as db_session
from simulator.models import Classroom, Instructor, Run, Trainee

from .helpers import reply

PASSWORD = "correct horse battery"
# coat-still-on, by choice index at each choice scene: three ways through it
STRONG = [0, 0]  # reflect, reflect: good ending after 2 choices, no rupture
REPAIRED = [2, 0, 0]  # push on (rupture), repair, reflect: good ending after 3 choices
UNREPAIRED = [2, 1]  # push on (rupture), carry on: walkout after 2 choices


def make_instructor(app: Flask, email: str) -> None:
    """An instructor account with a deliberately cheap hash: these tests are about classes, and
    scrypt would make each one slow (tests/web/test_auth.py checks the real accounts)."""
    with app.app_context():
        db = db_session()
        db.add(
            Instructor(
                email=email, password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1")
            )
        )
        db.commit()


def log_in(client: FlaskClient, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303, response.text


def create_class(
    client: FlaskClient,
    name: str = "Counselling skills, week 4",
    scenarios: tuple[str, ...] = ("coat-still-on",),
    mode: str = "practice",
    board: str = "ranked",
    words: str = "optional",
) -> str:
    """Create a class session through the form; return its join code."""
    response = client.post(
        "/classes",
        data={
            "name": name,
            "scenarios": list(scenarios),
            "mode": mode,
            "board": board,
            "words": words,
        },
    )
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/classes/([A-Z0-9]{6})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def join(client: FlaskClient, code: str, name: str):
    return client.post("/join", data={"code": code, "name": name})


def joined(client: FlaskClient, code: str, name: str) -> None:
    response = join(client, code, name)
    assert response.status_code == 303, response.text
    assert response.headers["Location"] == f"/classes/{code}/me"


def start(client: FlaskClient, code: str, scenario: str = "coat-still-on") -> str:
    """Start a class run from the trainee's class page; return the run's URL."""
    response = client.post(f"/classes/{code}/runs", data={"scenario": scenario})
    assert response.status_code == 303, response.text
    assert response.headers["Location"].startswith("/runs/")
    return str(response.headers["Location"])


def play(client: FlaskClient, run: str, choices: list[int], first_step: int = 0) -> None:
    for offset, choice in enumerate(choices):
        response = client.post(
            f"{run}/choose",
            data={"step": str(first_step + offset), "reply": reply(client, run, choice)},
        )
        assert response.status_code == 303, response.text


def classroom(app: Flask, code: str) -> Classroom:
    with app.app_context():
        found = db_session().query(Classroom).filter_by(code=code).one()
        db_session().expunge(found)
        return found


def trainees(app: Flask, code: str) -> list[Trainee]:
    with app.app_context():
        found = classroom(app, code)
        rows = (
            db_session().query(Trainee).filter_by(classroom_id=found.id).order_by(Trainee.id).all()
        )
        for row in rows:
            db_session().expunge(row)
        return rows


def run_row(app: Flask, run: str) -> Run:
    with app.app_context():
        found = db_session().get(Run, run.rsplit("/", 1)[-1])
        assert found is not None
        db_session().expunge(found)
        return found


def text(page: str) -> str:
    """The words of a page: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", page)).split())
