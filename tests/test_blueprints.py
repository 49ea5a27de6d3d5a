"""Blueprints stay thin: no SQL, file system or locking of their own. They call query
functions (models, standings) and the scenario Library, which own those."""

import ast
from pathlib import Path

SIMULATOR = Path(__file__).parents[1] / "simulator"
# the only parts of SQLAlchemy a view may name: the errors it turns into answers
ALLOWED_SQLALCHEMY = {"sqlalchemy.exc", "sqlalchemy.orm.exc"}
FORBIDDEN_MODULES = {"os", "tempfile", "shutil", "threading"}
# calls that write, move or delete files, or take a lock
FORBIDDEN_CALLS = {
    "open",
    "write_text",
    "write_bytes",
    "touch",
    "mkdir",
    "unlink",
    "rmdir",
    "mkstemp",
    "Lock",
    "RLock",
}


def blueprint_files() -> list[Path]:
    """Every module that defines views: auth, author, play and the classroom package."""
    files = [SIMULATOR / name for name in ("auth.py", "author.py", "play.py")]
    return files + sorted((SIMULATOR / "classroom").glob("*.py"))


def offences(file: Path) -> list[str]:
    """What in one module a blueprint must not do, as 'file:line: what'."""
    found = []
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in FORBIDDEN_CALLS:
                found.append(f"{file.name}:{node.lineno}: calls {name}()")
            continue
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            sql = top == "sqlalchemy" and name not in ALLOWED_SQLALCHEMY
            if sql or top in FORBIDDEN_MODULES:
                found.append(f"{file.name}:{node.lineno}: imports {name}")
    return found


def test_every_blueprint_module_is_checked():
    names = {file.name for file in blueprint_files() if file.is_file()}
    assert {"auth.py", "author.py", "play.py", "instructor.py", "room.py", "trainees.py"} <= names


def test_blueprints_import_no_sqlalchemy_but_its_errors_and_no_file_or_lock_modules():
    found = [offence for file in blueprint_files() for offence in offences(file)]
    assert found == []


def test_the_check_catches_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "from sqlalchemy import select\n"
        "from sqlalchemy.exc import IntegrityError\n"
        "from sqlalchemy.orm.exc import StaleDataError\n"
        "open('x', 'w')\n"
        "path.write_text('x')\n"
        "lock = threading.Lock()\n"
    )
    assert offences(sample) == [
        "sample.py:1: imports os",
        "sample.py:2: imports sqlalchemy",
        "sample.py:5: calls open()",
        "sample.py:6: calls write_text()",
        "sample.py:7: calls Lock()",
    ]
