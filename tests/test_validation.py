"""Loading and validation: every problem as FILE:LINE:COLUMN: message, all at once."""

from pathlib import Path

import pytest

from simulator import scenarios
from simulator.scenarios import MAX_BYTES, load_file, load_text

BROKEN = Path(__file__).parent / "data" / "broken"
EXAMPLE = Path(__file__).parent / "data" / "coat-still-on.yaml"

EXPECTED = {
    "unknown-key.yaml": [
        "14:9: missing required key 'say'",
        "14:9: unknown key 'sya'",
    ],
    "duplicate-key.yaml": ["4:1: duplicate key 'title'"],
    "missing-scene.yaml": ["15:15: `goto` names scene 'elsewhere', which does not exist"],
    "bad-condition.yaml": [
        "15:25: bad condition: unknown name 'fifty': use a meter (authenticity, attentiveness, "
        "positivity, trust), ruptures_open or visited(scene-id)",
        "18:38: visited() names scene 'ghost', which does not exist",
    ],
    "bad-values.yaml": [
        "16:19: unknown meter 'trsut': use authenticity, attentiveness, positivity or trust",
        "16:36: 'trust' must be at most 100",
        "19:14: 'outcome': input should be 'excellent', 'good', 'mixed' or 'poor'",
    ],
    "two-kinds.yaml": [
        "11:3: a scene must be exactly one kind, but this looks like a choice scene "
        "(client, choices) and an ending (ending, outcome)"
    ],
    "no-ending.yaml": ["9:8: no ending is reachable from start scene 'a'"],
    "pass-cycle.yaml": [
        "16:3: scenes pass on to each other without a choice (p -> q -> p): play could pass on for ever"
    ],
    "not-yaml.yaml": ["16:6: YAML does not parse: did not find expected key"],
    "object-tag.yaml": [
        "12:13: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"
    ],
    "wrong-types.yaml": [
        "2:5: 'id' must be a slug: lowercase letters, digits and '-'",
        "6:10: 'minutes' must be a whole number, written in digits such as 10",
        "13:14: `choices` needs at least one choice",
        "17:5: unknown key 'extra'",
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_file_reports_exactly_where_and_what(name):
    loaded = load_file(BROKEN / name)
    assert loaded.scenario is None
    assert [str(m) for m in loaded.errors] == [f"{BROKEN / name}:{e}" for e in EXPECTED[name]]


def test_every_broken_file_is_covered():
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted([*EXPECTED, "alias-bomb.yaml"])


def test_an_alias_bomb_is_refused_after_a_bounded_expansion(monkeypatch):
    built = []
    original = scenarios._Builder.build

    def counting(self, node, path):
        built.append(1)
        return original(self, node, path)

    monkeypatch.setattr(scenarios._Builder, "build", counting)
    loaded = load_file(BROKEN / "alias-bomb.yaml")
    assert len(built) == scenarios.MAX_NODES + 1  # 9**9 values if it expanded them all
    assert [m.text for m in loaded.errors] == [
        "the file holds more than 100,000 values, counting every use of an alias: split it "
        "into smaller scenarios, or use fewer aliases"
    ]


def test_a_file_over_one_megabyte_is_refused_before_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * MAX_BYTES)
    loaded = load_file(big)
    assert [str(m) for m in loaded.errors] == [f"{big}:1:1: the file is larger than 1024 KB"]


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"title: \xff\xfe")
    assert [m.text for m in load_file(bad).errors] == ["the file is not UTF-8 text"]


def test_the_contract_example_loads_clean():
    loaded = load_file(EXAMPLE)
    assert loaded.ok and loaded.warnings == []
    assert loaded.scenario is not None and loaded.scenario.id == "coat-still-on"


def test_warnings_leave_the_file_loadable():
    text = EXAMPLE.read_text().replace(
        "rules:", "  lonely:\n    ending: Never\n    outcome: mixed\nrules:"
    )
    loaded = load_text(text, "x.yaml")
    assert loaded.ok
    assert [str(m) for m in loaded.warnings] == [
        "x.yaml:80:3: warning: scene 'lonely' is unreachable from start"
    ]


def test_a_condition_error_points_inside_a_quoted_string():
    text = EXAMPLE.read_text().replace('when: "positivity >= 50"', 'when: "positivity >= 5O"')
    [error] = load_text(text, "x.yaml").errors
    line = text.splitlines()[error.line - 1]
    assert line[error.column - 1 :].startswith("5O")


def test_an_empty_file_is_an_error():
    assert [m.text for m in load_text("", "e.yaml").errors] == ["the file is empty"]


def test_a_list_at_the_top_is_an_error():
    assert [str(m) for m in load_text("- a\n- b\n", "l.yaml").errors] == [
        "l.yaml:1:1: a scenario must be a mapping of keys (format, id, title, ...)"
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("id: coat-still-on", "id: " + "a" * 101, "2:5: 'id' must be at most 100 characters"),
        ("goto: walkout", "goto: " + "w" * 101, "'goto' must be at most 100 characters"),
        ("  arrival:", "  " + "s" * 101 + ":", "a key of 'scenes', must be at most 100 characters"),
        ("  arrival:", "  Arrival Scene:", "'Arrival Scene', a key of 'scenes', must be a slug"),
    ],
)
def test_ids_are_slugs_of_at_most_100_characters(old, new, message):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    found = [str(m) for m in load_text(text.replace(old, new, 1), "f.yaml").errors]
    assert any(message in m for m in found), found
    assert all(len(m) < 300 for m in found)
    exact = text.replace("id: coat-still-on", "id: " + "a" * 100, 1)
    assert load_text(exact, "f.yaml").errors == []


def test_many_empty_choice_lists_are_each_reported_in_one_pass_over_the_errors(monkeypatch):
    """A scene of `choices: []` and a choice that fails inside its list: pydantic reports the
    list as too short in both, and only the first is a problem of its own. Sorting the echoes
    out looks through pydantic's errors a fixed number of times, not once per error (a file
    of 24,000 such scenes took 110 s)."""
    head = EXAMPLE.read_text().split("scenes:")[0]
    scenes = "".join(f"  s{i}: {{choices: []}}\n" for i in range(150))
    text = head + "scenes:\n  arrival:\n    client: hi\n    choices:\n      - {say: a}\n" + scenes
    passes = []
    original = scenarios.ValidationError.errors

    class Counted(list):
        def __iter__(self):
            passes.append(1)
            return super().__iter__()

    monkeypatch.setattr(
        scenarios.ValidationError, "errors", lambda self, **kw: Counted(original(self, **kw))
    )
    loaded = load_text(text, "x.yaml")
    texts = [m.text for m in loaded.errors]
    assert texts.count("`choices` needs at least one choice") == 150
    assert "missing required key 'goto'" in texts
    assert len(passes) <= 2
