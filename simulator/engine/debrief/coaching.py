"""The coaching: strengths, one pattern, the growth edge (a missed safety step first), one
take-away and the scenario to try next."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from ..model import METERS, Scenario
from ..play import State, Step
from .replay import best_other, open_during
from .values import (
    Alternative,
    Growth,
    Pattern,
    Point,
    RuptureReport,
    ScenarioSummary,
    Skills,
    Strength,
    Suggestion,
    Summary,
    Takeaway,
)
from .words import (
    DISCLOSURE_LESSONS,
    DISCLOSURE_NAMES,
    EXPLAINING,
    FIXING,
    FOCUS_WORDS,
    LEVELS,
    MOVING_ON,
    OUTCOME_WORDS,
    QUALITY_RANK,
    RUPTURE_LESSONS,
    SAFETY_LESSON,
    SKILL_LESSONS,
    changes_sentence,
    first_name,
    marker_sentence,
    net,
    plural,
    quote,
    skill_phrase,
    whole,
)

# -- strengths -----------------------------------------------------------------------------


def _own_words(step: Step) -> str:
    """What was true of a partial reply, for a strength the scenario's feedback may not fit."""
    rose = [f"{m} rose by {d}" for m, d in step.changes.items() if d > 0]
    what = f"That reply was {skill_phrase(step.skill)}" if step.skill else ""
    gain = " and ".join(rose)
    if what and gain:
        return f" {what}, and {gain}."
    if what or gain:
        return f" {what or 'After it, ' + gain}."
    return ""


def _strength(scenario: Scenario, step: Step, title: str, own_words: bool) -> Strength:
    """Name the step; a strong reply keeps the scenario's feedback, a partial one gets only
    what was true of it (its feedback may weigh its limits, too)."""
    name = first_name(scenario.client.name)
    line = scenario.scenes[step.scene].client
    # a marker in the line is what the reply answered: quote the sentence carrying it
    carrying = marker_sentence("withdrawal", line) if line else None
    heard = quote(carrying, None) if carrying else quote(line) if line else ""
    before = f"After {name} said {heard}, you" if line else "You"
    detail = said = f"{before} replied {whole(step.say)}"
    if own_words:
        detail += _own_words(step)
    elif step.feedback:
        detail += f" {step.feedback}"
    return Strength(step=step.number, title=title, detail=detail, said=said)


def _named(
    name: str, steps: Sequence[Step], ruptures: Sequence[RuptureReport]
) -> list[tuple[Step, str]]:
    """The steps worth naming as strengths, most telling first: repairs, strong replies
    (the largest gain first), then a brief disclosure or warm decline that worked."""
    named = []
    # a repair is credited to the reply that made it, or, where the scenario waits for the
    # client's uptake, to the invitation the client took up (and only then); the first
    # rupture credited to a step names it
    credited: dict[int, RuptureReport] = {}
    for rupture in ruptures:
        if rupture.credited_step is not None:
            credited.setdefault(rupture.credited_step, rupture)
    none_repaired = not any(r.repaired_step is not None for r in ruptures)
    for step in steps:
        first = credited.get(step.number)
        if first is not None:
            if first.invited_step is not None:
                named.append((step, f"Inviting a repair {name} took up, at choice {step.number}"))
            else:
                named.append((step, f"Repairing the {first.type} rupture at choice {step.number}"))
        elif step.repaired and none_repaired:
            # no rupture report matched the record (a playtest begun mid-scenario)
            named.append((step, f"Repairing the rupture at choice {step.number}"))
    strong = sorted(
        (s for s in steps if s.quality == "strong"), key=lambda s: (-net(s.changes), s.number)
    )
    for step in strong:
        if step.disclosure in DISCLOSURE_NAMES:
            what = f"A {DISCLOSURE_NAMES[step.disclosure]}"
        else:
            what = skill_phrase(step.skill).split(",")[0].capitalize()
        named.append((step, f"{what} at choice {step.number}"))
    for step in steps:
        if step.disclosure in ("brief", "decline") and step.quality in ("strong", "adequate"):
            named.append((step, f"A {DISCLOSURE_NAMES[step.disclosure]} at choice {step.number}"))
    return named


