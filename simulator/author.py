"""The instructor's blueprint: library, scenario page, playtest, upload, download, editor."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from . import authoring, catalog, db, engine, instance, matching
from .auth import instructor_required
from .authoring import (
    MAX_JOBS,
    Drawing,
    Exploring,
    Summary,
    analysis,
    check_summary,
    draw,
    draw_and_summarise,
    excerpts,
    known_summary,
    normalise,
    read_meters,
    suggestions,
)
from .engine import METERS, Meters, Scenario
from .models import MODES, Run, keep_text, new_seed
from .scenarios import (
    MAX_BYTES,
    Conflict,
    Entry,
    Library,
    Loaded,
    load_text,
)
from .web import browser_id, is_htmx, page_link, render

bp = Blueprint("author", __name__, url_prefix="/author")

STATUSES = ("valid", "warnings", "errors")
FILES_A_PAGE = 50  # the library page lists a large folder page by page
SCHEMA = "scenario.schema.json"  # offered for download when the folder has it


# what an htmx request hears once the login has ended (the editor keeps what was typed)
ENDED = (
    "Your instructor login has ended, so this could not be checked. Log in "
    "again in another tab: what you typed here is still on this page."
)


def _library() -> Library:
    """The app's scenario library (re-read file by file when files change on disk)."""
    found: Library = current_app.extensions["rapport.library"]
    return found


# -- reading the folder ----------------------------------------------------------------------


@dataclass
class FileRow:
    """One file of the library as the library page shows it."""

    entry: Entry
    shadowed_by: str | None = None

    @property
    def name(self) -> str:
        return self.entry.file.name

    @property
    def loaded(self) -> Loaded:
        return self.entry.loaded

    @property
    def status(self) -> str:
        """'errors', 'warnings' or 'valid'."""
        if self.loaded.errors or self.loaded.scenario is None:
            return "errors"
        return "warnings" if self.loaded.warnings or self.shadowed_by else "valid"


def rows() -> list[FileRow]:
    """Every scenario file in the folder, by name, marking ids already used by an earlier file."""
    found = []
    first: dict[str, str] = {}
    for entry in _library().entries():
        row = FileRow(entry)
        scenario = entry.loaded.scenario
        if scenario is not None:
            row.shadowed_by = first.get(scenario.id)
            first.setdefault(scenario.id, entry.file.name)
        found.append(row)
    return found


def entry_for_id(scenario_id: str) -> Entry:
    """The file that serves a scenario id (the first valid one, as trainees see it), or 404."""
    entry = _library().serving(scenario_id)
    if entry is None:
        abort(
            404,
            f"There is no valid scenario with the id '{scenario_id}'. If its file has errors, "
            "the library lists them.",
        )
    return entry


def entry_for_name(name: str) -> Entry:
    """The library file with this name, or 404."""
    entry = _library().named(name)
    if entry is None:
        abort(404, f"There is no scenario file named '{name}' in the library.")
    return entry


def folder_file(name: str) -> Path:
    """A regular file directly in the scenario folder, or 404: never a path outside it."""
    path = _library().file(name)
    if path is None:
        abort(404)
    return path


def check_text(text: str, name: str) -> Loaded:
    """Validate text as the file `name`; an id another file already serves is an error too."""
    return _library().check(text, name)


# -- the library -----------------------------------------------------------------------------


