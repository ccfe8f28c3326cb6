"""The assistants under test: Kintsugi's full stack (bot.stack.Stack) and a stock ``rasa init`` bot."""
from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

from bench.load import first_answer
from bot.stack import Stack, free_port, rasa_bin

PG_ADMIN_URL = os.environ.get("KINTSUGI_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("KINTSUGI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
# One thread per op for TensorFlow and the BLAS/OpenMP pools: on 2 cores, several
# processes each spawning a pool per core only fight over the same cores.
THREAD_ENV = {"OMP_NUM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1",
              "TF_INTER_OP_PARALLELISM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def create_pg_database(admin_url: str = PG_ADMIN_URL) -> str:
    """A new empty PostgreSQL database; returns its URL."""
    import sqlalchemy as sa

    name = f"kintsugi_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str, admin_url: str = PG_ADMIN_URL) -> None:
    """Drop a database made by ``create_pg_database``."""
    import sqlalchemy as sa

    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


@dataclass
class Variant:
    """One way of running an assistant: database, workers, thread settings, proposed fixes."""

    name: str
    database: str = "sqlite"  # "postgresql"; "memory" is the stock bot's in-memory tracker store
    redis: bool = False
    workers: int = 1
    threads: bool = False
    untuned: bool = False  # KINTSUGI_RASA_TUNING=off: Rasa's internals as shipped (bot.rasa_plugins.tuning not installed)
    async_commit: bool = False  # PostgreSQL synchronous_commit=off through the database URL
    window: Optional[int] = None  # KINTSUGI_TRACKER_WINDOW (0: whole sessions, as Rasa reads them)

    def env(self) -> Dict[str, str]:
        """Environment variables this variant sets."""
        env: Dict[str, str] = {"SANIC_WORKERS": str(self.workers)}
        if self.untuned:
            env["KINTSUGI_RASA_TUNING"] = "off"
        if self.redis:
            env["KINTSUGI_REDIS_URL"] = REDIS_URL
        if self.threads:
            env.update(THREAD_ENV)
        if self.window is not None:
            env["KINTSUGI_TRACKER_WINDOW"] = str(self.window)
        return env

    def describe(self) -> str:
        """A short human description for the table."""
        parts = [self.database + ("+redis" if self.redis else ""), f"{self.workers} worker" + ("s" if self.workers > 1
                                                                                             else "")]
        if self.threads:
            parts.append("1 thread/op")
        if self.async_commit:
            parts.append("synchronous_commit=off")
        if self.untuned:
            parts.append("KINTSUGI_RASA_TUNING=off")
        if self.window is not None:
            parts.append(f"KINTSUGI_TRACKER_WINDOW={self.window}")
        return ", ".join(parts)


@dataclass
class KintsugiTarget:
    """Kintsugi's three processes for one variant, on a fresh database."""

    variant: Variant
    model: Path
    folder: Path
    stack: Optional[Stack] = None
    database_url: str = ""
    start_seconds: float = 0.0

    def start(self) -> "KintsugiTarget":
        """Make the database, start the stack, and time it until the first REST answer."""
        from bot.storage.db import dispose_engines, upgrade_database

        if self.variant.database == "postgresql":
            self.database_url = create_pg_database()
            if self.variant.async_commit:
                self.database_url += "?options=-csynchronous_commit%3Doff"
        else:
            self.database_url = f"sqlite:///{self.folder / (self.variant.name + '.db')}"
        upgrade_database(self.database_url)
        dispose_engines()
        stack = Stack(database_url=self.database_url, model=self.model, rasa_port=free_port(),
                      action_port=free_port(), gateway_port=free_port(), extra_env=self.variant.env(),
                      log_dir=self.folder / "logs" / self.variant.name)
        self.stack = stack
        began = time.monotonic()
        stack.start()
        answered = asyncio.run(first_answer(stack.rasa_url, began + 300))
        self.start_seconds = answered - began
        return self

    @property
    def url(self) -> str:
        """Where the REST channel listens."""
        assert self.stack is not None
        return self.stack.rasa_url

    def roots(self) -> Dict[str, int]:
        """Process ids whose trees make up this assistant."""
        assert self.stack is not None
        return {name: process.pid for name, process in self.stack.processes.items()}

    def stop(self) -> None:
        """Stop the processes and drop a PostgreSQL database."""
        if self.stack is not None:
            self.stack.stop()
        if self.variant.database == "postgresql" and self.database_url:
            drop_pg_database(self.database_url.split("?")[0])


def init_stock(folder: Path, env: Optional[Dict[str, str]] = None) -> float:
    """``rasa init --no-prompt`` in ``folder`` (it trains the model); returns the seconds it took."""
    folder.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with open(folder.parent / "stock-init.log", "wb") as log:
        subprocess.run([rasa_bin(), "init", "--no-prompt", "--init-dir", str(folder)], cwd=folder, check=True,
                       stdout=log, stderr=subprocess.STDOUT,
                       env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", **(env or {})})
    return time.monotonic() - began


def stock_endpoints(folder: Path, database_url: str, name: str) -> Path:
    """endpoints.yml for the stock bot on a SQL tracker store and the Redis lock store."""
    from sqlalchemy.engine import make_url

    db = make_url(database_url)
    redis_db = REDIS_URL.rsplit("/", 1)[1] or "1"
    path = folder / f"endpoints.{name}.yml"
    path.write_text(f"""tracker_store:
  type: SQL
  dialect: postgresql
  url: {db.host}
  port: {db.port or 5432}
  db: {db.database}
  username: {db.username}
lock_store:
  type: redis
  url: 127.0.0.1
  port: 6379
  db: {redis_db}
  key_prefix: stock
""")
    return path


@dataclass
class StockTarget:
    """The stock ``rasa init`` assistant served by ``rasa run --enable-api``."""

    variant: Variant
    folder: Path
    process: Optional[subprocess.Popen] = None
    port: int = 0
    database_url: str = ""
    log_dir: Optional[Path] = None
    start_seconds: float = 0.0

    def start(self) -> "StockTarget":
        """Start ``rasa run`` and time it until the first REST answer."""
        self.port = free_port()
        args = [rasa_bin(), "run", "--enable-api", "--port", str(self.port), "--model", "models"]
        if self.variant.database == "postgresql":
            self.database_url = create_pg_database()
            args += ["--endpoints", str(stock_endpoints(self.folder, self.database_url, self.variant.name))]
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", **self.variant.env()}
        env.pop("KINTSUGI_REDIS_URL", None)
        log_dir = self.log_dir or self.folder.parent / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{self.variant.name}.log", "ab")
        began = time.monotonic()
        self.process = subprocess.Popen(args, cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        answered = asyncio.run(first_answer(self.url, began + 300))
        self.start_seconds = answered - began
        return self

    @property
    def url(self) -> str:
        """Where the REST channel listens."""
        return f"http://127.0.0.1:{self.port}"

    def roots(self) -> Dict[str, int]:
        """Process ids whose trees make up this assistant."""
        assert self.process is not None
        return {"rasa": self.process.pid}

    def stop(self) -> None:
        """Stop rasa and drop a PostgreSQL database."""
        import signal

        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.database_url:
            drop_pg_database(self.database_url)
