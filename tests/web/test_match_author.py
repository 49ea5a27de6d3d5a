"""The scenario page's "Test a phrase" form: which reply typed words would match."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from simulator import matching
from simulator.db import session as db_session
from simulator.models import Instructor

from .helpers import HTMX

PASSWORD = "correct horse battery"
PAGE = "/author/scenarios/coat-still-on"
PHRASE = PAGE + "/phrase"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


@pytest.fixture
def teacher(app: Flask, client: FlaskClient, csrf_enabled: bool) -> FlaskClient:
    with app.app_context():
        session = db_session()
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
        session.add(Instructor(email="ada@example.org", password_hash=hashed))
        session.commit()
    data = {"email": "ada@example.org", "password": PASSWORD}
    if csrf_enabled:
        data["csrf_token"] = token(client, "/login")
    response = client.post("/login", data=data)
    assert response.status_code == 303
    return client


def ranking(body: str) -> list[tuple[str, str]]:
    """The result table's rows as (similarity, reply words)."""
    table = body.split('class="phrase-ranking"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>([0-9.]+)</td><td>\d+\. <q>(.*?)</q></td></tr>", table)


def test_the_page_offers_the_form_with_key_moments_first(teacher):
    body = text(teacher.get(PAGE))
    assert '<h2 id="phrase-heading">Test a phrase</h2>' in body
    form = body.split('id="phrase-test"', 1)[1].split("</form>", 1)[0]
    assert 'method="post"' in form and 'name="csrf_token"' in form
    assert 'data-hx-post="/author/scenarios/coat-still-on/phrase"' in form
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', form, flags=re.S)
    assert [label for label, _ in groups] == ["Key moments", "Other choice scenes"]
    assert re.findall(r'value="([^"]+)"', groups[0][1]) == ["shutdown"]
    assert re.findall(r'value="([^"]+)"', groups[1][1]) == ["arrival", "ambivalence"]
    assert 'maxlength="500"' in form
    assert "phrase-ranking" not in body  # nothing tested yet


def test_a_phrase_shows_the_closest_reply_and_every_similarity_without_js(teacher):
    response = teacher.post(
        PHRASE, data={"scene": "arrival", "words": "so coming here wasnt really your idea?"}
    )
    assert response.status_code == 200
    body = text(response)
    assert "<html" in body  # the whole page, for a browser without JavaScript
    assert (
        "Marked “closest to what you wrote”:</strong> reply 1, <q>It sounds like coming here"
        in body
    )
    rows = ranking(body)
    assert len(rows) == 3
    assert rows[0][1] == "It sounds like coming here wasn't entirely your idea."
    values = [float(value) for value, _ in rows]
    assert values == sorted(values, reverse=True) and all(0 <= v <= 1 for v in values)
    found = matching.matcher().match(
        "arrival",
        matching.replies("arrival", _coat().scenes["arrival"]),
        "so coming here wasnt really your idea?",
    )
    assert [f"{s.similarity:.2f}" for s in found.scores] == [value for value, _ in rows]
    assert "so coming here wasnt really your idea?</textarea>" in body  # kept to edit
    assert '<option value="arrival" selected>' in body


def test_htmx_gets_only_the_phrase_block(teacher):
    response = teacher.post(
        PHRASE,
        data={"scene": "shutdown", "words": "sorry, I rushed you, can we go back?"},
        headers=HTMX,
    )
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body and body.lstrip().startswith('<div id="phrase-test">')
    assert ranking(body)[0][1].startswith("I think I rushed ahead just now.")


def test_unrelated_words_say_nothing_is_close(teacher):
    body = text(
        teacher.post(PHRASE, data={"scene": "arrival", "words": "what's the wifi password"})
    )
    assert "<strong>Nothing is close</strong>" in body
    assert f"under {matching.CLOSE}" in body and len(ranking(body)) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scene": "arrival", "words": "   "}, "Type a phrase to test."),
        ({"scene": "arrival", "words": "x" * 501}, "A phrase can be up to 500 characters"),
        ({"scene": "good-end", "words": "hello"}, "Choose one of this scenario's choice scenes."),
        ({"scene": "nowhere", "words": "hello"}, "Choose one of this scenario's choice scenes."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_keeps_what_was_typed(teacher, data, message):
    response = teacher.post(PHRASE, data=data)
    assert response.status_code == 400
    body = text(response)
    assert message in body and 'role="alert"' in body and 'aria-invalid="true"' in body
    assert "phrase-ranking" not in body
    if data["scene"] == "arrival" and data["words"].strip():
        assert data["words"] + "</textarea>" in body


def test_without_the_model_the_page_says_so(teacher, monkeypatch):
    monkeypatch.setattr(matching, "_matcher", matching.Matcher(reason="no model here"))
    body = text(teacher.get(PAGE))
    assert "Phrases cannot be tested on this server: no model here." in body
    assert 'id="phrase-words"' not in body
    posted = teacher.post(PHRASE, data={"scene": "arrival", "words": "hello"})
    assert posted.status_code == 200 and "no model here" in text(posted)
    assert "phrase-ranking" not in text(posted)


def test_the_form_needs_an_instructor_and_a_csrf_token(app, client):
    anonymous = client.post(PHRASE, data={"scene": "arrival", "words": "hello"})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


@pytest.mark.parametrize("csrf_enabled", [True])
def test_a_post_needs_the_pages_csrf_token(teacher):
    data = {"scene": "arrival", "words": "it wasn't your idea to come"}
    refused = teacher.post(PHRASE, data=data)
    assert refused.status_code == 400 and "phrase-ranking" not in text(refused)
    accepted = teacher.post(PHRASE, data={**data, "csrf_token": token(teacher, PAGE)})
    assert accepted.status_code == 200 and len(ranking(text(accepted))) == 3


def _coat():
    from simulator.scenarios import load_file

    from .helpers import COAT

    return load_file(COAT).scenario
