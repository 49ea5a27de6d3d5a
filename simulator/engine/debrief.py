"""The debrief: a run's steps and final state -> one Debrief value the host only displays."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from .model import METERS, Scenario
from .play import PlayError, State, Step, choose, offered, start

DISCLOSURE_NOTES: dict[str, str] = {
    "decline": "a warm, transparent decline: the question is honoured without an answer",
    "deflect": "a deflection: the question is set aside without saying why",
    "brief": "a brief, purposeful disclosure that returns the focus to the client",
    "extended": "a longer or more personal disclosure than the moment needed",
    "excessive": "a disclosure in which the therapist's own needs take over",
}

MOMENT_LABELS: dict[str, str] = {
    "rupture": "Rupture",
    "repair": "Repair",
    "self-disclosure": "Self-disclosure dilemma",
}


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Alternative(_Value):
    """A stronger reply that was on offer at a step but not chosen."""

    say: str
    feedback: str | None = None


class PathStep(_Value):
    """One choice as the debrief tells it: where, what was said, how it landed."""

    number: int
    scene: str
    cue: str | None = None
    client: str | None = None
    moment: str | None = None
    say: str
    quality: str | None = None
    skill: str | None = None
    feedback: str | None = None
    changes: dict[str, int]
    after: dict[str, int]
    thought: str | None = None
    opened: str | None = None
    repaired: bool = False
    disclosure: str | None = None
    hinted: bool = False
    stronger: tuple[Alternative, ...] = ()


class KeyMoment(_Value):
    """A key moment on the timeline: after which step, of what kind, and its label."""

    step: int
    kind: str  # rupture | repair | self-disclosure
    label: str


class RuptureReport(_Value):
    """One rupture: its type, where it opened and where (or whether) it was repaired."""

    type: str
    opened_at: str
    opened_line: str | None = None
    opened_step: int | None = None
    repaired_at: str | None = None
    repaired_line: str | None = None
    repaired_step: int | None = None

    @property
    def repaired(self) -> bool:
        """Whether a later choice repaired this rupture."""
        return self.repaired_at is not None


class DisclosureReport(_Value):
    """A choice at a self-disclosure dilemma, with its category."""

    step: int
    scene: str
    client: str | None = None
    say: str
    category: str
    note: str
    quality: str | None = None
    feedback: str | None = None


class HintReport(_Value):
    """A hint the trainee asked for."""

    scene: str
    client: str | None = None
    hint: str


class Debrief(_Value):
    """Everything a debrief page shows, computed once from a run."""

    scenario: str
    title: str
    client: str
    finished: bool
    ending: str | None = None
    ending_title: str | None = None
    outcome: str | None = None
    ending_text: str | None = None
    path: tuple[PathStep, ...] = ()
    timeline: tuple[dict[str, int], ...] = ()  # start, then after each step
    moments: tuple[KeyMoment, ...] = ()
    ruptures: tuple[RuptureReport, ...] = ()
    disclosures: tuple[DisclosureReport, ...] = ()
    hints: tuple[HintReport, ...] = ()
    strengths: tuple[PathStep, ...] = ()  # strong choices and repairs, named specifically
    revisit: tuple[PathStep, ...] = ()  # weak or harmful choices, worth another look

    @property
    def repaired(self) -> int:
        """How many ruptures were repaired."""
        return sum(1 for r in self.ruptures if r.repaired)


def _line(scenario: Scenario, scene_id: str | None) -> str | None:
    if scene_id is None or scene_id not in scenario.scenes:
        return None
    return scenario.scenes[scene_id].client


def _replayed_offers(
    scenario: Scenario, steps: Sequence[Step], state: State
) -> list[list[int]] | None:
    """The choice indexes offered before each step, by replaying the run from its start.

    Play is deterministic, so replaying the recorded choices rebuilds every intermediate
    state; if the replay does not match the record (a playtest started mid-scenario), None.
    """
    try:
        current = start(scenario)
        offers: list[list[int]] = []
        for step in steps:
            if current.scene != step.scene or current.meters != step.before:
                return None
            offers.append([index for index, _ in offered(scenario, current)])
            current, _ = choose(scenario, current, step.choice)
    except (PlayError, KeyError):
        return None
    return offers if current.meters == state.meters else None


def _stronger(scenario: Scenario, step: Step, offers: list[int] | None) -> tuple[Alternative, ...]:
    if step.quality == "strong":
        return ()
    choices = scenario.scenes[step.scene].choices or ()
    found = []
    for index, choice in enumerate(choices):
        if index == step.choice or choice.quality != "strong":
            continue
        available = index in offers if offers is not None else choice.when is None
        if available:
            found.append(Alternative(say=choice.say, feedback=choice.feedback))
    return tuple(found[:2])


def _rupture_steps(
    scenario: Scenario, steps: Sequence[Step], state: State
) -> list[tuple[int | None, int | None]]:
    """For each rupture of the state, the step numbers that opened and repaired it.

    Follows the order of play for one choice: repairs, then the choice's own rupture,
    then rupture moments on entering scenes. A rupture open from the start has step 0.
    """
    marks: list[list[int | None]] = []

    def enter(scene_ids: Sequence[str], number: int) -> None:
        for scene_id in scene_ids:
            scene = scenario.scenes.get(scene_id)
            opening = scene is not None and scene.moment == "rupture"
            if opening and not any(m[1] is None for m in marks):
                marks.append([number, None])

    # the trail is the start's scenes, then each step's `entered` in turn
    start_length = len(state.trail) - sum(len(step.entered) for step in steps)
    enter(state.trail[: max(0, start_length)], 0)
    for step in steps:
        if step.repaired:
            for mark in marks:
                if mark[1] is None:
                    mark[1] = step.number
                    break
        if step.opened:
            marks.append([step.number, None])
        enter(step.entered, step.number)
    if len(marks) != len(state.ruptures):
        return [(None, None)] * len(state.ruptures)
    return [(m[0], m[1]) for m in marks]


def build(scenario: Scenario, steps: Sequence[Step], state: State) -> Debrief:
    """The debrief of a run: its ending, path, meter timeline, ruptures, disclosures, hints."""
    ordered = sorted(steps, key=lambda s: s.number)
    offers = _replayed_offers(scenario, ordered, state)
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
                quality=step.quality,
                skill=step.skill,
                feedback=step.feedback,
                changes=step.changes,
                after=step.after.as_dict(),
                thought=scene.thought,
                opened=step.opened,
                repaired=step.repaired,
                disclosure=step.disclosure,
                hinted=step.scene in hinted,
                stronger=_stronger(scenario, step, offers[position] if offers else None),
            )
        )

    first = ordered[0].before if ordered else state.meters
    timeline = (first.as_dict(), *(step.after.as_dict() for step in ordered))

    ruptures = tuple(
        RuptureReport(
            type=rupture.type,
            opened_at=rupture.opened_at,
            opened_line=_line(scenario, rupture.opened_at),
            opened_step=opened_step,
            repaired_at=rupture.repaired_at,
            repaired_line=_line(scenario, rupture.repaired_at),
            repaired_step=repaired_step,
        )
        for rupture, (opened_step, repaired_step) in zip(
            state.ruptures, _rupture_steps(scenario, ordered, state), strict=True
        )
    )

    moments = [
        KeyMoment(step=step.number, kind="self-disclosure", label=MOMENT_LABELS["self-disclosure"])
        for step in ordered
        if scenario.scenes[step.scene].moment == "self-disclosure" or step.disclosure
    ]
    for rupture in ruptures:
        if rupture.opened_step is not None:
            label = f"{MOMENT_LABELS['rupture']}: {rupture.type}"
            moments.append(KeyMoment(step=rupture.opened_step, kind="rupture", label=label))
        if rupture.repaired_step is not None:
            label = MOMENT_LABELS["repair"]
            moments.append(KeyMoment(step=rupture.repaired_step, kind="repair", label=label))
    moments.sort(key=lambda m: m.step)

    disclosures = tuple(
        DisclosureReport(
            step=step.number,
            scene=step.scene,
            client=scenario.scenes[step.scene].client,
            say=step.say,
            category=str(step.disclosure),
            note=DISCLOSURE_NOTES.get(str(step.disclosure), str(step.disclosure)),
            quality=step.quality,
            feedback=step.feedback,
        )
        for step in ordered
        if step.disclosure
    )

    hints = tuple(
        HintReport(scene=scene_id, client=_line(scenario, scene_id), hint=hint)
        for scene_id in state.hints
        if scene_id in scenario.scenes and (hint := scenario.scenes[scene_id].hint)
    )

    ending = scenario.scenes[state.scene] if state.finished else None
    return Debrief(
        scenario=scenario.id,
        title=scenario.title,
        client=scenario.client.name,
        finished=state.finished,
        ending=state.scene if ending else None,
        ending_title=ending.ending if ending else None,
        outcome=ending.outcome if ending else None,
        ending_text=ending.text if ending else None,
        path=tuple(path),
        timeline=timeline,
        moments=tuple(moments),
        ruptures=ruptures,
        disclosures=disclosures,
        hints=hints,
        strengths=tuple(p for p in path if p.quality == "strong" or p.repaired),
        revisit=tuple(p for p in path if p.quality in ("weak", "harmful")),
    )


def changes_sentence(changes: dict[str, int], after: dict[str, int]) -> str:
    """Meter changes in words, e.g. 'Trust rose by 5 to 40. Attentiveness fell by 5 to 45.'"""
    parts = []
    for meter in METERS:
        delta = changes.get(meter, 0)
        if delta:
            verb = "rose" if delta > 0 else "fell"
            parts.append(f"{meter.capitalize()} {verb} by {abs(delta)} to {after[meter]}.")
    return " ".join(parts) or "The meters did not move."
