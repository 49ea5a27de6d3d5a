"""The instructor area: library, scenario page, playtest, upload, download and the editor."""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash
from werkzeug.test import encode_multipart

from simulator import authoring, engine, scenarios
from simulator.db import session as db_session
from simulator.models import Instructor, Run

from .helpers import COAT, DATA, HTMX, choose, rows

PASSWORD = "correct horse battery"
COAT_TEXT = COAT.read_text(encoding="utf-8")
BROKEN = DATA / "broken"
# a second, valid scenario with its own id and an unreachable scene (a warning)
ORPHAN = (
    COAT_TEXT.replace("id: coat-still-on", "id: coat-orphan", 1)
    .replace("title: Coat Still On", "title: Coat With An Orphan", 1)
    .replace(
        "  walkout:\n", "  orphan:\n    ending: Never reached\n    outcome: mixed\n  walkout:\n", 1
    )
)
NEW = COAT_TEXT.replace("id: coat-still-on", "id: coat-again", 1).replace(
    "title: Coat Still On", "title: Coat Again", 1
)


def text(response) -> str:
    """The page's text with HTML entities decoded, for asserting what a reader sees."""
    return html.unescape(response.get_data(as_text=True))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def fresh_cache():
    """The analysis and drawing cache is per process: start each test without it."""
    authoring._cache.items.clear()
    yield
    authoring._cache.items.clear()
    for job in authoring._jobs:  # background analyses a test started: let them end
        job.wait(60)
    authoring._jobs.clear()


@pytest.fixture
def instructor(app: Flask) -> None:
    """An instructor account; a one-round hash keeps these tests fast (auth's own tests check
    the real scrypt hashes)."""
    with app.app_context():
        session = db_session()
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
        session.add(Instructor(email="ada@example.org", password_hash=hashed))
        session.commit()


@pytest.fixture
def teacher(client: FlaskClient, instructor) -> FlaskClient:
    """The client, logged in as an instructor."""
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert response.status_code == 303
    return client


def run_count(app: Flask) -> int:
    with app.app_context():
        return db_session().scalar(select(func.count()).select_from(Run))


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# -- access --------------------------------------------------------------------------------

ARGS = {"scenario_id": "coat-still-on", "name": "coat-still-on.yaml"}


def author_urls(app: Flask) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("author."):
            url = rule.build({k: ARGS[k] for k in rule.arguments})[1]
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((method, url))
    return found


def test_every_instructor_url_sends_an_anonymous_visitor_to_the_login_page(app, client, folder):
    urls = author_urls(app)
    assert len(urls) >= 10  # library, scenario, playtest x2, upload, download, editors, validate
    before = files(folder)
    for method, url in urls:
        response = client.open(url, method=method, data={"text": "x", "content": "y"})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login?next="), (method, url)
    assert files(folder) == before and run_count(app) == 0


def test_an_htmx_request_after_the_login_ended_gets_a_message_not_the_login_page(client):
    response = client.post(
        "/author/files/coat-still-on.yaml/validate", data={"text": NEW}, headers=HTMX
    )
    assert response.status_code == 401
    body = text(response)
    assert "Please log in again" in body and "what you typed here is still on this page" in body
    assert "<html" not in body and 'href="/login"' in body


def test_every_instructor_page_works_once_logged_in(app, teacher):
    for method, url in author_urls(app):
        if method != "GET":
            continue
        with teacher.get(url) as response:
            assert response.status_code == 200, url
            if url.startswith("/author/files/") and not url.endswith("/edit"):
                assert response.data == COAT.read_bytes()
            else:
                assert "ada@example.org" in text(response)


def test_logging_in_without_a_next_page_opens_the_library(client, instructor):
    response = client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/author/"


def test_the_library_link_shows_only_when_logged_in(client, instructor):
    assert ">Library</a>" not in client.get("/").text
    client.post("/login", data={"email": "ada@example.org", "password": PASSWORD})
    page = client.get("/").text
    assert 'href="/author/"' in page and ">Library</a>" in page


# -- the library ---------------------------------------------------------------------------


@pytest.fixture
def mixed(folder: Path) -> Path:
    """The folder with a broken file, a file with a warning and a duplicate id beside coat."""
    shutil.copy(BROKEN / "bad-values.yaml", folder)
    (folder / "coat-orphan.yaml").write_text(ORPHAN, encoding="utf-8")
    (folder / "zz-copy.yaml").write_text(COAT_TEXT, encoding="utf-8")
    return folder


def test_the_library_lists_every_file_with_its_status_and_messages(teacher, mixed):
    page = teacher.get("/author/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = text(page)
    assert "4 files: 1 valid, 2 with warnings, 1 with errors." in re.sub(r"<[^>]+>", "", body)
    assert '<a href="/author/?status=errors">1 with errors</a>' in body  # each count filters
    files_ = re.findall(
        r'<li class="file file-(\w+)">.*?<span class="file-name">([^<]+)', body, re.S
    )
    assert files_ == [
        ("errors", "bad-values.yaml"),
        ("warnings", "coat-orphan.yaml"),
        ("valid", "coat-still-on.yaml"),
        ("warnings", "zz-copy.yaml"),
    ]
    # statuses in words with an icon, never colour alone
    assert "3 errors: not playable" in body
    assert "Valid, with 1 warning" in body
    assert re.search(r'aria-hidden="true">✓</span> Valid</span>', body)
    # every message with its line and column
    assert "line 16, column 19:</span> unknown meter 'trsut'" in body
    assert "line 16, column 36:</span> 'trust' must be at most 100" in body
    assert "scene 'orphan' is unreachable from start" in body
    assert "coat-still-on.yaml already has the id" in body
    # links: the scenario page for playable files, editor and download for every file
    assert 'href="/author/scenarios/coat-still-on"' in body
    assert 'href="/author/scenarios/coat-orphan"' in body
    assert 'href="/author/files/bad-values.yaml/edit"' in body
    assert 'href="/author/files/zz-copy.yaml"' in body
    assert 'action="/author/upload"' in body and 'enctype="multipart/form-data"' in body


def test_trainees_never_see_the_broken_file(client, mixed):
    catalog = text(client.get("/"))
    assert "Coat Still On" in catalog and "Coat With An Orphan" in catalog
    assert "Broken" not in catalog
    assert client.get("/scenarios/broken").status_code == 404


# -- the scenario page ---------------------------------------------------------------------


def test_the_scenario_page_draws_the_graph_inline_with_scenes_linking_to_their_text(teacher):
    page = teacher.get("/author/scenarios/coat-still-on")
    body = page.text
    assert page.status_code == 200
    svg = body[body.index("<svg") : body.index("</svg>")]
    for scene in ("arrival", "ambivalence", "shutdown", "check", "good-end", "walkout"):
        assert f'<a href="#scene-{scene}"' in svg
        assert f'aria-label="Scene {scene}"' in svg
        assert f'id="scene-{scene}"' in body  # the anchor each link lands on
    # Graphviz's own ids are prefixed, so none clashes with the page's
    assert 'id="arrival"' not in body and 'id="graph-arrival"' in svg
    ids = re.findall(r'\sid="([^"]+)"', body)
    assert len(ids) == len(set(ids))


def test_the_scenario_page_fetches_the_analysis_of_a_new_version_separately(teacher):
    body = text(teacher.get("/author/scenarios/coat-still-on"))
    assert 'data-hx-get="/author/scenarios/coat-still-on/analysis" data-hx-trigger="load"' in body
    assert "Exploring every path of this version" in body
    assert '<noscript><p><a href="/author/scenarios/coat-still-on/analysis#analysis">' in body
    assert "states." not in body and 'id="scene-arrival"' in body and "<svg" in body
    block = teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX)
    assert block.status_code == 200 and "HX-Request" in block.headers["Vary"]
    assert "<html" not in block.text and "<svg" not in block.text and "<h1>" not in block.text
    assert "Every reachable state explored: 12 states." in text(block)
    # once analysed, the version's page includes it at once
    again = text(teacher.get("/author/scenarios/coat-still-on"))
    assert "Every reachable state explored: 12 states." in again and "hx-trigger" not in again


