"""Playing a run: starting, choosing, stale and forged forms, modes, hints, ownership."""

from __future__ import annotations

import hashlib
import re
import threading

import pytest

from simulator.db import session as db_session
from simulator.models import Run, text_of

from .helpers import ASKED, HTMX, WITH_THOUGHT, choose, reply, rows, start, write


def test_starting_a_run_redirects_to_its_play_page_at_the_first_scene(client, app):
    run = start(client)
    page = client.get(run)
    assert page.status_code == 200
    html = page.text
    assert "She keeps her coat on and glances at the door." in html
    assert "My sister thinks I need this. I&#39;m not so sure." in html
    assert 'name="step" value="0"' in html
    for index in range(3):
        assert f'name="reply" value="{reply(client, run, index)}"' in html
    assert page.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in page.headers["Vary"]
    found, steps = rows(app, run)
    assert (found.mode, found.steps, found.finished, found.scene) == (
        "practice",
        0,
        False,
        "arrival",
    )
    assert len(found.scenario_digest) == 64 and steps == []
    # the pinned text is kept once, by its digest
    with app.app_context():
        kept = text_of(db_session(), found.scenario_digest)
    assert kept is not None and kept.startswith("format: 1")
    assert hashlib.sha256(kept.encode()).hexdigest() == found.scenario_digest


