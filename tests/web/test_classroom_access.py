"""Who may use each class session route: anonymous, a trainee of this class session, a
trainee of another, the owning instructor, another instructor. Each answer is checked for
its status and for the absence of anyone else's data.

Each test gets a fresh world (an app with both classes) of its own: the world is built once,
and every test starts from a copy of its database in a new app, so no test sees what another
did and the tests pass in any order.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator import create_app
from simulator.models import Trainee

from ..config import app_config, copy_database
from .classes import STRONG, create_class, joined, log_in, make_instructor, play, start, trainees
from .helpers import COAT

ROLES = ("anonymous", "trainee", "other_trainee", "owner", "other_instructor")
LOGIN = "login"  # a redirect to the login page
JOIN = "join"  # a redirect to the join form
HOME = "home"  # a redirect to the trainee's own class page
OK = 200
SEE_OTHER = 303  # done, and sent on to a page of the requester's own
NOT_FOUND = 404

# Names that identify each side; what each role must never be shown.
THIS_CLASS, OTHER_CLASS = "Ada's Tuesday group", "Bob's Friday group"
TESS, OTTO = "Tess Trainee", "Otto Outsider"
FORBIDDEN = {
    "anonymous": (THIS_CLASS, OTHER_CLASS, TESS, OTTO),
    "trainee": (OTHER_CLASS, OTTO),
    "other_trainee": (THIS_CLASS, TESS),
    "owner": (OTHER_CLASS, OTTO),
    "other_instructor": (THIS_CLASS, TESS),
}


@dataclass
class World:
    code: str
    other_code: str
    tess: int
    otto: int
    tess_run: str
    otto_run: str
    clients: dict[str, FlaskClient]
    group: int = 0  # a group run in progress in each class
    other_group: int = 0


@pytest.fixture
def world(app: Flask) -> World:
    """A fresh world in the test's own app."""
    return build(app)


@dataclass
class Snapshot:
    """A world built once: its database file, its scenario folder, each role's cookie."""

    database: Path
    scenarios: Path
    world: World
    cookies: dict[str, str | None]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    folder = tmp_path_factory.mktemp("access")
    (folder / "scenarios").mkdir()
    shutil.copy(COAT, folder / "scenarios" / COAT.name)
    app = create_app(app_config(folder, folder / "scenarios", WTF_CSRF_ENABLED=False))
    world = build(app)
    app.extensions["rapport.db"].engine.dispose()
    cookies = {}
    for role, client in world.clients.items():
        cookie = client.get_cookie("rapport")
        cookies[role] = cookie.value if cookie is not None else None
    return Snapshot(folder / "test.db", folder / "scenarios", world, cookies)


@pytest.fixture
def fresh_world(snapshot: Snapshot, tmp_path: Path) -> Iterator[World]:
    """The snapshot's world in a new app over a copy of its database, for this test alone."""
    copy_database((snapshot.database.parent, snapshot.database.name), (tmp_path, "test.db"))
    app = create_app(app_config(tmp_path, snapshot.scenarios, WTF_CSRF_ENABLED=False))
    clients = {}
    for role, cookie in snapshot.cookies.items():
        clients[role] = app.test_client()
        if cookie is not None:
            clients[role].set_cookie("rapport", cookie)
    yield replace(snapshot.world, clients=clients)
    app.extensions["rapport.db"].engine.dispose()


def build(app: Flask) -> World:
    """Ada's class with Tess, who finished a run; Bob's class with Otto, who did too."""
    make_instructor(app, "ada@example.org")
    make_instructor(app, "bob@example.org")
    clients = {role: app.test_client() for role in ROLES}
    log_in(clients["owner"], "ada@example.org")
    log_in(clients["other_instructor"], "bob@example.org")
    code = create_class(clients["owner"], name=THIS_CLASS)
    other_code = create_class(clients["other_instructor"], name=OTHER_CLASS)
    joined(clients["trainee"], code, TESS)
    joined(clients["other_trainee"], other_code, OTTO)
    tess_run = start(clients["trainee"], code)
    play(clients["trainee"], tess_run, STRONG)
    otto_run = start(clients["other_trainee"], other_code)
    play(clients["other_trainee"], otto_run, STRONG)
    [tess] = trainees(app, code)
    [otto] = trainees(app, other_code)
    group = clients["owner"].post(f"/classes/{code}/group", data={"scenario": "coat-still-on"})
    other_group = clients["other_instructor"].post(
        f"/classes/{other_code}/group", data={"scenario": "coat-still-on"}
    )
    return World(
        code,
        other_code,
        tess.id,
        otto.id,
        tess_run.rsplit("/", 1)[1],
        otto_run.rsplit("/", 1)[1],
        clients,
        int(group.headers["Location"].rsplit("/", 1)[1]),
        int(other_group.headers["Location"].rsplit("/", 1)[1]),
    )


