"""Facilitating a class session: per-scenario progress, the words on the board and the
trainee page, locking and reopening, duplicating, the lobby, discussion mode, the exports'
moment rows and the end-of-session summary."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .classes import (
    REPAIRED,
    STRONG,
    UNREPAIRED,
    create_class,
    joined,
    log_in,
    make_instructor,
    play,
    start,
    text,
    trainees,
)
from .helpers import ASKED, HTMX, write


@pytest.fixture
def teacher(app: Flask, client: FlaskClient) -> FlaskClient:
    """The instructor's browser, logged in."""
    make_instructor(app, "ada@example.org")
    log_in(client, "ada@example.org")
    return client


@pytest.fixture
def two_scenarios(folder) -> tuple[str, str]:
    """The library holds the contract's example and a one-moment disclosure scenario."""
    (folder / "asked.yaml").write_text(ASKED, encoding="utf-8")
    return ("coat-still-on", "asked")


def rows_of(page: str, table: str) -> list[str]:
    """The words of each body row of the table with this class."""
    body = page.split(f'class="{table}"', 1)[1].split("</table>", 1)[0]
    return [text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)[1:]]


# -- counts and words ----------------------------------------------------------------------


class TestCountsAndWords:
    def test_board_and_dashboard_count_each_scenario_in_its_own_column(
        self, teacher, app, two_scenarios
    ):
        code = create_class(teacher, scenarios=two_scenarios)
        for name, coat, asked in (
            ("Ana", STRONG, [0]),
            ("Ben", UNREPAIRED, None),
            ("Cy", None, None),
        ):
            trainee = app.test_client()
            joined(trainee, code, name)
            if coat:
                play(trainee, start(trainee, code), coat)
            if asked:
                play(trainee, start(trainee, code, "asked"), asked)
        board = teacher.get(f"/classes/{code}/board").text
        assert '<th scope="col">Coat Still On</th><th scope="col">Asked Back</th>' in board
        assert rows_of(board, "standings") == [
            "1 Ana Finished · 2 choices Finished · 1 choice 54 0 0",
            "2 Ben Finished · 2 choices Not started 34 1 0",
            "– not started Cy Not started Not started – no score yet 0 0",
        ]
        words = text(board)
        assert "Finished Coat Still On 2 of 3 Finished Asked Back 1 of 3" in words
        dashboard = teacher.get(f"/classes/{code}").text
        assert rows_of(dashboard, "roster-table") == [
            "Ana Finished · 2 choices Finished · 1 choice 54 0 0",
            "Ben Finished · 2 choices Not started 34 1 0",
            "Cy Not started Not started – no score yet 0 0",
        ]
        assert "Finished Coat Still On 2 of 3 Finished Asked Back 1 of 3" in text(dashboard)

    def test_the_trainee_page_names_endings_by_title_and_outcomes_in_the_shared_words(
        self, teacher, app
    ):
        code = create_class(teacher)
        cy = app.test_client()
        joined(cy, code, "Cy")
        play(cy, start(cy, code), UNREPAIRED)
        play(cy, start(cy, code), STRONG)
        [row] = trainees(app, code)
        page = text(teacher.get(f"/classes/{code}/trainees/{row.id}").text)
        assert "The client disengaged Maya leaves early" in page
        assert "Good A first foothold" in page
        assert "walkout" not in page and "good-end" not in page

    def test_a_trainee_who_finished_after_the_freeze_reads_where_they_stand(self, teacher, app):
        code = create_class(teacher, board="anonymous")
        ana = app.test_client()
        joined(ana, code, "Ana")
        teacher.post(f"/classes/{code}/freeze")
        play(ana, start(ana, code), STRONG)
        mine = text(ana.get(f"/classes/{code}/board", headers=HTMX).text)
        assert "not started yet" not in mine and "Not started." not in mine
        assert (
            "You weren't on the board yet when it was frozen. "
            "Your progress now: Finished · 2 choices." in mine
        )
        teacher.post(f"/classes/{code}/unfreeze")
        live = text(ana.get(f"/classes/{code}/board", headers=HTMX).text)
        assert "You are number 1 of 1. Finished · 2 choices." in live

    def test_a_trainee_who_has_not_started_is_told_so_once(self, teacher, app):
        code = create_class(teacher, board="anonymous")
        ana = app.test_client()
        joined(ana, code, "Ana")
        mine = text(ana.get(f"/classes/{code}/board", headers=HTMX).text)
        assert "You haven't started yet." in mine
        assert "not started yet. Not started" not in mine

    def test_a_frozen_ranked_trainee_keeps_their_frozen_place_and_sees_progress_now(
        self, teacher, app
    ):
        code = create_class(teacher, board="ranked")
        ben = app.test_client()
        joined(ben, code, "Ben")
        run = start(ben, code)
        play(ben, run, REPAIRED[:1])
        teacher.post(f"/classes/{code}/freeze")
        play(ben, run, REPAIRED[1:], first_step=1)
        mine = text(ben.get(f"/classes/{code}/board", headers=HTMX).text)
        assert (
            "On the frozen board you are number 1 of 1. Your progress now: Finished · 3 choices."
            in mine
        )
        # the room's rows stay as frozen
        assert "Playing · 1 choice" in mine


