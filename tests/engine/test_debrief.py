"""The debrief is a pure value built from a run's steps and final state."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from simulator.engine.debrief import (
    Reactions,
    ScenarioSummary,
    build,
    changes_sentence,
    check_in,
    marker_name,
    question_in,
    quote,
)
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


def test_a_repair_is_the_first_strength_named():
    s = session()
    state, steps = play_through(s, [2, 1, 2])
    (strength,) = build(s, steps, state).strengths
    assert strength.step == 2
    assert strength.title == "Repairing the withdrawal rupture at choice 2"
    assert "“I moved too fast. Can we go back?”" in strength.detail


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


# -- the teaching parts: opener, key moments, the client's side, strengths, pattern, next ----

BANNED = r"\b(wrong|bad|badly|fail|failed|failing|failure|mistakes?|poor performance|poor)\b"


def layered():
    """Two ruptures, a disclosure dilemma and a large early swing, to test the rules' order."""
    return scenario(
        {
            "a": talk(
                ask(
                    "That took courage.",
                    "b",
                    quality="strong",
                    skill="affirmation",
                    effects={"trust": 20},
                ),
                ask("Let's begin.", "b", quality="adequate", skill="structuring"),
                client="I nearly didn't come.",
            ),
            "b": talk(
                ask(
                    "Let's get to the plan, then.",
                    "c",
                    quality="weak",
                    skill="structuring",
                    effects={"trust": -5},
                    feedback="Moves on past the marker.",
                ),
                ask(
                    "You said fine, and you look tired. I may have rushed us.",
                    "c",
                    quality="strong",
                    skill="metacommunication",
                    repairs=True,
                    effects={"trust": 5},
                    feedback="Names the gap and owns a part.",
                ),
                ask("A perfect reply nobody is offered.", "c", quality="strong", when="trust > 95"),
                moment="rupture",
                rupture="withdrawal",
                client="Fine.",
                thought="You weren't listening.",
            ),
            "c": talk(
                ask(
                    "I have. What would it mean if I had?",
                    "d",
                    quality="strong",
                    skill="self-disclosure",
                    disclosure="brief",
                    effects={"trust": 5},
                ),
                ask(
                    "Why do you ask?",
                    "d",
                    quality="weak",
                    disclosure="deflect",
                    effects={"trust": -5},
                ),
                moment="self-disclosure",
                client="Have you been through this?",
                thought="Please say yes.",
            ),
            "d": talk(
                ask(
                    "Let me explain why I said that.",
                    "e",
                    quality="weak",
                    skill="justification",
                    rupture="confrontation",
                    effects={"trust": -10},
                ),
                ask(
                    "That's fair. Say more?",
                    "e",
                    quality="strong",
                    skill="open-question",
                    effects={"trust": 5},
                ),
                client="You don't get it.",
            ),
            "e": talk(
                ask("Anyway, same time next week.", "z", quality="weak", skill="closing"),
                ask(
                    "I think I defended myself instead of listening.",
                    "z",
                    quality="strong",
                    skill="metacommunication",
                    repairs=True,
                    effects={"trust": 5},
                ),
                client="Whatever.",
                thought="Same as everyone.",
            ),
            "z": end("good"),
        }
    )


def test_the_opener_makes_the_room_safe_before_anything_is_analysed():
    s = layered()
    state, steps = play_through(s, [1, 1, 1, 1, 1])
    opener = " ".join(build(s, steps, state).opener)
    assert "Ruptures happen in real sessions" in opener
    assert "more than one reply would have worked" in opener
    assert "not to grade you" in opener
    assert "This session had two ruptures" in opener


def test_key_moments_take_ruptures_first_then_disclosures_then_swings_and_never_more_than_three():
    s = layered()
    state, steps = play_through(s, [1, 1, 1, 1, 1])
    reviews = build(s, steps, state).key_moments
    # the reply to each rupture's marker (steps 2 and 5), then the disclosure (step 3);
    # the largest swing (step 1, trust +20) does not fit
    assert [(r.number, r.step, r.reason) for r in reviews] == [
        (1, 2, "rupture"),
        (2, 3, "self-disclosure"),
        (3, 5, "rupture"),
    ]
    assert reviews[0].name == "Withdrawal marker: minimal response"
    assert reviews[1].name == "Self-disclosure dilemma: brief disclosure"
    assert reviews[2].name == "Withdrawal marker: minimal response"  # “Whatever.” is short


