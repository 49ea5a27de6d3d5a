"""The condition language: parsed by our own parser, evaluated without eval."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine.conditions import (
    ConditionError,
    compiled,
    evaluate,
    holds,
    parse,
    satisfiable,
)

METERS = {"authenticity": 50, "attentiveness": 40, "positivity": 30, "trust": 20}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trust >= 20", True),
        ("trust > 20", False),
        ("positivity < 31", True),
        ("positivity <= 29", False),
        ("attentiveness == 40", True),
        ("authenticity != 50", False),
        ("20 <= trust", True),
        ("ruptures_open > 0", True),
        ("ruptures_open == 0", False),
        ("visited(arrival)", True),
        ("visited(good-end)", False),
        ("not visited(good-end)", True),
        ("trust > 10 and positivity > 40", False),
        ("trust > 10 or positivity > 40", True),
        ("not (trust > 10 or positivity > 40)", False),
        ("trust > 50 or trust < 30 and positivity == 30", True),
        ("(trust > 50 or trust < 30) and not ruptures_open >= 2", True),
    ],
)
def test_conditions_evaluate_as_written(text, expected):
    assert holds(text, METERS, {"arrival"}, 1) is expected


def test_and_binds_tighter_than_or():
    assert holds("trust > 90 and trust < 0 or trust == 20", METERS, set(), 0)


@pytest.mark.parametrize(
    ("text", "offset", "words"),
    [
        ("trust >> 5", 7, "expected a meter"),
        ("trust >= 40 &&", 12, "unexpected character"),
        ("trsut >= 40", 0, "unknown name 'trsut'"),
        ("trust", 5, "comparison"),
        ("trust >= ", 8, "expected a meter"),
        ("(trust > 3", 10, "expected ')'"),
        ("visited arrival", 8, "expected '(' after visited"),
        ("trust > positivity", 8, "whole number"),
        ("__import__(os)", 0, "unknown name"),
        ("trust >= 40 positivity", 12, "expected 'and', 'or' or the end"),
        ("", 0, "empty"),
    ],
)
def test_a_condition_that_does_not_parse_names_the_place(text, offset, words):
    with pytest.raises(ConditionError) as error:
        parse(text)
    assert error.value.offset == offset
    assert words in error.value.message


def test_never_holding_conditions_are_recognised():
    assert not satisfiable(parse("trust > 100"))
    assert not satisfiable(parse("trust < 0"))
    assert not satisfiable(parse("trust > 60 and trust < 40"))
    assert not satisfiable(parse("visited(a) and not visited(a)"))
    assert satisfiable(parse("trust > 60 or trust < 40"))
    assert satisfiable(parse("trust == 100"))
    assert satisfiable(parse("ruptures_open > 2 and visited(a)"))


COMPARE = st.builds(
    "{} {} {}".format,
    st.sampled_from(["trust", "positivity", "ruptures_open"]),
    st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
    st.integers(-2, 102),
)
VISITED = st.sampled_from(["visited(a)", "visited(b-c)"])
CONDITION = st.recursive(
    st.one_of(COMPARE, VISITED),
    lambda inner: st.one_of(
        inner.map("not {}".format),
        inner.map("({})".format),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
    ),
    max_leaves=12,
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    CONDITION,
    st.integers(0, 100),
    st.integers(0, 100),
    st.sets(st.sampled_from(["a", "b-c"])),
    st.integers(0, 3),
)
def test_a_compiled_condition_answers_as_the_tree_does(text, trust, positivity, seen, ruptures):
    meters = {**METERS, "trust": trust, "positivity": positivity}
    expected = evaluate(parse(text), meters, seen, ruptures)
    assert compiled(text)(meters, seen, ruptures) is expected
    assert holds(text, meters, seen, ruptures) is expected
