"""The session at a glance: the opener, the path step by step, the timeline's moments, the
disclosures and hints, the client's check-in and the skills used."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from ..model import Scenario
from ..play import State, Step
from .replay import scene_line, stronger
from .values import (
    CheckIn,
    CheckInItem,
    DisclosureReport,
    HintReport,
    KeyMoment,
    PathStep,
    RuptureReport,
    SkillCount,
    Skills,
)
from .words import (
    CHECKIN_FALL,
    CHECKIN_RISE,
    CHECKIN_WORDS,
    DISCLOSURE_NOTES,
    DISCLOSURE_TYPE_WORDS,
    MOMENT_LABELS,
    effect_of,
    first_name,
    plural,
)


def opener(scenario: Scenario, ruptures: Sequence[RuptureReport]) -> tuple[str, ...]:
    """The safe opener: what the debrief is for, and that ruptures are part of the work."""
    name = first_name(scenario.client.name)
    lines = [
        f"This debrief looks back at your session with {name}: what happened, how it may have "
        "felt from the other chair, and what you might try next. It is here to help you think, "
        "not to grade you.",
        "Ruptures happen in real sessions, even for experienced therapists, and noticing and "
        "repairing them is the skill this simulator practises. Often more than one reply would "
        "have worked.",
    ]
    if ruptures:
        words = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
        n = len(ruptures)
        count = f"{words[n - 1] if n <= 9 else n} rupture{'s' if n != 1 else ''}"
        lines.append(f"This session had {count}: that is part of the work, not a verdict on it.")
    return tuple(lines)


def check_in(scenario: Scenario, meters: dict[str, int]) -> CheckIn:
    """The client's end-of-session check-in, by rule from how far each meter moved from
    where the scenario started it."""
    lines = []
    for meter, (high, middle, low) in CHECKIN_WORDS.items():
        value = meters[meter]
        moved = value - scenario.meters.get(meter)
        level = "high" if moved >= CHECKIN_RISE else "middle" if moved >= CHECKIN_FALL else "low"
        words = {"high": high, "middle": middle, "low": low}[level]
        lines.append(CheckInItem(meter=meter, value=value, level=level, words=words))
    name = first_name(scenario.client.name)
    note = (
        f"Written by simple rules from where the meters ended, in {name}'s voice. It is a "
        "teaching sketch, not a measure, and it does not predict how a real client would do."
    )
    return CheckIn(lines=tuple(lines), note=note)


def skills_used(steps: Sequence[Step]) -> Skills:
    """Counts of the skills in this path, with the reflections-to-questions ratio."""
    tags = Counter(step.skill for step in steps if step.skill)
    reflections = sum(n for tag, n in tags.items() if "reflection" in tag)
    open_q = sum(n for tag, n in tags.items() if "question" in tag and "closed" not in tag)
    closed_q = sum(n for tag, n in tags.items() if "question" in tag and "closed" in tag)
    questions = open_q + closed_q
    if reflections == 0 and questions == 0:
        ratio = "No reflections or questions were tagged on this path."
    elif questions == 0:
        ratio = f"{plural(reflections, 'reflection')} and no questions."
    elif reflections == 0:
        ratio = f"No reflections and {plural(questions, 'question')}."
    else:
        ratio = f"{plural(reflections, 'reflection')} to {plural(questions, 'question')}."
    note = (
        "In motivational-interviewing coding, about one reflection per question is a common "
        "starting benchmark and two per question a stronger one. Here it is context for "
        "reflection, not a grade."
    )
    counts = tuple(
        SkillCount(skill=tag, count=n)
        for tag, n in sorted(tags.items(), key=lambda item: (-item[1], item[0]))
    )
    return Skills(
        counts=counts,
        reflections=reflections,
        questions=questions,
        open_questions=open_q,
        closed_questions=closed_q,
        untagged=sum(1 for step in steps if not step.skill),
        ratio=ratio,
        note=note,
    )


def path_steps(
    scenario: Scenario,
    ordered: Sequence[Step],
    state: State,
    offers: list[list[int]] | None,
    key_of: Mapping[int, int],
) -> tuple[PathStep, ...]:
    """Every choice as the debrief tells it, with the strong replies passed over."""
    hinted = set(state.hints)
    path = []
    for position, step in enumerate(ordered):
        scene = scenario.scenes[step.scene]
        path.append(
            PathStep(
                number=step.number,
                scene=step.scene,
                cue=scene.cue,
                client=scene.client,
                moment=scene.moment,
                say=step.say,
                written=step.written or None,
                quality=step.quality,
                skill=step.skill,
                feedback=step.feedback,
                changes=step.changes,
                after=step.after.as_dict(),
                thought=scene.thought,
                opened=step.opened,
                repaired=step.repaired,
                attempted=step.attempted,
                disclosure=step.disclosure,
                disclosure_type=step.disclosure_type,
                hinted=step.scene in hinted,
                stronger=stronger(scenario, step, offers[position] if offers else None),
                key=key_of.get(step.number),
                effect=effect_of(step.changes),
            )
        )
    return tuple(path)


def timeline(ordered: Sequence[Step], state: State) -> tuple[dict[str, int], ...]:
    """The meters at the start, then after each step."""
    first = ordered[0].before if ordered else state.meters
    return (first.as_dict(), *(step.after.as_dict() for step in ordered))


def moments(
    scenario: Scenario, ordered: Sequence[Step], ruptures: Sequence[RuptureReport]
) -> tuple[KeyMoment, ...]:
    """The disclosures, ruptures and repairs on the timeline, in the order of the session."""
    found = [
        KeyMoment(step=step.number, kind="self-disclosure", label=MOMENT_LABELS["self-disclosure"])
        for step in ordered
        if scenario.scenes[step.scene].moment == "self-disclosure" or step.disclosure
    ]
    for rupture in ruptures:
        if rupture.opened_step is not None:
            label = f"{MOMENT_LABELS['rupture']}: {rupture.type}"
            found.append(KeyMoment(step=rupture.opened_step, kind="rupture", label=label))
        if rupture.repaired_step is not None:
            label = MOMENT_LABELS["repair"]
            found.append(KeyMoment(step=rupture.repaired_step, kind="repair", label=label))
    found.sort(key=lambda m: m.step)
    return tuple(found)


def _disclosure_note(step: Step) -> str:
    """How much was shared, and (where tagged) of which Hill & Knox type."""
    note = DISCLOSURE_NOTES.get(str(step.disclosure), str(step.disclosure))
    kind = DISCLOSURE_TYPE_WORDS.get(step.disclosure_type or "")
    return f"{note}, sharing {kind}" if kind else note


def disclosures(scenario: Scenario, ordered: Sequence[Step]) -> tuple[DisclosureReport, ...]:
    """Each choice at a self-disclosure dilemma, with its category in words."""
    return tuple(
        DisclosureReport(
            step=step.number,
            scene=step.scene,
            client=scenario.scenes[step.scene].client,
            say=step.say,
            category=str(step.disclosure),
            kind=step.disclosure_type,
            note=_disclosure_note(step),
            quality=step.quality,
            feedback=step.feedback,
        )
        for step in ordered
        if step.disclosure
    )


def hints(scenario: Scenario, state: State) -> tuple[HintReport, ...]:
    """The hints the trainee asked for, in the order asked."""
    return tuple(
        HintReport(scene=scene_id, client=scene_line(scenario, scene_id), hint=hint)
        for scene_id in state.hints
        if scene_id in scenario.scenes and (hint := scenario.scenes[scene_id].hint)
    )
