"""The class's evidence beside the run rows: one row per trainee and key moment (the reply
chosen, its quality, the words typed first), read from the stored steps and each run's pinned
scenario version; one row per trainee and step of each group run (their vote, their own words,
what the room went on with); and those two CSVs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from werkzeug.wrappers import Response

from .. import db, engine, groups
from .. import play as plays
from ..auth import instructor_required
from ..class_results import class_runs, class_steps
from ..engine import Scenario
from ..models import GroupRun, GroupStep, GroupVote
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


GROUP_VOTE_COLUMNS = (
    "group_run",
    "scenario",
    "title",
    "started_at",
    "choice",
    "scene",
    "moment",
    "trainee",
    "own_words",
    "vote",
    "vote_reply",
    "vote_quality",
    "room_choice",
    "room_reply",
    "decided",
    "with_room",
    "voted_at",
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
                    "quality_words": _quality_words(quality),
                    "own_words": data.get("written"),
                    "matched_reply": match.get("say"),
                    "similarity": match.get("similarity"),
                    "confirmed": match.get("confirmed"),
                    "chosen_at": iso(row.created_at),
                }
            )
    return rows


def group_vote_rows(classroom_id: int) -> list[dict[str, Any]]:
    """One row per trainee and step of each group run they answered at, in the order the runs
    started: the letter and reply they voted for (empty if they only wrote), the words they
    wrote first ("" when skipped), and what the room went on with and how it was decided
    (empty at a step the room had not left: the run is at it, or was ended there)."""
    runs, decided, votes = groups.class_votes(db.session(), classroom_id)
    by_group: dict[int, list[tuple[GroupVote, str]]] = {}
    for vote, name in votes:
        by_group.setdefault(vote.group_run_id, []).append((vote, name))
    versions = pinned_versions(runs)
    rows = []
    for group in runs:
        scenario = versions.get(group.scenario_digest)
        seen: dict[int, dict[str, dict[str, Any]]] = {}  # the replies offered, once per step
        for vote, name in by_group.get(group.id, []):
            step = decided.get((group.id, vote.step + 1))  # a step row counts from 1
            scene_id = str(step.data.get("scene")) if step is not None else group.scene
            scene = scenario.scenes.get(scene_id) if scenario else None
            if vote.step not in seen:
                seen[vote.step] = _offered(scenario, group, scene_id, step)
            offered = seen[vote.step]
            chosen = step.votes.get("chosen") if step is not None else None
            mine = offered.get(vote.reply or "", {})
            room = offered.get(str(chosen), {}) if step is not None else {}
            rows.append(
                {
                    "group_run": group.id,
                    "scenario": group.scenario_id,
                    "title": group.title,
                    "started_at": iso(group.started_at),
                    "choice": vote.step + 1,
                    "scene": scene_id,
                    "moment": MOMENTS.get(scene.moment, scene.moment)
                    if scene is not None and scene.moment
                    else None,
                    "trainee": name,
                    "own_words": vote.words,
                    "vote": mine.get("letter"),
                    "vote_reply": mine.get("say"),
                    "vote_quality": _quality_words(mine.get("quality")),
                    "room_choice": room.get("letter"),
                    "room_reply": room.get("say"),
                    "decided": groups.DECIDED.get(step.decided, step.decided) if step else None,
                    "with_room": vote.reply == chosen
                    if step is not None and vote.reply is not None
                    else None,
                    "voted_at": iso(vote.updated_at),
                }
            )
    return rows


def _quality_words(quality: str | None) -> str | None:
    """The author's rating in words ("Strong reply"), or None when unrated."""
    return QUALITY_WORDS[quality][1] if quality in QUALITY_WORDS else None


def _offered(
    scenario: Scenario | None, group: GroupRun, scene_id: str, step: GroupStep | None
) -> dict[str, dict[str, Any]]:
    """The replies the room saw at a step, by identity: the letter and words kept with the
    step (or, at the step the run is on, as offered now), and the author's rating from the
    pinned version."""
    scene = scenario.scenes.get(scene_id) if scenario is not None else None
    offered: dict[str, dict[str, Any]] = {}
    if step is not None:
        offered = {
            str(r["id"]): {"letter": r["letter"], "say": r["say"]} for r in step.votes["replies"]
        }
    elif scenario is not None and scene is not None:
        for now in groups.replies(scenario, group.play_state):
            offered[now.id] = {"letter": now.letter, "say": now.choice.say}
    qualities = {
        engine.reply_id(scene_id, index, choice): choice.quality
        for index, choice in enumerate((scene.choices or []) if scene is not None else [])
    }
    for identity, reply in offered.items():
        reply["quality"] = qualities.get(identity)
    return offered


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


def csv_download(columns: Sequence[str], rows: Sequence[dict[str, Any]], filename: str) -> Response:
    """Rows as a CSV file to download: a byte-order mark first (so spreadsheets read UTF-8),
    cells made safe, never cached."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_lines(columns, rows))
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/classes/<code>/export-moments.csv")
@instructor_required(ENDED)
def export_moments_csv(code: str) -> Response:
    """One row per trainee and key moment, as CSV (a second sheet beside the run rows)."""
    classroom = owned_class(code)
    rows = moment_rows(classroom.id)
    return csv_download(MOMENT_COLUMNS, rows, f"rapport-{classroom.code}-moments.csv")


@bp.get("/classes/<code>/export-votes.csv")
@instructor_required(ENDED)
def export_votes_csv(code: str) -> Response:
    """One row per trainee and step of each group run, as CSV."""
    classroom = owned_class(code)
    rows = group_vote_rows(classroom.id)
    return csv_download(GROUP_VOTE_COLUMNS, rows, f"rapport-{classroom.code}-group-votes.csv")
