"""Playing a scenario together in class: starting a group run once, votes (one per trainee
per scene, changeable until the reveal), the majority, an override, a tie, a late joiner, own
words first where the class requires them, the ending with the group's debrief, polling."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from simulator import engine, groups
from simulator.classroom.evidence import GROUP_VOTE_COLUMNS
from simulator.db import session as db_session
from simulator.models import GroupRun, GroupStep, GroupVote
from simulator.words import QUALITY_WORDS

from .classes import create_class, joined, log_in, make_instructor, text, trainees
from .helpers import HTMX

REFLECT, SISTER, PUSH = 0, 1, 2  # coat-still-on's first scene, by index in the file
REPAIR, CARRY_ON = 0, 1  # its rupture moment (`shutdown`), which asks for own words first
WONDER, TALKING = 0, 1  # its `ambivalence` scene


@pytest.fixture
def teacher(app: Flask, client: FlaskClient) -> FlaskClient:
    make_instructor(app, "ada@example.org")
    log_in(client, "ada@example.org")
    return client


def start_group(teacher: FlaskClient, code: str, scenario: str = "coat-still-on") -> str:
    """Start a group run from the dashboard's form; return the projector's URL."""
    response = teacher.post(f"/classes/{code}/group", data={"scenario": scenario})
    assert response.status_code == 303, response.text
    location = response.headers["Location"]
    assert re.fullmatch(rf"/classes/{code}/group/\d+", location), location
    return str(location)


def trainee(app: Flask, code: str, name: str) -> FlaskClient:
    browser = app.test_client()
    joined(browser, code, name)
    return browser


def group_row(app: Flask, url: str) -> GroupRun:
    with app.app_context():
        found = db_session().get(GroupRun, int(url.rsplit("/", 1)[1]))
        assert found is not None
        db_session().expunge(found)
        return found


def reply_ids(app: Flask, url: str) -> list[str]:
    """The identities of the replies on offer now, by index in the scene's file list."""
    group = group_row(app, url)
    with app.app_context():
        scenario = app.extensions["rapport.library"].version(group.scenario_digest)
        state = group.play_state
        return [
            engine.reply_id(state.scene, index, choice)
            for index, choice in enumerate(scenario.scenes[state.scene].choices or ())
        ]


def vote(app: Flask, browser: FlaskClient, code: str, url: str, index: int, htmx: bool = False):
    group = group_row(app, url)
    return browser.post(
        f"/classes/{code}/vote",
        data={
            "group": str(group.id),
            "step": str(group.steps),
            "reply": reply_ids(app, url)[index],
        },
        headers=HTMX if htmx else {},
    )


def words(
    app: Flask, browser: FlaskClient, code: str, url: str, said: str = "", skip: bool = False
):
    group = group_row(app, url)
    data = {"group": str(group.id), "step": str(group.steps), "words": said}
    if skip:
        data["skip"] = "1"
    return browser.post(f"/classes/{code}/vote/words", data=data)


def reveal(teacher: FlaskClient, app: Flask, url: str):
    return teacher.post(f"{url}/reveal", data={"step": str(group_row(app, url).steps)})


def go_on(teacher: FlaskClient, app: Flask, url: str, pick: str = "majority", htmx: bool = False):
    group = group_row(app, url)
    if pick != "majority":
        pick = reply_ids(app, url)[int(pick)]
    return teacher.post(
        f"{url}/advance",
        data={"step": str(group.steps), "pick": pick},
        headers=HTMX if htmx else {},
    )


def votes_in(app: Flask, url: str) -> list[tuple[int, int, str | None]]:
    with app.app_context():
        rows = db_session().execute(
            select(GroupVote.step, GroupVote.trainee_id, GroupVote.reply)
            .where(GroupVote.group_run_id == int(url.rsplit("/", 1)[1]))
            .order_by(GroupVote.step, GroupVote.trainee_id)
        )
        return [tuple(row) for row in rows]


