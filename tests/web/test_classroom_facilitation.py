"""Facilitating a class session: per-scenario progress, the words on the board and the
trainee page, locking and reopening, duplicating, the lobby, discussion mode, the exports'
moment rows and the end-of-session summary."""

from __future__ import annotations

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
from .helpers import ASKED, HTMX


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
