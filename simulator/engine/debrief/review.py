"""The key moments: chosen by rule, each reviewed with an observation and a question, and
the client's side of them (what they said beside what they thought)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from ..model import Scenario
from ..play import Step
from .replay import best_other, open_during
from .values import Alternative, ClientView, Review, RuptureReport
from .words import (
    DISCLOSURE_NAMES,
    QUALITY_RANK,
    REPAIR_NAMES,
    changes_sentence,
    disclosure_type_sentence,
    first_name,
    marker_name,
    marker_sentence,
    net,
    skill_phrase,
    stop,
    weight,
    whole,
)

# The sentences of a review, by what the moment was. Each is a template over the client's
# first name ({name}), what they said ({heard}: "those words" or "nothing", since the page
# quotes the line once) and the reply as a skill ({skill}).
SAFETY_WORDS: dict[bool, tuple[str, str, str]] = {
    # handled: the title's verb, the observation, the question
    True: (
        "made",
        "When {name} said those words, your reply checked on {name}'s safety.",
        "What told you it was time to ask, and how was it to ask directly?",
    ),
    False: (
        "passed by",
        "Those words carried a risk cue, and the reply moved on without checking on "
        "{name}'s safety.",
        "What might have made it hard to ask directly just then?",
    ),
}
RUPTURE_WORDS: dict[str, tuple[str, str]] = {
    # the reply opened the rupture and the session ended before any answer to it
    "opened here": (
        "Your reply came right after {name} said {heard}, and it opened a {type} rupture as "
        "the session drew to a close.",
        "What were you hoping that reply would do for {name}?",
    ),
    "repaired here": (
        "When {name} said {heard}, your reply was {skill}, and the rupture was repaired at "
        "this point.",
        "What did you notice that told you something had shifted between you?",
    ),
    "repaired later": (
        "After {name} said {heard}, your reply was {skill}. The rupture stayed open until "
        "choice {later}, when you came back to it.",
        "What did you make of {heard} when you first heard it?",
    ),
    "still open": (
        "After {name} said {heard}, your reply was {skill}, and the rupture was still open "
        "when the session ended.",
        "What did you make of {heard} at that point, and what were you hoping your reply would do?",
    ),
    # where the scenario waits for the client to take a repair up (3RS: resolution includes
    # the client's response), the invitation and the uptake are told apart
    "taken up here": (
        "When {name} said {heard}, your reply was {skill}. It invited repair, and {name} "
        "took it up.",
        "What did you notice in {name}'s answer that told you the repair had landed?",
    ),
    "taken up later": (
        "After {name} said {heard}, your reply was {skill}. It invited repair, and {name} "
        "took it up after choice {later}.",
        "What do you think helped {name} take it up?",
    ),
    "not taken up": (
        "After {name} said {heard}, your reply was {skill}. It invited repair, and {name} "
        "did not take it up before the session ended.",
        "What did you notice in {name}'s response to the invitation, and what might have made "
        "it easier to take up?",
    ),
    "invited later": (
        "After {name} said {heard}, your reply was {skill}. At choice {invited} you invited "
        "repair, and {name} took it up after choice {later}.",
        "What did you make of {heard} when you first heard it?",
    ),
    "invited later, not taken up": (
        "After {name} said {heard}, your reply was {skill}. At choice {invited} you invited "
        "repair, and {name} did not take it up before the session ended.",
        "What did you make of {heard} when you first heard it, and of {name}'s response to "
        "the invitation?",
    ),
}
DISCLOSURE_WORDS: dict[str, tuple[str, str]] = {
    "brief": (
        "{asked}, you answered briefly and turned the focus back to {name}.",
        "How do you think it landed for {name}, and how might you check?",
    ),
    "decline": (
        "{asked}, you declined to answer and said why, keeping the door open.",
        "What did you imagine was behind {name}'s question?",
    ),
    "deflect": (
        "{asked}, the question was set aside without an answer or a reason.",
        "What was going on for you as {name} asked, and what might {name} have needed to hear?",
    ),
    "extended": (
        "{asked}, your answer told more of your own story than the moment needed.",
        "Whose need did the longer answer meet, and how might it have come back to {name}?",
    ),
    "excessive": (
        "{asked}, the focus moved to your own experience.",
        "Whose need did this answer meet: {name}'s, or yours?",
    ),
}
OTHER_DISCLOSURE_WORDS = (
    "{asked}, your reply was {skill}.",
    "What did you think {name} was asking for underneath the question?",
)
# by how the other reply's quality compares with the one chosen: higher, equal, lower
ALTERNATIVE_LABELS: dict[int, str] = {
    1: "A stronger reply the scenario offered here",
    0: "Another reply that could also work here",
    -1: "For contrast, another reply on offer here",
}


class _Moment(NamedTuple):
    """What a review's sentences draw on."""

    name: str  # the client's first name
    line: str  # the client's line, or ""
    heard: str  # how the sentences refer to the line
    skill: str  # the reply as a noun phrase
    short: str  # ": " and the skill's short name for a title, or ""
    step: Step


