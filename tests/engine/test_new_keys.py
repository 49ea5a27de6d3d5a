"""The optional keys of issue 14 in play: typed repairs, repairs the client takes up, the
therapist and jurisdiction, and Hill & Knox disclosure types, through play, analysis, lint
and the debrief."""

from __future__ import annotations

import json

from simulator.engine import analyze, choose, lint, play_through, start, summary
from simulator.engine.debrief import build
from simulator.engine.play import State

from .helpers import ask, end, scenario, talk


def two_ruptures(**scene_extra):
    """A withdrawal opened by the client, then a confrontation opened by a reply; then a
    reply that repairs one type, and (optionally) a scene where the client takes it up."""
    return {
        "quiet": talk(
            ask("Mm.", "push"),
            ask("Go on.", "push"),
            moment="rupture",
            rupture="withdrawal",
        ),
        "push": talk(
            ask("You need to try harder.", "mend", rupture="confrontation"),
            ask("Let's slow down.", "mend"),
        ),
        "mend": talk(
            ask("I pushed you just now.", "answer", repairs="confrontation", skill="apology"),
            ask("You seem far away today.", "answer", repairs="withdrawal"),
            ask("Anyway, homework.", "answer"),
        ),
        "answer": talk(ask("Thank you.", "done"), ask("Let's end.", "done"), **scene_extra),
        "done": end("good"),
    }


def test_a_typed_repair_mends_the_oldest_open_rupture_of_its_type_only():
    s = scenario(two_ruptures())
    state, _ = play_through(s, [1, 1, 1])
    withdrawal, confrontation = state.ruptures
    assert withdrawal.repaired_at is None
    assert confrontation.repaired_at == "mend"
    assert state.ruptures_open == 1


def test_true_still_repairs_the_oldest_open_rupture_whatever_its_type():
    scenes = two_ruptures()
    scenes["mend"]["choices"][0]["repairs"] = True
    s = scenario(scenes)
    state, _ = play_through(s, [1, 1, 1])
    assert [r.repaired_at for r in state.ruptures] == ["mend", None]


def test_a_typed_repair_with_no_rupture_of_its_type_open_repairs_nothing():
    s = scenario(two_ruptures())
    state, steps = play_through(s, [1, 2, 1])  # no confrontation was opened
    assert [r.type for r in state.ruptures] == ["withdrawal"]
    assert state.ruptures[0].repaired_at is None
    assert steps[-1].repaired is False


def test_with_an_uptake_scene_a_repair_is_only_invited_until_the_client_takes_it_up():
    scenes = two_ruptures()
    scenes["mend"]["choices"][1]["goto"] = "cold"
    scenes["cold"] = talk(ask("Okay.", "answer"), ask("Fine.", "done"))
    scenes["answer"]["repair_accepted"] = True
    s = scenario(scenes)
    state = start(s)
    state, _ = choose(s, state, 0)
    state, _ = choose(s, state, 1)  # no confrontation
    state, step = choose(s, state, 1)  # invite repair of the withdrawal; go to "cold"
    assert step.attempted and not step.repaired
    assert state.ruptures[0].attempted_at == "mend"
    assert state.ruptures[0].repaired_at is None
    assert state.ruptures_open == 1  # still counts as open
    state, step = choose(s, state, 0)  # on to the uptake scene
    assert step.repaired and not step.attempted
    assert state.ruptures[0].repaired_at == "answer"
    assert state.ruptures_open == 0


def test_a_second_invitation_keeps_the_first_and_the_uptake_credits_it():
    scenes = two_ruptures()
    scenes["mend"]["choices"][1]["goto"] = "cold"
    scenes["cold"] = talk(
        ask("I think I lost you there.", "answer", repairs="withdrawal"), ask("Fine.", "done")
    )
    scenes["answer"]["repair_accepted"] = True
    s = scenario(scenes)
    state, steps = play_through(s, [1, 2, 2, 1, 1])
    assert steps[2].attempted and steps[3].attempted
    assert state.ruptures[0].attempted_at == "mend"
    assert state.ruptures[0].repaired_at == "answer"
    report = build(s, steps, state)
    assert (report.ruptures[0].invited_step, report.ruptures[0].repaired_step) == (3, 4)


