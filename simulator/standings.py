"""Class results as read queries over stored columns: the scoreboard, the moments, the export.

Nothing here replays a run. Each function is one indexed query over the columns a Run keeps
up to date on every choice (steps, finished, score, rupture counts) or over the Step rows.

What counts on the scoreboard and in the moments: each trainee's first run of each of the
class's scenarios (Run.attempt == 1, numbered when the run starts; a replay is practice, and
a board that a replay could change would invite score-fishing). Test runs and runs of removed
trainees never count. The export lists every run, replays and removed trainees included.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from .engine import METERS, Scenario
from .models import Run, StepRow, Trainee
from .words import OUTCOMES as OUTCOME_WORDS


@dataclass(frozen=True)
class Standing:
    """One trainee's row on the scoreboard: their counted runs added up."""

    trainee_id: int
    name: str
    runs: int  # counted runs started (at most one per class scenario)
    finished: int  # of those, how many have ended
    steps: int
    score: int | None  # the mean alliance score of the counted runs; None before any run
    ruptures_opened: int
    ruptures_repaired: int

    def as_json(self) -> dict[str, Any]:
        """A plain dict, for a frozen board's snapshot."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Standing:
        """A row back from a frozen board's snapshot."""
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


def _first_attempts(classroom_id: int) -> tuple[Any, ...]:
    """Which runs count: the class's first attempts by trainees still in it, never a test."""
    return (
        Run.classroom_id == classroom_id,
        Run.attempt == 1,
        Run.is_test.is_(False),
        Run.trainee_id.is_not(None),
    )


def standings_query(classroom_id: int) -> Select[*tuple[Any, ...]]:
    """Every trainee of the class with their counted runs added up, in joining order."""
    counted = (
        select(
            Run.trainee_id,
            func.count().label("runs"),
            func.sum(case((Run.finished, 1), else_=0)).label("finished"),
            func.sum(Run.steps).label("steps"),
            func.avg(Run.score).label("score"),
            func.sum(Run.ruptures_opened).label("opened"),
            func.sum(Run.ruptures_repaired).label("repaired"),
        )
        .where(*_first_attempts(classroom_id))
        .group_by(Run.trainee_id)
        .subquery("counted")
    )
    return (
        select(
            Trainee.id,
            Trainee.name,
            func.coalesce(counted.c.runs, 0),
            func.coalesce(counted.c.finished, 0),
            func.coalesce(counted.c.steps, 0),
            counted.c.score,
            func.coalesce(counted.c.opened, 0),
            func.coalesce(counted.c.repaired, 0),
        )
        .outerjoin(counted, counted.c.trainee_id == Trainee.id)
        .where(Trainee.classroom_id == classroom_id)
        .order_by(Trainee.joined_at, Trainee.id)
    )


def standings(db: Session, classroom_id: int) -> list[Standing]:
    """The scoreboard's rows, one per trainee, from one read query."""
    return [
        Standing(
            trainee_id=row[0],
            name=row[1],
            runs=int(row[2]),
            finished=int(row[3]),
            steps=int(row[4]),
            # round half up, as the alliance score itself does
            score=None if row[5] is None else int(float(row[5]) + 0.5),
            ruptures_opened=int(row[6]),
            ruptures_repaired=int(row[7]),
        )
        for row in db.execute(standings_query(classroom_id))
    ]


def ranked(rows: Sequence[Standing]) -> list[tuple[int | None, Standing]]:
    """Rows by alliance score, highest first, with shared ranks for ties (1, 2, 2, 4);
    trainees who have not started come last, unranked, in joining order."""
    playing = sorted(
        (r for r in rows if r.score is not None),
        key=lambda r: (-(r.score or 0), -r.finished, -r.steps),
    )
    out: list[tuple[int | None, Standing]] = []
    for position, row in enumerate(playing, start=1):
        previous = out[-1] if out else None
        same = previous is not None and previous[1].score == row.score
        out.append((previous[0] if same and previous else position, row))
    out += [(None, r) for r in rows if r.score is None]
    return out


