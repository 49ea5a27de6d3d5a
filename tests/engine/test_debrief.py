"""The debrief is a pure value built from a run's steps and final state."""

from __future__ import annotations

from simulator.engine.debrief import build, changes_sentence
from simulator.engine.play import ask_hint, choose, play_through, start

from .helpers import ask, end, scenario, talk


def session():
    """A small session with a rupture, a repair, a disclosure dilemma, a hint and a thought."""
    return scenario(
        {
            "open": talk(
                ask(
                    "Tell me what brings you.",
                    "ask",
                    quality="strong",
                    skill="open-question",
                    effects={"trust": 5},
                    feedback="Open and unhurried.",
                ),
                ask(
                    "Let's do homework first.",
                    "cold",
                    quality="harmful",
                    rupture="withdrawal",
                    effects={"trust": -10, "attentiveness": -5},
                    feedback="Skips the person.",
                ),
                cue="She sits down slowly.",
                thought="Will they rush me?",
                hint="Start where she is.",
            ),
            "cold": talk(
                ask(
                    "I moved too fast. Can we go back?",
                    "ask",
                    repairs=True,
                    quality="strong",
                    effects={"trust": 10},
                ),
                ask("Anyway.", "ask", quality="weak", effects={"trust": -5}),
                moment="rupture",
                rupture="withdrawal",
                client="Fine. Whatever.",
            ),
            "ask": talk(
                ask(
                    "I have; what would it mean to you if I had?",
                    "done",
                    disclosure="brief",
                    quality="strong",
                    effects={"trust": 5},
                ),
                ask(
                    "Why do you ask?",
                    "done",
                    disclosure="deflect",
                    quality="weak",
                    effects={"trust": -5},
                    feedback="Cool and evasive.",
                ),
                moment="self-disclosure",
                client="Have you been through this?",
            ),
            "done": end("good", text="She books again."),
        },
        meters={"trust": 40},
    )


def test_a_debrief_tells_the_ending_and_every_step_in_order():
    s = session()
    state, steps = play_through(s, [2, 1, 2])
    report = build(s, steps, state)
    assert (report.ending, report.ending_title, report.outcome) == ("done", "A good ending", "good")
    assert report.ending_text == "She books again."
    assert [p.number for p in report.path] == [1, 2, 3]
    first = report.path[0]
    assert (first.scene, first.cue, first.client, first.say) == (
        "open",
        "She sits down slowly.",
        "Hm.",
        "Let's do homework first.",
    )
    assert (first.quality, first.feedback, first.thought) == (
        "harmful",
        "Skips the person.",
        "Will they rush me?",
    )
    assert first.changes == {"authenticity": 0, "attentiveness": -5, "positivity": 0, "trust": -10}
    assert first.after["trust"] == 30 and first.opened == "withdrawal"
    assert report.path[1].repaired and report.path[1].moment == "rupture"


def test_the_timeline_starts_at_the_opening_meters_and_follows_each_step():
    s = session()
    state, steps = play_through(s, [2, 1, 2])
    report = build(s, steps, state)
    assert [point["trust"] for point in report.timeline] == [40, 30, 40, 35]
    assert len(report.timeline) == len(steps) + 1


def test_key_moments_are_marked_by_step_number():
    s = session()
    state, steps = play_through(s, [2, 1, 2])
    moments = [(m.step, m.kind, m.label) for m in build(s, steps, state).moments]
    assert moments == [
        (1, "rupture", "Rupture: withdrawal"),
        (2, "repair", "Repair"),
        (3, "self-disclosure", "Self-disclosure dilemma"),
    ]


def test_each_rupture_says_where_it_opened_and_whether_it_was_repaired():
    s = session()
    state, steps = play_through(s, [2, 1, 2])
    (rupture,) = build(s, steps, state).ruptures
    assert (rupture.type, rupture.opened_at, rupture.opened_step) == ("withdrawal", "open", 1)
    assert (rupture.repaired_at, rupture.repaired_step, rupture.repaired) == ("cold", 2, True)
    assert rupture.repaired_line == "Fine. Whatever."

    state, steps = play_through(s, [2, 2, 1])
    (rupture,) = build(s, steps, state).ruptures
    assert not rupture.repaired and rupture.repaired_step is None