def test_the_scenario_page_summarises_the_path_analysis(teacher):
    body = text(teacher.get("/author/scenarios/coat-still-on/analysis"))  # without JavaScript
    assert "<svg" in body and 'id="scene-walkout"' in body  # the whole page
    assert "Every reachable state explored: 12 states." in body
    table = body[body.index('<table class="endings">') : body.index("</table>")]
    rows_ = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", table, re.S)
    assert len(rows_) == 2
    good, walkout = rows_
    assert "A first foothold" in good and "--choose 1,1" in good and "35–50" in good
    assert "Never" in good and "<td>6</td>" in good
    assert "Maya leaves early" in walkout and "--choose 3,2" in walkout
    assert "Possible" in walkout and "<td>15</td>" in walkout
    assert "It sounds like coming here wasn't entirely your idea." in good  # the route, spelled out
    assert "None: every choice can be offered." in body
    assert "Rule 1: when <code>trust <= 10</code>" in body


def test_the_scenario_page_shows_each_scene_text_with_choices_and_their_effects(teacher):
    body = text(teacher.get("/author/scenarios/coat-still-on"))
    arrival = body[body.index('id="scene-arrival"') : body.index('id="scene-ambivalence"')]
    assert "She keeps her coat on and glances at the door." in arrival
    assert "My sister thinks I need this. I'm not so sure." in arrival
    assert "Quality: strong" in arrival and "Skill: reflection" in arrival
    assert "attentiveness +10, trust +5" in arrival
    assert "A reflection names the ambivalence without judging it." in arrival
    assert 'href="#scene-shutdown"' in arrival and "Opens a withdrawal rupture" in arrival
    assert "/author/scenarios/coat-still-on/playtest?scene=arrival" in arrival
    shutdown = body[body.index('id="scene-shutdown"') : body.index('id="scene-check"')]
    assert "Rupture (withdrawal)" in shutdown and "Repairs a rupture" in shutdown
    assert "When <code>trust < 25</code>, go to" in body
    assert "choice has no feedback" in body  # the lint suggestions


def test_the_scenario_page_lists_at_most_as_many_suggestions_as_validation_problems(
    teacher, folder
):
    replies = "".join(f"      - {{say: 'Reply {i}.', goto: done}}\n" for i in range(250))
    (folder / "wide.yaml").write_text(
        "format: 1\nid: wide\ntitle: Wide\nsummary: Wide.\ndifficulty: beginner\n"
        "minutes: 3\nobjectives: [Notice.]\nclient: {name: Kim, concern: Testing.}\n"
        f"start: a\nscenes:\n  a:\n    client: Hm.\n    choices:\n{replies}"
        "  done: {ending: Done., outcome: good}\n"
    )
    body = text(teacher.get("/author/scenarios/wide"))
    assert body.count("choice has no feedback") < scenarios.MAX_MESSAGES
    assert re.search(r"and \d+ more like these", body)


def test_without_graphviz_the_page_says_so_and_keeps_everything_else(teacher, monkeypatch):
    monkeypatch.setattr("simulator.graphs.shutil.which", lambda name: None)
    body = text(teacher.get("/author/scenarios/coat-still-on"))
    assert "<svg" not in body
    assert "Graphviz is not installed on the server" in body
    assert "A first foothold" in body and 'id="scene-arrival"' in body


def test_a_scenario_too_large_to_draw_is_listed_without_its_graph(teacher, monkeypatch):
    drawn = []
    monkeypatch.setattr(authoring, "render_svg", lambda *a, **k: drawn.append(1) or "<svg/>")
    monkeypatch.setattr(authoring, "MAX_DRAWN", 5)  # coat-still-on has 6 scenes
    body = text(teacher.get("/author/scenarios/coat-still-on"))
    assert drawn == [] and "<svg" not in body
    assert "This scenario has 6 scenes, too many to draw as one legible graph (at most 5)" in body
    assert 'id="scene-arrival"' in body and 'id="scene-walkout"' in body


def test_a_scenario_with_too_many_arrows_to_draw_is_listed_without_its_graph(teacher, monkeypatch):
    drawn = []
    monkeypatch.setattr(authoring, "render_svg", lambda *a, **k: drawn.append(1) or "<svg/>")
    monkeypatch.setattr(authoring, "MAX_ARROWS", 3)  # 6 scenes, more arrows than that
    body = text(teacher.get("/author/scenarios/coat-still-on"))
    assert drawn == [] and "<svg" not in body
    assert re.search(
        r"This scenario has \d+ arrows between scenes, too many to draw as one legible graph "
        r"\(at most 3\)",
        body,
    )


def test_a_graph_slow_to_draw_is_drawn_in_the_background_and_the_page_asks_for_it(
    teacher, monkeypatch
):
    import threading

    release, calls = threading.Event(), []

    def slow(*args, **kwargs):  # Graphviz busy with a large graph
        calls.append(1)
        release.wait(10)
        return "<svg><g>drawn</g></svg>"

    monkeypatch.setattr(authoring, "render_svg", slow)
    monkeypatch.setattr(authoring, "QUICK_DRAW", 0.05)
    body = text(teacher.get("/author/scenarios/coat-still-on"))
    assert "<svg" not in body and 'id="scene-arrival"' in body  # the rest of the page is there
    asking = re.search(r'<div class="analysing" data-hx-get="([^"]+)"[^>]*>\s*<p role="status">'
                       r"Drawing the scene graph", body)  # fmt: skip
    assert asking is not None and asking.group(1) == "/author/scenarios/coat-still-on/graph"
    poll = teacher.get(asking.group(1), headers=HTMX)
    assert "Drawing the scene graph" in poll.text and "<html" not in poll.text  # still drawing
    assert calls == [1]  # one drawing under way, not one per request
    release.set()
    for _ in range(100):
        poll = teacher.get(asking.group(1), headers=HTMX)
        if "drawn" in poll.text:
            break
    assert '<figure class="graph">' in poll.text and "<html" not in poll.text
    assert "drawn" in text(teacher.get("/author/scenarios/coat-still-on")) and calls == [1]