def only(who: str, yes: object, no: object) -> dict[str, object]:
    return {role: (yes if role == who else no) for role in ROLES}


INSTRUCTOR_ONLY = {
    "anonymous": LOGIN,
    "trainee": LOGIN,
    "other_trainee": LOGIN,
    "owner": OK,
    "other_instructor": NOT_FOUND,
}
INSTRUCTOR_ACTION = {**INSTRUCTOR_ONLY, "owner": SEE_OTHER}
ROOM = {**INSTRUCTOR_ONLY, "anonymous": NOT_FOUND, "other_trainee": NOT_FOUND, "trainee": OK}
ANY_INSTRUCTOR = {**INSTRUCTOR_ONLY, "other_instructor": OK}

# (name, method, path with {code} {other_code} {tess} {otto} {tess_run} {otto_run}, form,
# expected by role); each starts from the same fresh world
ROUTES: list[tuple[str, str, str, dict[str, str], dict[str, object]]] = [
    ("class list", "GET", "/classes", {}, ANY_INSTRUCTOR),
    ("new class form", "GET", "/classes/new", {}, ANY_INSTRUCTOR),
    ("dashboard", "GET", "/classes/{code}", {}, INSTRUCTOR_ONLY),
    ("join code screen", "GET", "/classes/{code}/code", {}, INSTRUCTOR_ONLY),
    ("scoreboard", "GET", "/classes/{code}/board", {}, ROOM),
    ("moments", "GET", "/classes/{code}/moments", {}, ROOM),
    ("export CSV", "GET", "/classes/{code}/export.csv", {}, INSTRUCTOR_ONLY),
    ("export JSON", "GET", "/classes/{code}/export.json", {}, INSTRUCTOR_ONLY),
    ("a trainee's page", "GET", "/classes/{code}/trainees/{tess}", {}, INSTRUCTOR_ONLY),
    ("a trainee's debrief", "GET", "/classes/{code}/runs/{tess_run}/debrief", {}, INSTRUCTOR_ONLY),
    (
        "another class's trainee through this class",
        "GET",
        "/classes/{code}/trainees/{otto}",
        {},
        {**INSTRUCTOR_ONLY, "owner": NOT_FOUND},
    ),
    (
        "another class's run through this class",
        "GET",
        "/classes/{code}/runs/{otto_run}/debrief",
        {},
        {**INSTRUCTOR_ONLY, "owner": NOT_FOUND},
    ),
    ("join form", "GET", "/join?code={code}", {}, {**{r: OK for r in ROLES}, "trainee": HOME}),
    ("trainee's class page", "GET", "/classes/{code}/me", {}, only("trainee", OK, JOIN)),
    ("play a class run", "GET", "/runs/{tess_run}", {}, only("trainee", OK, NOT_FOUND)),
    ("its own debrief", "GET", "/runs/{tess_run}/debrief", {}, only("trainee", OK, NOT_FOUND)),
    (
        "create a class",
        "POST",
        "/classes",
        {"name": "New", "scenarios": "coat-still-on", "mode": "practice", "board": "ranked"},
        {**ANY_INSTRUCTOR, "owner": SEE_OTHER, "other_instructor": SEE_OTHER},
    ),
    ("freeze", "POST", "/classes/{code}/freeze", {}, INSTRUCTOR_ACTION),
    ("unfreeze", "POST", "/classes/{code}/unfreeze", {}, INSTRUCTOR_ACTION),
    (
        "rename",
        "POST",
        "/classes/{code}/trainees/{tess}/rename",
        {"name": "Renamed"},
        INSTRUCTOR_ACTION,
    ),
    (
        "start a class run",
        "POST",
        "/classes/{code}/runs",
        {"scenario": "coat-still-on"},
        only("trainee", SEE_OTHER, NOT_FOUND),
    ),
    ("join", "POST", "/join", {"code": "{code}", "name": "Newcomer"}, {r: HOME for r in ROLES}),
    ("remove", "POST", "/classes/{code}/trainees/{tess}/remove", {}, INSTRUCTOR_ACTION),
    ("close", "POST", "/classes/{code}/close", {}, INSTRUCTOR_ACTION),
    # playing together: the instructor's group run, the trainees' votes (a stale form 303s)
    (
        "start a group run",
        "POST",
        "/classes/{code}/group",
        {"scenario": "coat-still-on"},
        INSTRUCTOR_ACTION,
    ),
    ("group run projector", "GET", "/classes/{code}/group/{group}", {}, INSTRUCTOR_ONLY),
    ("group run votes", "GET", "/classes/{code}/group/{group}/votes", {}, INSTRUCTOR_ONLY),
    (
        "another class's group run through this class",
        "GET",
        "/classes/{code}/group/{other_group}",
        {},
        {**INSTRUCTOR_ONLY, "owner": NOT_FOUND},
    ),
    ("reveal", "POST", "/classes/{code}/group/{group}/reveal", {"step": "0"}, INSTRUCTOR_ACTION),
    (
        "go on",
        "POST",
        "/classes/{code}/group/{group}/advance",
        {"step": "0", "pick": "majority"},
        INSTRUCTOR_ACTION,
    ),
    ("end a group run", "POST", "/classes/{code}/group/{group}/stop", {}, INSTRUCTOR_ACTION),
    ("vote page", "GET", "/classes/{code}/vote", {}, only("trainee", OK, JOIN)),
    (
        "vote",
        "POST",
        "/classes/{code}/vote",
        {"group": "{group}", "step": "9", "reply": "r0000000000"},
        only("trainee", SEE_OTHER, NOT_FOUND),
    ),
    (
        "own words before a vote",
        "POST",
        "/classes/{code}/vote/words",
        {"group": "{group}", "step": "9", "words": "Hello"},
        only("trainee", SEE_OTHER, NOT_FOUND),
    ),
    # facilitation: lifecycle and the lobby
    ("lobby", "GET", "/classes/{code}/lobby", {}, INSTRUCTOR_ONLY),
    ("lock joining", "POST", "/classes/{code}/lock", {}, INSTRUCTOR_ACTION),
    ("unlock joining", "POST", "/classes/{code}/unlock", {}, INSTRUCTOR_ACTION),
    ("reopen", "POST", "/classes/{code}/reopen", {}, INSTRUCTOR_ACTION),
    ("duplicate", "POST", "/classes/{code}/duplicate", {}, INSTRUCTOR_ACTION),
    # facilitation: discussion mode
    ("discussion", "GET", "/classes/{code}/discuss", {}, INSTRUCTOR_ONLY),
    ("discussion controller", "GET", "/classes/{code}/discuss/remote", {}, INSTRUCTOR_ONLY),
    ("a discussion step", "POST", "/classes/{code}/discuss", {"move": "split"}, INSTRUCTOR_ACTION),
    # facilitation: the evidence
    ("export moments CSV", "GET", "/classes/{code}/export-moments.csv", {}, INSTRUCTOR_ONLY),
    ("export group votes CSV", "GET", "/classes/{code}/export-votes.csv", {}, INSTRUCTOR_ONLY),
    ("session summary", "GET", "/classes/{code}/summary", {}, INSTRUCTOR_ONLY),
]


