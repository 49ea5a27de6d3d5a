"""Surface tells: what naive strategies reach, length tells and meters that top out early."""

import random
from pathlib import Path

import pytest

from simulator.engine import analyze, choose, conditions, lint, offered, replay, start, write
from simulator.engine.play import play_by
from simulator.engine.surface import (
    best_outcome,
    early_limits,
    largest_effects,
    length_medians,
    length_tell,
    strategies,
    strong_is_longest,
)
from simulator.scenarios import load_file

from .helpers import ask, end, scenario, talk

SCENARIOS = Path(__file__).parents[2] / "scenarios"


def test_each_naive_strategy_is_played_to_its_ending():
    sc = scenario(
        {
            "a": talk(
                ask("A long and careful answer that goes on.", "top", quality="strong"),
                ask("Short.", "low", quality="weak"),
                ask("Middling reply.", "mid", quality="adequate"),
            ),
            "top": end("excellent"),
            "mid": end("mixed"),
            "low": end("poor"),
        }
    )
    runs = {run.strategy: (run.ending, run.outcome) for run in strategies(sc)}
    assert runs == {
        "longest": ("top", "excellent"),
        "shortest": ("low", "poor"),
        "first": ("top", "excellent"),
        "last": ("mid", "mixed"),
    }
    assert best_outcome(sc) == "excellent"
    result = analyze(sc)
    assert [run.strategy for run in result.giveaways] == ["longest", "first"]
    assert result.as_json()["strategies"]["last"]["reaches_best"] is False


def test_a_strategy_that_loops_is_reported_as_never_ending():
    sc = scenario(
        {
            "a": talk(ask("Round again, and again.", "a"), ask("Out.", "e")),
            "e": end("good"),
            "f": end("poor"),
        }
    )
    runs = {run.strategy: run.outcome for run in strategies(sc)}
    assert runs["longest"] is None and runs["shortest"] == "good"


def test_with_one_outcome_nothing_can_be_given_away():
    sc = scenario({"a": talk(ask("x", "e"), ask("yy", "e")), "e": end()})
    assert best_outcome(sc) is None
    assert analyze(sc).giveaways == []


def test_a_length_tell_is_a_strong_reply_more_than_30_percent_longer_than_any_other():
    def scene(strong, other):
        sc = scenario({"a": talk(ask(strong, "e", quality="strong"), ask(other, "e")), "e": end()})
        return sc.scenes["a"]

    assert length_tell(scene("x" * 131, "y" * 100)) == (0, 1.31)
    assert length_tell(scene("x" * 130, "y" * 100)) is None
    assert length_tell(scene("x" * 50, "y" * 100)) is None
    assert strong_is_longest(scene("x" * 101, "y" * 100))
    assert not strong_is_longest(scene("x" * 100, "y" * 100))  # a tie is no tell

    def wide(longest_strong):
        return scenario(
            {
                "a": talk(
                    ask("a" * 100, "e"),
                    ask("b" * 140, "e", quality="strong"),
                    ask("c" * 140, "e", quality="strong"),
                    ask("d" * longest_strong, "e", quality="strong"),
                    ask("e" * 200, "e"),
                ),
                "e": end(),
            }
        ).scenes["a"]

    assert length_tell(wide(300)) == (3, 1.5)  # measured against the next longest
    assert length_tell(wide(140)) is None  # the longest is not strong


def test_a_naive_strategy_stops_once_enough_replies_rules_and_scenes_are_looked_at():
    sc = scenario(
        {"a": talk(*(ask(f"Reply {i}.", "a") for i in range(4)), ask("Out.", "e")), "e": end()}
    )
    first = lambda options: options[0][0]  # noqa: E731 (loops at a for ever)
    assert len(play_by(sc, first, 500)[1]) == 500
    state, steps = play_by(sc, first, 500, budget=14)
    assert len(steps) == 2 and not state.finished  # 5 on offer, 1 entered, twice; then 14
    chain = {f"p{i}": {"next": [{"goto": f"p{i + 1}"}]} for i in range(99)}
    chain["p99"] = {"next": [{"goto": "a"}]}
    looping = scenario(
        {"a": talk(ask("Round.", "p0"), ask("Out.", "e")), **chain, "e": end()}, start="a"
    )
    state, steps = play_by(looping, first, 500, budget=1000)
    assert len(steps) == 10  # each choice enters 101 scenes: ten of them pass 1,000
    never = [{"when": f"trust > {100 + i}", "goto": "e"} for i in range(98)]
    ruled = scenario({"a": talk(ask("Round.", "a"), ask("Out.", "e")), "e": end()}, rules=never)
    state, steps = play_by(ruled, first, 500, budget=1000)
    assert len(steps) == 9  # each: 2 replies looked at, 98 rules tested, 1 scene entered


def test_lint_warns_of_a_length_tell_and_a_giveaway():
    sc = scenario(
        {
            "a": talk(
                ask(
                    "I can hear how hard that was, and I'd like to understand.",
                    "top",
                    quality="strong",
                ),
                ask("Okay.", "low", quality="weak"),
            ),
            "top": end("excellent"),
            "low": end("poor"),
        }
    )
    messages = [p.message for p in lint(sc)]
    assert any(
        m.startswith("length tell: the strong reply is the longest here by") for m in messages
    )
    assert "always the longest reply reaches the best outcome (excellent, at 'top')" in messages
    assert (
        "always the first reply in the file reaches the best outcome (excellent, at 'top')"
        in messages
    )


