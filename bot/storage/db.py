"""Engines, sessions and schema upgrades for one database URL."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.config import get_settings

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_engines: Dict[str, Engine] = {}
_makers: Dict[str, sessionmaker] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the rasa server, the action server and the gateway share one file.
    # synchronous=NORMAL is WAL's usual partner: a commit no longer waits for the disk,
    # so a power cut (not a crash of ours) may lose the last commits; the file stays whole.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def build_engine(url: str) -> Engine:
    """A new engine for ``url``; SQLite files get their folder, WAL mode and a connection pool."""
    parsed = make_url(url)
    kwargs = {"future": True, "pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # SQLAlchemy 1.4 gives SQLite files a NullPool: a new connection (and the
            # PRAGMAs above) for every unit of work. A pool keeps a few open instead.
            kwargs.update(poolclass=QueuePool, pool_size=5, max_overflow=10, pool_pre_ping=False)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.update(pool_size=5, max_overflow=10)
    return create_engine(url, **kwargs)


def get_engine(url: Optional[str] = None) -> Engine:
    """The shared engine of this process for ``url`` (the configured one by default)."""
    url = url or get_settings().database_url
    with _lock:
        if url not in _engines:
            _engines[url] = build_engine(url)
            _makers[url] = sessionmaker(bind=_engines[url], future=True, expire_on_commit=False)
        return _engines[url]


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error."""
    url = url or get_settings().database_url
    get_engine(url)
    session = _makers[url]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upgrade_database(url: Optional[str] = None) -> None:
    """Bring the schema at ``url`` to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    url = url or get_settings().database_url
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    engine = get_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def dispose_engines() -> None:
    """Close every pooled connection (tests and forked workers)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _makers.clear()


def check_database() -> None:
    """Raise when the configured database does not answer (the gateway's readiness check)."""
    from sqlalchemy import text

    with get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))
