"""The debrief's meter chart as plain geometry (no Flask): the template only draws it.

Drawn at the size of a phone (340 units wide, text at 11 units), so on a 343 px screen it is
shown at its own size with no sideways scrolling, and on a desktop it scales up. Lines are
told apart by colour, dash and marker, and named in a legend beside the chart, never by
labels at their ends (which stack where lines meet)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .engine import METERS

WIDTH = 340
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 12, 26
KEY_ROW = 26  # room under the axis for the numbered key-moment badges
DASHES = {"trust": "", "authenticity": "8 4", "attentiveness": "2 3", "positivity": "10 3 2 3"}
MARKERS = {
    "trust": "circle",
    "authenticity": "square",
    "attentiveness": "diamond",
    "positivity": "triangle",
}


def debrief_chart(
    timeline: Sequence[dict[str, int]],
    moments: Sequence[Any] = (),
    keys: Sequence[Any] = (),
    height: int = 160,
) -> dict[str, Any]:
    """Polylines and points for each meter, grid lines, moment lines (`moments` with .step
    and .kind) and numbered badges for the key moments (`keys` with .step and .number)."""
    bottom_room = BOTTOM + (KEY_ROW if keys else 0)
    total = height + (KEY_ROW if keys else 0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, height - TOP - BOTTOM
    count = max(len(timeline) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + plot_w * index / count, 1)

    def y(value: int) -> float:
        return round(TOP + plot_h * (100 - value) / 100, 1)

    series = []
    for meter in METERS:
        points = [(x(i), y(values[meter])) for i, values in enumerate(timeline)]
        series.append(
            {
                "meter": meter,
                "label": meter.capitalize(),
                "dash": DASHES[meter],
                "marker": MARKERS[meter],
                "points": points,
                "path": " ".join(f"{px},{py}" for px, py in points),
                "first": timeline[0][meter] if timeline else 0,
                "last": timeline[-1][meter] if timeline else 0,
            }
        )
    # a tick for every step on a short run; on a long one, every other step and the last
    every = 1 if len(timeline) <= 11 else 2
    ticks = [
        {"label": "Start" if i == 0 else str(i), "x": x(i)}
        for i in range(len(timeline))
        if i % every == 0 or i == len(timeline) - 1
    ]
    return {
        "width": WIDTH,
        "height": total,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": total - bottom_room,
        "series": series,
        "grid": [{"value": v, "y": y(v)} for v in (0, 50, 100)],
        "ticks": ticks,
        "moments": [
            {"x": x(m.step), "step": m.step, "kind": m.kind}
            for m in moments
            if 0 <= m.step < len(timeline)
        ],
        "badges": [{"x": x(k.step), "number": k.number, "y": total - 11} for k in keys],
    }