def fill(template: str, world: World) -> str:
    return template.format(
        code=world.code,
        other_code=world.other_code,
        tess=world.tess,
        otto=world.otto,
        tess_run=world.tess_run,
        otto_run=world.otto_run,
        group=world.group,
        other_group=world.other_group,
    )


@pytest.mark.parametrize(
    ("role", "method", "path", "form", "expected"),
    [
        pytest.param(role, m, p, f, e, id=f"{name}-{role}")
        for role in ROLES
        for name, m, p, f, e in ROUTES
    ],
)
def test_access(fresh_world: World, role, method, path, form, expected):
    world = fresh_world
    client = world.clients[role]
    url = fill(path, world)
    data = {key: fill(value, world) for key, value in form.items()}
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    want = expected[role]
    location = response.headers.get("Location", "")
    if want == LOGIN:
        assert response.status_code == 302, response.status_code
        assert location.startswith("/login?next=")
    elif want == JOIN:
        assert response.status_code == 303
        assert location == f"/join?code={world.code}"
    elif want == HOME:
        assert response.status_code == 303
        assert location == f"/classes/{world.code}/me"
    elif want == SEE_OTHER:
        assert response.status_code == 303
        assert not location.startswith(("/login", "/join"))
    else:
        assert response.status_code == want, (response.status_code, response.text[:300])
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    for secret in FORBIDDEN[role]:
        assert secret not in body and secret.replace("'", "&#39;") not in body, secret


