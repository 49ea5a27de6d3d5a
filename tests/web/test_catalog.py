"""The catalog and the briefing: what a trainee sees before a run starts."""

from __future__ import annotations

import shutil

from .helpers import ASKED, DATA, HTMX, choose, start


def test_the_catalog_lists_each_scenario_with_its_client_and_objectives(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert "Coat Still On" in html
    assert 'href="/scenarios/coat-still-on"' in html
    assert "Maya, 29" in html
    assert "Low mood after a breakup" in html
    assert "Beginner" in html and "about 8 minutes" in html
    assert "Notice withdrawal markers" in html
    assert "first-session" in html and "withdrawal" in html
    assert "Continue where you left off" not in html  # nothing started yet


def test_content_warnings_are_shown_in_the_catalog_and_the_briefing(client, folder):
    (folder / "asked.yaml").write_text(ASKED, encoding="utf-8")
    assert "Content warnings:</strong> Bereavement" in client.get("/").text
    briefing = client.get("/scenarios/asked").text
    assert "Content warnings" in briefing and "Bereavement" in briefing


def test_a_broken_file_is_left_out_and_never_stops_the_others(client, folder):
    for broken in ("not-yaml.yaml", "missing-scene.yaml", "alias-bomb.yaml"):
        shutil.copy(DATA / "broken" / broken, folder / broken)
    (folder / "empty.yaml").write_text("", encoding="utf-8")
    (folder / "binary.yaml").write_bytes(b"\xff\xfe\x00bad")
    page = client.get("/")
    assert page.status_code == 200
    assert "Coat Still On" in page.text
    assert page.text.count('class="card"') == 1
    assert "Traceback" not in page.text


def test_an_empty_or_missing_folder_gives_a_calm_catalog(client, folder):
    shutil.rmtree(folder)
    page = client.get("/")
    assert page.status_code == 200
    assert "No scenarios are available yet" in page.text


def test_the_catalog_is_the_same_full_page_for_htmx_and_says_it_varies(client):
    plain, htmx = client.get("/"), client.get("/", headers=HTMX)
    assert plain.text.startswith("<!doctype html>") and htmx.text.startswith("<!doctype html>")
    assert "Coat Still On" in htmx.text
    assert "HX-Request" in plain.headers["Vary"]
    assert "HX-Request" in htmx.headers["Vary"]


def test_continue_lists_this_browsers_unfinished_runs_only(client, other):
    run = start(client)
    choose(client, run, 0, 1)
    done = start(client)
    for step, choice in enumerate((0, 0)):
        choose(client, done, step, choice)
    html = client.get("/").text
    assert "Continue where you left off" in html
    assert f'href="{run}"' in html
    assert "Practice mode · 1 choice made" in html
    assert f'href="{done}"' not in html  # finished: nothing to continue
    assert "Continue where you left off" not in other.get("/").text


def test_the_briefing_shows_the_client_objectives_and_both_modes(client):
    for headers in ({}, HTMX):
        page = client.get("/scenarios/coat-still-on", headers=headers)
        assert page.status_code == 200
        html = page.text
        assert "<h1>Coat Still On</h1>" in html
        assert "Maya works night shifts at a hospital pharmacy." in html
        assert "she/her" in html
        assert "Name the ambivalence without pushing." in html
        assert 'name="mode" value="practice" checked' in html
        assert 'name="mode" value="assessment"' in html
        assert 'action="/scenarios/coat-still-on/runs"' in html
        assert "Start the session" in html


def test_an_unknown_scenario_gets_a_friendly_404(client):
    for headers in ({}, HTMX):
        page = client.get("/scenarios/no-such-thing", headers=headers)
        assert page.status_code == 404
        assert "We couldn&#39;t find that page" in page.text
        assert "Traceback" not in page.text
    assert (
        client.post("/scenarios/no-such-thing/runs", data={"mode": "practice"}).status_code == 404
    )


def test_a_broken_scenario_has_no_briefing(client, folder):
    shutil.copy(DATA / "broken" / "missing-scene.yaml", folder / "missing-scene.yaml")
    assert client.get("/scenarios/broken").status_code == 404