def test_a_short_path_fills_its_key_moments_with_the_largest_swings():
    s = layered()
    state, steps = play_through(s, [1, 2])
    reviews = build(s, steps, state).key_moments
    assert [(r.step, r.reason) for r in reviews] == [(1, "swing"), (2, "rupture")]
    assert reviews[0].name == "Alliance-building moment: an affirmation"
    assert "moved the meters more than any other" in reviews[0].observation


def test_each_key_moment_says_whether_its_rupture_was_repaired():
    s = layered()
    state, steps = play_through(s, [2, 2, 1, 1, 1])
    first, _, last = build(s, steps, state).key_moments
    assert first.repaired is True
    assert (
        first.status
        == "Opened by Sam before choice 2. Repaired here: exploratory repair through metacommunication."
    )
    assert "the rupture was repaired at this point" in first.observation
    assert last.repaired is False
    assert last.status == "Opened by your reply at choice 4. Still open when the session ended."
    assert "was still open when the session ended" in last.observation
    assert last.question.endswith("?")


def test_the_alternative_is_the_best_other_reply_on_offer_shown_with_its_feedback():
    s = layered()
    state, steps = play_through(s, [1, 1, 1, 1, 1])
    review = build(s, steps, state).key_moments[0]
    assert review.say == "Let's get to the plan, then."
    assert review.alternative is not None
    assert review.alternative.say == "You said fine, and you look tired. I may have rushed us."
    assert review.alternative.feedback == "Names the gap and owns a part."
    assert review.alternative_label == "A stronger reply the scenario offered here"
    assert review.impact == "Trust fell by 5 to 65."
    assert review.why == "Moves on past the marker."


def test_after_the_strongest_reply_the_alternative_is_offered_for_contrast_never_an_unoffered_one():
    s = layered()
    state, steps = play_through(s, [1, 2, 1, 2])
    review = next(r for r in build(s, steps, state).key_moments if r.step == 2)
    assert review.alternative is not None
    assert review.alternative.say == "Let's get to the plan, then."  # not the `when` choice
    assert review.alternative_label == "For contrast, another reply on offer here"


def test_two_equally_strong_replies_are_offered_as_another_that_could_also_work():
    s = scenario(
        {
            "a": talk(
                ask("Reflection.", "z", quality="strong", skill="reflection", effects={"trust": 5}),
                ask("Open question.", "z", quality="strong", effects={"trust": 5}),
            ),
            "z": end(),
        }
    )
    state, steps = play_through(s, [1])
    (review,) = build(s, steps, state).key_moments
    assert review.alternative is not None and review.alternative.say == "Open question."
    assert review.alternative_label == "Another reply that could also work here"


def test_rupture_markers_are_named_in_the_field_s_terms():
    assert marker_name("withdrawal", "It's fine. Honestly.") == "Withdrawal marker: denial"
    assert marker_name("withdrawal", "Yeah.") == "Withdrawal marker: minimal response"
    assert (
        marker_name("withdrawal", "Anyway. What about school?") == "Withdrawal marker: topic shift"
    )
    assert marker_name("confrontation", "So it's my fault?") == (
        "Confrontation marker: defending against the therapist"
    )
    assert marker_name("confrontation", "These worksheets are pointless.") == (
        "Confrontation marker: complaint about the activities of therapy"
    )
    # a confrontation gone underground shows withdrawal markers
    assert marker_name("confrontation", "The week's been fine, really.") == (
        "Withdrawal marker: denial"
    )
    assert marker_name("withdrawal", "The garden has been lovely this week, all of it.") == (
        "Withdrawal rupture: the client moving away"
    )


def test_through_the_client_s_eyes_sets_what_was_said_beside_what_was_thought():
    s = layered()
    state, steps = play_through(s, [1, 1, 1, 1, 1])
    views = build(s, steps, state).client_side
    assert [v.step for v in views] == [2, 3, 5]
    first = views[0]
    assert (first.said, first.thought, first.reply) == (
        "Fine.",
        "You weren't listening.",
        "Let's get to the plan, then.",
    )
    # step 3 follows at once, so the client's next words are not repeated under step 2
    assert first.then_said is None
    assert views[1].then_said == "You don't get it." and views[1].then_thought is None