def decided(app: Flask, url: str) -> list[str]:
    with app.app_context():
        return list(
            db_session().scalars(
                select(GroupStep.decided)
                .where(GroupStep.group_run_id == int(url.rsplit("/", 1)[1]))
                .order_by(GroupStep.number)
            )
        )


def count_line(page: str) -> str:
    found = re.search(r'<p class="vote-count">(.*?)</p>', page)
    assert found, page
    return text(found.group(1))


class TestStarting:
    def test_a_double_click_makes_one_group_run(self, app, teacher):
        code = create_class(teacher)
        first = start_group(teacher, code)
        assert start_group(teacher, code) == first
        with app.app_context():
            assert db_session().scalar(select(func.count()).select_from(GroupRun)) == 1

    def test_one_group_run_at_a_time_and_a_new_one_after_the_end(self, app, teacher):
        code = create_class(teacher, scenarios=("coat-still-on",))
        first = start_group(teacher, code)
        again = teacher.post(f"/classes/{code}/group", data={"scenario": "other"})
        assert again.headers["Location"] == first
        assert "already playing Coat Still On together" in text(teacher.get(first).text)
        assert teacher.post(f"{first}/stop").status_code == 303
        assert not group_row(app, first).active
        second = start_group(teacher, code)
        assert second != first and group_row(app, second).active

    def test_a_scenario_outside_the_class_is_refused(self, app, teacher):
        code = create_class(teacher)
        response = teacher.post(f"/classes/{code}/group", data={"scenario": "elsewhere"})
        assert response.status_code == 400
        assert "isn't part of this class session" in text(response.text)
        with app.app_context():
            assert db_session().scalar(select(func.count()).select_from(GroupRun)) == 0

    def test_the_dashboard_and_the_class_page_point_to_it(self, app, teacher):
        code = create_class(teacher)
        ana = trainee(app, code, "Ana")
        assert "Start playing Coat Still On together" in teacher.get(f"/classes/{code}").text
        assert "playing together" not in ana.get(f"/classes/{code}/me").text
        url = start_group(teacher, code)
        dashboard = teacher.get(f"/classes/{code}").text
        assert f'href="{url}"' in dashboard and "Start playing" not in dashboard
        page = text(ana.get(f"/classes/{code}/me").text)
        assert "Your class is playing together — vote." in page


