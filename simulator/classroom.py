"""Class sessions: an instructor's join code, trainees joining by name, a live scoreboard,
the class's split at each key moment, the instructor's dashboard and exports."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import unicodedata
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, NoReturn, TypeVar

import segno
from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    request,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response

from . import db
from . import play as plays
from .auth import current_instructor, instructor_required
from .engine.model import Scenario
from .models import (
    BOARDS,
    MODES,
    Classroom,
    Instructor,
    Run,
    Trainee,
    class_member,
    classes_with_counts,
    classroom_by_code,
    detach_runs,
    joined_classes,
    name_taken,
    next_attempt,
    now,
    trainee_count,
    trainee_runs,
)
from .standings import (
    COLUMNS,
    Standing,
    as_counts,
    choice_counts,
    export_rows,
    iso,
    moment_split,
    own_words_text,
    ranked,
    standings,
    summary,
)
from .web import browser_id, is_htmx, login_ended, message_page, render
from .words import POLL, progress

bp = Blueprint("classroom", __name__)

# No look-alikes: none of 0 O, 1 I L, 2 Z, 5 S, 8 B (with O and 0 gone, D stands alone).
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
CODE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
NAME_MAX = 40
CLASS_NAME_MAX = 120
MAX_TRAINEES = 500
# Only failed join attempts count toward the first limit, so a whole class behind one
# address can join at once while guessing codes stays slow; the second caps floods.
JOIN_FAILURES = "10 per minute"
JOIN_ATTEMPTS = "60 per minute"
BOARD_STYLES = {
    "ranked": ("Ranked", "Names, ranked by alliance score."),
    "anonymous": (
        "Anonymous ranks",
        "Ranks without names; each trainee sees their own row marked on their screen.",
    ),
    "aggregate": (
        "Aggregates only",
        "No row per person: how many have joined and finished, the average score and its spread.",
    ),
}
MODE_NOTES = {
    "practice": "Meters, feedback after each reply and hints while playing.",
    "assessment": "As in a real session: feedback only in the debrief.",
}
# bidirectional overrides and isolates could reverse the text around a name on the board
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def init_app(app: Flask) -> None:
    """Register the blueprint and rate-limit join attempts per client address."""
    storage = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage, default_limits=[])
    app.extensions["rapport.limiter"] = limiter
    app.register_blueprint(bp)
    # a limiter per app (each has its own counts), so its limits wrap this app's view only
    limited = limiter.limit(JOIN_FAILURES, deduct_when=lambda response: response.status_code != 303)
    app.view_functions["classroom.join"] = limited(limiter.limit(JOIN_ATTEMPTS)(join))
    app.register_error_handler(429, _too_many)


F = TypeVar("F", bound=Callable[..., Any])


def instructor_only(view: F) -> F:
    """Only a logged-in instructor; others go to the login page. An htmx request (the roster
    polling after the login ended) gets a short message instead: htmx would follow the
    redirect and swap the whole login page into the roster."""
    protected = instructor_required(view)

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        ended = login_ended("Your instructor login has ended. Log in again to see the class.")
        return ended if ended is not None else protected(*args, **kwargs)

    return checked  # type: ignore[return-value]


# -- looking things up ---------------------------------------------------------------------


def normal_code(raw: str | None) -> str | None:
    """A join code as typed (any case, spaces or dashes) in its canonical form, or None."""
    if not raw:
        return None
    code = re.sub(r"[\s-]", "", raw).upper()
    return code if CODE.match(code) else None


def find(code: str) -> Classroom | None:
    """The class session with this code, or None."""
    canonical = normal_code(code)
    if canonical is None:
        return None
    return classroom_by_code(db.session(), canonical)


def owned_class(code: str) -> Classroom:
    """The class session if the logged-in instructor owns it; 404 for anyone else's."""
    instructor = current_instructor()
    classroom = find(code)
    if classroom is None or instructor is None or classroom.instructor_id != instructor.id:
        abort(404)
    return classroom


