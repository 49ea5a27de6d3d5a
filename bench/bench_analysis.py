"""Path analysis of a generated 200-scene scenario: target under 2 s.

Baseline in the same run: loading and validating the same file (parse, model, graph checks).
Run: .venv/bin/python bench/bench_analysis.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import big_scenario  # noqa: E402
from timing import median_seconds  # noqa: E402

from simulator.engine.analysis import analyze  # noqa: E402
from simulator.scenarios import load_text  # noqa: E402


def main() -> int:
    text = big_scenario(200)
    loaded = load_text(text, "generated.yaml")
    assert loaded.scenario is not None, loaded.errors
    scenario = loaded.scenario
    states = analyze(scenario).states
    baseline = median_seconds(lambda: load_text(text, "generated.yaml"), runs=5)
    measured = median_seconds(lambda: analyze(scenario), runs=5)
    print(f"scenes: {len(scenario.scenes)}, states explored: {states}")
    print(f"baseline (load + validate): {baseline * 1000:.1f} ms")
    print(
        f"analysis:                   {measured * 1000:.1f} ms  (ratio {measured / baseline:.1f}x baseline)"
    )
    ok = measured < 2.0
    print(f"target under 2 s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
