"""Hostile and oversized scenario files: each is checked or refused within a second.

Times `load_text` (what `rapport validate`, upload, the editor's check and a library reload
all run) on generated files near the limits: a megabyte of small scenes, 99,000 values in
one list, 24,000 scenes with no choices, 7,000 scenes under 2,000 rules, 49,500 unknown keys, seventy distinct conditions of 2,000 characters, an alias
bomb, a base-60 `!!int` near a megabyte, 99,000 values nested 450 deep. Baseline in the same
run: loading the bundled scenario with the most text.

Then what the scenario page runs on a valid file, for one that loops through 40 scenes of
six replies each, opening and mending ruptures, under 40 repeating rules: the lint (its
naive strategies play up to 500 choices each) and the quick analysis tried inside the
request. Baseline: the same on the bundled scenario with the most text.
Run: .venv/bin/python bench/bench_hostile.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from timing import median_seconds  # noqa: E402

from simulator import authoring  # noqa: E402
from simulator.engine import conditions, lint  # noqa: E402
from simulator.scenarios import MAX_BYTES, load_text  # noqa: E402

ROOT = Path(__file__).parent.parent
EXAMPLE = (ROOT / "tests" / "data" / "coat-still-on.yaml").read_text(encoding="utf-8")
HEAD = EXAMPLE.split("scenes:")[0]


def small_scenes() -> str:
    """Just under the size limit: as many tiny scenes as fit (more than 100,000 values)."""
    scene = "  s{0}:\n    client: hi\n    choices:\n      - say: a\n        goto: s{1}\n"
    parts, size, i = [HEAD, "scenes:\n"], len(HEAD) + 8, 0
    while size + 80 < MAX_BYTES:
        part = scene.format(i, i + 1)
        parts.append(part)
        size += len(part)
        i += 1
    return "".join(parts)


def empty_choices(scenes: int = 24_000) -> str:
    """Scenes of `choices: []`, each an error of its own (560 KB)."""
    return HEAD + "scenes:\n" + "".join(f"  s{i}: {{choices: []}}\n" for i in range(scenes))


def rules_and_scenes(scenes: int = 7_000, rules: int = 2_000) -> str:
    """A valid line of one-reply scenes under thousands of rules that never hold, each to an
    ending of its own (527 KB): every choice scene can go to every rule's target."""
    rows = [HEAD.split("start:")[0], "start: c0\nscenes:\n"]
    for i in range(scenes):
        goto = f"c{i + 1}" if i + 1 < scenes else "fin"
        rows.append(f"  c{i}: {{client: a, choices: [{{say: a, goto: {goto}}}]}}\n")
    rows.append("  fin: {ending: x, outcome: good}\n")
    rows += [f"  e{j}: {{ending: x, outcome: poor}}\n" for j in range(rules)]
    rows.append("rules:\n")
    rows += [f"  - {{when: 'trust < 0', goto: e{j}}}\n" for j in range(rules)]
    return "".join(rows)


def many_values() -> str:
    return EXAMPLE + "extra: [" + ",".join("1" for _ in range(99_000)) + "]\n"


def unknown_keys() -> str:
    return "{" + ", ".join(f"k{i}: 1" for i in range(49_500)) + "}"


