"""The authoring commands: schema, new, lint and graph."""

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.engine.schema import scenario_schema
from simulator.scenarios import MAX_MESSAGES

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data"
EXAMPLE = str(DATA / "coat-still-on.yaml")
SCHEMA_FILE = ROOT / "scenarios" / "scenario.schema.json"
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_the_committed_schema_matches_the_model():
    printed = json.loads(run("schema").stdout)
    assert printed == scenario_schema()
    assert json.loads(SCHEMA_FILE.read_text()) == printed, (
        "run: rapport schema > scenarios/scenario.schema.json"
    )


@pytest.mark.parametrize("file", [*BUNDLED, Path(EXAMPLE)], ids=lambda p: p.stem)
def test_scenarios_validate_against_the_committed_schema_with_jsonschema(file):
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(file.read_text()))


def test_the_committed_schema_refuses_a_scene_id_that_is_no_slug_as_validation_does():
    schema = json.loads(SCHEMA_FILE.read_text())
    data = yaml.safe_load(Path(EXAMPLE).read_text())
    data["scenes"]["Bad Scene"] = data["scenes"]["arrival"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(data)


@pytest.mark.parametrize("file", BUNDLED, ids=lambda p: p.stem)
def test_bundled_scenarios_point_editors_at_the_schema(file):
    assert (
        file.read_text().splitlines()[0] == "# yaml-language-server: $schema=scenario.schema.json"
    )


def test_the_schema_refuses_an_unknown_key_and_a_bad_meter():
    schema = json.loads(SCHEMA_FILE.read_text())
    data = yaml.safe_load(Path(EXAMPLE).read_text())
    data["scenes"]["arrival"]["choices"][0]["effects"] = {"trsut": 5}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    data = yaml.safe_load(Path(EXAMPLE).read_text())
    data["titel"] = "typo"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_new_writes_a_starter_that_validates_lints_clean_and_plays(tmp_path):
    result = run("new", "my-first", "--dir", str(tmp_path))
    assert result.exit_code == 0
    file = tmp_path / "my-first.yaml"
    assert run("validate", str(file)).exit_code == 0
    assert run("lint", str(file)).exit_code == 0
    played = json.loads(run("play", str(file), "--choose", "2", "--json").stdout)
    assert played["finished"] and played["outcome"] == "good"
    analysed = json.loads(run("analyze", str(file), "--json").stdout)
    assert not any(s["reaches_best"] for s in analysed["strategies"].values())


def test_new_refuses_to_overwrite_and_refuses_a_bad_slug(tmp_path):
    run("new", "taken", "--dir", str(tmp_path))
    again = run("new", "taken", "--dir", str(tmp_path))
    assert again.exit_code == 1 and "already exists" in again.stderr
    bad = run("new", "Not A Slug", "--dir", str(tmp_path))
    assert bad.exit_code == 2 and "SLUG must use" in bad.stderr


def test_lint_lists_at_most_as_many_findings_as_validation_does(tmp_path):
    """Thousands of smells (here a reply without feedback, 250 times) are listed as
    validation's problems are: the first 200, then how many more, and the whole count."""
    replies = "".join(f"      - {{say: 'Reply {i}.', goto: done}}\n" for i in range(250))
    file = tmp_path / "wide.yaml"
    file.write_text(
        "format: 1\nid: wide\ntitle: Wide\nsummary: Wide.\ndifficulty: beginner\n"
        "minutes: 3\nobjectives: [Notice.]\nclient: {name: Kim, concern: Testing.}\n"
        f"start: a\nscenes:\n  a:\n    client: Hm.\n    choices:\n{replies}"
        "  done: {ending: Done., outcome: good}\n"
    )
    result = run("lint", str(file))
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and len(lines) == MAX_MESSAGES + 1
    count = int(result.stderr.split()[0])  # "N findings"
    assert count > 250 and lines[-1].endswith(f"and {count - MAX_MESSAGES} more like these")


def test_lint_reports_each_smell_at_its_line(tmp_path):
    file = tmp_path / "smelly.yaml"
    file.write_text(
        """format: 1
id: smelly
title: Smelly
summary: Smells.
difficulty: beginner
minutes: 3
objectives: [Notice.]
client: {name: Kim, concern: Testing.}
start: a
scenes:
  a:
    client: "Hi."
    choices:
      - say: "Hello."
        goto: r
        effects: {trust: 5}
  r:
    moment: rupture
    rupture: withdrawal
    client: "Whatever."
    choices:
      - say: "Okay."
        feedback: Moving on.
        goto: d
      - say: "Okay."
        feedback: Moving on again.
        goto: d
  d:
    moment: self-disclosure
    client: "Do you have kids?"
    choices:
      - say: "Yes."
        feedback: Brief.
        goto: e
      - say: "Let's focus on you."
        feedback: A deflection.
        goto: e
  e:
    ending: Over
    outcome: mixed
"""
    )
    result = run("lint", str(file))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{file}:10:1: warning: no choice ever moves attentiveness",
        f"{file}:10:1: warning: no choice ever moves authenticity",
        f"{file}:10:1: warning: no choice ever moves positivity",
        f"{file}:11:3: warning: scene 'a' offers a single choice",
        f"{file}:14:9: warning: choice has no feedback: say why it helps or hurts",
        f"{file}:17:3: warning: no repairing choice (`repairs: true`) is reachable from this rupture moment",
        f"{file}:25:14: warning: the same words as choice 1 of this scene",
        f"{file}:28:3: warning: self-disclosure moment whose choices have no `disclosure` category",
    ]


def test_graph_dot_and_mermaid_label_kinds_moments_and_outcomes():
    dot = run("graph", EXAMPLE, "--format", "dot").stdout
    assert '"shutdown" [shape=box, label="RUPTURE (withdrawal)\\nshutdown"' in dot
    assert '"check" [shape=diamond' in dot
    assert 'label="walkout\\nending: poor"' in dot
    assert '"arrival" -> "shutdown" [label="3 harmful", style=dotted];' in dot
    mermaid = run("graph", EXAMPLE, "--format", "mermaid").stdout
    assert mermaid.startswith("flowchart TD\n")
    assert '  s2[["RUPTURE (withdrawal)<br/>shutdown"]]' in mermaid
    assert '  s3 -->|"trust #lt; 25"| s5' in mermaid


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is installed by scripts/test")
def test_graph_svg_is_laid_out_by_graphviz():
    svg = run("graph", EXAMPLE).stdout
    assert svg.startswith("<svg")
    assert "RUPTURE (withdrawal)" in svg and "ending: poor" in svg
    # the title in the same sans-serif as the scenes, not Graphviz's Times
    assert 'font-family="Helvetica,sans-Serif" font-size="14.00">Coat Still On</text>' in svg


def test_graph_svg_without_graphviz_says_so_clearly(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = run("graph", EXAMPLE, "--format", "svg")
    assert result.exit_code == 1
    assert "Graphviz is not installed" in result.stderr
    assert run("graph", EXAMPLE, "--format", "dot").exit_code == 0