def test_lint_warns_when_a_meter_tops_out_early_on_the_strong_path():
    scenes = {
        f"s{n}": talk(
            ask("Good.", f"s{n + 1}", quality="strong", effects={"attentiveness": 20}),
            ask("Less.", f"s{n + 1}", quality="weak"),
        )
        for n in range(6)
    }
    scenes["s6"] = end()
    sc = scenario(scenes, start="s0")
    limits = early_limits(sc)
    assert [(lim.meter, lim.level, lim.step.number, lim.choices) for lim in limits] == [
        ("attentiveness", 100, 3, 6)
    ]
    assert any(
        "on the all-strong path attentiveness reaches 100 at choice 3 of 6" in p.message
        for p in lint(sc)
    )


def test_medians_and_largest_effects():
    sc = scenario(
        {
            "a": talk(
                ask("x" * 10, "e", quality="strong", effects={"trust": -12}),
                ask("y" * 20, "e", quality="weak", effects={"positivity": 4}),
                ask("z" * 40, "e", effects={"attentiveness": 6}),
            ),
            "e": end(),
        }
    )
    assert length_medians(sc) == (10, 30)
    assert largest_effects(sc) == {
        "authenticity": 0,
        "attentiveness": 6,
        "positivity": 4,
        "trust": 12,
    }


def _step_by_step(sc, pick, limit):
    """Play as a host does, one stored State to the next."""
    state, steps = start(sc), []
    while not state.finished and len(steps) < limit:
        options = offered(sc, state)
        if not options:
            break
        state, step = choose(sc, state, pick(options))
        steps.append(step)
    return state, steps


def _random_picks(seed):
    chance = random.Random(seed)
    return lambda options: chance.choice(options)[0]


LOOPING = {
    "a": talk(
        ask("Push on.", "a", rupture="withdrawal", effects={"trust": -3}),
        ask("Name it.", "a", repairs=True, effects={"trust": 4}),
        ask("Sit with it.", "b", when="ruptures_open >= 2"),
        ask("Leave.", "e", when="ruptures_open == 0 and trust > 95"),
    ),
    "b": talk(ask("Back.", "a"), ask("Ask again.", "a", repairs="withdrawal")),
    "e": end(),
}


@pytest.mark.parametrize("awaits_uptake", [False, True])
def test_a_naive_run_on_one_working_copy_plays_as_the_host_does_move_by_move(awaits_uptake):
    scenes = dict(LOOPING)
    if awaits_uptake:
        scenes["ok"] = talk(ask("Go on.", "a"), ask("Push.", "a", rupture="confrontation"))
        scenes["ok"]["repair_accepted"] = True
        scenes["b"] = talk(ask("Back.", "ok"), ask("Ask again.", "a", repairs="withdrawal"))
    looping = scenario(scenes)
    bundled = [load_file(path).scenario for path in sorted(SCENARIOS.glob("*.yaml"))]
    for sc in [looping, *bundled]:
        assert sc is not None
        for seed in range(4):
            fast = play_by(sc, _random_picks(seed), 300)
            assert fast == _step_by_step(sc, _random_picks(seed), 300), (sc.id, seed)
    state, steps = play_by(looping, _random_picks(0), 300)
    assert len(steps) > 50 and len(state.ruptures) > 10  # a long run, ruptures opened and mended
    assert {step.repaired for step in steps} == {True, False}


def test_a_replay_on_one_working_copy_gives_the_hosts_final_state_and_offers():
    bundled = [load_file(path).scenario for path in sorted(SCENARIOS.glob("*.yaml"))]
    for sc in [scenario(dict(LOOPING)), *bundled]:
        for seed in range(3):
            chance = random.Random(seed)
            state, steps, offers = start(sc, seed=str(seed)), [], []
            while not state.finished and len(steps) < 200:
                if chance.random() < 0.3:  # own words at some scenes (open response)
                    state = write(sc, state, f"  words {len(steps)} ", anywhere=True)
                options = offered(sc, state)
                offers.append([index for index, _ in options])
                state, step = choose(sc, state, chance.choice(options)[0])
                steps.append(step)
            assert replay(sc, steps, seed=str(seed)) == (state, offers), (sc.id, seed)
    assert replay(sc, [*steps, steps[-1]], seed="2") is None  # past its ending


def test_a_replay_takes_each_steps_recorded_rule_without_testing_every_rule_again(monkeypatch):
    # 4,000 choices under 2,000 rules made a debrief's replay 8 million tests (13 s)
    never = [{"when": f"trust > {100 + i}", "goto": "e"} for i in range(50)]
    once = [{"when": "trust >= 60", "goto": "a"}]  # fires once, after a few rounds
    sc = scenario(
        {"a": talk(ask("Round.", "a", effects={"trust": 5}), ask("Out.", "e")), "e": end()},
        rules=once + never,
    )
    state, steps = play_by(sc, lambda options: options[0][0], 20)
    assert [step.rule for step in steps].count(0) == 1
    tested = []
    holds = conditions.holds
    monkeypatch.setattr(
        "simulator.engine.play.conditions.holds",
        lambda *args: tested.append(args[0]) or holds(*args),
    )
    again = replay(sc, steps)
    assert again is not None and again[0] == state
    assert not any(text.startswith("trust > 1") for text in tested)  # the others: not tested
    assert tested.count("trust >= 60") == 1  # the fired rule is: does the record fit?
    twice = [s if s.rule is not None else s.model_copy(update={"rule": 0}) for s in steps]
    assert replay(sc, twice) is None  # a once-only rule recorded as firing twice
    never = scenario(dict(sc.model_dump()["scenes"]), rules=[{"when": "trust > 99", "goto": "a"}])
    assert replay(never, steps) is None  # a rule recorded as fired that cannot hold there