def _partial(name: str, steps: Sequence[Step]) -> tuple[Step, str] | None:
    """With nothing strong to name, a reply that helped, else one that made room to talk."""
    helpful = sorted(
        (s for s in steps if net(s.changes) > 0 or s.changes.get("trust", 0) > 0),
        key=lambda s: (-QUALITY_RANK.get(s.quality, 2), -net(s.changes), s.number),
    )
    if helpful:
        return helpful[0], f"A step toward {name} at choice {helpful[0].number}"
    listening = [s for s in steps if s.skill and ("reflection" in s.skill or "question" in s.skill)]
    if listening:
        return listening[0], f"Making room for {name} to talk, at choice {listening[0].number}"
    return None


def _staying(name: str, steps: Sequence[Step], stayed: bool) -> Strength:
    if stayed:
        detail = (
            f"You and {name} reached the end of the session together, through the hard "
            "moments as well as the easy ones. That persistence is where repair starts."
        )
    else:
        detail = f"You kept working with {name} for {plural(len(steps), 'choice')}."
    return Strength(title="Staying with the session", detail=detail)


def strengths_of(
    scenario: Scenario, steps: Sequence[Step], ruptures: Sequence[RuptureReport], stayed: bool
) -> tuple[Strength, ...]:
    """One or two things done well, specifically; always at least one."""
    name = first_name(scenario.client.name)
    found: list[Strength] = []
    used: set[int] = set()
    for step, title in _named(name, steps, ruptures):
        if len(found) < 2 and step.number not in used:
            used.add(step.number)
            found.append(_strength(scenario, step, title, own_words=False))
    if not found and (partial := _partial(name, steps)) is not None:
        found.append(_strength(scenario, partial[0], partial[1], own_words=True))
    if not found:
        found.append(_staying(name, steps, stayed))
    return tuple(found)


# -- the pattern ---------------------------------------------------------------------------


class _Session(NamedTuple):
    """What the pattern rules look at."""

    name: str
    steps: Sequence[Step]
    ruptures: Sequence[RuptureReport]
    skills: Skills


def _during(session: _Session, kind: str, skills_of: set[str]) -> list[Step]:
    """The steps with one of these skills while a rupture of this kind was open."""
    return [
        s
        for s in session.steps
        if s.skill in skills_of
        and any(r.type == kind for r in open_during(session.ruptures, s.number))
    ]


def _choices(found: Sequence[Step]) -> str:
    numbers = [str(s.number) for s in found]
    if len(numbers) == 1:
        return f"choice {numbers[0]}"
    return "choices " + ", ".join(numbers[:-1]) + " and " + numbers[-1]


def _still_open(session: _Session, kind: str) -> bool:
    return any(r.type == kind and not r.repaired for r in session.ruptures)


def _explained_after_confrontation(session: _Session) -> Pattern | None:
    explained = _during(session, "confrontation", EXPLAINING)
    if not explained or not (_still_open(session, "confrontation") or len(explained) >= 2):
        return None
    return Pattern(
        kind="explained-after-confrontation",
        title="After a confrontation, your replies tended to explain.",
        detail=(
            f"At {_choices(explained)}, {session.name} was pushing back and your reply gave "
            "information or an explanation of your side."
        ),
        principle=(
            "With a confrontation, finding the grain of truth in the complaint and "
            "acknowledging your part before explaining tends to lower the temperature "
            "(Safran and Muran's rupture-repair work)."
        ),
    )


def _moved_on_after_withdrawal(session: _Session) -> Pattern | None:
    moved_on = _during(session, "withdrawal", MOVING_ON)
    if not moved_on or not (_still_open(session, "withdrawal") or len(moved_on) >= 2):
        return None
    return Pattern(
        kind="moved-on-after-withdrawal",
        title=f"When {session.name} pulled back, your replies tended to move on.",
        detail=(
            f"At {_choices(moved_on)}, a withdrawal was still open and your reply moved "
            "to the plan, to advice or to reassurance."
        ),
        principle=(
            "Withdrawal markers such as a quick yes or a change of subject are easy to "
            "take at face value; naming them tentatively and inviting the client's reaction (metacommunication) "
            "gives the client a way back in."
        ),
    )


