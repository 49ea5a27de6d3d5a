"""The debrief in a real Chromium: reactions, rewinding to a moment, printing, and the saved
copy opened with every network request blocked; axe on the page in light and dark."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from .helpers import assert_no_violations, say

pytestmark = pytest.mark.browser

REPAIRING = "I think I rushed ahead just now. Can we go back to how it felt to come in today?"


def play_to_the_debrief(page: Page) -> str:
    """Coat Still On in practice mode: a rupture, its repair, a good ending; the debrief URL."""
    page.goto("/")
    page.get_by_role("link", name="Coat Still On").click()
    page.get_by_label("Practice").check()
    page.get_by_role("button", name="Start the session").click()
    page.get_by_role("button", name=re.compile("Well, you're here now")).click()
    say(page, REPAIRING)
    page.get_by_role("button", name="Part of you wonders whether this is worth your time.").click()
    page.get_by_role("link", name="Read your debrief").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Debrief: Coat Still On")
    return page.url


def open_section(page: Page, title: str) -> None:
    """Open one of the debrief's closed sections by its summary, as a reader would."""
    page.locator("details.more > summary", has_text=title).click()


def test_reactions_are_asked_first_saved_in_place_and_shown_back(page: Page):
    play_to_the_debrief(page)
    open_section(page, "Your reactions")
    reactions = page.locator("#reactions")
    expect(reactions.get_by_role("heading", name="Your reactions first")).to_be_visible()
    reactions.get_by_role("radio", name=re.compile(r"^2")).check()
    reactions.get_by_label(re.compile("What stood out for you")).fill(
        "I wanted to get to her goals and missed the shrug."
    )
    reactions.get_by_role("button", name="Save my reactions").click()
    expect(page.get_by_role("status")).to_have_text("Your reactions are saved.")
    expect(page.get_by_role("heading", name="Your reactions first")).to_be_focused()
    expect(reactions).to_contain_text("2 out of 5")
    expect(reactions).to_contain_text("I wanted to get to her goals and missed the shrug.")
    # they are kept: a reload shows them, and they can be changed
    page.reload()
    open_section(page, "Your reactions")
    expect(page.locator("#reactions")).to_contain_text("2 out of 5")
    page.get_by_text("Change your reactions").click()
    page.locator("#reactions").get_by_role("radio", name=re.compile(r"^4")).check()
    page.locator("#reactions").get_by_role("button", name="Save my reactions").click()
    expect(page.locator("#reactions")).to_contain_text("4 out of 5")


def test_reactions_work_without_javascript(browser: Browser, base_url: str):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    try:
        url = play_to_the_debrief(page)
        open_section(page, "Your reactions")  # a <details>: it opens without JavaScript
        page.get_by_role("radio", name=re.compile(r"^5")).check()
        page.get_by_role("button", name="Save my reactions").click()
        expect(page).to_have_url(url + "#reactions")
        expect(page.locator("#reactions")).to_contain_text("5 out of 5")
    finally:
        context.close()


def test_rewind_to_a_moment_and_play_a_different_branch(page: Page):
    original = play_to_the_debrief(page)
    open_section(page, "Your path")
    moment = page.locator("#choice-2")
    expect(moment).to_contain_text("Choice 2")
    moment.get_by_role("button", name="Rewind to this moment: choice 2").click()
    # a new run, at the moment before choice 2: the rupture marker, with choice 1 kept
    expect(
        page.get_by_role("heading", name=re.compile("Sure. Whatever you think."))
    ).to_be_visible()
    assert page.url != original.removesuffix("/debrief")
    say(page, "Great. So, what would you like to work on?")
    expect(page.get_by_role("heading", name=re.compile("Maya leaves early"))).to_be_visible()
    page.get_by_role("link", name="Read your debrief").click()
    expect(page.get_by_text("This session was rewound from an earlier one")).to_be_visible()
    expect(page.locator(".ending")).to_contain_text("The client disengaged")
    expect(page.locator(".path-step")).to_have_count(2)
    expect(page.locator(".path-step").first).to_contain_text("replayed")
    # the original is as it was, and links to the branch
    page.get_by_role("link", name="Read the earlier debrief").click()
    expect(page).to_have_url(original)
    expect(page.locator(".ending")).to_contain_text("A first foothold")
    branches = page.get_by_role("list", name="Rewound from this session")
    expect(branches).to_contain_text("From choice 2")
    expect(branches).to_contain_text("ended: the client disengaged")


