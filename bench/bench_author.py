"""The instructor pages: server time per request, on a generated 200-scene scenario and on
the largest bundled one.

Measured: a scenario page the first time its version is seen (Graphviz and the page; the
path analysis comes in a second request, fetched by htmx), that analysis request, the page
again once both are cached by digest, the library page, and one live validation of the
editor (what each pause in typing costs). Baselines in the same run: GET /health; loading
and validating the text by a direct call; the path analysis by a direct call.
Server time is the app's own Server-Timing header.
Targets: the analysis request within 1.2x the analysis alone; a live validation within 2x
load + validate (it adds the request, the duplicate-id check and the block); a bundled
scenario's page, first view, under 300 ms; a cached 200-scene page under 250 ms.
Run: .venv/bin/python bench/bench_author.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import big_scenario  # noqa: E402

from simulator import authoring, create_app, db  # noqa: E402
from simulator.engine.analysis import analyze  # noqa: E402
from simulator.models import Instructor  # noqa: E402
from simulator.scenarios import load_text  # noqa: E402

ROOT = Path(__file__).parents[1]


def server_ms(response) -> float:
    return float(response.headers["Server-Timing"].split("dur=")[1])


def median_ms(call: Callable[[], object], runs: int) -> float:
    return statistics.median(server_ms(call()) for _ in range(runs))


def direct_ms(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> int:
    text = big_scenario(200)
    with tempfile.TemporaryDirectory() as folder:
        scenarios = Path(folder) / "scenarios"
        scenarios.mkdir()
        for bundled in (ROOT / "scenarios").glob("*.yaml"):
            (scenarios / bundled.name).write_bytes(bundled.read_bytes())
        (scenarios / "generated.yaml").write_text(text, encoding="utf-8")
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "SCENARIO_DIR": str(scenarios),
                "SECRET_KEY": "bench",
                "WTF_CSRF_ENABLED": False,
            }
        )
        with app.app_context():
            session = db.session()
            session.add(Instructor(email="bench@example.org", password_hash="pbkdf2:sha256:1$x$y"))
            session.commit()
            user_id = session.query(Instructor).one().id
        client = app.test_client()
        with client.session_transaction() as cookie:
            cookie["_user_id"] = str(user_id)
            cookie["_fresh"] = True
        htmx = {"HX-Request": "true"}

        def get(url: str):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        def first_view(scenario_id: str = "generated"):
            authoring._cache.items.clear()
            response = get(f"/author/scenarios/{scenario_id}")
            assert b"<svg" in response.data and b"hx-trigger" in response.data
            return response

        def analysed(scenario_id: str = "generated"):
            authoring._cache.items.clear()
            response = client.get(f"/author/scenarios/{scenario_id}/analysis", headers=htmx)
            assert response.status_code == 200 and b"states." in response.data
            return response

        def validate():
            response = client.post(
                "/author/files/generated.yaml/validate", data={"text": text}, headers=htmx
            )
            assert response.status_code == 200 and b"ready to save" in response.data
            return response

        for _ in range(3):  # warm up: templates, connection pool, the library's reads
            get("/health")
            get("/author/")
        health = median_ms(lambda: get("/health"), 50)
        loaded = load_text(text, "generated.yaml")
        assert loaded.scenario is not None
        validating = direct_ms(lambda: load_text(text, "generated.yaml"), 5)
        analysing = direct_ms(lambda: analyze(loaded.scenario), 5)
        cold = median_ms(first_view, 5)
        analysis_request = median_ms(analysed, 5)
        bundled = median_ms(lambda: first_view("do-you-even-care"), 10)
        bundled_analysis = median_ms(lambda: analysed("do-you-even-care"), 5)
        get("/author/scenarios/generated/analysis")  # both cached now
        warm = median_ms(lambda: get("/author/scenarios/generated"), 20)
        library = median_ms(lambda: get("/author/"), 20)
        live = median_ms(validate, 20)
        size = len(get("/author/scenarios/generated").data) // 1024
        library_files = len(list(scenarios.glob("*.yaml")))
        app.extensions["rapport.db"].engine.dispose()

    print(f"files in the library: {library_files}")
    print(f"baseline GET /health:                  {health:8.2f} ms")
    print(f"baseline load + validate (direct):     {validating:8.1f} ms")
    print(f"baseline path analysis (direct):       {analysing:8.1f} ms")
    print(f"200 scenes: page, first view:          {cold:8.1f} ms")
    print(
        f"200 scenes: analysis request (htmx):   {analysis_request:8.1f} ms  "
        f"({analysis_request / analysing:.2f}x the analysis)"
    )
    print(f"200 scenes: page, cached:              {warm:8.1f} ms  ({size} KB of HTML)")
    print(f"bundled (25 scenes): page, first view: {bundled:8.1f} ms")
    print(f"bundled (25 scenes): analysis request: {bundled_analysis:8.1f} ms")
    print(f"library page:                          {library:8.1f} ms")
    print(
        f"live validation (htmx POST):           {live:8.1f} ms  "
        f"({live / validating:.2f}x load + validate)"
    )
    ok = (
        analysis_request < 1.2 * analysing
        and live < 2 * validating
        and bundled < 300
        and warm < 250
    )
    print(f"targets (1.2x analysis, 2x validate, 300 ms, 250 ms): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
