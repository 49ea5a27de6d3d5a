"""Playing together in a real Chromium: the instructor starts a group run and presents it,
four trainees (each their own browser) vote on their phones, one of them joining late; the
instructor reveals each split, overrides the majority once for discussion, breaks a tie, and
the room's debrief ends on the projector. axe checks the projector and the vote page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .helpers import assert_no_violations, log_in
from .test_classroom import create_class, join

pytestmark = pytest.mark.browser

REFLECT = "It sounds like coming here wasn't entirely your idea."
PUSH = "Well, you're here now, so let's get started on your goals."
REPAIR = "I think I rushed ahead just now. Can we go back to how it felt to come in today?"
WONDER = "Part of you wonders whether this is worth your time."
OWN_WORDS = "Sorry, I went too fast there. How was it to come in today?"
PHONE = {"width": 375, "height": 740}
PROJECTOR = {"width": 1920, "height": 1080}


@pytest.fixture
def contexts(browser: Browser, base_url: str) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []

    class Factory(list[BrowserContext]):
        def new(self, viewport: dict[str, int]) -> BrowserContext:
            context = browser.new_context(base_url=base_url, viewport=viewport)
            made.append(context)
            return context

    yield Factory()
    for context in made:
        context.close()


def phone(contexts, code: str, name: str) -> Page:
    """A trainee's phone: joined, then from the class page to the vote."""
    page = contexts.new(PHONE).new_page()
    join(page, code, name)
    expect(page.get_by_text("Your class is playing together — vote.")).to_be_visible()
    page.get_by_role("link", name="Vote in Coat Still On").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Playing together")
    return page


def vote(page: Page, letter: str) -> None:
    page.get_by_role("button", name=re.compile(f"^{letter}: ")).click()
    expect(page.get_by_role("button", name=re.compile(f"^{letter}: .*Your vote$"))).to_be_visible()


def skip_words(page: Page) -> None:
    page.get_by_role("button", name="Skip: show the replies").click()
    expect(page.get_by_role("group", name="Which reply would you choose?")).to_be_visible()


def reply(projector: Page, letter: str):
    return projector.locator(".group-reply").filter(
        has=projector.locator(".letter", has_text=re.compile(f"^{letter}$"))
    )


