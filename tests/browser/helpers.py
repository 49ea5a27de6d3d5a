"""What several browser tests do: check a page with axe, log in, answer a moment."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

AXE = Axe()


def assert_no_violations(page: Page) -> None:
    """axe-core finds nothing on the page as it stands."""
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


def log_in(page: Page, account: tuple[str, str]) -> None:
    """Log in as this instructor through the login form."""
    email, password = account
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def say(page: Page, words: str, exact: bool = True) -> None:
    """Click the reply with these words; at a key moment first skip the own-words box."""
    reply = page.get_by_role("button", name=words, exact=exact)
    skip = page.get_by_role("button", name="Skip: show the replies")
    expect(reply.or_(skip).first).to_be_visible()
    if skip.is_visible():
        skip.click()
    reply.click()


def htmx_ready(page: Page) -> None:
    """Wait for the deferred htmx: a click before it runs submits the plain form instead
    (which works, but a full page load does not move focus as the htmx swap does)."""
    page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