@bp.get("/")
@instructor_required(ENDED)
def library() -> Response:
    """Every file in the scenario folder with its status and messages; upload and download."""
    found = rows()
    counts = {status: sum(1 for r in found if r.status == status) for status in STATUSES}
    shown = request.args.get("status", "")
    notes = []
    if shown and shown not in STATUSES:
        notes.append(f"There is no status “{shown[:40]}”: showing every file.")
        shown = ""
    number, problem = catalog.read_page(request.args.get("page", ""))
    if problem:
        notes.append(problem)
    page = catalog.page_of(
        [r for r in found if not shown or r.status == shown], number, FILES_A_PAGE
    )
    response = render(
        "author/library.html",
        rows=page.items,
        page=page,
        total=len(found),
        shown=shown,
        notes=notes,
        page_url=page_link("author.library", status=shown),
        counts=counts,
        schema=_library().has_file(SCHEMA),
        problem=_library().folder_problem(),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the scenario page -----------------------------------------------------------------------


@bp.get("/scenarios/<scenario_id>", endpoint="scenario")
@instructor_required(ENDED)
def scenario_page(scenario_id: str) -> Response:
    """A scenario's graph, authoring checks and every scene's text; its path analysis too
    once this version has been analysed, else the page fetches it (it can take seconds)."""
    return _scenario(scenario_id, analyse=False)


@bp.get("/scenarios/<scenario_id>/analysis", endpoint="analysis")
@instructor_required(ENDED)
def analysis_page(scenario_id: str) -> Response:
    """The path analysis: its block for htmx, or the whole scenario page with it."""
    return _scenario(scenario_id, analyse=True)


@bp.get("/scenarios/<scenario_id>/graph", endpoint="graph")
@instructor_required(ENDED)
def graph_page(scenario_id: str) -> Response:
    """The scene graph: its block for htmx (the page asks while it is drawn in the
    background), or the whole scenario page once it is drawn."""
    return _scenario(scenario_id, analyse=False, graph=True)


def _scenario(
    scenario_id: str,
    analyse: bool,
    phrase: PhraseTest | None = None,
    status: int = 200,
    graph: bool = False,
) -> Response:
    entry = entry_for_id(scenario_id)
    loaded = entry.loaded
    scenario = loaded.scenario
    assert scenario is not None
    drawing: Drawing | None = None
    folder = instance.analyses(current_app)
    found: Summary | Exploring | None
    if analyse and is_htmx():
        found = analysis(scenario, loaded.digest, loaded.source, folder)
    elif analyse:
        drawing, found = draw_and_summarise(scenario, loaded.digest, loaded.source, folder)
    else:
        wait: float | None = authoring.QUICK_DRAW
        if graph:  # the page asking again while it is drawn, or one without scripts
            wait = authoring.QUICK_DRAW / 2 if is_htmx() else None  # None: drawn for it
        drawing = draw(scenario, loaded.digest, wait=wait, folder=folder)
        found = known_summary(loaded.digest, folder)
    summary = found if isinstance(found, Summary) else None
    response = render(
        "author/scenario.html",
        block="analysis" if analyse else "graph" if graph else None,
        status=status,
        **_phrase_context(scenario, phrase or _blank_phrase(scenario)),
        entry=entry,
        scenario=scenario,
        digest=loaded.digest,
        checks=suggestions(loaded),
        drawing=drawing,
        summary=summary,
        exploring=found if isinstance(found, Exploring) else None,
        max_jobs=MAX_JOBS,
        meters=METERS,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# -- test a phrase ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PhraseTest:
    """The phrase form: what was typed, any problems, and the match (None until tested)."""

    scene: str
    words: str = ""
    errors: dict[str, str] | None = None
    result: matching.Match | None = None
    available: bool = True
    reason: str = ""


def _phrase_scenes(scenario: Scenario) -> tuple[list[str], list[str]]:
    """The choice scenes to test a phrase at: key moments (and `ask` scenes) first."""
    choice = [scene_id for scene_id, scene in scenario.scenes.items() if scene.choices]
    key = [scene_id for scene_id in choice if engine.asks(scenario.scenes[scene_id])]
    return key, [scene_id for scene_id in choice if scene_id not in key]


def _phrase_context(scenario: Scenario, phrase: PhraseTest) -> dict[str, object]:
    return {
        "phrase": phrase,
        "phrase_scenes": _phrase_scenes(scenario),
        "words_limit": engine.WORDS_LIMIT,
        "close_at": matching.CLOSE,
    }


def _blank_phrase(scenario: Scenario) -> PhraseTest:
    key, other = _phrase_scenes(scenario)
    found = matching.matcher()
    return PhraseTest((key + other + [""])[0], available=found.available, reason=found.reason)


@bp.post("/scenarios/<scenario_id>/phrase", endpoint="phrase")
@instructor_required(ENDED)
def test_phrase(scenario_id: str) -> Response:
    """Which reply of a scene these typed words would match in open response, with every
    reply's similarity: the scenario page again, or its phrase block for htmx."""
    scenario = entry_for_id(scenario_id).loaded.scenario
    assert scenario is not None
    scene_id = request.form.get("scene", "")
    words = request.form.get("words", "").strip()
    errors: dict[str, str] = {}
    scene = scenario.scenes.get(scene_id)
    if scene is None or not scene.choices:
        errors["scene"] = "Choose one of this scenario's choice scenes."
    if not words:
        errors["words"] = "Type a phrase to test."
    elif len(words) > engine.WORDS_LIMIT:
        errors["words"] = f"A phrase can be up to {engine.WORDS_LIMIT} characters, as in play."
    found = matching.matcher()
    result = None
    if scene is not None and not errors and found.available:
        result = found.match(scene_id, matching.replies(scene_id, scene), words)
    phrase = PhraseTest(scene_id, words, errors, result, found.available, found.reason)
    status = 400 if errors else 200
    if not is_htmx():
        return _scenario(scenario_id, analyse=False, phrase=phrase, status=status)
    response = render(
        "author/scenario.html",
        block="phrase",
        status=status,
        scenario=scenario,
        **_phrase_context(scenario, phrase),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# -- playtest --------------------------------------------------------------------------------


def _playtest_form(
    scenario: Scenario,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        "author/playtest.html",
        status=status,
        scenario=scenario,
        values=values,
        errors=errors or {},
        meters=METERS,
    )


@bp.get("/scenarios/<scenario_id>/playtest")
@instructor_required(ENDED)
def playtest_form(scenario_id: str) -> Response:
    """The playtest form: any scene, any meter values, either mode."""
    scenario = entry_for_id(scenario_id).loaded.scenario
    assert scenario is not None
    scene = request.args.get("scene", scenario.start)
    values = {
        "scene": scene if scene in scenario.scenes else scenario.start,
        "mode": "practice",
        **{m: str(v) for m, v in scenario.meters.as_dict().items()},
    }
    return _playtest_form(scenario, values)


@bp.post("/scenarios/<scenario_id>/playtest")
@instructor_required(ENDED)
def playtest(scenario_id: str) -> Response:
    """Start a test run at the chosen scene with the chosen meters, then play it as trainees do."""
    loaded = entry_for_id(scenario_id).loaded
    scenario = loaded.scenario
    assert scenario is not None
    form = {key: request.form.get(key, "") for key in ("scene", "mode", *METERS)}
    errors: dict[str, str] = {}
    if form["scene"] not in scenario.scenes:
        errors["scene"] = "Choose one of this scenario's scenes."
    if form["mode"] not in MODES:
        errors["mode"] = "Choose practice or assessment mode."
    values = read_meters(form, errors)
    state = None
    if not errors:
        try:
            state = engine.start(
                scenario, scene=form["scene"], meters=Meters(**values), seed=new_seed()
            )
        except engine.PlayError as error:
            errors["scene"] = f"Play cannot start at this scene with these meters: {error}."
    if errors or state is None:
        return _playtest_form(scenario, form, errors, status=400)
    keep_text(db.session(), loaded.digest, loaded.source)
    run = Run.starting(
        scenario,
        loaded.digest,
        state,
        owner=browser_id(create=True),
        mode=form["mode"],
        is_test=True,
    )
    session = db.session()
    session.add(run)
    session.commit()
    return redirect(url_for("play.run", run_id=run.id), 303)


# -- upload and download ---------------------------------------------------------------------


def _upload_problem(message: str, status: int = 400) -> Response:
    return render("author/upload.html", status=status, problem=message, loaded=None)


def _upload_name(sent: str) -> str:
    """The uploaded file's name as its messages show it: safe, and at most 100 characters
    (every message names the file, so a long name would be repeated hundreds of times)."""
    name = secure_filename(sent) or "upload.yaml"
    return name if len(name) <= 100 else name[:90] + "…" + name[-9:]


@bp.post("/upload")
@instructor_required(ENDED)
def upload() -> Response:
    """Validate an uploaded scenario before anything is written; a replacement asks first."""
    content = request.form.get("content")
    if content is None:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return _upload_problem("Choose a scenario file (.yaml) to upload. Nothing was saved.")
        raw = upload.stream.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            return _upload_problem(
                f"That file is larger than {MAX_BYTES // 1024} KB, the most a scenario file may "
                "be. Nothing was saved."
            )
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _upload_problem(
                "That file is not UTF-8 text. Save it as UTF-8 in your editor and upload it "
                "again. Nothing was saved."
            )
        name = _upload_name(upload.filename)
    else:
        name = _upload_name(request.form.get("filename", ""))
    text = normalise(content)
    loaded = load_text(text, name)
    if not loaded.ok or loaded.scenario is None:
        return render("author/upload.html", status=400, problem=None, loaded=loaded)
    scenario = loaded.scenario
    target = _library().target(scenario.id)
    if target.exists and request.form.get("confirm") != "yes":
        return render(
            "author/upload.html",
            problem=None,
            loaded=loaded,
            confirm=True,
            name=name,
            text=text,
            target=target.path.name,
            existing=target.replaces,
        )
    try:
        _library().write(target.path, text)
    except OSError as error:
        return _upload_problem(
            f"The file could not be written ({error.strerror}). Nothing was changed.", status=500
        )
    replaced = "Replaced" if target.replaces is not None else "Uploaded"
    flash(f"{replaced} {target.path.name}: “{scenario.title}” is valid and ready to play.")
    return redirect(url_for("author.scenario", scenario_id=scenario.id), 303)


@bp.get("/files/<name>")
@instructor_required(ENDED)
def download(name: str) -> Response:
    """A file of the scenario folder, as it is on disk, to save."""
    path = folder_file(name)
    mimetype = "application/yaml" if path.suffix in (".yaml", ".yml") else None
    # a name with a control character (a newline made on disk) cannot go in a header
    saved_as = "".join("_" if ch < " " or ch == "\x7f" else ch for ch in path.name)
    response = send_file(path, as_attachment=True, download_name=saved_as, mimetype=mimetype)
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the editor ------------------------------------------------------------------------------


def _editor(
    name: str,
    text: str | None,
    digest: str,
    loaded: Loaded | None = None,
    status: int = 200,
    notice: str | None = None,
    unreadable: str | None = None,
    conflict: str | None = None,
) -> Response:
    if loaded is None and text is not None:
        loaded = check_text(text, name)
    problems = excerpts(text or "", loaded.errors + loaded.warnings) if loaded else []
    named = _library().named(name)
    scenario_id = named.loaded.scenario.id if named and named.loaded.scenario else None
    response = render(
        "author/editor.html",
        block="problems",
        status=status,
        name=name,
        text=text,
        digest=digest,
        loaded=loaded,
        problems=problems,
        summary=check_summary(loaded),
        notice=notice,
        unreadable=unreadable,
        conflict=conflict,
        scenario_id=scenario_id,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/scenarios/<scenario_id>/edit")
@instructor_required(ENDED)
def edit_scenario(scenario_id: str) -> Response:
    """The editor for the file that serves this scenario id."""
    entry = entry_for_id(scenario_id)
    source = _library().read(entry.file)
    return _editor(entry.file.name, source.text, source.digest, unreadable=source.unreadable)


@bp.get("/files/<name>/edit")
@instructor_required(ENDED)
def edit_file(name: str) -> Response:
    """The editor for a file by name: broken files too."""
    entry = entry_for_name(name)
    source = _library().read(entry.file)
    return _editor(name, source.text, source.digest, unreadable=source.unreadable)


@bp.post("/files/<name>/validate")
@instructor_required(ENDED)
def validate(name: str) -> Response:
    """Check the editor's text without saving: htmx gets the problems list, a form the page."""
    entry_for_name(name)
    text = normalise(request.form.get("text", ""))
    return _editor(name, text, request.form.get("digest", ""))


@bp.post("/files/<name>/edit")
@instructor_required(ENDED)
def save(name: str) -> Response:
    """Save the editor's text, only when it is valid and the file has not changed meanwhile."""
    entry = entry_for_name(name)
    text = normalise(request.form.get("text", ""))
    digest = request.form.get("digest", "")
    loaded = check_text(text, name)
    if not loaded.ok:
        return _editor(
            name,
            text,
            digest,
            loaded,
            status=400,
            notice="Not saved: fix the problems below first. The file on disk is unchanged.",
        )
    overwrite = request.form.get("overwrite")
    try:
        _library().write(entry.file, text, expect={digest, *([overwrite] if overwrite else [])})
    except Conflict as conflict:
        what = (
            "was deleted"
            if conflict.found == "gone"
            else "was changed by someone else (or in another tab) since you opened it"
        )
        return _editor(
            name,
            text,
            digest,
            loaded,
            status=409,
            conflict=conflict.found,
            notice=f"Not saved: {name} {what}. Your text is kept below. Open the current "
            "file in a new tab to compare, or replace it with your text.",
        )
    except OSError as error:
        return _editor(
            name,
            text,
            digest,
            loaded,
            status=500,
            notice=f"Not saved: the file could not be written ({error.strerror}). "
            "Your text is kept below.",
        )
    flash(f"Saved {name}.")
    return redirect(url_for("author.edit_file", name=name), 303)