BANDS = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))


def summary(rows: Sequence[Standing], scenarios: int) -> dict[str, Any]:
    """The aggregate board: counts, means and a distribution; never a row per person.
    A trainee has finished when they have finished each of the class's `scenarios`."""
    playing = [r for r in rows if r.runs]
    scores = [r.score for r in playing if r.score is not None]
    opened = sum(r.ruptures_opened for r in playing)
    repaired = sum(r.ruptures_repaired for r in playing)
    bands = [
        {"low": low, "high": high, "count": sum(1 for s in scores if low <= s <= high)}
        for low, high in BANDS
    ]
    for band in bands:
        band["percent"] = _percent(band["count"], len(scores))
    return {
        "joined": len(rows),
        "started": len(playing),
        "finished": sum(1 for r in playing if r.finished >= max(scenarios, 1)),
        "mean": round(statistics.fmean(scores)) if scores else None,
        "median": round(statistics.median(scores)) if scores else None,
        "steps": round(statistics.fmean(r.steps for r in playing), 1) if playing else None,
        "opened": opened,
        "repaired": repaired,
        "repaired_percent": _percent(repaired, opened),
        "bands": bands,
    }


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


# -- moments -------------------------------------------------------------------------------


def split_query(classroom_id: int, scenes: Collection[str]) -> Select[*tuple[Any, ...]]:
    """How many counted runs made each choice at each of these scenes, per scenario version."""
    return (
        select(Run.scenario_id, Run.scenario_digest, StepRow.scene, StepRow.choice, func.count())
        .join(StepRow, StepRow.run_id == Run.id)
        .where(*_first_attempts(classroom_id), StepRow.scene.in_(sorted(scenes)))
        .group_by(Run.scenario_id, Run.scenario_digest, StepRow.scene, StepRow.choice)
    )


Counts = list[tuple[str, str, str, int, int]]


def choice_counts(db: Session, classroom_id: int, scenarios: Sequence[Scenario]) -> Counts:
    """(scenario id, version digest, scene, choice index, count) at the key moments of these
    scenarios, from one grouped query."""
    scenes = moment_scenes(scenarios)
    if not scenes:
        return []
    return as_counts(db.execute(split_query(classroom_id, scenes)))


def moment_scenes(scenarios: Sequence[Scenario]) -> set[str]:
    """The ids of the key moment scenes (with choices) of these scenarios."""
    return {
        scene_id
        for scenario in scenarios
        for scene_id, scene in scenario.scenes.items()
        if scene.moment is not None and scene.choices
    }


def as_counts(rows: Iterable[Sequence[Any]]) -> Counts:
    """Count rows with their types checked (from the query, or a frozen board's JSON)."""
    return [(str(a), str(b), str(c), int(d), int(e)) for a, b, c, d, e in rows]


@dataclass
class Bar:
    """One choice at a key moment and how many of the class made it."""

    say: str
    skill: str | None
    count: int = 0
    percent: int = 0


@dataclass
class Moment:
    """A key moment scene of a scenario and the class's split at it."""

    scenario_id: str
    scenario_title: str
    scene: str
    kind: str
    client: str
    bars: list[Bar]

    @property
    def total(self) -> int:
        """How many choices were made here."""
        return sum(bar.count for bar in self.bars)