def test_the_run_page_for_htmx_is_only_the_play_block(client):
    run = start(client)
    fragment = client.get(run, headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<h1>" not in fragment.text
    assert "My sister thinks I need this." in fragment.text
    assert 'id="announcer"' not in fragment.text


def test_starting_with_htmx_also_redirects_to_the_run(client):
    response = client.post("/scenarios/coat-still-on/runs", data={"mode": "practice"}, headers=HTMX)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/runs/")
    assert "HX-Request" in response.headers["Vary"]


def test_a_mode_that_is_not_offered_is_refused(client):
    response = client.post("/scenarios/coat-still-on/runs", data={"mode": "god-mode"})
    assert response.status_code == 400
    assert "Choose practice or assessment mode." in response.text


def test_a_plain_choice_is_stored_and_redirects_to_the_run(client, app):
    run = start(client)
    response = choose(client, run, 0, 0)
    assert response.status_code == 303
    assert response.headers["Location"] == run
    found, steps = rows(app, run)
    assert found.steps == 1 and found.scene == "ambivalence"
    assert [(s.number, s.scene, s.choice) for s in steps] == [(1, "arrival", 0)]
    assert steps[0].data["after"]["trust"] == 40
    assert found.state["meters"]["attentiveness"] == 60
    assert "I just don&#39;t see how talking fixes anything." in client.get(run).text


def test_an_htmx_choice_returns_the_next_scene_meters_and_announcement(client):
    run = start(client)
    response = choose(client, run, 0, 0, htmx=True)
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html
    assert "I just don&#39;t see how talking fixes anything." in html
    assert 'name="step" value="1"' in html
    assert (
        '<hx-partial data-hx-target="#announcer" data-hx-swap="innerHTML">'
        "Attentiveness rose by 10 to 60. Trust rose by 5 to 40. "
        "Maya says: “I don&#39;t know. Maybe. I just don&#39;t see how talking fixes anything.”"
        "</hx-partial>"
    ) in html
    assert 'aria-valuenow="60"' in html and 'aria-valuenow="40"' in html
    # focus lands at the start of the new scene (this one has no cue); the feedback is folded
    assert 'id="client-line" tabindex="-1" autofocus' in html
    assert html.count("autofocus") == 1
    assert '<details class="happened">' in html and "Attentiveness +10 · Trust +5" in html
    assert "HX-Request" in response.headers["Vary"]


def test_the_full_page_has_a_polite_live_region_with_the_last_change(client):
    run = start(client)
    choose(client, run, 0, 2)
    html = client.get(run).text
    region = re.search(r'<div id="announcer"[^>]*>(.*?)</div>', html)
    assert region is not None
    assert 'aria-live="polite"' in region.group(0)
    # the change, then what the client does and says next, the cue first
    assert region.group(1) == (
        "Attentiveness fell by 10 to 40. Trust fell by 10 to 25. A withdrawal rupture opened. "
        "Maya shrugs and looks at her phone. Maya says: “Sure. Whatever you think.”"
    )


def test_a_stale_or_repeated_step_is_never_applied_twice(client, app):
    run = start(client)
    assert choose(client, run, 0, 0).status_code == 303
    # the same form again (a double click, a back button, a resubmitted page)
    again = choose(client, run, 0, 0)
    assert again.status_code == 303 and again.headers["Location"] == run
    # with htmx: the current state, calmly
    stale = choose(client, run, 0, 2, htmx=True)
    assert stale.status_code == 200
    assert "already recorded" in stale.text
    assert "I just don&#39;t see how talking fixes anything." in stale.text
    # a step from the future is stale too
    assert choose(client, run, 7, 0).status_code == 303
    found, steps = rows(app, run)
    assert found.steps == 1 and len(steps) == 1 and steps[0].choice == 0


def test_a_step_recorded_by_another_request_meanwhile_is_not_applied_again(client, app):
    """Two requests read the run at the same step; only the first one's choice counts."""
    from flask import session

    from simulator import play as views

    run = start(client)
    run_id = run.rsplit("/", 1)[-1]
    with app.test_request_context(
        f"{run}/choose",
        method="POST",
        data={"step": "0", "reply": reply(client, run, 2)},
        headers=HTMX,
    ):
        with client.session_transaction() as cookie:
            session.update(cookie)
        db = db_session()
        stale = db.get(Run, run_id)
        assert stale is not None and stale.steps == 0  # read before the other request commits
        assert elsewhere(lambda: choose(client, run, 0, 0)).status_code == 303  # it wins
        response = views.choose(run_id)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert ">That reply was already recorded.</hx-partial>" in html  # the commit was refused
        assert "I just don&#39;t see how talking fixes anything." in html
    found, steps = rows(app, run)
    assert found.steps == 1 and [s.choice for s in steps] == [0]


def test_a_hint_racing_a_choice_never_overwrites_the_choice(client, app, folder):
    """The run's version column makes the later of two writers of one state fail, not win."""
    from flask import session

    from simulator import play as views

    (folder / "coat-still-on.yaml").write_text(WITH_THOUGHT, encoding="utf-8")
    run = start(client)
    run_id = run.rsplit("/", 1)[-1]
    with app.test_request_context(f"{run}/hint", method="POST", data={"step": "0"}, headers=HTMX):
        with client.session_transaction() as cookie:
            session.update(cookie)
        stale = db_session().get(Run, run_id)
        assert stale is not None and stale.steps == 0
        assert elsewhere(lambda: choose(client, run, 0, 0)).status_code == 303
        response = views.hint(run_id)
        assert response.status_code == 200
        assert "I just don&#39;t see how talking fixes anything." in response.get_data(as_text=True)
    found, steps = rows(app, run)
    assert found.steps == 1 and found.scene == "ambivalence" and len(steps) == 1
    assert found.state["hints"] == []


def elsewhere(request):
    """Run a request in another thread, as another server worker would (own DB session)."""
    results = []
    worker = threading.Thread(target=lambda: results.append(request()))
    worker.start()
    worker.join(timeout=30)
    return results[0]


@pytest.mark.parametrize(
    "form",
    [
        {"step": "0", "choice": "two"},
        {"step": "0", "choice": "-1"},
        {"step": "0", "choice": ""},
        {"step": "0"},
        {"choice": "0"},
        {"step": "zero", "choice": "0"},
        {"step": "0", "choice": "99"},
        {"step": "0", "choice": "１"},
        {"step": "0", "reply": "r0"},
        {"step": "0", "reply": "0"},
        {"step": "0", "reply": "1"},
    ],
)
def test_a_forged_form_gets_a_friendly_400_and_changes_nothing(client, app, form):
    run = start(client)
    page = client.post(f"{run}/choose", data=form)
    assert page.status_code == 400
    assert "We couldn&#39;t use that request" in page.text
    assert f'href="{run}"' in page.text and "Back to your session" in page.text
    fragment = client.post(f"{run}/choose", data=form, headers=HTMX)
    assert fragment.status_code == 400
    assert "<html" not in fragment.text
    assert 'role="alert"' in fragment.text
    assert "My sister thinks I need this." in fragment.text  # the current scene, to carry on
    found, steps = rows(app, run)
    assert found.steps == 0 and steps == []


def test_a_choice_not_offered_now_is_refused(client, app):
    run = start(client)
    choose(client, run, 0, 1)  # positivity 55: both ambivalence choices are offered
    choose(client, run, 1, 1)
    other = start(client)
    choose(client, other, 0, 2)  # shutdown: two choices only
    response = choose(client, other, 1, 2)
    assert response.status_code == 400
    assert "isn&#39;t on offer" in response.text
    assert rows(app, other)[0].steps == 1


def test_a_run_that_holds_the_most_choices_refuses_more_and_keeps_what_it_has(
    client, app, monkeypatch
):
    monkeypatch.setattr("simulator.engine.play.MAX_CHOICES", 1)  # 1,000 in play
    run = start(client)
    assert choose(client, run, 0, 0, htmx=True).status_code == 200
    response = choose(client, run, 1, 0, htmx=True)
    assert response.status_code == 400
    assert "reached 1,000 choices, the most one run keeps" in response.text
    assert 'name="reply"' in response.text  # the play block stays, with its replies
    assert rows(app, run)[0].steps == 1


def test_another_browser_gets_404_for_every_url_of_a_run(client, other, app):
    run = start(client)
    urls = [("get", run), ("get", f"{run}/debrief")]
    posts = [f"{run}/choose", f"{run}/hint"]
    for headers in ({}, HTMX):
        for _method, url in urls:
            page = other.get(url, headers=headers)
            assert page.status_code == 404
            assert "My sister" not in page.text
        for url in posts:
            page = other.post(
                url, data={"step": "0", "reply": reply(client, run, 0)}, headers=headers
            )
            assert page.status_code == 404
    assert rows(app, run)[0].steps == 0


def test_an_unknown_run_gets_a_friendly_404(client):
    start(client)
    for url in ("/runs/nope", "/runs/" + "x" * 200, "/runs/nope/debrief"):
        page = client.get(url)
        assert page.status_code == 404
        assert "We couldn&#39;t find that page" in page.text
    assert client.post("/runs/nope/choose", data={"step": "0", "reply": "r0"}).status_code == 404


def test_practice_mode_shows_feedback_meters_and_the_clients_thought(client, folder):
    (folder / "coat-still-on.yaml").write_text(WITH_THOUGHT, encoding="utf-8")
    run = start(client)
    first = client.get(run).text
    assert "Alliance meters" in first and 'role="meter"' in first
    assert 'aria-valuenow="35"' in first  # trust starts at 35
    assert "Show a hint" in first
    assert "If this goes badly I can say I tried." not in first  # not before the choice
    html = choose(client, run, 0, 2, htmx=True).text
    assert "What happened" in html
    assert "Well, you&#39;re here now, so let&#39;s get started on your goals." in html
    assert "Harmful reply" in html and "quality-harmful" in html
    assert "Pushing on to goals ignores the withdrawal marker." in html
    assert "Attentiveness fell by 10 to 40. Trust fell by 10 to 25." in html
    assert "What Maya was thinking" in html
    assert "If this goes badly I can say I tried." in html
    # the rupture scene that follows is not flagged: noticing the marker is the trainee's job
    assert "Sure. Whatever you think." in html
    assert "badge-rupture" not in html and "Rupture<" not in html


def test_assessment_mode_hides_meters_feedback_thoughts_and_hints(client, folder):
    (folder / "coat-still-on.yaml").write_text(WITH_THOUGHT, encoding="utf-8")
    run = start(client, mode="assessment")
    for html in (
        client.get(run).text,
        choose(client, run, 0, 2, htmx=True).text,
        client.get(run).text,
    ):
        assert "Assessment mode" in html or "<html" not in html
        for hidden in (
            "Alliance meters",
            'role="meter"',
            "aria-valuenow",
            "Trust",
            "Pushing on to goals",
            "Quality:",
            "If this goes badly",
            "Show a hint",
            "rose by",
            "fell by",
        ):
            assert hidden not in html, hidden
    assert "Sure. Whatever you think." in html
    assert "Your reply was recorded." in html
    # the cue takes the focus, and the live region reads it before the client's words
    htmx = client.get(run, headers=HTMX).text
    assert 'id="scene-cue" tabindex="-1" autofocus' in htmx
    assert "Maya shrugs and looks at her phone. Maya says:" in client.get(run).text
    assert "badge-rupture" not in html and "Rupture<" not in html
    refused = client.post(f"{run}/hint", data={"step": "1"})
    assert refused.status_code == 400 and "practice mode" in refused.text


def test_a_hint_is_shown_and_recorded_in_practice_mode(client, app, folder):
    (folder / "coat-still-on.yaml").write_text(WITH_THOUGHT, encoding="utf-8")
    run = start(client)
    response = client.post(f"{run}/hint", data={"step": "0"}, headers=HTMX)
    assert response.status_code == 200
    assert "Name what you see before you ask for anything." in response.text
    assert 'id="hint-heading" tabindex="-1" autofocus' in response.text
    assert "Show a hint" not in response.text
    assert client.post(f"{run}/hint", data={"step": "0"}).status_code == 303  # twice: once
    found, _ = rows(app, run)
    assert found.state["hints"] == ["arrival"] and found.steps == 0
    assert "Name what you see" in client.get(run).text
    assert client.post(f"{run}/hint", data={"step": "x"}).status_code == 400


def test_a_scene_without_a_hint_has_no_hint_button(client):
    run = start(client)
    assert "Show a hint" not in client.get(run).text
    assert client.post(f"{run}/hint", data={"step": "0"}).status_code == 303


def test_an_ending_shows_its_title_and_the_way_to_the_debrief(client, app):
    run = start(client)
    choose(client, run, 0, 0)
    html = choose(client, run, 1, 0, htmx=True).text
    assert "The session ends: A first foothold" in html
    assert "Maya takes her coat off before the session ends." in html
    assert f'href="{run}/debrief"' in html
    assert "Outcome: Good" in html
    assert 'name="reply"' not in html
    assert "The session has ended: A first foothold." in html
    found, _ = rows(app, run)
    assert (found.finished, found.ending, found.outcome) == (True, "good-end", "good")
    assert found.finished_at is not None
    assert choose(client, run, 2, 0).status_code == 303  # after the end: nothing to apply
    assert rows(app, run)[0].steps == 2


def test_a_run_keeps_its_pinned_version_when_the_file_changes(client, app, folder):
    run = start(client)
    choose(client, run, 0, 0)
    edited = (
        (folder / "coat-still-on.yaml")
        .read_text(encoding="utf-8")
        .replace("I don't know. Maybe.", "Honestly? No idea.")
        .replace("effects: {authenticity: 5, trust: 10}", "effects: {authenticity: 5, trust: 30}")
    )
    (folder / "coat-still-on.yaml").write_text(edited, encoding="utf-8")
    assert "I don&#39;t know. Maybe." in client.get(run).text  # still the old words
    choose(client, run, 1, 0)
    found, _ = rows(app, run)
    assert found.finished and found.state["meters"]["trust"] == 50  # 40 + 10, not + 30
    fresh = start(client)
    choose(client, fresh, 0, 0)
    assert "Honestly? No idea." in client.get(fresh).text


def test_a_run_survives_a_restart_of_the_app(client, app, tmp_path, folder):
    from simulator import create_app

    run = start(client)
    choose(client, run, 0, 0)
    (folder / "coat-still-on.yaml").write_text("broken: [", encoding="utf-8")  # even if gone
    again = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SCENARIO_DIR": str(folder),
            "SECRET_KEY": "tests",
            "WTF_CSRF_ENABLED": False,
        }
    )
    browser = again.test_client()
    cookie = client.get_cookie("rapport")
    assert cookie is not None
    browser.set_cookie("rapport", cookie.value)
    html = browser.get(run).text
    assert "I just don&#39;t see how talking fixes anything." in html
    assert choose(browser, run, 1, 0).status_code == 303
    again.extensions["rapport.db"].engine.dispose()