def member(classroom: Classroom) -> Trainee | None:
    """This browser's trainee in the class session, if it joined."""
    owner = browser_id()
    if owner is None:
        return None
    return class_member(db.session(), classroom.id, owner)


NOT_YOURS = (
    "This page is only for the class session's instructor and the trainees who joined it. "
    "If you have a join code, join the class first."
)


def viewer(code: str) -> tuple[Classroom, Trainee | None]:
    """The class session for its instructor (trainee None) or one of its trainees; the same
    404 for everyone else as for a code that does not exist, so codes cannot be probed here."""
    classroom = find(code)
    if classroom is not None:
        instructor = current_instructor()
        if instructor is not None and classroom.instructor_id == instructor.id:
            return classroom, None
        trainee = member(classroom)
        if trainee is not None:
            return classroom, trainee
    abort(404, NOT_YOURS)


def class_scenarios(classroom: Classroom) -> list[tuple[str, Scenario | None]]:
    """Each of the class's scenario ids with its current valid version (None if gone)."""
    available = {scenario.id: scenario for scenario, _digest in plays.library().scenarios()}
    return [(scenario_id, available.get(scenario_id)) for scenario_id in classroom.scenario_ids]


def _current(classroom: Classroom) -> list[Scenario]:
    """The class's scenarios that the library has a valid version of now."""
    return [scenario for _id, scenario in class_scenarios(classroom) if scenario is not None]


def clean_name(raw: str) -> tuple[str, str | None]:
    """A display name tidied (NFC, spaces collapsed), and what is wrong with it, if anything."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        return name, "Please enter a display name."
    if len(name) > NAME_MAX:
        return (
            name,
            f"A display name can be at most {NAME_MAX} characters; this one has {len(name)}.",
        )
    if any(unicodedata.category(c) == "Cc" or c in _BIDI for c in name):
        return name, "A display name can't contain control characters."
    return name, None


def name_key(name: str) -> str:
    """What makes two display names the same: compatibility-folded, case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()


def _taken(classroom: Classroom, key: str, but: int | None = None) -> bool:
    return name_taken(db.session(), classroom.id, key, but)


def _stop(status: int, heading: str, message: str, back: str, back_label: str) -> NoReturn:
    """A friendly error page in our own words, or its message block for htmx."""
    abort(message_page(status, heading, message, back, back_label))


# -- the instructor's class sessions -------------------------------------------------------


@bp.get("/classes")
@instructor_only
def classes() -> Response:
    """The instructor's class sessions, newest first, with how many have joined each."""
    instructor = current_instructor()
    assert instructor is not None
    rows = classes_with_counts(db.session(), instructor.id)
    titles = {scenario.id: scenario.title for scenario, _digest in plays.library().scenarios()}
    return render("classroom/index.html", rows=rows, titles=titles)


@bp.get("/classes/new")
@instructor_only
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
@instructor_only
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
    if words not in ("optional", "required"):
        errors["words"] = "Choose whether own words come first optionally or always."
    if errors:
        return _new_form(values, errors, status=400)
    classroom = _insert_with_code(
        instructor, name, scenario_ids, mode, board, words_required=words == "required"
    )
    return redirect(url_for("classroom.dashboard", code=classroom.code), 303)


