"""The signed session cookie: a cookie verified once is remembered, and nothing else is."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from simulator.web import CookieSessions


def cookie(client: FlaskClient) -> str:
    found = client.get_cookie("rapport")
    assert found is not None
    return found.value


def started(client: FlaskClient) -> str:
    """A browser with a session: it starts a run, which gives it its browser id."""
    response = client.post("/scenarios/coat-still-on/runs", data={"mode": "practice"})
    assert response.status_code == 303
    return str(response.headers["Location"])


def test_a_verified_cookie_is_remembered_and_still_opens_the_same_session(app, client):
    run = started(client)
    sessions = app.session_interface
    assert isinstance(sessions, CookieSessions)
    assert client.get(run).status_code == 200  # its first page adds the CSRF secret
    value = cookie(client)
    assert client.get(run).status_code == 200
    assert cookie(client) == value and value in sessions._seen  # verified, then remembered
    assert client.get(run).status_code == 200  # from memory: still this browser's run


def test_a_forged_or_altered_cookie_is_refused_and_never_remembered(app, client):
    run = started(client)
    value = cookie(client)
    sessions = app.session_interface
    stranger = app.test_client()
    for forged in (value[:-2] + ("AA" if not value.endswith("AA") else "BB"), "x" + value):
        stranger.set_cookie("rapport", forged)
        assert stranger.get(run).status_code == 404  # not this browser's run
        assert forged not in sessions._seen


def test_a_remembered_cookie_still_expires(app: Flask, client):
    run = started(client)
    for _ in range(2):
        assert client.get(run).status_code == 200
    assert cookie(client) in app.session_interface._seen
    # a lifetime already over: the remembered cookie is as expired as a checked one
    app.permanent_session_lifetime = timedelta(seconds=-1)
    assert client.get(run).status_code == 404


def test_sessions_holding_lists_are_opened_afresh_each_time(app: Flask):
    sessions = app.session_interface
    assert isinstance(sessions, CookieSessions)
    with app.test_request_context("/"):
        serializer = sessions.get_signing_serializer(app)
        assert serializer is not None
        flashes = serializer.dumps({"_flashes": [["message", "Saved."]]})
        plain = serializer.dumps({"browser": "abc", "_fresh": False})
    for value in (flashes, plain):
        with app.test_request_context("/", headers={"Cookie": f"rapport={value}"}):
            from flask import request

            opened = sessions.open_session(app, request)
            assert opened is not None and opened
            if "_flashes" in opened:
                opened["_flashes"].append(["message", "changed in this request"])
    assert flashes not in sessions._seen and plain in sessions._seen
    with app.test_request_context("/", headers={"Cookie": f"rapport={flashes}"}):
        from flask import request

        again = sessions.open_session(app, request)
        assert again is not None and again["_flashes"] == [["message", "Saved."]]


def test_an_instructor_id_no_account_could_have_loads_no_one(app: Flask):
    from simulator.auth import _load

    with app.app_context():
        for user_id in ("99999999999999999999:0", "1:" + "9" * 5000, "\u00b2:0", "1:\u00b2", ":"):
            assert _load(user_id) is None


def test_odd_sessions_signed_with_the_key_are_read_as_new_ones_not_500s(app: Flask):
    """Only a holder of the secret key can sign these: hardening, not an exposure."""
    signer = app.session_interface.get_signing_serializer(app)
    for data in (["a", "list"], "text", {"browser": "é" * 10}, {"_flashes": "zz"},
                 {"_flashes": [["a"]]}, {"_flashes": [["a", "b", "c"]]},
                 {"_user_id": "99999999999999999999:0"}, {"browser": "x" * 5000}):  # fmt: skip
        browser = app.test_client()
        browser.set_cookie("rapport", signer.dumps(data))
        for path in ("/", "/runs/AAAAAAAAAAAAAAAAAAAAAA", "/author/", "/classes", "/login"):
            assert browser.get(path).status_code in (200, 302, 404), (data, path)


def test_a_signed_instructor_id_that_is_not_text_loads_no_one(app: Flask):
    signer = app.session_interface.get_signing_serializer(app)
    browser = app.test_client()
    browser.set_cookie("rapport", signer.dumps({"_user_id": [1], "_fresh": True}))
    assert browser.get("/author/").status_code == 302  # to the login page, not a 500