def test_a_graph_drawn_in_the_background_is_shared_with_the_server_s_other_processes(
    app, teacher, monkeypatch
):
    from simulator import graphs, instance

    drawn = []
    monkeypatch.setattr(
        authoring, "render_svg", lambda *a, **k: drawn.append(1) or "<svg><g>drawn</g></svg>"
    )
    page = text(teacher.get("/author/scenarios/coat-still-on"))
    assert "drawn" in page and drawn == [1]
    with app.app_context():
        kept = list(instance.analyses(app).glob("*.graph"))
    assert len(kept) == 1 and "drawn" in kept[0].read_text(encoding="utf-8")
    authoring._cache.items.clear()  # another process: nothing drawn in its memory
    assert "drawn" in text(teacher.get("/author/scenarios/coat-still-on")) and drawn == [1]
    # a drawing that failed is not kept: it is tried again once Graphviz can draw it
    kept[0].unlink()
    authoring._cache.items.clear()
    monkeypatch.setattr("simulator.graphs.shutil.which", lambda name: None)
    monkeypatch.setattr(authoring, "render_svg", graphs.render_svg)
    assert "Graphviz is not installed" in text(teacher.get("/author/scenarios/coat-still-on"))
    with app.app_context():
        assert list(instance.analyses(app).glob("*.graph")) == []


def test_without_scripts_the_graph_link_draws_it_for_the_page(teacher, monkeypatch):
    monkeypatch.setattr(authoring, "render_svg", lambda *a, **k: "<svg><g>drawn</g></svg>")
    monkeypatch.setattr(authoring, "QUICK_DRAW", 0.0)
    page = text(teacher.get("/author/scenarios/coat-still-on/graph"))
    assert "<html" in page and "drawn" in page and 'id="scene-arrival"' in page


def test_a_state_limit_gives_a_clear_message(teacher, monkeypatch):
    monkeypatch.setattr(authoring, "MAX_STATES", 3)
    body = text(teacher.get("/author/scenarios/coat-still-on/analysis"))
    assert "The analysis stopped after exploring 3 states" in body
    assert "<svg" in body and 'id="scene-walkout"' in body


def test_scenario_text_cannot_inject_markup_into_the_graph(teacher, folder):
    (folder / "coat-still-on.yaml").write_text(
        COAT_TEXT.replace("title: Coat Still On", 'title: "<script>alert(1)</script> & co"', 1),
        encoding="utf-8",
    )
    body = teacher.get("/author/scenarios/coat-still-on").text
    assert "<svg" in body and "<script>alert" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_an_unknown_or_broken_scenario_id_is_a_helpful_404(teacher, mixed):
    for scenario_id in ("nope", "broken"):
        response = teacher.get(f"/author/scenarios/{scenario_id}")
        assert response.status_code == 404
        assert f"There is no valid scenario with the id '{scenario_id}'" in text(response)


# -- playtest ------------------------------------------------------------------------------


def test_the_playtest_form_starts_from_the_chosen_scene_with_the_start_meters(teacher):
    body = text(teacher.get("/author/scenarios/coat-still-on/playtest?scene=shutdown"))
    assert '<option value="shutdown" selected>' in body
    assert re.search(r'name="trust" type="text" inputmode="numeric"[^>]*value="35"', body)
    assert re.search(r'name="authenticity"[^>]*value="50"', body)
    assert '<label for="field-trust">Trust</label>' in body
    unknown = text(teacher.get("/author/scenarios/coat-still-on/playtest?scene=nowhere"))
    assert '<option value="arrival" selected>' in unknown


def test_a_playtest_starts_a_marked_test_run_at_the_scene_with_those_meters(app, teacher):
    response = teacher.post(
        "/author/scenarios/coat-still-on/playtest",
        data={
            "scene": "shutdown",
            "mode": "practice",
            "authenticity": "61",
            "attentiveness": "42",
            "positivity": "7",
            "trust": "20",
        },
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/runs/[A-Za-z0-9_-]{22}", location)
    found, steps = rows(app, location)
    assert found.is_test is True and steps == []
    assert (found.scene, found.mode, found.steps, found.finished) == (
        "shutdown",
        "practice",
        0,
        False,
    )
    state = found.play_state
    assert state.meters.as_dict() == {
        "authenticity": 61,
        "attentiveness": 42,
        "positivity": 7,
        "trust": 20,
    }
    assert found.ruptures_opened == 1  # entering the rupture moment opens it
    page = text(teacher.get(location))
    assert "Playtest: not counted in class results" in page
    assert "Sure. Whatever you think." in page
    assert 'aria-valuenow="20"' in page and 'aria-valuenow="7"' in page
    assert 'href="/author/scenarios/coat-still-on">back to the scenario page' in page
    # the test run plays on like any other
    after = choose(teacher, location, 0, 0)
    assert after.status_code == 303
    assert rows(app, location)[0].scene == "ambivalence"


def test_a_trainee_run_is_not_marked_as_a_playtest(app, client):
    location = client.post("/scenarios/coat-still-on/runs", data={"mode": "practice"}).headers[
        "Location"
    ]
    assert rows(app, location)[0].is_test is False
    assert "Playtest" not in client.get(location).text


def test_a_playtest_can_start_at_an_ending_or_a_pass_through(app, teacher):
    ending = teacher.post(
        "/author/scenarios/coat-still-on/playtest",
        data={
            "scene": "good-end",
            "mode": "assessment",
            **dict.fromkeys(("authenticity", "attentiveness", "positivity", "trust"), "50"),
        },
    )
    found = rows(app, ending.headers["Location"])[0]
    assert found.finished and found.outcome == "good" and found.mode == "assessment"
    passing = teacher.post(
        "/author/scenarios/coat-still-on/playtest",
        data={
            "scene": "check",
            "mode": "practice",
            "authenticity": "50",
            "attentiveness": "50",
            "positivity": "50",
            "trust": "10",
        },
    )
    assert rows(app, passing.headers["Location"])[0].scene == "walkout"  # trust < 25


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("trust", "150", "Trust must be a whole number from 0 to 100."),
        ("trust", "-1", "Trust must be a whole number from 0 to 100."),
        ("positivity", "abc", "Positivity must be a whole number from 0 to 100."),
        ("positivity", "4.5", "Positivity must be a whole number from 0 to 100."),
        ("authenticity", "", "Enter a value for authenticity, a whole number from 0 to 100."),
        ("scene", "nowhere", "Choose one of this scenario's scenes."),
        ("mode", "god-mode", "Choose practice or assessment mode."),
    ],
)
def test_bad_playtest_values_are_refused_clearly_and_start_nothing(
    app, teacher, field, value, message
):
    data = {
        "scene": "arrival",
        "mode": "practice",
        "authenticity": "50",
        "attentiveness": "50",
        "positivity": "50",
        "trust": "50",
        field: value,
    }
    response = teacher.post("/author/scenarios/coat-still-on/playtest", data=data)
    assert response.status_code == 400
    body = text(response)
    assert message in body and "The test run was not started." in body
    assert run_count(app) == 0
    if field not in ("scene", "mode"):
        assert re.search(
            rf'name="{field}"[^>]*value="{re.escape(value)}"[^>]*aria-invalid="true"', body
        )
        assert 'name="attentiveness" type="text"' in body  # the rest is kept as typed