def _returned_to_ruptures(session: _Session) -> Pattern | None:
    ruptures = session.ruptures
    if not ruptures or not all(r.repaired for r in ruptures):
        return None
    return Pattern(
        kind="returned-to-ruptures",
        title="When the alliance strained, you went back to it.",
        detail=(
            "The one rupture in this session was repaired."
            if len(ruptures) == 1
            else f"All {len(ruptures)} ruptures in this session were repaired."
        ),
        principle=(
            "Across studies, repaired ruptures go with better outcomes (a correlation of "
            "about .29); noticing a rupture and returning to it is the skill."
        ),
    )


def _reached_for_fixing(session: _Session) -> Pattern | None:
    fixing = [s for s in session.steps if s.skill in FIXING]
    reflections = session.skills.reflections
    if len(fixing) < 2 or len(fixing) <= reflections:
        return None
    return Pattern(
        kind="reached-for-fixing",
        title="You reached for reassurance or advice more often than reflection.",
        detail=(
            f"Reassurance or advice came at {_choices(fixing)}; "
            f"{plural(reflections, 'reflection')} in all."
        ),
        principle=(
            "Exploring before acting (Hill's helping-skills model) gives the client room "
            "to say more before solutions arrive."
        ),
    )


def _ratio_detail(skills: Skills) -> str:
    return f"Your replies included {skills.ratio[0].lower()}{skills.ratio[1:]}"


def _reflections_outnumbered_questions(session: _Session) -> Pattern | None:
    skills = session.skills
    if skills.reflections < 2 or skills.reflections <= skills.questions:
        return None
    return Pattern(
        kind="reflections-outnumbered-questions",
        title="Reflections outnumbered questions.",
        detail=_ratio_detail(skills),
        principle=(
            "More reflections than questions is a common marker of skilled listening in "
            "motivational-interviewing coding: the client hears that they were understood "
            "before being asked for more."
        ),
    )


def _questions_outnumbered_reflections(session: _Session) -> Pattern | None:
    skills = session.skills
    if skills.questions < 2 or skills.questions <= skills.reflections:
        return None
    return Pattern(
        kind="questions-outnumbered-reflections",
        title="Questions outnumbered reflections.",
        detail=_ratio_detail(skills),
        principle=(
            "A reflection of the answer before the next question lets the client know "
            "they were heard; a run of questions can feel like an interview."
        ),
    )


def _talked_about_the_relationship(session: _Session) -> Pattern | None:
    meta = [s for s in session.steps if s.skill in ("metacommunication", "immediacy")]
    if len(meta) < 2:
        return None
    return Pattern(
        kind="talked-about-the-relationship",
        title="You talked about what was happening between you.",
        detail=f"At {_choices(meta)}, your reply named the here-and-now of the session.",
        principle=(
            "Metacommunication, used tentatively, is the core of exploratory rupture "
            "repair (Safran and Muran)."
        ),
    )


def _meter_moved_most(session: _Session) -> Pattern | None:
    if not session.steps:
        return None
    first, last = session.steps[0].before.as_dict(), session.steps[-1].after.as_dict()
    meter = max(METERS, key=lambda m: (abs(last[m] - first[m]), m == "trust"))
    return Pattern(
        kind="meter-moved-most",
        title=f"{meter.capitalize()} moved most over the session.",
        detail=f"It went from {first[meter]} to {last[meter]}.",
        principle=(
            "The meters are a teaching sketch: they show where the session turned, not a "
            "score of the person in the chair."
        ),
    )


# The pattern rules in order: the first that finds something names the session's pattern.
PATTERN_RULES: tuple[Callable[[_Session], Pattern | None], ...] = (
    _explained_after_confrontation,
    _moved_on_after_withdrawal,
    _returned_to_ruptures,
    _reached_for_fixing,
    _reflections_outnumbered_questions,
    _questions_outnumbered_reflections,
    _talked_about_the_relationship,
    _meter_moved_most,
)
NO_CHOICES = Pattern(
    kind="no-choices",
    title="No choices were made in this session.",
    detail="There is no path to look back on yet.",
    principle="Play the scenario to see how the meters move with each reply.",
)


