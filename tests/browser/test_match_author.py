"""The scenario page's "Test a phrase" form in a real Chromium, with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .helpers import assert_no_violations
from .test_author import log_in

pytestmark = pytest.mark.browser


def test_a_phrase_is_matched_in_place_with_htmx(page: Page, author_account):
    log_in(page, author_account)
    page.goto("/author/scenarios/coat-still-on")
    expect(page.get_by_role("heading", name="Test a phrase")).to_be_visible()
    page.get_by_label("Scene to test").select_option("arrival")
    page.get_by_label("The trainee’s words").fill("so coming here wasnt really your idea?")
    page.get_by_role("button", name="Test the phrase").click()
    result = page.locator(".phrase-result")
    expect(result).to_contain_text("Marked “closest to what you wrote”: reply 1")
    expect(result.get_by_role("row")).to_have_count(4)  # the head and three replies
    assert page.url.endswith("/author/scenarios/coat-still-on")  # swapped in, no navigation
    expect(page.get_by_label("The trainee’s words")).to_have_value(
        "so coming here wasnt really your idea?"
    )
    assert_no_violations(page)
    page.get_by_label("The trainee’s words").fill("")
    page.get_by_role("button", name="Test the phrase").click()
    expect(page.get_by_role("alert")).to_contain_text("Type a phrase to test.")
    assert_no_violations(page)


def test_a_phrase_is_matched_without_javascript(browser: Browser, base_url, author_account):
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, author_account)
        page.goto("/author/scenarios/coat-still-on")
        page.get_by_label("Scene to test").select_option("shutdown")
        page.get_by_label("The trainee’s words").fill("what's the wifi password")
        page.get_by_role("button", name="Test the phrase").click()
        expect(page.locator(".phrase-result")).to_contain_text("Nothing is close")
        assert page.url.endswith("/author/scenarios/coat-still-on/phrase#phrase")
        expect(page.get_by_label("Scene to test")).to_have_value("shutdown")
    finally:
        context.close()