def test_the_printout_opens_every_section_keeps_the_chart_and_drops_the_controls(page: Page):
    play_to_the_debrief(page)
    expect(page.locator("#path .path-step").first).to_be_hidden()  # closed on screen
    page.emulate_media(media="print")
    expect(page.locator("svg[role=img]")).to_be_visible()
    expect(page.get_by_role("heading", name="Key moments")).to_be_visible()
    for section in page.locator("details.more").all():
        expect(section.locator(".more-body")).to_be_visible()
    expect(page.locator("#path .path-step").first).to_be_visible()
    expect(page.locator(".review").first).to_be_visible()
    expect(page.get_by_role("button", name="Save my reactions")).to_be_hidden()
    expect(page.get_by_role("button", name="Play again")).to_be_hidden()
    expect(
        page.get_by_role("button", name=re.compile("Rewind to this moment")).first
    ).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()


def test_the_saved_web_page_renders_with_every_network_request_blocked(
    page: Page, browser: Browser
):
    play_to_the_debrief(page)
    with page.expect_download() as saving:
        page.get_by_role("link", name="web page").click()
    download = saving.value
    assert download.suggested_filename.startswith("rapport-debrief-coat-still-on-")
    path = download.path()
    assert path is not None
    saved = path.read_text(encoding="utf-8")

    offline = browser.new_context()
    attempts: list[str] = []

    def refuse(route: Route) -> None:
        attempts.append(route.request.url)
        route.abort()

    offline.route("**/*", refuse)
    copy = offline.new_page()
    try:
        copy.set_content(saved)
        expect(copy.get_by_role("heading", level=1)).to_have_text("Debrief: Coat Still On")
        chart = copy.locator("svg[role=img]")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
        expect(copy.get_by_role("heading", name="Key moments")).to_be_visible()
        copy.locator("details.more > summary", has_text="Key moments").click()
        expect(copy.locator(".review").first).to_contain_text("Key moment 1")
        expect(copy.locator(".legend")).to_contain_text("Trust")
        # the inline stylesheet applied: the reply cards have their border and background
        radius = copy.locator(".review").first.evaluate("e => getComputedStyle(e).borderRadius")
        assert radius == "8px"
        expect(copy.get_by_role("button")).to_have_count(0)
        assert attempts == []
    finally:
        offline.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_debrief_passes_axe(page: Page, scheme: str):
    page.emulate_media(color_scheme=scheme)
    play_to_the_debrief(page)
    assert_no_violations(page)
    for section in page.locator("details.more > summary").all():
        section.click()  # every section open
    assert_no_violations(page)
    # with reactions saved and the form folded away, and with a validation message showing
    page.locator("#reactions").get_by_role("radio", name=re.compile(r"^3")).check()
    page.locator("#reactions").get_by_role("button", name="Save my reactions").click()
    expect(page.get_by_role("status")).to_have_text("Your reactions are saved.")
    assert_no_violations(page)
    page.get_by_text("Change your reactions").click()
    expect(
        page.locator("#reactions").get_by_role("button", name="Save my reactions")
    ).to_be_visible()
    assert_no_violations(page)


def test_on_a_phone_the_first_screen_shows_the_growth_edge_and_the_chart_fits(page: Page):
    page.set_viewport_size({"width": 375, "height": 740})
    play_to_the_debrief(page)
    growth = page.get_by_role("heading", name="One thing to work on")
    expect(growth).to_be_visible()
    box = growth.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 1.5 * 740
    expect(page.locator(".growth")).to_contain_text("Well, you're here now")  # the harm, up top
    chart = page.locator("svg[role=img]").bounding_box()
    assert chart is not None and chart["x"] >= 0 and chart["x"] + chart["width"] <= 375 - 16
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scroll
    legend = page.locator(".legend li")
    expect(legend).to_have_count(4)
    boxes = [item.bounding_box() for item in legend.all()]
    assert all(b is not None and b["height"] < 40 for b in boxes)  # one line each
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"]
                or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"]
                or b["y"] + b["height"] <= a["y"]
            )
            assert apart, (a, b)  # labels never overlap
