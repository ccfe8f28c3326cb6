"""``kintsugi therapist …`` and the 0002 migration."""
from __future__ import annotations

import io
import re

from bot.storage.sign_in import verify_login
from bot.storage.therapists import therapist_for_password_token
from bot.web.review.cli import therapist_main


def _run(argv, monkeypatch=None, passwords=()):
    answers = iter(passwords)
    if monkeypatch is not None:
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    out, err = io.StringIO(), io.StringIO()
    code = therapist_main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_add_with_a_password_then_list_and_disable(sqlite_database, fast_hashing, monkeypatch):
    code, out, _ = _run(["add", "Erin@Example.org", "--name", "Erin Holt"], monkeypatch,
                        ["a quiet harbour", "a quiet harbour"])
    assert code == 0 and "Added erin@example.org." in out and "a quiet harbour" not in out
    assert verify_login("erin@example.org", "a quiet harbour").ok
    code, out, _ = _run(["list"])
    assert code == 0 and "erin@example.org\tErin Holt\tactive" in out
    assert _run(["disable", "erin@example.org"])[0] == 0
    assert "disabled" in _run(["list"])[1]
    assert not verify_login("erin@example.org", "a quiet harbour").ok
    assert _run(["enable", "erin@example.org"])[0] == 0
    assert _run(["disable", "nobody@example.org"])[0] == 1


def test_add_refuses_mismatched_short_or_duplicate(sqlite_database, fast_hashing, monkeypatch):
    code, _, err = _run(["add", "f@example.org"], monkeypatch, ["one long password", "another password"])
    assert code == 1 and "not the same" in err
    code, _, err = _run(["add", "f@example.org"], monkeypatch, ["short", "short"])
    assert code == 1 and "at least 12" in err
    assert _run(["add", "f@example.org"], monkeypatch, ["long enough pass", "long enough pass"])[0] == 0
    code, _, err = _run(["add", "f@example.org", "--link"])
    assert code == 1 and "already exists" in err


def test_add_with_link_prints_a_one_time_address(sqlite_database, fast_hashing, monkeypatch):
    monkeypatch.setenv("KINTSUGI_PUBLIC_URL", "https://kintsugi.example.org/")
    from bot.config import get_settings

    get_settings.cache_clear()
    code, out, _ = _run(["add", "g@example.org", "--link"])
    match = re.search(r"https://kintsugi\.example\.org/review/set-password\?token=(\S+)", out)
    assert code == 0 and match
    assert therapist_for_password_token(match.group(1)).email == "g@example.org"
    assert "waiting for a password" in _run(["list"])[1]
    code, out, _ = _run(["link", "g@example.org"])
    assert code == 0 and "/review/set-password?token=" in out


def test_migration_0002_downgrades_and_upgrades(sqlite_database):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from bot.storage.db import _MIGRATIONS, get_engine

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with get_engine().begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert not inspect(get_engine()).has_table("therapist_sessions")
    with get_engine().begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    tables = set(inspect(get_engine()).get_table_names())
    assert {"therapist_sessions", "login_throttle", "password_tokens"} <= tables


def test_migrations_match_the_review_models(sqlite_database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.storage.db import get_engine
    from bot.storage.models import Base

    mine = {"therapist_sessions", "login_throttle", "password_tokens"}
    with get_engine().connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if mine & set(str(d).split("'"))] == []
