"""The bundled library tests judgment: no reply can be picked by its length or its place."""

from pathlib import Path
from statistics import median

import pytest

from simulator.engine import surface
from simulator.engine.model import METERS
from simulator.scenarios import load_file

FOLDER = Path(__file__).parents[1] / "scenarios"
FILES = sorted(FOLDER.glob("*.yaml"))
IDS = [f.stem for f in FILES]


def scenario(file):
    loaded = load_file(file)
    assert loaded.scenario is not None, loaded.errors
    return loaded.scenario


def test_across_the_library_the_longest_reply_is_strong_in_at_most_40_percent_of_scenes():
    scenes = [s for f in FILES for s in scenario(f).scenes.values() if s.kind == "choice"]
    tells = [s for s in scenes if surface.strong_is_longest(s)]
    assert len(tells) <= 0.4 * len(scenes), f"{len(tells)} of {len(scenes)} scenes"


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_strong_replies_are_as_long_as_the_others_within_20_percent(file):
    medians = surface.length_medians(scenario(file))
    assert medians is not None
    strong, other = medians
    assert abs(strong - other) <= 0.2 * other, f"strong median {strong}, others {other}"


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_counted_in_words_too_strong_replies_are_as_long_as_the_others(file):
    strong, other = [], []
    for scene in scenario(file).scenes.values():
        for choice in scene.choices or ():
            (strong if choice.quality == "strong" else other).append(len(choice.say.split()))
    assert abs(median(strong) - median(other)) <= 0.2 * median(other), (strong, other)


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_no_naive_strategy_reaches_the_best_outcome(file):
    s = scenario(file)
    best = surface.best_outcome(s)
    for run in surface.strategies(s):
        assert run.outcome is not None, f"{run.strategy} never ends"
        assert run.outcome != best, f"{run.strategy} ends {run.outcome} at {run.ending}"


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_no_meter_tops_out_early_on_the_strong_path(file):
    s = scenario(file)
    assert [m for m in surface.early_limits(s) if m.level == 100] == []
    state, _steps = surface.strong_path(s)
    assert state.finished and s.scenes[state.scene].outcome == surface.best_outcome(s)


@pytest.mark.parametrize("file", FILES, ids=IDS)
def test_trust_moves_slowest(file):
    largest = surface.largest_effects(scenario(file))
    assert largest["trust"] <= max(largest[m] for m in METERS if m != "trust"), largest
