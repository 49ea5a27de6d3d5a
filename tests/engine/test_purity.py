"""The engine is pure: it imports the standard library and pydantic, nothing else."""

import ast
import sys
from pathlib import Path

ENGINE = Path(__file__).parents[2] / "simulator" / "engine"
ALLOWED = {"pydantic", "__future__"}


def test_the_engine_imports_only_the_standard_library_and_pydantic():
    offenders = []
    for file in sorted(ENGINE.rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in ALLOWED and top not in sys.stdlib_module_names:
                    offenders.append(f"{file.name}: {name}")
    assert offenders == []


def test_the_engine_does_no_io():
    source = "\n".join(f.read_text() for f in ENGINE.rglob("*.py"))
    for word in (" open(", "Path(", "datetime.now", "time.time", "import os", "eval(", "exec("):
        assert word not in source, word
