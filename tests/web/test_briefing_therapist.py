"""The briefing says who the trainee is and where the session takes place in law, when the
scenario says so, and shows no such block when it does not; the debrief's JSON carries both."""

from __future__ import annotations

import json

from .helpers import COAT, choose, start

WITH_THERAPIST = (
    COAT.read_text(encoding="utf-8")
    .replace(
        "meters:",
        "therapist:\n"
        "  role: Trainee counsellor on placement\n"
        "  setting: A university counselling service\n"
        "  facts: You have never had a drinking problem & never been to a meeting.\n"
        "jurisdiction: England (UK)\n"
        "meters:",
        1,
    )
    .replace("id: coat-still-on", "id: coat-with-therapist")
)


def test_the_briefing_shows_the_therapist_and_the_jurisdiction(client, folder):
    (folder / "coat-with-therapist.yaml").write_text(WITH_THERAPIST, encoding="utf-8")
    html = client.get("/scenarios/coat-with-therapist").text
    assert "You, the therapist" in html
    assert "<dt>Role</dt><dd>Trainee counsellor on placement</dd>" in html
    assert "<dt>Setting</dt><dd>A university counselling service</dd>" in html
    # the fact is escaped like every other text the scenario gives
    assert "never had a drinking problem &amp; never been" in html
    assert "<dt>Jurisdiction</dt><dd>England (UK)</dd>" in html


def test_a_scenario_without_them_has_no_therapist_block(client):
    html = client.get("/scenarios/coat-still-on").text
    assert "You, the therapist" not in html and "Jurisdiction" not in html


def test_the_debrief_json_carries_the_therapist_and_the_jurisdiction(client, folder):
    (folder / "coat-with-therapist.yaml").write_text(WITH_THERAPIST, encoding="utf-8")
    run = start(client, "coat-with-therapist")
    for step, choice in enumerate((2, 0, 0)):
        assert choose(client, run, step, choice).status_code == 303
    document = json.loads(client.get(f"{run}/debrief.json").text)
    assert document["jurisdiction"] == "England (UK)"
    assert document["therapist"] == {
        "role": "Trainee counsellor on placement",
        "setting": "A university counselling service",
        "facts": "You have never had a drinking problem & never been to a meeting.",
    }
    plain = start(client)
    for step, choice in enumerate((2, 0, 0)):
        choose(client, plain, step, choice)
    document = json.loads(client.get(f"{plain}/debrief.json").text)
    assert document["jurisdiction"] is None and document["therapist"] is None
