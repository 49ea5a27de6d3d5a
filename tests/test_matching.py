"""Open response: typed words matched offline to the authored replies (simulator/matching.py).

The model (the `match` extra) is installed by the test command, so nothing here skips."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator import matching
from simulator.cli import main
from simulator.engine import asks, reply_id, shown, start
from simulator.scenarios import load_file, load_text

ROOT = Path(__file__).parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
CALIBRATION = Path(__file__).parent / "data" / "phrasings"
HELDOUT = Path(__file__).parent / "data" / "phrasings-heldout"
COAT = Path(__file__).parent / "data" / "coat-still-on.yaml"


def scenario_of(path: Path):
    loaded = load_file(path)
    assert loaded.ok, [str(m) for m in loaded.errors]
    return loaded.scenario


def total(folder: Path) -> matching.Accuracy:
    """Every phrasing of a folder matched, summed over its files."""
    found = matching.matcher()
    sums = [0] * 6
    misses: list[matching.Miss] = []
    for file in sorted(folder.glob("*.yaml")):
        scenario = scenario_of(ROOT / "scenarios" / file.name)
        got = matching.evaluate(found, scenario, matching.load_phrasings(file, scenario))
        for i, value in enumerate(
            (got.labelled, got.top1, got.top2, got.close, got.unrelated, got.unrelated_close)
        ):
            sums[i] += value
        misses += got.misses
    return matching.Accuracy(*sums, misses=tuple(misses))


def test_the_model_is_installed_and_loads_once():
    first = matching.matcher()
    assert first.available, first.reason
    assert matching.matcher() is first


def test_the_model_loads_with_the_network_blocked(monkeypatch):
    """A fresh load touches no socket and calls no download (requests, the tokenizer hub)."""
    import requests
    import tokenizers
    import wordllama

    def refuse(*args, **kwargs):
        raise AssertionError("the matcher tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(requests, "get", refuse)
    monkeypatch.setattr(tokenizers.Tokenizer, "from_pretrained", refuse)
    monkeypatch.setattr(matching, "_matcher", None)
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    fresh = matching.matcher()
    assert fresh.available, fresh.reason
    assert wordllama.WordLlama is not None
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    scenario = scenario_of(COAT)
    state = start(scenario)
    result = fresh.match(state.scene, shown(scenario, state), "you didn't really want to come")
    assert result.best is not None and result.best.index == 0


def test_loading_leaves_the_root_logger_as_it_was(monkeypatch):
    import logging

    monkeypatch.setattr(matching, "_matcher", None)
    monkeypatch.delitem(sys.modules, "wordllama", raising=False)
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    assert matching.matcher().available
    assert (list(root.handlers), root.level) == before


def test_without_the_model_the_matcher_says_so_and_matches_nothing(monkeypatch):
    monkeypatch.setattr(matching, "_matcher", None)
    monkeypatch.setitem(sys.modules, "wordllama", None)  # import wordllama now fails
    found = matching.matcher()
    assert not found.available and "not installed" in found.reason
    scenario = scenario_of(COAT)
    state = start(scenario)
    result = found.match(state.scene, shown(scenario, state), "it wasn't your idea")
    assert result == matching.Match(available=False)
    assert result.best is None and result.runner_up is None and not result.close
    assert found.similarity("a", "a") == 0.0
    assert matching.alike(found, scenario) == []


def test_a_scene_of_thousands_of_replies_matches_its_first_few_hundred(monkeypatch):
    monkeypatch.setattr(matching, "MATCHED_REPLIES", 2)
    scenario = scenario_of(COAT)
    state = start(scenario, seed="some run")
    offered = shown(scenario, state)
    assert len(offered) == 3
    embedded = []
    original = matching._cached.__wrapped__
    monkeypatch.setattr(
        matching, "_cached", lambda m, texts: embedded.append(texts) or original(m, texts)
    )
    result = matching.matcher().match(state.scene, offered, "well, you're here now, so goals")
    assert {s.reply for s in result.scores} == {identity for identity, _, _ in offered}
    past = [s for s in result.scores if s.index >= 2]
    assert len(past) == 1 and past[0].similarity == 0.0  # listed, never embedded
    assert len(embedded) == 2 and result.best.index < 2


def test_a_match_scores_every_offered_reply_by_identity():
    scenario = scenario_of(COAT)
    state = start(scenario, seed="some run")
    offered = shown(scenario, state)
    result = matching.matcher().match(
        state.scene, offered, "so coming here wasnt really your idea?"
    )
    assert result.available and result.close
    assert {s.reply for s in result.scores} == {identity for identity, _, _ in offered}
    assert [s.similarity for s in result.scores] == sorted(
        (s.similarity for s in result.scores), reverse=True
    )
    assert all(0.0 <= s.similarity <= 1.0 for s in result.scores)
    assert result.best is not None and result.runner_up is not None
    assert result.best.index == 0
    assert result.best.reply == reply_id("arrival", 0, scenario.scenes["arrival"].choices[0])
    assert result.similarity(result.best.reply) == result.best.similarity
    assert result.similarity("r0000000000") is None
    # the engine's (index, choice) pairs work too, with the same identities
    pairs = [(index, choice) for _, index, choice in offered]
    assert matching.matcher().match(state.scene, pairs, "wasnt your idea").best.reply == (
        result.best.reply
    )


def test_empty_or_unrelated_words_are_not_close():
    scenario = scenario_of(COAT)
    state = start(scenario)
    found = matching.matcher()
    empty = found.match(state.scene, shown(scenario, state), "   ")
    assert empty.available and not empty.close and len(empty.scores) == 3
    assert {s.similarity for s in empty.scores} == {0.0}
    assert not found.match(state.scene, shown(scenario, state), "what's the wifi password").close


def test_also_phrasings_are_matched():
    """Words far from a reply's `say` but near one of its `also:` phrasings match it."""
    typed = "you got dragged along by your family"
    plain = scenario_of(COAT)
    text = COAT.read_text(encoding="utf-8").replace(
        "        skill: reflection ",
        '        also: ["Your family dragged you along, then."]\n        skill: reflection ',
        1,
    )
    loaded = load_text(text, "coat-with-also.yaml")
    assert loaded.ok, [str(m) for m in loaded.errors]
    with_also = loaded.scenario
    assert matching.phrasings(with_also.scenes["arrival"].choices[0]) == (
        "It sounds like coming here wasn't entirely your idea.",
        "Your family dragged you along, then.",
    )
    found = matching.matcher()
    before = found.match("arrival", matching.replies("arrival", plain.scenes["arrival"]), typed)
    after = found.match("arrival", matching.replies("arrival", with_also.scenes["arrival"]), typed)
    assert before.best is not None and before.best.index != 0
    assert after.best is not None and after.best.index == 0 and after.close
    assert after.best.similarity > before.similarity(after.best.reply)