# -- lifecycle -----------------------------------------------------------------------------


class TestLifecycle:
    def test_locking_stops_joins_but_not_play_and_unlocking_lets_joins_in(self, teacher, app):
        code = create_class(teacher)
        ana = app.test_client()
        joined(ana, code, "Ana")
        response = teacher.post(f"/classes/{code}/lock")
        assert response.status_code == 303 and response.headers["Location"] == f"/classes/{code}"
        dashboard = text(teacher.get(f"/classes/{code}").text)
        assert "Joining locked" in dashboard and "Unlock joining" in dashboard
        late = app.test_client()
        refused = late.post("/join", data={"code": code, "name": "Late Lou"})
        assert refused.status_code == 409
        assert "isn't taking new trainees right now" in text(refused.text)
        assert 'value="Late Lou"' in refused.text  # what was typed is kept
        # Ana, already in, starts and finishes a run while joining is locked
        run = start(ana, code)
        play(ana, run, STRONG)
        assert "Finished · 2 choices" in text(teacher.get(f"/classes/{code}/board").text)
        assert join_again(ana, code).headers["Location"] == f"/classes/{code}/me"
        teacher.post(f"/classes/{code}/unlock")
        joined(late, code, "Late Lou")
        assert [t.name for t in trainees(app, code)] == ["Ana", "Late Lou"]

    def test_a_closed_session_reopens_and_play_carries_on(self, teacher, app):
        code = create_class(teacher)
        ana = app.test_client()
        joined(ana, code, "Ana")
        run = start(ana, code)
        play(ana, run, [2])
        teacher.post(f"/classes/{code}/close")
        closed = text(teacher.get(f"/classes/{code}").text)
        assert "Reopen Counselling skills, week 4" in closed and "Closed" in closed
        refused = ana.post(f"{run}/choose", data={"step": "1", "reply": "x"})
        assert refused.status_code in (400, 409)
        assert app.test_client().post("/join", data={"code": code, "name": "Bo"}).status_code == 409
        response = teacher.post(f"/classes/{code}/reopen")
        assert response.status_code == 303
        assert "open again" in text(teacher.get(f"/classes/{code}").text)
        play(ana, run, [0, 0], first_step=1)
        assert "Finished · 3 choices" in text(teacher.get(f"/classes/{code}/board").text)
        joined(app.test_client(), code, "Bo")

    def test_reopening_keeps_joining_locked_if_it_was(self, teacher, app):
        code = create_class(teacher)
        teacher.post(f"/classes/{code}/lock")
        teacher.post(f"/classes/{code}/close")
        teacher.post(f"/classes/{code}/reopen")
        page = text(teacher.get(f"/classes/{code}").text)
        assert "joining is still locked" in page and "Unlock joining" in page
        assert app.test_client().post("/join", data={"code": code, "name": "Bo"}).status_code == 409

    def test_duplicating_makes_a_new_code_with_the_same_settings_and_no_trainees(
        self, teacher, app, two_scenarios
    ):
        code = create_class(
            teacher,
            scenarios=("asked", "coat-still-on"),
            mode="assessment",
            board="aggregate",
            words="required",
        )
        joined(app.test_client(), code, "Ana")
        response = teacher.post(f"/classes/{code}/duplicate")
        assert response.status_code == 303
        match = re.fullmatch(r"/classes/([A-Z0-9]{6})", response.headers["Location"])
        assert match and match.group(1) != code
        copy_code = match.group(1)
        original, copy = classroom_row(app, code), classroom_row(app, copy_code)
        assert copy.name == "Counselling skills, week 4 (copy)"
        assert (copy.scenario_ids, copy.mode, copy.board, copy.words_required) == (
            ["asked", "coat-still-on"],
            "assessment",
            "aggregate",
            True,
        )
        assert copy.closed_at is None and copy.locked_at is None
        assert trainees(app, copy_code) == [] and len(trainees(app, code)) == 1
        assert original.name == "Counselling skills, week 4"
        page = text(teacher.get(response.headers["Location"]).text)
        assert "This is a copy of Counselling skills, week 4 with a new code" in page

    def test_a_long_name_still_fits_when_duplicated(self, teacher, app):
        code = create_class(teacher, name="x" * 120)
        location = teacher.post(f"/classes/{code}/duplicate").headers["Location"]
        copy = classroom_row(app, location.rsplit("/", 1)[1])
        assert len(copy.name) == 120 and copy.name.endswith(" (copy)")

    def test_the_lobby_shows_names_on_a_ranked_board_and_polls_until_closed(self, teacher, app):
        code = create_class(teacher, board="ranked")
        empty = teacher.get(f"/classes/{code}/lobby", headers=HTMX).text
        assert empty.strip().startswith('<div id="lobby"')
        assert "0 trainees have joined" in text(empty) and code in empty
        joined(app.test_client(), code, "Ana <b>")
        joined(app.test_client(), code, "Ben")
        block = teacher.get(f"/classes/{code}/lobby", headers=HTMX).text
        assert 'data-hx-trigger="every 2s"' in block
        assert "2 trainees have joined" in text(block)
        assert re.findall(r"<li>(.*?)</li>", block) == ["Ana &lt;b&gt;", "Ben"]
        teacher.post(f"/classes/{code}/lock")
        locked = teacher.get(f"/classes/{code}/lobby", headers=HTMX).text
        assert "Joining locked" in locked and code not in locked.split("Joining locked")[1]
        teacher.post(f"/classes/{code}/close")
        closed = teacher.get(f"/classes/{code}/lobby", headers=HTMX).text
        assert "hx-trigger" not in closed and "has closed" in closed

    @pytest.mark.parametrize("board", ["anonymous", "aggregate"])
    def test_the_lobby_shows_only_a_count_when_the_board_hides_names(self, teacher, app, board):
        code = create_class(teacher, board=board)
        joined(app.test_client(), code, "Ana Secret")
        page = teacher.get(f"/classes/{code}/lobby").text
        assert "1 trainee has joined" in text(page)
        assert "Ana Secret" not in page