class TestTheRoom:
    def test_the_projector_shows_the_cue_the_words_and_the_replies_in_file_order(
        self, app, teacher
    ):
        code = create_class(teacher)
        url = start_group(teacher, code)
        page = teacher.get(url).text
        cue = page.index("She keeps her coat on and glances at the door.")
        words_at = page.index("My sister thinks I need this.")
        says = [
            page.index(html)
            for html in (
                "It sounds like coming here wasn&#39;t entirely your idea.",
                "Your sister sounds like she really cares about you.",
                "Well, you&#39;re here now, so let&#39;s get started on your goals.",
            )
        ]
        assert cue < words_at < says[0] < says[1] < says[2]
        letters = re.findall(r'<span class="letter" aria-hidden="true">(\w)</span>', page)
        assert letters == ["A", "B", "C"]

    def test_the_projector_counts_votes_but_shows_no_split_or_name_until_the_reveal(
        self, app, teacher
    ):
        code = create_class(teacher)
        url = start_group(teacher, code)
        ana, ben = trainee(app, code, "Ana Votes"), trainee(app, code, "Ben Votes")
        trainee(app, code, "Cy Waits")
        assert vote(app, ana, code, url, REFLECT).status_code == 303
        assert vote(app, ben, code, url, PUSH).status_code == 303
        page = teacher.get(url).text
        assert count_line(page) == "2 of 3 trainees have voted."
        assert "bar-count" not in page and "Ana Votes" not in page and "Ben Votes" not in page
        # the instructor's own view has the split live
        own = text(teacher.get(f"{url}/votes").text)
        assert "1 vote · 50%" in own
        reveal(teacher, app, url)
        page = teacher.get(url).text
        assert count_line(page) == "Votes closed: 2 of 3 voted."
        assert text(page).count("1 vote · 50%") == 2
        assert "Ana Votes" not in page and "Ben Votes" not in page

    def test_a_vote_can_change_until_the_reveal_and_then_is_closed(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        ana = trainee(app, code, "Ana")
        [ana_row] = trainees(app, code)
        vote(app, ana, code, url, REFLECT)
        vote(app, ana, code, url, SISTER)  # changed: still one vote
        ids = reply_ids(app, url)
        assert votes_in(app, url) == [(0, ana_row.id, ids[SISTER])]
        page = text(ana.get(f"/classes/{code}/vote").text)
        assert "B: Your sister sounds like she really cares about you. Your vote" in page
        assert reveal(teacher, app, url).status_code == 303
        late = vote(app, ana, code, url, PUSH, htmx=True)
        assert late.status_code == 200
        assert "The votes for this scene are closed" in text(late.text)
        assert votes_in(app, url) == [(0, ana_row.id, ids[SISTER])]

    def test_a_double_click_on_a_vote_keeps_one_vote(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        ana = trainee(app, code, "Ana")
        for _ in range(3):
            assert vote(app, ana, code, url, PUSH, htmx=True).status_code == 200
        assert len(votes_in(app, url)) == 1

    def test_a_reply_not_on_offer_is_refused_kindly(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        ana = trainee(app, code, "Ana")
        group = group_row(app, url)
        response = ana.post(
            f"/classes/{code}/vote",
            data={"group": str(group.id), "step": "0", "reply": "1"},
            headers=HTMX,
        )
        assert response.status_code == 400
        assert "isn't on offer at this scene" in text(response.text)
        assert votes_in(app, url) == []

    def test_a_removed_trainee_no_longer_counts(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        ana, ben = trainee(app, code, "Ana"), trainee(app, code, "Ben")
        vote(app, ana, code, url, REFLECT)
        vote(app, ben, code, url, REFLECT)
        ana_row = trainees(app, code)[0]
        teacher.post(f"/classes/{code}/trainees/{ana_row.id}/remove")
        assert count_line(teacher.get(url).text) == "1 of 1 trainee has voted."

    def test_a_removed_trainees_phone_hears_so_in_place_not_the_join_page(self, app, teacher):
        code = create_class(teacher)
        start_group(teacher, code)
        ana = trainee(app, code, "Ana")
        poll = re.search(r'data-hx-get="([^"]+)"', ana.get(f"/classes/{code}/vote").text)
        assert poll
        teacher.post(f"/classes/{code}/trainees/{trainees(app, code)[0].id}/remove")
        answer = ana.get(poll.group(1).replace("&amp;", "&"), headers=HTMX)
        assert answer.status_code == 404 and "<html" not in answer.text
        assert "You are not in this class session" in answer.text
        assert "data-hx-get" not in answer.text  # the polling stops
        assert ana.get(f"/classes/{code}/vote").status_code == 303  # a reload: the join form


class TestGoingOn:
    def test_a_group_run_that_holds_the_most_choices_says_so(self, app, teacher, monkeypatch):
        monkeypatch.setattr("simulator.engine.play.MAX_CHOICES", 0)  # 1,000 in play
        code = create_class(teacher)
        url = start_group(teacher, code)
        vote(app, trainee(app, code, "Ana"), code, url, PUSH)
        reveal(teacher, app, url)
        response = go_on(teacher, app, url, htmx=True)
        assert response.status_code == 409
        assert "reached 1,000 choices, the most one run keeps" in text(response.text)
        assert group_row(app, url).steps == 0

    def test_the_majority_decides_and_the_engine_applies_it_as_in_solo_play(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        room = [trainee(app, code, name) for name in ("Ana", "Ben", "Cy")]
        for browser, choice in zip(room, (PUSH, PUSH, REFLECT), strict=True):
            vote(app, browser, code, url, choice)
        early = go_on(teacher, app, url, htmx=True)  # before the reveal: refused, said why
        assert early.status_code == 409 and "Reveal the votes first" in text(early.text)
        reveal(teacher, app, url)
        assert go_on(teacher, app, url).status_code == 303
        group = group_row(app, url)
        with app.app_context():
            scenario = app.extensions["rapport.library"].version(group.scenario_digest)
        solo, _steps = engine.play_through(scenario, [PUSH + 1])
        assert group.play_state.model_dump() == solo.model_dump()
        assert group.scene == "shutdown" and group.steps == 1 and group.revealed is None
        assert decided(app, url) == ["majority"]
        page = text(teacher.get(url).text)
        assert "The room chose C" in page and "Decided by the room's majority." in page
        assert "Pushing on to goals ignores the withdrawal marker." in page  # practice feedback

    def test_the_instructor_can_go_on_with_another_reply_for_discussion(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        for name in ("Ana", "Ben"):
            vote(app, trainee(app, code, name), code, url, REFLECT)
        reveal(teacher, app, url)
        response = go_on(teacher, app, url, pick=str(PUSH), htmx=True)
        assert response.status_code == 200
        assert "The room goes on with C." in text(response.text)
        assert group_row(app, url).scene == "shutdown"
        assert decided(app, url) == ["instructor"]
        assert "the instructor&#39;s choice, for discussion" in response.text

    def test_a_tie_is_the_instructors_to_break_and_the_page_says_so(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        vote(app, trainee(app, code, "Ana"), code, url, REFLECT)
        vote(app, trainee(app, code, "Ben"), code, url, PUSH)
        reveal(teacher, app, url)
        page = text(teacher.get(url).text)
        assert "A tie between A and C: you pick the reply to go on with." in page
        assert "Go on with the majority" not in page
        refused = go_on(teacher, app, url, htmx=True)
        assert refused.status_code == 409
        assert "It's a tie between A and C" in text(refused.text)
        assert group_row(app, url).steps == 0
        go_on(teacher, app, url, pick=str(REFLECT))
        assert group_row(app, url).scene == "ambivalence"
        assert decided(app, url) == ["tie"]

    def test_no_votes_means_the_instructor_picks(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        reveal(teacher, app, url)
        assert "No one voted at this scene" in text(teacher.get(url).text)
        assert go_on(teacher, app, url, htmx=True).status_code == 409
        go_on(teacher, app, url, pick=str(SISTER))
        assert decided(app, url) == ["instructor"]

    def test_a_stale_control_changes_nothing(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        reveal(teacher, app, url)
        go_on(teacher, app, url, pick=str(REFLECT))
        resent = teacher.post(f"{url}/advance", data={"step": "0", "pick": "majority"})
        assert resent.status_code == 303
        assert group_row(app, url).steps == 1 and len(decided(app, url)) == 1


class TestTrainees:
    def test_a_late_joiner_votes_from_the_current_scene(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        vote(app, trainee(app, code, "Ana"), code, url, REFLECT)
        reveal(teacher, app, url)
        go_on(teacher, app, url)
        late = trainee(app, code, "Late Lou")
        page = text(late.get(f"/classes/{code}/vote").text)
        assert "I just don't see how talking fixes anything." in page and "choice 2" in page
        stale = late.post(
            f"/classes/{code}/vote",
            data={"group": str(group_row(app, url).id), "step": "0", "reply": "r0"},
            headers=HTMX,
        )
        assert "The room has moved on" in text(stale.text)
        assert vote(app, late, code, url, WONDER).status_code == 303
        lou = trainees(app, code)[1]
        assert votes_in(app, url)[-1] == (1, lou.id, reply_ids(app, url)[WONDER])

    def test_own_words_come_first_where_the_class_requires_them(self, app, teacher):
        code = create_class(teacher, words="required")
        url = start_group(teacher, code)
        ana = trainee(app, code, "Ana")
        reveal(teacher, app, url)
        go_on(teacher, app, url, pick=str(PUSH))  # to the rupture moment, which asks
        page = ana.get(f"/classes/{code}/vote").text
        assert "What would you say?" in page and 'name="reply"' not in page
        assert "Skip: show the replies" not in page
        early = vote(app, ana, code, url, REPAIR, htmx=True)
        assert early.status_code == 400 and "write what you would say first" in text(early.text)
        skipped = words(app, ana, code, url, skip=True)
        assert skipped.status_code == 400
        assert "your own words come first" in text(skipped.text)
        long = "x" * (engine.WORDS_LIMIT + 1)
        too_long = words(app, ana, code, url, long)
        assert too_long.status_code == 400
        assert f"keep this to {engine.WORDS_LIMIT} characters; it has 501" in text(too_long.text)
        assert long in too_long.text  # what was typed stays in the box
        assert votes_in(app, url) == []
        said = "I moved too fast just now. Sorry, Maya."
        assert words(app, ana, code, url, said).status_code == 303
        page = ana.get(f"/classes/{code}/vote").text
        assert 'name="reply"' in page and "Which reply is closest to what you would say?" in page
        assert vote(app, ana, code, url, REPAIR).status_code == 303
        # the instructor's view has the words without the name; the projector never has them
        own = teacher.get(f"{url}/votes").text
        assert "I moved too fast just now." in own
        projector = teacher.get(url).text
        assert "I moved too fast" not in projector and "Ana" not in projector

    def test_where_own_words_are_optional_they_can_be_skipped(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        ana = trainee(app, code, "Ana")
        reveal(teacher, app, url)
        go_on(teacher, app, url, pick=str(PUSH))
        assert "Skip: show the replies" in ana.get(f"/classes/{code}/vote").text
        assert words(app, ana, code, url, skip=True).status_code == 303
        assert vote(app, ana, code, url, CARRY_ON).status_code == 303

    def test_a_closed_class_takes_no_votes(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        ana = trainee(app, code, "Ana")
        teacher.post(f"/classes/{code}/close")
        response = vote(app, ana, code, url, REFLECT, htmx=True)
        assert "no more votes can be recorded" in text(response.text)
        assert votes_in(app, url) == []
        assert "Reveal the votes" not in teacher.get(url).text


class TestTheEnd:
    def test_the_room_reaches_an_ending_and_the_projector_shows_its_debrief(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        ana = trainee(app, code, "Ana")
        for choice in (PUSH, REPAIR, WONDER):
            group = group_row(app, url)
            if group.scene == "shutdown":
                words(app, ana, code, url, "Can we slow down?")
            vote(app, ana, code, url, choice)
            reveal(teacher, app, url)
            go_on(teacher, app, url)
        group = group_row(app, url)
        assert group.finished and group.ending == "good-end" and not group.active
        with app.app_context():
            scenario = app.extensions["rapport.library"].version(group.scenario_digest)
        solo, _ = engine.play_through(scenario, [PUSH + 1, REPAIR + 1, WONDER + 1])
        assert group.play_state.meters == solo.meters and group.play_state.trail == solo.trail
        page = teacher.get(url).text
        words_on_page = text(page)
        assert "Debrief: Coat Still On" in words_on_page
        assert "A first foothold" in words_on_page and "Outcome: " in words_on_page
        assert "How the room voted" in words_on_page
        assert "Choice 2: Sure. Whatever you think. A. I think I rushed ahead" in words_on_page
        assert "Can we slow down?" not in page and "Ana" not in page
        assert "data-hx-trigger" not in page.split('id="group"', 1)[1].split(">", 1)[0]
        phone = text(ana.get(f"/classes/{code}/vote").text)
        assert "The group's debrief is on the screen." in phone
        # the class page no longer calls the room to vote, and the dashboard can start again
        assert "playing together" not in ana.get(f"/classes/{code}/me").text
        assert "Start playing Coat Still On together" in teacher.get(f"/classes/{code}").text

    def test_the_debrief_is_the_engines(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        for choice in (REFLECT, WONDER):
            reveal(teacher, app, url)
            go_on(teacher, app, url, pick=str(choice))
        group = group_row(app, url)
        with app.app_context():
            scenario = app.extensions["rapport.library"].version(group.scenario_digest)
            steps = [row.step for row in groups.group_steps(db_session(), group)]
        report = engine.build_debrief(scenario, steps, group.play_state)
        page = text(teacher.get(url).text)
        assert report.ending_title and report.ending_title in page
        assert report.notes.safe in page


class TestPolling:
    def test_an_unchanged_view_answers_204_and_a_change_brings_the_block(self, app, teacher):
        code = create_class(teacher)
        url = start_group(teacher, code)
        ana = trainee(app, code, "Ana")
        block = teacher.get(url, headers=HTMX)
        assert block.status_code == 200 and "<html" not in block.text
        seen = re.search(r'seen=([^"&]+)"', block.text)
        assert seen
        poll = f"{url}?seen={seen.group(1)}"
        assert teacher.get(poll, headers=HTMX).status_code == 204
        vote(app, ana, code, url, REFLECT)
        changed = teacher.get(poll, headers=HTMX)
        assert changed.status_code == 200 and "1 of 1 trainee has voted." in text(changed.text)
        # the phone's view changes only when the scene, the reveal or the run does
        phone = ana.get(f"/classes/{code}/vote", headers=HTMX)
        key = re.search(r'seen=([^"&]+)"', phone.text)
        assert key
        again = f"/classes/{code}/vote?seen={key.group(1)}"
        assert ana.get(again, headers=HTMX).status_code == 204
        reveal(teacher, app, url)
        assert "The votes for this scene are closed" in text(ana.get(again, headers=HTMX).text)

    def test_the_class_page_follows_a_group_run_starting_and_ending(self, app, teacher):
        code = create_class(teacher)
        ana = trainee(app, code, "Ana")
        page = ana.get(f"/classes/{code}/me").text
        poll = re.search(r'id="together-poll" data-hx-get="([^"]+)"', page)
        assert poll and "seen=none.True" in poll.group(1)
        quiet = poll.group(1).replace("&amp;", "&")
        assert ana.get(quiet, headers=HTMX).status_code == 204  # nothing has changed
        url = start_group(teacher, code)
        started = ana.get(quiet, headers=HTMX)
        assert started.status_code == 200 and "<html" not in started.text
        assert "Your class is playing together — vote." in text(started.text)
        assert f'href="/classes/{code}/vote"' in started.text
        assert "Your scenarios" not in started.text  # only the block that polls
        playing = re.search(r'data-hx-get="([^"]+)"', started.text)
        assert playing and playing.group(1) != poll.group(1)
        assert ana.get(playing.group(1), headers=HTMX).status_code == 204
        assert teacher.post(f"{url}/stop").status_code == 303
        ended = ana.get(playing.group(1), headers=HTMX)
        assert ended.status_code == 200 and "playing together" not in ended.text
        assert 'id="together-poll" data-hx-get=' in ended.text  # and it keeps following

    def test_the_class_page_says_when_the_session_closes_and_stops_polling(self, app, teacher):
        code = create_class(teacher)
        ana = trainee(app, code, "Ana")
        page = ana.get(f"/classes/{code}/me").text
        poll = re.search(r'id="together-poll" data-hx-get="([^"]+)"', page)
        assert poll and "has closed" not in text(page)
        assert teacher.post(f"/classes/{code}/close").status_code == 303
        closed = ana.get(poll.group(1).replace("&amp;", "&"), headers=HTMX)
        assert closed.status_code == 200
        assert "This class session has closed" in text(closed.text)
        assert "data-hx-get" not in closed.text  # nothing left to follow
        assert '<div id="together-poll">' in ana.get(f"/classes/{code}/me").text

    def test_a_poll_from_a_browser_not_in_the_class_gets_a_message_not_the_join_page(
        self, app, teacher
    ):
        code = create_class(teacher)
        stranger = app.test_client()
        for where in (code, "ACDEF3"):  # the same answer whether or not the code exists
            answer = stranger.get(f"/classes/{where}/me?seen=none.True", headers=HTMX)
            assert answer.status_code == 404
            assert "You are not in this class session" in answer.text
            assert "<form" not in answer.text and "<html" not in answer.text
        # without htmx it is still the join form, as before
        assert stranger.get(f"/classes/{code}/me").status_code == 303


class TestExports:
    def test_every_vote_and_own_words_are_exported_with_what_the_room_went_on_with(
        self, app, teacher
    ):
        code = create_class(teacher)
        url = start_group(teacher, code)
        ana, ben, cy = (trainee(app, code, name) for name in ("Ana", "Ben", "Cy"))
        first = reply_ids(app, url)
        for browser, index in ((ana, PUSH), (ben, PUSH), (cy, REFLECT)):
            assert vote(app, browser, code, url, index).status_code == 303
        reveal(teacher, app, url)
        assert go_on(teacher, app, url).status_code == 303  # the majority: the push
        # the rupture asks for own words first; the room is still at it when exported
        assert words(app, ana, code, url, "Sorry, I rushed you.").status_code == 303
        assert words(app, ben, code, url, skip=True).status_code == 303
        assert vote(app, ana, code, url, REPAIR).status_code == 303
        assert vote(app, ben, code, url, CARRY_ON).status_code == 303
        group = group_row(app, url)
        with app.app_context():
            scenario = app.extensions["rapport.library"].version(group.scenario_digest)
        opening = scenario.scenes[scenario.start]
        rated = {
            engine.reply_id(scene_id, index, choice): QUALITY_WORDS[choice.quality][1]
            for scene_id, scene in scenario.scenes.items()
            for index, choice in enumerate(scene.choices or ())
            if choice.quality
        }

        response = teacher.get(f"/classes/{code}/export-votes.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="rapport-{code}-group-votes.csv"'
        )
        table = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
        assert [(r["choice"], r["trainee"], r["vote"]) for r in table] == [
            ("1", "Ana", "C"),
            ("1", "Ben", "C"),
            ("1", "Cy", "A"),
            ("2", "Ana", "A"),
            ("2", "Ben", "B"),
        ]
        ana_first, cy_first, ana_second, ben_second = table[0], table[2], table[3], table[4]
        assert ana_first["scene"] == scenario.start and ana_first["moment"] == ""
        assert ana_first["vote_reply"] == opening.choices[PUSH].say
        assert ana_first["vote_quality"] == rated[first[PUSH]]
        assert cy_first["vote_quality"] == rated[first[REFLECT]]
        assert (ana_first["room_choice"], ana_first["room_reply"]) == (
            "C",
            opening.choices[PUSH].say,
        )
        assert ana_first["decided"] == "the room's majority"
        assert (ana_first["with_room"], cy_first["with_room"]) == ("yes", "no")
        assert ana_second["scene"] == group.scene and ana_second["moment"] == "Rupture"
        assert ana_second["own_words"] == "Sorry, I rushed you."
        assert ben_second["own_words"] == ""
        assert (ana_second["room_choice"], ana_second["decided"], ana_second["with_room"]) == (
            "",
            "",
            "",
        )
        assert ana_second["vote_reply"] == scenario.scenes[group.scene].choices[REPAIR].say

        document = teacher.get(f"/classes/{code}/export.json").get_json()
        assert document["group_vote_columns"] == list(table[0])
        rows = document["group_votes"]
        assert [(r["choice"], r["trainee"]) for r in rows] == [
            (int(r["choice"]), r["trainee"]) for r in table
        ]
        assert rows[0]["with_room"] is True and rows[2]["with_room"] is False
        assert rows[0]["own_words"] is None  # not asked at that scene
        assert rows[4]["own_words"] == "" and rows[3]["room_choice"] is None

    def test_a_class_without_group_runs_exports_the_header_only(self, app, teacher):
        code = create_class(teacher)
        response = teacher.get(f"/classes/{code}/export-votes.csv")
        assert response.text.lstrip("\ufeff").splitlines() == [",".join(GROUP_VOTE_COLUMNS)]
        assert teacher.get(f"/classes/{code}/export.json").get_json()["group_votes"] == []
