"""The end-of-session summary, for the instructor (printable): the room's split at each key
moment with the author's ratings, the strengths and growth edges the debriefs named most
often, and the ruptures opened and repaired. Counted runs only (first attempts, finished),
as on the board; never a trainee's name or typed words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import db, engine
from .. import play as plays
from ..auth import instructor_required
from ..engine import Scenario
from ..models import Classroom, Run
from ..standings import choice_counts, moment_split, standings
from ..web import render
from . import bp
from .discussion import Slide, key_moments, slide
from .evidence import class_steps
from .progress import progress_grid, scenario_totals
from .shared import ENDED, class_scenarios, current_scenarios, owned_class

TOP = 5  # how many strengths and growth edges the page names
_AT_CHOICE = re.compile(r",? at choice \d+")


@dataclass
class Theme:
    """Something several debriefs named, in one scenario, and how many trainees it was."""

    scenario: str
    title: str
    detail: str
    count: int = 0


@dataclass
class RuptureTally:
    """Ruptures of one type opened at one line of a scenario, and how many were repaired."""

    scenario: str
    kind: str
    line: str | None
    opened: int = 0
    repaired: int = 0


def counted_debriefs(classroom: Classroom) -> list[tuple[Scenario, engine.Debrief]]:
    """The debrief of each counted, finished run (a first attempt by a trainee still in the
    class), from the stored steps and the run's pinned scenario version."""
    session = db.session()
    query = (
        select(Run)
        .where(
            Run.classroom_id == classroom.id,
            Run.attempt == 1,
            Run.is_test.is_(False),
            Run.trainee_id.is_not(None),
            Run.finished.is_(True),
        )
        .order_by(Run.started_at, Run.id)
    )
    runs = list(session.scalars(query))
    steps = class_steps(session, classroom.id)
    library = plays.library()
    built = []
    for run in runs:
        scenario = library.version(run.scenario_digest) or library.version(
            run.scenario_digest, run.scenario_source
        )
        if scenario is None:
            continue
        taken = [row.step for row in steps.get(run.id, [])]
        built.append((scenario, engine.build_debrief(scenario, taken, run.play_state)))
    return built


def _add(found: dict[tuple[str, ...], Theme], key: tuple[str, ...], theme: Theme) -> None:
    found.setdefault(key, theme).count += 1


def themes(debriefs: Sequence[tuple[Scenario, engine.Debrief]]) -> tuple[list[Theme], list[Theme]]:
    """The strengths (each debrief's first) and growth edges (where a reply strained the
    alliance, or a safety step was missed) most often named, most common first."""
    strengths: dict[tuple[str, ...], Theme] = {}
    edges: dict[tuple[str, ...], Theme] = {}
    for scenario, report in debriefs:
        best = report.strengths[0]
        title = _AT_CHOICE.sub("", best.title)
        said = best.said or best.detail
        _add(strengths, (scenario.id, title, said), Theme(scenario.title, title, said))
        growth = report.growth
        if growth is not None and growth.harmed:
            where = f"At “{growth.client}”" if growth.client else "In the session"
            what = f"{where}, the reply “{growth.say}”" if growth.say else where
            key = (scenario.id, growth.scene, growth.say or "")
            _add(edges, key, Theme(scenario.title, what, growth.lesson))
    ranked = sorted(strengths.values(), key=lambda t: -t.count)[:TOP]
    return ranked, sorted(edges.values(), key=lambda t: -t.count)[:TOP]


def rupture_tallies(debriefs: Sequence[tuple[Scenario, engine.Debrief]]) -> list[RuptureTally]:
    """Ruptures by scenario, type and the client's line where they opened."""
    found: dict[tuple[str, str, str], RuptureTally] = {}
    for scenario, report in debriefs:
        for rupture in report.ruptures:
            key = (scenario.id, rupture.type, rupture.opened_at)
            tally = found.setdefault(
                key, RuptureTally(scenario.title, rupture.type, rupture.opened_line)
            )
            tally.opened += 1
            tally.repaired += 1 if rupture.repaired else 0
    return list(found.values())


def moment_slides(classroom: Classroom, scenarios: list[Scenario]) -> list[Slide]:
    """Every key moment with the room's live split (not a frozen board's) and the ratings."""
    counts = choice_counts(db.session(), classroom.id, scenarios)
    library = plays.library()
    versions = {digest: library.version(digest) for _s, digest, *_rest in counts}
    split = moment_split(counts, scenarios, versions)
    moments = key_moments(scenarios)
    return [shown for i in range(len(moments)) if (shown := slide(moments, i, split))]


@bp.get("/classes/<code>/summary")
@instructor_required(ENDED)
def summary(code: str) -> Response:
    """The end-of-session summary: for the instructor's notes and the next class."""
    classroom = owned_class(code)
    session = db.session()
    scenarios = current_scenarios(classroom)
    debriefs = counted_debriefs(classroom)
    strengths, edges = themes(debriefs)
    rows = standings(session, classroom.id)
    response = render(
        "classroom/summary.html",
        classroom=classroom,
        per_scenario=scenario_totals(
            progress_grid(session, classroom.id),
            class_scenarios(classroom),
            (row.trainee_id for row in rows),
        ),
        slides=moment_slides(classroom, scenarios),
        strengths=strengths,
        edges=edges,
        ruptures=rupture_tallies(debriefs),
        debriefs=len(debriefs),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
