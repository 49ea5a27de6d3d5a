"""The instructor's views of a class session: create, dashboard, code screen, close, freeze,
a trainee's runs (rename, remove, debriefs) and the exports."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

import segno
from flask import abort, flash, redirect, request, url_for
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from .. import db
from .. import play as plays
from ..auth import current_instructor, instructor_required
from ..models import (
    BOARDS,
    MODES,
    Classroom,
    Instructor,
    Run,
    Trainee,
    class_made_with,
    classes_with_counts,
    detach_runs,
    now,
    trainee_runs,
)
from ..standings import COLUMNS, choice_counts, export_rows, iso, own_words_text, standings, summary
from ..web import is_htmx, render
from ..words import POLL
from . import bp
from .codes import CLASS_NAME_MAX, NAME_MAX, clean_name, name_key, new_code
from .evidence import (
    GROUP_VOTE_COLUMNS,
    MOMENT_COLUMNS,
    csv_download,
    group_vote_rows,
    moment_rows,
)
from .progress import cells, grid_json, progress_grid, scenario_totals
from .room import board_page
from .shared import (
    BOARD_STYLES,
    ENDED,
    class_scenarios,
    current_scenarios,
    join_url,
    name_is_taken,
    owned_class,
)

MODE_NOTES = {
    "practice": "Meters, feedback after each reply and hints while playing.",
    "assessment": "As in a real session: feedback only in the debrief.",
}


@bp.get("/classes")
@instructor_required(ENDED)
def classes() -> Response:
    """The instructor's class sessions, newest first, with how many have joined each."""
    instructor = current_instructor()
    assert instructor is not None
    rows = classes_with_counts(db.session(), instructor.id)
    titles = {scenario.id: scenario.title for scenario, _digest in plays.library().scenarios()}
    return render("classroom/index.html", rows=rows, titles=titles)


@bp.get("/classes/new")
@instructor_required(ENDED)
def new() -> Response:
    """The form for a new class session."""
    return _new_form(
        {"mode": "practice", "board": "anonymous", "scenarios": [], "words": "optional"}, {}
    )


