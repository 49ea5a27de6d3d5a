"""Playing a scenario together: the instructor starts a group run, the projector shows the
scene and how many have voted, trainees vote on their phones, the instructor reveals the split
and goes on. The rules are in `simulator/groups.py`; these views parse, call and render.

Live views poll every two seconds with the key of what they show (`?seen=`): while nothing
changed the answer is an empty 204, which htmx does not swap, so a phone's half-typed words
and the instructor's focus stay put."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from flask import abort, flash, redirect, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from .. import db, engine, groups
from .. import play as plays
from ..auth import instructor_required
from ..chart import debrief_chart
from ..engine import METERS, Scenario
from ..models import Classroom, GroupRun, Trainee, keep_text, trainee_count
from ..web import ERRORS, form_int, is_htmx, message_page, render
from ..words import OUTCOMES, POLL
from . import bp
from .shared import ENDED, NOT_YOURS, find, member, owned_class, to_join

CLOSED = "This class session has closed, so no more votes can be recorded."
MOVED_ON = "The room has moved on: here is where the group run is now."


@bp.app_template_global()
def group_now(classroom: Classroom) -> GroupRun | None:
    """The class session's group run in progress, for the dashboard and the class page."""
    return groups.active_group(db.session(), classroom.id)


def _scenario(group: GroupRun) -> Scenario:
    """The exact scenario version the group run started with."""
    scenario = plays.pinned_version(group.scenario_digest)
    if scenario is None:
        abort(500)
    return scenario


def _owned_group(code: str, group_id: int) -> tuple[Classroom, GroupRun]:
    classroom = owned_class(code)
    group = groups.class_group(db.session(), classroom.id, group_id)
    if group is None:
        abort(404)
    return classroom, group


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the instructor: start, projector, own view, reveal, go on, stop -------------------------


@bp.post("/classes/<code>/group")
@instructor_required(ENDED)
def group_start(code: str) -> Response:
    """Start a group run of one of the session's scenarios; a double click (or a second start
    while one is going) opens the one in progress."""
    classroom = owned_class(code)
    session = db.session()
    scenario_id = request.form.get("scenario", "")
    going = groups.active_group(session, classroom.id)
    if going is not None:
        if going.scenario_id != scenario_id:
            flash(f"The room is already playing {going.title} together: end it to start another.")
        return redirect(_projector_url(classroom, going), 303)
    back = url_for("classroom.dashboard", code=classroom.code)
    if not classroom.is_open:
        _stop(409, "This class session has closed", "A group run can't start now.", back)
    if scenario_id not in classroom.scenario_ids:
        _stop(400, ERRORS[400][0], "That scenario isn't part of this class session.", back)
    try:
        loaded = plays.current(scenario_id)
    except NotFound:
        _stop(404, "That scenario isn't available", "It may be being edited: try again.", back)
    assert loaded.scenario is not None
    keep_text(session, loaded.digest, loaded.source)
    group = groups.new_group(classroom.id, loaded.scenario, loaded.digest, classroom.mode)
    session.add(group)
    try:
        session.commit()
    except IntegrityError:  # the other click of a double click started it first
        session.rollback()
        found = groups.active_group(session, classroom.id)
        if found is None:
            raise
        group = found
    return redirect(_projector_url(classroom, group), 303)


def _stop(status: int, heading: str, message: str, back: str) -> NoReturn:
    abort(message_page(status, heading, message, back, "Back to the class"))


def _projector_url(classroom: Classroom, group: GroupRun) -> str:
    return url_for("classroom.group_projector", code=classroom.code, group_id=group.id)


@bp.get("/classes/<code>/group/<id:group_id>")
@instructor_required(ENDED)
def group_projector(code: str, group_id: int) -> Response:
    """The projector: the scene, the replies in the room's order, how many have voted; the
    split once revealed; the group's debrief at the end. Never a name or typed words."""
    classroom, group = _owned_group(code, group_id)
    return _group_page(classroom, group, "projector")


@bp.get("/classes/<code>/group/<id:group_id>/votes")
@instructor_required(ENDED)
def group_control(code: str, group_id: int) -> Response:
    """The instructor's own view: the split live before the reveal, and the room's own words."""
    classroom, group = _owned_group(code, group_id)
    return _group_page(classroom, group, "control")


