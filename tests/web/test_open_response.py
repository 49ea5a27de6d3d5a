"""Open response in play: the trainee types first at every choice scene, the reply closest in
meaning is marked, they confirm it or choose another, and the debrief says which."""

from __future__ import annotations

import re

import pytest

from simulator import matching

from .helpers import HTMX, choose, reply, rows

SISTER_IDEA = "Sounds like coming here today was more your sister's idea than yours"


def open_run(client, scenario: str = "coat-still-on") -> str:
    response = client.post(
        f"/scenarios/{scenario}/runs", data={"mode": "practice", "answer": "open"}
    )
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def write(client, run: str, step: int, words: str, **extra: str):
    return client.post(f"{run}/words", data={"step": str(step), "words": words, **extra})


def test_the_briefing_offers_open_response_and_a_bad_answer_is_refused(client):
    briefing = client.get("/scenarios/coat-still-on").text
    assert 'name="answer" value="open"' in briefing and "Open response" in briefing
    refused = client.post(
        "/scenarios/coat-still-on/runs", data={"mode": "practice", "answer": "guess"}
    )
    assert refused.status_code == 400 and "Choose how to answer" in refused.text


def test_every_choice_scene_asks_for_words_first_and_skipping_is_refused(client, app):
    run = open_run(client)
    page = client.get(run).text
    assert 'id="words-box"' in page and "required" in page.split('id="words-box"')[1][:200]
    assert "Skip: show the replies" not in page
    assert 'name="reply"' not in page  # no replies before the words
    assert write(client, run, 0, "", skip="1").status_code == 400
    assert "Please write what you would say" in write(client, run, 0, "").text
    # a choice posted before any words is refused too
    refused = choose(client, run, 0, 0)
    assert refused.status_code == 400 and "write what you would say first" in refused.text
    found, steps = rows(app, run)
    assert found.steps == 0 and steps == []


def test_the_closest_reply_is_marked_and_confirming_it_is_recorded(client, app):
    assert matching.matcher().available, "the test command installs the model"
    run = open_run(client)
    assert write(client, run, 0, SISTER_IDEA).status_code == 303
    page = client.get(run).text
    assert "Confirm the marked reply, or choose another" in page
    marked = re.findall(
        r'name="reply" value="(r[0-9a-f]{10})".*?<span class="say">(.*?)</span></button>',
        page, re.S,
    )
    closest = [(value, say) for value, say in marked if "Closest to what you wrote" in say]
    assert len(closest) == 1
    assert "wasn&#39;t entirely your idea" in closest[0][1]
    assert closest[0][0] == reply(client, run, 0)
    assert choose(client, run, 0, 0).status_code == 303
    _found, steps = rows(app, run)
    match = steps[0].match
    assert match is not None and match["confirmed"] is True and match["close"] is True
    assert match["say"] == "It sounds like coming here wasn't entirely your idea."
    assert match["similarity"] >= matching.CLOSE


def test_choosing_another_reply_is_recorded_as_an_override_and_shown_in_the_debrief(client, app):
    run = open_run(client)
    write(client, run, 0, SISTER_IDEA)
    choose(client, run, 0, 1)  # the sister reply, not the one matched
    write(client, run, 1, "Part of you is wondering if this is worth it at all")
    choose(client, run, 1, 0)
    _found, steps = rows(app, run)
    assert steps[0].match["confirmed"] is False and steps[1].match["confirmed"] is True
    assert steps[0].step.written == SISTER_IDEA
    debrief = client.get(f"{run}/debrief").text
    assert "you chose another reply." in debrief and "you confirmed it." in debrief


def test_words_close_to_nothing_ask_for_more_and_new_words_replace_them(client, app):
    run = open_run(client)
    write(client, run, 0, "Banana spaceship orbit")
    page = client.get(run).text
    assert "None of the replies is close to what you wrote" in page
    assert "Closest to what you wrote" not in page
    assert 'name="again" value="1"' in page and "Match again" in page
    assert write(client, run, 0, SISTER_IDEA, again="1").status_code == 303
    again = client.get(run).text
    assert "Closest to what you wrote" in again and "None of the replies is close" not in again
    found, _steps = rows(app, run)
    assert found.play_state.written == SISTER_IDEA


def test_htmx_words_announce_the_match(client):
    run = open_run(client)
    response = client.post(
        f"{run}/words", data={"step": "0", "words": SISTER_IDEA}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Closest to what you wrote: “It sounds like coming here wasn&#39;t entirely your idea.”" in response.text
    assert 'id="choices-legend" tabindex="-1" autofocus' in response.text


def test_without_the_model_the_replies_follow_the_words_and_it_says_so(client, app, monkeypatch):
    monkeypatch.setattr(matching, "matcher", lambda: matching.Matcher(reason="not installed"))
    run = open_run(client)
    write(client, run, 0, SISTER_IDEA)
    page = client.get(run).text
    assert "Matching your words to the replies is not available on this server" in page
    assert "Closest to what you wrote" not in page and 'name="reply"' in page
    assert choose(client, run, 0, 0).status_code == 303
    _found, steps = rows(app, run)
    assert steps[0].match is None and steps[0].step.written == SISTER_IDEA


@pytest.mark.parametrize("answer", ["choose", None])
def test_choosing_mode_is_unchanged(client, answer):
    data = {"mode": "practice"} | ({"answer": answer} if answer else {})
    run = client.post("/scenarios/coat-still-on/runs", data=data).headers["Location"]
    page = client.get(run).text
    assert 'name="reply"' in page and 'id="words-box"' not in page  # no moment at the start


def test_open_response_as_a_class_setting_reaches_runs_copies_and_exports(client, other, app):
    import csv
    import io

    from . import classes

    classes.make_instructor(app, "lee@example.org")
    classes.log_in(client, "lee@example.org")
    form = client.get("/classes/new").text
    assert 'name="words" value="open"' in form and "Open response" in form
    code = classes.create_class(client, words="open")
    assert classes.classroom(app, code).open_response is True
    classes.joined(other, code, "Ana")
    run = classes.start(other, code)
    page = other.get(run).text
    assert 'id="words-box"' in page and "Skip: show the replies" not in page
    write(other, run, 0, SISTER_IDEA)
    assert "Closest to what you wrote" in other.get(run).text
    choose(other, run, 0, 1)  # the trainee overrides the match
    exported = client.get(f"/classes/{code}/export-moments.csv")
    assert exported.status_code == 200
    table = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert len(table) == 1  # an open-response step is in it though the scene is no key moment
    row = table[0]
    assert row["own_words"] == SISTER_IDEA and row["confirmed"] == "no"
    assert row["matched_reply"] == "It sounds like coming here wasn't entirely your idea."
    assert float(row["similarity"]) >= matching.CLOSE
    copied = client.post(f"/classes/{code}/duplicate")
    assert copied.status_code == 303
    copy_code = copied.headers["Location"].rsplit("/", 1)[-1]
    assert classes.classroom(app, copy_code).open_response is True


def test_a_rewound_open_response_run_keeps_what_the_kept_steps_matched(client, app):
    run = open_run(client)
    step = 0
    while not rows(app, run)[0].finished:
        assert write(client, run, step, SISTER_IDEA).status_code == 303
        assert choose(client, run, step, 0).status_code == 303
        step += 1
    _found, steps = rows(app, run)
    assert steps[0].match is not None
    branch = client.post(f"{run}/rewind", data={"step": "1"}).headers["Location"]
    _branch, kept = rows(app, branch)
    assert [row.number for row in kept] == [1]
    assert kept[0].match == steps[0].match  # the debrief of the branch still says what matched
