"""The trainee's blueprint: catalog, briefing, a run played choice by choice, its debrief."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
from pathlib import Path
from typing import Any, NoReturn

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from . import catalog, db, engine, matching
from .chart import debrief_chart
from .engine import METERS, Scenario
from .models import (
    INSTEAD_CHARS,
    MODES,
    Classroom,
    Run,
    StepRow,
    class_settings,
    classroom_closed,
    insert_run,
    instead_notes,
    keep_instead,
    keep_text,
    last_step,
    new_seed,
    now,
    owned_run,
    record_choice,
    run_branches,
    run_steps,
    started_with,
    step_matches,
    text_of,
    unfinished_runs,
)
from .scenarios import Library, Loaded
from .standings import iso
from .web import ERRORS, browser_id, form_int, is_htmx, message_page, page_link, render
from .words import METER_START, METER_WORDS, OUTCOMES

bp = Blueprint("play", __name__)


def library() -> Library:
    """The app's scenario library."""
    found: Library = current_app.extensions["rapport.library"]
    return found


def current(scenario_id: str) -> Loaded:
    """The current valid version of a scenario with its source text, or 404."""
    entry = library().serving(scenario_id)  # on a duplicate id the first file wins
    if entry is None:
        abort(404)
    return entry.loaded


def owned(run_id: str) -> Run:
    """The run if this browser started it; 404 for anyone else, as for a run that never was."""
    run = owned_run(db.session(), run_id, browser_id())
    if run is None:
        abort(404)
    return run


def pinned_version(digest: str) -> Scenario | None:
    """The scenario version with this digest; rebuilt from its kept text on first use in
    this process (None only if that text no longer loads: validation got stricter)."""
    scenario = library().version(digest)
    if scenario is None:
        source = text_of(db.session(), digest)
        scenario = library().version(digest, source) if source is not None else None
    return scenario


def pinned(run: Run) -> Scenario:
    """The exact scenario version this run started with."""
    scenario = pinned_version(run.scenario_digest)
    if scenario is None:
        abort(500)
    return scenario


@bp.get("/")
def index() -> Response:
    """The catalog: every valid scenario, and this browser's unfinished runs."""
    every = [scenario for scenario, _digest in library().scenarios()]
    tags = catalog.all_tags(every)
    filters = catalog.read_filters(request.args.to_dict(), tags)
    runs = unfinished_runs(db.session(), browser_id())
    page = catalog.page_of(catalog.matching(every, filters), filters.page)
    return render(
        "play/index.html",
        scenarios=page.items,
        page=page,
        page_url=page_link(
            "play.index", q=filters.text, difficulty=filters.difficulty, tag=filters.tag
        ),
        total=len(every),
        filters=filters,
        tags=catalog.offered_tags(tags, filters.tag),
        difficulties=catalog.DIFFICULTIES,
        card=_card,
        runs=runs,
    )


# a version's Scenario object -> its card; the object is kept with it, so its id stays its own
_CARDS: dict[tuple[int, str], tuple[Scenario, Markup]] = {}


def _card(scenario: Scenario) -> Markup:
    """A scenario's catalog card, drawn once per version (and address prefix) per process."""
    key = (id(scenario), request.script_root)
    found = _CARDS.get(key)
    if found is None or found[0] is not scenario:
        if len(_CARDS) > 1000:  # versions come and go as authors edit: keep it bounded
            _CARDS.clear()
        macro = current_app.jinja_env.get_template("play/_card.html").module.card  # type: ignore[attr-defined]
        found = _CARDS[key] = (scenario, Markup(macro(scenario, catalog.one_line)))
    return found[1]


