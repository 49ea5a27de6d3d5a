"""The debrief page: only for a finished run, with the path, chart, table, ruptures, disclosures."""

from __future__ import annotations

import re

from .helpers import ASKED, HTMX, WITH_THOUGHT, choose, rows, start


def play(client, run, *choices):
    for step, choice in enumerate(choices):
        assert choose(client, run, step, choice).status_code == 303


def test_an_unfinished_run_has_no_debrief_yet(client):
    run = start(client)
    for headers in ({}, HTMX):
        response = client.get(f"{run}/debrief", headers=headers)
        assert response.status_code == 303
        assert response.headers["Location"] == run


def test_the_debrief_tells_the_whole_session(client, folder):
    (folder / "coat-still-on.yaml").write_text(WITH_THOUGHT, encoding="utf-8")
    run = start(client, mode="assessment")
    client.post(f"{run}/hint", data={"step": "0"})  # refused in assessment: not recorded
    play(client, run, 2, 0, 0)  # rupture at arrival, repaired in shutdown, good ending
    page = client.get(f"{run}/debrief")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.text
    assert "Debrief: Coat Still On" in html
    assert "Outcome: Good" in html and "A first foothold" in html
    # the path, with what assessment mode kept hidden until now
    assert html.count('class="path-step"') == 3
    assert "Pushing on to goals ignores the withdrawal marker." in html
    assert "Quality: harmful" in html
    assert "If this goes badly I can say I tried." in html
    assert "Attentiveness fell by 10 to 40. Trust fell by 10 to 25." in html
    assert "Another reply to try" in html
    assert "It sounds like coming here wasn&#39;t entirely your idea." in html
    # the rupture and its repair
    assert "Withdrawal rupture: repaired" in html
    assert "Opened at choice 1." in html and "Repaired at choice 2." in html
    # the chart and its table
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg is not None
    assert 'role="img"' in svg.group(0)
    assert '<title id="chart-title">' in svg.group(0) and '<desc id="chart-desc">' in svg.group(0)
    assert "Trust went from 35 to 45." in svg.group(0)
    assert 'stroke-dasharray="10 5"' in svg.group(0)  # lines differ by dash, not colour alone
    assert ">Trust 45</text>" in svg.group(0)  # direct labels
    assert "Rupture: withdrawal" in svg.group(0) and "Repair" in svg.group(0)
    table = re.search(r"<table.*?</table>", html, re.S)
    assert table is not None
    assert table.group(0).count("<tr>") == 5  # header, start, three choices
    assert '<th scope="row">Choice 1</th>' in table.group(0)
    assert "Play again" in html
    assert 'action="/scenarios/coat-still-on/runs"' in html
    assert 'name="mode" value="assessment"' in html
    assert "Hints you asked for" not in html
    assert client.get(f"{run}/debrief", headers=HTMX).text == html  # one page either way


def test_an_unrepaired_rupture_is_named_gently(client):
    run = start(client)
    play(client, run, 2, 1)  # rupture, then trust falls to the walkout
    html = client.get(f"{run}/debrief").text
    assert "Withdrawal rupture: not repaired" in html
    assert "Maya leaves early" in html
    assert "what might have invited Maya back" in html
    text = re.sub(r"<[^>]+>", " ", html).lower()
    for word in ("wrong", "bad", "failed", "failure"):
        assert not re.search(rf"\b{word}\b", text), word


def test_disclosures_and_hints_are_in_the_debrief(client, folder):
    (folder / "asked.yaml").write_text(ASKED, encoding="utf-8")
    run = start(client, scenario="asked")
    client.post(f"{run}/hint", data={"step": "0"})
    play(client, run, 1)
    html = client.get(f"{run}/debrief").text
    assert "Self-disclosure" in html
    assert "Choice 1: Excessive" in html
    assert "the therapist&#39;s own needs take over" in html
    assert "Whose need did this answer meet" in html
    assert "Hints you asked for" in html
    assert "A brief answer can help if it comes back to him." in html
    assert "Hint used" in html
    assert "I have. I&#39;m wondering what it would mean to you if I had." in html  # stronger


def test_play_again_starts_a_new_run_in_the_same_mode(client, app):
    run = start(client, mode="assessment")
    play(client, run, 0, 0)
    again = client.post("/scenarios/coat-still-on/runs", data={"mode": "assessment"})
    assert again.status_code == 303 and again.headers["Location"] != run
    found, steps = rows(app, again.headers["Location"])
    assert found.mode == "assessment" and steps == []
