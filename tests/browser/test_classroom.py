"""A class session in a real Chromium, with several browsers at once: the instructor creates
it, trainees join and play, the projector's scoreboard and moments follow without a reload,
the board freezes and thaws, the session closes, and the CSV export matches the runs."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from simulator import db
from simulator.models import Classroom, Run, Trainee

from .helpers import assert_no_violations, log_in, say

pytestmark = pytest.mark.browser

REFLECT = "It sounds like coming here wasn't entirely your idea."
PUSH = "Well, you're here now, so let's get started on your goals."
WONDER = "Part of you wonders whether this is worth your time."
REPAIR = "I think I rushed ahead just now. Can we go back to how it felt to come in today?"
CARRY_ON = "Great. So, what would you like to work on?"


@pytest.fixture
def contexts(browser: Browser, base_url: str) -> Iterator[list[BrowserContext]]:
    """Browser contexts made on demand (each its own cookies: its own person), closed after."""
    made: list[BrowserContext] = []

    class Factory(list[BrowserContext]):
        def new(self) -> BrowserContext:
            context = browser.new_context(base_url=base_url)
            made.append(context)
            return context

    yield Factory()
    for context in made:
        context.close()


def create_class(page: Page, name: str, board: str = "Ranked") -> str:
    page.get_by_role("link", name="Classes", exact=True).click()
    page.get_by_role("link", name="New class session").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Coat Still On").check()
    page.get_by_label("Practice").check()
    page.get_by_label(board, exact=True).check()
    page.get_by_role("button", name="Create the class session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    match = re.search(r"/classes/([A-Z0-9]{6})$", page.url)
    assert match, page.url
    return match.group(1)


def join(page: Page, code: str, name: str) -> None:
    page.goto(f"/join?code={code}")
    expect(page.get_by_label("Join code")).to_have_value(code)
    page.get_by_label("Your display name").fill(name)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text(f"You joined as {name}")).to_be_visible()


def choose(page: Page, words: str) -> None:
    say(page, words)
    expect(page.locator(".happened")).to_contain_text(words)


def board_row(board: Page, name: str):
    return board.locator("#board tbody tr").filter(has_text=name)


def test_a_class_session_with_several_browsers_at_once(
    contexts, author_account, live_app, tmp_path
):
    instructor = contexts.new()
    dashboard = instructor.new_page()
    log_in(dashboard, author_account)
    code = create_class(dashboard, "Tuesday skills lab")
    expect(
        dashboard.get_by_role(
            "img", name=re.compile(f"^QR code: scan it to open http.*join.code={code}$")
        )
    ).to_be_visible()

    # the projector: the instructor's scoreboard in its own window
    board = instructor.new_page()
    board.goto(f"/classes/{code}/board")
    expect(board.get_by_text("No one has joined yet.")).to_be_visible()
    board.evaluate("window.loadedOnce = true")  # gone if the page ever reloads

    trainees = {}
    for name in ("Ana", "Ben", "Cy"):
        page = contexts.new().new_page()
        join(page, code, name)
        page.get_by_role("button", name="Start").click()
        expect(
            page.get_by_role("heading", name=re.compile("My sister thinks I need this"))
        ).to_be_visible()
        trainees[name] = page
    expect(board_row(board, "Cy")).to_contain_text("Playing · 0 choices")

    # each choice shows on the board within the poll interval, with no reload
    choose(trainees["Ana"], REFLECT)
    expect(board_row(board, "Ana")).to_contain_text("Playing · 1 choice")
    choose(trainees["Ana"], WONDER)
    choose(trainees["Ben"], PUSH)
    choose(trainees["Ben"], REPAIR)
    choose(trainees["Ben"], WONDER)
    choose(trainees["Cy"], PUSH)
    choose(trainees["Cy"], CARRY_ON)
    for page in trainees.values():
        expect(page.get_by_role("link", name="Read your debrief")).to_be_visible()
    expect(board_row(board, "Ana")).to_have_text(
        re.compile(r"^\s*1\s+Ana\s+Finished · 2 choices\s+53\s+0\s+0\s*$")
    )
    expect(board_row(board, "Ben")).to_have_text(
        re.compile(r"^\s*2\s+Ben\s+Finished · 3 choices\s+49\s+1\s+1\s*$")
    )
    expect(board_row(board, "Cy")).to_have_text(
        re.compile(r"^\s*3\s+Cy\s+Finished · 2 choices\s+34\s+1\s+0\s*$")
    )
    assert board.evaluate("window.loadedOnce") is True

    # the moments: how the class split where Maya withdrew
    moments = instructor.new_page()
    moments.goto(f"/classes/{code}/moments")
    split = moments.get_by_role("region", name=re.compile("Sure. Whatever you think."))
    expect(split.get_by_role("listitem").filter(has_text=REPAIR)).to_contain_text("1 of 2 · 50%")
    expect(split.get_by_role("listitem").filter(has_text=CARRY_ON)).to_contain_text("1 of 2 · 50%")

    # freeze: the room's board holds still while Dee joins and plays
    board.get_by_role("button", name="Freeze the board").click()
    expect(board.get_by_role("button", name="Unfreeze the board")).to_be_focused()
    expect(board.locator("#board")).to_contain_text("Frozen")
    dee = contexts.new().new_page()
    join(dee, code, "Dee")
    dee.get_by_role("button", name="Start").click()
    choose(dee, PUSH)
    with board.expect_response(lambda r: r.url.endswith(f"/classes/{code}/board")):
        pass  # the next poll has come and gone
    expect(board.locator("#board")).not_to_contain_text("Dee")
    expect(board.locator("#board")).to_contain_text(re.compile(r"Joined\s*3\b"))
    board.get_by_role("button", name="Unfreeze the board").click()
    expect(board_row(board, "Dee")).to_contain_text("Playing · 1 choice")
    expect(board.locator("#board")).to_contain_text(re.compile(r"Joined\s*4\b"))
    assert board.evaluate("window.loadedOnce") is True

    # close: no more choices, no late joins, the board stops polling
    dashboard.reload()
    dashboard.get_by_text("Close it now…").click()
    dashboard.get_by_role("button", name="Close Tuesday skills lab").click()
    expect(dashboard.get_by_role("status")).to_contain_text("The class session is closed")
    expect(board.locator("#board")).to_contain_text("these are the final standings")
    expect(board.locator("#board")).not_to_have_attribute("hx-trigger", re.compile(".*"))
    expect(moments.locator("#moments")).not_to_have_attribute("hx-trigger", re.compile(".*"))
    dee.get_by_role("button", name="Skip: show the replies").click()  # Dee was at the moment
    expect(dee.get_by_role("alert")).to_contain_text(
        "This class session has closed, so no more replies can be recorded"
    )
    late = contexts.new().new_page()
    late.goto(f"/join?code={code}")
    late.get_by_label("Your display name").fill("Late Lou")
    late.get_by_role("button", name="Join").click()
    expect(late.get_by_role("alert")).to_have_text(
        "That class session has closed, so it can't be joined any more."
    )

    # the CSV export matches the runs in the database
    with dashboard.expect_download() as download:
        dashboard.get_by_role("link", name="Export CSV").click()
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    with live_app.app_context():
        session = db.session()
        classroom = session.scalar(select(Classroom).where(Classroom.code == code))
        assert classroom is not None and classroom.closed_at is not None
        runs = session.execute(
            select(Run, Trainee.name)
            .join(Trainee, Trainee.id == Run.trainee_id)
            .where(Run.classroom_id == classroom.id)
            .order_by(Run.started_at, Run.id)
        ).all()
        expected = [
            {
                "trainee": name,
                "outcome": run.outcome or "",
                "ending": run.ending or "",
                "steps": str(run.steps),
                "alliance_score": str(run.score),
                "trust": str(run.state["meters"]["trust"]),
                "ruptures_opened": str(run.ruptures_opened),
                "ruptures_repaired": str(run.ruptures_repaired),
            }
            for run, name in runs
        ]
    assert [{key: row[key] for key in expected[0]} for row in rows] == expected
    assert [row["trainee"] for row in rows] == ["Ana", "Ben", "Cy", "Dee"]
    assert [row["finished"] for row in rows] == ["yes", "yes", "yes", "no"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_class_page_passes_axe(contexts, author_account, scheme: str):
    instructor = contexts.new()
    teacher = instructor.new_page()
    teacher.emulate_media(color_scheme=scheme)
    log_in(teacher, author_account)
    code = create_class(teacher, f"Axe check, {scheme}", board="Anonymous ranks")
    trainee = contexts.new().new_page()
    trainee.emulate_media(color_scheme=scheme)
    trainee.goto(f"/join?code={code}")
    expect(trainee.get_by_role("heading", level=1)).to_have_text("Join a class session")
    assert_no_violations(trainee)
    join(trainee, code, "Axel")
    assert_no_violations(trainee)
    trainee.get_by_role("button", name="Start").click()
    choose(trainee, PUSH)
    trainee.goto(f"/classes/{code}/board")
    expect(trainee.get_by_text("You are number 1 of 1")).to_be_visible()
    assert_no_violations(trainee)

    teacher.goto(f"/classes/{code}")
    expect(teacher.get_by_role("link", name="Axel")).to_be_visible()
    assert_no_violations(teacher)
    teacher.goto(f"/classes/{code}/board")
    expect(teacher.locator("#board tbody tr")).to_have_count(1)
    assert_no_violations(teacher)
    teacher.goto(f"/classes/{code}/moments")
    expect(teacher.get_by_text("No one has reached this moment yet.")).to_be_visible()
    assert_no_violations(teacher)
    teacher.goto(f"/classes/{code}/code")
    assert_no_violations(teacher)
    teacher.goto("/classes/new")
    assert_no_violations(teacher)
    # facilitation: the lobby, the summary, a trainee's page, discussion and its controller
    teacher.goto(f"/classes/{code}/lobby")
    expect(teacher.get_by_text("1 trainee has joined")).to_be_visible()
    assert_no_violations(teacher)
    teacher.goto(f"/classes/{code}/summary")
    expect(teacher.get_by_role("heading", name="Common growth edges")).to_be_visible()
    assert_no_violations(teacher)
    teacher.goto(f"/classes/{code}")
    teacher.get_by_role("link", name="Axel").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Axel")
    assert_no_violations(teacher)
    teacher.goto(f"/classes/{code}/discuss/remote")
    teacher.get_by_role("button", name="Reveal the split").click()
    expect(teacher.get_by_role("button", name="Show the author's view")).to_be_visible()
    assert_no_violations(teacher)
    teacher.goto(f"/classes/{code}/discuss")
    expect(teacher.get_by_role("button", name="Show the author's view")).to_be_visible()
    assert_no_violations(teacher)
    teacher.goto(f"/classes/{code}")
    teacher.get_by_role("button", name="Lock joining").click()
    expect(teacher.get_by_role("button", name="Unlock joining")).to_be_visible()
    assert_no_violations(teacher)


def test_presenting_a_discussion_by_keyboard_and_from_a_phone(
    contexts, author_account, browser: Browser, base_url: str
):
    instructor = contexts.new()
    teacher = instructor.new_page()
    log_in(teacher, author_account)
    teacher.get_by_role("link", name="Classes", exact=True).click()
    teacher.get_by_role("link", name="New class session").click()
    teacher.get_by_label("Name").fill("Discussion practice")
    teacher.get_by_label("Coat Still On").check()
    teacher.get_by_label("Ten Minutes Late").check()
    teacher.get_by_label("Practice").check()
    teacher.get_by_role("button", name="Create the class session").click()
    code = teacher.url.rsplit("/", 1)[1]
    for name, replies in (("Ana", (PUSH, REPAIR, WONDER)), ("Ben", (PUSH, CARRY_ON))):
        page = contexts.new().new_page()
        join(page, code, name)
        page.get_by_role("button", name="Start").first.click()
        for words in replies:
            choose(page, words)

    teacher.get_by_role("link", name="Present the key moments").click()
    expect(teacher.get_by_role("heading", level=2)).to_have_text("Sure. Whatever you think.")
    presenter = teacher.locator("#presenter")
    expect(presenter).to_contain_text("key moment 1 of 2 · Coat Still On")
    expect(presenter).not_to_contain_text("%")  # no counts before the reveal
    assert_no_violations(teacher)

    # a key typed into a field is the field's, never a shortcut
    teacher.evaluate(
        "() => { const i = document.createElement('input'); i.id = 'probe';"
        " i.setAttribute('aria-label', 'probe'); document.body.append(i); }"
    )
    teacher.locator("#probe").press("r")
    teacher.wait_for_timeout(500)
    expect(presenter).not_to_contain_text("1 of 2 · 50%")
    teacher.locator("#probe").evaluate("node => node.remove()")

    teacher.locator("body").press("r")
    split = presenter.get_by_role("listitem").filter(has_text=REPAIR)
    expect(split).to_contain_text("1 of 2 · 50%")
    expect(presenter).not_to_contain_text("Feedback")
    expect(presenter).not_to_contain_text("metacommunication")
    assert_no_violations(teacher)
    teacher.locator("body").press("a")
    expect(split).to_contain_text("Owning your part and inviting her back is metacommunication.")
    for name in ("Ana", "Ben"):
        expect(presenter).not_to_contain_text(name)
    assert_no_violations(teacher)
    # Space takes the next step: on to the second moment, its counts hidden again
    teacher.locator("body").press("Space")
    expect(presenter).to_contain_text("key moment 2 of 2 · Ten Minutes Late")
    expect(teacher.get_by_role("button", name="Reveal the split")).to_be_visible()
    teacher.locator("body").press("ArrowLeft")
    expect(presenter).to_contain_text("key moment 1 of 2 · Coat Still On")
    # the buttons work by Tab and Enter too, and keep focus across the update
    stage = teacher.get_by_role("button", name="Reveal the split")
    stage.focus()
    teacher.keyboard.press("Enter")
    expect(teacher.locator("#discuss-stage")).to_have_text("Show the author's view")
    expect(teacher.locator("#discuss-stage")).to_be_focused()

    # the phone: its own page, and the projector follows within the poll interval
    phone = browser.new_context(
        base_url=base_url,
        viewport={"width": 375, "height": 740},
        storage_state=instructor.storage_state(),
    )
    try:
        remote = phone.new_page()
        remote.goto(f"/classes/{code}/discuss/remote")
        expect(remote.get_by_role("heading", name="Key moment 1 of 2")).to_be_visible()
        assert_no_violations(remote)
        remote.get_by_role("button", name="Next moment →").click()
        expect(remote.get_by_role("heading", name="Key moment 2 of 2")).to_be_visible()
        expect(presenter).to_contain_text("key moment 2 of 2")
        remote.get_by_role("button", name="Reveal the split").click()
        expect(presenter.get_by_role("button", name="Show the author's view")).to_be_visible()
    finally:
        phone.close()