@bp.get("/scenarios/<scenario_id>")
def briefing(scenario_id: str) -> Response:
    """The client briefing, objectives and warnings, and the mode to play in."""
    scenario = current(scenario_id).scenario
    assert scenario is not None  # current() serves only valid files
    differ = [
        f"{METER_WORDS[meter].lower()} starts at {scenario.meters.get(meter)}"
        for meter in METERS
        if scenario.meters.get(meter) != METER_START
    ]
    # the browser's id now, with the form's CSRF secret that goes in the same cookie: else
    # two Start clicks at once from a new browser would each make an id, and a run apiece
    browser_id(create=True)
    return render(
        "play/briefing.html",
        scenario=scenario,
        starts_differ=", ".join(differ),
        # a fresh token per page: its form starts one run however often it is sent
        start_token=secrets.token_urlsafe(12),
    )


@bp.post("/scenarios/<scenario_id>/runs")
def start(scenario_id: str) -> Response:
    """Start a run of the current version of a scenario, pinned to that exact text."""
    loaded = current(scenario_id)
    scenario = loaded.scenario
    assert scenario is not None
    mode = request.form.get("mode", "practice")
    if mode not in MODES:
        abort(400, "Choose practice or assessment mode.")
    token = start_token()
    again = started_before(token)
    if again is not None:  # a double click or a resent form: the run it already started
        return redirect(url_for("play.run", run_id=again), 303)
    answer = request.form.get("answer", "choose")
    if answer not in ANSWERS:
        abort(400, "Choose how to answer: pick from the replies, or type your own words first.")
    session = db.session()
    for _try in range(2):  # again if the database had lost the text (a backup restored)
        run = new_run(loaded, mode, start_token=token, open_response=answer == "open")
        try:
            run = insert_run(session, run)
            session.commit()
            return redirect(url_for("play.run", run_id=run.id), 303)
        except IntegrityError:  # the other click of a double click committed first
            session.rollback()
            again = started_before(token)
            if again is not None:
                return redirect(url_for("play.run", run_id=again), 303)
    abort(503)


def start_token() -> str | None:
    """The start form's one-time token, if it sent a sound one."""
    token = request.form.get("start", "")
    # never a rewind's token ("r:...", which a form's own never looks like)
    return token if 8 <= len(token) <= 40 and token.isascii() and ":" not in token else None


def started_before(token: str | None) -> str | None:
    """The id of the run this browser already started with this form, if any."""
    owner = browser_id()
    if token is None or owner is None:
        return None
    return started_with(db.session(), owner, token)


@bp.get("/runs/<run_id>")
def run(run_id: str) -> Response:
    """The play page: where the run stands now (also after a reload or days later)."""
    found = owned(run_id)
    last = last_step(db.session(), found)
    announcement = _announce(found, last, pinned(found)) if last is not None else ""
    notice = CLASS_CLOSED if classroom_closed(db.session(), found) and not found.finished else None
    return _play(found, last, announcement=announcement, notice=notice)


@bp.post("/runs/<run_id>/choose")
def choose(run_id: str) -> Response:
    """Make one choice. A stale or repeated form shows the current state; it never applies twice."""
    found = owned(run_id)
    step_number, reply = form_int("step"), request.form.get("reply", "")
    if step_number is None or not reply:
        # a form that names a reply by its place on the page is refused: the order is shuffled
        _refuse(found, "Please pick one of the replies on the page.")
    if step_number != found.steps or found.finished:
        return _settled(found, "That reply was already recorded. Here is where the session is now.")
    if classroom_closed(db.session(), found):
        _refuse(found, CLASS_CLOSED)
    scenario = pinned(found)
    state = found.play_state
    if _asking(found, scenario, state) and words_required(found):
        _refuse(found, "Please write what you would say first; then the replies appear.")
    matched = _match(found, scenario, state)
    try:
        state, step = engine.choose_reply(scenario, state, reply)
    except engine.RunTooLong:
        _refuse(found, TOO_LONG)
    except engine.PlayError:
        _refuse(found, "That reply isn't on offer at this point. Please pick one of those shown.")
    return _record(found, state, step, scenario, _match_record(matched, reply))


