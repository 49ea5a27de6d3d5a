"""Every behaviour scenario-format.md states about play, one test each."""

import pytest

from simulator.engine.model import Meters
from simulator.engine.play import (
    MAX_CHOICES,
    NotOffered,
    PlayError,
    RunTooLong,
    State,
    ask_hint,
    choose,
    choose_offered,
    offered,
    play_through,
    start,
    summary,
)

from .helpers import ask, end, scenario, talk


def test_meters_start_at_fifty_unless_the_scenario_says_otherwise():
    sc = scenario({"a": talk(ask("x", "e")), "e": end()}, meters={"trust": 35})
    assert start(sc).meters.as_dict() == {
        "authenticity": 50,
        "attentiveness": 50,
        "positivity": 50,
        "trust": 35,
    }


def test_effects_move_only_the_meters_they_name():
    sc = scenario({"a": talk(ask("x", "e", effects={"trust": 7})), "e": end()})
    state, step = choose(sc, start(sc), 0)
    assert state.meters.as_dict() == {
        "authenticity": 50,
        "attentiveness": 50,
        "positivity": 50,
        "trust": 57,
    }
    assert step.changes == {"authenticity": 0, "attentiveness": 0, "positivity": 0, "trust": 7}


def test_every_change_is_clamped_to_zero_and_one_hundred():
    sc = scenario(
        {"a": talk(ask("x", "e", effects={"trust": 80, "positivity": -90})), "e": end()},
        meters={"trust": 90, "positivity": 20},
    )
    state, step = choose(sc, start(sc), 0)
    assert state.meters.trust == 100
    assert state.meters.positivity == 0
    assert step.changes["trust"] == 10


def test_a_choice_scene_waits_for_the_trainee():
    sc = scenario({"a": talk(ask("x", "e")), "e": end()})
    state = start(sc)
    assert state.scene == "a" and not state.finished
    assert [c.say for _, c in offered(sc, state)] == ["x"]


def test_a_pass_through_follows_the_first_rule_that_holds():
    sc = scenario(
        {
            "a": talk(ask("x", "p", effects={"trust": 20})),
            "p": {
                "next": [
                    {"when": "trust < 60", "goto": "low"},
                    {"when": "trust >= 60", "goto": "high"},
                    {"goto": "low"},
                ]
            },
            "low": end("poor"),
            "high": end("excellent"),
        }
    )
    state, _ = choose(sc, start(sc), 0)
    assert state.scene == "high"
    assert state.trail == ("a", "p", "high")


def test_a_pass_through_rule_without_when_always_holds():
    sc = scenario({"p": {"next": [{"goto": "e"}]}, "e": end()})
    assert start(sc).scene == "e"


def test_an_ending_ends_the_run_and_offers_nothing():
    sc = scenario({"a": talk(ask("x", "e")), "e": end("mixed")})
    state, _ = choose(sc, start(sc), 0)
    assert state.finished
    assert offered(sc, state) == []
    with pytest.raises(PlayError):
        choose(sc, state, 0)


def test_a_choice_with_when_is_offered_only_while_it_holds():
    sc = scenario(
        {
            "a": talk(
                ask("always", "a", effects={"trust": -10}), ask("trusting", "e", when="trust >= 45")
            ),
            "e": end(),
        }
    )
    state = start(sc)
    assert len(offered(sc, state)) == 2
    state, _ = choose(sc, state, 0)
    assert [c.say for _, c in offered(sc, state)] == ["always"]
    with pytest.raises(PlayError):
        choose(sc, state, 1)


def test_a_choice_scene_that_offers_nothing_passes_on_to_its_fallback():
    sc = scenario(
        {
            "a": talk(ask("drop", "b", effects={"trust": -40})),
            "b": talk(ask("only if trusted", "e", when="trust > 30"), fallback="gone"),
            "e": end(),
            "gone": end("poor"),
        }
    )
    state, step = choose(sc, start(sc), 0)
    assert state.scene == "gone"
    assert state.trail == ("a", "b", "gone")
    assert step.entered == ("b", "gone")


def test_conditions_can_ask_whether_a_scene_was_visited():
    sc = scenario(
        {
            "a": talk(ask("to b", "b"), ask("to c", "c")),
            "b": talk(ask("on", "c")),
            "c": talk(ask("went by b", "good", when="visited(b)"), ask("on", "plain")),
            "good": end("good"),
            "plain": end("mixed"),
        }
    )
    via_b, _ = play_through(sc, [1, 1, 1])
    assert via_b.scene == "good"
    direct = start(sc)
    direct, _ = choose(sc, direct, 1)
    assert [c.say for _, c in offered(sc, direct)] == ["on"]


