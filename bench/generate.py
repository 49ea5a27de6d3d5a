"""Generated scenarios for benchmarks: big, branching, valid."""

from __future__ import annotations

import random


def big_scenario(scenes: int = 200, seed: int = 7) -> str:
    """YAML text of a valid scenario with `scenes` choice scenes, cycles, rules and ruptures."""
    rng = random.Random(seed)
    lines = [
        "format: 1",
        "id: generated",
        "title: Generated",
        "summary: A generated scenario for benchmarks.",
        "difficulty: advanced",
        "minutes: 60",
        "objectives: [Measure.]",
        "client: {name: Gen, concern: Benchmarks.}",
        "start: s0",
        "rules:",
        '  - when: "trust <= 5"',
        "    goto: walkout",
        "scenes:",
    ]
    for i in range(scenes):
        ahead = min(i + 1, scenes - 1)
        jump = min(i + rng.randint(2, 4), scenes - 1)
        lines += [f"  s{i}:", '    client: "..."', "    choices:"]
        if i == scenes - 1:
            lines += [
                '      - say: "Close warmly."',
                "        effects: {trust: 5}",
                "        goto: check",
            ]
            lines += [
                '      - say: "Close abruptly."',
                "        effects: {trust: -5}",
                "        goto: check",
            ]
            continue
        if i % 10 == 3:
            lines[-3:-2] = [f"  s{i}:", "    moment: rupture", "    rupture: withdrawal"]
            lines += [
                '      - say: "Own it."',
                "        repairs: true",
                "        effects: {trust: 5}",
            ]
            lines += [f"        goto: s{ahead}"]
        lines += [
            '      - say: "Reflect."',
            "        effects: {attentiveness: 5, trust: 5}",
            f"        goto: s{ahead}",
        ]
        lines += [
            '      - say: "Advise."',
            "        effects: {trust: -5}",
            f"        goto: s{jump}",
        ]
        if i >= 5 and i % 7 == 0:
            lines += [
                '      - say: "Go back."',
                '        when: "trust >= 60 and ruptures_open == 0"',
            ]
            lines += [f"        goto: s{i - 5}"]
    lines += [
        "  check:",
        "    next:",
        '      - when: "trust >= 60 and ruptures_open == 0"',
        "        goto: good",
        "      - goto: mixed",
        "  good: {ending: Good, outcome: good}",
        "  mixed: {ending: Mixed, outcome: mixed}",
        "  walkout: {ending: Walkout, outcome: poor}",
    ]
    return "\n".join(lines) + "\n"
