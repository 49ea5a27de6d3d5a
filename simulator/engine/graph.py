"""The scene graph as Graphviz dot or Mermaid text. Shapes and labels, not colour alone, tell
scene kinds, key moments and outcomes apart; edge styles follow choice quality."""

from __future__ import annotations

import json

from .model import Scenario, Scene

SHAPES = {"choice": "box", "pass": "diamond", "ending": "doubleoctagon"}
EDGE_STYLE = {
    "strong": "bold",
    "adequate": "solid",
    "weak": "dashed",
    "harmful": "dotted",
    None: "solid",
}
MOMENT_LABEL = {"rupture": "RUPTURE", "self-disclosure": "SELF-DISCLOSURE", "safety": "SAFETY"}


def _label(scene_id: str, scene: Scene) -> str:
    lines = [scene_id]
    if scene.moment:
        kind = f" ({scene.rupture})" if scene.rupture else ""
        lines.insert(0, MOMENT_LABEL[scene.moment] + kind)
    if scene.kind == "ending":
        lines.append(f"ending: {scene.outcome}")
    elif scene.kind == "pass":
        lines.append("pass-through")
    return "\n".join(lines)


def edges_of(scenario: Scenario) -> list[tuple[str, str, str, str | None]]:
    """(from, to, label, quality) for every choice, fallback, pass-through rule and top rule."""
    result: list[tuple[str, str, str, str | None]] = []
    for scene_id, scene in scenario.scenes.items():
        for i, choice in enumerate(scene.choices or ()):
            result.append((scene_id, choice.goto, str(i + 1), choice.quality))
        if scene.fallback:
            result.append((scene_id, scene.fallback, "fallback", None))
        for rule in scene.next or ():
            result.append((scene_id, rule.goto, rule.when or "else", None))
    return result


def to_dot(scenario: Scenario, links: bool = False) -> str:
    """Graphviz dot text for the scene graph; with `links`, each scene links to `#scene-ID`."""
    q = json.dumps  # a JSON string is a valid dot ID
    out = [
        f"digraph {q(scenario.id)} {{",
        f"  label={q(scenario.title)}; labelloc=t; rankdir=TB; fontname=Helvetica;",
        '  node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=10];',
    ]
    for scene_id, scene in scenario.scenes.items():
        attrs = [
            f"shape={SHAPES[scene.kind]}",
            f"label={q(_label(scene_id, scene))}",
            f"id={q(scene_id)}",
        ]
        if scene.moment:
            attrs.append("peripheries=2, style=bold")
        if scene_id == scenario.start:
            attrs.append("penwidth=2")
        if links:
            attrs.append(f"URL={q('#scene-' + scene_id)}, target=_self")
            attrs.append(f"tooltip={q('Scene ' + scene_id + ': read its text')}")
        out.append(f"  {q(scene_id)} [{', '.join(attrs)}];")
    for source, target, label, quality in edges_of(scenario):
        style = EDGE_STYLE[quality]
        text = f"{label} {quality}" if quality else label
        out.append(f"  {q(source)} -> {q(target)} [label={q(text)}, style={style}];")
    for i, rule in enumerate(scenario.rules):
        out.append(
            f"  {q('rule ' + str(i + 1))} [shape=note, label={q('rule ' + str(i + 1) + ': ' + rule.when)}];"
        )
        out.append(f"  {q('rule ' + str(i + 1))} -> {q(rule.goto)} [style=dashed];")
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    for plain, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(plain, code)
    return text.replace("\n", "<br/>")


def to_mermaid(scenario: Scenario) -> str:
    """Mermaid flowchart text for the scene graph."""
    ids = {scene_id: f"s{i}" for i, scene_id in enumerate(scenario.scenes)}
    out = ["flowchart TD"]
    for scene_id, scene in scenario.scenes.items():
        label = _mermaid_text(_label(scene_id, scene))
        if scene.kind == "ending":
            shape = f'(["{label}"])'
        elif scene.kind == "pass":
            shape = f'{{"{label}"}}'
        elif scene.moment:
            shape = f'[["{label}"]]'
        else:
            shape = f'["{label}"]'
        out.append(f"  {ids[scene_id]}{shape}")
    arrows = {"strong": "==>", "weak": "-.->", "harmful": "-.->", None: "-->", "adequate": "-->"}
    for source, target, label, quality in edges_of(scenario):
        if source not in ids or target not in ids:
            continue
        text = _mermaid_text(f"{label} {quality}" if quality else label)
        out.append(f'  {ids[source]} {arrows[quality]}|"{text}"| {ids[target]}')
    for i, rule in enumerate(scenario.rules):
        if rule.goto in ids:
            out.append(f'  r{i}>"rule {i + 1}: {_mermaid_text(rule.when)}"] -.-> {ids[rule.goto]}')
    return "\n".join(out) + "\n"
