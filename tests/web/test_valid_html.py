"""Every page type is valid HTML, as the Nu Html Checker (vnu) reads it.

The pages are made through the forms, as a trainee and an instructor would reach them, then
checked in one run of vnu (one Java start). `scripts/test` installs vnu and Java
(`scripts/find-vnu`) and passes the jar as RAPPORT_VNU.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator import create_app

from ..config import app_config
from . import classes
from .helpers import COAT, choose, start, write

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "scenarios" / "first-session.yaml"


def vnu_jar() -> Path:
    """The checker's jar: RAPPORT_VNU, else the copy scripts/find-vnu installs."""
    found = os.environ.get("RAPPORT_VNU") or str(
        ROOT / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
    )
    if not Path(found).is_file() or not shutil.which("java"):
        pytest.fail("the Nu Html Checker is missing: run scripts/find-vnu (scripts/test does)")
    return Path(found)


def page(client: FlaskClient, url: str, method: str = "GET", status: int = 200, **data: object) -> str:
    response = client.post(url, data=data) if method == "POST" else client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.text.startswith("<!doctype html>"), url
    return response.text


def trainee_pages(client: FlaskClient) -> Iterator[tuple[str, str]]:
    yield "catalog", page(client, "/")
    yield "briefing", page(client, "/scenarios/coat-still-on")
    run = start(client)
    yield "run, first scene", page(client, run)
    choose(client, run, 0, 2)  # push on: a rupture, and the key moment asks for own words
    yield "run, feedback and own-words box", page(client, run)
    write(client, run, 1, "I rushed us just now.")
    yield "run, replies after own words", page(client, run)
    choose(client, run, 1, 0)
    choose(client, run, 2, 0)
    yield "debrief", page(client, f"{run}/debrief")
    yield "debrief, saved page", page(client, f"{run}/debrief.html")
    assessed = start(client, "first-session", mode="assessment")
    yield "run, assessment", page(client, assessed)
    yield "not found", page(client, "/scenarios/no-such-scenario", status=404)
    yield "join", page(client, "/join")
    yield "join, refused", page(client, "/join", "POST", status=400, code="ZZZZZZ", name="Ana")
    yield "login", page(client, "/login")
    typed = client.post(
        "/scenarios/coat-still-on/runs", data={"mode": "practice", "answer": "open"}
    ).headers["Location"]
    client.post(f"{typed}/words", data={"step": "0", "words": "Banana spaceship orbit"})
    yield "run, open response, nothing close", page(client, typed)
    client.post(
        f"{typed}/words",
        data={"step": "0", "again": "1", "words": "Coming here was more your sister's idea"},
    )
    yield "run, open response, closest marked", page(client, typed)


def graph_being_drawn(client: FlaskClient) -> str:
    """The scenario page while Graphviz is still busy with its graph."""
    import threading

    from simulator import authoring

    release = threading.Event()
    real = authoring.render_svg, authoring.QUICK_DRAW
    authoring.render_svg = lambda *args, **kwargs: release.wait(10) and "<svg></svg>"
    authoring.QUICK_DRAW = 0.0
    try:
        html = page(client, "/author/scenarios/first-session")
        assert "Drawing the scene graph" in html
        return html
    finally:
        release.set()
        authoring.render_svg, authoring.QUICK_DRAW = real