@bp.post("/classes/<code>/group/<id:group_id>/reveal")
@instructor_required(ENDED)
def group_reveal(code: str, group_id: int) -> Response:
    """Close the votes at this scene and show the split on the projector."""
    classroom, group = _owned_group(code, group_id)
    if form_int("step") != group.steps or not group.active:
        return _after(classroom, group, MOVED_ON)
    groups.reveal(db.session(), group)
    return _commit(classroom, group, "The votes are revealed.", focus="group-split-heading")


@bp.post("/classes/<code>/group/<id:group_id>/advance")
@instructor_required(ENDED)
def group_advance(code: str, group_id: int) -> Response:
    """Go on with the room's majority or with the reply the instructor picks."""
    classroom, group = _owned_group(code, group_id)
    if form_int("step") != group.steps or not group.active:
        return _after(classroom, group, MOVED_ON)
    if not classroom.is_open:
        return _after(classroom, group, "This class session has closed.", status=409)
    scenario = _scenario(group)
    try:
        row = groups.advance(db.session(), group, scenario, request.form.get("pick", ""))
    except groups.GroupError as error:
        return _after(classroom, group, str(error), status=409)
    message = f"The room goes on with {groups.chosen_letter(row)}."
    return _commit(classroom, group, message, focus="group-scene")


@bp.post("/classes/<code>/group/<id:group_id>/stop")
@instructor_required(ENDED)
def group_stop(code: str, group_id: int) -> Response:
    """End the group run where it stands; what the room chose so far is kept."""
    classroom, group = _owned_group(code, group_id)
    groups.stop(group)
    return _commit(classroom, group, "The group run has ended here.", focus=None)


def _commit(classroom: Classroom, group: GroupRun, message: str, focus: str | None) -> Response:
    session = db.session()
    try:
        session.commit()
    except (IntegrityError, StaleDataError):  # another tab of the instructor's went first
        session.rollback()
        fresh = groups.class_group(session, classroom.id, group.id)
        assert fresh is not None
        return _after(classroom, fresh, MOVED_ON)
    return _after(classroom, group, message, focus=focus)


def _after(
    classroom: Classroom,
    group: GroupRun,
    message: str,
    status: int = 200,
    focus: str | None = None,
) -> Response:
    """After a control: htmx gets the view it came from; a plain form a 303 back to it."""
    view = "control" if request.form.get("back") == "control" else "projector"
    if is_htmx():
        return _group_page(classroom, group, view, message=message, status=status, focus=focus)
    flash(message)
    endpoint = "classroom.group_control" if view == "control" else "classroom.group_projector"
    return redirect(url_for(endpoint, code=classroom.code, group_id=group.id), 303)


@dataclass(frozen=True)
class _DebriefRun:
    """What the debrief template reads of a run, for the group's debrief."""

    mode: str
    finished_at: datetime | None
    id: str = ""
    parent_id: None = None
    branched_at: None = None
    classroom_id: None = None


def _group_page(
    classroom: Classroom,
    group: GroupRun,
    view: str,
    message: str = "",
    status: int = 200,
    focus: str | None = None,
) -> Response:
    """The projector (`view` "projector") or the instructor's own view ("control")."""
    session = db.session()
    counts = groups.tally(session, group)  # only offered replies are ever counted in
    present = trainee_count(session, classroom.id)
    voted = sum(counts.values())
    revealed = group.revealed is not None
    # the split is the instructor's until the reveal; the projector shows only the count
    shown_counts = counts if (revealed or view == "control") else {}
    words = groups.written(session, group) if view == "control" else []
    live = group.active and classroom.is_open
    key = ".".join(
        str(part) for part in (group.id, group.steps, revealed, live, voted, present, len(words))
    ) + ("." + ",".join(f"{k}:{v}" for k, v in sorted(shown_counts.items())))
    if is_htmx() and request.args.get("seen") == key and request.method == "GET":
        return _no_store(Response(status=204))  # nothing changed: no need to read further
    scenario = _scenario(group)
    state = group.play_state
    offered = groups.replies(scenario, state)
    rows = groups.group_steps(session, group)
    last = rows[-1] if rows else None
    template = "classroom/group.html" if view == "projector" else "classroom/group_control.html"
    context: dict[str, Any] = {
        "classroom": classroom,
        "group": group,
        "scenario": scenario,
        "client": scenario.client,
        "state": state,
        "scene": scenario.scenes[state.scene],
        "offered": offered,
        "split": groups.split(offered, shown_counts),
        "leaders": groups.leaders(offered, shown_counts),
        "present": present,
        "voted": voted,
        "revealed": revealed,
        "words": words,
        "last": last,
        "last_step": last.step if last else None,
        "decided": groups.DECIDED,
        "practice": group.mode == "practice",
        "meters": plays.meter_items(state, last.step if last else None),
        "message": message,
        "focus": focus,
        "poll": POLL if live else None,
        "seen": key,
        "view": view,
        "open": classroom.is_open,
    }
    if group.finished:
        context.update(_debrief(classroom, group, scenario, [row.step for row in rows]))
        context["rows"] = rows
    block = "group" if view == "projector" else "control"
    return _no_store(render(template, block=block, status=status, **context))


