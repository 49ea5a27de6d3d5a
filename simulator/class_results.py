"""More class results as read queries, for the facilitation views (simulator/classroom):
each trainee's progress per scenario, the runs and their key-moment steps for the moments
export, and the counted finished runs behind the session summary. Like standings.py, each
is one query over stored columns; nothing here replays a run."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .engine import Step
from .models import Run, StepRow, Trainee


def progress_rows(db: Session, classroom_id: int) -> list[tuple[int, str, bool, int]]:
    """(trainee id, scenario id, finished, steps) of each counted run: first attempts by
    trainees still in the class, never a test (as standings counts them). The board's
    covering index answers it."""
    query = select(Run.trainee_id, Run.scenario_id, Run.finished, Run.steps).where(
        Run.classroom_id == classroom_id,
        Run.attempt == 1,
        Run.is_test.is_(False),
        Run.trainee_id.is_not(None),
    )
    return [(int(t or 0), str(s), bool(f), int(n)) for t, s, f, n in db.execute(query)]


def class_runs(db: Session, classroom_id: int) -> list[Any]:
    """The class's runs (replays and removed trainees' too; tests never), oldest first, with
    the trainee's name: the narrow columns only, never a run's stored scenario text."""
    query = (
        select(
            Run.id,
            Run.scenario_id,
            Run.title,
            Run.attempt,
            Run.scenario_digest,
            Run.trainee_id,
            Run.open_response,
            Trainee.name,
        )
        .outerjoin(Trainee, Trainee.id == Run.trainee_id)
        .where(Run.classroom_id == classroom_id, Run.is_test.is_(False))
        .order_by(Run.started_at, Run.id)
    )
    return list(db.execute(query))



def class_steps(
    db: Session, classroom_id: int, scenes: Collection[str] | None = None
) -> dict[str, list[StepRow]]:
    """The steps of the class's runs (at these scenes only, if given), by run, in order."""
    query = (
        select(StepRow)
        .join(Run, Run.id == StepRow.run_id)
        .where(Run.classroom_id == classroom_id, Run.is_test.is_(False))
        .order_by(StepRow.run_id, StepRow.number)
    )
    if scenes is not None:
        query = query.where(StepRow.scene.in_(sorted(scenes)))
    found: dict[str, list[StepRow]] = {}
    for row in db.scalars(query):
        found.setdefault(row.run_id, []).append(row)
    return found


def finished_first_attempts(db: Session, classroom_id: int) -> list[tuple[str, str, int]]:
    """(run id, version digest, steps) of each counted run that has ended."""
    query = select(Run.id, Run.scenario_digest, Run.steps).where(
        Run.classroom_id == classroom_id,
        Run.attempt == 1,
        Run.is_test.is_(False),
        Run.trainee_id.is_not(None),
        Run.finished.is_(True),
    )
    return [(str(i), str(d), int(n)) for i, d, n in db.execute(query)]


def runs_with_steps(db: Session, run_ids: Collection[str]) -> list[tuple[Run, list[Step]]]:
    """These runs, each with its choices in order: two queries."""
    runs = list(db.scalars(select(Run).where(Run.id.in_(sorted(run_ids)))))
    steps: dict[str, list[Step]] = {}
    rows = select(StepRow).where(StepRow.run_id.in_(sorted(run_ids))).order_by(StepRow.number)
    for row in db.scalars(rows):
        steps.setdefault(row.run_id, []).append(row.step)
    return [(run, steps.get(run.id, [])) for run in runs]
