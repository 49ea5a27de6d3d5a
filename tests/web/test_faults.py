"""When the database fails (gone, read-only, locked for long), the trainee gets a 503 that
says to retry, nothing is half-written, and the app recovers without a restart."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .helpers import HTMX, choose, rows, start


def test_a_failing_database_gives_a_503_to_retry_and_the_app_recovers(client, app, monkeypatch):
    run = start(client)

    def refuse(self, *args, **kwargs):
        raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(Session, "commit", refuse)
    for headers in ({}, HTMX):
        page = choose(client, run, 0, 0, htmx=bool(headers))
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        assert "nothing was saved" in page.text
    monkeypatch.undo()
    found, steps = rows(app, run)
    assert found.steps == 0 and steps == []  # nothing half-written
    assert choose(client, run, 0, 0).status_code == 303  # and it works again, no restart
    assert rows(app, run)[0].steps == 1
