"""Shared fixtures: real databases (SQLite and PostgreSQL) and the real Kintsugi stack."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest

from bot import clock
from tests.stack import RasaStack, start_rasa_stack

PG_ADMIN_URL = os.environ.get("KINTSUGI_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


@contextmanager
def use_database(url: str) -> Iterator[str]:
    """Point this process's storage at ``url`` (schema upgraded) for the duration."""
    from bot.config import get_settings
    from bot.storage import dispose_engines, upgrade_database

    old = os.environ.get("KINTSUGI_DATABASE_URL")
    os.environ["KINTSUGI_DATABASE_URL"] = url
    get_settings.cache_clear()
    dispose_engines()
    upgrade_database(url)
    try:
        yield url
    finally:
        dispose_engines()
        if old is None:
            os.environ.pop("KINTSUGI_DATABASE_URL", None)
        else:
            os.environ["KINTSUGI_DATABASE_URL"] = old
        get_settings.cache_clear()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database on the local server, dropped afterwards.

    Missing PostgreSQL skips locally but fails in CI (``CI`` set): those paths must be tested.
    """
    import sqlalchemy as sa

    name = f"kintsugi_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            raise RuntimeError(f"PostgreSQL is required in CI and is not reachable: {exc}") from exc
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from bot.storage import dispose_engines

        dispose_engines()
        with admin.connect() as connection:
            connection.execute(sa.text(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each storage test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        with use_database(f"sqlite:///{tmp_path / 'kintsugi.db'}") as url:
            yield url
    else:
        with postgres_database() as url, use_database(url):
            yield url


@pytest.fixture
def key(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh sealing key (``KINTSUGI_ENCRYPTION_KEY``) on each database: private lists and reflections."""
    from bot import sealed
    from bot.config import get_settings

    value = sealed.new_key()
    monkeypatch.setenv("KINTSUGI_ENCRYPTION_KEY", value)
    get_settings.cache_clear()
    yield value
    get_settings.cache_clear()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite database for tests that need only one."""
    with use_database(f"sqlite:///{tmp_path / 'kintsugi.db'}") as url:
        yield url


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    """A trained model, a rasa server (REST + socket.io) and an action server on SQLite."""
    stack = start_rasa_stack(tmp_path_factory.mktemp("stack"))
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def stack_db(rasa_stack: RasaStack) -> Iterator[str]:
    """Point this test process's storage at the running stack's database."""
    with use_database(rasa_stack.database_url) as url:
        yield url


# ---------------------------------------------------------------- the clock
# Time-dependent tests run at these local times (Europe/Berlin unless the marker names a zone),
# so a test that only passes at some hours of the day fails every time, whenever CI runs.
AROUND_THE_CLOCK = ["00:30", "06:00", "12:00", "23:30"]
CLOCK_DAY = "2026-06-16"  # a Tuesday, far from any daylight-saving change


def _local(day: str, hhmm: str, zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ZoneInfo(zone))


def pytest_configure(config: pytest.Config) -> None:
    """``KINTSUGI_TEST_CLOCK=2026-03-29T01:30+01:00`` runs the whole suite, subprocesses too, at that moment.

    The controlling process (not an xdist worker) makes the folder where workers leave their
    figures (``tests/report.py``), before the workers start, so they inherit its name.
    """
    config.addinivalue_line("markers", "around_the_clock(zone=...): run at several fixed local times of day")
    if not hasattr(config, "workerinput"):
        import tempfile

        from tests.report import REPORT_DIR

        config._kintsugi_report = (Path(tempfile.mkdtemp(prefix="kintsugi-report-")), os.environ.get(REPORT_DIR))
        os.environ[REPORT_DIR] = str(config._kintsugi_report[0])
    wanted = os.environ.get("KINTSUGI_TEST_CLOCK", "").strip()
    if wanted:
        moment = datetime.fromisoformat(wanted)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        offset = (moment - datetime.now(timezone.utc)).total_seconds()
        os.environ[clock.OFFSET_VARIABLE] = f"{offset:.3f}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize every ``around_the_clock`` test over ``AROUND_THE_CLOCK``."""
    if metafunc.definition.get_closest_marker("around_the_clock") and "clock_hour" not in metafunc.fixturenames:
        metafunc.fixturenames.append("clock_hour")
        metafunc.parametrize("clock_hour", AROUND_THE_CLOCK, ids=[f"at{h.replace(':', '')}" for h in AROUND_THE_CLOCK])


@pytest.fixture(autouse=True)
def _test_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Sets the clock (ticking) for ``around_the_clock`` tests; always resets it afterwards."""
    marker = request.node.get_closest_marker("around_the_clock")
    if marker is not None:
        hour = request.getfixturevalue("clock_hour")
        clock.set_now(_local(CLOCK_DAY, hour, marker.kwargs.get("zone", "Europe/Berlin")), ticking=True)
    try:
        yield
    finally:
        clock.reset()


class TestClock:
    """What a test uses to set the time: ``test_clock.at("00:30", "Europe/Berlin", day="2026-03-29")``."""

    def at(self, hhmm: str, zone: str = "UTC", day: str = CLOCK_DAY, *, ticking: bool = False) -> datetime:
        """Set the clock to ``hhmm`` local time in ``zone`` on ``day``; returns that moment."""
        moment = _local(day, hhmm, zone)
        clock.set_now(moment, ticking=ticking)
        return moment

    def advance(self, **kwargs: float) -> datetime:
        """Move the clock on by ``timedelta(**kwargs)``."""
        clock.advance(timedelta(**kwargs))
        return clock.now()

    @staticmethod
    def now() -> datetime:
        """What the product's clock reads."""
        return clock.now()


@pytest.fixture
def test_clock() -> Iterator[TestClock]:
    """Set the product's clock explicitly; reset after the test."""
    yield TestClock()
    clock.reset()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN001, ANN201 - xdist's types
    """``--dist loadfile`` with the long test files first (``tests/scheduling.py``)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.scheduling import LongFilesFirst

    return LongFilesFirst(config, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the figures' folder and give back the environment as it was."""
    report = getattr(config, "_kintsugi_report", None)
    if report is None:
        return
    import shutil

    from tests.report import REPORT_DIR

    folder, before = report
    shutil.rmtree(folder, ignore_errors=True)
    if before is None:
        os.environ.pop(REPORT_DIR, None)
    else:
        os.environ[REPORT_DIR] = before


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001
    """Print the quality figures the tests measured (in this process or in the xdist workers)."""
    report = getattr(config, "_kintsugi_report", None)
    if report is None:  # a worker: the controller prints
        return
    from tests.report import sections

    for title, lines in sections(report[0]).items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)