def _debrief(
    classroom: Classroom, group: GroupRun, scenario: Scenario, steps: list[engine.Step]
) -> dict[str, Any]:
    """What play/_debrief.html needs to show the group's debrief: the engine's own, read
    only (no reactions, rewinds or notes: those are a trainee's)."""
    report = engine.build_debrief(scenario, steps, group.play_state)
    return {
        "run": _DebriefRun(mode=group.mode, finished_at=group.finished_at),
        "report": report,
        "chart": debrief_chart(report.timeline, report.moments, keys=report.key_moments),
        "first_name": engine.first_name,
        "outcomes": OUTCOMES,
        "sentence": engine.changes_sentence,
        "meters": METERS,  # the chart's description names each meter
        "interactive": False,
        "parent": None,
        "branches": [],
        "export": False,
        "review": {
            "classroom": classroom,
            "trainee": "the room",
            "back": url_for("classroom.dashboard", code=classroom.code),
        },
        "reaction_errors": {},
        "reaction_form": None,
        "saved_reactions": False,
        "reaction_chars": 0,
        "instead_notes": {},
        "instead_chars": 0,
        "open_section": None,
        "rewind_note": "",
    }


# -- the trainees: the vote page, own words, votes -------------------------------------------


@bp.get("/classes/<code>/vote")
def vote_page(code: str) -> Response:
    """A trainee's phone in a group run: the scene, their own words first where asked, the
    replies to vote for; it follows the room (polled) until the class session closes."""
    classroom = find(code)
    trainee = member(classroom) if classroom is not None else None
    if classroom is None or trainee is None:
        return to_join(code)  # as the class page: the same answer whether or not it exists
    return _vote_view(classroom, trainee)


def _voter(code: str) -> tuple[Classroom, Trainee, GroupRun | None]:
    """The class session, this browser's trainee in it and its group run; 404 for others."""
    classroom = find(code)
    trainee = member(classroom) if classroom is not None else None
    if classroom is None or trainee is None:
        abort(404, NOT_YOURS)
    return classroom, trainee, groups.active_group(db.session(), classroom.id)


@bp.post("/classes/<code>/vote")
def vote(code: str) -> Response:
    """Vote for a reply at the current scene, or change the vote, until the reveal."""
    classroom, trainee, group = _voter(code)
    moved = _moved_on(classroom, group)
    if moved is not None:
        return _voted(classroom, trainee, moved)
    assert group is not None
    scenario = _scenario(group)
    session = db.session()
    if groups.asking(scenario, group, groups.vote_of(session, group, trainee.id)):
        _refuse(
            classroom, trainee, "Please write what you would say first; then the replies appear."
        )
    offered = groups.replies(scenario, group.play_state)
    chosen = next((r for r in offered if r.id == request.form.get("reply", "")), None)
    if chosen is None:
        _refuse(
            classroom,
            trainee,
            "That reply isn't on offer at this scene. Please pick one of those shown.",
        )
    reply = chosen.id
    _save(lambda: groups.cast(session, group, trainee.id, reply, None))
    return _voted(
        classroom,
        trainee,
        f"Your vote for {chosen.letter} is in. You can change it until the votes are revealed.",
        focus="vote-status",
    )


