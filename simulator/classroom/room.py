"""The room's views: the scoreboard for a projector and the class's split at each key moment,
for the class session's instructor and its trainees."""

from __future__ import annotations

from werkzeug.wrappers import Response

from .. import db
from .. import play as plays
from ..models import Classroom, Trainee
from ..standings import Standing, as_counts, choice_counts, moment_split, ranked, standings, summary
from ..web import render
from ..words import POLL, progress
from . import bp
from .shared import BOARD_STYLES, class_scenarios, current_scenarios, join_url, viewer


@bp.get("/classes/<code>/board")
def board(code: str) -> Response:
    """The scoreboard, for a projector: polled by htmx until the class closes."""
    classroom, trainee = viewer(code)
    return board_page(classroom, trainee, block="board")


def board_page(
    classroom: Classroom, trainee: Trainee | None, block: str, status_message: str = ""
) -> Response:
    """The scoreboard (live or frozen) for a trainee, or for the instructor when `trainee` is None."""
    frozen = classroom.frozen_board if classroom.frozen_at is not None else None
    if frozen is not None:
        rows = [Standing.from_json(row) for row in frozen.get("standings", [])]
    else:
        rows = standings(db.session(), classroom.id)
    scenarios = class_scenarios(classroom)
    # the words of each row made here, not by template macros: 300 rows every 2 seconds
    table = [
        (
            rank,
            row,
            progress(row, len(scenarios)),
            trainee is not None and row.trainee_id == trainee.id,
        )
        for rank, row in (ranked(rows) if classroom.board != "aggregate" else [])
    ]
    response = render(
        "classroom/board.html",
        block=block,
        classroom=classroom,
        trainee=trainee,
        instructor=trainee is None,
        style=classroom.board,
        ranked=table,
        totals=summary(rows, len(scenarios)),
        mine=next((r for r in rows if trainee and r.trainee_id == trainee.id), None),
        scenarios=scenarios,
        frozen=frozen is not None,
        poll=POLL if classroom.is_open else None,
        join_url=join_url(classroom),
        boards=BOARD_STYLES,
        status_message=status_message,
        focus="freeze-toggle" if status_message else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/classes/<code>/moments")
def moments(code: str) -> Response:
    """How the class split at each key moment, as bars with counts and percentages."""
    classroom, trainee = viewer(code)
    frozen = classroom.frozen_board if classroom.frozen_at is not None else None
    scenarios = current_scenarios(classroom)
    if frozen is not None:
        counts = as_counts(frozen.get("counts", []))
    else:
        counts = choice_counts(db.session(), classroom.id, scenarios)
    library = plays.library()
    versions = {digest: library.version(digest) for _s, digest, *_rest in counts}
    split = moment_split(counts, scenarios, versions)
    response = render(
        "classroom/moments.html",
        block="moments",
        classroom=classroom,
        trainee=trainee,
        instructor=trainee is None,
        split=split,
        frozen=frozen is not None,
        poll=POLL if classroom.is_open else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
