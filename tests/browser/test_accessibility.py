"""axe-core finds no violations on the catalog, briefing, play and debrief pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import assert_no_violations, say

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_trainee_page_passes_axe(page: Page, scheme: str):
    page.emulate_media(color_scheme=scheme)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_violations(page)

    page.get_by_role("link", name="Coat Still On").click()
    expect(page.get_by_role("button", name="Start the session")).to_be_visible()
    assert_no_violations(page)

    page.get_by_role("button", name="Start the session").click()
    expect(page.get_by_role("heading", name=re.compile("My sister thinks"))).to_be_visible()
    assert_no_violations(page)

    page.get_by_role("button", name=re.compile("Well, you're here now")).click()
    expect(page.locator("details.happened > summary")).to_be_visible()
    expect(page.get_by_label("What would you say?")).to_be_visible()  # the own-words form
    assert_no_violations(page)

    say(page, "I think I rushed ahead just now. Can we go back to how it felt to come in today?")
    page.get_by_role("button", name=re.compile("Part of you wonders")).click()
    page.get_by_role("link", name="Read your debrief").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Debrief")
    assert_no_violations(page)
