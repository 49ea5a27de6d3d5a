"""A trainee plays in a real Chromium: by mouse, by keyboard, across a reload, with a double click."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from simulator import db
from simulator.models import StepRow

from .helpers import assert_no_violations, say

pytestmark = pytest.mark.browser

REPAIRING = "I think I rushed ahead just now. Can we go back to how it felt to come in today?"


def start_run(page: Page, mode: str = "Practice", js: bool = True) -> None:
    page.goto("/")
    page.get_by_role("link", name="Coat Still On").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coat Still On")
    page.get_by_label(mode).check()
    page.get_by_role("button", name="Start the session").click()
    expect(
        page.get_by_role("heading", name=re.compile("My sister thinks I need this"))
    ).to_be_visible()
    # htmx is loaded deferred: a click before it runs submits the plain form (a full page)
    if js:
        page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")


def steps_recorded(live_app, run_id: str) -> int:
    with live_app.app_context():
        return db.session().scalar(
            select(func.count()).select_from(StepRow).where(StepRow.run_id == run_id)
        )


def run_id_of(page: Page) -> str:
    match = re.search(r"/runs/([^/?#]+)", page.url)
    assert match, page.url
    return match.group(1)


def test_a_trainee_plays_to_the_debrief_by_mouse(page: Page):
    start_run(page)
    meters = page.get_by_role("region", name="Alliance meters")
    expect(meters).to_contain_text("Trust")
    expect(meters).to_contain_text("35")

    page.get_by_role("button", name=re.compile("Well, you're here now")).click()
    # focus goes to the start of the new scene, its cue; the feedback is folded above it
    expect(page.locator("#scene-cue")).to_be_focused()
    expect(page.locator("#scene-cue")).to_have_text("Maya shrugs and looks at her phone.")
    expect(page.locator("details.happened")).not_to_have_attribute("open", "")
    expect(page.locator("details.happened > summary")).to_contain_text("Trust −10")
    expect(page.locator(".happened")).to_contain_text(
        "Pushing on to goals ignores the withdrawal marker."
    )
    # the rupture that follows is not flagged: noticing it is the trainee's part
    expect(page.get_by_text("Rupture", exact=True)).to_have_count(0)
    expect(page.locator(".badge-rupture")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text(re.compile("Trust fell by 10 to 25"))
    expect(meters).to_contain_text("25")

    say(page, REPAIRING)
    expect(page.locator(".happened")).to_contain_text("metacommunication")
    expect(page.locator(".happened")).to_contain_text("That was a withdrawal marker")
    page.get_by_role("button", name="Part of you wonders whether this is worth your time.").click()
    expect(page.get_by_role("heading", name=re.compile("A first foothold"))).to_be_visible()

    page.get_by_role("link", name="Read your debrief").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Debrief")
    expect(page.locator("body")).to_contain_text("A first foothold")
    expect(page.locator("svg").first).to_be_visible()
    page.locator("details.more > summary", has_text="Ruptures").click()
    ruptures = page.get_by_role("list", name="Ruptures")
    expect(ruptures).to_contain_text("Withdrawal rupture: repaired")
    expect(ruptures).to_contain_text("Repaired at choice 2")
    expect(page.locator(".legend")).to_contain_text("Trust")


def key_of(page: Page, words: str) -> str:
    """The number key the page shows for this reply (the order is shuffled per run)."""
    key = page.get_by_role("button", name=words, exact=True).get_attribute("data-key")
    assert key is not None
    return key


def test_a_trainee_plays_by_keyboard_alone_writing_their_own_words(page: Page, live_app):
    page.goto("/")
    link = page.get_by_role("link", name="Coat Still On")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coat Still On")
    page.get_by_label("Assessment").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Start the session").focus()
    page.keyboard.press("Enter")
    client_line = page.get_by_role("heading", name=re.compile("My sister thinks I need this"))
    expect(client_line).to_be_visible()
    expect(page.get_by_role("region", name="Alliance meters")).to_have_count(0)
    expect(page.locator("html.js")).to_have_count(1)  # the number-key script has loaded

    page.keyboard.press(key_of(page, "Well, you're here now, so let's get started on your goals."))
    # focus lands on the non-verbal cue, read before the client's words
    expect(page.locator("#scene-cue")).to_have_text("Maya shrugs and looks at her phone.")
    expect(page.locator("#scene-cue")).to_be_focused()
    expect(
        page.get_by_role("heading", name=re.compile("Sure. Whatever you think."))
    ).to_be_visible()
    expect(page.locator(".happened")).to_have_count(0)  # assessment: no feedback until the debrief
    # a key moment: own words first, in a labelled box, before any reply is shown
    expect(page.get_by_role("button", name=REPAIRING)).to_have_count(0)
    page.keyboard.press("Tab")
    box = page.get_by_role("textbox", name="What would you say?")
    expect(box).to_be_focused()
    assert_no_violations(page)
    page.keyboard.type("I think I pushed on too fast. What was that like for you?")
    page.keyboard.press("1")  # typing a digit in the box types it, and picks nothing
    expect(box).to_have_value("I think I pushed on too fast. What was that like for you?1")
    page.keyboard.press("Backspace")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show the replies", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Which reply is closest to what you would say?")).to_be_focused()
    expect(page.locator(".own-words-shown")).to_contain_text("I think I pushed on too fast.")
    assert_no_violations(page)
    page.keyboard.press(key_of(page, REPAIRING))
    expect(
        page.get_by_role("heading", name=re.compile("I just don't see how talking fixes"))
    ).to_be_focused()
    page.keyboard.press("1")
    expect(page.get_by_role("heading", name=re.compile("A first foothold"))).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Debrief")
    expect(page.locator("body")).to_contain_text(
        "Pushing on to goals ignores the withdrawal marker."
    )
    expect(page.locator(".written").first).to_contain_text(
        "I think I pushed on too fast. What was that like for you?"
    )
    with live_app.app_context():
        rows = db.session().scalars(
            select(StepRow).where(StepRow.run_id == run_id_of(page)).order_by(StepRow.number)
        )
        assert [row.data.get("written") for row in rows] == [
            None,
            "I think I pushed on too fast. What was that like for you?",
            None,
        ]


def test_a_reload_mid_run_resumes_at_the_same_place(page: Page, live_app):
    start_run(page)
    page.get_by_role("button", name=re.compile("It sounds like coming here")).click()
    expect(
        page.get_by_role("heading", name=re.compile("I just don't see how talking"))
    ).to_be_visible()
    run_id = run_id_of(page)
    page.reload()
    expect(
        page.get_by_role("heading", name=re.compile("I just don't see how talking"))
    ).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("region", name="Continue where you left off")).to_contain_text(
        "Coat Still On"
    )
    page.get_by_role("region", name="Continue where you left off").get_by_role("link").first.click()
    expect(
        page.get_by_role("heading", name=re.compile("I just don't see how talking"))
    ).to_be_visible()
    assert steps_recorded(live_app, run_id) == 1


def test_a_double_click_records_one_step(page: Page, live_app):
    start_run(page)
    run_id = run_id_of(page)
    page.get_by_role("button", name=re.compile("It sounds like coming here")).dblclick()
    expect(
        page.get_by_role("heading", name=re.compile("I just don't see how talking"))
    ).to_be_visible()
    page.reload()
    expect(
        page.get_by_role("heading", name=re.compile("I just don't see how talking"))
    ).to_be_visible()
    assert steps_recorded(live_app, run_id) == 1


def test_a_stale_form_in_a_second_tab_is_not_applied(page: Page, live_app):
    start_run(page)
    run_id = run_id_of(page)
    second = page.context.new_page()
    second.goto(page.url)
    page.get_by_role("button", name=re.compile("It sounds like coming here")).click()
    expect(
        page.get_by_role("heading", name=re.compile("I just don't see how talking"))
    ).to_be_visible()
    second.get_by_role("button", name=re.compile("Well, you're here now")).click()
    expect(
        second.get_by_role("heading", name=re.compile("I just don't see how talking"))
    ).to_be_visible()
    expect(second.get_by_role("status")).to_contain_text("already recorded")
    assert steps_recorded(live_app, run_id) == 1


def test_without_javascript_the_back_button_never_applies_a_choice_twice(
    browser, base_url, live_app
):
    context = browser.new_context(java_script_enabled=False, base_url=base_url)
    try:
        page = context.new_page()
        start_run(page, js=False)
        run_id = run_id_of(page)
        page.get_by_role("button", name=re.compile("It sounds like coming here")).click()
        expect(
            page.get_by_role("heading", name=re.compile("I just don't see how talking"))
        ).to_be_visible()
        page.go_back()
        if page.get_by_role("button", name=re.compile("It sounds like coming here")).count():
            page.get_by_role("button", name=re.compile("It sounds like coming here")).click()
        page.goto(f"/runs/{run_id}")
        expect(
            page.get_by_role("heading", name=re.compile("I just don't see how talking"))
        ).to_be_visible()
        assert steps_recorded(live_app, run_id) == 1
    finally:
        context.close()


def test_another_browser_cannot_open_the_run(page: Page, browser):
    start_run(page)
    url = page.url
    other = browser.new_context()
    try:
        stranger = other.new_page()
        response = stranger.goto(url)
        assert response is not None and response.status == 404
        expect(stranger.get_by_role("heading", level=1)).to_contain_text("couldn't find")
        header = stranger.locator(".site-header").bounding_box()
        box = stranger.locator(".error-box").bounding_box()
        assert header and box and box["y"] - (header["y"] + header["height"]) >= 16  # a gap
    finally:
        other.close()


def test_a_double_click_on_start_opens_one_run(page: Page, live_app):
    from simulator.models import Run

    with live_app.app_context():
        before = db.session().scalar(select(func.count()).select_from(Run))
    page.goto("/")
    page.get_by_role("link", name="Coat Still On").click()
    page.get_by_role("button", name="Start the session").dblclick()
    expect(
        page.get_by_role("heading", name=re.compile("My sister thinks I need this"))
    ).to_be_visible()
    with live_app.app_context():
        after = db.session().scalar(select(func.count()).select_from(Run))
    assert after == before + 1
