"""Remake the databases a build from before migrations left behind (run from a checkout of
that build, e.g. `git archive 179eeb0 | tar -x -C /tmp/old`):

    cd /tmp/old && PYTHONPATH=. python /path/to/make.py sqlite:////tmp/old.db OUT.sql

It plays the old app through its pages (an instructor, a class, a trainee's finished run, a
practice run in progress) and writes the database as SQL: SQLite's dump, or pg_dump's for a
PostgreSQL URL, with the schema left unnamed so a test can load it into any schema.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from simulator import create_app
from tests.web.classes import create_class, joined, log_in, make_instructor, play
from tests.web.classes import start as class_start
from tests.web.helpers import COAT, choose, start

url, out = sys.argv[1], Path(sys.argv[2])
app = create_app(
    {"DATABASE_URL": url, "SCENARIO_DIR": str(COAT.parent), "SECRET_KEY": "old"}
    | {"TESTING": True, "WTF_CSRF_ENABLED": False}
)
teacher = app.test_client()
make_instructor(app, "ada@example.org")
log_in(teacher, "ada@example.org")
code = create_class(teacher)
trainee = app.test_client()
joined(trainee, code, "Ana")
play(trainee, class_start(trainee, code), [0, 0])
practice = app.test_client()
choose(practice, start(practice), 0, 2)
app.extensions["rapport.db"].engine.dispose()
if url.startswith("sqlite"):
    with sqlite3.connect(url.removeprefix("sqlite:///")) as raw:
        out.write_text("\n".join(raw.iterdump()) + "\n", encoding="utf-8")
else:
    dump = subprocess.run(
        ["pg_dump", "--inserts", "--no-owner", "--no-privileges", "--schema=public"]
        + [url.replace("+psycopg", "")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [
        line
        for line in dump.replace("public.", "").splitlines()
        if not re.match(r"(SELECT pg_catalog.set_config|CREATE SCHEMA|COMMENT ON SCHEMA|--|\\)", line)
    ]
    out.write_text("\n".join(line for line in lines if line.strip()) + "\n", encoding="utf-8")
