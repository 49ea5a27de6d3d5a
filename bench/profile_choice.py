"""Where a choice's server time goes: the SQL statements one choice runs, and a profile.

Plays the looping scenario of bench_choice.py in process (SQLite, warm), prints each SQL
statement of one htmx choice, then profiles 300 more choices with cProfile (or
pyinstrument with --pyinstrument, when it is installed).
Run: .venv/bin/python bench/profile_choice.py [--pyinstrument] [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_choice import LOOP, first_reply  # noqa: E402

from simulator import create_app  # noqa: E402


def player(client: Any) -> Callable[[], Any]:
    """A function that makes the next choice of an endless practice run."""
    htmx = {"HX-Request": "true"}
    run = str(client.post("/scenarios/loop/runs", data={"mode": "practice"}).headers["Location"])
    where = {"step": 0, "reply": first_reply(client.get(run).data)}

    def choose() -> Any:
        data = {"step": str(where["step"]), "reply": where["reply"]}
        response = client.post(f"{run}/choose", data=data, headers=htmx)
        assert response.status_code == 200, response.status_code
        where["step"] = int(where["step"]) + 1
        where["reply"] = first_reply(response.data)
        return response

    return choose


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--choices", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scenarios = Path(folder) / "scenarios"
        scenarios.mkdir()
        (scenarios / "loop.yaml").write_text(LOOP)
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "SCENARIO_DIR": str(scenarios),
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
            }
        )
        client = app.test_client()
        choose = player(client)
        for _ in range(20):
            choose()
        statements: list[str] = []
        engine = app.extensions["rapport.db"].engine

        def seen(statement: str) -> None:  # at the driver: db.Direct's statements too
            words = statement.split()
            if words and words[0] not in ("BEGIN", "COMMIT"):
                statements.append(" ".join(words)[:160])

        def trace(dbapi_connection: Any, *_rest: Any) -> None:
            dbapi_connection.set_trace_callback(seen)

        event.listen(engine, "checkout", trace)
        choose()
        event.remove(engine, "checkout", trace)
        engine.dispose()  # no connection keeps tracing
        print(f"SQL statements in one choice: {len(statements)}")
        for statement in statements:
            print("  ", statement)
        if args.pyinstrument:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            profiler.start()
            for _ in range(args.choices):
                choose()
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
        else:
            profile = cProfile.Profile(time.process_time)  # CPU time: a busy machine waits less in it
            profile.enable()
            for _ in range(args.choices):
                choose()
            profile.disable()
            stats = pstats.Stats(profile)
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
