"""Graph checks and path analysis, on scenarios whose answers are worked out by hand."""

import pytest

from simulator.engine.analysis import EndlessRuptures, StateLimit, analyze, check, edges

from .helpers import ask, end, scenario, talk


def messages(sc, severity=None):
    return [(p.path, p.message) for p in check(sc) if severity is None or p.severity == severity]


def test_a_clean_scenario_has_no_problems():
    sc = scenario({"a": talk(ask("x", "e")), "e": end()})
    assert check(sc) == []


def test_a_goto_to_a_missing_scene_is_an_error():
    sc = scenario({"a": talk(ask("x", "nowhere")), "e": end()})
    assert messages(sc) == [
        (
            ("scenes", "a", "choices", 0, "goto"),
            "`goto` names scene 'nowhere', which does not exist",
        )
    ]


def test_start_fallback_next_and_rules_are_checked_too():
    sc = scenario(
        {
            "a": talk(ask("x", "e", when="trust > 1"), fallback="f"),
            "p": {"next": [{"goto": "q"}]},
            "e": end(),
        },
        start="s",
        rules=[{"when": "trust < 5", "goto": "r"}],
    )
    paths = [p for p, _ in messages(sc)]
    assert ("start",) in paths
    assert ("scenes", "a", "fallback") in paths
    assert ("scenes", "p", "next", 0, "goto") in paths
    assert ("rules", 0, "goto") in paths


def test_a_condition_that_does_not_parse_is_an_error_with_its_offset():
    sc = scenario({"a": talk(ask("x", "e", when="trust >= fifty"), ask("y", "e")), "e": end()})
    [problem] = check(sc)
    assert problem.path == ("scenes", "a", "choices", 0, "when")
    assert problem.offset == 9
    assert problem.message.startswith("bad condition: unknown name 'fifty'")


def test_visited_of_a_missing_scene_is_an_error():
    sc = scenario({"a": talk(ask("x", "e", when="visited(ghost)"), ask("y", "e")), "e": end()})
    [problem] = check(sc)
    assert problem.message == "visited() names scene 'ghost', which does not exist"
    assert problem.offset == 8


def test_no_reachable_ending_is_an_error():
    sc = scenario({"a": talk(ask("x", "b")), "b": talk(ask("y", "a")), "e": end()})
    errors = messages(sc, "error")
    assert errors == [(("start",), "no ending is reachable from start scene 'a'")]


def test_a_cycle_of_pass_throughs_is_an_error():
    sc = scenario(
        {
            "a": talk(ask("x", "p")),
            "p": {"next": [{"when": "trust > 10", "goto": "q"}, {"goto": "e"}]},
            "q": {"next": [{"goto": "p"}]},
            "e": end(),
        }
    )
    [(path, message)] = messages(sc, "error")
    assert path == ("scenes", "p")
    assert "p -> q -> p" in message and "for ever" in message


def test_a_cycle_through_a_fallback_is_an_error():
    sc = scenario(
        {
            "a": talk(ask("x", "p")),
            "p": {"next": [{"goto": "c"}]},
            "c": talk(ask("y", "e", when="trust > 90"), fallback="p"),
            "e": end(),
        }
    )
    assert any("p -> c -> p" in m for _, m in messages(sc, "error"))


def test_unreachable_scenes_are_warnings():
    sc = scenario({"a": talk(ask("x", "e")), "lost": talk(ask("y", "e")), "e": end()})
    assert messages(sc, "warning") == [
        (("scenes", "lost"), "scene 'lost' is unreachable from start")
    ]
    assert messages(sc, "error") == []


def test_a_choice_that_can_never_be_offered_is_a_warning():
    sc = scenario({"a": talk(ask("x", "e", when="trust > 100"), ask("y", "e")), "e": end()})
    assert messages(sc, "warning") == [
        (
            ("scenes", "a", "choices", 0, "when"),
            "this choice is never offered: `trust > 100` can never hold",
        )
    ]


