"""Each trainee's progress in each of the class's scenarios, and the room's per-scenario totals:
one read query over the runs' covering index (the columns the board already reads)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import db
from ..class_results import progress_rows
from ..engine import Scenario
from ..words import run_progress

# (finished, choices made) of one trainee's counted run of one scenario
Cell = tuple[bool, int]
# trainee id -> scenario id -> their counted run there
Grid = dict[int, dict[str, Cell]]


def progress_grid(classroom_id: int) -> Grid:
    """Each trainee's counted run (first attempt, never a test) of each scenario."""
    return as_grid(progress_rows(db.session(), classroom_id))


def as_grid(rows: Iterable[Sequence[Any]]) -> Grid:
    """Rows of (trainee id, scenario id, finished, steps), from the query or a frozen board."""
    grid: Grid = {}
    for trainee_id, scenario_id, finished, steps in rows:
        grid.setdefault(int(trainee_id), {})[str(scenario_id)] = (bool(finished), int(steps))
    return grid


def grid_json(grid: Grid) -> list[list[Any]]:
    """The grid as plain rows, for a frozen board's snapshot."""
    return [
        [trainee_id, scenario_id, finished, steps]
        for trainee_id, cells in grid.items()
        for scenario_id, (finished, steps) in cells.items()
    ]


def cells(grid: Grid, trainee_id: int, scenario_ids: Sequence[str]) -> list[str]:
    """A trainee's progress in each scenario, in words, in the class's scenario order."""
    mine = grid.get(trainee_id, {})
    return [run_progress(mine.get(scenario_id)) for scenario_id in scenario_ids]


@dataclass(frozen=True)
class ScenarioTotal:
    """How many of the room have started and finished one scenario."""

    scenario_id: str
    title: str
    started: int
    finished: int
    joined: int


def scenario_totals(
    grid: Grid,
    scenarios: Sequence[tuple[str, Scenario | None]],
    trainee_ids: Iterable[int],
) -> list[ScenarioTotal]:
    """Per scenario: started and finished, of everyone who joined (the rows shown)."""
    present = list(trainee_ids)
    totals = []
    for scenario_id, scenario in scenarios:
        runs = [grid[t][scenario_id] for t in present if scenario_id in grid.get(t, {})]
        totals.append(
            ScenarioTotal(
                scenario_id=scenario_id,
                title=scenario.title if scenario else scenario_id,
                started=len(runs),
                finished=sum(1 for finished, _steps in runs if finished),
                joined=len(present),
            )
        )
    return totals
