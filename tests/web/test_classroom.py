"""Class sessions: creating one, joining by code, playing in class, the scoreboard and the
moments, freezing, the dashboard's roster, renaming and removing, closing, and the exports."""

from __future__ import annotations

import csv
import io
import json
import re
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient

from simulator import classroom as classrooms
from simulator.db import session as db_session
from simulator.models import Run

from .classes import (
    REPAIRED,
    STRONG,
    UNREPAIRED,
    classroom,
    create_class,
    join,
    joined,
    log_in,
    make_instructor,
    play,
    run_row,
    start,
    text,
    trainees,
)
from .helpers import ASKED, HTMX, reply


@pytest.fixture
def teacher(app: Flask, client: FlaskClient) -> FlaskClient:
    """The instructor's browser, logged in."""
    make_instructor(app, "ada@example.org")
    log_in(client, "ada@example.org")
    return client


def all_classes(app: Flask) -> list:
    from simulator.models import Classroom

    with app.app_context():
        return list(db_session().query(Classroom).all())


def browser(app: Flask) -> FlaskClient:
    """Another browser, with its own cookies."""
    return app.test_client()


# -- creating a class session --------------------------------------------------------------


class TestCreating:
    def test_a_new_class_gets_a_code_without_look_alikes_and_a_dashboard(self, teacher):
        code = create_class(teacher, name="Week 4 <b>skills</b>", mode="assessment")
        assert set(code) <= set(classrooms.ALPHABET) and len(code) == 6
        assert not set(code) & set("0O1IL2Z5S8B")
        page = teacher.get(f"/classes/{code}")
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        assert "Week 4 &lt;b&gt;skills&lt;/b&gt;" in page.text
        assert code in page.text
        assert f"http://localhost/join?code={code}" in page.text
        # the QR code: an inline SVG with a text alternative naming the URL
        assert re.search(
            rf'<svg role="img" aria-label="QR code: scan it to open http://localhost/join\?code={code}"',
            page.text,
        )
        assert "Assessment mode · Ranked scoreboard" in text(page.text)
        listing = teacher.get("/classes")
        assert code in listing.text and "Week 4 &lt;b&gt;skills&lt;/b&gt;" in listing.text

    def test_a_double_click_on_create_or_duplicate_makes_one_class_session(self, teacher, app):
        def once(page: str, action: str) -> str:
            form = re.search(rf'action="{re.escape(action)}".*?</form>', page, re.S)
            assert form, action
            found = re.search(r'name="once" value="([^"]+)"', form.group(0))
            assert found
            return found.group(1)

        token = once(teacher.get("/classes/new").text, "/classes")
        form = {"name": "Week 5", "scenarios": ["coat-still-on"], "mode": "practice",
                "board": "ranked", "words": "optional", "once": token}  # fmt: skip
        first = teacher.post("/classes", data=form)
        second = teacher.post("/classes", data=form)
        assert first.status_code == second.status_code == 303
        assert first.headers["Location"] == second.headers["Location"]
        code = first.headers["Location"].rsplit("/", 1)[1]
        copy_token = once(teacher.get(f"/classes/{code}").text, f"/classes/{code}/duplicate")
        copies = {teacher.post(f"/classes/{code}/duplicate", data={"once": copy_token})
                  .headers["Location"] for _ in range(3)}  # fmt: skip
        assert len(copies) == 1 and first.headers["Location"] not in copies
        # two clicks at once: the second looked before the first committed, found nothing,
        # and inserts too; the unique token sends it to the first one's class session
        from simulator.classroom import instructor

        form = {**form, "once": once(teacher.get("/classes/new").text, "/classes")}
        winner = teacher.post("/classes", data=form).headers["Location"]
        real, looks = instructor.class_made_with, []

        def stale_first(*args):
            looks.append(1)
            return None if len(looks) == 1 else real(*args)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(instructor, "class_made_with", stale_first)
            late = teacher.post("/classes", data=form)
        assert late.headers["Location"] == winner and len(looks) == 2
        with app.app_context():
            from simulator.models import Classroom

            names = [c.name for c in db_session().query(Classroom).all()]
        assert names.count("Week 5") == 2 and names.count("Week 5 (copy)") == 1

    def test_a_create_form_sent_again_with_other_contents_makes_what_it_now_asks_for(
        self, teacher, app
    ):
        """Back to the form, a change, Create again: the token is the same, the contents are
        not, so a second class session is made with them (not a silent return to the first);
        the changed form sent twice still makes one."""
        page = teacher.get("/classes/new").text
        token = re.search(r'name="once" value="([^"]+)"', page).group(1)
        form = {"name": "Week 6", "scenarios": ["coat-still-on"], "mode": "practice",
                "board": "ranked", "words": "optional", "once": token}  # fmt: skip
        first = teacher.post("/classes", data=form).headers["Location"]
        changed = {**form, "name": "Week 6 (evening)", "mode": "assessment"}
        second = teacher.post("/classes", data=changed).headers["Location"]
        again = teacher.post("/classes", data=changed).headers["Location"]
        assert second != first and again == second
        made = {c.code: (c.name, c.mode) for c in all_classes(app)}
        assert made[first.rsplit("/", 1)[1]] == ("Week 6", "practice")
        assert made[second.rsplit("/", 1)[1]] == ("Week 6 (evening)", "assessment")
        assert len(made) == 2

    def test_the_full_screen_code_page_shows_the_code_url_and_qr(self, teacher):
        code = create_class(teacher)
        page = teacher.get(f"/classes/{code}/code")
        assert page.status_code == 200
        assert code in page.text and "http://localhost/join" in page.text
        assert '<svg role="img"' in page.text

    def test_a_bad_form_comes_back_with_every_problem_and_every_value(self, teacher):
        response = teacher.post(
            "/classes",
            data={"name": "  ", "scenarios": [], "mode": "god-mode", "board": "podium"},
        )
        assert response.status_code == 400
        words = text(response.text)
        for message in (
            "Please give the class session a name",
            "Choose at least one scenario.",
            "Choose practice or assessment mode.",
            "Choose a scoreboard style.",
        ):
            assert message in words
        kept = teacher.post(
            "/classes",
            data={"name": "Kept name", "scenarios": ["coat-still-on"], "mode": "practice"},
        )
        assert kept.status_code == 400
        assert 'value="Kept name"' in kept.text
        assert re.search(r'value="coat-still-on" checked', kept.text)
        assert re.search(r'id="mode-practice" name="mode" value="practice" checked', kept.text)

    def test_a_scenario_not_in_the_library_is_refused(self, teacher, app):
        response = teacher.post(
            "/classes",
            data={"name": "X", "scenarios": ["nope"], "mode": "practice", "board": "ranked"},
        )
        assert response.status_code == 400
        assert "no longer in the library" in response.text

    def test_a_name_over_120_characters_is_refused(self, teacher):
        response = teacher.post(
            "/classes",
            data={
                "name": "x" * 121,
                "scenarios": ["coat-still-on"],
                "mode": "practice",
                "board": "ranked",
            },
        )
        assert response.status_code == 400
        assert "at most 120 characters" in response.text

    def test_a_code_already_taken_is_drawn_again(self, teacher, monkeypatch):
        first = create_class(teacher)
        draws = iter([first, first, "ACDEF3"])
        monkeypatch.setattr(classrooms.instructor, "new_code", lambda: next(draws))
        assert create_class(teacher, name="Second") == "ACDEF3"

    def test_codes_are_typed_in_any_case_with_spaces_or_dashes(self):
        assert classrooms.normal_code(" acd-ef3 ") == "ACDEF3"
        assert classrooms.normal_code("ACD EF3") == "ACDEF3"
        for bad in ("", "ACDEF", "ACDEF3X", "ACDEF0", "ABCDEF", "ACDEF<"):
            assert classrooms.normal_code(bad) is None


