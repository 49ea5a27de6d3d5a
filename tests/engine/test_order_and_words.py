"""Replies shown shuffled by the run's seed and posted by identity; the trainee's own words
asked first at key moments; one replay for rewind and the debrief."""

import pytest

from simulator.engine import (
    PlayError,
    asks,
    choose,
    choose_reply,
    replay,
    reply_id,
    shown,
    start,
    write,
)

from .helpers import ask, end, scenario, talk

FIVE = [ask(f"reply {n}", "e") for n in range(5)]


def five(**extra):
    return scenario({"a": talk(*FIVE, **extra), "e": end()})


def order(sc, seed):
    return [index for _identity, index, _choice in shown(sc, start(sc, seed=seed))]


def test_without_a_seed_the_replies_keep_file_order():
    assert order(five(), "") == [0, 1, 2, 3, 4]


def test_a_seed_shuffles_the_same_way_every_time():
    sc = five()
    assert order(sc, "abc") == order(sc, "abc")
    assert sorted(order(sc, "abc")) == [0, 1, 2, 3, 4]


def test_different_seeds_give_different_orders():
    sc = five()
    orders = {tuple(order(sc, f"seed-{n}")) for n in range(20)}
    assert len(orders) > 5


def test_order_fixed_keeps_file_order_whatever_the_seed():
    sc = five(order="fixed")
    assert all(order(sc, f"seed-{n}") == [0, 1, 2, 3, 4] for n in range(10))


def test_the_order_depends_on_the_scene_too():
    sc = scenario({"a": talk(*FIVE), "b": talk(*FIVE), "e": end()})

    def indexes(scene, seed):
        return [i for _, i, _ in shown(sc, start(sc, scene=scene, seed=seed))]

    assert any(indexes("a", f"s{n}") != indexes("b", f"s{n}") for n in range(10))


def test_a_reply_identity_is_never_a_number_and_names_one_reply():
    sc = five()
    ids = [identity for identity, _, _ in shown(sc, start(sc))]
    assert len(set(ids)) == 5
    assert not any(identity.isdigit() for identity in ids)
    assert ids[2] == reply_id("a", 2, sc.scenes["a"].choices[2])


def test_choosing_by_identity_makes_that_choice_and_a_position_is_refused():
    sc = five()
    state = start(sc, seed="s")
    identity, index, _ = shown(sc, state)[0]
    after, step = choose_reply(sc, state, identity)
    assert step.choice == index and after.finished
    for forged in ("0", "1", "r", "r0000000000"):
        with pytest.raises(PlayError):
            choose_reply(sc, state, forged)


def test_the_seed_is_carried_through_every_choice():
    sc = scenario({"a": talk(ask("x", "b")), "b": talk(*FIVE), "e": end()})
    state, _ = choose(sc, start(sc, seed="kept"), 0)
    assert state.seed == "kept"


def test_the_outcome_is_part_of_the_state_once_it_ends():
    sc = five()
    state = start(sc)
    assert state.outcome is None
    assert choose(sc, state, 0)[0].outcome == "good"


def test_key_moments_and_ask_scenes_ask_for_own_words_first():
    sc = scenario(
        {
            "a": talk(ask("x", "b"), ask("y", "b")),
            "b": talk(ask("x", "c"), ask("y", "c"), moment="self-disclosure"),
            "c": talk(ask("x", "e"), ask("y", "e"), ask=True),
            "e": end(),
        }
    )
    assert [asks(sc.scenes[s]) for s in "abce"] == [False, True, True, False]


def test_own_words_are_kept_once_and_go_into_the_step():
    sc = scenario({"a": talk(ask("x", "e"), ask("y", "e"), ask=True), "e": end()})
    state = write(sc, start(sc), "  Tell me more about that.  ")
    assert state.written == "Tell me more about that."
    assert write(sc, state, "something else") == state  # the first answer stands
    after, step = choose(sc, state, 1)
    assert step.written == "Tell me more about that."
    assert after.written is None


def test_a_skip_is_recorded_as_empty_words():
    sc = scenario({"a": talk(ask("x", "e"), ask("y", "e"), ask=True), "e": end()})
    _, step = choose(sc, write(sc, start(sc), ""), 0)
    assert step.written == ""


def test_own_words_are_refused_where_the_scene_does_not_ask_or_when_too_long():
    sc = scenario({"a": talk(ask("x", "b")), "b": talk(ask("y", "e"), ask=True), "e": end()})
    with pytest.raises(PlayError):
        write(sc, start(sc), "hello")
    at_b, _ = choose(sc, start(sc), 0)
    with pytest.raises(PlayError):
        write(sc, at_b, "x" * 501)
    assert write(sc, at_b, "x" * 500).written == "x" * 500


def test_replay_rebuilds_every_state_with_the_words_and_the_seed():
    sc = scenario(
        {
            "a": talk(ask("x", "b", effects={"trust": 5}), ask("y", "b")),
            "b": talk(ask("x", "e"), ask("y", "e"), ask=True),
            "e": end(),
        }
    )
    first, one = choose(sc, start(sc, seed="s"), 0)
    final, two = choose(sc, write(sc, first, "my words"), 1)
    replayed = replay(sc, [one, two], seed="s")
    assert replayed is not None
    state, offers = replayed
    assert state == final and offers == [[0, 1], [0, 1]]


def test_replay_says_so_when_the_record_does_not_match():
    sc = scenario({"a": talk(ask("x", "e"), ask("y", "e")), "e": end()})
    _, step = choose(sc, start(sc, scene="a"), 0)
    forged = step.model_copy(update={"say": "something never said"})
    assert replay(sc, [forged]) is None
