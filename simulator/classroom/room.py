"""The room's views: the scoreboard for a projector and the class's split at each key moment,
for the class session's instructor and its trainees."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from .. import db
from .. import play as plays
from ..engine import Scenario
from ..models import Classroom, Trainee
from ..standings import (
    Moment,
    Standing,
    as_counts,
    choice_counts,
    moment_split,
    ranked,
    standings,
    summary,
)
from ..web import render
from ..words import POLL, run_progress
from . import bp
from .progress import Grid, as_grid, cells, progress_grid, scenario_totals
from .shared import (
    BOARD_STYLES,
    class_scenarios,
    current_scenarios,
    join_url,
    revealed_keys,
    viewer,
)


@bp.get("/classes/<code>/board")
def board(code: str) -> Response:
    """The scoreboard, for a projector: polled by htmx until the class closes."""
    classroom, trainee = viewer(code)
    return board_page(classroom, trainee, block="board")


def board_page(
    classroom: Classroom, trainee: Trainee | None, block: str, status_message: str = ""
) -> Response:
    """The scoreboard (live or frozen) for a trainee, or for the instructor when `trainee` is None."""
    session = db.session()
    frozen = classroom.frozen_board if classroom.frozen_at is not None else None
    if frozen is not None:
        rows = [Standing.from_json(row) for row in frozen.get("standings", [])]
        # a board frozen before per-scenario progress was kept shows today's progress
        grid = as_grid(frozen["progress"]) if "progress" in frozen else None
    else:
        rows = standings(session, classroom.id)
        grid = None
    live = progress_grid(classroom.id) if grid is None or trainee else {}
    grid = live if grid is None else grid
    scenarios = class_scenarios(classroom)
    ids = [scenario_id for scenario_id, _scenario in scenarios]
    places = ranked(rows)
    # the words of each row made here, not by template macros: 300 rows every 2 seconds
    table = [
        (
            rank,
            row,
            cells(grid, row.trainee_id, ids),
            trainee is not None and row.trainee_id == trainee.id,
        )
        for rank, row in (places if classroom.board != "aggregate" else [])
    ]
    totals = summary(rows, len(scenarios))
    response = render(
        "classroom/board.html",
        block=block,
        classroom=classroom,
        trainee=trainee,
        instructor=trainee is None,
        style=classroom.board,
        ranked=table,
        totals=totals,
        per_scenario=scenario_totals(grid, scenarios, (row.trainee_id for row in rows)),
        you=_you(trainee, rows, places, totals, live, scenarios) if trainee else None,
        scenarios=scenarios,
        columns=[scenario.title if scenario else sid for sid, scenario in scenarios],
        frozen=frozen is not None,
        poll=POLL if classroom.is_open else None,
        join_url=join_url(classroom),
        boards=BOARD_STYLES,
        status_message=status_message,
        focus="freeze-toggle" if status_message else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _you(
    trainee: Trainee,
    rows: list[Standing],
    places: list[tuple[int | None, Standing]],
    totals: dict[str, Any],
    live: Grid,
    scenarios: list[tuple[str, Scenario | None]],
) -> dict[str, Any]:
    """What the trainee's own line says: their place on the board as the room sees it (frozen
    or live), and their progress now, which a frozen board may not show yet."""
    row = next((r for r in rows if r.trainee_id == trainee.id), None)
    rank = next((place for place, r in places if r.trainee_id == trainee.id), None)
    mine = live.get(trainee.id, {})
    if len(scenarios) == 1:
        now = run_progress(mine.get(scenarios[0][0])) if mine else None
    else:
        now = (
            "; ".join(
                f"{scenario.title if scenario else scenario_id}: {run_progress(mine.get(scenario_id))}"
                for scenario_id, scenario in scenarios
            )
            if mine
            else None
        )
    return {
        "on_board": row is not None and row.runs > 0,
        "rank": rank,
        "of": totals["started"],
        "score": row.score if row else None,
        "progress": now,
    }


@bp.get("/classes/<code>/moments")
def moments(code: str) -> Response:
    """How the class split at each key moment, as bars with counts and percentages."""
    classroom, trainee = viewer(code)
    frozen = classroom.frozen_board if classroom.frozen_at is not None else None
    split = class_split(classroom, current_scenarios(classroom))
    # during a discussion the room sees a moment's split once the instructor has revealed it
    held: set[str] = set()
    if trainee is not None and classroom.discussion is not None:
        held = {f"{m.scenario_id}/{m.scene}" for m in split} - revealed_keys(classroom)
    response = render(
        "classroom/moments.html",
        block="moments",
        classroom=classroom,
        trainee=trainee,
        instructor=trainee is None,
        split=split,
        held=held,
        frozen=frozen is not None,
        poll=POLL if classroom.is_open else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def class_split(classroom: Classroom, scenarios: list[Scenario]) -> list[Moment]:
    """How the room chose at each key moment of these scenarios (first attempts): the frozen
    snapshot while the board is frozen, else the live counts."""
    frozen = classroom.frozen_board if classroom.frozen_at is not None else None
    if frozen is not None:
        counts = as_counts(frozen.get("counts", []))
    else:
        counts = choice_counts(db.session(), classroom.id, scenarios)
    digests = {digest for _s, digest, *_rest in counts}
    versions = {digest: plays.pinned_version(digest) for digest in digests}
    return moment_split(counts, scenarios, versions)