def pattern_of(
    scenario: Scenario, steps: Sequence[Step], ruptures: Sequence[RuptureReport], skills: Skills
) -> Pattern:
    """One pattern across the session, by rule, with the principle behind it."""
    session = _Session(first_name(scenario.client.name), steps, ruptures, skills)
    for rule in PATTERN_RULES:
        if (found := rule(session)) is not None:
            return found
    return NO_CHOICES


# -- the take-away -------------------------------------------------------------------------

# What to change, by what went less well (see `_change`).
TAKEAWAY_TEXTS: dict[str, str] = {
    "withdrawal": (
        "When a client's words say “fine” and everything else says otherwise, try "
        "naming the gap tentatively and inviting their reaction before going back to "
        "the plan."
    ),
    "confrontation": (
        "When a client pushes back, look for the grain of truth in what they say and "
        "acknowledge your part before you explain."
    ),
    "long disclosure": (
        "Keep a disclosure to a sentence or two, then turn the focus back to the "
        "client and check how it landed."
    ),
    "deflect": (
        "When a client asks something personal, a brief answer or a warm decline that "
        "says why both keep the door open; either works better than setting it aside."
    ),
    "reached-for-fixing": (
        "Before offering reassurance or advice, try one reflection of what the client just said."
    ),
    "questions-outnumbered-reflections": (
        "Try following each question with a reflection of the answer."
    ),
}


def _change(
    steps: Sequence[Step], ruptures: Sequence[RuptureReport], pattern: Pattern
) -> str | None:
    """What went less well, as a key of TAKEAWAY_TEXTS, or None."""
    open_types = [r.type for r in ruptures if not r.repaired]
    if "withdrawal" in open_types or pattern.kind == "moved-on-after-withdrawal":
        return "withdrawal"
    if "confrontation" in open_types or pattern.kind == "explained-after-confrontation":
        return "confrontation"
    categories = {s.disclosure for s in steps}
    if categories & {"extended", "excessive"}:
        return "long disclosure"
    if "deflect" in categories:
        return "deflect"
    if pattern.kind in ("reached-for-fixing", "questions-outnumbered-reflections"):
        return pattern.kind
    return None


def takeaway_of(
    steps: Sequence[Step],
    ruptures: Sequence[RuptureReport],
    pattern: Pattern,
    strengths: Sequence[Strength],
) -> Takeaway:
    """One take-away: what went less well first, else what to keep doing."""
    change = _change(steps, ruptures, pattern)
    if change is not None:
        return Takeaway(kind="change", text=TAKEAWAY_TEXTS[change])
    best = strengths[0]
    where = f" ({best.title[0].lower()}{best.title[1:]})" if best.step is not None else ""
    return Takeaway(
        kind="keep",
        text=(f"Keep what worked here{where}, and try it next with a client who makes it harder."),
    )


# -- the growth edge -----------------------------------------------------------------------


def missed_safety(scenario: Scenario, steps: Sequence[Step]) -> Growth | None:
    """A safety step that was missed: a safety moment passed by (any one, even after another
    was handled), or none reached, in a scenario that has one. None otherwise."""
    safety = [scene_id for scene_id, scene in scenario.scenes.items() if scene.moment == "safety"]
    if not safety:
        return None
    at = [s for s in steps if scenario.scenes[s.scene].moment == "safety"]
    passed = [s for s in at if s.quality not in ("strong", "adequate")]
    if at and not passed:
        return None
    name = first_name(scenario.client.name)
    step = passed[0] if passed else None
    scene_id = step.scene if step else safety[0]
    scene = scenario.scenes[scene_id]
    model = next(
        (
            Alternative(say=c.say, feedback=c.feedback, quality=c.quality, skill=c.skill)
            for c in scene.choices or ()
            if c.quality == "strong"
        ),
        None,
    )
    if step is not None:
        text = f"At choice {step.number} the reply moved past {name}'s cue about risk."
    else:
        text = f"The session ended before anyone checked on {name}'s safety."
    return Growth(
        step=step.number if step else None,
        scene=scene_id,
        client=scene.client,
        say=step.say if step else None,
        harmed=True,
        text=text,
        lesson=SAFETY_LESSON,
        safety=True,
        thought=scene.thought,
        model=model,
    )


