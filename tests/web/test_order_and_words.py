"""The play page shows replies shuffled per run and scene, posts them by identity, and asks
for the trainee's own words first at key moments; the words reach the debrief and exports."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .classes import create_class, joined, log_in, make_instructor
from .classes import start as start_in_class
from .helpers import ASKED, HTMX, choose, reply, rows, start, write

BUTTON = re.compile(r'<button type="submit" name="reply" value="(r[0-9a-f]{10})"')


def order(client: FlaskClient, url: str, htmx: bool = False) -> list[str]:
    """The reply identities on the page, in the order shown."""
    return BUTTON.findall(client.get(url, headers=HTMX if htmx else {}).text)


@pytest.fixture
def asked(folder):
    (folder / "asked.yaml").write_text(ASKED, encoding="utf-8")


def test_the_order_is_the_same_on_reload_in_a_second_tab_and_in_the_htmx_block(client, app):
    run = start(client)
    first = order(client, run)
    assert len(first) == 3
    assert order(client, run) == first
    assert order(client, run, htmx=True) == first
    tab = app.test_client()  # another tab of the same browser: the same cookie
    tab.set_cookie("rapport", client.get_cookie("rapport").value)
    assert order(tab, run) == first


def test_over_twenty_runs_the_first_scene_is_not_always_in_the_same_order(client):
    orders = {tuple(order(client, start(client))) for _ in range(20)}
    assert len(orders) > 1
    assert all(len(set(o)) == 3 for o in orders)


def test_number_keys_follow_the_order_shown(client):
    run = start(client)
    html = client.get(run).text
    keyed = re.findall(r'value="(r[0-9a-f]{10})" data-key="(\d)"', html)
    assert [key for _, key in keyed] == ["1", "2", "3"]
    assert [identity for identity, _ in keyed] == order(client, run)


def test_a_rewind_shows_the_replayed_scene_in_the_order_it_had(client, app):
    run = start(client)
    choose(client, run, 0, 2)  # push on: the rupture scene
    at_rupture = order(client, run)
    choose(client, run, 1, 1)  # carry on: walkout, the end
    assert rows(app, run)[0].finished
    branch = client.post(f"{run}/rewind", data={"step": "1"}).headers["Location"]
    assert order(client, branch) == at_rupture


def test_a_form_posting_a_position_is_refused_and_changes_nothing(client, app):
    run = start(client)
    for form in ({"step": "0", "choice": "1"}, {"step": "0", "reply": "1"}):
        page = client.post(f"{run}/choose", data=form)
        assert page.status_code == 400
    assert rows(app, run)[0].steps == 0
    assert choose(client, run, 0, 1).status_code == 303  # by identity it is accepted
    assert rows(app, run)[1][0].choice == 1


def test_a_key_moment_asks_for_own_words_before_the_replies(client, asked):
    run = start(client, scenario="asked")
    html = client.get(run).text
    assert "What would you say?" in html and 'name="words"' in html and 'maxlength="500"' in html
    assert "Skip: show the replies" in html
    assert BUTTON.findall(html) == []  # no reply before the trainee's own words
    assert "Let me tell you about my own father." not in html


def test_own_words_are_stored_once_and_shown_beside_the_choice_in_the_debrief(client, app, asked):
    run = start(client, scenario="asked")
    response = write(client, run, 0, "Would it matter to you if I had?")
    assert response.status_code == 303 and response.headers["Location"] == run
    page = client.get(run).text
    assert "Would it matter to you if I had?" in page
    assert "Which reply is closest to what you would say?" in page
    assert len(BUTTON.findall(page)) == 2
    again = write(client, run, 0, "Something else entirely", htmx=True)  # a resent form
    assert again.status_code == 200 and "Something else entirely" not in again.text
    assert choose(client, run, 0, 0).status_code == 303
    found, steps = rows(app, run)
    assert [s.data["written"] for s in steps] == ["Would it matter to you if I had?"]
    debrief = client.get(f"{run}/debrief").text
    assert "You first wrote" in debrief
    assert "Would it matter to you if I had?" in debrief
    assert "Then you chose" in debrief
    data = json.loads(client.get(f"{run}/debrief.json").text)
    assert data["key_moments"][0]["written"] == "Would it matter to you if I had?"


def test_in_practice_the_words_can_be_skipped(client, app, asked):
    run = start(client, scenario="asked")
    html = write(client, run, 0, skip=True, htmx=True).text
    assert len(BUTTON.findall(html)) == 2 and "You wrote" not in html
    choose(client, run, 0, 1)
    assert [s.data["written"] for s in rows(app, run)[1]] == [""]
    assert "You first wrote" not in client.get(f"{run}/debrief").text


def test_too_many_words_are_refused_and_kept_in_the_box(client, app, asked):
    run = start(client, scenario="asked")
    text = "word " * 120  # 600 characters
    for headers in ({}, HTMX):
        page = client.post(f"{run}/words", data={"step": "0", "words": text}, headers=headers)
        assert page.status_code == 400
        assert "Please keep this to 500 characters" in page.text
        assert text.strip() in page.text  # nothing the trainee wrote is lost
    assert rows(app, run)[0].play_state.written is None


def test_a_scene_that_does_not_ask_takes_no_words(client, app):
    run = start(client)
    assert "What would you say?" not in client.get(run).text
    write(client, run, 0, "hello")
    assert rows(app, run)[0].play_state.written is None


def test_a_class_can_require_own_words_and_the_instructor_sees_them(app: Flask, asked):
    teacher = app.test_client()
    make_instructor(app, "ada@example.org")
    log_in(teacher, "ada@example.org")
    code = create_class(teacher, scenarios=("asked",), words="required")
    assert "own words required" in teacher.get(f"/classes/{code}").text
    trainee = app.test_client()
    joined(trainee, code, "Ana")
    run = start_in_class(trainee, code, "asked")
    page = trainee.get(run).text
    assert "Skip: show the replies" not in page and "your instructor asks for this" in page
    skipped = write(trainee, run, 0, skip=True)
    assert skipped.status_code == 400 and "own words come first" in skipped.text
    empty = write(trainee, run, 0, "   ")
    assert empty.status_code == 400
    refused = trainee.post(f"{run}/choose", data={"step": "0", "reply": reply(trainee, run, 0)})
    assert refused.status_code == 400 and "write what you would say first" in refused.text
    assert rows(app, run)[0].steps == 0
    assert write(trainee, run, 0, "I wonder what it would mean to you.").status_code == 303
    assert choose(trainee, run, 0, 0).status_code == 303

    run_id = run.rsplit("/", 1)[-1]
    trainee.post(f"{run}/instead", data={"step": "1", "text": "Maybe I'd just ask why now."})
    review = teacher.get(f"/classes/{code}/runs/{run_id}/debrief").text
    assert "I wonder what it would mean to you." in review and "You first wrote" in review
    assert "Instead, they would say" in review and "Maybe I&#39;d just ask why now." in review
    document = json.loads(teacher.get(f"/classes/{code}/export.json").text)
    assert document["classroom"]["own_words"] == "required"
    assert document["runs"][0]["own_words"] == [
        {
            "choice": 1,
            "scene": "question",
            "wrote": "I wonder what it would mean to you.",
            "chose": "I have. I'm wondering what it would mean to you if I had.",
        }
    ]
    sheet = teacher.get(f"/classes/{code}/export.csv").text.lstrip("\ufeff")
    row = next(csv.DictReader(io.StringIO(sheet)))
    assert row["own_words"] == (
        "choice 1 (question): wrote “I wonder what it would mean to you.”; "
        "chose “I have. I'm wondering what it would mean to you if I had.”"
    )
    for projector in (f"/classes/{code}/board", f"/classes/{code}/moments"):
        assert "I wonder what it would mean to you." not in teacher.get(projector).text


def test_in_an_optional_class_the_words_can_be_skipped(app: Flask, asked):
    teacher = app.test_client()
    make_instructor(app, "ada@example.org")
    log_in(teacher, "ada@example.org")
    code = create_class(teacher, scenarios=("asked",))
    trainee = app.test_client()
    joined(trainee, code, "Ben")
    run = start_in_class(trainee, code, "asked")
    assert write(trainee, run, 0, skip=True).status_code == 303
    assert choose(trainee, run, 0, 1).status_code == 303