def new_code() -> str:
    """A random join code: 6 characters from an alphabet without look-alikes."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _insert_with_code(
    instructor: Instructor,
    name: str,
    scenario_ids: list[str],
    mode: str,
    board: str,
    words_required: bool = False,
) -> Classroom:
    session = db.session()
    for _attempt in range(20):
        classroom = Classroom(
            code=new_code(),
            name=name,
            instructor_id=instructor.id,
            scenario_ids=scenario_ids,
            mode=mode,
            board=board,
            words_required=words_required,
        )
        session.add(classroom)
        try:
            session.commit()
            return classroom
        except IntegrityError:  # the code is taken (one chance in millions): draw again
            session.rollback()
    abort(503)


@bp.get("/classes/<code>")
@instructor_only
def dashboard(code: str) -> Response:
    """The instructor's dashboard: the join code, the roster with progress, the controls."""
    classroom = owned_class(code)
    rows = standings(db.session(), classroom.id)
    scenarios = class_scenarios(classroom)
    response = render(
        "classroom/dashboard.html",
        block="roster",
        classroom=classroom,
        rows=[(row, progress(row, len(scenarios))) for row in rows],
        # /classes/<code>/trainees/<id>, made once rather than by url_for for each of 300 rows
        trainees_url=url_for("classroom.dashboard", code=classroom.code) + "/trainees",
        scenarios=scenarios,
        totals=summary(rows, len(scenarios)),
        join_url=_join_url(classroom),
        qr=None if is_htmx() else _qr(classroom),
        boards=BOARD_STYLES,
        poll=POLL if classroom.is_open else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/classes/<code>/code")
@instructor_only
def code_screen(code: str) -> Response:
    """The join code, its URL and QR code, as large as the screen allows, for a projector."""
    classroom = owned_class(code)
    return render(
        "classroom/code.html", classroom=classroom, join_url=_join_url(classroom), qr=_qr(classroom)
    )


def _join_url(classroom: Classroom) -> str:
    return url_for("classroom.join_form", code=classroom.code, _external=True)


def _qr(classroom: Classroom) -> Markup:
    """An inline SVG QR code of the join URL, dark on light in either colour scheme."""
    return Markup(_qr_svg(_join_url(classroom)))  # noqa: S704  (segno's SVG of our own URL)


@lru_cache(maxsize=256)
def _qr_svg(url: str) -> str:
    # drawing one takes a while (about 20 ms): a class's code is drawn once per process
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=4, omitsize=True, dark="#000", light="#fff", svgclass="qr-code"
    )
    label = Markup.escape(f"QR code: scan it to open {url}")
    return str(svg).replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


@bp.post("/classes/<code>/close")
@instructor_only
def close(code: str) -> Response:
    """Close the class session: no more joins or choices; everything is kept."""
    classroom = owned_class(code)
    if classroom.closed_at is None:
        classroom.closed_at = now()
        db.session().commit()
        flash("The class session is closed. Every run and debrief is kept.")
    return redirect(url_for("classroom.dashboard", code=classroom.code), 303)


@bp.post("/classes/<code>/freeze")
@instructor_only
def freeze(code: str) -> Response:
    """Freeze the board: the room sees this moment's standings while play goes on."""
    classroom = owned_class(code)
    if classroom.frozen_at is None:
        session = db.session()
        classroom.frozen_board = {
            "standings": [row.as_json() for row in standings(session, classroom.id)],
            "counts": [
                list(row) for row in choice_counts(session, classroom.id, _current(classroom))
            ],
        }
        classroom.frozen_at = now()
        session.commit()
    return _after_board_change(classroom, "The board is frozen: the room sees it as it is now.")


@bp.post("/classes/<code>/unfreeze")
@instructor_only
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
        return _board_page(classroom, None, block="area", status_message=message)
    return redirect(url_for("classroom.board", code=classroom.code), 303)


# -- the room's views: scoreboard and moments ----------------------------------------------


@bp.get("/classes/<code>/board")
def board(code: str) -> Response:
    """The scoreboard, for a projector: polled by htmx until the class closes."""
    classroom, trainee = viewer(code)
    return _board_page(classroom, trainee, block="board")


def _board_page(
    classroom: Classroom, trainee: Trainee | None, block: str, status_message: str = ""
) -> Response:
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
        join_url=_join_url(classroom),
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
    scenarios = _current(classroom)
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


# -- a trainee in the roster ---------------------------------------------------------------


