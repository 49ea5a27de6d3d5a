"""The app's wiring: configuration from the environment, the secret, error pages."""

from __future__ import annotations

import stat

import pytest

from simulator import create_app
from simulator.instance import BadInstance, persistent_secret

from .helpers import HTMX, start


def test_configuration_comes_from_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("RAPPORT_DATABASE_URL", f"sqlite:///{tmp_path / 'env' / 'rapport.db'}")
    monkeypatch.setenv("RAPPORT_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("RAPPORT_SCENARIO_DIR", str(tmp_path / "library"))
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SCENARIO_DIR"] == str(tmp_path / "library")
    assert (tmp_path / "env" / "rapport.db").exists()  # the folder is made, the tables too
    assert "No scenarios are available yet" in app.test_client().get("/").text
    app.extensions["rapport.db"].engine.dispose()


def test_the_instance_folder_can_be_moved(monkeypatch, tmp_path):
    monkeypatch.setenv("RAPPORT_INSTANCE_DIR", str(tmp_path / "kept"))
    monkeypatch.delenv("RAPPORT_DATABASE_URL", raising=False)
    monkeypatch.delenv("RAPPORT_SECRET_KEY", raising=False)
    app = create_app({"RATELIMIT_STORAGE_URI": None})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'kept' / 'rapport.db'}"
    assert app.secret_key == (tmp_path / "kept" / "secret_key").read_text().strip()
    assert str(tmp_path / "kept" / "rate-limits.db") in app.config["RATELIMIT_STORAGE_URI"]
    app.extensions["rapport.db"].engine.dispose()


def test_the_default_scenario_folder_is_the_bundled_one(monkeypatch, tmp_path):
    monkeypatch.delenv("RAPPORT_SCENARIO_DIR", raising=False)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k"})
    assert app.config["SCENARIO_DIR"].endswith("scenarios")
    app.extensions["rapport.db"].engine.dispose()


def test_the_generated_secret_is_kept_so_cookies_survive_a_restart(tmp_path):
    file = tmp_path / "secret_key"
    first = persistent_secret(file)
    assert len(first) == 64
    assert persistent_secret(file) == first
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary left behind


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"", "holds no key"), (b"\n  \n", "holds no key"), (b"\xff\xfe\x00k", "is not a text key")],
)
def test_a_kept_secret_that_is_empty_or_no_text_is_refused_and_left_alone(tmp_path, content, says):
    # replaced, each process would make a key of its own: a trainee's cookie would then
    # work on one of the server's workers only, and an instructor could not sign in
    file = tmp_path / "secret_key"
    file.write_bytes(content)
    with pytest.raises(BadInstance, match=f"{says}: delete it to have a new key made"):
        persistent_secret(file)
    assert file.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_the_server_refuses_to_start_on_an_empty_kept_secret_with_what_to_do(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from simulator.cli import main

    monkeypatch.setenv("RAPPORT_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv("RAPPORT_SECRET_KEY", raising=False)
    monkeypatch.setenv("RAPPORT_INSTANCE_DIR", str(tmp_path))
    (tmp_path / "secret_key").write_text("")
    result = CliRunner().invoke(main, ["serve", "--port", "5126"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: {tmp_path / 'secret_key'} holds no key: delete it" in result.output


def test_an_instance_folder_that_cannot_be_made_stops_the_start_with_what_to_do(
    tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from simulator.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("RAPPORT_INSTANCE_DIR", str(blocker / "instance"))
    monkeypatch.delenv("RAPPORT_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["serve", "--port", "5127"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        f"Error: the instance folder {blocker / 'instance'} cannot be made (Not a directory): "
        "set RAPPORT_INSTANCE_DIR to a folder the server can write" in result.output
    )


def test_an_unexpected_error_gets_a_friendly_500_never_a_traceback(app, client, monkeypatch):
    from simulator.engine import play as engine

    def explode(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    run = start(client)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(engine, "offered", explode)
    for headers in ({}, HTMX):
        page = client.get(run, headers=headers)
        assert page.status_code == 500
        assert "Something went wrong on our side" in page.text
        assert "secret internals" not in page.text and "Traceback" not in page.text
    assert "<html" not in client.get(run, headers=HTMX).text


def test_a_wrong_method_gets_a_friendly_405(client):
    run = start(client)
    page = client.get(f"{run}/choose")
    assert page.status_code == 405
    assert "can&#39;t be used that way" in page.text
    assert page.headers["Allow"]


def test_the_run_cookie_is_signed_http_only_and_same_site(client):
    response = client.post("/scenarios/coat-still-on/runs", data={"mode": "practice"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("rapport=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_the_play_page_stays_small(client, app):
    """A play page's first load (HTML, CSS and JS) is small on the wire, as sent compressed:
    under 24 KB with gzip (htmx is 13 KB of it; brotli sends less), and under 64 KB even
    uncompressed."""
    run = start(client)
    wire = plain = 0
    for url in (
        run,
        "/static/css/app.css",
        "/static/vendor/htmx-4.0.1.min.js",
        "/static/js/play.js",
    ):
        packed = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert packed.status_code == 200, url
        assert packed.headers.get("Content-Encoding") == "gzip", url
        wire += len(packed.data)
        plain += len(client.get(url).data)
        packed.close()
    assert wire < 24 * 1024, wire
    assert plain < 64 * 1024, plain


def test_every_response_reports_its_server_time(client):
    header = client.get("/health").headers["Server-Timing"]
    assert header.startswith("app;dur=")
    assert float(header.split("dur=")[1]) >= 0
    assert client.get("/health").get_json() == {"status": "ok"}