def test_question_form_tells_a_question_from_a_statement():
    assert matching._asks("Are you annoyed with me?")
    assert matching._asks("are you annoyed with me")  # no question mark typed
    assert matching._asks("I hear you. What's behind it?")
    assert not matching._asks("You're annoyed with me.")
    assert not matching._asks("Are you sure? You can say if you don't want to.")


@pytest.mark.parametrize("folder", [CALIBRATION, HELDOUT], ids=["calibration", "heldout"])
def test_every_bundled_key_moment_has_eight_labelled_phrasings(folder):
    for path in SCENARIOS:
        scenario = scenario_of(path)
        file = folder / path.name
        assert file.exists(), f"no phrasings for {path.name} in {folder.name}"
        items = matching.load_phrasings(file, scenario)
        for scene_id, scene in scenario.scenes.items():
            if asks(scene):
                labelled = [i for i in items if i.scene == scene_id and i.expected is not None]
                assert len(labelled) >= 8, (path.name, scene_id, len(labelled))


def test_a_changed_scenario_fails_its_phrasings_loudly():
    file = CALIBRATION / "so-its-my-fault.yaml"
    text = (ROOT / "scenarios" / "so-its-my-fault.yaml").read_text(encoding="utf-8")
    changed = load_text(
        text.replace("It sounds like you're feeling criticised.", "You feel criticised.", 1)
    )
    assert changed.ok
    with pytest.raises(matching.PhrasingsError, match='no reply saying "It sounds like'):
        matching.load_phrasings(file, changed.scenario)
    other = scenario_of(COAT)
    with pytest.raises(matching.PhrasingsError, match="is for 'so-its-my-fault'"):
        matching.load_phrasings(file, other)