def _roster_member(classroom: Classroom, trainee_id: int) -> Trainee:
    trainee = db.session().get(Trainee, trainee_id)
    if trainee is None or trainee.classroom_id != classroom.id:
        abort(404)
    return trainee


@bp.get("/classes/<code>/trainees/<int:trainee_id>")
@instructor_only
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
        name=name,
        error=error,
        name_max=NAME_MAX,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/classes/<code>/trainees/<int:trainee_id>/rename")
@instructor_only
def rename(code: str, trainee_id: int) -> Response:
    """Give a trainee another display name (unique in the class, as when joining)."""
    classroom = owned_class(code)
    found = _roster_member(classroom, trainee_id)
    name, error = clean_name(request.form.get("name", ""))
    key = name_key(name)
    if error is None and _taken(classroom, key, but=found.id):
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


@bp.post("/classes/<code>/trainees/<int:trainee_id>/remove")
@instructor_only
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
@instructor_only
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

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP's advice: a leading ')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def _filename(classroom: Classroom, extension: str) -> str:
    return f"rapport-{classroom.code}-results.{extension}"


@bp.get("/classes/<code>/export.csv")
@instructor_only
def export_csv(code: str) -> Response:
    """Every run of the class as CSV, one row per run."""
    classroom = owned_class(code)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in export_rows(db.session(), classroom.id):
        row["own_words"] = own_words_text(row["own_words"])
        writer.writerow([_cell(row[column]) for column in COLUMNS])
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(classroom, "csv")}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/classes/<code>/export.json")
@instructor_only
def export_json(code: str) -> Response:
    """Every run of the class as JSON: the class session, then one object per run."""
    classroom = owned_class(code)
    document = {
        "classroom": {
            "code": classroom.code,
            "name": classroom.name,
            "mode": classroom.mode,
            "board": classroom.board,
            "own_words": "required" if classroom.words_required else "optional",
            "scenarios": classroom.scenario_ids,
            "created_at": iso(classroom.created_at),
            "closed_at": iso(classroom.closed_at),
        },
        "columns": list(COLUMNS),
        "runs": export_rows(db.session(), classroom.id),
    }
    response = Response(
        json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(classroom, "json")}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# -- trainees: joining and playing ---------------------------------------------------------


@bp.get("/join")
def join_form() -> Response:
    """The join form (the code may come in the URL, as from the QR code)."""
    code = request.args.get("code", "")
    canonical = normal_code(code)
    if canonical is not None:
        classroom = find(canonical)
        if classroom is not None and member(classroom) is not None:
            return redirect(url_for("classroom.mine", code=classroom.code), 303)
    return _join_page(canonical or code.strip()[:12], "")


def _join_page(
    code: str, name: str, error: str | None = None, field: str = "", status: int = 200
) -> Response:
    return render(
        "classroom/join.html",
        status=status,
        code=code,
        name=name,
        error=error,
        field=field,
        name_max=NAME_MAX,
        joined=_joined_classes(),
    )


def _joined_classes(limit: int = 10) -> list[tuple[Classroom, Trainee]]:
    """The class sessions this browser has joined, newest first: the way back to them."""
    owner = browser_id()
    if owner is None:
        return []
    return joined_classes(db.session(), owner, limit)