def test_huge_values_in_the_playtest_and_editor_forms_are_not_echoed_whole(app, teacher, folder):
    # a browser never sends them: a client that does gets no page the size of its text
    huge = "9" * 200_000
    data = {"scene": "arrival", "mode": "practice", "authenticity": "50", "attentiveness": "50"}
    refused = teacher.post(
        "/author/scenarios/coat-still-on/playtest",
        data={**data, "positivity": "50", "trust": huge},
    )
    body = text(refused)
    assert refused.status_code == 400 and "Trust must be a whole number from 0 to 100." in body
    assert 'value="9999999999999999"' in body and len(body) < 100_000 and run_count(app) == 0
    checked = teacher.post(
        "/author/files/coat-still-on.yaml/validate", data={"text": COAT_TEXT, "digest": huge}
    )
    assert checked.status_code == 200 and huge not in text(checked)
    assert len(text(checked)) < len(COAT_TEXT) * 3


# -- upload --------------------------------------------------------------------------------


def upload(client: FlaskClient, content: bytes, name: str = "mine.yaml"):
    """Post a file as the upload form does; the body is built in memory (the test client
    would spool a big one to a temporary file it never closes)."""
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(content), filename=name, content_type="application/yaml")}
    )
    return client.post(
        "/author/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_a_good_upload_is_saved_under_its_id_and_listed(teacher, folder):
    response = upload(teacher, NEW.encode(), "whatever-name.yml")
    assert response.status_code == 303
    assert response.headers["Location"] == "/author/scenarios/coat-again"
    saved = folder / "coat-again.yaml"
    assert saved.read_text(encoding="utf-8") == NEW
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary left
    page = text(teacher.get(response.headers["Location"]))
    assert "Uploaded coat-again.yaml: “Coat Again” is valid and ready to play." in page
    assert "Coat Again" in text(teacher.get("/"))


def test_a_bad_upload_lists_every_problem_and_writes_nothing(teacher, folder):
    before = files(folder)
    response = upload(teacher, (BROKEN / "bad-values.yaml").read_bytes(), "bad-values.yaml")
    assert response.status_code == 400
    body = text(response)
    assert "bad-values.yaml has 3 problems, so nothing was written." in body
    for line in (
        "bad-values.yaml:16:19: unknown meter 'trsut'",
        "bad-values.yaml:16:36: 'trust' must be at most 100",
        "bad-values.yaml:19:14: 'outcome': input should be",
    ):
        assert line in body
    assert "line 16, column 19:" in body
    assert files(folder) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"x" * (1024 * 1024 + 1), "larger than 1024 KB"),
        ("title: caf\u00e9".encode("latin-1"), "not UTF-8 text"),
        (b"format: [1\n", "YAML does not parse"),
        (b"", "the file is empty"),
    ],
)
def test_uploads_that_cannot_be_scenarios_are_refused(teacher, folder, content, message):
    before = files(folder)
    response = upload(teacher, content)
    assert response.status_code == 400
    assert message in text(response)
    assert files(folder) == before