def without_token(html: str) -> str:
    return re.sub(r'(csrf-token" content="|"X-CSRFToken": ")[^"]+', r"\1TOKEN", html)


def test_a_code_that_is_not_yours_answers_as_one_that_does_not_exist(world: World):
    anonymous = world.clients["anonymous"]
    for view in ("board", "moments"):
        real = anonymous.get(f"/classes/{world.code}/{view}")
        made_up = anonymous.get(f"/classes/ACDEF3/{view}")
        assert real.status_code == made_up.status_code == 404
        # the pages differ only in the CSRF token, which carries a timestamp
        assert without_token(real.text) == without_token(made_up.text)
        assert (
            "only for the class session&#39;s instructor and the trainees who joined it"
            in real.text
        )
    for client in (anonymous, world.clients["other_trainee"]):
        assert (
            client.get(f"/classes/{world.code}/me").headers["Location"]
            == f"/join?code={world.code}"
        )
        assert client.get("/classes/ACDEF3/me").headers["Location"] == "/join?code=ACDEF3"


def test_a_removed_trainee_loses_the_board_but_keeps_their_own_runs(world: World, app: Flask):
    owner, tess = world.clients["owner"], world.clients["trainee"]
    assert owner.post(f"/classes/{world.code}/trainees/{world.tess}/remove").status_code == 303
    assert tess.get(f"/classes/{world.code}/board").status_code == 404
    assert tess.get(f"/runs/{world.tess_run}/debrief").status_code == 200
    with app.app_context():
        from simulator.db import session

        assert session().get(Trainee, world.tess) is None


def test_every_class_route_is_in_the_matrix(app: Flask):
    covered = {
        "/classes",
        "/classes/new",
        "/classes/<code>",
        "/classes/<code>/code",
        "/classes/<code>/board",
        "/classes/<code>/moments",
        "/classes/<code>/freeze",
        "/classes/<code>/unfreeze",
        "/classes/<code>/close",
        "/classes/<code>/export.csv",
        "/classes/<code>/export.json",
        "/classes/<code>/trainees/<id:trainee_id>",
        "/classes/<code>/trainees/<id:trainee_id>/rename",
        "/classes/<code>/trainees/<id:trainee_id>/remove",
        "/classes/<code>/runs/<run_id>/debrief",
        "/join",
        "/classes/<code>/me",
        "/classes/<code>/runs",
        "/classes/<code>/group",
        "/classes/<code>/group/<id:group_id>",
        "/classes/<code>/group/<id:group_id>/votes",
        "/classes/<code>/group/<id:group_id>/reveal",
        "/classes/<code>/group/<id:group_id>/advance",
        "/classes/<code>/group/<id:group_id>/stop",
        "/classes/<code>/vote",
        "/classes/<code>/vote/words",
        # facilitation
        "/classes/<code>/lobby",
        "/classes/<code>/lock",
        "/classes/<code>/unlock",
        "/classes/<code>/reopen",
        "/classes/<code>/duplicate",
        "/classes/<code>/discuss",
        "/classes/<code>/discuss/remote",
        "/classes/<code>/export-moments.csv",
        "/classes/<code>/export-votes.csv",
        "/classes/<code>/summary",
    }
    routes = {
        rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("classroom.")
    }
    assert routes == covered