def test_the_room_votes_through_a_group_run_to_its_debrief(contexts, author_account):
    instructor = contexts.new(PROJECTOR)
    dashboard = instructor.new_page()
    log_in(dashboard, author_account)
    code = create_class(dashboard, "Playing together lab")
    dashboard.get_by_role("button", name="Start playing Coat Still On together").click()
    projector = dashboard  # the instructor presents this page
    expect(projector.get_by_role("heading", level=1)).to_have_text(
        "Playing together lab: playing together"
    )
    projector.evaluate("window.loadedOnce = true")  # gone if the page ever reloads
    # the cue, then the client's words, then the replies in the file's order, lettered
    expect(projector.locator(".group-cue")).to_have_text(
        "She keeps her coat on and glances at the door."
    )
    expect(projector.locator(".group-client")).to_contain_text("My sister thinks I need this.")
    expect(reply(projector, "A")).to_contain_text(REFLECT)
    expect(reply(projector, "C")).to_contain_text(PUSH)
    expect(projector.locator(".vote-count")).to_have_text("0 of 0 trainees have voted.")

    ana, ben, cy = (phone(contexts, code, name) for name in ("Ana", "Ben", "Cy"))
    expect(projector.locator(".vote-count")).to_have_text("0 of 3 trainees have voted.")
    assert_no_violations(ana)
    vote(ana, "A")
    vote(ben, "C")
    vote(ben, "A")  # changed: one vote per trainee per scene
    vote(cy, "C")
    expect(projector.locator(".vote-count")).to_have_text("3 of 3 trainees have voted.")
    # the split is the instructor's until the reveal: the projector shows the count only
    expect(projector.locator(".bar-count")).to_have_count(0)
    votes = instructor.new_page()
    votes.goto(projector.url + "/votes")
    expect(votes.locator(".group-reply").filter(has_text=REFLECT)).to_contain_text("2 votes · 67%")
    expect(votes.locator(".group-reply").filter(has_text=PUSH)).to_contain_text("1 vote · 33%")
    assert_no_violations(projector)

    projector.get_by_role("button", name="Reveal the votes").click()
    expect(reply(projector, "A")).to_contain_text("2 votes · 67% · most votes")
    expect(ana.get_by_text("The votes for this scene are closed.")).to_be_visible()
    assert_no_violations(projector)
    # a debate moment: the instructor goes on with the push, not the room's majority
    projector.get_by_role("button", name="Go on with C").click()
    expect(projector.locator(".group-last")).to_contain_text("The room chose C")
    expect(projector.locator(".group-last")).to_contain_text(
        "the instructor's choice, for discussion"
    )
    expect(projector.locator(".group-client")).to_contain_text("Sure. Whatever you think.")

    # a key moment: own words first (optional in this class); Dee joins late and votes here
    dee = phone(contexts, code, "Dee")
    expect(dee.get_by_label("What would you say?")).to_be_visible()
    assert_no_violations(dee)
    expect(ana.get_by_label("What would you say?")).to_be_visible()
    ana.get_by_label("What would you say?").fill(OWN_WORDS)
    ana.get_by_role("button", name="Show the replies", exact=True).click()
    expect(ana.get_by_text(OWN_WORDS)).to_be_visible()
    vote(ana, "A")
    for page, letter in ((ben, "A"), (cy, "B"), (dee, "A")):
        skip_words(page)
        vote(page, letter)
    expect(projector.locator(".vote-count")).to_have_text("4 of 4 trainees have voted.")
    expect(votes.get_by_text(OWN_WORDS)).to_be_attached()  # the instructor's view, no name
    projector.get_by_role("button", name="Reveal the votes").click()
    expect(reply(projector, "A")).to_contain_text("3 votes · 75% · most votes")
    projector.get_by_role("button", name="Go on with the majority: A").click()
    expect(projector.locator(".group-last")).to_contain_text("the room's majority")
    expect(projector.locator(".group-client")).to_contain_text("I just don't see how talking")

    # a tie: the instructor picks, and the projector says so; the phones follow the room by
    # polling, so each trainee votes once their phone shows the new scene (a vote sent from
    # the old one is refused: "The room has moved on")
    for page in (ana, ben):
        expect(
            page.get_by_role("heading", level=2, name=re.compile("I just don't see how talking"))
        ).to_be_visible()
    vote(ana, "A")
    vote(ben, "B")
    expect(projector.locator(".vote-count")).to_have_text("2 of 4 trainees have voted.")
    projector.get_by_role("button", name="Reveal the votes").click()
    expect(
        projector.get_by_text("A tie between A and B: you pick the reply to go on with.")
    ).to_be_visible()
    expect(projector.get_by_role("button", name=re.compile("majority"))).to_have_count(0)
    projector.get_by_role("button", name="Go on with A").click()

    # the ending: the group's debrief on the projector, and every phone told so
    expect(projector.get_by_role("heading", name="Debrief: Coat Still On")).to_be_visible()
    expect(projector.locator(".badge-outcome").first).to_contain_text("Outcome:")
    history = projector.get_by_role("region", name="How the room voted")
    expect(history.get_by_role("listitem").filter(has_text="Choice 3")).to_contain_text(
        "a tie, broken by the instructor"
    )
    expect(history).to_contain_text(WONDER)
    for page in (ana, ben, cy, dee):
        expect(page.get_by_text("The group's debrief is on the screen.")).to_be_visible()
    text = projector.locator("main").inner_text()
    for private in ("Ana", "Ben", "Cy", "Dee", OWN_WORDS):
        assert private not in text
    assert projector.evaluate("window.loadedOnce") is True
    expect(projector.locator("#group")).not_to_have_attribute("data-hx-trigger", re.compile(".*"))
    assert_no_violations(projector)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_group_pages_pass_axe_in_both_schemes(contexts, author_account, scheme: str):
    instructor = contexts.new(PROJECTOR)
    projector = instructor.new_page()
    projector.emulate_media(color_scheme=scheme)
    log_in(projector, author_account)
    code = create_class(projector, f"Together, {scheme}")
    projector.get_by_role("button", name="Start playing Coat Still On together").click()
    trainee = phone(contexts, code, "Axel")
    trainee.emulate_media(color_scheme=scheme)
    vote(trainee, "B")
    assert_no_violations(trainee)
    expect(projector.locator(".vote-count")).to_have_text("1 of 1 trainee has voted.")
    projector.get_by_role("button", name="Reveal the votes").click()
    expect(reply(projector, "B")).to_contain_text("1 vote · 100% · most votes")
    assert_no_violations(projector)
    expect(trainee.get_by_text("You voted for B")).to_be_visible()
    assert_no_violations(trainee)
    votes = instructor.new_page()
    votes.emulate_media(color_scheme=scheme)
    votes.goto(projector.url + "/votes")
    assert_no_violations(votes)


def test_a_trainee_waiting_on_the_class_page_sees_the_group_run_start_and_end(
    contexts, author_account
):
    instructor = contexts.new(PROJECTOR).new_page()
    log_in(instructor, author_account)
    code = create_class(instructor, "Waiting room lab")
    waiting = contexts.new(PHONE).new_page()
    join(waiting, code, "Wren")
    waiting.evaluate("window.loadedOnce = true")  # gone if the page ever reloads
    notice = waiting.get_by_text("Your class is playing together — vote.")
    expect(notice).to_have_count(0)
    instructor.get_by_role("button", name="Start playing Coat Still On together").click()
    expect(notice).to_be_visible()  # by the class page's poll, within seconds
    expect(waiting.locator("#together[aria-live=polite]")).to_contain_text("playing together")
    assert waiting.evaluate("window.loadedOnce") is True
    assert_no_violations(waiting)
    instructor.get_by_text("End the group run now…").click()
    instructor.get_by_role("button", name="End the group run").click()
    expect(notice).to_have_count(0)
    assert waiting.evaluate("window.loadedOnce") is True
    waiting.get_by_role("button", name="Start", exact=True).click()  # the page still works
    expect(waiting.locator("h2.client-line")).to_be_visible()