class _Words(NamedTuple):
    title: str
    observation: str
    question: str


def choose_key_steps(
    scenario: Scenario, steps: Sequence[Step], ruptures: Sequence[RuptureReport]
) -> list[tuple[int, str, RuptureReport | None]]:
    """At most three steps, by rule: ruptures first (the reply to each rupture's marker),
    then disclosure dilemmas, then the largest meter swings."""
    by_number = {step.number: step for step in steps}
    chosen: list[tuple[int, str, RuptureReport | None]] = []

    def add(number: int, reason: str, rupture: RuptureReport | None = None) -> None:
        if len(chosen) < 3 and all(n != number for n, _, _ in chosen):
            chosen.append((number, reason, rupture))

    # a safety moment, handled or passed by, is always a key moment
    for step in steps:
        if scenario.scenes[step.scene].moment == "safety":
            add(step.number, "safety")

    numbers = sorted(by_number)
    for rupture in ruptures:
        if len(chosen) == 3:
            break
        if rupture.opened_step is None:
            continue
        # the trainee's reply to the marker: the first step after the rupture opened
        after = bisect_right(numbers, rupture.opened_step)
        if after < len(numbers):
            add(numbers[after], "rupture", rupture)
        elif rupture.opened_step in by_number:
            add(rupture.opened_step, "rupture", rupture)
    for step in steps:
        if step.disclosure or scenario.scenes[step.scene].moment == "self-disclosure":
            add(step.number, "self-disclosure")
    swings = sorted(steps, key=lambda s: (-weight(s.changes), s.number))
    for step in swings:
        if weight(step.changes) > 0:
            add(step.number, "swing")
    return sorted(chosen)


def _moment(scenario: Scenario, step: Step) -> _Moment:
    line = scenario.scenes[step.scene].client or ""
    skill = skill_phrase(step.skill)
    return _Moment(
        name=first_name(scenario.client.name),
        line=line,
        heard="those words" if line else "nothing",
        skill=skill,
        short=f": {skill.split(',')[0]}" if step.skill else "",
        step=step,
    )


def _safety(m: _Moment) -> _Words:
    verb, observation, question = SAFETY_WORDS[m.step.quality in ("strong", "adequate")]
    return _Words("Safety check: " + verb, observation.format(name=m.name), question)


def _situation(rupture: RuptureReport, step: Step) -> str:
    """Where the rupture stood at this reply: a key of RUPTURE_WORDS."""
    if rupture.opened_step is not None and rupture.opened_step >= step.number:
        return "opened here"
    if rupture.invited_step is not None:
        repaired = rupture.repaired_step
        if rupture.invited_step == step.number:
            if repaired is None:
                return "not taken up"
            return "taken up here" if repaired == step.number else "taken up later"
        return "invited later" if repaired is not None else "invited later, not taken up"
    if rupture.repaired_step == step.number:
        return "repaired here"
    if rupture.repaired_step is not None:
        return "repaired later"
    return "still open"


def _rupture(m: _Moment, rupture: RuptureReport) -> _Words:
    situation = _situation(rupture, m.step)
    if situation == "opened here":
        title = f"{rupture.type.capitalize()} rupture: opened by this reply"
    else:
        title = marker_name(rupture.type, m.line)
    fill = {
        "name": m.name,
        "heard": m.heard,
        "skill": m.skill,
        "type": rupture.type,
        "later": rupture.repaired_step,
        "invited": rupture.invited_step,
    }
    observation, question = RUPTURE_WORDS[situation]
    return _Words(title, observation.format(**fill), question.format(**fill))