def test_bad_phrasings_files_get_clear_errors(tmp_path):
    scenario = scenario_of(ROOT / "scenarios" / "so-its-my-fault.yaml")
    cases = {
        "scenario: so-its-my-fault\nscenes: [1]\n": "a mapping of `scenes`",
        "scenario: so-its-my-fault\nscenes:\n  nowhere: {replies: []}\n": "not a choice scene",
        "scenario: so-its-my-fault\nscenes:\n  my-fault: {}\n": "a list of `replies`",
        "scenario: so-its-my-fault\nscenes:\n  my-fault:\n    replies: []\n    none: ['']\n": "non-empty text",
        "scenes: [\n": "cannot be read",
    }
    for text, message in cases.items():
        file = tmp_path / "bad.yaml"
        file.write_text(text, encoding="utf-8")
        with pytest.raises(matching.PhrasingsError, match=message):
            matching.load_phrasings(file, scenario)


def test_accuracy_on_the_calibration_set_stays_above_a_floor():
    """Measured 98.9% top-1 and 99.8% top-2 over 543 phrasings (16 scenarios); the floors
    leave room for new phrasings and a model update, not for a broken matcher (a random
    pick among three or four replies lands near 30%)."""
    got = total(CALIBRATION)
    assert got.labelled >= 500
    assert got.top1 / got.labelled >= 0.93, [m.text for m in got.misses]
    assert got.top2 / got.labelled >= 0.97
    assert got.close / got.labelled >= 0.80  # right and called close
    assert got.unrelated >= 30 and got.unrelated_close / got.unrelated <= 0.10


def test_accuracy_on_the_heldout_set_meets_the_target():
    """The held-out set was never used to tune (98.9% and 99.7% over 371 phrasings when
    last measured); the issue's target is 85% and 95%."""
    got = total(HELDOUT)
    assert got.labelled >= 350
    assert got.top1 / got.labelled >= 0.85
    assert got.top2 / got.labelled >= 0.95


def test_the_hard_cases_match_the_reply_they_mean():
    scenario = scenario_of(ROOT / "scenarios" / "so-its-my-fault.yaml")
    scene = scenario.scenes["my-fault"]
    found = matching.matcher()

    def best(words: str) -> int:
        result = found.match("my-fault", matching.replies("my-fault", scene), words)
        assert result.best is not None
        return result.best.index

    assert best("I'm not saying it's your fault") == 2  # negation, the defensive reply
    assert best("it sounds like you feel criticised") == 0  # a reflection
    assert best("I said that too fast and it sounded like blame, sorry. how did that land?") == 1


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_match_reports_accuracy_and_confusions():
    scenario = str(ROOT / "scenarios" / "so-its-my-fault.yaml")
    result = run("match", scenario, "--phrasings", str(CALIBRATION / "so-its-my-fault.yaml"))
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("so-its-my-fault: 19 phrasings; top-1 ")
    assert "top-2 " in first and "3 unrelated" in first
    data = json.loads(
        run(
            "match", scenario, "--phrasings", str(CALIBRATION / "so-its-my-fault.yaml"), "--json"
        ).stdout
    )
    assert data["scenario"] == "so-its-my-fault" and data["phrasings"] == 19
    assert 0.85 <= data["top1"] <= data["top2"] <= 1
    for miss in data["confusions"]:
        assert set(miss) == {"scene", "text", "expected", "got", "similarity", "close"}
        assert miss["got"] != miss["expected"] or miss["expected"] is None
    shown_misses = result.stdout.count("    expected ")
    assert shown_misses == len(data["confusions"])


