"""In Chromium: the briefing of a scenario that fixes the therapist's identity shows who you
are and the jurisdiction beside the client, and the page still passes axe."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .helpers import assert_no_violations


def test_the_briefing_says_who_you_are_and_where(page: Page):
    page.goto("/scenarios/are-you-in-recovery")
    heading = page.get_by_role("heading", name="You, the therapist")
    expect(heading).to_be_visible()
    facts = page.locator("dl.facts").nth(1)
    expect(facts).to_contain_text("Counsellor")
    expect(facts).to_contain_text("in recovery from alcohol dependence for eleven years")
    expect(facts).to_contain_text("England (UK)")
    assert_no_violations(page)