@bp.post("/join")
def join() -> Response:
    """Join a class session by its code with a display name; no account. Rate-limited."""
    raw_code = request.form.get("code", "")
    raw_name = request.form.get("name", "")
    code = normal_code(raw_code)
    shown_code = code or raw_code.strip()[:12]
    if code is None:
        return _join_page(
            shown_code,
            raw_name,
            f"A join code has {CODE_LENGTH} letters and digits, like {ALPHABET[:3]}{ALPHABET[-3:]}. Check the code on the screen.",
            "code",
            400,
        )
    classroom = find(code)
    if classroom is None:
        return _join_page(
            code,
            raw_name,
            f"No class session has the code {code}. Check the code on the screen and try again.",
            "code",
            404,
        )
    if not classroom.is_open:
        return _join_page(
            code,
            raw_name,
            "That class session has closed, so it can't be joined any more.",
            "code",
            409,
        )
    if member(classroom) is not None:  # this browser is already in: back to its page
        return redirect(url_for("classroom.mine", code=classroom.code), 303)
    name, error = clean_name(raw_name)
    if error is not None:
        return _join_page(code, raw_name, error, "name", 400)
    key = name_key(name)
    taken = f"Someone in this class is already called {name}. Please choose another name."
    if _taken(classroom, key):
        return _join_page(code, name, taken, "name", 409)
    session = db.session()
    if trainee_count(session, classroom.id) >= MAX_TRAINEES:
        return _join_page(code, name, "This class session is full.", "code", 409)
    session.add(
        Trainee(classroom_id=classroom.id, name=name, key=key, owner=browser_id(create=True))
    )
    try:
        session.commit()
    except IntegrityError:  # someone took the name a moment ago
        session.rollback()
        return _join_page(code, name, taken, "name", 409)
    return redirect(url_for("classroom.mine", code=classroom.code), 303)


def _too_many(error: HTTPException) -> Response:
    """A friendly 429: the join form again, with what was typed, and when to try again."""
    message = "Too many join attempts from your network. Please wait a minute, then try again."
    if request.endpoint == "classroom.join":
        response = _join_page(
            request.form.get("code", "").strip()[:12],
            request.form.get("name", ""),
            message,
            "code",
            429,
        )
    else:
        response = message_page(429, "Please slow down", message)
    response.headers["Retry-After"] = "60"
    return response


@bp.get("/classes/<code>/me")
def mine(code: str) -> Response:
    """A trainee's page in the class: its scenarios, their runs, the way to the board."""
    classroom = find(code)
    trainee = member(classroom) if classroom is not None else None
    if classroom is None or trainee is None:
        # the same answer whether or not the code exists: the join form, rate-limited
        return redirect(url_for("classroom.join_form", code=normal_code(code) or ""), 303)
    runs = trainee_runs(db.session(), trainee.id, classroom.id)
    by_scenario: dict[str, list[Run]] = {}
    for run in runs:
        by_scenario.setdefault(run.scenario_id, []).append(run)
    response = render(
        "classroom/mine.html",
        classroom=classroom,
        trainee=trainee,
        scenarios=class_scenarios(classroom),
        runs=by_scenario,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/classes/<code>/runs")
def start(code: str) -> Response:
    """Start a run of one of the class's scenarios, in the class's mode, for this trainee."""
    classroom = find(code)
    trainee = member(classroom) if classroom is not None else None
    if classroom is None or trainee is None:
        abort(404, NOT_YOURS)
    back = url_for("classroom.mine", code=classroom.code)
    if not classroom.is_open:
        _stop(
            409,
            "This class session has closed",
            "No new runs can start; your debriefs stay available.",
            back,
            "Back to your class",
        )
    scenario_id = request.form.get("scenario", "")
    if scenario_id not in classroom.scenario_ids:
        _stop(
            400,
            "We couldn't start that",
            "That scenario isn't part of this class session.",
            back,
            "Back to your class",
        )
    try:
        loaded = plays.current(scenario_id)
    except NotFound:
        _stop(
            404,
            "That scenario isn't available",
            "It may be being edited: ask your instructor, or try again in a moment.",
            back,
            "Back to your class",
        )
    session = db.session()
    for _try in range(10):
        run = plays.new_run(
            loaded,
            classroom.mode,
            classroom_id=classroom.id,
            trainee_id=trainee.id,
            attempt=next_attempt(session, trainee.id, scenario_id),
        )
        session.add(run)
        try:
            session.commit()
            return redirect(url_for("play.run", run_id=run.id), 303)
        except IntegrityError:  # a double click numbered the same attempt: count again
            session.rollback()
    abort(503)


__all__ = ["bp", "init_app", "normal_code", "new_code"]