def test_an_invitation_never_taken_up_leaves_the_rupture_open():
    scenes = two_ruptures()
    scenes["mend"]["choices"][1]["goto"] = "cold"
    scenes["cold"] = talk(ask("Okay.", "answer"), ask("Fine.", "done"))
    scenes["answer"]["repair_accepted"] = True
    s = scenario(scenes)
    state, _ = play_through(s, [1, 2, 2, 2])
    assert state.finished
    assert state.ruptures[0].attempted_at == "mend" and state.ruptures[0].repaired_at is None


def test_without_an_uptake_scene_repairs_complete_at_once_as_in_version_one():
    s = scenario(two_ruptures())
    state, steps = play_through(s, [2, 2, 2])
    assert state.ruptures[0].repaired_at == "mend"
    assert steps[2].repaired and not steps[2].attempted
    assert "attempted_at" not in state.ruptures[0].model_dump()


def test_the_contract_json_and_stored_state_are_unchanged_for_version_one():
    s = scenario(two_ruptures())
    state, _ = play_through(s, [1, 1])
    printed = summary(s, state)
    assert printed["ruptures"] == [
        {"type": "withdrawal", "opened_at": "quiet", "repaired_at": None},
        {"type": "confrontation", "opened_at": "push", "repaired_at": None},
    ]
    # a state stored before the new keys existed still loads, and round-trips
    old = json.loads(state.model_dump_json())
    assert State.model_validate(old) == state


def test_an_invited_repair_round_trips_through_the_stored_state():
    scenes = two_ruptures(repair_accepted=True)
    scenes["mend"]["choices"][1]["goto"] = "cold"
    scenes["cold"] = talk(ask("Okay.", "answer"), ask("Fine.", "done"))
    s = scenario(scenes)
    state, _ = play_through(s, [1, 2, 2])
    assert state.ruptures[0].attempted_at == "mend"
    assert State.model_validate_json(state.model_dump_json()) == state


def test_analysis_tells_an_invitation_apart_from_an_uptake():
    scenes = two_ruptures()
    scenes["mend"]["choices"][1]["goto"] = "cold"
    scenes["cold"] = talk(ask("Okay.", "answer"), ask("Fine.", "done"))
    scenes["answer"]["repair_accepted"] = True
    result = analyze(scenario(scenes))
    # "done" can be reached with the withdrawal invited but never taken up
    assert result.endings["done"].reachable and result.endings["done"].unrepaired


def test_lint_warns_when_no_uptake_scene_can_follow_a_repair():
    scenes = two_ruptures()
    scenes["mend"]["choices"][0]["goto"] = "done"  # this repair leads straight to the end
    scenes["answer"]["repair_accepted"] = True
    found = [p for p in lint(scenario(scenes)) if "repair_accepted" in p.message]
    assert [p.path for p in found] == [("scenes", "mend", "choices", 0, "repairs")]
    assert "never credited" in found[0].message


def test_lint_warns_when_a_typed_repair_has_no_rupture_of_its_type():
    scenes = two_ruptures()
    scenes["push"]["choices"][0].pop("rupture")
    found = [p for p in lint(scenario(scenes)) if "repairs nothing" in p.message]
    assert [p.path for p in found] == [("scenes", "mend", "choices", 0, "repairs")]


def test_lint_counts_only_repairs_of_the_moment_s_type_as_reachable():
    scenes = two_ruptures()
    for choice in scenes["mend"]["choices"]:
        choice.pop("repairs", None)
    scenes["mend"]["choices"][0]["repairs"] = "confrontation"
    found = [p for p in lint(scenario(scenes)) if "no repairing choice" in p.message]
    assert [p.path for p in found] == [("scenes", "quiet")]


