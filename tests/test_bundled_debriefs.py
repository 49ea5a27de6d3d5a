"""Debriefs of scripted paths through the bundled scenarios: the key moments chosen, their
repair status, the alternatives shown, and language that never grades the trainee."""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

import pytest

from simulator.engine.debrief import QUALITY_RANK, Debrief, Notes, ScenarioSummary, build
from simulator.engine.model import Scenario
from simulator.engine.play import choose, offered, play_through, start
from simulator.scenarios import load_file

FOLDER = Path(__file__).parents[1] / "scenarios"
FILES = sorted(FOLDER.glob("*.yaml"))
IDS = [f.stem for f in FILES]
BANNED = re.compile(
    r"\b(wrong|bad|badly|fail|fails|failed|failing|failure|mistakes?|poor performance|poor)\b",
    re.I,
)


@cache
def scenario(name: str) -> Scenario:
    loaded = load_file(FOLDER / f"{name}.yaml")
    assert loaded.scenario is not None, loaded.errors
    return loaded.scenario


@cache
def library() -> tuple[ScenarioSummary, ...]:
    summaries = []
    for file in FILES:
        s = scenario(file.stem)
        summaries.append(
            ScenarioSummary(id=s.id, title=s.title, difficulty=s.difficulty, tags=s.tags)
        )
    return tuple(summaries)


def debrief(name: str, numbers: list[int]) -> Debrief:
    s = scenario(name)
    state, steps = play_through(s, numbers)
    assert state.finished, f"{name} {numbers} did not reach an ending"
    return build(s, steps, state, library())


def test_late_start_skilled_the_denial_is_repaired_at_once_and_a_contrast_is_shown():
    # Jo takes the repair up as soon as it is invited (`repair_accepted` on half-open)
    report = debrief("late-start", [2, 3, 2, 1, 2, 3, 3, 2])
    assert report.outcome == "excellent"
    rupture = report.key_moments[0]
    assert (rupture.step, rupture.reason, rupture.name) == (
        2,
        "rupture",
        "Withdrawal marker: denial",
    )
    assert rupture.repaired is True
    assert rupture.status == (
        "Opened by Jo before choice 2. You invited repair here; Jo took it up at once: "
        "exploratory repair through metacommunication."
    )
    assert rupture.say.startswith("You're saying it's fine")
    assert rupture.alternative is not None
    assert rupture.alternative.say == "Are you annoyed with me?"
    assert rupture.alternative_label == "For contrast, another reply on offer here"
    assert [k.reason for k in report.key_moments] == ["rupture", "swing", "swing"]
    assert report.pattern is not None and report.pattern.kind == "returned-to-ruptures"
    assert report.strengths[0].title == "Inviting a repair Jo took up, at choice 2"


def test_late_start_unrepaired_the_move_to_homework_is_set_beside_the_repair_it_passed_by():
    report = debrief("late-start", [1, 4, 2, 3])
    assert report.outcome == "poor" and report.outcome_words == "The client disengaged"
    assert [(k.step, k.reason) for k in report.key_moments] == [
        (1, "swing"),
        (2, "rupture"),
        (4, "swing"),
    ]
    rupture = report.key_moments[1]
    assert rupture.name == "Withdrawal marker: denial"
    assert rupture.repaired is False
    assert rupture.status == "Opened by Jo before choice 2. Still open when the session ended."
    assert rupture.say.startswith("Okay, let's crack on.")
    assert rupture.alternative is not None
    assert rupture.alternative.say.startswith("You're saying it's fine, and I also notice")
    assert rupture.alternative.feedback is not None
    assert "metacommunication" in rupture.alternative.feedback
    assert rupture.alternative_label == "A stronger reply the scenario offered here"
    assert report.pattern is not None and report.pattern.kind == "moved-on-after-withdrawal"
    assert report.takeaway is not None and report.takeaway.kind == "change"
    assert report.next is not None and report.next.difficulty == "beginner"
    assert report.next.id != "late-start"


def test_late_start_after_a_hurried_arrival_jo_does_not_take_the_first_invitation_up():
    # a careless arrival (trust 45) and a skilled invitation: Jo stays polite (still-polite)
    missed = debrief("late-start", [1, 3, 2, 1, 1, 1, 1])
    rupture = missed.key_moments[1]
    assert (rupture.step, rupture.reason, rupture.repaired) == (2, "rupture", False)
    assert rupture.status == (
        "Opened by Jo before choice 2. You invited repair here; Jo did not take it up."
    )
    assert "did not take it up" in rupture.observation
    assert missed.ruptures[0].invitations == (2,)
    assert not any("repair" in s.title.lower() for s in missed.strengths)
    # asked again at homework-flat, she takes it up: the second invitation is credited
    again = debrief("late-start", [1, 3, 2, 3, 2, 2, 1, 2])
    rupture = again.key_moments[1]
    assert rupture.status == (
        "Opened by Jo before choice 2. You invited repair here and again at choice 4; Jo took "
        "it up after choice 4."
    )
    assert again.strengths[0].step == 4 and "a repair Jo took up" in again.strengths[0].title