@bp.post("/classes/<code>/vote/words")
def vote_words(code: str) -> Response:
    """A trainee's own words at the scene before the replies appear (or a skip, where the
    class allows it): the same rules and limit as in solo play."""
    classroom, trainee, group = _voter(code)
    moved = _moved_on(classroom, group)
    if moved is not None:
        return _voted(classroom, trainee, moved)
    assert group is not None
    scenario = _scenario(group)
    session = db.session()
    if not groups.asking(scenario, group, groups.vote_of(session, group, trainee.id)):
        return _voted(classroom, trainee, "Here is where the group run is now.")
    text = request.form.get("words", "").replace("\r\n", "\n").strip()
    skip = "skip" in request.form
    error = groups.words_error(text, skip, classroom.words_required)
    if error is not None:
        _refuse(classroom, trainee, error, words=text)
    kept = "" if skip else text
    _save(lambda: groups.cast(session, group, trainee.id, None, kept))
    said = "The replies are shown below." if skip or not text else "Your words were saved."
    return _voted(
        classroom, trainee, said + " Now vote for the reply closest to yours.", focus="vote-legend"
    )


def _moved_on(classroom: Classroom, group: GroupRun | None) -> str | None:
    """Why a vote form can no longer be used (the scene moved on, the votes closed), if so."""
    if group is None or form_int("group") != group.id or form_int("step") != group.steps:
        return MOVED_ON
    if not classroom.is_open:
        return CLOSED
    if group.revealed is not None:
        return "The votes for this scene are closed: look at the screen for the room's split."
    return None


def _save(change: Callable[[], None]) -> None:
    """Make a change to a vote and commit it; a double click's second insert updates instead."""
    session = db.session()
    change()
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        change()
        session.commit()


def _refuse(
    classroom: Classroom, trainee: Trainee, message: str, words: str | None = None
) -> NoReturn:
    """A form that can't be used: 400 with the vote block (the typed words kept) for htmx and
    for own words; otherwise a page with the way back."""
    if is_htmx() or words is not None:
        abort(_vote_view(classroom, trainee, message=message, status=400, words=words, alert=True))
    back = url_for("classroom.vote_page", code=classroom.code)
    abort(message_page(400, ERRORS[400][0], message, back, "Back to the vote"))


def _voted(
    classroom: Classroom, trainee: Trainee, message: str, focus: str | None = None
) -> Response:
    if is_htmx():
        return _vote_view(classroom, trainee, message=message, focus=focus)
    flash(message)
    return redirect(url_for("classroom.vote_page", code=classroom.code), 303)


def _vote_view(
    classroom: Classroom,
    trainee: Trainee,
    message: str = "",
    status: int = 200,
    words: str | None = None,
    alert: bool = False,
    focus: str | None = None,
) -> Response:
    session = db.session()
    group = groups.latest_group(session, classroom.id)
    if group is None:
        key = "none"
    else:
        key = f"{group.id}.{group.steps}.{group.revealed is not None}.{group.active}"
    key += f".{classroom.is_open}"
    if is_htmx() and request.method == "GET" and request.args.get("seen") == key:
        return _no_store(Response(status=204))
    context: dict[str, Any] = {
        "classroom": classroom,
        "trainee": trainee,
        "group": group,
        "seen": key,
        "poll": POLL if classroom.is_open else None,
        "message": message,
        "alert": alert,
        "words": words or "",
        "words_limit": engine.WORDS_LIMIT,
        "words_required": classroom.words_required,
        "focus": focus,
    }
    if focus is None and request.method == "GET":  # what the poll brought takes focus
        if group is None or not group.active or not classroom.is_open:
            context["focus"] = "vote-state"
        else:
            context["focus"] = "vote-scene" if group.revealed is None else "vote-closed"
    if group is not None:
        scenario = _scenario(group)
        vote_row = groups.vote_of(session, group, trainee.id) if group.active else None
        offered = groups.replies(scenario, group.play_state)
        context.update(
            scenario=scenario,
            client=scenario.client,
            scene=scenario.scenes[group.scene],
            offered=offered,
            vote=vote_row,
            mine=next((r for r in offered if vote_row and r.id == vote_row.reply), None),
            asking=group.active and groups.asking(scenario, group, vote_row),
        )
    return _no_store(render("classroom/group_vote.html", block="vote", status=status, **context))
