"""The debrief package stays readable and pure: no function over 60 lines, and (since the
engine's purity test reads only the top-level modules) only the standard library, pydantic
and the engine itself imported, with no I/O."""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "simulator" / "engine" / "debrief"
FILES = sorted(PACKAGE.glob("*.py"))
LIMIT = 60


def test_the_debrief_is_a_package_split_by_kind_of_content():
    names = {file.stem for file in FILES}
    assert {"__init__", "values", "words", "replay", "review", "coaching"} <= names
    assert not (PACKAGE.parent / "debrief.py").exists()


def test_no_function_in_the_debrief_is_over_sixty_lines():
    long = []
    for file in FILES:
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > LIMIT:
                    long.append(f"{file.name}:{node.lineno} {node.name} has {length} lines")
    assert long == []


def test_the_debrief_imports_only_the_standard_library_pydantic_and_the_engine():
    offenders = []
    for file in FILES:
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in {"pydantic", "__future__"} and top not in sys.stdlib_module_names:
                    offenders.append(f"{file.name}: {name}")
    assert offenders == []


def test_the_debrief_does_no_io():
    source = "\n".join(file.read_text() for file in FILES)
    for word in (" open(", "Path(", "datetime.now", "time.time", "import os", "eval(", "exec("):
        assert word not in source, word
