"""The session screen: a turn fits one screen, the meters stay in view and explain
themselves, an open rupture stays flagged until repaired, and screen readers get the scene
in order (cue, words, replies) with the client's next words announced."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .helpers import assert_no_violations

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
PUSH_ON = "Well, you're here now, so let's get started on your goals."
REPAIR = "I think I rushed ahead just now. Can we go back to how it felt to come in today?"


def start(page: Page, mode: str = "Practice") -> None:
    page.goto("/scenarios/coat-still-on")
    page.get_by_label(mode).check()
    page.get_by_role("button", name="Start the session").click()
    expect(page.get_by_role("heading", name=re.compile("My sister thinks"))).to_be_visible()
    # htmx is loaded deferred: a click before it runs submits the plain form (a full page)
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")


def in_view_below_strip(page: Page, element: Locator) -> None:
    """The element is wholly inside the viewport and not under the sticky meter strip."""
    box = element.bounding_box()
    assert box is not None
    viewport = page.viewport_size
    assert viewport is not None
    top = 0.0
    strip = page.locator(".strip")
    if strip.count():
        strip_box = strip.bounding_box()
        assert strip_box is not None
        top = strip_box["y"] + strip_box["height"]
    assert box["y"] >= top - 1, (element, box, top)
    assert box["y"] + box["height"] <= viewport["height"] + 1, (element, box, viewport)


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_after_a_choice_the_cue_words_and_first_reply_fit_one_screen(
    browser: Browser, base_url: str, size: dict[str, int]
) -> None:
    page = browser.new_page(base_url=base_url, viewport=size)
    start(page)
    page.get_by_role("button", name=PUSH_ON).click()
    cue = page.locator("#scene-cue")
    expect(cue).to_be_focused()
    in_view_below_strip(page, cue)
    in_view_below_strip(page, page.locator(".client-line"))
    in_view_below_strip(page, page.get_by_label("What would you say?"))
    page.get_by_role("button", name="Skip: show the replies").click()
    expect(page.locator("#choices-legend")).to_be_focused()
    in_view_below_strip(page, page.locator(".client-line"))
    in_view_below_strip(page, page.locator("#choices button").first)
    # the strip stays in view: the meters are on screen at every turn
    meter = page.locator(".strip .meter-trust")
    box = meter.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]
    page.close()


def test_screen_readers_get_the_scene_in_order_and_the_next_words(page: Page) -> None:
    start(page)
    page.get_by_role("button", name=PUSH_ON).click()
    status = page.get_by_role("status")
    # practice: the meter changes, then the cue and the client's next words
    expect(status).to_have_text(
        re.compile(r"Trust fell by 10 to 25\..*Maya shrugs and looks at her phone\. "
                   r"Maya says: “Sure\. Whatever you think\.”")
    )
    expect(page.locator("#scene-cue")).to_be_focused()
    order = page.evaluate(
        """() => [...document.querySelectorAll('#scene-cue, .client-line, #own-words, #choices')]
                  .map(e => e.id || e.className)"""
    )
    assert order == ["scene-cue", "client-line", "own-words"]
    page.keyboard.press("Tab")  # from the cue, the next stop is the own-words box
    expect(page.get_by_label("What would you say?")).to_be_focused()
    page.get_by_role("button", name="Skip: show the replies").click()
    expect(page.locator("#choices-legend")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#choices button").first).to_be_focused()
    assert_no_violations(page)


def test_assessment_announces_the_next_words_not_the_meters(page: Page) -> None:
    start(page, "Assessment")
    page.get_by_role("button", name=PUSH_ON).click()
    status = page.get_by_role("status")
    expect(status).to_have_text(re.compile(r"^Your reply was recorded\. Maya shrugs"))
    expect(status).not_to_contain_text("Trust")
    expect(page.locator("#scene-cue")).to_be_focused()
    expect(page.locator(".strip")).to_have_count(0)


def test_each_meter_explains_itself_by_keyboard(page: Page) -> None:
    start(page)
    name = page.get_by_role("button", name="Trust: what it means")
    name.focus()
    page.keyboard.press("Enter")
    definition = page.locator("#define-trust")
    expect(definition).to_be_visible()
    expect(definition).to_contain_text("The alliance as a whole")
    assert_no_violations(page)
    page.keyboard.press("Escape")
    expect(definition).to_be_hidden()


def test_the_open_rupture_flag_stays_until_the_repair(page: Page) -> None:
    start(page)
    flag = page.locator(".open-rupture")
    expect(flag).to_have_count(0)
    page.get_by_role("button", name=PUSH_ON).click()  # this reply opens a rupture, and says so
    expect(flag).to_have_text(re.compile("Open rupture: withdrawal"))
    page.get_by_role("button", name="Skip: show the replies").click()
    expect(flag).to_be_visible()
    page.get_by_role("button", name=REPAIR).click()
    expect(page.locator("details.happened > summary")).to_be_visible()
    expect(flag).to_have_count(0)


def test_meter_changes_show_as_arrows_and_numbers_and_respect_reduced_motion(
    browser: Browser, base_url: str
) -> None:
    page = browser.new_page(base_url=base_url, reduced_motion="reduce")
    start(page)
    page.get_by_role("button", name=PUSH_ON).click()
    trust = page.locator(".meter-trust")
    expect(trust).to_have_class(re.compile(r"\bchanged\b"))
    expect(trust.locator(".delta")).to_have_text("▼down 10")  # arrow, word for readers, number
    assert trust.locator(".fill").evaluate("e => getComputedStyle(e).animationName") == "none"
    page.close()
    moving = browser.new_page(base_url=base_url, reduced_motion="no-preference")
    start(moving)
    moving.get_by_role("button", name=PUSH_ON).click()
    expect(moving.locator(".meter-trust")).to_have_class(re.compile(r"\bchanged\b"))
    fill = moving.locator(".meter-trust .fill")
    assert fill.evaluate("e => getComputedStyle(e).animationName") == "moved"
    moving.close()
