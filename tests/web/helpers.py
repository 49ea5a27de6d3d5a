"""Helpers for the web tests: the example scenarios, and posting the way the pages do."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from simulator.db import session as db_session
from simulator.engine import reply_id
from simulator.models import Run, StepRow, text_of

DATA = Path(__file__).parents[1] / "data"
COAT = DATA / "coat-still-on.yaml"
HTMX = {"HX-Request": "true"}

# coat-still-on with a thought and a hint on its first scene
WITH_THOUGHT = COAT.read_text(encoding="utf-8").replace(
    "    cue: She keeps her coat on and glances at the door.",
    "    cue: She keeps her coat on and glances at the door.\n"
    "    thought: If this goes badly I can say I tried.\n"
    "    hint: Name what you see before you ask for anything.",
    1,
)

ASKED = """\
format: 1
id: asked
title: Asked Back
summary: A client asks a personal question.
difficulty: intermediate
minutes: 3
objectives: [Answer a personal question with the client in mind.]
content_warnings: [Bereavement]
client: {name: Sam, concern: Grief after his father's death.}
start: question
scenes:
  question:
    moment: self-disclosure
    client: "Have you ever lost a parent?"
    thought: I need to know you can take this.
    hint: A brief answer can help if it comes back to him.
    choices:
      - say: "I have. I'm wondering what it would mean to you if I had."
        quality: strong
        disclosure: brief
        effects: {trust: 10}
        feedback: Brief, honest, and the focus goes straight back to Sam.
        goto: end
      - say: "Let me tell you about my own father."
        quality: harmful
        disclosure: excessive
        effects: {trust: -15}
        feedback: The session turns toward the therapist's loss.
        goto: end
  end:
    ending: Sam keeps talking
    outcome: good
"""


def start(client: FlaskClient, scenario: str = "coat-still-on", mode: str = "practice") -> str:
    """Start a run the way the briefing form does; return its URL."""
    response = client.post(f"/scenarios/{scenario}/runs", data={"mode": mode})
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    assert re.fullmatch(r"/runs/[A-Za-z0-9_-]{22}", location)
    return location


def reply(client: FlaskClient, run: str, choice: int) -> str:
    """The identity the play form posts for the choice at this 0-based index in the scene
    where the run stands (the page shows them shuffled, so never its position there)."""
    with client.application.app_context():
        found = db_session().get(Run, run.rsplit("/", 1)[-1])
        assert found is not None
        scenario = client.application.extensions["rapport.library"].version(
            found.scenario_digest, text_of(db_session(), found.scenario_digest)
        )
        scene = found.play_state.scene
        choices = scenario.scenes[scene].choices or ()
        if choice >= len(choices):  # no such reply: an identity that names none
            return "r" + "0" * 10
        return reply_id(scene, choice, choices[choice])


def choose(client: FlaskClient, run: str, step: int, choice: int, htmx: bool = False):
    """Post one choice as the play form does: by the reply's identity."""
    return client.post(
        f"{run}/choose",
        data={"step": str(step), "reply": reply(client, run, choice)},
        headers=HTMX if htmx else {},
    )


def write(client: FlaskClient, run: str, step: int, words: str = "", skip: bool = False, htmx: bool = False):
    """Post the trainee's own words (or a skip) as the words form does."""
    data = {"step": str(step), "words": words}
    if skip:
        data["skip"] = "1"
    return client.post(f"{run}/words", data=data, headers=HTMX if htmx else {})


def rows(app: Flask, run: str) -> tuple[Run, list[StepRow]]:
    """The run's row and its step rows, read fresh from the database."""
    with app.app_context():
        db = db_session()
        found = db.get(Run, run.rsplit("/", 1)[-1])
        assert found is not None
        return found, list(found.step_rows)