def test_visited_counts_pass_throughs():
    sc = scenario(
        {
            "a": talk(ask("x", "p")),
            "p": {"next": [{"goto": "c"}]},
            "c": talk(
                ask("yes", "e", when="visited(p)"),
                ask("no", "e", when="not visited(p)"),
                fallback="e",
            ),
            "e": end(),
        }
    )
    state, _ = choose(sc, start(sc), 0)
    assert [c.say for _, c in offered(sc, state)] == ["yes"]


def test_a_choice_with_rupture_opens_one_where_it_was_made():
    sc = scenario(
        {"a": talk(ask("push", "b", rupture="withdrawal")), "b": talk(ask("x", "e")), "e": end()}
    )
    state, step = choose(sc, start(sc), 0)
    assert [r.model_dump() for r in state.ruptures] == [
        {"type": "withdrawal", "opened_at": "a", "repaired_at": None}
    ]
    assert state.ruptures_open == 1
    assert step.opened == "withdrawal"


def test_entering_a_rupture_moment_opens_a_rupture_when_none_is_open():
    sc = scenario(
        {
            "a": talk(ask("x", "r")),
            "r": talk(ask("y", "e"), moment="rupture", rupture="confrontation"),
            "e": end(),
        }
    )
    state, _ = choose(sc, start(sc), 0)
    assert [(r.type, r.opened_at) for r in state.ruptures] == [("confrontation", "r")]


def test_a_harmful_choice_into_a_rupture_scene_opens_one_rupture_not_two():
    sc = scenario(
        {
            "a": talk(ask("x", "r", rupture="withdrawal")),
            "r": talk(ask("y", "e"), moment="rupture", rupture="withdrawal"),
            "e": end(),
        }
    )
    state, _ = choose(sc, start(sc), 0)
    assert [(r.type, r.opened_at) for r in state.ruptures] == [("withdrawal", "a")]


def test_repairs_mends_the_oldest_open_rupture_first():
    sc = scenario(
        {
            "a": talk(ask("one", "b", rupture="withdrawal")),
            "b": talk(ask("two", "c", rupture="confrontation")),
            "c": talk(ask("mend", "d", repairs=True)),
            "d": talk(ask("mend again", "e", repairs=True)),
            "e": end(),
        }
    )
    state, _ = play_through(sc, [1, 1, 1])
    assert [(r.type, r.repaired_at) for r in state.ruptures] == [
        ("withdrawal", "c"),
        ("confrontation", None),
    ]
    state, step = choose(sc, state, 0)
    assert [r.repaired_at for r in state.ruptures] == ["c", "d"]
    assert step.repaired


def test_repairs_with_no_rupture_open_repairs_nothing():
    sc = scenario({"a": talk(ask("mend", "e", repairs=True)), "e": end()})
    state, step = choose(sc, start(sc), 0)
    assert state.ruptures == ()
    assert not step.repaired


def test_ruptures_open_counts_unrepaired_ruptures_in_conditions():
    sc = scenario(
        {
            "a": talk(ask("push", "b", rupture="withdrawal")),
            "b": talk(
                ask("open", "e", when="ruptures_open > 0"),
                ask("closed", "e", when="ruptures_open == 0"),
                fallback="e",
            ),
            "e": end(),
        }
    )
    state, _ = choose(sc, start(sc), 0)
    assert [c.say for _, c in offered(sc, state)] == ["open"]


def test_effects_apply_before_rules_are_checked():
    sc = scenario(
        {
            "a": talk(ask("hurt", "b", effects={"trust": -30})),
            "b": talk(ask("x", "e")),
            "e": end(),
            "out": end("poor"),
        },
        rules=[{"when": "trust <= 20", "goto": "out"}],
    )
    state, step = choose(sc, start(sc), 0)
    assert state.scene == "out"
    assert step.rule == 0


def test_ruptures_are_recorded_before_rules_are_checked():
    sc = scenario(
        {
            "a": talk(ask("push", "b", rupture="confrontation")),
            "b": talk(ask("x", "e")),
            "e": end(),
            "tense": talk(ask("x", "e")),
        },
        rules=[{"when": "ruptures_open > 0", "goto": "tense"}],
    )
    state, _ = choose(sc, start(sc), 0)
    assert state.scene == "tense"


def test_the_first_rule_that_holds_wins():
    sc = scenario(
        {
            "a": talk(ask("x", "b")),
            "b": talk(ask("x", "e")),
            "e": end(),
            "one": end(),
            "two": end(),
        },
        rules=[
            {"when": "trust > 90", "goto": "two"},
            {"when": "trust >= 50", "goto": "one"},
            {"when": "trust >= 0", "goto": "two"},
        ],
    )
    state, _ = choose(sc, start(sc), 0)
    assert state.scene == "one"


