"""Server time of the class views with 300 trainees. Target: median under 50 ms each, warm.

One class session of 300 trainees on two bundled scenarios, each trainee's runs played by the
engine with seeded random choices (most finished, some part-way, one in ten replayed), and,
around it, other classes' and solo runs so that the queries have to find the class's rows.
Measured through the Flask test client, as htmx polls them (the `board`, `moments` and
`roster` blocks) and as full pages, from the app's own Server-Timing header. Baseline in the
same run: GET /health.
Run: .venv/bin/python bench/bench_scoreboard.py
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from werkzeug.security import generate_password_hash

from simulator import create_app
from simulator.classroom import new_code
from simulator.db import session as db_session
from simulator.engine import play as engine
from simulator.models import Classroom, Instructor, Run, StepRow, Trainee, keep_text
from simulator.scenarios import Library
from simulator.standings import moment_scenes, split_query, standings_query

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("first-session", "waste-of-time")
TRAINEES = 300
OTHER_CLASSES = 4  # of 150 trainees each, on the same scenarios
SOLO_RUNS = 2000
TARGET_MS = 50.0
REPEATS = 60


def play_run(rng: random.Random, scenario: Any, finish: bool) -> tuple[Any, list[Any]]:
    """Random offered choices until the end (or part-way when not `finish`)."""
    state = engine.start(scenario)
    steps = []
    stop_at = None if finish else rng.randint(1, 4)
    while not state.finished and (stop_at is None or len(steps) < stop_at):
        offered = engine.offered(scenario, state)
        index = rng.choice(offered)[0]
        state, step = engine.choose(scenario, state, index)
        steps.append(step)
    return state, steps


def make_run(loaded: tuple[Any, str, str], state: Any, steps: list[Any], **columns: Any) -> Run:
    scenario, digest, _source = loaded
    run = Run(
        scenario_id=scenario.id,
        title=scenario.title,
        scenario_digest=digest,
        mode="practice",
        **columns,
    )
    run.advance(state)  # the outcome comes from the state itself
    run.step_rows = [StepRow.of(run, step) for step in steps]
    return run


def populate(app: Any, rng: random.Random) -> str:
    """The measured class (returns its code), other classes, and solo runs."""
    library = Library(ROOT / "scenarios")
    loaded = {}
    for entry in library.entries():
        scenario = entry.loaded.scenario
        if scenario is not None and scenario.id in SCENARIOS:
            loaded[scenario.id] = (scenario, entry.loaded.digest, entry.loaded.source)
    with app.app_context():
        db = db_session()
        for _scenario, digest, source in loaded.values():
            keep_text(db, digest, source)
        teacher = Instructor(
            email="bench@example.org",
            password_hash=generate_password_hash("bench password", "pbkdf2:sha256:1"),
        )
        db.add(teacher)
        db.flush()
        codes = []
        for number, size in enumerate([TRAINEES] + [150] * OTHER_CLASSES):
            classroom = Classroom(
                code=new_code(),
                name=f"Bench class {number}",
                instructor_id=teacher.id,
                scenario_ids=list(SCENARIOS),
                mode="practice",
                board="ranked",
            )
            db.add(classroom)
            db.flush()
            codes.append(classroom.code)
            for t in range(size):
                trainee = Trainee(
                    classroom_id=classroom.id,
                    name=f"Trainee {t:03d}",
                    key=f"trainee {t:03d}",
                    owner=f"b{number}-{t}",
                )
                db.add(trainee)
                db.flush()
                for scenario_id in SCENARIOS:
                    attempts = 2 if rng.random() < 0.1 else 1
                    for attempt in range(1, attempts + 1):
                        state, steps = play_run(
                            rng, loaded[scenario_id][0], finish=rng.random() < 0.8
                        )
                        db.add(
                            make_run(
                                loaded[scenario_id],
                                state,
                                steps,
                                owner=trainee.owner,
                                classroom_id=classroom.id,
                                trainee_id=trainee.id,
                                attempt=attempt,
                            )
                        )
            db.commit()
        for n in range(SOLO_RUNS):
            scenario_id = SCENARIOS[n % 2]
            state, steps = play_run(rng, loaded[scenario_id][0], finish=True)
            db.add(make_run(loaded[scenario_id], state, steps, owner=f"solo-{n}"))
        db.commit()
        return codes[0]


def counts(app: Any, code: str) -> dict[str, int]:
    with app.app_context():
        db = db_session()
        classroom_id = db.execute(
            text("select id from classrooms where code = :c"), {"c": code}
        ).scalar()
        return {
            "runs (all)": db.execute(text("select count(*) from runs")).scalar() or 0,
            "steps (all)": db.execute(text("select count(*) from steps")).scalar() or 0,
            "runs (class)": db.execute(
                text("select count(*) from runs where classroom_id = :c"), {"c": classroom_id}
            ).scalar()
            or 0,
            "steps (class)": db.execute(
                text(
                    "select count(*) from steps join runs on runs.id = steps.run_id where classroom_id = :c"
                ),
                {"c": classroom_id},
            ).scalar()
            or 0,
        }


def plans(app: Any, code: str) -> list[str]:
    """SQLite's plan for each of the two read queries: indexes, not scans of every run."""
    out = []
    with app.app_context():
        db = db_session()
        classroom_id = db.execute(
            text("select id from classrooms where code = :c"), {"c": code}
        ).scalar()
        engine_ = db.get_bind()
        library = Library(ROOT / "scenarios")
        scenes = moment_scenes([s for s, _digest in library.scenarios() if s.id in SCENARIOS])
        for name, query in (
            ("standings", standings_query(classroom_id)),
            ("split", split_query(classroom_id, scenes)),
        ):
            compiled = query.compile(engine_, compile_kwargs={"literal_binds": True})
            rows = db.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            out.append(f"{name}: " + "; ".join(str(row[-1]) for row in rows))
    return out