def long_conditions() -> str:
    def never(k: int) -> str:  # distinct, unsatisfiable, each near the length limit
        parts = [f"(trust > {k + j} and trust < {k + j})" for j in range(0, 1900 // 40)]
        return " or ".join(parts)[:1990].rsplit(" or ", 1)[0]

    many = "".join(
        f'      - say: "Option {k}."\n        when: "{never(k)}"\n        goto: good-end\n'
        for k in range(70)
    )
    anchor = '      - say: "Talking helps most people, you\'ll see."\n'
    return EXAMPLE.replace(anchor, many + anchor, 1)


def alias_bomb() -> str:
    rows = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    rows += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return "\n".join(rows) + "\n"


def base_sixty() -> str:
    """A tagged whole number in YAML 1.1's base 60, just under the size limit."""
    parts = ":".join(["59"] * ((MAX_BYTES - len(EXAMPLE) - 100) // 3))
    return EXAMPLE + f"extra: !!int {parts}\n"


def deep_and_wide(depth: int = 450) -> str:
    """Lists nested 450 deep holding 99,000 values: each value's path is 450 long."""
    return EXAMPLE + "extra: " + "[" * depth + ",".join(["1"] * 99_000) + "]" * depth + "\n"


def looping_ruptures(scenes: int = 40) -> str:
    """Valid and small (about 20 KB): every scene offers a rupture, a repair and four
    moves, each going on to the next scene; rules send play back while trust holds."""
    rows = [HEAD.rstrip().replace("start: arrival", "start: s0") + "\nrules:"]
    for i in range(scenes):
        rows.append(f"  - when: visited(s{i}) and trust > {i}\n    goto: s{(i + 1) % scenes}")
        rows.append("    repeat: true")
    rows.append("scenes:")
    for i in range(scenes):
        rows.append(f"  s{i}:\n    client: hi\n    choices:")
        for k, delta in enumerate((-10, -3, 4, -10, -3, 4)):
            step = (delta + i) % 21 - 10
            after = f"s{i + 1}" if i + 1 < scenes else "end"
            rows.append(f"      - say: reply {k}\n        goto: {after}")
            rows.append(f"        effects: {{trust: {step}, positivity: {step}}}")
            if k == 0:
                rows.append("        rupture: withdrawal")
            if k == 1:
                rows.append("        repairs: true")
    rows.append("  end:\n    ending: The session ends.\n    outcome: good")
    return "\n".join(rows) + "\n"


def page_checks(text: str) -> tuple[float, float]:
    """Seconds for the scenario page's lint and its quick analysis (nothing cached)."""
    loaded = load_text(text, "f.yaml")
    scenario = loaded.scenario
    assert scenario is not None, loaded.errors

    def quick() -> None:
        authoring._cache.items.clear()
        authoring._summarise(scenario, "bench", authoring.QUICK_STATES, quick=True)

    return median_seconds(lambda: lint(scenario), runs=3), median_seconds(quick, runs=3)


def cold(text: str) -> None:
    """Load as a new file would be: no condition checked before."""
    conditions._CHECKED.clear()
    load_text(text, "f.yaml")


def main() -> int:
    largest = max((ROOT / "scenarios").glob("*.yaml"), key=lambda path: path.stat().st_size)
    bundled = largest.read_text(encoding="utf-8")
    baseline = median_seconds(lambda: cold(bundled), runs=5)
    print(f"baseline: {largest.name} ({len(bundled) // 1024} KB): {baseline * 1000:.1f} ms")
    worst = 0.0
    for name, make in (
        ("a megabyte of small scenes", small_scenes),
        ("99,000 values in one list", many_values),
        ("24,000 scenes of no choices", empty_choices),
        ("7,000 scenes under 2,000 rules (valid)", rules_and_scenes),
        ("49,500 unknown keys", unknown_keys),
        ("70 distinct 2,000-character conditions", long_conditions),
        ("an alias bomb (10**9 values)", alias_bomb),
        ("a base-60 !!int of 340,000 parts", base_sixty),
        ("99,000 values nested 450 deep", deep_and_wide),
    ):
        text = make()
        loaded = load_text(text, "f.yaml")
        seconds = median_seconds(lambda text=text: cold(text), runs=3)
        worst = max(worst, seconds)
        said = (loaded.errors or loaded.warnings or ["valid"])[0]
        print(
            f"{name} ({len(text.encode()) // 1024} KB): {seconds * 1000:.0f} ms "
            f"({seconds / baseline:.0f}x baseline); first message: {str(said)[:90]}"
        )
    print(f"target every file within 1 s: {'met' if worst < 1.0 else 'MISSED'}")
    base_lint, base_quick = page_checks(bundled)
    print(
        f"scenario page's checks, baseline {largest.name}: lint {base_lint * 1000:.0f} ms, "
        f"quick analysis {base_quick * 1000:.0f} ms"
    )
    looping = looping_ruptures()
    lint_s, quick_s = page_checks(looping)
    print(
        f"a looping file of ruptures and repeating rules ({len(looping) // 1024} KB): "
        f"lint {lint_s * 1000:.0f} ms ({lint_s / base_lint:.1f}x), quick analysis "
        f"{quick_s * 1000:.0f} ms ({quick_s / base_quick:.1f}x)"
    )
    ruled = rules_and_scenes()
    rules_lint, rules_quick = page_checks(ruled)
    print(
        f"7,000 scenes under 2,000 rules ({len(ruled) // 1024} KB): "
        f"lint {rules_lint * 1000:.0f} ms ({rules_lint / base_lint:.1f}x), quick analysis "
        f"{rules_quick * 1000:.0f} ms ({rules_quick / base_quick:.1f}x)"
    )
    slowest = max(lint_s, quick_s, rules_lint, rules_quick)
    print(f"target each within 1 s: {'met' if slowest < 1.0 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
