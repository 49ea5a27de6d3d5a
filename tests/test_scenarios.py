"""Every bundled scenario loads, validates clean, and is content a clinical educator would accept."""

from pathlib import Path

import pytest

from simulator.engine.analysis import analyze
from simulator.scenarios import load_file

FOLDER = Path(__file__).parents[1] / "scenarios"
FILES = sorted(FOLDER.glob("*.yaml"))
IDS = [f.stem for f in FILES]


def load(file):
    loaded = load_file(file)
    assert loaded.errors == [], "\n".join(map(str, loaded.errors))
    return loaded


def test_there_are_bundled_scenarios_with_unique_ids():
    assert len(FILES) >= 3
    ids = [load(f).scenario.id for f in FILES]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_the_file_validates_without_warnings_and_is_named_by_its_id(file):
    loaded = load(file)
    assert loaded.warnings == [], "\n".join(map(str, loaded.warnings))
    assert loaded.scenario.id == file.stem


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_every_ending_is_reachable_and_excellence_needs_repair(file):
    scenario = load(file).scenario
    result = analyze(scenario)
    unreachable = [name for name, report in result.endings.items() if not report.reachable]
    assert unreachable == []
    outcomes = {name: scenario.scenes[name].outcome for name in result.endings}
    assert len(set(outcomes.values())) >= 3
    for name, report in result.endings.items():
        if outcomes[name] == "excellent":
            assert not report.unrepaired, f"{name} can be reached with a rupture still open"
    assert any(outcomes[name] in ("good", "excellent") for name in result.endings)


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_the_content_meets_the_teaching_standard(file):
    scenario = load(file).scenario
    choice_scenes = [s for s in scenario.scenes.values() if s.kind == "choice"]
    assert len(choice_scenes) >= 10
    assert scenario.objectives and scenario.client.background
    key_moments = [s for s in scenario.scenes.values() if s.moment]
    assert key_moments, "no key moment"
    for scene in key_moments:
        assert scene.thought, "a key moment needs the client's unspoken thought"
    for scene_id, scene in scenario.scenes.items():
        for choice in scene.choices or ():
            assert choice.feedback, f"{scene_id}: '{choice.say}' has no feedback"
            assert choice.quality, f"{scene_id}: '{choice.say}' has no quality"
        if scene.moment == "self-disclosure":
            assert all(c.disclosure for c in scene.choices or ()), f"{scene_id}: missing disclosure"
        says = [c.say for c in scene.choices or ()]
        assert len(says) == len(set(says)), f"{scene_id}: duplicate choice texts"
    repairs = [c for s in choice_scenes for c in s.choices or () if c.repairs]
    assert repairs, "no repairing choice"


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_feedback_describes_behaviour_without_blame_words(file):
    scenario = load(file).scenario
    for scene in scenario.scenes.values():
        for choice in scene.choices or ():
            words = set((choice.feedback or "").lower().replace(",", " ").replace(".", " ").split())
            assert not words & {"wrong", "bad", "failed", "fail", "stupid"}, choice.feedback
