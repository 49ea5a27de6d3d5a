"""What the instructor's, the room's and the trainees' views share: finding a class session,
who may see it, its scenarios and its join URL."""

from __future__ import annotations

from flask import abort, redirect, url_for
from werkzeug.wrappers import Response

from .. import db
from .. import play as plays
from ..auth import current_instructor
from ..engine import Scenario
from ..models import Classroom, Trainee, class_member, classroom_by_code, name_taken
from ..web import browser_id, is_htmx, message_page
from .codes import normal_code

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
NOT_YOURS = (
    "This page is only for the class session's instructor and the trainees who joined it. "
    "If you have a join code, join the class first."
)
# what an htmx request hears once the instructor's login has ended (the roster polling)
ENDED = "Your instructor login has ended. Log in again to see the class."


LEFT = "This browser is no longer in the class session, so this page stopped following it."


def to_join(code: str) -> Response:
    """For a browser not in the class session (or a code that does not exist: the same
    answer either way), the join form; for the poll of a trainee's page, a short message in
    place instead (htmx would follow the redirect and swap the join page in)."""
    join = url_for("classroom.join_form", code=normal_code(code) or "")
    if is_htmx():
        return message_page(404, "You are not in this class session", LEFT, join, "Join")
    return redirect(join, 303)


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


def current_scenarios(classroom: Classroom) -> list[Scenario]:
    """The class's scenarios that the library has a valid version of now."""
    return [scenario for _id, scenario in class_scenarios(classroom) if scenario is not None]


def name_is_taken(classroom: Classroom, key: str, but: int | None = None) -> bool:
    """Whether someone in the class (other than trainee `but`) has a name with this key."""
    return name_taken(db.session(), classroom.id, key, but)


def join_url(classroom: Classroom) -> str:
    """The full URL trainees open to join the class session (as in its QR code)."""
    return url_for("classroom.join_form", code=classroom.code, _external=True)


def revealed_keys(classroom: Classroom) -> set[str]:
    """The key moments ("scenario/scene") revealed so far in the class's discussion: the
    trainees' own moments view holds back the others' counts until then."""
    state = classroom.discussion or {}
    found = state.get("revealed")
    return {str(key) for key in found} if isinstance(found, list) else set()
