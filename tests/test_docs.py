"""Every YAML example in the authoring guide is a complete, valid scenario."""

import re
from pathlib import Path

import pytest

from simulator.engine.analysis import analyze
from simulator.scenarios import load_text

GUIDE = Path(__file__).parents[1] / "docs" / "authoring.md"
EXAMPLES = re.findall(r"^```yaml\n(.*?)^```", GUIDE.read_text(), flags=re.S | re.M)


def test_the_guide_has_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("number", range(len(EXAMPLES)))
def test_each_example_validates_clean_and_every_ending_is_reachable(number):
    loaded = load_text(EXAMPLES[number], f"authoring.md example {number + 1}")
    assert loaded.errors == [] and loaded.warnings == [], [str(m) for m in loaded.errors + loaded.warnings]
    assert loaded.scenario is not None
    result = analyze(loaded.scenario)
    assert all(report.reachable for report in result.endings.values())