@pytest.mark.parametrize("mode", ["practice", "assessment"])
def test_a_key_moment_is_not_flagged_before_the_answer(client, folder, mode):
    (folder / "asked.yaml").write_text(ASKED, encoding="utf-8")
    run = start(client, scenario="asked", mode=mode)
    for html in (client.get(run).text, write(client, run, 0, skip=True, htmx=True).text):
        assert "Have you ever lost a parent?" in html
        assert "badge-self-disclosure" not in html and "dilemma" not in html.lower()
    after = choose(client, run, 0, 0, htmx=True).text
    named = "That was a self-disclosure dilemma: Sam asked about you"
    assert (named in after) == (mode == "practice")


LOOPING_RUPTURES = """\
format: 1
id: loop
title: Loop
summary: A client who withdraws again and again.
difficulty: beginner
minutes: 5
objectives: [Notice withdrawal.]
client: {name: Sam, concern: Low mood.}
start: a
scenes:
  a:
    client: "Fine."
    choices:
      - {say: "Let's move on to your week.", goto: a, rupture: withdrawal, effects: {trust: -1}}
      - {say: "You seem far away today.", goto: a, repairs: true, effects: {trust: 1}}
      - {say: "Shall we stop here?", goto: e}
  e: {ending: "Over.", outcome: good}
"""


