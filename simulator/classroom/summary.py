"""The end-of-session summary, for the instructor (printable): the room's split at each key
moment with the author's ratings, the strengths and growth edges the debriefs named most
often, and the ruptures opened and repaired. Counted runs only (first attempts, finished),
as on the board; never a trainee's name or typed words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from werkzeug.wrappers import Response

from .. import db, engine
from .. import play as plays
from ..auth import instructor_required
from ..class_results import finished_first_attempts, runs_with_steps
from ..engine import Scenario
from ..models import Classroom
from ..standings import choice_counts, moment_split, standings
from ..web import render
from . import bp
from .discussion import Slide, key_moments, slide
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


@dataclass(frozen=True)
class Facts:
    """What the summary takes from one finished run's debrief: its first strength, its growth
    edge (where a reply strained the alliance or a safety step was missed), its ruptures."""

    scenario_id: str
    scenario: str
    strength: tuple[str, str]  # title (no "at choice N"), detail
    edge: tuple[str, str, str] | None  # key, what happened, the lesson
    ruptures: tuple[tuple[str, str, str | None, bool], ...]  # type, scene, line, repaired


# a finished run's debrief never changes (reactions aside, which the summary leaves out), so
# each is built once per process: a reload of the summary reads the facts from here
_FACTS: dict[tuple[str, str, int], Facts] = {}
_FACTS_MAX = 20_000


def facts_of(scenario: Scenario, report: engine.Debrief) -> Facts:
    """The summary's facts from one debrief."""
    best = report.strengths[0]
    edge = None
    growth = report.growth
    if growth is not None and growth.harmed:
        where = f"At “{growth.client}”" if growth.client else "In the session"
        what = f"{where}, the reply “{growth.say}”" if growth.say else where
        edge = (f"{growth.scene}/{growth.say or ''}", what, growth.lesson)
    return Facts(
        scenario_id=scenario.id,
        scenario=scenario.title,
        strength=(_AT_CHOICE.sub("", best.title), best.said or best.detail),
        edge=edge,
        ruptures=tuple((r.type, r.opened_at, r.opened_line, r.repaired) for r in report.ruptures),
    )


def counted_facts(classroom: Classroom) -> list[Facts]:
    """The facts of each counted, finished run (a first attempt by a trainee still in the
    class): built from the stored steps and the run's pinned version the first time."""
    keys = finished_first_attempts(db.session(), classroom.id)
    missing = [key[0] for key in keys if key not in _FACTS]
    for chunk in range(0, len(missing), 500):
        _build(missing[chunk : chunk + 500])
    return [_FACTS[key] for key in keys if key in _FACTS]


def _build(run_ids: list[str]) -> None:
    found = runs_with_steps(db.session(), run_ids)
    if len(_FACTS) + len(found) > _FACTS_MAX:
        _FACTS.clear()
    for run, steps in found:
        scenario = plays.pinned_version(run.scenario_digest)
        if scenario is not None:
            report = engine.build_debrief(scenario, steps, run.play_state)
            _FACTS[(run.id, run.scenario_digest, run.steps)] = facts_of(scenario, report)


def _add(found: dict[tuple[str, ...], Theme], key: tuple[str, ...], theme: Theme) -> None:
    found.setdefault(key, theme).count += 1


def themes(facts: Sequence[Facts]) -> tuple[list[Theme], list[Theme]]:
    """The strengths and growth edges most often named, most common first."""
    strengths: dict[tuple[str, ...], Theme] = {}
    edges: dict[tuple[str, ...], Theme] = {}
    for fact in facts:
        title, detail = fact.strength
        _add(strengths, (fact.scenario_id, title, detail), Theme(fact.scenario, title, detail))
        if fact.edge is not None:
            key, what, lesson = fact.edge
            _add(edges, (fact.scenario_id, key), Theme(fact.scenario, what, lesson))
    ranked = sorted(strengths.values(), key=lambda t: -t.count)[:TOP]
    return ranked, sorted(edges.values(), key=lambda t: -t.count)[:TOP]


def rupture_tallies(facts: Sequence[Facts]) -> list[RuptureTally]:
    """Ruptures by scenario, type and the client's line where they opened."""
    found: dict[tuple[str, str, str], RuptureTally] = {}
    for fact in facts:
        for kind, scene, line, repaired in fact.ruptures:
            tally = found.setdefault(
                (fact.scenario_id, kind, scene), RuptureTally(fact.scenario, kind, line)
            )
            tally.opened += 1
            tally.repaired += 1 if repaired else 0
    return list(found.values())


def moment_slides(classroom: Classroom, scenarios: list[Scenario]) -> list[Slide]:
    """Every key moment with the room's live split (not a frozen board's) and the ratings."""
    counts = choice_counts(db.session(), classroom.id, scenarios)
    digests = {digest for _s, digest, *_rest in counts}
    versions = {digest: plays.pinned_version(digest) for digest in digests}
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
    facts = counted_facts(classroom)
    strengths, edges = themes(facts)
    rows = standings(session, classroom.id)
    response = render(
        "classroom/summary.html",
        classroom=classroom,
        per_scenario=scenario_totals(
            progress_grid(classroom.id),
            class_scenarios(classroom),
            (row.trainee_id for row in rows),
        ),
        slides=moment_slides(classroom, scenarios),
        strengths=strengths,
        edges=edges,
        ruptures=rupture_tallies(facts),
        debriefs=len(facts),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