@bp.post("/runs/<run_id>/words")
def words(run_id: str) -> Response:
    """The trainee's own words at a key moment, before the replies appear (or a skip, where
    the words are optional). The first answer for a moment stands; a resent form changes nothing."""
    found = owned(run_id)
    step_number = form_int("step")
    if step_number is None:
        _refuse(found, "Please use the box on the page to write what you would say.")
    if step_number != found.steps or found.finished:
        return _settled(found, "Here is where the session is now.")
    if classroom_closed(db.session(), found):
        _refuse(found, CLASS_CLOSED)
    scenario = pinned(found)
    state = found.play_state
    again = found.open_response and state.written is not None and "again" in request.form
    if not (_asking(found, scenario, state) or again):
        return _settled(found, "Here is where the session is now.")
    text = request.form.get("words", "").replace("\r\n", "\n").strip()
    skip = "skip" in request.form
    required = words_required(found)
    error = None
    if len(text) > engine.WORDS_LIMIT:
        error = (
            f"Please keep this to {engine.WORDS_LIMIT} characters; it has {len(text)}. "
            "Nothing was saved yet."
        )
    elif skip and found.open_response:
        error = "In open response your own words come first: please write what you would say."
    elif skip and required:
        error = "In this class your own words come first: please write what you would say."
    elif not text and required:
        error = "Please write what you would say; in this class the replies appear after that."
    if error is not None:
        _refuse(found, error, words=text)
    written = engine.write(
        scenario, state, "" if skip else text, anywhere=found.open_response, again=again
    )
    if not record_choice(db.session(), found, written, None):  # a second tab answered first
        return _settled(owned(run_id), "Here is where the session is now.")
    message = "The replies are shown below." if skip or not text else "Your words were saved."
    if found.open_response:
        message = _match_announcement(_match(found, scenario, written))
    return _settled(
        found, message + " Now choose the reply closest to yours.", focus="choices-legend"
    )


@bp.post("/runs/<run_id>/hint")
def hint(run_id: str) -> Response:
    """Show the current scene's hint (practice mode only); asking is recorded for the debrief."""
    found = owned(run_id)
    step_number = form_int("step")
    if step_number is None:
        _refuse(found, "Please use the hint button on the page.")
    if found.mode != "practice":
        _refuse(found, "Hints are part of practice mode; this session is an assessment.")
    if step_number != found.steps or found.finished:
        return _settled(found, "Here is where the session is now.")
    if classroom_closed(db.session(), found):  # asking is recorded, as a reply is
        _refuse(found, CLASS_CLOSED)
    scenario = pinned(found)
    state = found.play_state
    asked = engine.ask_hint(scenario, state)
    if asked != state and not record_choice(db.session(), found, asked, None):
        return _settled(owned(run_id), "Here is where the session is now.")
    return _settled(found, "Hint shown.", focus="hint-heading")


@bp.get("/runs/<run_id>/debrief")
def debrief(run_id: str) -> Response:
    """The debrief of a finished run; an unfinished run goes back to its play page."""
    found = owned(run_id)
    if not found.finished:
        return redirect(url_for("play.run", run_id=run_id), 303)
    return debrief_page(found)