# -- joining -------------------------------------------------------------------------------


class TestJoining:
    def test_a_trainee_joins_by_code_and_name_and_lands_on_their_class_page(self, teacher, app):
        code = create_class(teacher)
        ana = browser(app)
        form = ana.get(f"/join?code={code}")
        assert form.status_code == 200 and f'value="{code}"' in form.text
        response = join(ana, f" {code.lower()[:3]}-{code.lower()[3:]} ", "  Ana   Lima ")
        assert response.status_code == 303
        assert response.headers["Location"] == f"/classes/{code}/me"
        page = ana.get(f"/classes/{code}/me")
        assert page.status_code == 200
        assert "You joined as <strong>Ana Lima</strong>" in page.text
        assert "Coat Still On" in page.text
        [row] = trainees(app, code)
        assert (row.name, row.key) == ("Ana Lima", "ana lima")
        assert "Ana Lima" in teacher.get(f"/classes/{code}").text

    def test_the_join_page_lists_the_classes_this_browser_joined(self, teacher, app):
        first = create_class(teacher, name="Monday <group>")
        second = create_class(teacher, name="Friday group")
        ana = browser(app)
        assert "Class sessions you have joined" not in ana.get("/join").text
        joined(ana, first, "Ana")
        joined(ana, second, "Ana F")
        teacher.post(f"/classes/{first}/close")
        page = ana.get("/join").text
        assert "Class sessions you have joined" in page
        assert f'href="/classes/{second}/me">Friday group</a>' in page
        assert "Monday &lt;group&gt;" in page and "as Ana · closed" in text(page)
        assert "Monday" not in browser(app).get("/join").text

    def test_rejoining_from_the_same_browser_goes_back_to_the_trainee_page(self, teacher, app):
        code = create_class(teacher)
        ana = browser(app)
        joined(ana, code, "Ana")
        again = ana.get(f"/join?code={code}")
        assert again.status_code == 303 and again.headers["Location"] == f"/classes/{code}/me"
        posted = join(ana, code, "Another name")
        assert posted.status_code == 303 and posted.headers["Location"] == f"/classes/{code}/me"
        assert [t.name for t in trainees(app, code)] == ["Ana"]

    @pytest.mark.parametrize(
        ("code", "name", "status", "words"),
        [
            ("ABC", "Ana", 400, "A join code has 6 letters and digits"),
            ("ACDEF3", "Ana", 404, "No class session has the code ACDEF3"),
            (None, "   ", 400, "Please enter a display name."),
            (None, "x" * 41, 400, "at most 40 characters; this one has 41"),
            (None, "Ana\x07", 400, "can't contain control characters"),
            (None, "Bo\u202eb", 400, "can't contain control characters"),
        ],
    )
    def test_bad_joins_get_a_clear_message_and_keep_what_was_typed(
        self, teacher, app, code, name, status, words
    ):
        real = create_class(teacher)
        ana = browser(app)
        response = join(ana, code or real, name)
        assert response.status_code == status
        assert words in text(response.text)
        assert 'role="alert"' in response.text
        assert 'aria-invalid="true"' in response.text
        if name.strip() and "\x07" not in name and "\u202e" not in name:
            assert f'value="{name}"' in response.text
        assert trainees(app, real) == []

    def test_a_name_of_exactly_40_characters_is_fine(self, teacher, app):
        code = create_class(teacher)
        joined(browser(app), code, "é" * 40)
        assert trainees(app, code)[0].name == "é" * 40

    def test_names_are_unique_in_the_class_regardless_of_case(self, teacher, app):
        code = create_class(teacher)
        joined(browser(app), code, "Ana")
        for clash in ("ana", "ANA", " Ana ", "Ａｎａ"):  # fullwidth letters fold to the same name
            response = join(browser(app), code, clash)
            assert response.status_code == 409
            assert "Someone in this class is already called" in response.text
        # the same name in another class session is fine
        other = create_class(teacher, name="Other")
        joined(browser(app), other, "Ana")

    def test_names_are_shown_escaped(self, teacher, app):
        code = create_class(teacher)
        trainee = browser(app)
        joined(trainee, code, '<script>alert("x")</script>')
        escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
        for page in (
            teacher.get(f"/classes/{code}"),
            teacher.get(f"/classes/{code}/board"),
            trainee.get(f"/classes/{code}/me"),
        ):
            assert "<script>alert" not in page.text
            assert escaped in page.text

    def test_a_closed_class_cannot_be_joined(self, teacher, app):
        code = create_class(teacher)
        assert teacher.post(f"/classes/{code}/close").status_code == 303
        response = join(browser(app), code, "Late")
        assert response.status_code == 409
        assert "has closed, so it can't be joined any more" in text(response.text)
        assert trainees(app, code) == []

    def test_failed_attempts_are_rate_limited_per_address_with_a_friendly_page(self, teacher, app):
        code = create_class(teacher)
        guesser = browser(app)
        for _ in range(45):
            assert join(guesser, "ACDEF3", "Bot").status_code == 404
        blocked = join(guesser, code, "Bot")  # even a right code, once over the limit
        assert blocked.status_code == 429
        assert blocked.headers["Retry-After"] == "60"
        assert "Too many join attempts from your network" in blocked.text
        assert 'value="Bot"' in blocked.text  # what was typed is kept
        assert trainees(app, code) == []
        # the limit is per address: another address can still join
        other = browser(app).post(
            "/join", data={"code": code, "name": "Ana"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
        )
        assert other.status_code == 303

    def test_a_room_of_forty_behind_one_address_each_making_a_typo_still_joins(self, teacher, app):
        code = create_class(teacher)
        # a typo is another letter of the code alphabet (B is not one: it reads as 8)
        typo = code[:-1] + ("A" if code[-1] != "A" else "C")
        for number in range(40):
            student = browser(app)
            assert join(student, typo, f"Student {number}").status_code == 404
            joined(student, code, f"Student {number}")
        assert len(trainees(app, code)) == 40

    def test_a_lecture_hall_behind_one_address_joins_in_the_same_minute(self, teacher, app):
        code = create_class(teacher)  # 150 joins: over the old flood cap of 120 a minute
        for number in range(150):
            joined(browser(app), code, f"Trainee {number}")
        assert len(trainees(app, code)) == 150

    def test_successful_joins_do_not_use_up_the_failure_limit(self, teacher, app):
        code = create_class(teacher)  # a whole class behind one address joins at once
        for number in range(15):
            joined(browser(app), code, f"Trainee {number}")
        assert len(trainees(app, code)) == 15


# -- playing in class ----------------------------------------------------------------------


class TestPlayingInClass:
    def test_a_class_run_belongs_to_the_class_and_trainee_and_takes_the_class_mode(
        self, teacher, app
    ):
        code = create_class(teacher, mode="assessment")
        ana = browser(app)
        joined(ana, code, "Ana")
        response = ana.post(
            f"/classes/{code}/runs", data={"scenario": "coat-still-on", "mode": "practice"}
        )
        run = response.headers["Location"]
        found = run_row(app, run)
        [trainee] = trainees(app, code)
        assert (found.classroom_id, found.trainee_id, found.mode) == (
            classroom(app, code).id,
            trainee.id,
            "assessment",
        )
        assert found.owner == trainee.owner
        page = ana.get(run)
        assert page.status_code == 200 and "Assessment mode" in page.text

    def test_the_class_page_shows_each_scenario_with_where_the_trainee_is(
        self, teacher, app, folder
    ):
        (folder / "asked.yaml").write_text(ASKED, encoding="utf-8")
        code = create_class(teacher, scenarios=("coat-still-on", "asked"))
        ana = browser(app)
        joined(ana, code, "Ana")
        page = text(ana.get(f"/classes/{code}/me").text)
        assert "Coat Still On" in page and "Asked Back" in page
        assert page.count("Start") >= 2
        run = start(ana, code)
        play(ana, run, [0])
        page = ana.get(f"/classes/{code}/me").text
        assert "In progress: 1 choice made." in text(page)
        assert f'href="{run}"' in page
        play(ana, run, [0], first_step=1)
        page = ana.get(f"/classes/{code}/me").text
        assert "Finished · outcome Good" in text(page)
        assert f'href="{run}/debrief"' in page
        assert "Play again" in page

    def test_only_the_class_scenarios_can_be_started(self, teacher, app, folder):
        (folder / "asked.yaml").write_text(ASKED, encoding="utf-8")
        code = create_class(teacher)
        ana = browser(app)
        joined(ana, code, "Ana")
        response = ana.post(f"/classes/{code}/runs", data={"scenario": "asked"})
        assert response.status_code == 400
        assert "isn't part of this class session" in text(response.text)

    def test_a_closed_class_keeps_everything_but_takes_no_more_choices(self, teacher, app):
        code = create_class(teacher)
        ana = browser(app)
        joined(ana, code, "Ana")
        run = start(ana, code)
        play(ana, run, [2])
        teacher.post(f"/classes/{code}/close")
        refused = ana.post(f"{run}/choose", data={"step": "1", "reply": reply(ana, run, 0)})
        assert refused.status_code == 400
        assert "This class session has closed, so no more replies can be recorded" in refused.text
        htmx = ana.post(
            f"{run}/choose", data={"step": "1", "reply": reply(ana, run, 0)}, headers=HTMX
        )
        assert htmx.status_code == 400 and "This class session has closed" in htmx.text
        hint = ana.post(f"{run}/hint", data={"step": "1"})  # asking is recorded too: refused
        assert hint.status_code == 400 and "This class session has closed" in hint.text
        assert run_row(app, run).steps == 1 and run_row(app, run).state["hints"] == []
        page = ana.get(run)
        assert page.status_code == 200 and "This class session has closed" in page.text
        mine = ana.get(f"/classes/{code}/me")
        assert mine.status_code == 200 and "no new runs can start" in mine.text
        assert (
            ana.post(f"/classes/{code}/runs", data={"scenario": "coat-still-on"}).status_code == 409
        )
        # the instructor still sees everything
        assert "Ana" in teacher.get(f"/classes/{code}").text
        assert "Ana" in teacher.get(f"/classes/{code}/export.csv").text

    def test_runs_outside_a_class_are_not_affected(self, teacher, app):
        code = create_class(teacher)
        teacher.post(f"/classes/{code}/close")
        solo = browser(app)
        run = solo.post("/scenarios/coat-still-on/runs", data={"mode": "practice"}).headers[
            "Location"
        ]
        play(solo, run, STRONG)
        assert run_row(app, run).finished


# -- the scoreboard ------------------------------------------------------------------------


def a_class_that_played(teacher: FlaskClient, app: Flask, board: str = "ranked"):
    """Three trainees: Ana strong (53), Ben repaired (49), Cy unrepaired (34); Dee only joined."""
    code = create_class(teacher, board=board)
    people = {}
    for name, path in (("Ana", STRONG), ("Ben", REPAIRED), ("Cy", UNREPAIRED)):
        trainee = browser(app)
        joined(trainee, code, name)
        play(trainee, start(trainee, code), path)
        people[name] = trainee
    people["Dee"] = browser(app)
    joined(people["Dee"], code, "Dee")
    return code, people


class TestScoreboard:
    def test_ranked_board_lists_names_by_alliance_score_with_progress_and_ruptures(
        self, teacher, app
    ):
        code, _people = a_class_that_played(teacher, app)
        page = teacher.get(f"/classes/{code}/board")
        assert page.status_code == 200
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page.text, re.S)[1:]
        assert [text(row) for row in rows] == [
            "1 Ana Finished · 2 choices 53 0 0",
            "2 Ben Finished · 3 choices 49 1 1",
            "3 Cy Finished · 2 choices 34 1 0",
            "– not started Dee Not started – no score yet 0 0",
        ]
        words = text(page.text)
        assert (
            "Joined 4 Started 3 Finished 3 of 4 Average alliance score 45 Ruptures repaired 1 of 2"
            in words
        )

    def test_the_scores_are_the_one_alliance_score(self, teacher, app):
        code, _people = a_class_that_played(teacher, app)
        with app.app_context():
            runs = db_session().query(Run).order_by(Run.started_at).all()
            from simulator.engine.model import alliance_score

            assert [r.score for r in runs] == [alliance_score(r.state["meters"]) for r in runs]
            assert [r.score for r in runs] == [53, 49, 34]

    def test_anonymous_board_shows_no_names_but_marks_your_own_row(self, teacher, app):
        code, people = a_class_that_played(teacher, app, board="anonymous")
        for viewer in (teacher, people["Ben"]):
            page = viewer.get(f"/classes/{code}/board").text
            board = page.split('id="board"')[1]
            for name in ("Ana", "Ben", "Cy", "Dee"):
                assert name not in board
        ben = people["Ben"].get(f"/classes/{code}/board").text
        assert "You are <strong>number 2</strong> of 3" in ben
        assert len(re.findall(r'<tr class="you">', ben)) == 1
        assert re.search(
            r'<tr class="you">\s*<td class="rank">2 <span class="you-tag">You</span>', ben
        )
        assert 'class="you"' not in teacher.get(f"/classes/{code}/board").text

    def test_aggregate_board_has_no_row_per_person(self, teacher, app):
        code, people = a_class_that_played(teacher, app, board="aggregate")
        page = teacher.get(f"/classes/{code}/board").text
        assert "<table" not in page.split('id="board"')[1]
        for name in ("Ana", "Ben", "Cy", "Dee"):
            assert name not in page.split('id="board"')[1]
        words = text(page)
        assert "40–59 2 trainees · 67%" in words
        assert "20–39 1 trainee · 33%" in words
        assert "Median 49" in words
        cy = text(people["Cy"].get(f"/classes/{code}/board").text)
        assert "Your alliance score: 34 (the class average is 45)" in cy

    def test_htmx_polls_one_block_until_the_class_closes(self, teacher, app):
        code, people = a_class_that_played(teacher, app)
        block = people["Ana"].get(f"/classes/{code}/board", headers=HTMX)
        assert block.status_code == 200 and "HX-Request" in block.headers["Vary"]
        assert "<html" not in block.text and "<h1" not in block.text
        assert block.text.strip().startswith('<div id="board"')
        assert (
            'data-hx-trigger="every 2s"' in block.text and 'data-hx-swap="outerHTML"' in block.text
        )
        teacher.post(f"/classes/{code}/close")
        closed = people["Ana"].get(f"/classes/{code}/board", headers=HTMX)
        assert closed.status_code == 200
        assert "hx-trigger" not in closed.text and "hx-get" not in closed.text
        assert "these are the final standings" in closed.text

    def test_the_board_changes_with_each_choice(self, teacher, app):
        code = create_class(teacher)
        ana = browser(app)
        joined(ana, code, "Ana")
        run = start(ana, code)
        assert "Playing · 0 choices 44" in text(
            teacher.get(f"/classes/{code}/board", headers=HTMX).text
        )
        play(ana, run, [0])
        assert "Playing · 1 choice 48" in text(
            teacher.get(f"/classes/{code}/board", headers=HTMX).text
        )

    def test_only_first_attempts_count_and_test_runs_never(self, teacher, app):
        code, people = a_class_that_played(teacher, app)
        # Cy plays again and does well: the board keeps the first attempt
        again = start(people["Cy"], code)
        play(people["Cy"], again, STRONG)
        assert run_row(app, again).attempt == 2
        # a test run, even one numbered as a first attempt, never counts
        dee = next(t for t in trainees(app, code) if t.name == "Dee")
        with app.app_context():
            db = db_session()
            model = db.get(Run, run_row(app, again).id)
            assert model is not None
            db.add(
                Run(
                    owner="x",
                    scenario_id="coat-still-on",
                    title="Coat Still On",
                    scenario_digest=model.scenario_digest,
                    state=model.state,
                    scene="good-end",
                    steps=99,
                    score=1,
                    is_test=True,
                    classroom_id=model.classroom_id,
                    trainee_id=dee.id,
                    attempt=1,
                )
            )
            db.commit()
        words = text(teacher.get(f"/classes/{code}/board").text)
        assert "1 Ana Finished · 2 choices 53" in words
        assert "3 Cy Finished · 2 choices 34" in words
        # (its 99 steps nowhere: not "99" alone, which a join code such as G6499U can hold)
        assert "Dee Not started" in words and "99 choices" not in words
        assert "2 of 3 · 67%" not in text(teacher.get(f"/classes/{code}/moments").text)

    def test_attempts_are_numbered_once_each_even_when_starts_race(self, teacher, app):
        code = create_class(teacher)
        ana = browser(app)
        joined(ana, code, "Ana")
        cookie = ana.get_cookie("rapport")
        assert cookie is not None
        barrier = threading.Barrier(4)
        locations: list[str] = []

        def click_start() -> None:
            tab = browser(app)  # the same browser (its cookie) in another tab
            tab.set_cookie("rapport", cookie.value)
            barrier.wait()
            response = tab.post(f"/classes/{code}/runs", data={"scenario": "coat-still-on"})
            assert response.status_code == 303, response.text
            locations.append(response.headers["Location"])

        threads = [threading.Thread(target=click_start) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(run_row(app, run).attempt for run in locations) == [1, 2, 3, 4]

    def test_freezing_holds_the_board_while_play_goes_on(self, teacher, app):
        code = create_class(teacher)
        ana = browser(app)
        joined(ana, code, "Ana")
        run = start(ana, code)
        play(ana, run, [2])
        response = teacher.post(f"/classes/{code}/freeze")
        assert (
            response.status_code == 303 and response.headers["Location"] == f"/classes/{code}/board"
        )
        joined(browser(app), code, "Late Larry")
        play(ana, run, [0], first_step=1)
        assert run_row(app, run).steps == 2  # play went on
        frozen = ana.get(f"/classes/{code}/board", headers=HTMX).text
        assert "Frozen" in frozen and "Playing · 1 choice" in text(frozen)
        assert "Larry" not in frozen
        assert 'data-hx-trigger="every 2s"' in frozen  # still polling, to see the unfreeze
        # a rename reaches the frozen board; a removal takes the row off it
        ana_id = trainees(app, code)[0].id
        teacher.post(f"/classes/{code}/trainees/{ana_id}/rename", data={"name": "Ana B"})
        assert "Ana B" in ana.get(f"/classes/{code}/board").text
        # htmx: the controls and the board come back together, the toggle focused
        thawed = teacher.post(f"/classes/{code}/unfreeze", headers=HTMX)
        assert thawed.status_code == 200
        assert thawed.text.strip().startswith('<div id="board-area">')
        assert re.search(r'id="freeze-toggle" autofocus>Freeze the board<', thawed.text)
        live = text(ana.get(f"/classes/{code}/board", headers=HTMX).text)
        assert "Playing · 2 choices" in live and "Late Larry" in live

    def test_the_board_freezes_from_the_dashboard_too(self, teacher, app):
        code = create_class(teacher)
        response = teacher.post(f"/classes/{code}/freeze", data={"back": "dashboard"})
        assert response.headers["Location"] == f"/classes/{code}"
        page = teacher.get(f"/classes/{code}").text
        assert "The board is frozen" in page and "Unfreeze the board" in page
        assert classroom(app, code).frozen_board == {"standings": [], "counts": [], "progress": []}


# -- the moments ---------------------------------------------------------------------------


class TestMoments:
    def test_the_split_at_each_key_moment_with_counts_and_percentages(self, teacher, app):
        code, people = a_class_that_played(teacher, app)
        page = people["Dee"].get(f"/classes/{code}/moments")
        assert page.status_code == 200
        words = text(page.text)
        assert (
            "Rupture: “Sure. Whatever you think.”" in words or "Sure. Whatever you think." in words
        )
        assert (
            "I think I rushed ahead just now. Can we go back to how it felt to come in today? "
            "1 of 2 · 50%" in words
        )
        assert "Great. So, what would you like to work on? 1 of 2 · 50%" in words

    def test_a_moment_no_one_reached_says_so_and_polling_stops_when_closed(self, teacher, app):
        code = create_class(teacher)
        block = teacher.get(f"/classes/{code}/moments", headers=HTMX)
        assert block.text.strip().startswith('<div id="moments"')
        assert "No one has reached this moment yet." in block.text
        assert 'data-hx-trigger="every 2s"' in block.text
        teacher.post(f"/classes/{code}/close")
        assert "hx-trigger" not in teacher.get(f"/classes/{code}/moments", headers=HTMX).text

    def test_a_disclosure_moment_at_the_first_scene_splits_three_ways(self, teacher, app, folder):
        (folder / "asked.yaml").write_text(ASKED, encoding="utf-8")
        code = create_class(teacher, scenarios=("asked",))
        for name, choice in (("A", 0), ("B", 0), ("C", 1)):
            trainee = browser(app)
            joined(trainee, code, name)
            play(trainee, start(trainee, code, "asked"), [choice])
        words = text(teacher.get(f"/classes/{code}/moments").text)
        assert "Self-disclosure dilemma:" in words
        assert "2 of 3 · 67%" in words and "1 of 3 · 33%" in words

    def test_freezing_holds_the_moments_too(self, teacher, app):
        code, people = a_class_that_played(teacher, app)
        teacher.post(f"/classes/{code}/freeze")
        dee = people["Dee"]
        play(dee, start(dee, code), UNREPAIRED)
        assert "1 of 2 · 50%" in text(teacher.get(f"/classes/{code}/moments").text)
        teacher.post(f"/classes/{code}/unfreeze")
        words = text(teacher.get(f"/classes/{code}/moments").text)
        assert "2 of 3 · 67%" in words and "1 of 3 · 33%" in words


# -- the dashboard: roster, a trainee, rename, remove --------------------------------------


class TestDashboard:
    def test_the_roster_shows_progress_and_polls_while_open(self, teacher, app):
        code, _people = a_class_that_played(teacher, app)
        words = text(teacher.get(f"/classes/{code}").text)
        assert "Ben Finished · 3 choices 49 1 1" in words
        assert "Dee Not started" in words
        block = teacher.get(f"/classes/{code}", headers=HTMX)
        assert block.text.strip().startswith('<div id="roster"')
        assert 'data-hx-trigger="every 2s"' in block.text
        teacher.post(f"/classes/{code}/close")
        closed = teacher.get(f"/classes/{code}")
        assert "hx-trigger" not in closed.text
        assert "The class session is closed" in closed.text

    def test_roster_polling_after_the_login_ended_gets_a_message_not_the_login_page(
        self, teacher, app
    ):
        code = create_class(teacher)
        teacher.post("/logout")
        polled = teacher.get(f"/classes/{code}", headers=HTMX)
        assert polled.status_code == 401
        assert "Please log in again" in polled.text
        assert 'name="password"' not in polled.text and "hx-trigger" not in polled.text
        # without htmx: the login page, as for any instructor page
        assert teacher.get(f"/classes/{code}").headers["Location"].startswith("/login?next=")

    def test_a_trainee_id_beyond_any_stored_is_a_404_not_a_500(self, teacher, app):
        code, _people = a_class_that_played(teacher, app)
        for number in ("99999999999999999999", "9223372036854775808", "2147483648"):
            assert teacher.get(f"/classes/{code}/trainees/{number}").status_code == 404
            for action in ("rename", "remove"):
                url = f"/classes/{code}/trainees/{number}/{action}"
                assert teacher.post(url, data={"name": "X"}).status_code == 404
            assert teacher.get(f"/classes/{code}/group/{number}").status_code == 404

    def test_the_instructor_opens_a_trainees_runs_reactions_and_debrief(self, teacher, app):
        code, people = a_class_that_played(teacher, app)
        ben = next(t for t in trainees(app, code) if t.name == "Ben")
        with app.app_context():
            db = db_session()
            run = db.query(Run).filter_by(trainee_id=ben.id).one()
            run.reaction_rating, run.reaction_text = 4, "Hard to sit with the <silence>."
            db.commit()
            run_id = run.id
        page = teacher.get(f"/classes/{code}/trainees/{ben.id}")
        assert page.status_code == 200
        words = text(page.text)
        assert "Ben" in words and "Finished · 3 choices" in words
        assert "4 of 5" in words and "Hard to sit with the &lt;silence&gt;." in page.text
        debrief = teacher.get(f"/classes/{code}/runs/{run_id}/debrief")
        assert debrief.status_code == 200
        assert "Debrief: Coat Still On" in debrief.text
        assert "Withdrawal rupture: repaired" in debrief.text
        # an unfinished run sends the instructor back with a word
        dee = people["Dee"]
        unfinished = start(dee, code).rsplit("/", 1)[1]
        back = teacher.get(f"/classes/{code}/runs/{unfinished}/debrief")
        assert back.status_code == 303

    def test_rename_keeps_names_unique_and_clean(self, teacher, app):
        code, _people = a_class_that_played(teacher, app)
        ben = next(t for t in trainees(app, code) if t.name == "Ben")
        clash = teacher.post(f"/classes/{code}/trainees/{ben.id}/rename", data={"name": "ANA"})
        assert clash.status_code == 400
        assert "already called ANA" in clash.text and 'value="ANA"' in clash.text
        empty = teacher.post(f"/classes/{code}/trainees/{ben.id}/rename", data={"name": " "})
        assert empty.status_code == 400 and "Please enter a display name." in empty.text
        same = teacher.post(f"/classes/{code}/trainees/{ben.id}/rename", data={"name": "ben"})
        assert same.status_code == 303  # a change of case of one's own name is fine
        done = teacher.post(
            f"/classes/{code}/trainees/{ben.id}/rename", data={"name": " Benjamin "}
        )
        assert done.status_code == 303
        assert "Renamed ben to Benjamin." in teacher.get(done.headers["Location"]).text
        assert "Benjamin" in teacher.get(f"/classes/{code}/board").text

    def test_removing_a_trainee_keeps_their_runs_detached(self, teacher, app):
        code, people = a_class_that_played(teacher, app)
        cy = next(t for t in trainees(app, code) if t.name == "Cy")
        response = teacher.post(f"/classes/{code}/trainees/{cy.id}/remove")
        assert response.status_code == 303 and response.headers["Location"] == f"/classes/{code}"
        assert "Removed Cy from the class" in teacher.get(f"/classes/{code}").text
        assert [t.name for t in trainees(app, code)] == ["Ana", "Ben", "Dee"]
        with app.app_context():
            kept = db_session().query(Run).filter_by(classroom_id=classroom(app, code).id).all()
            assert len(kept) == 3 and sum(r.trainee_id is None for r in kept) == 1
        assert (
            "Cy" not in text(teacher.get(f"/classes/{code}/board").text).split()
        )  # a word, not a token
        assert "1 of 1 · 100%" in text(teacher.get(f"/classes/{code}/moments").text)
        assert "(removed trainee),coat-still-on" in teacher.get(f"/classes/{code}/export.csv").text
        # Cy's browser still has its own run, and may join again under a new name
        assert people["Cy"].get(f"/classes/{code}/me").status_code == 303
        joined(people["Cy"], code, "Cy again")

    def test_a_removed_trainees_id_is_never_given_to_the_next_to_join(self, teacher, app):
        """A dashboard left open on a removed trainee acts on no one else: the newest
        trainee removed, the next to join gets a new id (SQLite would reuse it without
        AUTOINCREMENT, migration 0009), and the old one's page and forms are 404s."""
        code = create_class(teacher)
        for name in ("Ana", "Ben"):
            joined(browser(app), code, name)
        ben = next(t for t in trainees(app, code) if t.name == "Ben")
        assert ben.id == max(t.id for t in trainees(app, code))
        assert teacher.post(f"/classes/{code}/trainees/{ben.id}/remove").status_code == 303
        joined(browser(app), code, "Cy")
        cy = next(t for t in trainees(app, code) if t.name == "Cy")
        assert cy.id > ben.id
        assert teacher.get(f"/classes/{code}/trainees/{ben.id}").status_code == 404
        stale = teacher.post(f"/classes/{code}/trainees/{ben.id}/rename", data={"name": "Ben"})
        assert stale.status_code == 404
        assert teacher.post(f"/classes/{code}/trainees/{ben.id}/remove").status_code == 404
        assert sorted(t.name for t in trainees(app, code)) == ["Ana", "Cy"]


# -- exports -------------------------------------------------------------------------------


class TestExports:
    def test_csv_has_one_row_per_run_with_every_column(self, teacher, app):
        code, people = a_class_that_played(teacher, app)
        again = start(people["Ana"], code)  # a replay, unfinished: still a run of the class
        play(people["Ana"], again, [2])
        response = teacher.get(f"/classes/{code}/export.csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert f'filename="rapport-{code}-results.csv"' in response.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
        assert list(rows[0]) == [
            "trainee", "scenario", "title", "mode", "ending", "outcome", "outcome_words",
            "authenticity", "attentiveness", "positivity", "trust", "alliance_score",
            "ruptures_opened", "ruptures_repaired", "steps", "finished", "started_at", "finished_at",
            "own_words",
        ]  # fmt: skip
        assert [(r["trainee"], r["outcome"], r["alliance_score"], r["steps"]) for r in rows] == [
            ("Ana", "good", "53", "2"),
            ("Ben", "good", "49", "3"),
            ("Cy", "poor", "34", "2"),
            ("Ana", "", "38", "1"),
        ]
        ben = rows[1]
        assert (ben["authenticity"], ben["attentiveness"], ben["positivity"], ben["trust"]) == (
            "65", "40", "50", "45",
        )  # fmt: skip
        assert (ben["ending"], ben["mode"], ben["ruptures_opened"], ben["ruptures_repaired"]) == (
            "good-end", "practice", "1", "1",
        )  # fmt: skip
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", ben["started_at"])
        assert ben["finished_at"] >= ben["started_at"] and rows[3]["finished_at"] == ""
        assert (ben["finished"], rows[3]["finished"]) == ("yes", "no")

    def test_csv_cells_never_start_a_formula(self, teacher, app):
        code = create_class(teacher)
        for name in ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tTab"):
            trainee = browser(app)
            joined(trainee, code, name)
            start(trainee, code)
        text_ = teacher.get(f"/classes/{code}/export.csv").text
        names = [row["trainee"] for row in csv.DictReader(io.StringIO(text_.lstrip("\ufeff")))]
        assert names == ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM(A1)", "Tab"]

    def test_json_has_the_class_and_the_same_rows(self, teacher, app):
        code, _people = a_class_that_played(teacher, app)
        response = teacher.get(f"/classes/{code}/export.json")
        assert response.status_code == 200 and response.mimetype == "application/json"
        document = json.loads(response.text)
        assert document["classroom"]["code"] == code
        assert document["classroom"]["scenarios"] == ["coat-still-on"]
        assert [r["trainee"] for r in document["runs"]] == ["Ana", "Ben", "Cy"]
        assert document["runs"][1]["trust"] == 45 and document["runs"][1]["finished"] is True
        assert list(document["runs"][0]) == document["columns"]
        csv_rows = list(
            csv.DictReader(
                io.StringIO(teacher.get(f"/classes/{code}/export.csv").text.lstrip("\ufeff"))
            )
        )
        for from_json, from_csv in zip(document["runs"], csv_rows, strict=True):
            assert str(from_json["alliance_score"]) == from_csv["alliance_score"]
            assert from_json["started_at"] == from_csv["started_at"]


def test_play_again_from_a_class_debrief_stays_in_the_class(app: Flask, teacher, other):
    code = create_class(teacher)
    joined(other, code, "Tess")
    run = start(other, code)
    play(other, run, STRONG)
    page = other.get(f"{run}/debrief").text
    assert f'action="/classes/{code}/runs"' in page
    again = other.post(f"/classes/{code}/runs", data={"scenario": "coat-still-on"})
    assert again.status_code == 303
    assert run_row(app, again.headers["Location"]).classroom_id == run_row(app, run).classroom_id
