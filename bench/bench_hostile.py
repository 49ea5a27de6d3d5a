"""Hostile and oversized scenario files: each is checked or refused within a second.

Times `load_text` (what `rapport validate`, upload, the editor's check and a library reload
all run) on generated files near the limits: a megabyte of small scenes, 99,000 values in
one list, 49,500 unknown keys, seventy distinct conditions of 2,000 characters, an alias
bomb, a base-60 `!!int` near a megabyte, 99,000 values nested 450 deep. Baseline in the same run: loading the bundled scenario with the most text.
Run: .venv/bin/python bench/bench_hostile.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from timing import median_seconds  # noqa: E402

from simulator.engine import conditions  # noqa: E402
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
