"""The catalog and the briefing: what a trainee sees before a run starts."""

from __future__ import annotations

import re
import shutil

import pytest

from .helpers import ASKED, COAT, DATA, HTMX, choose, start

COAT_TEXT = COAT.read_text(encoding="utf-8")


def test_the_catalog_card_is_compact_and_the_briefing_has_the_objectives(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    card = re.search(r'<li class="card">(.*?)</li>', html, re.S)
    assert card is not None
    card_html = card.group(1)
    assert 'href="/scenarios/coat-still-on"' in card_html and "Coat Still On" in card_html
    assert "Maya, 29" in card_html
    assert "Beginner" in card_html and "about 8 minutes" in card_html
    assert "A first session with a client who did not choose to come." in card_html
    assert 'role="img" aria-label="Illustration of Maya, the client"' in card_html
    assert "Notice withdrawal markers" not in html  # objectives are in the briefing now
    assert "Notice withdrawal markers" in client.get("/scenarios/coat-still-on").text
    assert "Continue where you left off" not in html  # nothing started yet


def scenario_file(sid: str, title: str, difficulty: str, tags: str, concern: str) -> str:
    return (
        COAT_TEXT.replace("id: coat-still-on", f"id: {sid}")
        .replace("title: Coat Still On", f"title: {title}")
        .replace("difficulty: beginner", f"difficulty: {difficulty}")
        .replace("tags: [first-session, withdrawal]", f"tags: [{tags}]")
        .replace(
            "concern: Low mood after a breakup; came because her sister insisted.",
            f"concern: {concern}",
        )
    )


@pytest.fixture
def library(folder):
    for sid, title, level, tags, concern in (
        (
            "zeta",
            "A Late Advanced One",
            "advanced",
            "confrontation",
            "Anger at a previous therapist.",
        ),
        ("alpha", "Zebra Crossing", "beginner", "withdrawal", "Grief after a move."),
        ("mid", "Middle Ground", "intermediate", "disclosure, withdrawal", "Panic at work."),
    ):
        (folder / f"{sid}.yaml").write_text(
            scenario_file(sid, title, level, tags, concern), encoding="utf-8"
        )
    return folder


def titles(html: str) -> list[str]:
    return re.findall(r'<h3 id="scenario-[^"]+"><a href="[^"]+">([^<]+)</a>', html)


def test_cards_go_from_beginner_to_advanced(client, library):
    assert titles(client.get("/").text) == [
        "Coat Still On",
        "Zebra Crossing",
        "Middle Ground",
        "A Late Advanced One",
    ]


def test_filters_by_difficulty_and_tag_and_search_without_javascript(client, library):
    assert titles(client.get("/?difficulty=intermediate").text) == ["Middle Ground"]
    assert titles(client.get("/?tag=withdrawal").text) == [
        "Coat Still On",
        "Zebra Crossing",
        "Middle Ground",
    ]
    assert titles(client.get("/?tag=withdrawal&difficulty=beginner").text) == [
        "Coat Still On",
        "Zebra Crossing",
    ]
    # search looks in titles, summaries, client names, concerns and tags; every word must match
    assert titles(client.get("/?q=panic").text) == ["Middle Ground"]
    assert titles(client.get("/?q=GRIEF+move").text) == ["Zebra Crossing"]
    assert titles(client.get("/?q=grief+anger").text) == []
    page = client.get("/?q=panic&difficulty=intermediate").text
    assert "1 of 4 scenarios match" in page and 'value="panic"' in page
    assert '<option value="intermediate" selected>' in page and ">Clear</a>" in page
    assert "No scenario matches" in client.get("/?q=nothing-like-this").text


def test_unknown_filters_are_named_and_dropped(client, library):
    page = client.get("/?difficulty=expert&tag=nope").text
    assert "There is no difficulty “expert”: showing every difficulty." in page
    assert "No scenario has the tag “nope”: showing every tag." in page
    assert len(titles(page)) == 4
    long = client.get("/?q=" + "x" * 5000)
    assert long.status_code == 200 and 'value="' + "x" * 100 + '"' in long.text


def test_a_large_library_is_read_page_by_page_keeping_the_filters(client, folder, monkeypatch):
    from simulator import catalog

    monkeypatch.setattr(catalog, "PAGE_SIZE", 2)
    for n in range(4):  # with the example: 5 scenarios, 3 pages of 2
        sid = f"extra-{n}"
        text = scenario_file(sid, f"Extra {n}", "advanced", "withdrawal", "Panic at work.")
        (folder / f"{sid}.yaml").write_text(text, encoding="utf-8")
    first = client.get("/").text
    assert titles(first) == ["Coat Still On", "Extra 0"]
    assert "5 scenarios, beginner first: 1 to 2 on this page." in first
    assert 'aria-current="page">Page 1 of 3<' in first and "Previous page" not in first
    assert 'rel="next" href="/?page=2">Next page' in first
    last = client.get("/?page=3").text
    assert titles(last) == ["Extra 3"] and "Next page" not in last
    assert 'rel="prev" href="/?page=2">Previous page' in last
    assert titles(client.get("/?page=99").text) == ["Extra 3"]  # past the end: the last
    # the filters go with the page links
    found = client.get("/?q=panic&tag=withdrawal").text
    assert "4 of 5 scenarios match: 1 to 2 on this page." in found
    assert 'href="/?q=panic&amp;tag=withdrawal&amp;page=2">Next page' in found
    assert titles(client.get("/?q=panic&tag=withdrawal&page=2").text) == ["Extra 2", "Extra 3"]
    for bad in ("0", "-1", "two", "9" * 50):
        page = client.get(f"/?page={bad}").text
        assert f"There is no page “{bad[:40]}”: showing the first." in page
        assert titles(page) == ["Coat Still On", "Extra 0"]


def test_the_tag_list_offers_the_most_used_tags_first(client, library):
    page = client.get("/").text
    options = re.findall(r'<option value="([a-z-]+)"', page.split('id="find-tag"')[1])
    assert options[0] == "withdrawal" and set(options) >= {
        "confrontation",
        "disclosure",
        "first-session",
    }


def test_the_tag_filter_lists_the_sixty_most_used_and_any_tag_can_still_be_asked_for(
    client, folder
):
    many = ", ".join(f"tag-{n:05d}" for n in range(5000))  # a file of thousands of tags
    (folder / "tags.yaml").write_text(
        scenario_file("tags", "Tags", "beginner", f"withdrawal, {many}", "Tags."),
        encoding="utf-8",
    )
    page = client.get("/").text
    options = re.findall(r'<option value="([a-z0-9-]+)"', page.split('id="find-tag"')[1])
    assert len(options) == 60 and options[:2] == ["withdrawal", "first-session"]
    assert len(page) < 40_000
    rare = client.get("/?tag=tag-04999").text  # past the sixty: still a filter, and shown
    assert "Tags" in titles(rare) and "Coat Still On" not in titles(rare)
    assert '<option value="tag-04999" selected>' in rare


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


def test_briefing_text_flows_into_paragraphs(client, folder):
    text = COAT_TEXT.replace(
        "    Maya works night shifts at a hospital pharmacy.\n",
        "    Maya works night shifts at a hospital\n    pharmacy.\n\n    Her sister drove her here.\n",
    )
    (folder / "coat-still-on.yaml").write_text(text, encoding="utf-8")
    page = client.get("/scenarios/coat-still-on").text
    assert (
        "<p>Maya works night shifts at a hospital pharmacy.</p><p>Her sister drove her here.</p>"
        in page
    )