def _opened_by(name: str, step: Step, rupture: RuptureReport) -> str:
    """Who or what opened the rupture, as the start of its status, or nothing."""
    if rupture.by_client and rupture.opened_step is not None:
        when = (
            "at the start"
            if rupture.opened_step == 0
            else f"before choice {rupture.opened_step + 1}"
        )
        return f"Opened by {name} {when}. "
    if rupture.opened_step and rupture.opened_step < step.number:
        return f"Opened by your reply at choice {rupture.opened_step}. "
    if rupture.opened_step == 0:
        return "Open from the start. "
    return ""


def _uptake(name: str, step: Step, rupture: RuptureReport) -> str:
    """Where a repair was invited (every time) and whether the client took it up."""
    invited = rupture.invitations or (rupture.invited_step,)
    first, *again = invited
    where = "here" if first == step.number else f"at choice {first}"
    if again:
        later = ", ".join(str(n) for n in again[:-1])
        where += " and again at choice " + (f"{later} and {again[-1]}" if later else f"{again[0]}")
    repaired = rupture.repaired_step
    if repaired is None:
        return f"You invited repair {where}; {name} did not take it up."
    when = "at once" if repaired == invited[-1] and not again else f"after choice {repaired}"
    how = REPAIR_NAMES.get(step.skill or "") if invited[-1] == step.number else None
    return f"You invited repair {where}; {name} took it up {when}" + (f": {how}." if how else ".")


def _status(name: str, step: Step, rupture: RuptureReport) -> str:
    """A rupture's status at a key moment: repaired here, repaired later, or still open."""
    if rupture.invited_step is not None:
        status = _uptake(name, step, rupture)
    elif rupture.repaired_step == step.number:
        how = REPAIR_NAMES.get(step.skill or "")
        status = f"Repaired here: {how}." if how else "Repaired here."
    elif rupture.repaired_step is not None:
        status = f"Repaired later, at choice {rupture.repaired_step}."
    else:
        status = "Still open when the session ended."
    return _opened_by(name, step, rupture) + status


def _disclosure(m: _Moment) -> _Words:
    category = m.step.disclosure
    title = "Self-disclosure dilemma" + (
        f": {DISCLOSURE_NAMES.get(category, category)}" if category else m.short
    )
    observation, question = DISCLOSURE_WORDS.get(category or "", OTHER_DISCLOSURE_WORDS)
    fill = {"asked": f"When {m.name} asked that question", "name": m.name, "skill": m.skill}
    kind = disclosure_type_sentence(m.step.disclosure_type)
    observation = observation.format(**fill) + (f" {kind}" if kind else "")
    return _Words(title, observation, question.format(**fill))


def _swing(m: _Moment, rank: int) -> _Words:
    largest = (
        "moved the meters more than any other in the session."
        if rank == 1
        else "brought one of the largest shifts in the meters in this session."
    )
    name, heard = m.name, m.heard
    if net(m.step.changes) > 0:
        return _Words(
            "Alliance-building moment" + m.short,
            stop(f"This reply {largest} It came right after {name} said {heard}"),
            f"What did you pick up in {name}'s words that led you to it?",
        )
    trust = "did not grow" if m.step.changes.get("trust", 0) >= 0 else "fell"
    return _Words(
        "Strain on the alliance" + m.short,
        stop(
            f"This reply {largest} It came right after {name} said {heard}, and "
            f"{name}'s trust {trust}"
        ),
        f"What were you hoping the reply would do, and what did you notice in {name}'s response?",
    )


def _words(m: _Moment, reason: str, rupture: RuptureReport | None, rank: int) -> _Words:
    """The title, observation and question, by the rule that chose the moment."""
    if reason == "safety":
        return _safety(m)
    if reason == "rupture" and rupture is not None:
        return _rupture(m, rupture)
    if reason == "self-disclosure":
        return _disclosure(m)
    return _swing(m, rank)


