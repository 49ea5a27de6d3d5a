"""The optional keys of issue 14 at the YAML edge: valid files load, and each kind of
mistake gets one clear message at its line and column."""

from __future__ import annotations

import pytest

from simulator.scenarios import load_text

BASE = """format: 1
id: keys
title: Keys
summary: A small scenario for the new keys.
difficulty: beginner
minutes: 5
objectives: [Practise.]
client: {name: Sam, concern: Testing.}
TOP
start: a
scenes:
  a:
    client: "Hi."
    choices:
      - say: "Hello."
        goto: b
CHOICE
  b:
    ending: The end
    outcome: good
SCENE
"""


def text(top: str = "", choice: str = "", scene: str = "") -> str:
    return BASE.replace("TOP", top).replace("CHOICE", choice).replace("SCENE", scene)


def errors(**parts: str) -> list[str]:
    return [str(m) for m in load_text(text(**parts), "f.yaml").errors]


def test_every_new_key_written_well_loads():
    loaded = load_text(
        text(
            top="jurisdiction: England (UK)\n"
            "therapist:\n  role: Trainee counsellor\n  setting: A GP surgery\n"
            "  facts: You have never lost a parent.",
            choice="        disclosure: brief\n        disclosure_type: facts\n"
            "        repairs: withdrawal\n        also:\n          - Hi there.\n"
            "          - Hello, Sam.",
            scene="    repair_accepted: true",
        ),
        "f.yaml",
    )
    assert loaded.errors == []
    scenario = loaded.scenario
    assert scenario is not None
    assert scenario.jurisdiction == "England (UK)"
    assert scenario.therapist is not None and scenario.therapist.setting == "A GP surgery"
    choice = (scenario.scenes["a"].choices or ())[0]
    assert (choice.disclosure_type, choice.repairs) == ("facts", "withdrawal")
    assert choice.also == ("Hi there.", "Hello, Sam.")
    assert scenario.scenes["b"].repair_accepted and scenario.awaits_uptake


def test_a_version_one_file_has_none_of_them():
    scenario = load_text(text(), "f.yaml").scenario
    assert scenario is not None
    assert scenario.therapist is None and scenario.jurisdiction is None
    assert not scenario.awaits_uptake


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({"top": "therapist: {setting: A clinic}"}, "f.yaml:9:1: missing required key 'role'"),
        ({"top": "therapist: {role: Trainee, age: 30}"}, "f.yaml:9:28: unknown key 'age'"),
        (
            {"top": "therapist: A trainee"},
            "f.yaml:9:12: 'therapist' must be a mapping of keys (key: value, one a line)",
        ),
        (
            {"top": "jurisdiction: " + "x" * 81},
            "f.yaml:9:15: 'jurisdiction' must be at most 80 characters",
        ),
        ({"top": "jurisdiction: ''"}, "f.yaml:9:15: 'jurisdiction' must not be empty"),
        (
            {"choice": "        disclosure_type: credentials"},
            "f.yaml:17:26: 'disclosure_type': input should be 'facts', 'feelings', 'insight', "
            "'strategies', 'reassurance', 'challenge' or 'immediacy'",
        ),
        (
            {"choice": "        repairs: both"},
            "f.yaml:17:18: `repairs` must be true, false or a rupture type (withdrawal or "
            "confrontation): write true or false, or name the type",
        ),
        ({"choice": "        also: []"}, "f.yaml:17:15: 'also' must not be empty"),
        (
            {"choice": "        also: [" + ", ".join(["Hi."] * 11) + "]"},
            "f.yaml:17:15: 'also' can have at most 10 items",
        ),
        (
            {"choice": "        also: ['" + "y" * 301 + "']"},
            "f.yaml:17:16: 'also' must be at most 300 characters",
        ),
        (
            {"choice": "        also: Hi there."},
            "f.yaml:17:15: 'also' must be a list (one item a line, each starting '- ')",
        ),
        (
            {"scene": "    repair_accepted: 1"},
            "f.yaml:21:22: 'repair_accepted' must be true or false: write true or false",
        ),
    ],
)
def test_each_mistake_is_named_at_its_line_and_column(parts, expected):
    assert errors(**parts) == [expected]


@pytest.mark.parametrize("word", ["yes", "no", "on", "Yes"])
def test_a_yaml_1_1_boolean_word_is_refused_for_repairs_and_repair_accepted(word):
    (found,) = errors(choice=f"        repairs: {word}")
    assert found.startswith("f.yaml:17:18:") and "write true or false" in found
    (found,) = errors(scene=f"    repair_accepted: {word}")
    assert found.startswith("f.yaml:21:22:") and "write true or false" in found
