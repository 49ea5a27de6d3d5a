"""Replaying a run: the replies on offer at each step, and where each rupture opened and closed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..model import Choice, Scenario
from ..play import State, Step, _Work, invite_repair, replay, take_up
from .values import Alternative, RuptureReport
from .words import QUALITY_RANK, net


def scene_line(scenario: Scenario, scene_id: str | None) -> str | None:
    """The client's line at a scene, if the scene exists and has one."""
    if scene_id is None or scene_id not in scenario.scenes:
        return None
    return scenario.scenes[scene_id].client


def replayed_offers(
    scenario: Scenario, steps: Sequence[Step], state: State
) -> list[list[int]] | None:
    """The choice indexes offered before each step, by replaying the run from its start;
    None when the replay does not match the record (a playtest started mid-scenario)."""
    replayed = replay(scenario, steps, state.seed)
    if replayed is None or replayed[0].meters != state.meters:
        return None
    return replayed[1]


def on_offer(scenario: Scenario, step: Step, offers: list[int] | None) -> list[tuple[int, Choice]]:
    """The other choices on offer when this step was made (best guess without a replay)."""
    choices = scenario.scenes[step.scene].choices or ()
    if offers is None:
        return [(i, c) for i, c in enumerate(choices) if i != step.choice and c.when is None]
    return [(i, choices[i]) for i in offers if i != step.choice]  # in the scene's order


def stronger(scenario: Scenario, step: Step, offers: list[int] | None) -> tuple[Alternative, ...]:
    """Up to two strong replies that were on offer instead of a reply that was not strong."""
    if step.quality == "strong":
        return ()
    found = [
        Alternative(say=c.say, feedback=c.feedback, quality=c.quality, skill=c.skill)
        for _, c in on_offer(scenario, step, offers)
        if c.quality == "strong"
    ]
    return tuple(found[:2])


def best_other(
    scenario: Scenario, step: Step, offers: list[int] | None, rupture_open: bool
) -> Alternative | None:
    """The highest-quality other choice on offer: with a rupture open a repair comes first
    among equals, then the one that moves the meters most, then the scenario's order."""
    others = on_offer(scenario, step, offers)
    if not others:
        return None
    _, best = max(
        others,
        key=lambda pair: (
            QUALITY_RANK.get(pair[1].quality, 2),
            rupture_open and bool(pair[1].repairs),
            net({str(k): v for k, v in pair[1].effects.items()}),
            -pair[0],
        ),
    )
    return Alternative(say=best.say, feedback=best.feedback, quality=best.quality, skill=best.skill)


class RuptureSteps(NamedTuple):
    """The step numbers that opened, invited the repair of and repaired one rupture."""

    opened: int | None
    repaired: int | None
    by_client: bool  # opened as the client reached a rupture moment, not by a reply
    invited: int | None = None  # where a repair awaiting the client's uptake was invited
    invitations: tuple[int, ...] = ()  # every reply that invited it, the first as `invited`


def _choice_of(scenario: Scenario, step: Step) -> Choice | None:
    scene = scenario.scenes.get(step.scene)
    choices = scene.choices or () if scene is not None else ()
    return choices[step.choice] if 0 <= step.choice < len(choices) else None


def _invite(marks: _Work, choice: Choice, number: int, awaits_uptake: bool) -> int | None:
    """The engine's repair step on the marks; the index of the rupture it invited repair
    of (one already invited keeps its mark, so it is found by the engine's own rule)."""
    before = [mark[3] for mark in marks.ruptures]
    if not invite_repair(marks, choice, str(number), awaits_uptake):
        return None
    changed = [i for i, mark in enumerate(marks.ruptures) if mark[3] != before[i]]
    if changed:
        return changed[0]
    return next(i for i, m in enumerate(marks.ruptures) if m[2] is None and choice.mends(str(m[0])))


def rupture_steps(scenario: Scenario, steps: Sequence[Step], state: State) -> list[RuptureSteps]:
    """For each rupture of the state, the step numbers that opened, invited and repaired it,
    and whether the client opened it (on reaching a rupture moment) rather than a reply.

    Follows the order of play for one choice, with the engine's own bookkeeping (step
    numbers stand where the engine writes scene ids): repairs, then the choice's own
    rupture, then entering scenes (an uptake, a rupture moment). A rupture open from the
    start has step 0.
    """
    # the engine's bookkeeping of ruptures ([type, opened, repaired, invited]), with step
    # numbers as text where it writes scene ids
    marks = _Work(meters={})
    by_client: list[bool] = []
    invitations: list[list[int]] = []

    def enter(scene_ids: Sequence[str], number: int) -> None:
        for scene_id in scene_ids:
            scene = scenario.scenes.get(scene_id)
            if scene is None:
                continue
            if scene.repair_accepted:
                take_up(marks, str(number))
            if scene.moment == "rupture" and marks.ruptures_open == 0:
                marks.open_rupture(scene.rupture, str(number))
                by_client.append(True)
                invitations.append([])

    # the trail is the start's scenes, then each step's `entered` in turn
    start_length = len(state.trail) - sum(len(step.entered) for step in steps)
    enter(state.trail[: max(0, start_length)], 0)
    for step in steps:
        choice = _choice_of(scenario, step)
        if choice is not None and choice.repairs:
            invited = _invite(marks, choice, step.number, scenario.awaits_uptake)
            if invited is not None:
                invitations[invited].append(step.number)
        if step.opened:
            marks.open_rupture(step.opened, str(step.number))
            by_client.append(False)
            invitations.append([])
        enter(step.entered, step.number)
    if len(marks.ruptures) != len(state.ruptures):
        return [RuptureSteps(None, None, False)] * len(state.ruptures)

    def number(text: str | None) -> int | None:
        return None if text is None else int(text)

    return [
        RuptureSteps(number(m[1]), number(m[2]), client, number(m[3]), tuple(asked))
        for m, client, asked in zip(marks.ruptures, by_client, invitations, strict=True)
    ]


def open_during(ruptures: Sequence[RuptureReport], number: int) -> list[RuptureReport]:
    """The ruptures open when step `number` was chosen."""
    return [
        r
        for r in ruptures
        if r.opened_step is not None
        and r.opened_step < number
        and (r.repaired_step is None or r.repaired_step >= number)
    ]


def rupture_reports(
    scenario: Scenario, ordered: Sequence[Step], state: State
) -> tuple[RuptureReport, ...]:
    """Each rupture of the state, with the lines and step numbers that opened and repaired it."""
    return tuple(
        RuptureReport(
            type=rupture.type,
            opened_at=rupture.opened_at,
            opened_line=scene_line(scenario, rupture.opened_at),
            opened_step=found.opened,
            by_client=found.by_client,
            repaired_at=rupture.repaired_at,
            repaired_line=scene_line(scenario, rupture.repaired_at),
            repaired_step=found.repaired,
            invited_at=rupture.attempted_at,
            invited_step=found.invited,
            invitations=found.invitations,
        )
        for rupture, found in zip(
            state.ruptures, rupture_steps(scenario, ordered, state), strict=True
        )
    )
