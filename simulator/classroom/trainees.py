"""The trainees' views: joining by code and name, their page in the class, starting a run."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, redirect, request, url_for
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response

from .. import db, groups
from .. import play as plays
from ..models import (
    Classroom,
    Run,
    Trainee,
    insert_run,
    joined_classes,
    next_attempt,
    trainee_count,
    trainee_runs,
)
from ..web import browser_id, is_htmx, message_page, render
from ..words import POLL
from . import bp
from .codes import ALPHABET, CODE_LENGTH, NAME_MAX, clean_name, name_key, normal_code
from .shared import NOT_YOURS, class_scenarios, find, member, name_is_taken, to_join

MAX_TRAINEES = 500


def stop(status: int, heading: str, message: str, back: str, back_label: str) -> NoReturn:
    """A friendly error page in our own words, or its message block for htmx."""
    abort(message_page(status, heading, message, back, back_label))


@bp.get("/join")
def join_form() -> Response:
    """The join form (the code may come in the URL, as from the QR code)."""
    code = request.args.get("code", "")
    canonical = normal_code(code)
    if canonical is not None:
        classroom = find(canonical)
        if classroom is not None and member(classroom) is not None:
            return redirect(url_for("classroom.mine", code=classroom.code), 303)
    return join_page(canonical or code.strip()[:12], "")


def join_page(
    code: str, name: str, error: str | None = None, field: str = "", status: int = 200
) -> Response:
    """The join form with what was typed, an error on one field, and the classes joined."""
    return render(
        "classroom/join.html",
        status=status,
        code=code,
        name=name,
        error=error,
        field=field,
        name_max=NAME_MAX,
        joined=_joined_classes(),
    )


def _joined_classes(limit: int = 10) -> list[tuple[Classroom, Trainee]]:
    """The class sessions this browser has joined, newest first: the way back to them."""
    owner = browser_id()
    if owner is None:
        return []
    return joined_classes(db.session(), owner, limit)


@bp.post("/join")
def join() -> Response:
    """Join a class session by its code with a display name; no account. Rate-limited."""
    raw_code = request.form.get("code", "")
    raw_name = request.form.get("name", "")
    code = normal_code(raw_code)
    shown_code = code or raw_code.strip()[:12]
    if code is None:
        return join_page(
            shown_code,
            raw_name,
            f"A join code has {CODE_LENGTH} letters and digits, like {ALPHABET[:3]}{ALPHABET[-3:]}. Check the code on the screen.",
            "code",
            400,
        )
    classroom = find(code)
    if classroom is None:
        return join_page(
            code,
            raw_name,
            f"No class session has the code {code}. Check the code on the screen and try again.",
            "code",
            404,
        )
    if not classroom.is_open:
        return join_page(
            code,
            raw_name,
            "That class session has closed, so it can't be joined any more.",
            "code",
            409,
        )
    if member(classroom) is not None:  # this browser is already in: back to its page
        return redirect(url_for("classroom.mine", code=classroom.code), 303)
    if not classroom.joinable:  # locked: those who joined play on, no one new comes in
        return join_page(
            code,
            raw_name,
            "That class session isn't taking new trainees right now. "
            "Ask your instructor to unlock joining.",
            "code",
            409,
        )
    name, error = clean_name(raw_name)
    if error is not None:
        return join_page(code, raw_name, error, "name", 400)
    key = name_key(name)
    taken = f"Someone in this class is already called {name}. Please choose another name."
    if name_is_taken(classroom, key):
        return join_page(code, name, taken, "name", 409)
    session = db.session()
    if trainee_count(session, classroom.id) >= MAX_TRAINEES:
        return join_page(code, name, "This class session is full.", "code", 409)
    session.add(
        Trainee(classroom_id=classroom.id, name=name, key=key, owner=browser_id(create=True))
    )
    try:
        session.commit()
    except IntegrityError:  # someone took the name a moment ago
        session.rollback()
        return join_page(code, name, taken, "name", 409)
    return redirect(url_for("classroom.mine", code=classroom.code), 303)


def too_many(error: HTTPException) -> Response:
    """A friendly 429: the join form again, with what was typed, and when to try again."""
    message = "Too many join attempts from your network. Please wait a minute, then try again."
    if request.endpoint == "classroom.join":
        response = join_page(
            request.form.get("code", "").strip()[:12],
            request.form.get("name", ""),
            message,
            "code",
            429,
        )
    else:
        response = message_page(429, "Please slow down", message)
    response.headers["Retry-After"] = "60"
    return response


@bp.get("/classes/<code>/me")
def mine(code: str) -> Response:
    """A trainee's page in the class: its scenarios, their runs, the way to the board."""
    classroom = find(code)
    trainee = member(classroom) if classroom is not None else None
    if classroom is None or trainee is None:
        return to_join(code)  # the same answer whether or not the code exists
    # the class page follows the room: a group run starting or ending, the session closing
    together = groups.active_group(db.session(), classroom.id) if classroom.is_open else None
    seen = f"{together.id if together else 'none'}.{classroom.is_open}"
    live: dict[str, Any] = {
        "together": together,
        "seen": seen,
        "poll": POLL if classroom.is_open else None,
    }
    if is_htmx():
        if request.args.get("seen") == seen:  # nothing changed: htmx swaps nothing
            response = Response(status=204)
        else:
            response = render("classroom/mine.html", block="together", classroom=classroom, **live)
        response.headers["Cache-Control"] = "no-store"
        return response
    runs = trainee_runs(db.session(), trainee.id, classroom.id)
    by_scenario: dict[str, list[Run]] = {}
    for run in runs:
        by_scenario.setdefault(run.scenario_id, []).append(run)
    response = render(
        "classroom/mine.html",
        classroom=classroom,
        trainee=trainee,
        scenarios=class_scenarios(classroom),
        runs=by_scenario,
        **live,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/classes/<code>/runs")
def start(code: str) -> Response:
    """Start a run of one of the class's scenarios, in the class's mode, for this trainee."""
    classroom = find(code)
    trainee = member(classroom) if classroom is not None else None
    if classroom is None or trainee is None:
        abort(404, NOT_YOURS)
    back = url_for("classroom.mine", code=classroom.code)
    if not classroom.is_open:
        stop(
            409,
            "This class session has closed",
            "No new runs can start; your debriefs stay available.",
            back,
            "Back to your class",
        )
    scenario_id = request.form.get("scenario", "")
    if scenario_id not in classroom.scenario_ids:
        stop(
            400,
            "We couldn't start that",
            "That scenario isn't part of this class session.",
            back,
            "Back to your class",
        )
    try:
        loaded = plays.current(scenario_id)
    except NotFound:
        stop(
            404,
            "That scenario isn't available",
            "It may be being edited: ask your instructor, or try again in a moment.",
            back,
            "Back to your class",
        )
    session = db.session()
    token = plays.start_token()
    for _try in range(10):
        again = plays.started_before(token)
        if again is not None:  # a double click or a resent form: the run it started
            return redirect(url_for("play.run", run_id=again), 303)
        run = plays.new_run(
            loaded,
            classroom.mode,
            classroom_id=classroom.id,
            trainee_id=trainee.id,
            attempt=next_attempt(session, trainee.id, scenario_id),
            start_token=token,
            open_response=classroom.open_response,
        )
        try:
            run = insert_run(session, run)
            session.commit()
            return redirect(url_for("play.run", run_id=run.id), 303)
        except IntegrityError:  # the other click won the race: look again, or count again
            session.rollback()
    abort(503)