def _alternative_label(step: Step, alternative: Alternative | None) -> str | None:
    if alternative is None:
        return None
    mine = QUALITY_RANK.get(step.quality, 2)
    theirs = QUALITY_RANK.get(alternative.quality, 2)
    return ALTERNATIVE_LABELS[(theirs > mine) - (theirs < mine)]


def review(
    scenario: Scenario,
    step: Step,
    number: int,
    reason: str,
    rupture: RuptureReport | None,
    offers: list[int] | None,
    open_now: bool,
    rank: int = 1,
) -> Review:
    """One key moment reviewed: what happened, its name, an observation and a question, the
    meter impact and why, and the strongest other reply the scenario offered there."""
    scene = scenario.scenes[step.scene]
    m = _moment(scenario, step)
    about = rupture if reason == "rupture" else None
    words = _words(m, reason, rupture, rank)
    alternative = best_other(scenario, step, offers, open_now)
    return Review(
        number=number,
        step=step.number,
        reason=reason,
        name=words.title,
        client=scene.client,
        cue=scene.cue,
        say=step.say,
        written=step.written or None,
        # the sentence carrying the named marker
        marker=marker_sentence(about.type, m.line) if about is not None else None,
        skill=step.skill,
        quality=step.quality,
        happened=(f"{m.name} said {whole(m.line)} " if m.line else "")
        + f"You replied {whole(step.say)}",
        observation=words.observation,
        question=words.question,
        impact=changes_sentence(step.changes, step.after.as_dict()),
        why=step.feedback,
        changes=step.changes,
        status=_status(m.name, step, about) if about is not None else None,
        repaired=about.repaired if about is not None else None,
        alternative=alternative,
        alternative_label=_alternative_label(step, alternative),
    )


def reviews(
    scenario: Scenario,
    ordered: Sequence[Step],
    ruptures: Sequence[RuptureReport],
    offers: list[list[int]] | None,
) -> tuple[Review, ...]:
    """The key moments of the run, reviewed in the order of the session."""
    by_number = {step.number: (position, step) for position, step in enumerate(ordered)}
    found = []
    for number, (step_number, reason, rupture) in enumerate(
        choose_key_steps(scenario, ordered, ruptures), start=1
    ):
        position, step = by_number[step_number]
        found.append(
            review(
                scenario,
                step,
                number,
                reason,
                rupture,
                offers[position] if offers else None,
                bool(open_during(ruptures, step.number)),
                rank=1 + sum(1 for s in ordered if weight(s.changes) > weight(step.changes)),
            )
        )
    return tuple(found)


def client_side(
    scenario: Scenario, steps: Sequence[Step], keys: Iterable[int]
) -> tuple[ClientView, ...]:
    """What the client said beside what they thought: at the key moments first, then (to
    show at least two) where trust fell most, since clients often hide negative reactions."""

    def view(step: Step) -> ClientView | None:
        scene = scenario.scenes[step.scene]
        rest = scenario.scenes.get(step.entered[-1]) if step.entered else None
        then_said = rest.client if rest is not None and rest.kind == "choice" else None
        then_thought = rest.thought if rest is not None and rest.kind == "choice" else None
        if not scene.thought and not then_thought:
            return None
        return ClientView(
            step=step.number,
            cue=scene.cue,
            said=scene.client,
            thought=scene.thought,
            reply=step.say,
            then_said=then_said,
            then_thought=then_thought,
        )

    by_number = {step.number: step for step in steps}
    views = [v for n in keys if n in by_number and (v := view(by_number[n])) is not None]
    if len(views) < 2:
        taken = {v.step for v in views}
        rest = sorted(
            (s for s in steps if s.number not in taken),
            key=lambda s: (s.changes.get("trust", 0), s.number),
        )
        for step in rest:
            if len(views) >= 2:
                break
            if (found := view(step)) is not None:
                views.append(found)
    views.sort(key=lambda v: v.step)
    # when the next view starts where this one's "then" would be, say it only once
    for i in range(len(views) - 1):
        if views[i + 1].step == views[i].step + 1:
            views[i] = views[i].model_copy(update={"then_said": None, "then_thought": None})
    return tuple(views)
