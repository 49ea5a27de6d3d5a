"""Start is idempotent: one briefing form starts one run, however often it is sent (a
database made before these columns existed gains them through `rapport db upgrade`:
tests/test_migrations.py)."""

from __future__ import annotations

import re

from .helpers import rows


def token_of(client) -> str:
    match = re.search(r'name="start" value="([^"]+)"', client.get("/scenarios/coat-still-on").text)
    assert match
    return match.group(1)


def test_a_double_click_on_start_opens_one_run(client, app):
    token = token_of(client)
    form = {"mode": "practice", "start": token}
    first = client.post("/scenarios/coat-still-on/runs", data=form)
    second = client.post("/scenarios/coat-still-on/runs", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert rows(app, first.headers["Location"])[0].start_token == token
    # a new visit to the briefing gives a new form, and so a new run
    other = client.post(
        "/scenarios/coat-still-on/runs", data={"mode": "practice", "start": token_of(client)}
    )
    assert other.headers["Location"] != first.headers["Location"]


def test_the_token_is_this_browser_s_own(client, other):
    token = token_of(client)
    mine = client.post("/scenarios/coat-still-on/runs", data={"mode": "practice", "start": token})
    theirs = other.post("/scenarios/coat-still-on/runs", data={"mode": "practice", "start": token})
    assert mine.headers["Location"] != theirs.headers["Location"]


def test_play_again_in_a_class_opens_one_run_however_often_it_is_sent(app):
    from .classes import create_class, joined, log_in, make_instructor, play

    teacher = app.test_client()
    make_instructor(app, "ada@example.org")
    log_in(teacher, "ada@example.org")
    code = create_class(teacher)
    trainee = app.test_client()
    joined(trainee, code, "Ana")
    page = trainee.get(f"/classes/{code}/me").text
    token = re.search(r'name="start" value="([^"]+)"', page).group(1)
    form = {"scenario": "coat-still-on", "start": token}
    first = trainee.post(f"/classes/{code}/runs", data=form)
    second = trainee.post(f"/classes/{code}/runs", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    run = first.headers["Location"]
    play(trainee, run, [0, 0])
    debrief = trainee.get(f"{run}/debrief").text  # Play again carries a new token
    again = re.search(r'name="start" value="([^"]+)"', debrief).group(1)
    assert again != token
    replay = trainee.post(
        f"/classes/{code}/runs", data={"scenario": "coat-still-on", "start": again}
    )
    assert replay.headers["Location"] != run


def test_a_new_browser_has_its_id_from_the_briefing_so_two_first_starts_make_one_run(app):
    """Two Start clicks at once from a browser new to the site: each request used to make
    its own browser id, so each started a run (the browser kept one cookie, and the other
    runs were orphaned). The briefing now gives the id, with the form's CSRF secret."""
    from simulator.web import BROWSER_KEY

    client = app.test_client()
    token = token_of(client)
    with client.session_transaction() as session:
        owner = session.get(BROWSER_KEY)
    assert owner
    # both clicks carry the cookie the briefing set, as two requests at once would
    racing = [app.test_client() for _ in range(2)]
    for other in racing:
        with other.session_transaction() as session, client.session_transaction() as mine:
            session.update(mine)
    form = {"mode": "practice", "start": token}
    places = {other.post("/scenarios/coat-still-on/runs", data=form).headers["Location"]
              for other in racing}  # fmt: skip
    assert len(places) == 1
    assert rows(app, places.pop())[0].owner == owner


def test_a_start_form_cannot_claim_a_rewinds_token(client, app):
    from .test_debrief import play

    token = token_of(client)
    run = client.post("/scenarios/coat-still-on/runs", data={"mode": "practice", "start": token})
    run_url = run.headers["Location"]
    play(client, run_url, 2, 0, 0)
    rewind_token = f"r:{run_url.rsplit('/', 1)[1]}:1:0"
    claimed = client.post(
        "/scenarios/coat-still-on/runs", data={"mode": "practice", "start": rewind_token}
    )
    branch = client.post(f"{run_url}/rewind", data={"step": "1"}).headers["Location"]
    assert branch != claimed.headers["Location"]
    assert rows(app, branch)[0].parent_id == run_url.rsplit("/", 1)[1]


def test_a_version_s_text_is_kept_once_in_each_database(app, client, tmp_path, folder):
    from sqlalchemy import func, select

    from simulator import create_app
    from simulator.db import session as db_session
    from simulator.models import ScenarioText

    from ..config import app_config

    def texts(app) -> int:
        with app.app_context():
            return db_session().scalar(select(func.count()).select_from(ScenarioText))

    for _ in range(3):
        started = client.post(
            "/scenarios/coat-still-on/runs", data={"mode": "practice", "start": token_of(client)}
        )
        assert 'name="reply"' in client.get(started.headers["Location"]).text
    assert texts(app) == 1
    # another database in the same process: the text known to the first is kept here too
    second = create_app(app_config(tmp_path, folder, database="second.db", WTF_CSRF_ENABLED=False))
    try:
        browser = second.test_client()
        started = browser.post(
            "/scenarios/coat-still-on/runs", data={"mode": "practice", "start": token_of(browser)}
        )
        assert started.status_code == 303
        assert 'name="reply"' in browser.get(started.headers["Location"]).text
        assert texts(second) == 1
    finally:
        second.extensions["rapport.db"].engine.dispose()


def test_a_start_keeps_the_text_again_when_the_database_has_lost_it(app, client):
    """The database swapped under the running app for a backup made before this version was
    first played (or a failover that lost the last commits): the text it remembered as kept
    is not there, and a start keeps it again rather than failing."""
    from sqlalchemy import text

    for _ in range(2):  # the second start finds the text committed, and remembers it
        first = client.post(
            "/scenarios/coat-still-on/runs", data={"mode": "practice", "start": token_of(client)}
        )
        assert first.status_code == 303
    with app.extensions["rapport.db"].engine.begin() as connection:  # the backup's contents
        connection.execute(text("DELETE FROM runs"))
        connection.execute(text("DELETE FROM scenario_texts"))
    again = client.post(
        "/scenarios/coat-still-on/runs", data={"mode": "practice", "start": token_of(client)}
    )
    assert again.status_code == 303
    assert 'name="reply"' in client.get(again.headers["Location"]).text
    found, _ = rows(app, again.headers["Location"])
    assert found.scenario_digest


def test_any_failed_write_through_the_session_makes_it_look_for_texts_again(app):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from simulator import models
    from simulator.db import session as db_session

    with app.app_context():
        session = db_session()
        models._KEPT[session.get_bind()] = {"a digest"}
        add = text("INSERT INTO scenario_texts (digest, source) VALUES ('d', 'text')")
        session.execute(add)
        with pytest.raises(IntegrityError):
            session.execute(add)  # a playtest's or a group's run written by the unit of work
        session.rollback()
        assert session.get_bind() not in models._KEPT