def test_so_its_my_fault_unrepaired_the_confrontation_is_named_and_the_acknowledgement_offered():
    report = debrief("so-its-my-fault", [1, 1, 3, 1, 2])
    first = report.key_moments[0]
    assert (first.step, first.reason) == (1, "rupture")
    assert first.name == "Confrontation marker: defending against the therapist"
    assert first.repaired is False
    assert first.status == "Opened by Elaine at the start. Still open when the session ended."
    assert first.alternative is not None
    assert first.alternative.say.startswith("I said that too quickly, and it came out as blame.")
    assert first.alternative.quality == "strong"
    assert report.pattern is not None
    assert report.pattern.kind == "explained-after-confrontation"
    assert all(not r.repaired for r in report.ruptures)


def test_lost_a_parent_mixed_the_deflection_and_the_withdrawal_after_it_are_both_key():
    report = debrief("lost-a-parent", [2, 2, 1, 2, 1, 2, 1, 1])
    assert report.outcome == "mixed"
    dilemma, withdrawal = report.key_moments[0], report.key_moments[1]
    assert (dilemma.step, dilemma.reason, dilemma.name) == (
        3,
        "self-disclosure",
        "Self-disclosure dilemma: deflection",
    )
    assert dilemma.say == "I wonder what that question is about for you?"
    assert dilemma.alternative is not None and dilemma.alternative.quality == "strong"
    assert dilemma.alternative.say.startswith("I have, yes.")
    assert (withdrawal.step, withdrawal.reason, withdrawal.repaired) == (4, "rupture", False)
    assert withdrawal.name == "Withdrawal marker: denial"  # “Never mind. Doesn't matter.”
    views = {v.step: v for v in report.client_side}
    assert views[4].thought and views[4].said


def test_waste_of_time_skilled_the_repair_invited_next_is_credited_when_dale_takes_it_up():
    report = debrief("waste-of-time", [1, 3, 3, 2, 2, 3, 1, 3, 2])
    first = report.key_moments[0]
    assert (first.step, first.reason) == (2, "rupture")
    assert first.name == "Confrontation marker: complaint about the therapist"
    assert first.repaired is True
    assert first.status == (
        "Opened by Dale before choice 2. You invited repair at choice 3 and again at choice 4; "
        "Dale took it up after choice 4."
    )
    assert report.strengths[0].title == "Inviting a repair Dale took up, at choice 4"
    assert "At choice 3 you invited repair, and Dale took it up after choice 4." in (
        first.observation
    )


def paths(s: Scenario) -> list[list[int]]:
    """Scripted paths: always the best reply, always the least, and seeded random ones."""

    def greedy(pick) -> list[int]:
        state, numbers = start(s), []
        while not state.finished:
            choices = offered(s, state)
            number = pick(choices) + 1
            numbers.append(number)
            state, _ = choose(s, state, choices[number - 1][0])
        return numbers

    def rank(choices, best: bool) -> int:
        ranks = [QUALITY_RANK.get(c.quality, 2) for _, c in choices]
        return ranks.index(max(ranks) if best else min(ranks))

    found = [greedy(lambda c: rank(c, True)), greedy(lambda c: rank(c, False))]
    for seed in range(8):
        generator = random.Random(seed)
        found.append(greedy(lambda c, g=generator: g.randrange(len(c))))
    return found


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_no_debrief_of_any_bundled_scenario_grades_the_person(file):
    s = scenario(file.stem)
    summaries = library()
    for numbers in paths(s):
        state, steps = play_through(s, numbers)
        report = build(s, steps, state, summaries)
        assert 1 <= len(report.strengths) <= 2
        assert len(report.key_moments) <= 3
        assert report.pattern is not None and report.takeaway is not None
        for text in report.prose():
            said_elsewhere = re.sub(r"“[^”]*”", "", text)  # the client's and trainee's own words
            assert not BANNED.search(said_elsewhere), f"{s.id} {numbers}: {text}"
        for review in report.key_moments:
            assert review.question.endswith("?")
            if review.alternative is not None:
                assert review.alternative.say != review.say


@pytest.mark.parametrize("branched_at", [1, 3])
def test_the_rewound_note_does_not_grade_the_person(branched_at):
    note = Notes.rewound(branched_at)
    assert note.startswith("This session was rewound from an earlier one")
    assert not BANNED.search(note)