def join_again(client: FlaskClient, code: str):
    return client.post("/join", data={"code": code, "name": "Whoever"})


def classroom_row(app: Flask, code: str):  # the row, detached
    from .classes import classroom

    return classroom(app, code)


# -- discussion mode -----------------------------------------------------------------------


def a_discussion(teacher: FlaskClient, app: Flask) -> str:
    """Both scenarios, three trainees: at the rupture two repaired and one carried on; at the
    disclosure question two answered briefly, one at length."""
    code = create_class(teacher, scenarios=("coat-still-on", "asked"))
    for name, coat, asked in (("Ana", REPAIRED, 0), ("Ben", REPAIRED, 0), ("Cy", UNREPAIRED, 1)):
        trainee = app.test_client()
        joined(trainee, code, name)
        play(trainee, start(trainee, code), coat)
        play(trainee, start(trainee, code, "asked"), [asked])
    return code


def step(teacher: FlaskClient, code: str, move: str, at: int, **extra):
    data = {"move": move, "at": str(at), "view": extra.pop("view", "presenter")}
    return teacher.post(f"/classes/{code}/discuss", data=data, **extra)


REPAIR = "I think I rushed ahead just now. Can we go back to how it felt to come in today?"
BRIEF = "I have. I'm wondering what it would mean to you if I had."
BRIEF_FEEDBACK = "Brief, honest, and the focus goes straight back to Sam."


