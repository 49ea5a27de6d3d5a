"""An open-response run in Chromium, by keyboard: type, see the closest reply marked,
confirm or override, to the debrief, with axe at each stage."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import assert_no_violations, htmx_ready


def type_words(page: Page, words: str) -> None:
    box = page.get_by_label("What would you say?")
    expect(box).to_be_visible()
    htmx_ready(page)
    box.fill(words)
    page.get_by_role("button", name="Show the replies").click()


def test_an_open_response_run_to_its_debrief(page: Page) -> None:
    page.goto("/scenarios/coat-still-on")
    page.get_by_label("Open response").check()
    page.get_by_role("button", name="Start the session").click()
    type_words(page, "Sounds like coming here today was more your sister's idea than yours")
    expect(page.locator("#choices-legend")).to_be_focused()
    expect(page.get_by_role("status")).to_contain_text("Closest to what you wrote")
    marked = page.locator("#choices button", has_text="Closest to what you wrote")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text("wasn't entirely your idea")
    assert_no_violations(page)
    marked.click()  # confirm

    type_words(page, "Banana spaceship orbit")
    expect(page.get_by_text("None of the replies is close to what you wrote")).to_be_visible()
    page.get_by_label("Say more").fill("Part of you isn't sure this is worth your time")
    page.get_by_role("button", name="Match again").click()
    marked = page.locator("#choices button", has_text="Closest to what you wrote")
    expect(marked).to_contain_text("Part of you wonders")
    assert_no_violations(page)
    # override: choose the other reply
    page.locator("#choices button", has_text="Talking helps most people").or_(marked).first.click()
    expect(page.get_by_role("link", name="Read your debrief")).to_be_visible()
    page.get_by_role("link", name="Read your debrief").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Debrief")
    page.locator("details.more > summary", has_text=re.compile("path", re.I)).first.click()
    expect(page.locator(".match-note").first).to_contain_text(re.compile("you confirmed it|you chose another"))
    assert_no_violations(page)
