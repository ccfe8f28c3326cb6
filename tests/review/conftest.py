"""Fixtures: a seeded database per test, on SQLite and on a throwaway PostgreSQL database.

The databases themselves come from ``tests/conftest.py`` (``database``, ``sqlite_database``).
"""
from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pytest

from bot.config import Settings

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "review"


@pytest.fixture
def fast_hashing(monkeypatch) -> None:
    """Argon2id with small costs so a test suite does not spend minutes hashing."""
    from argon2 import PasswordHasher

    from bot.storage import therapists

    cheap = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    monkeypatch.setattr(therapists, "_hasher", lambda: cheap)
    monkeypatch.setattr(therapists, "_dummy_hash", lambda: cheap.hash("not a real password"))


@pytest.fixture
def seeded(database, fast_hashing):
    """The seeded database on each backend (``database`` comes from tests/conftest.py)."""
    from .seed import seed

    return seed()


@pytest.fixture
def seeded_sqlite(sqlite_database, fast_hashing):
    """The seeded database on SQLite only."""
    from .seed import seed

    return seed()


@pytest.fixture
def settings() -> Settings:
    """The settings the app is mounted with (read after the database URL was set)."""
    return Settings.from_env()


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "page has no form token"
    return match.group(1)


@pytest.fixture
async def make_client(settings):
    """Start the review app on a test server; ``await make_client(policy=..., settings=...)``."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.gateway import build_app
    from bot.web.review import setup_review

    clients = []

    async def make(policy=None, app_settings: Settings = None) -> TestClient:
        app = build_app(app_settings or settings, parts=(partial(setup_review, policy=policy),))
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def sign_in(client, email: str = "alice@example.org", password: str = None, **extra):
    """Open the sign-in page and post the form with its token; returns the POST response."""
    from .seed import PASSWORD

    page = await client.get("/review/login")
    form = {"email": email, "password": PASSWORD if password is None else password, "csrf": csrf_of(await page.text())}
    form.update(extra)
    return await client.post("/review/login", data=form, allow_redirects=False)
