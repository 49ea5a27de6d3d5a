"""Discussion mode: the instructor steps the projector through the key moments of the class's
scenarios, one at a time. Each moment shows the client's cue and line and the replies in
the scenario's own order; the room's split only once revealed, and the author's ratings and
feedback only on a second step. The state lives on the class session's row
(Classroom.discussion), so the projector (polling) and the instructor's phone agree."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, redirect, request, url_for
from werkzeug.wrappers import Response

from .. import db
from ..auth import instructor_required
from ..engine import Choice, Scenario
from ..models import Classroom
from ..standings import Moment
from ..web import form_int, is_htmx, message_page, render
from ..words import POLL
from . import bp
from .instructor import qr_of
from .room import class_split
from .shared import ENDED, current_scenarios, owned_class, revealed_keys

# what the room sees of the current moment, in the order the instructor goes through it
STAGES = ("ask", "split", "author")
VIEWS = {"presenter": "classroom/discussion.html", "remote": "classroom/remote.html"}


@dataclass
class Reply:
    """One authored reply at a key moment, with the room's count once revealed."""

    letter: str
    say: str
    quality: str | None = None
    feedback: str | None = None
    skill: str | None = None
    count: int = 0
    percent: int = 0


@dataclass
class Slide:
    """One key moment as the projector shows it."""

    number: int  # 1-based, of `of`
    of: int
    scenario_id: str
    scenario_title: str
    scene: str
    kind: str
    cue: str | None
    client: str
    replies: list[Reply] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many of the room chose at this moment (first attempts)."""
        return sum(reply.count for reply in self.replies)

    @property
    def strong(self) -> list[Reply]:
        """The replies the author rated strong."""
        return [reply for reply in self.replies if reply.quality == "strong"]


def key_moments(scenarios: list[Scenario]) -> list[tuple[Scenario, str]]:
    """Every key moment (a scene with `moment:` and choices), class order then file order."""
    return [
        (scenario, scene_id)
        for scenario in scenarios
        for scene_id, scene in scenario.scenes.items()
        if scene.moment is not None and scene.choices
    ]


def position(classroom: Classroom, moments: list[tuple[Scenario, str]]) -> tuple[int, str]:
    """Where the discussion stands: the moment's index and the stage. A moment that is no
    longer in the class's scenarios starts the discussion again from the first."""
    state = classroom.discussion or {}
    stage = state.get("stage") if state.get("stage") in STAGES else "ask"
    for index, (scenario, scene_id) in enumerate(moments):
        if (scenario.id, scene_id) == (state.get("scenario"), state.get("scene")):
            return index, str(stage)
    return 0, "ask"


def _letter(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def _reply(index: int, choice: Choice) -> Reply:
    return Reply(_letter(index), choice.say, choice.quality, choice.feedback, choice.skill)


def slide(
    moments: list[tuple[Scenario, str]], index: int, split: list[Moment] | None
) -> Slide | None:
    """The moment at `index` with its replies in file order; the counts only when `split` is
    given (after the reveal). Counts for a reply an earlier version had are kept, last."""
    if not moments:
        return None
    scenario, scene_id = moments[index]
    scene = scenario.scenes[scene_id]
    shown = Slide(
        number=index + 1,
        of=len(moments),
        scenario_id=scenario.id,
        scenario_title=scenario.title,
        scene=scene_id,
        kind=scene.moment or "",
        cue=scene.cue,
        client=scene.client or "",
        replies=[_reply(i, choice) for i, choice in enumerate(scene.choices or ())],
    )
    if split is None:
        return shown
    found = next((m for m in split if (m.scenario_id, m.scene) == (scenario.id, scene_id)), None)
    for bar in found.bars if found else []:
        reply = next((r for r in shown.replies if r.say == bar.say), None)
        if reply is None:
            if not bar.count:
                continue
            reply = Reply(_letter(len(shown.replies)), bar.say, skill=bar.skill)
            shown.replies.append(reply)
        reply.count, reply.percent = bar.count, bar.percent
    return shown


def _page(classroom: Classroom, view: str, status_message: str = "") -> Response:
    scenarios = current_scenarios(classroom)
    moments = key_moments(scenarios)
    index, stage = position(classroom, moments)
    revealed = stage in ("split", "author")
    response = render(
        VIEWS[view],
        block="presenter",
        classroom=classroom,
        view=view,
        slide=slide(moments, index, class_split(classroom, scenarios) if revealed else None),
        index=index,
        stage=stage,
        revealed=revealed,
        poll=POLL,
        status_message=status_message,
        # the projector offers the phone controller as a QR code (not in the polled block)
        remote_qr=None
        if is_htmx() or view != "presenter"
        else qr_of(url_for("classroom.remote", code=classroom.code, _external=True)),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/classes/<code>/discuss")
@instructor_required(ENDED)
def discuss(code: str) -> Response:
    """The projector's view of the discussion, polled so the phone's steps reach it."""
    return _page(owned_class(code), "presenter")


@bp.get("/classes/<code>/discuss/remote")
@instructor_required(ENDED)
def remote(code: str) -> Response:
    """The instructor's phone: the same steps as large buttons, and where the room is."""
    return _page(owned_class(code), "remote")


MOVES = {
    "previous": "Back to the previous moment: the counts are hidden.",
    "next": "On to the next moment: the counts are hidden until you reveal them.",
    "ask": "The counts are hidden again.",
    "split": "The room's split is shown.",
    "author": "The author's ratings and feedback are shown.",
}


@bp.post("/classes/<code>/discuss")
@instructor_required(ENDED)
def step(code: str) -> Response:
    """One step of the discussion. The form names the moment it was on (`at`), so a second
    press from a page that was behind does not skip a moment."""
    classroom = owned_class(code)
    move = request.form.get("move", "")
    view = request.form.get("view", "presenter")
    if move not in MOVES or view not in VIEWS:
        abort(
            message_page(
                400,
                "We couldn't take that step",
                "That isn't a step of the discussion: use the buttons on the discussion page.",
                url_for("classroom.discuss", code=classroom.code),
                "Back to the discussion",
            )
        )
    moments = key_moments(current_scenarios(classroom))
    index, stage = position(classroom, moments)
    at = form_int("at")
    if moments and at is not None and at < len(moments):
        index = at  # the moment the pressed page showed
    if move == "previous":
        index, stage = max(index - 1, 0), "ask"
    elif move == "next":
        index, stage = min(index + 1, max(len(moments) - 1, 0)), "ask"
    else:
        stage = move
    if moments:
        scenario, scene_id = moments[index]
        shown = revealed_keys(classroom)
        if stage != "ask":
            shown.add(f"{scenario.id}/{scene_id}")
        classroom.discussion = {
            "scenario": scenario.id,
            "scene": scene_id,
            "stage": stage,
            "revealed": sorted(shown),
        }
        db.session().commit()
    if is_htmx():
        return _page(classroom, view, status_message=MOVES[move])
    target = "classroom.remote" if view == "remote" else "classroom.discuss"
    return redirect(url_for(target, code=classroom.code), 303)