def _new_form(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    scenarios = [scenario for scenario, _digest in plays.library().scenarios()]
    return render(
        "classroom/new.html",
        status=status,
        scenarios=scenarios,
        values=values,
        errors=errors,
        modes=MODE_NOTES,
        boards=BOARD_STYLES,
    )


@bp.post("/classes")
@instructor_required(ENDED)
def create() -> Response:
    """Create a class session with a fresh join code; a bad form comes back with every value."""
    instructor = current_instructor()
    assert instructor is not None
    name = " ".join(request.form.get("name", "").split())
    chosen = request.form.getlist("scenarios")
    mode = request.form.get("mode", "")
    board = request.form.get("board", "")
    words = request.form.get("words", "optional")
    values = {"name": name, "scenarios": chosen, "mode": mode, "board": board, "words": words}
    available = {scenario.id for scenario, _digest in plays.library().scenarios()}
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Please give the class session a name, such as the course and date."
    elif len(name) > CLASS_NAME_MAX:
        errors["name"] = f"The name can be at most {CLASS_NAME_MAX} characters."
    scenario_ids = list(dict.fromkeys(chosen))  # in the order ticked, once each
    if not scenario_ids:
        errors["scenarios"] = "Choose at least one scenario."
    elif any(s not in available for s in scenario_ids):
        errors["scenarios"] = "One of those scenarios is no longer in the library; choose again."
    if mode not in MODES:
        errors["mode"] = "Choose practice or assessment mode."
    if board not in BOARDS:
        errors["board"] = "Choose a scoreboard style."
    if words not in ("optional", "required", "open"):
        errors["words"] = "Choose whether own words come first optionally, always or at every turn."
    if errors:
        return _new_form(values, errors, status=400)
    classroom = insert_with_code(
        instructor,
        name,
        scenario_ids,
        mode,
        board,
        words_required=words in ("required", "open"),
        open_response=words == "open",
        form_token=form_token(),
    )
    return redirect(url_for("classroom.dashboard", code=classroom.code), 303)


def form_token() -> str | None:
    """The form's one-time token (`once`), if it sent a sound one."""
    token = request.form.get("once", "")
    return token if 8 <= len(token) <= 40 and token.isascii() else None


def insert_with_code(
    instructor: Instructor,
    name: str,
    scenario_ids: list[str],
    mode: str,
    board: str,
    words_required: bool = False,
    open_response: bool = False,
    form_token: str | None = None,
) -> Classroom:
    """A new class session with a fresh join code; the one its form already made, when the
    same form is sent again (a double click, or two clicks at once). The token is kept
    bound to what the form asked for: the form sent again with other contents (changed
    after Back) makes the class session it now asks for, not a silent return to the first."""
    session = db.session()
    if form_token is not None:
        asked = [form_token, name, scenario_ids, mode, board, words_required, open_response]
        form_token = hashlib.sha256(json.dumps(asked).encode()).hexdigest()[:40]
    made = class_made_with(session, instructor.id, form_token)
    if made is not None:
        return made
    for _attempt in range(20):
        classroom = Classroom(
            code=new_code(),
            name=name,
            instructor_id=instructor.id,
            scenario_ids=scenario_ids,
            mode=mode,
            board=board,
            words_required=words_required,
            open_response=open_response,
            form_token=form_token,
        )
        session.add(classroom)
        try:
            session.commit()
            return classroom
        except IntegrityError:
            session.rollback()
            made = class_made_with(session, instructor.id, form_token)
            if made is not None:  # the other click committed first
                return made
            # else the code is taken (one chance in millions): draw again
    abort(503)


@bp.get("/classes/<code>")
@instructor_required(ENDED)
def dashboard(code: str) -> Response:
    """The instructor's dashboard: the join code, the roster with progress, the controls."""
    classroom = owned_class(code)
    session = db.session()
    rows = standings(session, classroom.id)
    grid = progress_grid(classroom.id)
    scenarios = class_scenarios(classroom)
    ids = [scenario_id for scenario_id, _scenario in scenarios]
    response = render(
        "classroom/dashboard.html",
        block="roster",
        classroom=classroom,
        rows=[(row, cells(grid, row.trainee_id, ids)) for row in rows],
        columns=[scenario.title if scenario else sid for sid, scenario in scenarios],
        per_scenario=scenario_totals(grid, scenarios, (row.trainee_id for row in rows)),
        # /classes/<code>/trainees/<id>, made once rather than by url_for for each of 300 rows
        trainees_url=url_for("classroom.dashboard", code=classroom.code) + "/trainees",
        scenarios=scenarios,
        totals=summary(rows, len(scenarios)),
        join_url=join_url(classroom),
        qr=None if is_htmx() else qr_markup(classroom),
        boards=BOARD_STYLES,
        poll=POLL if classroom.is_open else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/classes/<code>/code")
@instructor_required(ENDED)
def code_screen(code: str) -> Response:
    """The join code, its URL and QR code, as large as the screen allows, for a projector."""
    classroom = owned_class(code)
    return render(
        "classroom/code.html",
        classroom=classroom,
        join_url=join_url(classroom),
        qr=qr_markup(classroom),
    )


def qr_markup(classroom: Classroom) -> Markup:
    """An inline SVG QR code of the join URL, dark on light in either colour scheme."""
    return qr_of(join_url(classroom))


def qr_of(url: str) -> Markup:
    """An inline SVG QR code of one of our own URLs, named for screen readers."""
    return Markup(_qr_svg(url))  # noqa: S704  (segno's SVG of our own URL)


@lru_cache(maxsize=256)
def _qr_svg(url: str) -> str:
    # drawing one takes a while (about 20 ms): a class's code is drawn once per process
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=4, omitsize=True, dark="#000", light="#fff", svgclass="qr-code"
    )
    label = Markup.escape(f"QR code: scan it to open {url}")
    return str(svg).replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


@bp.post("/classes/<code>/close")
@instructor_required(ENDED)
def close(code: str) -> Response:
    """Close the class session: no more joins or choices; everything is kept."""
    classroom = owned_class(code)
    if classroom.closed_at is None:
        classroom.closed_at = now()
        db.session().commit()
        flash(
            "The class session is closed. Every run and debrief is kept; "
            "reopen it from here if you closed it too soon."
        )
    return redirect(url_for("classroom.dashboard", code=classroom.code), 303)


@bp.post("/classes/<code>/freeze")
@instructor_required(ENDED)
def freeze(code: str) -> Response:
    """Freeze the board: the room sees this moment's standings while play goes on."""
    classroom = owned_class(code)
    if classroom.frozen_at is None:
        session = db.session()
        classroom.frozen_board = {
            "standings": [row.as_json() for row in standings(session, classroom.id)],
            "counts": [
                list(row)
                for row in choice_counts(session, classroom.id, current_scenarios(classroom))
            ],
            "progress": grid_json(progress_grid(classroom.id)),
        }
        classroom.frozen_at = now()
        session.commit()
    return _after_board_change(classroom, "The board is frozen: the room sees it as it is now.")


@bp.post("/classes/<code>/unfreeze")
@instructor_required(ENDED)
def unfreeze(code: str) -> Response:
    """Unfreeze the board: it shows the live standings again."""
    classroom = owned_class(code)
    if classroom.frozen_at is not None:
        classroom.frozen_at = None
        classroom.frozen_board = None
        db.session().commit()
    return _after_board_change(classroom, "The board is live again.")


def _after_board_change(classroom: Classroom, message: str) -> Response:
    back = request.form.get("back")
    if back == "dashboard":
        flash(message)
        return redirect(url_for("classroom.dashboard", code=classroom.code), 303)
    if is_htmx():
        return board_page(classroom, None, block="area", status_message=message)
    return redirect(url_for("classroom.board", code=classroom.code), 303)


# -- a trainee in the roster ---------------------------------------------------------------


def _roster_member(classroom: Classroom, trainee_id: int) -> Trainee:
    trainee = db.session().get(Trainee, trainee_id)
    if trainee is None or trainee.classroom_id != classroom.id:
        abort(404)
    return trainee


@bp.get("/classes/<code>/trainees/<id:trainee_id>")
@instructor_required(ENDED)
def trainee(code: str, trainee_id: int) -> Response:
    """One trainee for the instructor: their runs, reactions and debriefs; rename, remove."""
    classroom = owned_class(code)
    found = _roster_member(classroom, trainee_id)
    return _trainee_page(classroom, found, name=found.name)


def _trainee_page(
    classroom: Classroom, found: Trainee, name: str, error: str | None = None, status: int = 200
) -> Response:
    runs = trainee_runs(db.session(), found.id, classroom.id)
    response = render(
        "classroom/member.html",
        status=status,
        classroom=classroom,
        trainee=found,
        runs=runs,
        endings={run.id: _ending_title(run) for run in runs if run.ending},
        name=name,
        error=error,
        name_max=NAME_MAX,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _ending_title(run: Run) -> str:
    """The title the author gave the run's ending (in the version it played), else its id."""
    scenario = plays.pinned_version(run.scenario_digest)
    scene = scenario.scenes.get(run.ending or "") if scenario else None
    return scene.ending if scene is not None and scene.ending else run.ending or ""


@bp.post("/classes/<code>/trainees/<id:trainee_id>/rename")
@instructor_required(ENDED)
def rename(code: str, trainee_id: int) -> Response:
    """Give a trainee another display name (unique in the class, as when joining)."""
    classroom = owned_class(code)
    found = _roster_member(classroom, trainee_id)
    name, error = clean_name(request.form.get("name", ""))
    key = name_key(name)
    if error is None and name_is_taken(classroom, key, but=found.id):
        error = f"Someone in this class is already called {name}."
    if error is not None:
        return _trainee_page(classroom, found, name=name, error=error, status=400)
    old = found.name
    found.name, found.key = name, key
    _patch_snapshot(classroom, found.id, name)
    try:
        db.session().commit()
    except IntegrityError:
        db.session().rollback()
        return _trainee_page(
            classroom,
            found,
            name=name,
            error=f"Someone in this class is already called {name}.",
            status=409,
        )
    flash(f"Renamed {old} to {name}.")
    return redirect(url_for("classroom.trainee", code=classroom.code, trainee_id=found.id), 303)


@bp.post("/classes/<code>/trainees/<id:trainee_id>/remove")
@instructor_required(ENDED)
def remove(code: str, trainee_id: int) -> Response:
    """Remove a trainee from the class. Their runs are kept, detached from the name: they stay
    in the export as a removed trainee's and leave the scoreboard and the moments."""
    classroom = owned_class(code)
    found = _roster_member(classroom, trainee_id)
    session = db.session()
    detach_runs(session, found.id)
    _patch_snapshot(classroom, found.id, None)
    name = found.name
    session.delete(found)
    session.commit()
    flash(
        f"Removed {name} from the class. Their runs are kept in the export, marked as a removed trainee's."
    )
    return redirect(url_for("classroom.dashboard", code=classroom.code), 303)


def _patch_snapshot(classroom: Classroom, trainee_id: int, name: str | None) -> None:
    """A frozen board shows a renamed trainee's new name and drops a removed one."""
    if not classroom.frozen_board:
        return
    rows = []
    for row in classroom.frozen_board.get("standings", []):
        if row.get("trainee_id") == trainee_id:
            if name is None:
                continue
            row = {**row, "name": name}
        rows.append(row)
    classroom.frozen_board = {**classroom.frozen_board, "standings": rows}


@bp.get("/classes/<code>/runs/<run_id>/debrief")
@instructor_required(ENDED)
def run_debrief(code: str, run_id: str) -> Response:
    """A trainee's debrief, for the instructor of their class only."""
    classroom = owned_class(code)
    run = db.session().get(Run, run_id) if len(run_id) <= 64 else None
    if run is None or run.classroom_id != classroom.id or run.is_test:
        abort(404)
    person = db.session().get(Trainee, run.trainee_id) if run.trainee_id is not None else None
    if not run.finished:
        flash("That run isn't finished yet: its debrief appears when it ends.")
        if person is not None:
            return redirect(
                url_for("classroom.trainee", code=classroom.code, trainee_id=person.id), 303
            )
        return redirect(url_for("classroom.dashboard", code=classroom.code), 303)
    return plays.debrief_page(
        run,
        review={
            "classroom": classroom,
            "trainee": person.name if person is not None else None,
            "back": url_for("classroom.trainee", code=classroom.code, trainee_id=person.id)
            if person is not None
            else url_for("classroom.dashboard", code=classroom.code),
        },
    )


# -- exports -------------------------------------------------------------------------------


def _filename(classroom: Classroom, extension: str) -> str:
    return f"rapport-{classroom.code}-results.{extension}"


@bp.get("/classes/<code>/export.csv")
@instructor_required(ENDED)
def export_csv(code: str) -> Response:
    """Every run of the class as CSV, one row per run."""
    classroom = owned_class(code)
    rows = export_rows(db.session(), classroom.id)
    for row in rows:
        row["own_words"] = own_words_text(row["own_words"])
    return csv_download(COLUMNS, rows, _filename(classroom, "csv"))


@bp.get("/classes/<code>/export.json")
@instructor_required(ENDED)
def export_json(code: str) -> Response:
    """Every run of the class as JSON: the class session, then one object per run."""
    classroom = owned_class(code)
    document = {
        "classroom": {
            "code": classroom.code,
            "name": classroom.name,
            "mode": classroom.mode,
            "board": classroom.board,
            "own_words": "open response"
            if classroom.open_response
            else ("required" if classroom.words_required else "optional"),
            "scenarios": classroom.scenario_ids,
            "created_at": iso(classroom.created_at),
            "closed_at": iso(classroom.closed_at),
        },
        "columns": list(COLUMNS),
        "runs": export_rows(db.session(), classroom.id),
        # one row per trainee and key moment, as in the moments CSV
        "moment_columns": list(MOMENT_COLUMNS),
        "moments": moment_rows(classroom.id),
        # one row per trainee and step of each group run, as in the group votes CSV
        "group_vote_columns": list(GROUP_VOTE_COLUMNS),
        "group_votes": group_vote_rows(classroom.id),
    }
    response = Response(
        json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(classroom, "json")}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