def _matched_lesson(
    scenario: Scenario, step: Step, ruptures: Sequence[RuptureReport]
) -> str | None:
    """The lesson for a harmful reply, by the kind of moment it was, then by its skill,
    then by a rupture still open at it."""
    scene = scenario.scenes[step.scene]
    open_then = open_during(ruptures, step.number)
    opened_here = [r for r in ruptures if r.opened_step == step.number and not r.by_client]
    found = opened_here or open_then
    lesson: str | None = None
    if scene.moment == "self-disclosure" or step.disclosure:
        lesson = DISCLOSURE_LESSONS.get(step.disclosure or "")
    if lesson is None and (scene.moment == "rupture" or opened_here):
        rupture_type = opened_here[0].type if opened_here else (scene.rupture or "withdrawal")
        lesson = RUPTURE_LESSONS.get(rupture_type)
    if lesson is None and step.skill in SKILL_LESSONS:
        lesson = SKILL_LESSONS[step.skill]
    if lesson is None and found:  # a rupture was still open
        lesson = RUPTURE_LESSONS.get(found[0].type)
    return lesson


def _try_another(
    scenario: Scenario,
    steps: Sequence[Step],
    step: Step,
    ruptures: Sequence[RuptureReport],
    offers: list[list[int]] | None,
) -> str:
    """With no lesson matched, the other reply's skill to try, else a nudge to go back."""
    position = [i for i, s in enumerate(steps) if s.number == step.number][0]
    open_then = bool(open_during(ruptures, step.number))
    other = best_other(scenario, step, offers[position] if offers else None, open_then)
    if other is not None and other.skill and other.skill != step.skill:
        return (
            f"At a moment like choice {step.number}, try {skill_phrase(other.skill)} "
            f"where you chose {skill_phrase(step.skill)}."
        )
    name = first_name(scenario.client.name)
    return (
        f"Go back to choice {step.number} and try another reply: watch what changes "
        f"in the meters and in {name}'s words."
    )


def growth_edge(
    scenario: Scenario,
    steps: Sequence[Step],
    ruptures: Sequence[RuptureReport],
    offers: list[list[int]] | None,
) -> Growth | None:
    """The reply that did the most harm, what it did, and the lesson matched to it."""
    if not steps:
        return None
    step = min(steps, key=lambda s: (sum(s.changes.values()), s.changes.get("trust", 0), s.number))
    scene = scenario.scenes[step.scene]
    harmed = sum(step.changes.values()) < 0 or step.changes.get("trust", 0) < 0
    impact = changes_sentence(step.changes, step.after.as_dict())
    if harmed:
        text = f"At choice {step.number} this reply strained the alliance most. {impact}"
        lesson = _matched_lesson(scenario, step, ruptures)
        if lesson is None:
            lesson = _try_another(scenario, steps, step, ruptures, offers)
    else:
        text = (
            f"Every reply helped or held steady; the one that did least was at choice "
            f"{step.number}. {impact}"
        )
        # the least helpful reply still helped: the lesson is what to keep, in its own terms
        what = skill_phrase(step.skill).split(",")[0] if step.skill else "a reply like this one"
        lesson = f"Keep {what} in reach, and try it next with a client who makes it harder."
    return Growth(
        step=step.number,
        scene=step.scene,
        client=scene.client,
        say=step.say,
        harmed=harmed,
        text=text,
        lesson=lesson,
    )


# -- the next scenario ---------------------------------------------------------------------


def practice_focus(
    scenario: Scenario,
    steps: Sequence[Step],
    ruptures: Sequence[RuptureReport],
    pattern: Pattern,
) -> tuple[set[str], bool]:
    """The tags to practise next and whether the focus comes from something that went less well."""
    open_types = {r.type for r in ruptures if not r.repaired}
    if pattern.kind == "moved-on-after-withdrawal":
        open_types.add("withdrawal")
    if pattern.kind == "explained-after-confrontation":
        open_types.add("confrontation")
    if any(s.disclosure in ("deflect", "extended", "excessive") for s in steps):
        open_types.add("self-disclosure")
    if open_types:
        return open_types, True
    own = {tag for tag in scenario.tags if tag in FOCUS_WORDS}
    own |= {r.type for r in ruptures}
    if any(s.disclosure for s in steps):
        own.add("self-disclosure")
    return own, False


