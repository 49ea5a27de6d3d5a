"""At 320 px (the narrowest phones, or 400% zoom) and 390 px no page scrolls sideways (WCAG
reflow)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .helpers import htmx_ready, log_in, say

NARROW = {"width": 320, "height": 640}


def sideways(page: Page) -> int:
    """How far the page reaches past the viewport's right edge, in CSS pixels."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.fixture
def narrow(browser: Browser, base_url: str):
    page = browser.new_page(base_url=base_url, viewport=NARROW)
    yield page
    page.close()


def test_trainee_pages_fit_320_px(narrow: Page) -> None:
    narrow.goto("/")
    assert sideways(narrow) == 0
    narrow.goto("/scenarios/coat-still-on")
    assert sideways(narrow) == 0
    narrow.get_by_role("button", name="Start the session").click()
    htmx_ready(narrow)
    narrow.get_by_role("button", name="Well, you're here now, so let's get started on your goals.").click()
    expect(narrow.locator("#scene-cue")).to_be_focused()
    assert sideways(narrow) == 0
    say(narrow, "I think I rushed ahead just now. Can we go back to how it felt to come in today?")
    narrow.get_by_role("button", name="Part of you wonders whether this is worth your time.").click()
    narrow.get_by_role("link", name="Read your debrief").click()
    expect(narrow.get_by_role("heading", level=1)).to_contain_text("Debrief")
    assert sideways(narrow) == 0


def test_instructor_pages_fit_phones(narrow: Page, author_account) -> None:
    log_in(narrow, author_account)
    for url in ("/author/", "/author/scenarios/coat-still-on", "/author/files/coat-still-on.yaml/edit",
                "/author/scenarios/coat-still-on/playtest", "/classes", "/classes/new"):
        for width in (320, 390):  # one column, then two (the playtest's meter fields)
            narrow.set_viewport_size({"width": width, "height": 800})
            narrow.goto(url)
            narrow.wait_for_load_state("networkidle")  # the scenario page loads its analysis after
            assert sideways(narrow) == 0, (url, width)


def test_the_scene_graph_opens_with_its_start_scene_in_view_on_a_phone(
    narrow: Page, author_account
) -> None:
    # Graphviz lays this start out right of the middle of a wide drawing (and the analysis
    # of this scenario is made within the request: no background job outlives the test)
    narrow.set_viewport_size({"width": 390, "height": 800})
    log_in(narrow, author_account)
    narrow.goto("/author/scenarios/are-you-in-recovery")
    box = narrow.locator(".graph-scroll")
    expect(box.locator('g.node[id="graph-opening"]')).to_be_attached()
    frame = box.bounding_box()
    start = box.locator('g.node[id="graph-opening"] polygon').first.bounding_box()
    assert frame and start
    assert frame["x"] <= start["x"] and start["x"] + start["width"] <= frame["x"] + frame["width"]
    assert box.evaluate("b => b.scrollLeft") > 0
