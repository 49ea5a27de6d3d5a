"""The class's evidence beside the run rows: one row per trainee and key moment (the reply
chosen, its quality, the words typed first), read from the stored steps and each run's pinned
scenario version; and the moments CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from werkzeug.wrappers import Response

from .. import db
from .. import play as plays
from ..auth import instructor_required
from ..class_results import class_runs, class_steps
from ..engine import Scenario
from ..standings import REMOVED, iso
from ..words import MOMENTS, QUALITY_WORDS
from . import bp
from .shared import ENDED, owned_class

MOMENT_COLUMNS = (
    "trainee",
    "scenario",
    "title",
    "attempt",
    "choice",
    "scene",
    "moment",
    "cue",
    "client",
    "reply",
    "quality",
    "quality_words",
    "own_words",
    "matched_reply",
    "similarity",
    "confirmed",
    "chosen_at",
)


def pinned_versions(runs: Sequence[Any]) -> dict[str, Scenario | None]:
    """Each run's pinned scenario version by digest; the stored text is read only for a
    version this process has not loaded yet."""
    versions: dict[str, Scenario | None] = {}
    for run in runs:
        if run.scenario_digest not in versions:
            versions[run.scenario_digest] = plays.pinned_version(run.scenario_digest)
    return versions


def moment_rows(classroom_id: int) -> list[dict[str, Any]]:
    """One row per run and key moment reached (in open response, per choice: every one was
    typed first): who, where, the reply chosen and its quality, what the trainee wrote first
    in their own words (empty when they skipped it), and what those words matched."""
    session = db.session()
    runs = class_runs(session, classroom_id)
    versions = pinned_versions(runs)
    scenes = {
        scene_id
        for scenario in versions.values()
        if scenario is not None
        for scene_id, scene in scenario.scenes.items()
        if scene.moment is not None
    }
    typed = any(run.open_response for run in runs)  # open response: every step was typed
    steps = class_steps(session, classroom_id, None if typed else scenes)
    rows = []
    for run in runs:
        scenario = versions.get(run.scenario_digest)
        for row in steps.get(run.id, []):
            scene = scenario.scenes.get(row.scene) if scenario else None
            if scene is None or (scene.moment is None and not run.open_response):
                continue
            match = row.match or {}
            data = row.data if isinstance(row.data, dict) else {}
            quality = data.get("quality")
            rows.append(
                {
                    "trainee": run.name if run.name is not None else REMOVED,
                    "scenario": run.scenario_id,
                    "title": run.title,
                    "attempt": run.attempt,
                    "choice": row.number,
                    "scene": row.scene,
                    "moment": MOMENTS.get(scene.moment, scene.moment) if scene.moment else None,
                    "cue": scene.cue,
                    "client": scene.client,
                    "reply": data.get("say"),
                    "quality": quality,
                    "quality_words": QUALITY_WORDS[quality][1]
                    if quality in QUALITY_WORDS
                    else None,
                    "own_words": data.get("written"),
                    "matched_reply": match.get("say"),
                    "similarity": match.get("similarity"),
                    "confirmed": match.get("confirmed"),
                    "chosen_at": iso(row.created_at),
                }
            )
    return rows


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP's advice: a leading ')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def csv_lines(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> Iterator[list[Any]]:
    """The header, then each row's cells (made safe for spreadsheets) in column order."""
    yield list(columns)
    for row in rows:
        yield [cell(row[column]) for column in columns]


@bp.get("/classes/<code>/export-moments.csv")
@instructor_required(ENDED)
def export_moments_csv(code: str) -> Response:
    """One row per trainee and key moment, as CSV (a second sheet beside the run rows)."""
    classroom = owned_class(code)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(csv_lines(MOMENT_COLUMNS, moment_rows(classroom.id)))
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="rapport-{classroom.code}-moments.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