def test_a_rupture_opened_by_entering_a_rupture_scene_is_dated_to_that_step():
    s = scenario(
        {
            "a": talk(ask("Go on.", "b")),
            "b": talk(ask("Sorry.", "z", repairs=True), moment="rupture", rupture="confrontation"),
            "z": end(),
        }
    )
    state, steps = play_through(s, [1, 1])
    (rupture,) = build(s, steps, state).ruptures
    assert (rupture.type, rupture.opened_at, rupture.opened_step) == ("confrontation", "b", 1)
    assert rupture.repaired_step == 2


def test_disclosure_choices_are_listed_with_their_category():
    s = session()
    state, steps = play_through(s, [1, 2])
    (disclosure,) = build(s, steps, state).disclosures
    assert (disclosure.step, disclosure.category, disclosure.say) == (
        2,
        "deflect",
        "Why do you ask?",
    )
    assert disclosure.client == "Have you been through this?"
    assert "evades" in disclosure.note or "set aside" in disclosure.note
    assert disclosure.feedback == "Cool and evasive."


def test_hints_used_are_reported_and_marked_on_their_step():
    s = session()
    state = ask_hint(s, start(s))
    state, first = choose(s, state, 0)
    state, second = choose(s, state, 0)
    report = build(s, [first, second], state)
    assert [(h.scene, h.hint) for h in report.hints] == [("open", "Start where she is.")]
    assert report.path[0].hinted and not report.path[1].hinted


def test_a_stronger_reply_on_offer_is_suggested_after_a_weaker_one():
    s = session()
    state, steps = play_through(s, [2, 2, 2])
    report = build(s, steps, state)
    assert [a.say for a in report.path[0].stronger] == ["Tell me what brings you."]
    assert [a.say for a in report.path[1].stronger] == ["I moved too fast. Can we go back?"]
    assert report.path[0].stronger[0].feedback == "Open and unhurried."
    state, steps = play_through(s, [1, 1])
    assert all(p.stronger == () for p in build(s, steps, state).path)


def test_a_stronger_reply_that_was_not_on_offer_is_not_suggested():
    s = scenario(
        {
            "a": talk(
                ask("Hm.", "z", quality="weak"),
                ask("Perfect reply.", "z", quality="strong", when="trust > 90"),
            ),
            "z": end(),
        }
    )
    state, steps = play_through(s, [1])
    assert build(s, steps, state).path[0].stronger == ()


def test_strengths_name_strong_replies_and_repairs_and_revisit_names_weak_ones():
    s = session()
    state, steps = play_through(s, [2, 1, 2])
    report = build(s, steps, state)
    assert [p.number for p in report.strengths] == [2]
    assert [p.number for p in report.revisit] == [1, 3]


def test_an_unfinished_run_has_a_debrief_without_an_ending():
    s = session()
    state, steps = play_through(s, [1])
    report = build(s, steps, state)
    assert not report.finished and report.ending is None and report.outcome is None
    assert len(report.path) == 1


def test_a_run_with_no_steps_has_one_point_on_its_timeline():
    s = session()
    state = start(s)
    report = build(s, [], state)
    assert report.path == () and report.timeline == (
        {"authenticity": 50, "attentiveness": 50, "positivity": 50, "trust": 40},
    )


def test_the_debrief_round_trips_through_json():
    s = session()
    state, steps = play_through(s, [2, 1, 2])
    report = build(s, steps, state)
    assert type(report).model_validate_json(report.model_dump_json()) == report


def test_meter_changes_read_as_a_sentence():
    after = {"authenticity": 50, "attentiveness": 45, "positivity": 50, "trust": 40}
    changes = {"authenticity": 0, "attentiveness": -5, "positivity": 0, "trust": 5}
    assert (
        changes_sentence(changes, after) == "Attentiveness fell by 5 to 45. Trust rose by 5 to 40."
    )
    assert changes_sentence({}, after) == "The meters did not move."
