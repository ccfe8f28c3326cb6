"""Train when the data changed, and start the rasa server, action server and gateway.

Used by ``kintsugi run`` (``make run``), by the test session and by the benchmark,
so the three processes are always started the same way. Keeping them running (restarts
with backoff) is ``bot.supervisor``.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set

from bot import PROJECT_ROOT

TRAINING_INPUTS = ("config.yml", "domain.yml", "data")
MODEL_NAME = "kintsugi"
VENV_BIN = Path(sys.executable).parent


def rasa_bin() -> str:
    """The rasa executable of this environment."""
    candidate = VENV_BIN / "rasa"
    return str(candidate) if candidate.exists() else "rasa"


def fingerprint(root: Path = PROJECT_ROOT, inputs: Sequence[str] = TRAINING_INPUTS) -> str:
    """A hash of everything training depends on, including our NLU component's code."""
    digest = hashlib.sha256()
    paths: List[Path] = []
    for name in list(inputs) + ["bot/rasa_plugins/safety_guard.py"]:
        path = root / name
        paths.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    for path in paths:
        if path.exists():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@contextmanager
def training_lock(root: Path = PROJECT_ROOT) -> Iterator[None]:
    """Only one process at a time checks and trains (``models/.train.lock``, an ``flock``).

    Parallel test workers, the benchmark and ``kintsugi run`` share models/ and Rasa's
    training cache (.rasa/); the second one waits here and then finds the model up to date.
    """
    folder = root / "models"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".train.lock", "a") as handle:
        if not _try_lock(handle):
            print("Waiting for another process that is training...", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_lock(handle) -> bool:  # noqa: ANN001 - an open file
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def train_if_changed(root: Path = PROJECT_ROOT, out: Optional[Path] = None, force: bool = False,
                     env: Optional[Dict[str, str]] = None) -> Path:
    """Train the model unless one built from exactly this data exists; returns its path.

    The safety layer's second opinion is built first (from ``content/safety/training``), so
    no process has to train it when it starts. All of it runs under ``training_lock``.
    """
    with training_lock(root):
        return _train_if_changed(root, out, force, env)


def _train_if_changed(root: Path, out: Optional[Path], force: bool, env: Optional[Dict[str, str]]) -> Path:
    from bot.safety import training

    safety_model = training.build(force=force)
    print(f"Safety second opinion is ready ({safety_model.name}).", flush=True)
    from bot.language import escalation_training

    escalation_model = escalation_training.build(force=force)
    print(f"Escalation second opinion is ready ({escalation_model.name}).", flush=True)
    out = out or root / "models"
    out.mkdir(parents=True, exist_ok=True)
    model = out / f"{MODEL_NAME}.tar.gz"
    stamp = out / f"{MODEL_NAME}.fingerprint"
    current = fingerprint(root)
    if not force and model.exists() and stamp.exists() and stamp.read_text().strip() == current:
        print(f"Model is up to date ({model.relative_to(root) if model.is_relative_to(root) else model}).")
        return model
    print("Training the model (the data changed)...", flush=True)
    started = time.monotonic()
    subprocess.run([rasa_bin(), "train", "--out", str(out), "--fixed-model-name", MODEL_NAME],
                   cwd=root, check=True, env={**os.environ, **(env or {})})
    stamp.write_text(current)
    print(f"Trained in {time.monotonic() - started:.0f} s.", flush=True)
    return model


_HANDED_OUT: Set[int] = set()


def free_port() -> int:
    """A TCP port nobody listens on right now, never one this process handed out before."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def wait_for(url: str, timeout: float, process: Optional[subprocess.Popen] = None) -> None:
    """Wait until ``url`` answers 200, or fail with a clear message."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url.split('?')[0]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last = str(exc)
        time.sleep(0.3)
    raise TimeoutError(f"{url.split('?')[0]} did not answer within {timeout:.0f} s ({last})")


def _fernet_key() -> str:
    from bot.sealed import new_key

    return new_key()


@dataclass
class Stack:
    """The three Kintsugi processes on chosen ports with one database."""

    database_url: str
    model: Path
    rasa_port: int = 5005
    action_port: int = 5055
    gateway_port: Optional[int] = 8080
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    encryption_key: str = field(default_factory=lambda: _fernet_key())  # KINTSUGI_ENCRYPTION_KEY
    bind: str = "127.0.0.1"
    root: Path = PROJECT_ROOT
    extra_env: Dict[str, str] = field(default_factory=dict)
    log_dir: Optional[Path] = None
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)
    rasa_args: List[str] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        """Base URL of the rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def gateway_url(self) -> Optional[str]:
        """Base URL of the gateway, when one runs."""
        return f"http://127.0.0.1:{self.gateway_port}" if self.gateway_port else None

    def env(self) -> Dict[str, str]:
        """Environment shared by the three processes."""
        return {**os.environ, "KINTSUGI_DATABASE_URL": self.database_url, "KINTSUGI_RASA_URL": self.rasa_url,
                "KINTSUGI_RASA_TOKEN": self.token, "KINTSUGI_ACTION_PORT": str(self.action_port),
                "KINTSUGI_ACTION_TOKEN": self.action_token, "KINTSUGI_ENCRYPTION_KEY": self.encryption_key,
                "KINTSUGI_BIND": self.bind,
                "KINTSUGI_GATEWAY_PORT": str(self.gateway_port or 0), "PYTHONUNBUFFERED": "1",
                "KINTSUGI_ACTION_HEALTH_URL": f"http://127.0.0.1:{self.action_port}/health",
                "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false",
                "PYTHONPATH": str(self.root) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                **self.extra_env}

    def _endpoints(self) -> Path:
        """endpoints.yml with the action server's port filled in."""
        text = (self.root / "endpoints.yml").read_text()
        text = text.replace("http://127.0.0.1:5055/webhook", f"http://127.0.0.1:{self.action_port}/webhook")
        folder = self.log_dir or (self.root / "var")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"endpoints.{self.rasa_port}.yml"
        path.write_text(text)
        return path

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen(args, cwd=self.root, env=self.env(), stdout=out, stderr=subprocess.STDOUT if out
                                   else None, start_new_session=True)
        if out is not None:
            out.close()  # the child has its own copy
        self.processes[name] = process
        return process

    def launch(self, name: str) -> subprocess.Popen:
        """Start one part (``actions``, ``rasa`` or ``gateway``) without waiting for it to answer."""
        if name == "actions":
            return self._spawn("actions", [sys.executable, "-m", "bot.action_server", "--actions", "actions",
                                           "--port", str(self.action_port)])
        if name == "rasa":
            return self._spawn("rasa", [
                rasa_bin(), "run", "--model", str(self.model), "--enable-api", f"--auth-token={self.token}",
                "--interface", self.bind, "--port", str(self.rasa_port), "--endpoints", str(self._endpoints()),
                "--credentials", "credentials.yml", "--cors", "*", *self.rasa_args])
        if name == "gateway":
            return self._spawn("gateway", [sys.executable, "-m", "bot.gateway"])
        raise ValueError(f"no part called {name!r}")

    def health_url(self, name: str) -> str:
        """The address that answers 200 when the part ``name`` is up."""
        return {"actions": f"http://127.0.0.1:{self.action_port}/health",
                "rasa": f"{self.rasa_url}/status?token={self.token}",
                "gateway": f"{self.gateway_url}/healthz"}[name]

    def start_actions(self) -> None:
        """Start the action server (rasa-sdk behind the shared secret, ``bot/action_server.py``)."""
        wait_for(self.health_url("actions"), 120, self.launch("actions"))

    def start_rasa(self, extra_args: Sequence[str] = ()) -> None:
        """Start the rasa server (REST and socket.io channels, API behind the token)."""
        self.rasa_args = list(extra_args)
        wait_for(self.health_url("rasa"), 240, self.launch("rasa"))

    def start_gateway(self) -> None:
        """Start the gateway (widget, review app, Telegram, reminders)."""
        if not self.gateway_port:
            return
        wait_for(self.health_url("gateway"), 60, self.launch("gateway"))

    def start(self) -> "Stack":
        """Start all three, action server first."""
        self.start_actions()
        self.start_rasa()
        self.start_gateway()
        return self

    def stop(self, name: Optional[str] = None, sig: int = signal.SIGTERM) -> None:
        """Stop one process, or all of them, and wait for them to go."""
        names = [name] if name else list(self.processes)
        for key in names:
            process = self.processes.get(key)
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    pass
        for key in names:
            process = self.processes.pop(key, None)
            if process is None:
                continue
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