def test_the_debrief_credits_a_repair_only_where_the_client_takes_it_up():
    scenes = two_ruptures()
    scenes["mend"]["choices"][1]["goto"] = "cold"
    scenes["cold"] = talk(ask("Okay.", "answer"), ask("Fine.", "done"))
    scenes["answer"]["repair_accepted"] = True
    s = scenario(scenes)

    def debrief(numbers):
        state, steps = play_through(s, numbers)
        return build(s, steps, state)

    taken = debrief([1, 2, 2, 1, 1])
    (rupture,) = taken.ruptures
    assert (rupture.invited_step, rupture.repaired_step) == (3, 4)
    assert any(x.step == 3 and "a repair Sam took up" in x.title for x in taken.strengths), (
        taken.strengths
    )
    review = next(r for r in taken.key_moments if r.reason == "rupture")
    assert review.status.endswith("You invited repair at choice 3; Sam took it up after choice 4.")
    assert "At choice 3 you invited repair, and Sam took it up after choice 4." in (
        review.observation
    )

    straight = debrief([1, 2, 1, 1])  # "I pushed you" repairs nothing: no confrontation
    assert not straight.ruptures[0].repaired

    missed = debrief([1, 2, 2, 2])
    (rupture,) = missed.ruptures
    assert rupture.invited_step == 3 and not rupture.repaired
    assert not any("repair" in x.title.lower() for x in missed.strengths)
    review = next(r for r in missed.key_moments if r.reason == "rupture")
    assert review.status.endswith("You invited repair at choice 3; Sam did not take it up.")
    assert "did not take it up" in review.observation


def test_the_debrief_names_the_disclosure_type_and_carries_therapist_and_jurisdiction():
    s = scenario(
        {
            "asked": talk(
                ask(
                    "I do care about you.",
                    "done",
                    disclosure="brief",
                    disclosure_type="immediacy",
                    quality="strong",
                    effects={"trust": 5},
                ),
                ask("Why do you ask?", "done", disclosure="deflect"),
                moment="self-disclosure",
            ),
            "done": end("good"),
        },
        therapist={"role": "A trainee counsellor", "facts": "You are not in recovery."},
        jurisdiction="England (UK)",
    )
    state, steps = play_through(s, [1])
    report = build(s, steps, state)
    assert steps[0].disclosure_type == "immediacy"
    assert report.disclosures[0].kind == "immediacy"
    assert "here-and-now reaction" in report.disclosures[0].note
    review = next(r for r in report.key_moments if r.reason == "self-disclosure")
    assert "Hill and Knox" in review.observation and "immediacy" in review.observation
    meta = report.model_dump(mode="json")
    assert meta["jurisdiction"] == "England (UK)"
    assert meta["therapist"]["facts"] == "You are not in recovery."
    # an untagged disclosure says nothing of a type
    state, steps = play_through(s, [2])
    untagged = build(s, steps, state)
    assert "Hill and Knox" not in " ".join(untagged.prose())


def test_an_invitation_taken_up_straight_away_is_credited_at_that_reply():
    s = scenario(
        {
            "open": talk(
                ask("Let's do the worksheet.", "cross", rupture="confrontation"),
                ask("How are you?", "done"),
            ),
            "cross": talk(
                ask("I pushed ahead of you.", "softer", repairs="confrontation", skill="apology"),
                ask("The worksheet helps.", "done"),
            ),
            "softer": talk(ask("Thank you.", "done"), ask("Go on.", "done"), repair_accepted=True),
            "done": end("good"),
        }
    )
    state, steps = play_through(s, [1, 1, 1])
    assert steps[1].attempted and steps[1].repaired
    report = build(s, steps, state)
    review = next(r for r in report.key_moments if r.reason == "rupture")
    assert review.step == 2
    assert review.status == (
        "Opened by your reply at choice 1. You invited repair here; Sam took it up at once: "
        "repair by acknowledging your part."
    )
    assert "It invited repair, and Sam took it up." in review.observation


def test_a_debrief_weighs_typed_and_untyped_repairs_among_the_alternatives():
    s = scenario(two_ruptures())
    state, steps = play_through(s, [1, 1, 1])  # at "mend": a typed repair beside others
    report = build(s, steps, state)
    mend = next(r for r in report.key_moments if r.step == 3)
    # with ruptures open, the other repairing reply comes before the one that repairs nothing
    assert mend.alternative is not None and mend.alternative.say == "You seem far away today."