def timed(call: Any) -> tuple[float, float]:
    began = time.perf_counter()
    response = call()
    wall = time.perf_counter() - began
    assert response.status_code == 200, response.status_code
    return float(response.headers["Server-Timing"].split("dur=")[1]), wall * 1000


def main() -> int:
    rng = random.Random(20261125)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "SCENARIO_DIR": str(ROOT / "scenarios"),
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
            }
        )
        began = time.perf_counter()
        code = populate(app, rng)
        print(f"generated in {time.perf_counter() - began:.1f} s: {counts(app, code)}")
        for line in plans(app, code):
            print(line)
        client = app.test_client()
        response = client.post(
            "/login", data={"email": "bench@example.org", "password": "bench password"}
        )
        assert response.status_code == 303
        htmx = {"HX-Request": "true"}
        views = {
            "baseline GET /health": lambda: client.get("/health"),
            "board (htmx poll)": lambda: client.get(f"/classes/{code}/board", headers=htmx),
            "moments (htmx poll)": lambda: client.get(f"/classes/{code}/moments", headers=htmx),
            "roster (htmx poll)": lambda: client.get(f"/classes/{code}", headers=htmx),
            "board (full page)": lambda: client.get(f"/classes/{code}/board"),
            "moments (full page)": lambda: client.get(f"/classes/{code}/moments"),
        }
        page = client.get(f"/classes/{code}/board").text
        assert page.count("<tr") == TRAINEES + 1, page.count("<tr")
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in views}
        for _ in range(5):  # warm up: caches, templates, the connection pool
            for call in views.values():
                call()
        for _ in range(REPEATS):  # interleaved, so a busy moment hits every view alike
            for name, call in views.items():
                results[name].append(timed(call))
        app.extensions["rapport.db"].engine.dispose()
    base = statistics.median(t[0] for t in results["baseline GET /health"])
    ok = True
    print(f"\n{'view':<22} {'server median':>14} {'p90':>9} {'wall median':>12}  vs baseline")
    for name, times in results.items():
        server = statistics.median(t[0] for t in times)
        p90 = statistics.quantiles([t[0] for t in times], n=10)[-1]
        wall = statistics.median(t[1] for t in times)
        print(
            f"{name:<22} {server:>11.2f} ms {p90:>6.2f} ms {wall:>9.2f} ms  {server / base:>6.0f}x"
        )
        if name != "baseline GET /health" and server >= TARGET_MS:
            ok = False
    print(f"\ntarget under {TARGET_MS:.0f} ms server time each: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
