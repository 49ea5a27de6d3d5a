"""A class session's lifecycle, for its instructor: lock and unlock joins (play goes on),
close and reopen, duplicate (same scenarios and settings, a new code), and the lobby the
projector shows while the room joins."""

from __future__ import annotations

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from .. import db
from ..auth import current_instructor, instructor_required
from ..models import Classroom, now
from ..web import render
from ..words import POLL
from . import bp
from .codes import CLASS_NAME_MAX
from .instructor import form_token, insert_with_code, qr_markup
from .shared import BOARD_STYLES, ENDED, join_url, owned_class

COPY = " (copy)"


def _back(classroom: Classroom, message: str) -> Response:
    flash(message)
    return redirect(url_for("classroom.dashboard", code=classroom.code), 303)


@bp.post("/classes/<code>/lock")
@instructor_required(ENDED)
def lock(code: str) -> Response:
    """Lock joins: no one new can join; everyone who joined plays on."""
    classroom = owned_class(code)
    if classroom.is_open and classroom.locked_at is None:
        classroom.locked_at = now()
        db.session().commit()
    return _back(
        classroom,
        "Joining is locked: no one new can join, and everyone who joined plays on. "
        "Unlock to let more in.",
    )


@bp.post("/classes/<code>/unlock")
@instructor_required(ENDED)
def unlock(code: str) -> Response:
    """Unlock joins: trainees can join with the code again."""
    classroom = owned_class(code)
    if classroom.locked_at is not None:
        classroom.locked_at = None
        db.session().commit()
    return _back(classroom, "Joining is open again: trainees can join with the code.")


@bp.post("/classes/<code>/reopen")
@instructor_required(ENDED)
def reopen(code: str) -> Response:
    """Reopen a closed class session: joins (unless locked) and play resume where they were."""
    classroom = owned_class(code)
    if classroom.closed_at is not None:
        classroom.closed_at = None
        db.session().commit()
    return _back(
        classroom,
        "The class session is open again: trainees can carry on where they stopped"
        + (", and joining is still locked." if classroom.locked_at else ", and new ones can join."),
    )


@bp.post("/classes/<code>/duplicate")
@instructor_required(ENDED)
def duplicate(code: str) -> Response:
    """A new class session with the same scenarios and settings and a new code; no trainees."""
    classroom = owned_class(code)
    instructor = current_instructor()
    assert instructor is not None
    name = classroom.name[: CLASS_NAME_MAX - len(COPY)] + COPY
    copy = insert_with_code(
        instructor,
        name,
        list(classroom.scenario_ids),
        classroom.mode,
        classroom.board,
        words_required=classroom.words_required,
        open_response=classroom.open_response,
        form_token=form_token(),
    )
    flash(
        f"This is a copy of {classroom.name} with a new code: the same scenarios and settings, "
        "no trainees yet. The original is unchanged."
    )
    return redirect(url_for("classroom.dashboard", code=copy.code), 303)


@bp.get("/classes/<code>/lobby")
@instructor_required(ENDED)
def lobby(code: str) -> Response:
    """The projector while the room joins: the code, and who has joined (names on a ranked
    board; a count only on an anonymous or aggregate one). Polled until the session closes."""
    classroom = owned_class(code)
    names = [trainee.name for trainee in classroom.trainees]
    response = render(
        "classroom/lobby.html",
        block="lobby",
        classroom=classroom,
        joined=len(names),
        names=names if classroom.board == "ranked" else [],
        join_url=join_url(classroom),
        qr=qr_markup(classroom),
        boards=BOARD_STYLES,
        poll=POLL if classroom.is_open else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