def test_a_cycle_with_no_way_out_is_a_warning():
    sc = scenario(
        {
            "a": talk(ask("x", "e"), ask("trap", "t1")),
            "t1": talk(ask("y", "t2")),
            "t2": talk(ask("z", "t1")),
            "e": end(),
        }
    )
    [(path, message)] = messages(sc, "warning")
    assert path == ("scenes", "t1")
    assert "t1 -> t2 -> t1" in message


def test_rules_lead_from_every_choice_scene_once_not_a_copy_for_each():
    """A rule can fire after any choice: a trap only a rule leads to is reached, a cycle
    through a rule is named by its scenes, and the graph grows with scenes plus rules, not
    their product (7,000 scenes under 2,000 rules made 14 million arrows)."""
    line = {f"c{i}": talk(ask("on", f"c{i + 1}" if i < 49 else "e")) for i in range(50)}
    traps = {f"t{j}": talk(ask("stay", f"t{j}")) for j in range(40)}
    rules = [{"when": f"trust > {60 + j}", "goto": f"t{j}"} for j in range(40)]
    sc = scenario({**line, **traps, "e": end()}, start="c0", rules=rules)
    graph = edges(sc)
    assert sum(len(targets) for targets in graph.values()) == 90 * 2 + 40  # a reply, the rules
    cycles = [m for path, m in messages(sc, "warning") if "no ending" in m]
    traps_in_order = " -> ".join([*(f"t{j}" for j in range(40)), "t0"])  # rules join them
    assert cycles == [f"no ending can be reached from the cycle {traps_in_order}"]
    assert not any("unreachable" in m for _, m in messages(sc, "warning"))


def test_analysis_reports_reachability_routes_ranges_and_open_ruptures():
    sc = scenario(
        {
            "a": talk(
                ask("warm", "b", effects={"trust": 10}),
                ask("cold", "r", effects={"trust": -10}, rupture="withdrawal"),
            ),
            "b": talk(ask("x", "good")),
            "r": talk(
                ask("repair", "b", repairs=True, effects={"trust": 5}), ask("ignore", "poor")
            ),
            "good": end("good"),
            "poor": end("poor"),
            "never": end("excellent"),
        }
    )
    result = analyze(sc)
    good, poor, never = (result.endings[k] for k in ("good", "poor", "never"))
    assert good.reachable and good.shortest == [1, 1]
    assert good.min == {"authenticity": 50, "attentiveness": 50, "positivity": 50, "trust": 45}
    assert good.max == {"authenticity": 50, "attentiveness": 50, "positivity": 50, "trust": 60}
    assert not good.unrepaired
    assert good.paths == 2
    assert poor.reachable and poor.shortest == [2, 2] and poor.unrepaired and poor.paths == 1
    assert not never.reachable and never.shortest is None and never.paths == 0
    # a; b at trust 60 and 45; r; good at trust 60 and 45; poor
    assert result.states == 7


def test_analysis_lists_choices_never_offered_and_rules_never_fired():
    sc = scenario(
        {
            "a": talk(ask("x", "e"), ask("rare", "e", when="trust < 40")),
            "e": end(),
            "out": end("poor"),
        },
        rules=[{"when": "trust < 10", "goto": "out"}],
    )
    result = analyze(sc)
    assert result.never_offered == [("a", 2)]
    assert result.never_fired == [1]


def test_cycles_make_the_path_count_unbounded():
    sc = scenario(
        {
            "a": talk(ask("again", "a"), ask("leave", "e")),
            "e": end(),
        }
    )
    result = analyze(sc)
    assert result.endings["e"].paths is None
    assert result.as_json()["endings"]["e"]["paths"] == "more than 1000000"