def test_the_check_in_speaks_in_the_client_s_voice_by_rule_from_the_final_meters():
    report = check_in(
        layered(), {"authenticity": 65, "attentiveness": 30, "positivity": 45, "trust": 44}
    )
    words = {line.meter: (line.level, line.words) for line in report.lines}
    assert words["authenticity"] == ("high", "You seemed real with me.")
    assert words["attentiveness"] == ("low", "I'm not sure you got it.")
    assert words["positivity"] == ("middle", "I'm not sure where this is going.")
    assert words["trust"] == ("low", "I didn't feel safe saying much.")
    assert "does not predict" in report.note and "not a measure" in report.note


def test_the_check_in_reads_each_meter_against_where_the_scenario_started_it():
    s = scenario({"a": talk(ask("x", "z")), "z": end()}, meters={"trust": 30, "authenticity": 80})
    report = check_in(s, {"authenticity": 64, "attentiveness": 50, "positivity": 50, "trust": 45})
    levels = {line.meter: line.level for line in report.lines}
    # authenticity 64 fell from 80; trust 45 rose from 30; the others did not move
    assert levels == {
        "authenticity": "low",
        "attentiveness": "middle",
        "positivity": "middle",
        "trust": "high",
    }


def test_skills_are_counted_from_the_tags_with_reflections_to_questions():
    s = scenario(
        {
            "a": talk(ask("R1", "b", skill="reflection")),
            "b": talk(ask("R2", "c", skill="reflection")),
            "c": talk(ask("Q", "d", skill="open-question")),
            "d": talk(ask("C", "e", skill="closed-question")),
            "e": talk(ask("Untagged", "z")),
            "z": end(),
        }
    )
    state, steps = play_through(s, [1] * 5)
    skills = build(s, steps, state).skills
    assert skills is not None
    assert [(c.skill, c.count) for c in skills.counts] == [
        ("reflection", 2),
        ("closed-question", 1),
        ("open-question", 1),
    ]
    assert (
        skills.reflections,
        skills.questions,
        skills.open_questions,
        skills.closed_questions,
    ) == (
        2,
        2,
        1,
        1,
    )
    assert skills.untagged == 1
    assert skills.ratio == "2 reflections to 2 questions."
    assert "not a grade" in skills.note


def test_when_nothing_else_applies_the_strength_is_staying_to_the_end():
    s = scenario(
        {
            "a": talk(ask("Hm.", "b", quality="weak", effects={"trust": -5})),
            "b": talk(ask("Okay.", "z", quality="weak")),
            "z": end("poor"),
        }
    )
    state, steps = play_through(s, [1, 1])
    report = build(s, steps, state)
    (strength,) = report.strengths
    assert strength.title == "Staying with the session"
    # the client disengaged, so the debrief never says the two of them reached the end
    assert strength.detail == "You kept working with Sam for 2 choices."
    assert "end of the session" not in strength.detail
    assert report.outcome_words == "The client disengaged"


def test_the_pattern_names_explaining_after_a_confrontation():
    s = scenario(
        {
            "a": talk(
                ask(
                    "Let me explain what I meant.",
                    "b",
                    skill="justification",
                    effects={"trust": -5},
                ),
                moment="rupture",
                rupture="confrontation",
                client="So it's my fault?",
            ),
            "b": talk(ask("The research is clear on this.", "z", skill="information")),
            "z": end("mixed"),
        }
    )
    state, steps = play_through(s, [1, 1])
    report = build(s, steps, state)
    assert report.pattern is not None
    assert report.pattern.kind == "explained-after-confrontation"
    assert report.pattern.title == "After a confrontation, your replies tended to explain."
    assert report.pattern.detail.startswith("At choices 1 and 2, Sam was pushing back")
    assert report.takeaway is not None
    assert "grain of truth" in report.takeaway.text


def test_the_pattern_names_moving_on_after_a_withdrawal_and_the_take_away_answers_it():
    s = layered()
    state, steps = play_through(s, [1, 1, 1, 2])
    report = build(s, steps, state)
    assert report.pattern is not None
    assert report.pattern.kind == "moved-on-after-withdrawal"
    assert report.pattern.title == "When Sam pulled back, your replies tended to move on."
    assert report.pattern.detail.startswith("At choice 2, a withdrawal was still open")
    assert report.takeaway is not None and report.takeaway.kind == "change"
    assert "naming the gap tentatively" in report.takeaway.text