def debrief_page(
    found: Run, status: int = 200, report: engine.Debrief | None = None, **extra: Any
) -> Response:
    """The debrief page of a finished run, for whoever may see it (its trainee, their instructor);
    `report` is the run's debrief when the caller has built it already."""
    context = _debrief_context(found, report=report, **extra)
    response = render("play/debrief.html", status=status, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/runs/<run_id>/reactions")
def reactions(run_id: str) -> Response:
    """Save the trainee's own reactions (a rating 1-5 and a few words), asked for first."""
    found = owned(run_id)
    if not found.finished:
        return redirect(url_for("play.run", run_id=run_id), 303)
    rating = form_int("rating")
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    errors: dict[str, str] = {}
    if rating is None or not 1 <= rating <= 5:
        errors["rating"] = "Choose a number from 1 to 5."
    if len(text) > REACTION_CHARS:
        errors["text"] = (
            f"Please keep this to {REACTION_CHARS} characters; it has {len(text)}. "
            "Nothing was saved yet."
        )
    if errors:
        form = {"rating": request.form.get("rating", ""), "text": text}
        if is_htmx():
            return _reactions_block(found, status=400, reaction_errors=errors, reaction_form=form)
        return debrief_page(found, status=400, reaction_errors=errors, reaction_form=form)
    found.reaction_rating = rating
    found.reaction_text = text or None
    found.reacted_at = now()
    session = db.session()
    try:
        session.commit()
    except StaleDataError:  # a choice or a second tab changed the run meanwhile
        session.rollback()
        return _refuse_debrief(owned(run_id), "Your reactions weren't saved: please try again.")
    if is_htmx():
        return _reactions_block(found, saved=True)
    return redirect(url_for("play.debrief", run_id=run_id, _anchor="reactions"), 303)


@bp.post("/runs/<run_id>/rewind")
def rewind(run_id: str) -> Response:
    """Practice mode: a new run from the state before choice N+1 of this one (its first N
    choices replayed), linked to it; this run stays as it was."""
    found = owned(run_id)
    keep = form_int("step")
    if found.mode != "practice":
        _refuse_debrief(found, REWIND_ASSESSMENT)
    if not found.finished:
        return redirect(url_for("play.run", run_id=run_id), 303)
    if keep is None or keep >= found.steps:
        _refuse_debrief(found, "Please use one of the rewind buttons on the debrief.")
    before = [
        earlier for earlier in run_branches(db.session(), found) if earlier.branched_at == keep
    ]
    for earlier in before:
        if earlier.steps == keep and not earlier.finished:
            # a double click or a resent form: the branch not yet played on is the same one
            return redirect(url_for("play.run", run_id=earlier.id), 303)
    # two clicks at once both get here: the same token for both, unique per browser, so the
    # database keeps one branch (a later rewind to this step, once played on, makes another)
    token = f"r:{found.id}:{keep}:{len(before)}"
    scenario = pinned(found)
    kept = run_steps(db.session(), found)[:keep]
    # play is deterministic: the same choices reach the same state, with the same order shown
    replayed = engine.replay(scenario, kept, seed=found.play_state.seed)
    if replayed is None:
        _refuse_debrief(found, "This session can't be rewound. Play again to try another path.")
    state = replayed[0]
    asked = {step.scene for step in kept}
    state = state.model_copy(
        update={"hints": tuple(h for h in found.play_state.hints if h in asked)}
    )
    branch = Run.starting(
        scenario,
        found.scenario_digest,
        state,
        owner=found.owner,
        mode="practice",
        is_test=found.is_test,
        open_response=found.open_response,
        parent_id=found.id,
        branched_at=keep,
        start_token=token,
    )
    session = db.session()
    try:
        session.add(branch)
        session.flush()  # gives the branch its id for its step rows
        matches = step_matches(session, found)  # open response: what the typed words matched
        for step in kept:
            row = StepRow.of(branch, step)
            row.match = matches.get(step.number)
            session.add(row)
        session.commit()
    except IntegrityError:  # the other click committed this branch first: go to it
        session.rollback()
        made = started_with(session, found.owner, token)
        if made is None:
            raise
        return redirect(url_for("play.run", run_id=made), 303)
    return redirect(url_for("play.run", run_id=branch.id), 303)


@bp.post("/runs/<run_id>/instead")
def instead(run_id: str) -> Response:
    """At a key moment of the debrief: what the trainee might say instead, kept before
    another reply the scenario offered is shown (htmx swaps that moment; a plain form 303s)."""
    found = owned(run_id)
    if not found.finished:
        return redirect(url_for("play.run", run_id=run_id), 303)
    step = form_int("step")
    report = _report(found, pinned(found))
    moment = next((k for k in report.key_moments if k.step == step), None)
    if step is None or moment is None:
        _refuse_debrief(found, "Please use the box under one of the key moments.")
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if len(text) > INSTEAD_CHARS:
        _refuse_debrief(
            found,
            f"Please keep this to {INSTEAD_CHARS} characters; it has {len(text)}. Nothing was "
            "saved: go back to copy what you wrote.",
        )
    session = db.session()
    keep_instead(session, found, step, text)
    try:
        session.commit()
    except IntegrityError:  # a double click saved this moment first
        session.rollback()
    anchor = f"key-moment-{moment.number}"
    if is_htmx():  # the debrief does not change with the note: the one built above serves
        return debrief_page(found, report=report, open_section="key-moments")
    return redirect(url_for("play.debrief", run_id=run_id, _anchor=anchor), 303)


@bp.get("/runs/<run_id>/debrief.json")
def debrief_json(run_id: str) -> Response:
    """The Debrief value as a JSON download."""
    found = owned(run_id)
    if not found.finished:
        abort(404)
    report = _report(found, pinned(found))
    document = {
        "run_id": found.id,
        "mode": found.mode,
        "scenario_version": found.scenario_digest,
        "started_at": iso(found.started_at),
        "finished_at": iso(found.finished_at),
        **report.model_dump(mode="json"),
        "instead": {str(k): v for k, v in instead_notes(db.session(), found).items()},
    }
    response = current_app.response_class(
        json.dumps(document, indent=2, ensure_ascii=False), mimetype="application/json"
    )
    return _download(response, found, "json")


@bp.get("/runs/<run_id>/debrief.html")
def debrief_html(run_id: str) -> Response:
    """The debrief as one self-contained HTML file: inline CSS and SVG, no scripts, no requests."""
    found = owned(run_id)
    if not found.finished:
        abort(404)
    context = _debrief_context(found, export=True)
    css = _export_css()
    # the file's one inline stylesheet is allowed by its hash; nothing else may load or run
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
    csp = f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:"
    body = render_template("play/debrief_export.html", css=css, csp=csp, **context)
    response = current_app.response_class(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = csp + "; frame-ancestors 'none'"
    return _download(response, found, "html")


# -- helpers -------------------------------------------------------------------------------

REACTION_CHARS = 2000
REWIND_ASSESSMENT = (
    "Rewinding is part of practice mode. In an assessment each session stands as it was "
    "played, so it shows one attempt; play again to try another path."
)
EXPORT_CSS = ("css/app.css", "css/debrief.css")


def _summaries() -> list[engine.ScenarioSummary]:
    """The library as the debrief needs it, to suggest a next scenario."""
    return [
        engine.ScenarioSummary(
            id=s.id, title=s.title, difficulty=s.difficulty, tags=s.tags, summary=s.summary
        )
        for s, _digest in library().scenarios()
    ]


def _report(found: Run, scenario: Scenario) -> engine.Debrief:
    """The Debrief value of a finished run, with the trainee's reactions if they gave them."""
    reactions = None
    if found.reaction_rating is not None:
        reactions = engine.Reactions(
            rating=found.reaction_rating,
            text=found.reaction_text,
            at=found.reacted_at.isoformat() if found.reacted_at else None,
        )
    steps = run_steps(db.session(), found)
    return engine.build_debrief(scenario, steps, found.play_state, _summaries(), reactions)


def _is_owner(found: Run) -> bool:
    viewer = browser_id()
    return viewer is not None and secrets.compare_digest(found.owner, viewer)


def _debrief_context(
    found: Run, report: engine.Debrief | None = None, **extra: Any
) -> dict[str, Any]:
    """Everything the debrief templates need, for the page, its blocks and the export."""
    scenario = pinned(found)
    report = report or _report(found, scenario)
    session = db.session()
    owner = _is_owner(found) and not extra.get("review")
    parent = session.get(Run, found.parent_id) if found.parent_id else None
    if parent is not None and parent.owner != found.owner:
        parent = None
    context: dict[str, Any] = {
        "run": found,
        "scenario": scenario,
        "report": report,
        "chart": debrief_chart(report.timeline, report.moments, keys=report.key_moments),
        "first_name": engine.first_name,
        "outcomes": OUTCOMES,
        "sentence": engine.changes_sentence,
        "meters": METERS,
        "interactive": owner and not extra.get("export"),
        "parent": parent,
        "branches": run_branches(session, found),
        "export": False,
        "review": None,
        "reaction_errors": {},
        "reaction_form": None,
        "reaction_chars": REACTION_CHARS,
        "instead_notes": instead_notes(session, found),
        "matches": step_matches(session, found),
        "instead_chars": INSTEAD_CHARS,
        "open_section": None,
        "rewind_note": REWIND_ASSESSMENT,
        # a class run plays again inside its class session, so it counts there too
        "classroom": session.get(Classroom, found.classroom_id) if found.classroom_id else None,
    }
    context.update(extra)
    return context


def _reactions_block(found: Run, status: int = 200, **extra: Any) -> Response:
    """The reactions section alone, for htmx to swap in place."""
    context = _debrief_context(found, **extra)
    response = render("play/_reactions.html", status=status, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refuse_debrief(found: Run, message: str) -> NoReturn:
    """A debrief form that can't be used: 400, with the way back to the debrief."""
    heading, _ = ERRORS[400]
    back = (
        url_for("play.debrief", run_id=found.id)
        if found.finished
        else url_for("play.run", run_id=found.id)
    )
    label = "Back to your debrief" if found.finished else "Back to your session"
    abort(message_page(400, heading, message, back, label))


def _export_css() -> str:
    """The stylesheets the export inlines, read from the static folder."""
    folder = Path(current_app.static_folder or "static")
    return "\n".join((folder / name).read_text(encoding="utf-8") for name in EXPORT_CSS)


def _download(response: Response, found: Run, extension: str) -> Response:
    """Mark a response as a file to save, named after the scenario and the day it ended."""
    day = (found.finished_at or found.started_at).strftime("%Y-%m-%d")
    name = f"rapport-debrief-{found.scenario_id}-{day}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


TOO_LONG = (
    f"This session has reached {engine.MAX_CHOICES:,} choices, the most one run keeps, so "
    "no more can be recorded. Everything up to your last choice is kept; to play on, start "
    "the scenario again from its briefing."
)
CLASS_CLOSED = (
    "This class session has closed, so no more replies can be recorded. "
    "Everything up to your last choice is kept."
)


ANSWERS = ("choose", "open")  # pick from the replies, or type first and have them matched


def new_run(loaded: Loaded, mode: str, **links: Any) -> Run:
    """A new run (not yet added) of this exact scenario text for this browser, at its start;
    `links` sets further columns, such as a class session's classroom_id and trainee_id."""
    scenario = loaded.scenario
    assert scenario is not None
    state = engine.start(scenario, seed=new_seed())
    owner = browser_id(create=True)
    keep_text(db.session(), loaded.digest, loaded.source)
    return Run.starting(scenario, loaded.digest, state, owner, mode, **links)


def words_required(run: Run) -> bool:
    """Whether this run's trainee must write their own words before the replies appear: in
    open response always; else only in a class session whose instructor asked for it."""
    if run.open_response:
        return True
    return class_settings(db.session(), run)[1]


def _asking(run: Run, scenario: Scenario, state: engine.State) -> bool:
    """Whether the page asks for the trainee's own words before showing the replies."""
    scene = scenario.scenes[state.scene]
    asked = engine.asks(scene) or (run.open_response and scene.choices is not None)
    return not state.finished and state.written is None and asked


def _record(
    found: Run,
    state: engine.State,
    step: engine.Step,
    scenario: Scenario,
    match: dict[str, Any] | None = None,
) -> Response:
    """Store one choice: the step row and the run's new state together, or neither."""
    if not record_choice(db.session(), found, state, step, match):
        # another request (a double click, a second tab) recorded this step first
        return _settled(owned(found.id), "That reply was already recorded.")
    return _settled(found, _announce(found, step, scenario), last=step)


def _settled(
    run: Run,
    announcement: str,
    focus: str | None = None,
    last: engine.Step | None = None,
) -> Response:
    """After a POST: htmx gets the play block in place; a plain form gets a 303 to the run."""
    if is_htmx():
        if last is None:
            last = last_step(db.session(), run)
        return _play(run, last, announcement=announcement, focus=focus)
    return redirect(url_for("play.run", run_id=run.id), 303)


def _refuse(run: Run, message: str, words: str | None = None) -> NoReturn:
    """A forged or impossible form: 400, with the current play block for htmx (and the words
    the trainee typed kept in the box, so nothing they wrote is lost)."""
    if is_htmx() or words is not None:
        last = last_step(db.session(), run)
        abort(_play(run, last, status=400, notice=message, announcement=message, words=words))
    abort(
        message_page(
            400, ERRORS[400][0], message, url_for("play.run", run_id=run.id), "Back to your session"
        )
    )


def _announce(run: Run, step: engine.Step, scenario: Scenario) -> str:
    """What the live region says after a choice: meter changes in practice, less in assessment."""
    state = run.play_state
    if run.mode == "practice":
        words = [engine.changes_sentence(step.changes, step.after.as_dict())]
        if step.opened:
            words.append(f"A {step.opened} rupture opened.")
        if step.repaired:
            words.append("The rupture was repaired.")
    else:
        words = ["Your reply was recorded."]
    if state.finished:
        words.append(f"The session has ended: {scenario.scenes[state.scene].ending}.")
    else:  # what the client does and says next, the cue first: it is what matters most
        scene = scenario.scenes[state.scene]
        name = engine.first_name(scenario.client.name)
        words += [_heard(scene.cue or ""), f"{name} says: “{_heard(scene.client or '')}”"]
    return " ".join(word for word in words if word)


HEARD = 1000  # characters of a line the live region reads out (the bundled lines: under 250)


def _heard(line: str) -> str:
    """A line as the live region reads it: a line of a megabyte made every choice's
    response ten megabytes, half of it this copy; the page shows it whole."""
    return line if len(line) <= HEARD else line[:HEARD].rstrip() + "… (the rest is on the page)"


def _play(
    run: Run,
    last: engine.Step | None,
    status: int = 200,
    notice: str | None = None,
    announcement: str = "",
    focus: str | None = None,
    words: str | None = None,
) -> Response:
    """Render the play page (or its `play` block for htmx) for where the run stands."""
    scenario = pinned(run)
    state = run.play_state
    practice = run.mode == "practice"
    asking = _asking(run, scenario, state)
    left = scenario.scenes[last.scene] if last else None
    context: dict[str, Any] = {
        "run": run,
        "scenario": scenario,
        "client": scenario.client,
        "state": state,
        "scene": scenario.scenes[state.scene],
        "shown": [] if asking else engine.shown(scenario, state),
        "asking": asking,
        "words": words or "",
        "words_limit": engine.WORDS_LIMIT,
        "words_required": asking and words_required(run),
        "open_response": run.open_response,
        "match": _match(run, scenario, state) if not asking else None,
        "moment_name": engine.moment_name(left, scenario) if (practice and left) else None,
        "practice": practice,
        "last": last if practice else None,
        "left": left if practice else None,
        "changes": engine.changes_sentence(last.changes, last.after.as_dict()) if last else "",
        "meters": meter_items(state, last) if practice else [],
        "short_changes": _short_changes(last) if last else "",
        "last_quality": _macro_markup("quality", last.quality) if last else "",
        "open_ruptures": _open_ruptures(scenario, state, last) if practice else [],
        "show_hint": practice and state.scene in state.hints,
        "notice": notice,
        "announcement": announcement,
        "outcomes": OUTCOMES,
    }
    if focus is None:  # the start of the new scene; the live region has said what changed
        if state.finished:
            focus = "ending-heading"
        else:  # the non-verbal cue first, where there is one: noticing it is the skill
            focus = "scene-cue" if scenario.scenes[state.scene].cue else "client-line"
    context["focus"] = focus
    response = render("play/run.html", block="play", status=status, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _match(run: Run, scenario: Scenario, state: engine.State) -> matching.Match | None:
    """What the typed words match among the offered replies, in open response."""
    if not run.open_response or state.finished or not state.written:
        return None
    return matching.matcher().match(state.scene, engine.shown(scenario, state), state.written)


def _match_record(found: matching.Match | None, chosen: str) -> dict[str, Any] | None:
    """The match as a step row keeps it: the best reply, its words and similarity, whether
    it was close enough to mark, and whether the trainee confirmed it or chose another."""
    if found is None or not found.available or found.best is None:
        return None
    best = found.best
    return {
        "reply": best.reply,
        "say": best.say,
        "similarity": round(best.similarity, 3),
        "close": found.close,
        "confirmed": chosen == best.reply,
    }


def _match_announcement(found: matching.Match | None) -> str:
    """What the live region says once the typed words are matched."""
    if found is None or not found.available:
        return "Your words were saved. Matching is not available here."
    if not found.close or found.best is None:
        return "Your words were saved. None of the replies is close to them."
    return f"Your words were saved. Closest to what you wrote: “{found.best.say}”."


def _short_changes(last: engine.Step) -> str:
    """The last reply's meter changes in a few characters: 'Trust −8 · Positivity +4'."""
    changes = last.changes  # computed on each access: once here
    moved = [(meter, changes[meter]) for meter in METERS if changes.get(meter)]
    if not moved:
        return "No meter moved"
    return " · ".join(f"{METER_WORDS[m]} {'+' if d > 0 else '−'}{abs(d)}" for m, d in moved)


def _open_ruptures(
    scenario: Scenario, state: engine.State, last: engine.Step | None
) -> list[dict[str, Any]]:
    """The ruptures still open that the trainee has been shown: the one a rupture moment
    opened as play entered it stays unflagged until it is answered, so the page never names
    the moment first (entering opens one only when none is open). Alike ones are counted on
    one line: a looping run may leave hundreds open."""
    still = [rupture for rupture in state.ruptures if rupture.repaired_at is None]
    entered = (
        len(still) == 1
        and still[0].opened_at == state.scene
        and scenario.scenes[state.scene].moment == "rupture"
        and not (last and last.opened)
    )
    shown: dict[tuple[str, bool], dict[str, Any]] = {}
    for rupture in [] if entered else still:
        key = (rupture.type, rupture.attempted_at is not None)
        line = shown.setdefault(key, {"type": key[0], "invited": key[1], "count": 0})
        line["count"] += 1
    return list(shown.values())


def meter_items(state: engine.State, last: engine.Step | None) -> list[dict[str, Any]]:
    """The four meters as the meter macro shows them: label, value and the last change, and
    the macro's markup for them (`html`)."""
    changes = last.changes if last is not None else {}
    items = []
    for meter in METERS:
        value, delta = state.meters.get(meter), changes.get(meter, 0)
        item = {"name": meter, "label": METER_WORDS[meter], "value": value, "delta": delta}
        item["html"] = _meter_markup(meter, value, delta)
        items.append(item)
    return items


def _meter_markup(name: str, value: int, delta: int) -> Markup:
    """One meter as the `meter` macro draws it."""
    return _macro_markup("meter", name, METER_WORDS[name], value, delta)


@functools.lru_cache(maxsize=32768)  # every meter value and change seen: a few MB at most
def _macro_markup(macro: str, *args: Any) -> Markup:
    """A macro of _macros.html drawn once per process for each set of arguments (macro
    calls, and importing the macros, were a tenth of a choice's server time)."""
    found = getattr(current_app.jinja_env.get_template("_macros.html").module, macro)
    return Markup(found(*args))