def test_an_upload_without_a_file_asks_for_one(teacher, folder):
    response = teacher.post("/author/upload", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a scenario file (.yaml) to upload." in text(response)


def test_a_request_over_the_size_limit_is_refused_kindly(teacher, folder):
    before = files(folder)
    response = upload(teacher, b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert "That was too much to send" in text(response) and "Traceback" not in response.text
    assert files(folder) == before


def test_replacing_a_scenario_asks_first_and_replaces_only_on_confirmation(teacher, folder):
    target = folder / "coat-still-on.yaml"
    original = target.read_bytes()
    changed = COAT_TEXT.replace("title: Coat Still On", "title: Coat Still On, Revised", 1)
    ask = upload(teacher, changed.encode(), "coat.yaml")
    assert ask.status_code == 200
    body = text(ask)
    assert "Replace coat-still-on.yaml?" in body
    assert "“Coat Still On”, 6 scenes" in body and "“Coat Still On, Revised”, 6 scenes" in body
    assert target.read_bytes() == original  # nothing written yet
    assert re.search(r'<input type="hidden" name="confirm" value="yes">', body)
    content = re.search(r'<textarea name="content" hidden>\n(.*?)</textarea>', ask.text, re.S)
    assert content and html.unescape(content.group(1)) == changed
    # a posted copy without the confirmation still only asks
    again = teacher.post("/author/upload", data={"content": changed, "filename": "coat.yaml"})
    assert again.status_code == 200 and target.read_bytes() == original
    # the browser sends textarea text with CRLF line ends: stored with LF
    done = teacher.post(
        "/author/upload",
        data={"content": changed.replace("\n", "\r\n"), "filename": "coat.yaml", "confirm": "yes"},
    )
    assert done.status_code == 303
    assert target.read_text(encoding="utf-8") == changed
    assert "Replaced coat-still-on.yaml" in text(teacher.get(done.headers["Location"]))


def test_a_confirmed_upload_is_validated_again(teacher, folder):
    original = (folder / "coat-still-on.yaml").read_bytes()
    forged = COAT_TEXT.replace("outcome: good", "outcome: great", 1)
    response = teacher.post(
        "/author/upload", data={"content": forged, "filename": "coat.yaml", "confirm": "yes"}
    )
    assert response.status_code == 400
    assert "coat.yaml:" in text(response) and "'outcome'" in text(response)
    assert (folder / "coat-still-on.yaml").read_bytes() == original


def test_an_upload_replaces_the_file_that_holds_its_id_rather_than_duplicating_it(teacher, folder):
    (folder / "coat-still-on.yaml").rename(folder / "maya.yml")
    changed = COAT_TEXT.replace("minutes: 8", "minutes: 9", 1)
    ask = upload(teacher, changed.encode())
    assert "Replace maya.yml?" in text(ask)
    teacher.post(
        "/author/upload", data={"content": changed, "filename": "x.yaml", "confirm": "yes"}
    )
    assert files(folder) == {"maya.yml"}
    assert "minutes: 9" in (folder / "maya.yml").read_text(encoding="utf-8")


def test_a_failed_write_changes_nothing_and_says_so(teacher, folder, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(scenarios.os, "replace", refuse)
    response = upload(teacher, NEW.encode())
    assert response.status_code == 500
    assert "could not be written (Permission denied). Nothing was changed." in text(response)
    assert files(folder) == {"coat-still-on.yaml"}


# -- download ------------------------------------------------------------------------------


def test_a_download_is_the_file_as_it_is_on_disk(teacher, folder, mixed):
    for name in ("coat-still-on.yaml", "bad-values.yaml"):
        with teacher.get(f"/author/files/{name}") as response:
            assert response.status_code == 200
            assert response.data == (folder / name).read_bytes()
            assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
            assert response.mimetype == "application/yaml"


@pytest.mark.parametrize(
    "path",
    [
        "/author/files/../secret.yaml",
        "/author/files/..%2Fsecret.yaml",
        "/author/files/%2E%2E%2Fsecret.yaml",
        "/author/files/%2Fetc%2Fpasswd",
        "/author/files//etc/passwd",
        "/author/files/..",
        "/author/files/.hidden.yaml",
        "/author/files/missing.yaml",
        "/author/files/linked.yaml",
        "/author/files/..%5Csecret.yaml",
    ],
)
def test_only_files_directly_in_the_scenario_folder_can_be_downloaded(teacher, folder, path):
    secret = folder.parent / "secret.yaml"
    secret.write_text("secret: yes\n", encoding="utf-8")
    (folder / ".hidden.yaml").write_text("hidden: yes\n", encoding="utf-8")
    (folder / "linked.yaml").symlink_to(secret)
    response = teacher.get(path)
    assert response.status_code == 404, path
    assert "secret: yes" not in response.text and "hidden: yes" not in response.text


def test_the_library_offers_the_json_schema_when_the_folder_has_it(teacher, folder):
    assert "Download the JSON Schema" not in text(teacher.get("/author/"))
    (folder / "scenario.schema.json").write_text('{"title": "schema"}', encoding="utf-8")
    assert 'href="/author/files/scenario.schema.json" download' in teacher.get("/author/").text
    with teacher.get("/author/files/scenario.schema.json") as response:
        assert response.status_code == 200 and response.json == {"title": "schema"}


def test_a_file_whose_name_has_a_newline_downloads_under_a_name_a_header_can_carry(teacher, folder):
    shutil.copy(folder / "coat-still-on.yaml", folder / "new\nline.yaml")
    with teacher.get("/author/files/new%0Aline.yaml") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == "attachment; filename=new_line.yaml"
        assert response.data == (folder / "coat-still-on.yaml").read_bytes()


def test_a_large_library_is_listed_page_by_page_and_by_status(teacher, folder, monkeypatch):
    from simulator import author

    monkeypatch.setattr(author, "FILES_A_PAGE", 2)
    for n in range(3):
        (folder / f"broken-{n}.yaml").write_text("id: [", encoding="utf-8")
    first = teacher.get("/author/").text
    assert first.count('class="file file-') == 2
    assert " 1 to 2 of 4 on this page." in first
    assert 'rel="next" href="/author/?page=2">Next page' in first
    assert teacher.get("/author/?page=2").text.count('class="file file-') == 2
    broken = teacher.get("/author/?status=errors").text
    assert '<strong aria-current="true">3 with errors</strong>' in broken
    assert broken.count('class="file file-errors"') == 2 and "file-valid" not in broken
    assert 'href="/author/?status=errors&amp;page=2">Next page' in broken
    assert teacher.get("/author/?status=errors&page=2").text.count('class="file file-errors"') == 1
    assert "No file has this status." in teacher.get("/author/?status=warnings").text
    odd = text(teacher.get("/author/?status=nope&page=x"))
    assert "There is no status “nope”: showing every file." in odd
    assert "There is no page “x”: showing the first." in odd


def test_a_scenario_folder_that_cannot_be_read_is_named_on_the_library_page(
    teacher, folder, monkeypatch
):
    """The folder made unreadable for the server's user (or gone): the library page says
    so and where, not a 500; the catalog is empty rather than broken."""
    real = os.scandir

    def refused(path="."):
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    real_is_file = Path.is_file

    def inside_refused(self):
        if self.parent == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(os, "scandir", refused)
    monkeypatch.setattr(Path, "is_file", inside_refused)
    page = teacher.get("/author/")
    assert page.status_code == 200
    assert f"The scenario folder {folder} cannot be read (Permission denied)." in text(page)
    assert teacher.get("/").status_code == 200
    monkeypatch.undo()
    shutil.rmtree(folder)
    assert f"The scenario folder {folder} does not exist." in text(teacher.get("/author/"))
    # the page offers an upload: it makes the folder
    upload = teacher.post(
        "/author/upload",
        data={"file": (io.BytesIO(COAT_TEXT.encode()), "coat.yaml")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303 and (folder / "coat-still-on.yaml").is_file()
    assert "folder-problem" not in teacher.get("/author/").text


# -- the editor ----------------------------------------------------------------------------


def editor_digest(page: str) -> str:
    found = re.search(r'name="digest" value="([0-9a-f]{64})"', page)
    assert found
    return found.group(1)


def test_the_editor_shows_the_file_and_the_digest_it_loaded(teacher, folder):
    page = teacher.get("/author/scenarios/coat-still-on/edit")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = page.text
    source = re.search(r'<textarea id="source" name="text"[^>]*>\n(.*?)</textarea>', body, re.S)
    assert source and html.unescape(source.group(1)) == COAT_TEXT
    assert editor_digest(body) == digest(folder / "coat-still-on.yaml")
    assert 'data-hx-post="/author/files/coat-still-on.yaml/validate"' in body
    assert 'data-hx-trigger="input changed delay:500ms"' in body
    assert 'action="/author/files/coat-still-on.yaml/edit"' in body
    assert "No problems found." in body or "warning" in body


def test_the_editor_opens_broken_files_by_name_with_their_problems_beside_the_lines(teacher, mixed):
    body = text(teacher.get("/author/files/bad-values.yaml/edit"))
    assert "3 errors: fix before saving." in body
    assert 'data-line="16" data-column="19">line 16, column 19</a>: unknown meter' in body
    assert "        effects: {trsut: 5, trust: 150}" in body  # the line itself, beside the problem
    assert 'aria-invalid="true"' in body


def test_live_validation_returns_only_the_problems_block(teacher):
    broken = COAT_TEXT.replace("outcome: good", "outcome: great", 1)
    response = teacher.post(
        "/author/files/coat-still-on.yaml/validate", data={"text": broken}, headers=HTMX
    )
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body and "<textarea" not in body
    assert (
        '<hx-partial data-hx-target="#check-status" data-hx-swap="innerHTML">1 error: fix before saving.'
        in body
    )
    line = next(n for n, row in enumerate(broken.split("\n"), 1) if "outcome: great" in row)
    assert f"line {line}, column 14</a>: 'outcome'" in body
    fixed = teacher.post(
        "/author/files/coat-still-on.yaml/validate", data={"text": COAT_TEXT}, headers=HTMX
    )
    assert "No problems found." in text(fixed) or "ready to save" in text(fixed)
    assert "error" not in text(fixed).split("ready to save")[0]


def test_checking_without_javascript_shows_the_whole_editor_and_saves_nothing(teacher, folder):
    original = (folder / "coat-still-on.yaml").read_bytes()
    broken = COAT_TEXT.replace("goto: walkout", "goto: nowhere", 1)
    response = teacher.post(
        "/author/files/coat-still-on.yaml/validate",
        data={"text": broken, "digest": digest(folder / "coat-still-on.yaml")},
    )
    body = text(response)
    assert response.status_code == 200 and "<textarea" in body
    assert "names scene 'nowhere', which does not exist" in body
    assert "goto: nowhere" in body  # the text as typed
    assert (folder / "coat-still-on.yaml").read_bytes() == original


def test_saving_valid_text_writes_the_file_atomically(teacher, folder):
    path = folder / "coat-still-on.yaml"
    loaded = editor_digest(teacher.get("/author/scenarios/coat-still-on/edit").text)
    changed = COAT_TEXT.replace("minutes: 8", "minutes: 12", 1)
    response = teacher.post(
        "/author/files/coat-still-on.yaml/edit",
        data={"text": changed.replace("\n", "\r\n"), "digest": loaded},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/author/files/coat-still-on.yaml/edit"
    assert path.read_text(encoding="utf-8") == changed
    assert files(folder) == {"coat-still-on.yaml"}
    after = text(teacher.get(response.headers["Location"]))
    assert "Saved coat-still-on.yaml." in after
    assert editor_digest(after) == digest(path)
    assert "about 12 minutes" in text(teacher.get("/author/scenarios/coat-still-on"))


def test_saving_invalid_text_writes_nothing_and_keeps_what_was_typed(teacher, folder):
    path = folder / "coat-still-on.yaml"
    original = path.read_bytes()
    broken = COAT_TEXT.replace("outcome: good", "outcome: great", 1)
    response = teacher.post(
        "/author/files/coat-still-on.yaml/edit", data={"text": broken, "digest": digest(path)}
    )
    assert response.status_code == 400
    body = text(response)
    assert "Not saved: fix the problems below first. The file on disk is unchanged." in body
    assert "outcome: great" in body and "'outcome': input should be" in body
    assert path.read_bytes() == original


def test_saving_over_a_file_changed_since_it_was_opened_is_refused(teacher, folder):
    path = folder / "coat-still-on.yaml"
    loaded = editor_digest(teacher.get("/author/scenarios/coat-still-on/edit").text)
    theirs = COAT_TEXT.replace("minutes: 8", "minutes: 10", 1)
    path.write_text(theirs, encoding="utf-8")  # someone else saves first
    mine = COAT_TEXT.replace("minutes: 8", "minutes: 15", 1)
    refused = teacher.post(
        "/author/files/coat-still-on.yaml/edit", data={"text": mine, "digest": loaded}
    )
    assert refused.status_code == 409
    body = text(refused)
    assert "was changed by someone else (or in another tab) since you opened it" in body
    assert "minutes: 15" in body  # nothing typed is lost
    assert path.read_text(encoding="utf-8") == theirs
    assert editor_digest(body) == loaded  # saving again still refuses...
    again = teacher.post(
        "/author/files/coat-still-on.yaml/edit", data={"text": mine, "digest": loaded}
    )
    assert again.status_code == 409
    # ...unless the instructor chooses to replace the version they were shown
    overwrite = re.search(r'name="overwrite" value="([0-9a-f]{64})"', body)
    assert overwrite and overwrite.group(1) == digest(path)
    done = teacher.post(
        "/author/files/coat-still-on.yaml/edit",
        data={"text": mine, "digest": loaded, "overwrite": overwrite.group(1)},
    )
    assert done.status_code == 303
    assert path.read_text(encoding="utf-8") == mine


def test_an_id_another_file_uses_cannot_be_saved(teacher, folder):
    (folder / "other.yaml").write_text(NEW, encoding="utf-8")
    path = folder / "other.yaml"
    clash = NEW.replace("id: coat-again", "id: coat-still-on", 1)
    response = teacher.post(
        "/author/files/other.yaml/edit", data={"text": clash, "digest": digest(path)}
    )
    assert response.status_code == 400
    assert "the id 'coat-still-on' is already used by coat-still-on.yaml" in text(response)
    assert path.read_text(encoding="utf-8") == NEW


def test_the_editor_escapes_the_text_it_shows(teacher, folder):
    (folder / "odd.yaml").write_text('title: "</textarea><script>alert(1)</script>"\n', "utf-8")
    body = teacher.get("/author/files/odd.yaml/edit").text
    assert "<script>alert(1)" not in body
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_file_that_is_not_utf8_is_not_offered_for_editing(teacher, folder):
    (folder / "latin.yaml").write_bytes("title: caf\u00e9\n".encode("latin-1"))
    body = text(teacher.get("/author/files/latin.yaml/edit"))
    assert "The file is not UTF-8 text." in body and "<textarea" not in body
    assert 'href="/author/files/latin.yaml"' in body


def test_the_editor_of_a_file_not_in_the_library_is_a_404(teacher):
    for url in ("/author/files/nope.yaml/edit", "/author/files/../x.yaml/edit"):
        assert teacher.get(url).status_code == 404
    response = teacher.post("/author/files/nope.yaml/edit", data={"text": NEW, "digest": ""})
    assert response.status_code == 404


# -- edits on disk, pinned runs ------------------------------------------------------------


def test_edits_on_disk_show_on_the_next_page_load(teacher, folder):
    path = folder / "coat-still-on.yaml"
    assert "Coat Still On" in text(teacher.get("/author/scenarios/coat-still-on"))
    path.write_text(COAT_TEXT.replace("title: Coat Still On", "title: Coat Now Off", 1), "utf-8")
    assert "Coat Now Off" in text(teacher.get("/author/scenarios/coat-still-on"))
    assert "Coat Now Off" in text(teacher.get("/author/"))
    # the file becomes invalid: the library shows its errors, the scenario page is gone
    path.write_text(COAT_TEXT.replace("goto: walkout", "goto: nowhere", 1), "utf-8")
    library = text(teacher.get("/author/"))
    assert "names scene 'nowhere', which does not exist" in library
    assert "error: not playable" in library
    assert teacher.get("/author/scenarios/coat-still-on").status_code == 404
    assert "Coat Still On" not in text(teacher.get("/"))


def test_runs_already_started_keep_their_pinned_version(app, teacher, folder):
    path = folder / "coat-still-on.yaml"
    run = teacher.post(
        "/author/scenarios/coat-still-on/playtest",
        data={
            "scene": "arrival",
            "mode": "practice",
            "authenticity": "50",
            "attentiveness": "50",
            "positivity": "50",
            "trust": "35",
        },
    ).headers["Location"]
    old_words = "It sounds like coming here wasn't entirely your idea."
    new_words = "So your sister sent you."
    path.write_text(COAT_TEXT.replace(old_words, new_words, 1), "utf-8")
    assert new_words in text(teacher.get("/author/scenarios/coat-still-on"))
    page = text(teacher.get(run))
    assert old_words in page and new_words not in page
    assert choose(teacher, run, 0, 0).status_code == 303
    assert "A reflection names the ambivalence" in text(teacher.get(run))
    # even a broken file on disk leaves the run playable
    path.write_text("format: [", "utf-8")
    assert choose(teacher, run, 1, 0).status_code == 303
    assert "A first foothold" in text(teacher.get(run))


# -- CSRF ----------------------------------------------------------------------------------


class TestCsrf:
    @pytest.fixture
    def csrf_enabled(self) -> bool:
        return True

    def token(self, client: FlaskClient) -> str:
        match = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/author/").text)
        assert match
        return match.group(1)

    def test_instructor_forms_need_their_token(self, client, instructor, folder):
        login_page = client.get("/login").text
        login_token = re.search(r'name="csrf_token" value="([^"]+)"', login_page)
        assert login_token
        client.post(
            "/login",
            data={
                "email": "ada@example.org",
                "password": PASSWORD,
                "csrf_token": login_token.group(1),
            },
        )
        original = (folder / "coat-still-on.yaml").read_bytes()
        changed = COAT_TEXT.replace("minutes: 8", "minutes: 9", 1)
        for url, data in [
            (
                "/author/files/coat-still-on.yaml/edit",
                {"text": changed, "digest": digest(folder / "coat-still-on.yaml")},
            ),
            ("/author/upload", {"content": changed, "filename": "x.yaml", "confirm": "yes"}),
        ]:
            refused = client.post(url, data=data)
            assert refused.status_code == 400 and "This form has expired" in text(refused)
        assert (folder / "coat-still-on.yaml").read_bytes() == original
        token = self.token(client)
        live = client.post(
            "/author/files/coat-still-on.yaml/validate",
            data={"text": changed},
            headers={**HTMX, "X-CSRFToken": token},
        )
        assert live.status_code == 200 and "ready to save" in text(live)
        saved = client.post(
            "/author/files/coat-still-on.yaml/edit",
            data={
                "text": changed,
                "digest": digest(folder / "coat-still-on.yaml"),
                "csrf_token": token,
            },
        )
        assert saved.status_code == 303
        assert (folder / "coat-still-on.yaml").read_text(encoding="utf-8") == changed


def test_the_checks_name_replies_too_alike_for_typed_words_as_lint_does(teacher, folder):
    alike = (
        COAT.read_text(encoding="utf-8")
        .replace("id: coat-still-on", "id: coat-alike", 1)
        .replace(
            '"Your sister sounds like she really cares about you."',
            '"It sounds like coming here wasn\'t really your own idea."',
            1,
        )
    )
    assert "coat-alike" in alike and "wasn't really your own idea" in alike
    assert upload(teacher, alike.encode(), "alike.yaml").status_code == 303
    body = text(teacher.get("/author/scenarios/coat-alike"))
    checks = body[body.index("Checks") : body.index("Checks") + 4000]
    assert "choices 1 and 2 of this scene are so alike in meaning" in checks
    assert "typed words cannot tell them apart: reword one" in checks
    plain = text(teacher.get("/author/scenarios/coat-still-on"))
    assert "so alike in meaning" not in plain


def test_a_long_line_is_shown_cut_around_each_problem_never_whole(teacher):
    keys = ", ".join(f"k{i}: 1" for i in range(250))
    one_line = "{" + keys + ", pad: " + "x" * 300_000 + "}"
    response = teacher.post(
        "/author/files/coat-still-on.yaml/validate", data={"text": one_line}, headers=HTMX
    )
    body = text(response)
    assert response.status_code == 200 and "error" in body
    assert len(body) < 200_000  # it was 118 MB: each message repeated the 300 KB line
    assert "x" * 200 not in body


def test_the_column_is_marked_inside_a_cut_line(teacher):
    line = 'title: "' + "a" * 200 + '"'
    broken = COAT_TEXT.replace("title: Coat Still On", line + "\nnonsense: 1", 1)
    body = text(
        teacher.post(
            "/author/files/coat-still-on.yaml/validate", data={"text": broken}, headers=HTMX
        )
    )
    assert "line 4, column 1</a>" in body  # the unknown key, on a short line: shown whole
    # the line shown whole, its column marked
    assert (
        '<span class="ln" aria-hidden="true">4 │ </span><mark class="at">n</mark>onsense: 1</pre>'
        in body
    )
    from simulator.authoring import excerpts
    from simulator.scenarios import Message

    cut = excerpts("b" * 100 + "X" + "c" * 100, [Message("f", 1, 101, "here")])
    [(_, part, caret)] = cut
    assert part.startswith("…") and part.endswith("…") and part[caret] == "X"
    assert len(part) == 2 * 60 + 2
    # YAML's line breaks, not Python's: LS is a character of the line, CR alone ends one
    [(_, part, _)] = excerpts("a: 1\rb: x\u2028y\r\nc: 2", [Message("f", 2, 4, "here")])
    assert part == "b: x\u2028y"


def test_a_long_upload_name_is_shortened_in_every_message(teacher, folder):
    before = files(folder)
    content = "\n".join(f"k{i}: 1" for i in range(250)).encode()
    response = upload(teacher, content, "n" * 100_000 + ".yaml")
    body = text(response)
    assert response.status_code == 400 and "nothing was written" in body
    assert len(body) < 500_000  # it was 20 MB: the 100 KB name in each of 201 messages
    assert "n" * 91 not in body and "n" * 90 + "…" in body
    assert files(folder) == before


def test_a_scenario_id_longer_than_its_column_is_refused_not_a_500(teacher, folder):
    before = files(folder)
    long_id = "a" * 260
    response = upload(
        teacher, COAT_TEXT.replace("id: coat-still-on", f"id: {long_id}", 1).encode(), "x.yaml"
    )
    assert response.status_code == 400
    assert "'id' must be at most 100 characters" in text(response)
    assert files(folder) == before


def test_a_save_waits_for_a_write_in_another_process(folder):
    """The digest check and the write are one step across the server's worker processes,
    not only its threads: two saves of the same version cannot both pass the check."""
    import subprocess
    import sys
    import threading

    from simulator.scenarios import Conflict, Library, digest_of

    path = folder / "coat-still-on.yaml"
    opened = digest_of(path.read_bytes())
    holder = subprocess.Popen(  # another worker, in the middle of its save
        [sys.executable, "-c", (
            "import fcntl, os, sys\n"
            f"handle = os.open({str(folder)!r}, os.O_RDONLY)\n"
            "fcntl.flock(handle, fcntl.LOCK_EX)\n"
            f"open({str(path)!r}, 'w').write(open({str(path)!r}).read() + '# theirs\\n')\n"
            "print('held', flush=True)\n"
            "sys.stdin.readline()\n"
        )],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        outcome: list[str] = []

        def ours() -> None:
            try:
                Library(folder).write(path, COAT_TEXT + "# ours\n", expect={opened})
                outcome.append("written")
            except Conflict:
                outcome.append("conflict")

        saving = threading.Thread(target=ours)
        saving.start()
        saving.join(0.5)
        assert saving.is_alive()  # it waits for the other process's write
    finally:
        holder.communicate("\n", timeout=10)  # it lets go; the pipes are closed
    saving.join(10)
    assert outcome == ["conflict"]  # it then sees their change, and keeps the file theirs
    assert path.read_text(encoding="utf-8").endswith("# theirs\n")


def wait_for(check, seconds: float = 60.0):
    """Poll until `check()` is truthy (a background job's result), failing after `seconds`."""
    import time

    end = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < end, "the background analysis never finished"
        time.sleep(0.2)
    return found


def test_a_large_scenarios_analysis_runs_in_the_background_and_the_page_asks_again(
    app, teacher, monkeypatch
):
    monkeypatch.setattr(authoring, "QUICK_STATES", 3)  # coat-still-on counts as large
    folder = Path(app.config["ANALYSIS_DIR"])
    first = text(teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX))
    assert 'data-hx-trigger="load delay:2s"' in first
    assert "Still exploring every path of this large scenario, in the background" in first
    assert "Every reachable state explored" not in first
    done = wait_for(lambda: list(folder.glob("*.json")))
    assert {p.suffix for p in folder.iterdir()} <= {".json", ".graph"}  # text, marker gone
    block = text(teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX))
    assert "Every reachable state explored" in block and "load delay" not in block
    assert "A first foothold" in block
    # another worker process (no memory of it) reads the same result, and starts nothing
    authoring._cache.items.clear()
    page = text(teacher.get("/author/scenarios/coat-still-on"))
    assert "Every reachable state explored" in page
    assert list(folder.glob("*.json")) == done  # (beside it, the drawn graph, kept too)
    assert {path.suffix for path in folder.iterdir()} <= {".json", ".graph"}


def test_an_analysis_slower_than_its_quick_second_goes_to_the_background(app, teacher, monkeypatch):
    # few states, but each costly (many rules and ruptures): a 17 KB file took 3.7 s here
    monkeypatch.setattr(authoring, "QUICK_SECONDS", 0.0)
    monkeypatch.setattr(engine.analysis, "STOP_EVERY", 1)
    block = text(teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX))
    assert "Still exploring every path of this large scenario, in the background" in block
    folder = Path(app.config["ANALYSIS_DIR"])
    wait_for(lambda: list(folder.glob("*.json")))  # the whole analysis has no time limit
    block = text(teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX))
    assert "Every reachable state explored" in block


def test_ruptures_piling_up_are_said_at_once_with_no_background_analysis(app, teacher, folder):
    shutil.copy(Path(__file__).parents[1] / "data" / "rupture-pile.yaml", folder)
    block = text(teacher.get("/author/scenarios/pile/analysis", headers=HTMX))
    assert "The analysis stopped: on some path more than 50 ruptures are open at once" in block
    assert "Still exploring" not in block and "load delay" not in block
    assert not list(Path(app.config["ANALYSIS_DIR"]).glob("*.running"))


def test_long_routes_to_many_endings_are_spelled_out_in_part(app, teacher, folder, monkeypatch):
    monkeypatch.setattr(authoring, "ROUTE_STEPS", 1)
    monkeypatch.setattr(authoring, "ROUTES_SPELLED", 2)
    monkeypatch.setattr(authoring, "ROUTE_NUMBERS", 5)
    scenes = "".join(
        f"  s{i}:\n    client: Step {i}.\n    choices:\n"
        f"      - {{say: On {i}., goto: {f's{i + 1}' if i < 7 else 'last'}}}\n"
        f"      - {{say: Stop {i}., goto: end{i}}}\n"
        f"  end{i}: {{ending: Ending {i}., outcome: {'good' if i % 2 else 'mixed'}}}\n"
        for i in range(8)
    )
    (folder / "ladder.yaml").write_text(
        "format: 1\nid: ladder\ntitle: Ladder\nsummary: A line.\ndifficulty: beginner\n"
        "minutes: 5\nobjectives: [Notice.]\nclient: {name: Sam, concern: Low mood.}\n"
        f"start: s0\nscenes:\n{scenes}  last: {{ending: The end., outcome: good}}\n",
        encoding="utf-8",
    )
    block = teacher.get("/author/scenarios/ladder/analysis", headers=HTMX).text
    routes = re.findall(r'<ol class="route">(.*?)</ol>', block, re.S)
    assert len(routes) == 2  # the first two endings' routes, of one and two choices
    assert "--choose 1,2</code>" in block and "On 0." in routes[1] and "Stop 1." not in routes[1]
    assert "… and 1 more: <code>rapport analyze --json</code> gives the whole route." in block
    # end4: five choices, listed as numbers; end5 on: six or more, neither listed nor spelled
    assert "<code>--choose 1,1,1,1,2</code>" in block
    assert "6 choices: <code>rapport analyze --json</code> gives the route" in block
    assert "--choose 1,1,1,1,1,2" not in block


def test_an_analyses_folder_that_cannot_be_made_is_said_not_a_500(
    app, teacher, tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(authoring, "QUICK_STATES", 3)  # a background job would be needed
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    app.config["ANALYSIS_DIR"] = str(blocker / "analyses")
    page = teacher.get("/author/scenarios/coat-still-on")
    assert page.status_code == 200  # the graph and the page, without kept results
    block = teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX)
    assert block.status_code == 200
    assert (
        f"The background analysis cannot start: its folder {blocker / 'analyses'} cannot be "
        "written (Not a directory)" in text(block)
    )
    assert "load delay" not in block.text  # the page does not keep asking
    assert "analyses are not kept" in caplog.text


def many_states() -> str:
    """coat-still-on remade so that every choice moves a meter: far more states than a
    second or a small memory limit explores."""
    scenes = "".join(  # every meter move by every choice: far more states than 1 s explores
        f'  a{i}:\n    client: "Scene {i}."\n    choices:\n'
        + "".join(
            f'      - say: "Move {meter} by {step} from {i}."\n'
            f"        effects: {{{meter}: {step}}}\n        goto: a{(i + 1) % 6}\n"
            for meter in ("authenticity", "attentiveness", "positivity", "trust")
            for step in (1, -1)
        )
        + f'      - say: "Leave {i}."\n        goto: good-end\n'
        for i in range(6)
    )
    head = COAT_TEXT.split("scenes:")[0].replace("start: arrival", "start: a0")
    ending = "  good-end:\n    ending: Done\n    outcome: good\n"
    return head + "scenes:\n" + scenes + ending


@pytest.mark.parametrize(
    ("limit", "says"),
    [
        ("JOB_SECONDS", "The analysis was stopped after 1 seconds"),
        ("JOB_MEGABYTES", "The analysis was stopped at its memory limit (100 MB), before it"),
    ],
)
def test_a_background_analysis_past_its_time_or_memory_says_so(
    app, teacher, folder, monkeypatch, limit, says
):
    monkeypatch.setattr(authoring, "QUICK_STATES", 3)
    monkeypatch.setattr(authoring, limit, 1 if limit == "JOB_SECONDS" else 100)
    (folder / "coat-still-on.yaml").write_text(many_states(), "utf-8")
    teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX)
    results = Path(app.config["ANALYSIS_DIR"])
    wait_for(lambda: list(results.glob("*.json")), seconds=60)
    block = text(teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX))
    assert says in block


def test_at_most_two_background_analyses_run_at_once_the_next_waits(app, teacher, monkeypatch):
    monkeypatch.setattr(authoring, "QUICK_STATES", 3)
    folder = Path(app.config["ANALYSIS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for other in ("a" * 64, "b" * 64):  # two other scenarios' jobs, under way
        (folder / f"{other}.running").touch()
    started = []
    monkeypatch.setattr(authoring, "_start", lambda *args: started.append(args))
    waiting = text(teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX))
    assert "waits for another to finish first: 2 run at a time" in waiting
    assert 'data-hx-trigger="load delay:2s"' in waiting and started == []
    (folder / f"{'a' * 64}.running").unlink()  # one ended: the next ask starts this one
    going = text(teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX))
    assert "Still exploring every path" in going and len(started) == 1
    # a marker left by a job that died does not hold a place: too old, or its process gone
    stale = folder / f"{'b' * 64}.running"
    old = authoring.time.time() - authoring.JOB_SECONDS - 60
    os.utime(stale, (old, old))
    assert not authoring._alive(stale)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    killed = folder / f"{'c' * 64}.running"
    killed.write_text(str(gone.pid), encoding="ascii")
    assert not authoring._alive(killed)
    killed.write_text(str(os.getpid()), encoding="ascii")
    assert authoring._alive(killed)


def test_a_background_analysis_that_died_is_said_once_and_runs_again_on_reload(
    app, teacher, monkeypatch, caplog
):
    monkeypatch.setattr(authoring, "QUICK_STATES", 3)
    started = []
    monkeypatch.setattr(authoring, "_start", lambda *args: started.append(args))
    folder = Path(app.config["ANALYSIS_DIR"])
    first = text(teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX))
    assert "Still exploring" in first and len(started) == 1
    marker = next(folder.glob("*.running"))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    marker.write_text(str(gone.pid), encoding="ascii")  # the job was killed
    log = marker.with_suffix(".log")
    log.write_text("ImportError: no module named simulator\n", encoding="utf-8")
    said = text(teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX))
    assert "The background analysis ended without a result" in said
    assert "load delay" not in said  # the page stops asking
    assert "ImportError: no module named simulator" in caplog.text
    assert not marker.exists() and not log.exists()
    again = text(teacher.get("/author/scenarios/coat-still-on/analysis", headers=HTMX))
    assert "Still exploring" in again and len(started) == 2
