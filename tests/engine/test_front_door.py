"""The engine's front door: code outside simulator/engine imports only `simulator.engine`."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import pytest

import simulator
import simulator.engine

ROOT = Path(simulator.__file__).parent
ENGINE = ROOT / "engine"
# the engine's submodules and subpackages: model, play, analysis, debrief, ...
SUBMODULES = frozenset(info.name for info in pkgutil.iter_modules([str(ENGINE)]))


def _outside() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if ENGINE not in p.parents)


def _package(path: Path) -> list[str]:
    """The dotted package a module lives in, as relative imports resolve against."""
    return ["simulator", *path.parent.relative_to(ROOT).parts]


def _resolved(node: ast.ImportFrom, path: Path) -> str:
    if not node.level:
        return node.module or ""
    base = _package(path)[: len(_package(path)) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _submodule_imports(path: Path, text: str | None = None) -> list[str]:
    """Every import in a module that reaches past the front door, as `line: name`."""
    found: list[str] = []
    source = path.read_text(encoding="utf-8") if text is None else text
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.startswith("simulator.engine.")
            ]
        elif isinstance(node, ast.ImportFrom):
            module = _resolved(node, path)
            if module.startswith("simulator.engine."):
                found.append(f"{node.lineno}: from {module} import ...")
            elif module == "simulator.engine":
                found += [
                    f"{node.lineno}: from simulator.engine import {alias.name}"
                    for alias in node.names
                    if alias.name in SUBMODULES
                ]
    return found


def test_the_engine_has_submodules_to_hide() -> None:
    assert {"model", "play", "analysis", "debrief", "conditions"} <= SUBMODULES
    assert len(_outside()) > 10


@pytest.mark.parametrize("path", _outside(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_outside_the_engine_import_only_its_front_door(path: Path) -> None:
    assert _submodule_imports(path) == []


def test_the_check_sees_each_way_past_the_front_door() -> None:
    text = (
        "from ..engine.model import Scenario\n"
        "from ..engine import debrief, Scenario\n"
        "import simulator.engine.play\n"
        "from simulator.engine.analysis import check\n"
        "from ..engine import Meters\n"
        "from . import engine\n"
    )
    # relative imports resolve as if the text sat in simulator/classroom
    found = _submodule_imports(ROOT / "classroom" / "example.py", text)
    assert [line.split(":")[0] for line in found] == ["1", "2", "3", "4"]


def test_every_name_the_front_door_offers_exists() -> None:
    names = simulator.engine.__all__
    assert len(names) == len(set(names))
    missing = [name for name in names if not hasattr(simulator.engine, name)]
    assert missing == []
