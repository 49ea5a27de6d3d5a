"""Server time of an open-response match. Target: median under 20 ms.

Typed words are the calibration phrasings (tests/data/phrasings/), matched at their own
key-moment scenes of the bundled scenarios. Two measures, each beside GET /health in the
same run and the same app:
- the match itself, `matcher().match(scene, offered, words)`, timed around the call: what
  the play route adds to a turn (embedding the words, scoring every offered reply; the
  replies' vectors are cached after their first use, as in a running server);
- the instructor's "Test a phrase" request (htmx POST), by the app's own Server-Timing
  header: the match plus the login check and the rendered block.
The model's one-off load is printed too; it happens once per process, on first use.
Run: .venv/bin/python bench/bench_match.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.security import generate_password_hash

from simulator import create_app, matching
from simulator.db import session as db_session
from simulator.models import Instructor
from simulator.scenarios import load_file

ROOT = Path(__file__).parents[1]
PHRASINGS = ROOT / "tests" / "data" / "phrasings"


def cases() -> list[tuple[str, str, str, list[tuple[str, int, object]]]]:
    """(scenario id, scene id, typed words, the scene's replies) for every phrasing."""
    found = []
    for file in sorted(PHRASINGS.glob("*.yaml")):
        scenario = load_file(ROOT / "scenarios" / file.name).scenario
        assert scenario is not None, file.name
        for item in matching.load_phrasings(file, scenario):
            scene = scenario.scenes[item.scene]
            found.append((scenario.id, item.scene, item.text, matching.replies(item.scene, scene)))
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def line(name: str, values: list[float]) -> str:
    median = statistics.median(values) * 1000
    return f"{name}: median {median:.3f} ms, p95 {percentile(values, 0.95) * 1000:.3f} ms"


def server(response) -> float:
    return float(response.headers["Server-Timing"].split("dur=")[1]) / 1000


def main(rounds: int = 3) -> int:
    began = time.perf_counter()
    found = matching.matcher()
    loaded = time.perf_counter() - began
    if not found.available:
        print(f"error: {found.reason}")
        return 1
    typed = cases()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "SCENARIO_DIR": str(ROOT / "scenarios"),
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
            }
        )
        with app.app_context():
            hashed = generate_password_hash("bench password", method="pbkdf2:sha256:1")
            db_session().add(Instructor(email="bench@example.org", password_hash=hashed))
            db_session().commit()
        client = app.test_client()
        login = {"email": "bench@example.org", "password": "bench password"}
        assert client.post("/login", data=login).status_code == 303
        htmx = {"HX-Request": "true"}

        def health() -> float:
            response = client.get("/health")
            assert response.status_code == 200
            return server(response)

        def phrase(scenario_id: str, scene: str, words: str) -> float:
            data = {"scene": scene, "words": words}
            response = client.post(
                f"/author/scenarios/{scenario_id}/phrase", data=data, headers=htmx
            )
            assert response.status_code == 200 and b"phrase-ranking" in response.data
            return server(response)

        for scenario_id, scene, words, replies in typed:  # warm: reply vectors, templates
            found.match(scene, replies, words)
            phrase(scenario_id, scene, words)
            health()
        direct, posted, baseline = [], [], []
        for _ in range(rounds):
            for scenario_id, scene, words, replies in typed:
                start = time.perf_counter()
                found.match(scene, replies, words)
                direct.append(time.perf_counter() - start)
                posted.append(phrase(scenario_id, scene, words))
                baseline.append(health())
        app.extensions["rapport.db"].engine.dispose()
    print(f"model load, once per process: {loaded * 1000:.0f} ms")
    print(f"matches timed: {len(direct)} ({len(typed)} phrasings x {rounds})")
    print(line("baseline GET /health (server)", baseline))
    print(line("match() call (direct)        ", direct))
    print(line("Test a phrase, htmx (server)  ", posted))
    median = statistics.median(direct) * 1000
    ok = median < 20.0
    print(f"target: match under 20 ms median: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