def test_a_rule_fires_at_most_once_per_run():
    sc = scenario(
        {
            "a": talk(ask("x", "b")),
            "b": talk(ask("x", "c")),
            "c": talk(ask("x", "e")),
            "side": talk(ask("back", "b")),
            "e": end(),
        },
        rules=[{"when": "trust >= 0", "goto": "side"}],
    )
    state, _ = choose(sc, start(sc), 0)
    assert state.scene == "side"
    state, _ = choose(sc, state, 0)
    assert state.scene == "b"
    state, _ = choose(sc, state, 0)
    assert state.scene == "c"
    assert state.fired == (0,)


def test_a_rule_with_repeat_fires_every_time_it_holds():
    sc = scenario(
        {
            "a": talk(ask("x", "b")),
            "b": talk(ask("x", "e")),
            "side": talk(ask("back", "b")),
            "e": end(),
        },
        rules=[{"when": "not visited(e)", "goto": "side", "repeat": True}],
    )
    state, _ = play_through(sc, [1, 1, 1])
    assert state.trail == ("a", "side", "side", "side")


def test_rules_are_not_checked_on_entering():
    sc = scenario(
        {"a": talk(ask("x", "e")), "e": end(), "out": end()},
        rules=[{"when": "trust >= 0", "goto": "out"}],
    )
    assert start(sc).scene == "a"


def test_the_start_scene_is_entered_like_any_other():
    sc = scenario(
        {
            "open": {"next": [{"goto": "r"}]},
            "r": talk(ask("x", "e"), moment="rupture", rupture="withdrawal"),
            "e": end(),
        },
    )
    state = start(sc)
    assert state.trail == ("open", "r")
    assert [(r.type, r.opened_at) for r in state.ruptures] == [("withdrawal", "r")]


def test_choose_offered_counts_only_offered_choices():
    sc = scenario(
        {
            "a": talk(
                ask("hidden", "x", when="trust > 99"),
                ask("first", "x"),
                ask("second", "y"),
                fallback="y",
            ),
            "x": end(),
            "y": end(),
        }
    )
    state, step = choose_offered(sc, start(sc), 2)
    assert step.say == "second" and step.choice == 2
    with pytest.raises(NotOffered) as error:
        choose_offered(sc, start(sc), 3)
    assert "scene 'a' offers 2 choices; 3 is not one of them" in str(error.value)


def test_play_through_ignores_numbers_after_an_ending():
    sc = scenario({"a": talk(ask("x", "e")), "e": end()})
    state, steps = play_through(sc, [1, 5, 9])
    assert state.finished and len(steps) == 1


def test_summary_reports_an_unfinished_run_with_null_ending():
    sc = scenario({"a": talk(ask("x", "b")), "b": talk(ask("y", "e")), "e": end()})
    state, _ = play_through(sc, [1])
    result = summary(sc, state)
    assert result["finished"] is False
    assert result["ending"] is None and result["outcome"] is None
    assert result["scene"] == "b"


def test_state_round_trips_through_json_exactly():
    sc = scenario(
        {
            "a": talk(ask("push", "b", rupture="withdrawal", effects={"trust": -5})),
            "b": talk(ask("x", "e", repairs=True), hint="Slow down."),
            "e": end(),
        },
        rules=[{"when": "trust < 0", "goto": "e"}],
    )
    state, _ = choose(sc, start(sc), 0)
    state = ask_hint(sc, state)
    assert State.model_validate_json(state.model_dump_json()) == state
    assert State.model_validate(state.model_dump(mode="json")) == state


def test_asking_for_a_hint_is_recorded_once():
    sc = scenario({"a": talk(ask("x", "e"), hint="Notice the door."), "e": end()})
    state = ask_hint(sc, ask_hint(sc, start(sc)))
    assert state.hints == ("a",)


def test_playtesting_can_start_at_any_scene_with_chosen_meters():
    sc = scenario({"a": talk(ask("x", "b")), "b": talk(ask("y", "e")), "e": end()})
    state = start(sc, scene="b", meters=Meters(trust=12))
    assert state.scene == "b" and state.meters.trust == 12


def test_the_alliance_score_counts_trust_double():
    assert Meters().alliance == 50
    assert Meters(trust=100, authenticity=0, attentiveness=0, positivity=0).alliance == 40
    assert Meters(trust=0, authenticity=100, attentiveness=100, positivity=100).alliance == 60
    assert Meters(authenticity=53).alliance == 51  # 253 / 5 = 50.6 rounds up


def test_a_run_holds_at_most_max_choices_then_refuses_more():
    sc = scenario({"a": talk(ask("Round.", "a"), ask("Out.", "e")), "e": end()})
    state = start(sc).model_copy(update={"steps": MAX_CHOICES - 1})
    state, _ = choose(sc, state, 0)
    assert state.steps == MAX_CHOICES
    with pytest.raises(RunTooLong, match="reached 1,000 choices"):
        choose(sc, state, 1)