def test_alike_open_ruptures_are_counted_on_one_line(client, folder):
    (folder / "loop.yaml").write_text(LOOPING_RUPTURES, encoding="utf-8")
    run = start(client, "loop")
    for step in range(3):
        choose(client, run, step, 0)  # withdrawal, three times over
    page = client.get(run).text
    flags = re.findall(r'<p class="open-rupture">.*?</p>', page, re.S)
    assert len(flags) == 1 and "Open ruptures: withdrawal × 3" in flags[0]
    choose(client, run, 3, 1)  # one repaired: two left
    flags = re.findall(r'<p class="open-rupture">.*?</p>', client.get(run).text, re.S)
    assert len(flags) == 1 and "Open ruptures: withdrawal × 2" in flags[0]


def test_a_rupture_moment_is_flagged_only_once_it_is_answered(client, folder):
    moment = LOOPING_RUPTURES.replace(
        '      - {say: "Shall we stop here?", goto: e}\n',
        '      - {say: "Shall we stop here?", goto: e}\n'
        '      - {say: "What did you mean by that?", goto: b}\n',
    ).replace(
        '  e: {ending: "Over.", outcome: good}\n',
        "  b:\n"
        "    moment: rupture\n"
        "    rupture: confrontation\n"
        '    client: "Why do you keep asking me that?"\n'
        "    choices:\n"
        '      - {say: "Sorry. Back to your week.", goto: a}\n'
        '  e: {ending: "Over.", outcome: good}\n',
    )
    (folder / "loop.yaml").write_text(moment, encoding="utf-8")
    run = start(client, "loop")
    choose(client, run, 0, 3)  # into the rupture moment: not named before it is answered
    assert 'class="open-rupture"' not in client.get(run).text
    choose(client, run, 1, 0)  # answered without a repair: now it is flagged
    assert "Open rupture: confrontation</p>" in client.get(run).text


def test_the_live_region_reads_a_long_line_in_part_and_the_page_shows_it_whole(client, folder):
    long = "word " * 1000  # 5,000 characters
    (folder / "loop.yaml").write_text(
        LOOPING_RUPTURES.replace('    client: "Fine."', f'    client: "{long.strip()}"'),
        encoding="utf-8",
    )
    run = start(client, "loop")
    html = choose(client, run, 0, 1, htmx=True).text
    said = re.search(
        r'data-hx-target="#announcer" data-hx-swap="innerHTML">(.*?)</hx-partial>', html, re.S
    )
    assert said is not None
    assert "Sam says: “word word" in said.group(1)
    assert said.group(1).endswith("word… (the rest is on the page)”")
    assert len(said.group(1)) < 1200
    assert long.strip() in html  # the scene itself, whole