def instructor_pages(client: FlaskClient, app: Flask) -> Iterator[tuple[str, str]]:
    classes.make_instructor(app, "lee@example.org")
    yield "login, refused", page(
        client, "/login", "POST", status=401, email="lee@example.org", password="wrong"
    )
    classes.log_in(client, "lee@example.org")
    yield "library", page(client, "/author/")
    yield "scenario", page(client, "/author/scenarios/coat-still-on")
    yield "scenario, graph being drawn", graph_being_drawn(client)
    yield "editor", page(client, "/author/files/coat-still-on.yaml/edit")
    yield "editor, refused", page(
        client, "/author/files/coat-still-on.yaml/edit", "POST", status=400, text="format: [1"
    )
    yield "playtest", page(client, "/author/scenarios/coat-still-on/playtest")
    yield "playtest, refused", page(
        client, "/author/scenarios/coat-still-on/playtest", "POST", status=400,
        scene="arrival", trust="lots", authenticity="50", attentiveness="50", positivity="50",
    )
    yield "classes", page(client, "/classes")
    yield "new class", page(client, "/classes/new")
    code = classes.create_class(client, scenarios=("coat-still-on", "first-session"))
    yield "dashboard", page(client, f"/classes/{code}")
    yield "code screen", page(client, f"/classes/{code}/code")
    learner = app.test_client()
    classes.joined(learner, code, "Ana")
    yield "class page, trainee", page(learner, f"/classes/{code}/me")
    run = classes.start(learner, code)
    classes.play(learner, run, classes.STRONG)
    yield "board", page(client, f"/classes/{code}/board")
    yield "moments", page(client, f"/classes/{code}/moments")
    trainee = classes.trainees(app, code)[0]
    yield "trainee, instructor's view", page(client, f"/classes/{code}/trainees/{trainee.id}")
    run_id = run.rsplit("/", 1)[-1]
    yield "class debrief, instructor's view", page(client, f"/classes/{code}/runs/{run_id}/debrief")
    yield "lobby", page(client, f"/classes/{code}/lobby")
    yield "discussion", page(client, f"/classes/{code}/discuss")
    yield "discussion remote", page(client, f"/classes/{code}/discuss/remote")
    yield "summary", page(client, f"/classes/{code}/summary")
    started = client.post(f"/classes/{code}/group", data={"scenario": "coat-still-on"})
    assert started.status_code == 303, started.text
    projector = started.headers["Location"]
    yield "group projector", page(client, projector)
    yield "group votes, instructor's view", page(client, f"{projector}/votes")
    yield "group vote, trainee", page(learner, f"/classes/{code}/vote")


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each page type -> the checker's errors on it (as 'line N: message')."""
    jar = vnu_jar()
    base = tmp_path_factory.mktemp("valid-html")
    scenarios = base / "scenarios"
    scenarios.mkdir()
    shutil.copy(COAT, scenarios / COAT.name)
    shutil.copy(BUNDLED, scenarios / BUNDLED.name)
    app = create_app(app_config(base, scenarios, WTF_CSRF_ENABLED=False))
    pages = dict(trainee_pages(app.test_client()))
    pages.update(instructor_pages(app.test_client(), app))
    app.extensions["rapport.db"].engine.dispose()
    files = {}
    for index, (name, html) in enumerate(pages.items()):
        path = base / f"page-{index:02d}.html"
        path.write_text(html, encoding="utf-8")
        files[path.as_uri()] = name
    result = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--exit-zero-always", *[
            str(base / f"page-{index:02d}.html") for index in range(len(pages))
        ]],
        capture_output=True, text=True, timeout=300, check=True,
    )
    errors: dict[str, list[str]] = {name: [] for name in pages}
    for message in json.loads(result.stderr or result.stdout)["messages"]:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            name = files.get(message.get("url", ""), "?")
            errors.setdefault(name, []).append(
                f"line {message.get('lastLine', '?')}: {message.get('message')}"
            )
    return errors


PAGE_TYPES = [
    "catalog", "briefing", "run, first scene", "run, feedback and own-words box",
    "run, replies after own words", "debrief", "debrief, saved page", "run, assessment",
    "not found", "join", "join, refused", "login", "login, refused", "library", "scenario",
    "scenario, graph being drawn",
    "editor", "editor, refused", "playtest", "playtest, refused", "classes", "new class",
    "dashboard", "code screen", "class page, trainee", "board", "moments",
    "trainee, instructor's view", "class debrief, instructor's view",
    "run, open response, nothing close", "run, open response, closest marked", "lobby",
    "discussion", "discussion remote", "summary", "group projector",
    "group votes, instructor's view", "group vote, trainee",
]


@pytest.mark.parametrize("name", PAGE_TYPES)
def test_the_page_is_valid_html(checked: dict[str, list[str]], name: str) -> None:
    assert name in checked, f"{name} was not made"
    assert checked[name] == [], "\n".join(checked[name])


def test_every_page_made_is_listed_and_checked(checked: dict[str, list[str]]) -> None:
    assert sorted(checked) == sorted(PAGE_TYPES)
    assert all(re.fullmatch(r"[a-z ,'-]+", name) for name in checked)


def test_the_checker_catches_an_invalid_page(tmp_path: Path) -> None:
    """The check can fail: a page with the attribute htmx 2 used is reported."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
        '<body><button hx-post="/x">Go</button></body></html>',
        encoding="utf-8",
    )
    result = subprocess.run(
        ["java", "-jar", str(vnu_jar()), "--format", "json", "--exit-zero-always", str(bad)],
        capture_output=True, text=True, timeout=120, check=True,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert any("hx-post" in m.get("message", "") for m in messages if m.get("type") == "error")