def test_a_repeat_rule_and_meters_that_clamp_are_followed_to_a_fixed_point():
    sc = scenario(
        {
            "a": talk(ask("lower", "a", effects={"trust": -30}), ask("leave", "e")),
            "e": end(),
            "gone": end("poor"),
        },
        rules=[{"when": "trust <= 0", "goto": "gone", "repeat": True}],
    )
    result = analyze(sc)
    assert result.endings["gone"].shortest == [1, 1]
    assert result.endings["e"].min is not None and result.endings["e"].min["trust"] == 20
    assert result.never_fired == []


def test_the_state_bound_stops_the_analysis():
    sc = scenario(
        {"a": talk(ask("up", "a", effects={"trust": 1}), ask("leave", "e")), "e": end()},
        meters={"trust": 0},
    )
    try:
        analyze(sc, max_states=20)
    except StateLimit as error:
        assert "more than 20 states" in str(error)
    else:
        raise AssertionError("the bound did not stop the analysis")


def test_the_hosts_stop_ends_the_analysis_and_is_asked_every_few_moves():
    sc = scenario(
        {
            "a": talk(
                ask("up", "a", effects={"trust": 1}),
                ask("on", "a", effects={"positivity": 1}),
                ask("leave", "e"),
            ),
            "e": end(),
        },
        meters={"trust": 0, "positivity": 0},
    )
    asked = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) == 1

    with pytest.raises(StateLimit, match="stopped after [0-9]+ states, before finishing"):
        analyze(sc, stop=stop)
    assert len(asked) == 1
    assert analyze(sc, stop=lambda: False).states == 2 * 101 * 101  # a and e, each meter pair


def test_the_hosts_stop_is_asked_while_routes_to_the_endings_are_traced_too(monkeypatch):
    from simulator.engine import analysis

    scenes = {}
    for i in range(40):  # a line of scenes, each with its own ending beside it
        scenes[f"s{i}"] = talk(ask("On.", f"s{i + 1}" if i < 39 else "last"), ask("Stop.", f"e{i}"))
        scenes[f"e{i}"] = end()
    scenes["last"] = end()
    monkeypatch.setattr(analysis, "STOP_EVERY", 1)
    asked: list[int] = []
    analyze(scenario(scenes, start="s0"), stop=lambda: asked.append(1) is None and False)
    assert len(asked) == 80 + 41  # each move explored, then each ending's route


def test_ruptures_piling_up_in_a_loop_stop_the_analysis_at_once_saying_why():
    sc = scenario(
        {
            "a": talk(ask("Push on.", "a", rupture="withdrawal"), ask("Stop.", "e")),
            "e": end(),
        }
    )
    with pytest.raises(EndlessRuptures, match="more than 50 ruptures are open at once"):
        analyze(sc)
    mended = scenario(
        {
            "a": talk(
                ask("Push on.", "a", rupture="withdrawal", when="ruptures_open < 3"),
                ask("Name it.", "a", repairs=True),
                ask("Stop.", "e"),
            ),
            "e": end(),
        }
    )
    assert analyze(mended).endings["e"].reachable  # a loop, but never more than 3 open


def test_analysis_follows_fallbacks_and_counts_routes_by_hand():
    # a: 1 -> b (trust 50), 2 -> b (trust 30). b offers "stay" only while trust >= 40,
    # else falls back to "cold". So: via 1, b offers stay -> warm (route 1,1);
    # via 2, b offers nothing and play falls back to cold at once (route 2).
    sc = scenario(
        {
            "a": talk(ask("ok", "b"), ask("hurt", "b", effects={"trust": -20})),
            "b": talk(ask("stay", "warm", when="trust >= 40"), fallback="cold"),
            "warm": end("good"),
            "cold": end("poor"),
            "never": end("mixed"),
        }
    )
    result = analyze(sc)
    assert result.endings["warm"].shortest == [1, 1] and result.endings["warm"].paths == 1
    assert result.endings["cold"].shortest == [2] and result.endings["cold"].paths == 1
    assert result.endings["cold"].max is not None and result.endings["cold"].max["trust"] == 30
    assert not result.endings["never"].reachable
    assert result.never_offered == []
    assert result.states == 4  # a, b (trust 50), warm, cold