def moment_split(
    counts: Counts,
    scenarios: Sequence[Scenario],
    versions: dict[str, Scenario | None],
) -> list[Moment]:
    """Label the grouped counts with the scenarios' words: for each key moment of each class
    scenario (current version), every choice with its count and share. Counts made under an
    earlier version of a scenario are matched to the current one by the words of the choice."""
    moments: dict[tuple[str, str], Moment] = {}
    for scenario in scenarios:
        for scene_id, scene in scenario.scenes.items():
            if scene.moment is None or not scene.choices:
                continue
            moments[(scenario.id, scene_id)] = Moment(
                scenario.id,
                scenario.title,
                scene_id,
                scene.moment,
                scene.client or "",
                [Bar(choice.say, choice.skill) for choice in scene.choices],
            )
    current = {s.id: s for s in scenarios}
    for scenario_id, digest, scene_id, index, count in counts:
        moment = moments.get((scenario_id, scene_id))
        if moment is None:
            continue
        pinned = versions.get(digest) or current.get(scenario_id)
        at = pinned.scenes.get(scene_id) if pinned else None
        if at is None or not at.choices or not 0 <= index < len(at.choices):
            continue
        choice = at.choices[index]
        bar = next((b for b in moment.bars if b.say == choice.say), None)
        if bar is None:  # a choice this version no longer has: keep it, in its own words
            bar = Bar(choice.say, choice.skill)
            moment.bars.append(bar)
        bar.count += count
    for moment in moments.values():
        for bar in moment.bars:
            bar.percent = _percent(bar.count, moment.total)
    return list(moments.values())


# -- export --------------------------------------------------------------------------------

COLUMNS = (
    "trainee",
    "scenario",
    "title",
    "mode",
    "ending",
    "outcome",
    "outcome_words",
    *METERS,
    "alliance_score",
    "ruptures_opened",
    "ruptures_repaired",
    "steps",
    "finished",
    "started_at",
    "finished_at",
    "own_words",
)
REMOVED = "(removed trainee)"


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with the UTC offset (SQLite hands back naive times: they are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def export_rows(db: Session, classroom_id: int) -> list[dict[str, Any]]:
    """One row per run of the class (replays too; test runs never), in the order they began."""
    query = (
        select(Run, Trainee.name)
        .outerjoin(Trainee, Trainee.id == Run.trainee_id)
        .where(Run.classroom_id == classroom_id, Run.is_test.is_(False))
        .order_by(Run.started_at, Run.id)
    )
    rows = []
    written = own_words(db, classroom_id)
    for run, name in db.execute(query):
        meters = run.state.get("meters", {}) if isinstance(run.state, dict) else {}
        rows.append(
            {
                "trainee": name if name is not None else REMOVED,
                "scenario": run.scenario_id,
                "title": run.title,
                "mode": run.mode,
                "ending": run.ending,
                "outcome": run.outcome,
                # the words every page shows for it, so a spreadsheet reads as the board does
                "outcome_words": OUTCOME_WORDS.get(run.outcome) if run.outcome else None,
                **{meter: meters.get(meter) for meter in METERS},
                "alliance_score": run.score,
                "ruptures_opened": run.ruptures_opened,
                "ruptures_repaired": run.ruptures_repaired,
                "steps": run.steps,
                "finished": run.finished,
                "started_at": iso(run.started_at),
                "finished_at": iso(run.finished_at),
                "own_words": written.get(run.id, []),
            }
        )
    return rows


def own_words(db: Session, classroom_id: int) -> dict[str, list[dict[str, Any]]]:
    """What each run's trainee first wrote in their own words, with the reply then chosen."""
    query = (
        select(StepRow.run_id, StepRow.data)
        .join(Run, Run.id == StepRow.run_id)
        .where(Run.classroom_id == classroom_id, Run.is_test.is_(False))
        .order_by(StepRow.run_id, StepRow.number)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for run_id, data in db.execute(query):
        if isinstance(data, dict) and data.get("written"):
            found.setdefault(run_id, []).append(
                {
                    "choice": data.get("number"),
                    "scene": data.get("scene"),
                    "wrote": data["written"],
                    "chose": data.get("say"),
                }
            )
    return found


def own_words_text(entries: Sequence[dict[str, Any]]) -> str:
    """Own words as one spreadsheet cell: a line per moment."""
    return "\n".join(
        f"choice {e['choice']} ({e['scene']}): wrote “{e['wrote']}”; chose “{e['chose']}”"
        for e in entries
    )
