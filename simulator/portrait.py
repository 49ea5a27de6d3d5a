"""A drawn portrait for each client: head and shoulders in flat shapes, its colours and hair
chosen from the scenario's id (and grey hair for a client over 65), so every scenario has a
face of its own without a photograph of a real person."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from flask import Flask
from markupsafe import Markup, escape

from .engine import Scenario

BACKGROUNDS = ("#d8e8e4", "#e9e0f3", "#f4e3d3", "#dde7f4", "#e8efd9", "#f3dfe3")
SKIN = ("#f1d0b5", "#e0b48f", "#c68e63", "#a86f48", "#7d4f32", "#5a3825")
HAIR = ("#2b211c", "#4a3323", "#6e4a2b", "#a36b3a", "#1d1d22", "#7b2f22")
CLOTHES = ("#2f5d62", "#5d4a8c", "#8c4a3b", "#3b5b8c", "#4f6b34", "#6b3b5a")
GREY = "#b9b6b0"
SHAPES = {  # hair drawn behind and over the head (paths in a 96x96 box)
    "short": ("", "M31 38 C31 22 40 17 48 17 C58 17 66 23 65 38 C60 30 52 27 42 29 C37 31 33 34 31 38 Z"),
    "long": ("M29 40 C27 62 30 74 36 80 L60 80 C66 74 69 62 67 40 Z",
             "M31 40 C30 23 39 16 48 16 C58 16 67 23 65 40 C61 29 53 25 48 25 C42 25 35 29 31 40 Z"),
    "bun": ("", "M32 37 C32 24 40 19 48 19 C57 19 64 24 64 37 C59 29 53 27 48 27 C43 27 36 29 32 37 Z"
            " M41 14 a7 7 0 1 0 14 0 a7 7 0 1 0 -14 0 Z"),
    "cropped": ("", "M33 33 C34 23 41 19 48 19 C55 19 62 23 63 33 C57 27 39 27 33 33 Z"),
}


def _pick(digest: bytes, index: int, options: tuple[str, ...]) -> str:
    return options[digest[index] % len(options)]


@lru_cache(maxsize=256)
def _svg(seed: str, name: str, age: int | None, size: int) -> Markup:
    digest = hashlib.sha256(seed.encode()).digest()
    shape = _pick(digest, 0, tuple(SHAPES))
    behind, over = SHAPES[shape]
    hair = GREY if age is not None and age > 65 else _pick(digest, 1, HAIR)
    label = escape(f"Illustration of {name}, the client")
    parts = [
        f'<svg class="portrait" width="{size}" height="{size}" viewBox="0 0 96 96" role="img" '
        f'aria-label="{label}">',
        f'<rect width="96" height="96" rx="14" fill="{_pick(digest, 2, BACKGROUNDS)}"/>',
        f'<path d="{behind}" fill="{hair}"/>' if behind else "",
        f'<path d="M12 96 C12 72 28 64 48 64 C68 64 84 72 84 96 Z" fill="{_pick(digest, 3, CLOTHES)}"/>',
        f'<rect x="42" y="52" width="12" height="14" rx="5" fill="{_pick(digest, 4, SKIN)}"/>',
        f'<ellipse cx="48" cy="40" rx="16" ry="19" fill="{_pick(digest, 4, SKIN)}"/>',
        f'<path d="{over}" fill="{hair}"/>',
        "</svg>",
    ]
    return Markup("".join(parts))


def portrait(scenario: Scenario, size: int = 72) -> Markup:
    """The client's portrait as inline SVG, with alt text."""
    client = scenario.client
    return _svg(scenario.id, client.name, client.age, size)


def init_app(app: Flask) -> None:
    app.add_template_global(portrait, "portrait")
