"""Safety moments: validated, always a key moment, and a missed one leads the debrief."""

import pytest
from pydantic import ValidationError

from simulator.engine import check, lint, play_through
from simulator.engine.debrief import SAFETY_LESSON, build

from .helpers import ask, end, scenario, talk

RISK = "Some days I wonder what the point of any of it is."


def with_safety(**ending):
    return scenario(
        {
            "hello": talk(
                ask("Tell me about your week.", "risk", quality="adequate"),
                ask("Shall we get straight to the worksheet?", "late", quality="weak"),
            ),
            "risk": talk(
                ask(
                    "When you say that, I want to ask directly: are you having thoughts of "
                    "ending your life?",
                    "good",
                    quality="strong",
                    skill="risk-assessment",
                    feedback="A calm, direct question about suicide is the safety step.",
                ),
                ask(
                    "Everyone feels like that sometimes.",
                    "poor",
                    quality="weak",
                    effects={"trust": -5},
                    feedback="Normalising moves past the cue.",
                ),
                moment="safety",
                client=RISK,
                thought="I haven't told anyone about the pills in the drawer.",
            ),
            "late": talk(ask("See you next week.", "poor", quality="weak")),
            "good": end("good"),
            "poor": end("poor", **ending),
        },
        start="hello",
        client={"name": "Sam Reed", "concern": "Low mood."},
    )


def test_a_poor_ending_without_after_is_warned_of_in_a_scenario_with_a_safety_moment():
    warnings = [p for p in check(with_safety()) if p.severity == "warning"]
    assert [p.path for p in warnings] == [("scenes", "poor")]
    assert "add `after`" in warnings[0].message
    assert check(with_safety(after="Phone Sam the same day; tell your supervisor.")) == []


def test_after_belongs_on_an_ending_only():
    with pytest.raises(ValidationError, match="`after` is only allowed on an ending"):
        scenario({"a": talk(ask("x", "e"), after="Phone."), "e": end()})


def test_a_safety_moment_without_a_safety_step_is_a_lint_smell():
    s = scenario(
        {"a": talk(ask("x", "e", quality="weak", feedback="f"), moment="safety"), "e": end()}
    )
    assert any("safety moment with no reply rated strong" in p.message for p in lint(s))


def test_a_safety_step_made_is_a_key_moment_and_does_not_lead():
    s = with_safety(after="Phone Sam.")
    state, steps = play_through(s, [1, 1])
    report = build(s, steps, state)
    assert report.key_moments[0].reason == "safety"
    assert report.key_moments[0].name == "Safety check: made"
    assert report.growth is not None and not report.growth.safety


def test_a_safety_step_passed_by_leads_with_what_it_would_have_been():
    s = with_safety(after="Phone Sam the same day; tell your supervisor.")
    state, steps = play_through(s, [1, 2])
    report = build(s, steps, state)
    growth = report.growth
    assert growth is not None and growth.safety and growth.step == 2
    assert growth.thought == "I haven't told anyone about the pills in the drawer."
    assert growth.model is not None and growth.model.say.startswith("When you say that")
    assert growth.lesson == SAFETY_LESSON and report.takeaway.text == SAFETY_LESSON
    assert report.key_moments[0].name == "Safety check: passed by"
    assert report.after == "Phone Sam the same day; tell your supervisor."
    assert report.summary.growth.step == 2


def test_a_safety_moment_never_reached_is_missed_too():
    s = with_safety(after="Phone Sam.")
    state, steps = play_through(s, [2, 1])
    report = build(s, steps, state)
    growth = report.growth
    assert growth is not None and growth.safety and growth.step is None
    assert growth.text == "The session ended before anyone checked on Sam's safety."
    assert growth.client == RISK