class TestDiscussion:
    def test_counts_stay_out_of_the_page_until_the_reveal_and_ratings_until_the_next_step(
        self, teacher, app, two_scenarios
    ):
        code = a_discussion(teacher, app)
        first = teacher.get(f"/classes/{code}/discuss").text
        words = text(first)
        assert "key moment 1 of 2 · Coat Still On" in words
        assert (
            "Maya shrugs and looks at her phone." in words and "Sure. Whatever you think." in words
        )
        assert REPAIR in words
        # nothing of the split is in the HTML, not even hidden
        assert " of 3" not in words and "%" not in words and "bar-fill" not in first
        assert "Reveal the split" in words
        revealed = step(teacher, code, "split", 0)
        assert revealed.status_code == 303
        assert revealed.headers["Location"] == f"/classes/{code}/discuss"
        words = text(teacher.get(f"/classes/{code}/discuss").text)
        assert f"{REPAIR} 2 of 3 · 67%" in words
        assert "Great. So, what would you like to work on? 1 of 3 · 33%" in words
        assert "Strong reply" not in words and "Show the author's view" in words
        for name in ("Ana", "Ben", "Cy"):
            assert name not in words
        # the second moment, then its author's view
        step(teacher, code, "next", 0)
        page = teacher.get(f"/classes/{code}/discuss").text
        assert "Have you ever lost a parent?" in text(page) and "bar-fill" not in page
        step(teacher, code, "split", 1)
        split = text(teacher.get(f"/classes/{code}/discuss").text)
        assert f"{BRIEF} 2 of 3 · 67%" in split
        assert BRIEF_FEEDBACK not in split and "Strong reply" not in split
        step(teacher, code, "author", 1)
        author = text(teacher.get(f"/classes/{code}/discuss").text)
        assert f"{BRIEF} 2 of 3 · 67% ✓ Strong reply" in author
        assert BRIEF_FEEDBACK in author and "✕ Harmful reply" in author
        assert "The author rated A strong." in author

    @pytest.mark.parametrize("at", ["\u00b2", "1" * 5000, "-1", "99999"])
    def test_a_forged_step_number_keeps_the_discussion_where_it_is(
        self, teacher, app, two_scenarios, at
    ):
        code = a_discussion(teacher, app)
        for headers in ({}, {"HX-Request": "true"}):
            data = {"move": "next", "at": at, "view": "presenter"}
            response = teacher.post(f"/classes/{code}/discuss", data=data, headers=headers)
            assert response.status_code in (200, 303)
        words = text(teacher.get(f"/classes/{code}/discuss").text)
        assert "key moment" in words

    def test_the_replies_keep_the_scenario_order_for_the_whole_room(
        self, teacher, app, two_scenarios
    ):
        code = a_discussion(teacher, app)
        step(teacher, code, "next", 0)
        page = teacher.get(f"/classes/{code}/discuss").text
        letters = re.findall(r"Reply ([A-Z]): </span><q>(.*?)</q>", page)
        assert letters == [
            ("A", BRIEF.replace("'", "&#39;")),
            ("B", "Let me tell you about my own father."),
        ]

    def test_the_phone_and_the_projector_read_the_same_state(self, teacher, app, two_scenarios):
        code = a_discussion(teacher, app)
        phone = step(teacher, code, "split", 0, view="remote", headers=HTMX)
        assert phone.status_code == 200 and phone.text.strip().startswith('<div id="presenter"')
        assert "The room&#39;s split is shown." in phone.text
        projector = teacher.get(f"/classes/{code}/discuss", headers=HTMX).text
        assert (
            'data-hx-trigger="every 2s"' in projector and 'data-hx-swap="outerMorph"' in projector
        )
        assert f"{REPAIR} 2 of 3 · 67%" in text(projector)
        remote = text(teacher.get(f"/classes/{code}/discuss/remote").text)
        assert "Key moment 1 of 2" in remote and "On the projector: the room's split." in remote
        back = step(teacher, code, "ask", 0, view="remote")
        assert back.headers["Location"] == f"/classes/{code}/discuss/remote"
        assert "bar-fill" not in teacher.get(f"/classes/{code}/discuss").text

    def test_the_projector_offers_the_controller_by_qr_and_the_summary_at_the_end(
        self, teacher, app, two_scenarios
    ):
        code = a_discussion(teacher, app)
        page = teacher.get(f"/classes/{code}/discuss").text
        assert (
            f'aria-label="QR code: scan it to open http://localhost/classes/{code}/discuss/remote"'
            in page
        )
        assert "<svg" not in teacher.get(f"/classes/{code}/discuss", headers=HTMX).text
        assert "Open the session summary" not in page
        step(teacher, code, "author", 1)
        last = teacher.get(f"/classes/{code}/discuss").text
        assert f'href="/classes/{code}/summary">Open the session summary</a>' in last

    def test_a_press_from_a_page_that_was_behind_does_not_skip_a_moment(
        self, teacher, app, two_scenarios
    ):
        code = a_discussion(teacher, app)
        step(teacher, code, "next", 0)  # the phone moves on to moment 2
        step(teacher, code, "next", 0)  # the projector, still showing moment 1, presses next
        assert "key moment 2 of 2" in text(teacher.get(f"/classes/{code}/discuss").text)
        step(teacher, code, "next", 1)  # at the last moment, next stays there
        assert "key moment 2 of 2" in text(teacher.get(f"/classes/{code}/discuss").text)
        step(teacher, code, "previous", 1)
        step(teacher, code, "previous", 0)
        assert "key moment 1 of 2" in text(teacher.get(f"/classes/{code}/discuss").text)

    @pytest.mark.parametrize(
        "data",
        [{"move": "jump"}, {"move": "next", "view": "elsewhere"}, {}],
    )
    def test_a_bad_step_is_refused_and_changes_nothing(self, teacher, app, data, two_scenarios):
        code = a_discussion(teacher, app)
        step(teacher, code, "split", 0)
        response = teacher.post(f"/classes/{code}/discuss", data=data)
        assert response.status_code == 400
        assert "That isn't a step of the discussion" in text(response.text)
        assert "2 of 3 · 67%" in text(teacher.get(f"/classes/{code}/discuss").text)

    def test_during_a_discussion_trainees_see_a_split_only_once_it_is_revealed(
        self, teacher, app, two_scenarios
    ):
        code = a_discussion(teacher, app)
        dee = app.test_client()
        joined(dee, code, "Dee")
        before = text(dee.get(f"/classes/{code}/moments").text)
        assert f"{REPAIR} 2 of 3 · 67%" in before  # no discussion yet: the live view as ever
        step(teacher, code, "ask", 0)
        held = text(dee.get(f"/classes/{code}/moments").text)
        assert "2 of 3" not in held and "1 of 3" not in held
        assert held.count("Your instructor reveals this moment's split in the discussion.") == 2
        step(teacher, code, "split", 0)
        step(teacher, code, "ask", 0)  # hidden again on the projector, but it has been seen
        one = text(dee.get(f"/classes/{code}/moments").text)
        assert f"{REPAIR} 2 of 3 · 67%" in one and f"{BRIEF} 2 of 3" not in one
        # the instructor's own view of every moment is never held back
        assert f"{BRIEF} 2 of 3 · 67%" in text(teacher.get(f"/classes/{code}/moments").text)

    def test_a_class_without_key_moments_says_so(self, teacher, app, folder):
        (folder / "plain.yaml").write_text(
            ASKED.replace("id: asked", "id: plain").replace("    moment: self-disclosure\n", ""),
            encoding="utf-8",
        )
        code = create_class(teacher, scenarios=("plain",))
        page = text(teacher.get(f"/classes/{code}/discuss").text)
        assert "have no key moments marked" in page
        assert step(teacher, code, "next", 0).status_code == 303