def suggest(
    scenario: Scenario,
    library: Sequence[ScenarioSummary],
    outcome: str | None,
    focus: set[str],
    growth: bool,
) -> Suggestion | None:
    """The next scenario: by what to practise, then by difficulty (a step up after a session
    that went well, the same level otherwise, a step down after the client disengaged)."""
    level = LEVELS.index(scenario.difficulty)
    if outcome in ("excellent", "good") and not growth:
        target = min(level + 1, len(LEVELS) - 1)
    elif outcome == "poor":
        target = max(level - 1, 0)
    else:
        target = level
    candidates = [s for s in library if s.id != scenario.id and s.difficulty in LEVELS]
    if not candidates:
        return None

    def score(item: tuple[int, ScenarioSummary]) -> tuple[int, int]:
        position, summary = item
        shared = len(focus & set(summary.tags))
        distance = abs(LEVELS.index(summary.difficulty) - target)
        return (3 * shared - 2 * distance, -position)

    _, best = max(enumerate(candidates), key=score)
    shared = sorted(
        focus & set(best.tags), key=lambda t: list(FOCUS_WORDS).index(t) if t in FOCUS_WORDS else 9
    )
    practice = [FOCUS_WORDS[t] for t in shared if t in FOCUS_WORDS]
    step = LEVELS.index(best.difficulty) - level
    where = {1: "one step up from this one", 0: "at the same level", -1: "one step gentler"}.get(
        step, "at a different level"
    )
    what = (
        f"practises {' and '.join(practice)}"
        if practice
        else "practises the alliance with a new client"
    )
    reason = f"An {best.difficulty} scenario, {where}, that {what}."
    if best.difficulty == "beginner":
        reason = "A" + reason[2:]
    return Suggestion(id=best.id, title=best.title, difficulty=best.difficulty, reason=reason)


# -- all of it -----------------------------------------------------------------------------


class Coaching(NamedTuple):
    """The coaching parts of a debrief, and its first screen."""

    strengths: tuple[Strength, ...]
    pattern: Pattern
    takeaway: Takeaway
    growth: Growth | None
    summary: Summary
    next: Suggestion | None


def _summary(outcome: str | None, best: Strength, edge: Growth | None) -> Summary:
    return Summary(
        outcome=outcome,
        outcome_words=OUTCOME_WORDS.get(outcome) if outcome else None,
        strength=Point(step=best.step, text=f"{best.title}. {best.detail}"),
        growth=Point(step=edge.step, text=f"{edge.text} {edge.lesson}") if edge else None,
    )


def coach(
    scenario: Scenario,
    ordered: Sequence[Step],
    state: State,
    ruptures: Sequence[RuptureReport],
    skills: Skills,
    offers: list[list[int]] | None,
    library: Sequence[ScenarioSummary],
) -> Coaching:
    """Strengths, pattern, growth edge, take-away and next scenario of a run."""
    # the client stayed to the end only on an ending that is not a disengagement
    stayed = state.finished and state.outcome in ("excellent", "good", "mixed")
    strengths = strengths_of(scenario, ordered, ruptures, stayed)
    pattern = pattern_of(scenario, ordered, ruptures, skills)
    outcome = scenario.scenes[state.scene].outcome if state.finished else None
    focus, growth = practice_focus(scenario, ordered, ruptures, pattern)
    edge = missed_safety(scenario, ordered) or growth_edge(scenario, ordered, ruptures, offers)
    takeaway = (
        Takeaway(kind="change" if edge.harmed else "keep", text=edge.lesson)
        if edge is not None
        else takeaway_of(ordered, ruptures, pattern, strengths)
    )
    return Coaching(
        strengths=strengths,
        pattern=pattern,
        takeaway=takeaway,
        growth=edge,
        summary=_summary(outcome, strengths[0], edge),
        next=suggest(scenario, library, outcome, focus, growth),
    )