def test_match_ranks_a_scenes_replies_for_typed_words():
    scenario = str(ROOT / "scenarios" / "so-its-my-fault.yaml")
    result = run("match", scenario, "--scene", "my-fault", "I'm not saying it's your fault")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "my-fault: closest to what you wrote"
    assert len(lines) == 5 and "I'm not saying it's your fault at all." in lines[1]
    data = json.loads(run("match", scenario, "--scene", "my-fault", "ok", "--json").stdout)
    assert data["scene"] == "my-fault" and data["close"] is False
    assert len(data["scores"]) == 4 and all(s["reply"].startswith("r") for s in data["scores"])


def test_match_refuses_bad_requests_clearly():
    scenario = str(ROOT / "scenarios" / "so-its-my-fault.yaml")
    missing = run("match", scenario, "--scene", "nowhere", "hello")
    assert missing.exit_code == 2 and "'nowhere' is not a choice scene" in missing.output
    neither = run("match", scenario)
    assert neither.exit_code == 2 and "--phrasings FILE, or --scene ID" in neither.output
    wrong = run("match", scenario, "--phrasings", str(CALIBRATION / "first-session.yaml"))
    assert wrong.exit_code == 1 and "is for 'first-session'" in wrong.output


def test_match_without_the_model_says_why(monkeypatch):
    monkeypatch.setattr(matching, "_matcher", matching.Matcher(reason="no model here"))
    result = run("match", str(COAT), "--scene", "arrival", "hello")
    assert result.exit_code == 1 and "error: no model here" in result.output


def test_lint_warns_of_replies_too_alike_to_tell_apart(tmp_path):
    text = COAT.read_text(encoding="utf-8").replace(
        '"Your sister sounds like she really cares about you."',
        '"It sounds like coming here wasn\'t really your own idea."',
        1,
    )
    file = tmp_path / "alike.yaml"
    file.write_text(text, encoding="utf-8")
    result = run("lint", str(file))
    line, column = next(
        (n, t.index('"') + 1)
        for n, t in enumerate(text.splitlines(), 1)
        if "wasn't really your own" in t
    )
    expected = (
        f"{file}:{line}:{column}: warning: choices 1 and 2 of this scene are so alike in meaning"
    )
    assert expected in result.stdout, result.stdout
    assert "typed words cannot tell them apart" in result.stdout
    plain = run("lint", str(COAT))
    assert "so alike in meaning" not in plain.stdout


def test_lint_without_the_model_has_no_such_smell(monkeypatch, tmp_path):
    monkeypatch.setattr(matching, "_matcher", matching.Matcher(reason="no model here"))
    text = COAT.read_text(encoding="utf-8").replace(
        '"Your sister sounds like she really cares about you."',
        '"It sounds like coming here wasn\'t really your own idea."',
        1,
    )
    file = tmp_path / "alike.yaml"
    file.write_text(text, encoding="utf-8")
    assert "so alike in meaning" not in run("lint", str(file)).stdout


def test_no_bundled_scenario_has_replies_too_alike():
    found = matching.matcher()
    for path in SCENARIOS:
        assert matching.alike(found, scenario_of(path)) == [], path.name


def test_the_too_alike_check_is_bounded_on_a_scene_of_thousands_of_replies():
    """10,000 replies in one scene were 50 million comparisons (the scenario page never
    came back) and tens of thousands of warnings."""
    scenario = scenario_of(COAT)
    first = next(scene for scene in scenario.scenes.values() if scene.choices)
    many = [first.choices[0].model_copy(update={"say": f"reply {n}"}) for n in range(10_000)]
    crowded = scenario.model_copy(
        update={
            "scenes": {**scenario.scenes, "crowded": first.model_copy(update={"choices": many})}
        }
    )

    class Everything:  # a model that finds every pair alike, and counts what it is asked
        available = True
        asked = 0

        def similarity(self, _first, _second):
            self.asked += 1
            return 0.99

    found = Everything()
    smells = matching.alike(found, crowded)
    assert len(smells) == matching.ALIKE_SHOWN
    assert found.asked <= matching.ALIKE_SHOWN
    quiet = Everything()
    quiet.similarity = lambda *_: (setattr(quiet, "asked", quiet.asked + 1), 0.1)[1]
    assert matching.alike(quiet, crowded) == []
    assert quiet.asked <= matching.ALIKE_PAIRS