# -- evidence: the moments export and the summary ------------------------------------------


def moments_csv(teacher: FlaskClient, code: str) -> list[dict[str, str]]:
    response = teacher.get(f"/classes/{code}/export-moments.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="rapport-{code}-moments.csv"'
    )
    assert response.text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


class TestEvidence:
    def test_one_row_per_trainee_and_key_moment_with_the_reply_quality_and_own_words(
        self, teacher, app, two_scenarios
    ):
        code = create_class(teacher, scenarios=("coat-still-on", "asked"))
        ana, ben = app.test_client(), app.test_client()
        joined(ana, code, "Ana")
        joined(ben, code, "=Ben")
        run = start(ana, code, "asked")
        assert write(ana, run, 0, "=SUM(A1) I have, yes").status_code == 303
        play(ana, run, [0])
        play(ben, start(ben, code), REPAIRED)  # the rupture moment, no words typed
        again = start(ben, code)  # a replay counts in the export, as attempt 2
        play(ben, again, STRONG)  # never reaches the rupture: no moment row
        rows = moments_csv(teacher, code)
        assert [
            (r["trainee"], r["scenario"], r["attempt"], r["scene"], r["moment"]) for r in rows
        ] == [
            ("Ana", "asked", "1", "question", "Self-disclosure dilemma"),
            ("'=Ben", "coat-still-on", "1", "shutdown", "Rupture"),
        ]
        asked, rupture = rows
        assert asked["client"] == "Have you ever lost a parent?"
        assert asked["reply"] == BRIEF
        assert (asked["quality"], asked["quality_words"]) == ("strong", "Strong reply")
        assert asked["own_words"] == "'=SUM(A1) I have, yes"  # never run as a formula
        assert rupture["reply"] == REPAIR and rupture["own_words"] == ""
        assert rupture["cue"] == "Maya shrugs and looks at her phone."
        assert rupture["choice"] == "2" and rupture["title"] == "Coat Still On"
        document = json.loads(teacher.get(f"/classes/{code}/export.json").text)
        assert list(document["moments"][0]) == document["moment_columns"] == list(rows[0])
        assert document["moments"][0]["own_words"] == "=SUM(A1) I have, yes"
        assert document["moments"][1]["attempt"] == 1 and document["moments"][1]["quality"] is None
        assert len(document["runs"]) == 3  # the run rows are still there beside them

    def test_a_removed_trainees_moments_are_kept_without_the_name(self, teacher, app):
        code = create_class(teacher)
        cy = app.test_client()
        joined(cy, code, "Cy")
        play(cy, start(cy, code), UNREPAIRED)
        [row] = trainees(app, code)
        teacher.post(f"/classes/{code}/trainees/{row.id}/remove")
        [moment] = moments_csv(teacher, code)
        assert moment["trainee"] == "(removed trainee)"
        assert moment["reply"] == "Great. So, what would you like to work on?"

    def test_the_summary_has_the_split_strengths_growth_edges_and_ruptures_and_no_names(
        self, teacher, app, two_scenarios
    ):
        code = a_discussion(teacher, app)
        page = teacher.get(f"/classes/{code}/summary")
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        words = text(page.text)
        assert "Finished Coat Still On 3 of 3 Finished Asked Back 3 of 3" in words
        assert f"{REPAIR} 2 of 3 · 67%" in words
        assert f"{BRIEF} ✓ Strong reply 2 of 3 · 67%" in words
        strengths = words.split("Common strengths", 1)[1].split("Common growth edges", 1)[0]
        assert "Repairing the withdrawal rupture (Coat Still On; 2 trainees)" in strengths
        assert "at choice" not in strengths
        edges = words.split("Common growth edges", 1)[1].split("Ruptures opened", 1)[0]
        assert (
            "At “Have you ever lost a parent?”, the reply “Let me tell you about my own father.” "
            "(Asked Back; 1 trainee)" in edges
        )
        ruptures = words.split("Ruptures opened and repaired", 1)[1]
        assert (
            "Coat Still On Withdrawal My sister thinks I need this. I'm not so sure. 3 2 (67%)"
            in ruptures
        )
        for name in ("Ana", "Ben", "Cy"):
            assert name not in words

    def test_the_summary_of_a_class_with_no_runs_says_so(self, teacher, app):
        code = create_class(teacher)
        words = text(teacher.get(f"/classes/{code}/summary").text)
        assert "None yet: strengths appear as runs finish." in words
        assert "No ruptures opened in the finished runs." in words
        assert "No one reached this moment on a first attempt." in words