def test_a_session_whose_ruptures_were_all_repaired_says_so_and_keeps_what_worked():
    s = layered()
    state, steps = play_through(s, [1, 2, 1, 1, 2])
    report = build(s, steps, state)
    assert report.pattern is not None and report.pattern.kind == "returned-to-ruptures"
    assert report.pattern.detail == "All 2 ruptures in this session were repaired."
    # the take-away answers the growth edge, the reply that did most harm, even here
    assert report.growth is not None and report.takeaway is not None
    assert report.takeaway.text == report.growth.lesson
    assert [s.step for s in report.strengths] == [2, 5]


LIBRARY = (
    ScenarioSummary(id="test", title="Test", difficulty="beginner", tags=("withdrawal",)),
    ScenarioSummary(id="calm", title="Calm", difficulty="beginner", tags=("first-session",)),
    ScenarioSummary(id="quiet", title="Quiet", difficulty="beginner", tags=("withdrawal",)),
    ScenarioSummary(id="harder", title="Harder", difficulty="intermediate", tags=("withdrawal",)),
    ScenarioSummary(id="angry", title="Angry", difficulty="intermediate", tags=("confrontation",)),
)


def test_the_next_scenario_practises_what_went_less_well_at_the_same_level():
    s = layered()
    state, steps = play_through(s, [1, 1, 1, 2])  # the withdrawal stays open
    suggestion = build(s, steps, state, LIBRARY).next
    assert suggestion is not None and suggestion.id == "quiet"
    assert suggestion.reason == (
        "A beginner scenario, at the same level, that practises noticing and repairing withdrawal."
    )


def test_after_a_session_that_went_well_the_next_scenario_is_a_step_up():
    s = layered()
    state, steps = play_through(s, [1, 2, 1, 2, 2])
    assert state.finished and not any(r.repaired_at is None for r in state.ruptures)
    suggestion = build(s, steps, state, LIBRARY).next
    assert suggestion is not None and suggestion.id == "harder"
    assert "one step up" in suggestion.reason


def test_there_is_no_suggestion_when_the_library_holds_only_this_scenario():
    s = layered()
    state, steps = play_through(s, [1, 2, 1, 2])
    assert build(s, steps, state, LIBRARY[:1]).next is None
    assert build(s, steps, state).next is None


def test_the_trainee_s_reactions_travel_with_the_debrief():
    s = layered()
    state, steps = play_through(s, [1, 2, 1, 2])
    mine = Reactions(rating=4, text="The quiet bit was hard.", at="2026-01-02T03:04:05+00:00")
    report = build(s, steps, state, reactions=mine)
    assert report.reactions == mine
    assert type(report).model_validate_json(report.model_dump_json()) == report
    with pytest.raises(ValidationError):
        Reactions(rating=6)


@pytest.mark.parametrize(
    "path", [[1, 1, 1, 1, 1], [2, 2, 2, 2, 2], [1, 2, 1, 1, 1], [2, 1, 2, 1, 2], [1, 2]]
)
def test_the_debrief_s_own_words_never_grade_the_person(path):
    s = layered()
    state, steps = play_through(s, path)
    for text in build(s, steps, state, LIBRARY).prose():
        outside_quotes = re.sub(r"“[^”]*”", "", text)
        assert not re.search(BANNED, outside_quotes, re.I), text


def test_a_long_line_is_quoted_by_its_opening_sentences_and_a_question_by_itself():
    line = (
        "Can I ask you something? Have you ever lost a parent? Like, actually? Because everyone "
        "keeps saying they 'understand', and they don't."
    )
    assert quote(line) == "“Can I ask you something?”"
    assert question_in(line) == "“Have you ever lost a parent?”"
    assert question_in("Can I ask... are you queer? Sorry.") == "“Can I ask... are you queer?”"
    assert quote("Okay. That's... fair, actually. " + "More words here. " * 8) == (
        "“Okay. That's... fair, actually”"
    )
    assert quote("word " * 40) == "“" + " ".join(["word"] * 40) + "”"  # never cut inside a sentence
    assert quote("It's fine.") == "“It's fine”"  # the sentence around it supplies the stop
