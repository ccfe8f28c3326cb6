"""Only the rasa server can make the action server do anything (issue 22).

Against the real action server process (``python -m bot.action_server``, as ``kintsugi run``
and the containers start it): a crisis handoff, which writes a ``crisis_routed`` row and
sends the on-call notice, runs when the call is signed with the shared secret, and is
refused with 401, with no row written and no notice sent, when the call has no token, the
wrong token, or is a replay (the same request again, or sent under another host name).
"""
from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import pytest
import rasa_sdk

from bot import action_auth
from bot.stack import Stack, free_port
from tests.action_kit import domain, tracker
from tests.test_actions_safety import NoticeServer


class ActionServer:
    """One real action server with its own SQLite database and on-call webhook."""

    def __init__(self, stack: Stack, notices: NoticeServer, db: Path) -> None:
        self.stack, self.notices, self.db = stack, notices, db

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.stack.action_port}"

    def rows(self) -> int:
        """Rows in every table of the action server's database."""
        with sqlite3.connect(self.db) as connection:
            tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            return sum(connection.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables)

    def post(self, body: bytes, headers: Dict[str, str], host: Optional[str] = None) -> Tuple[int, bytes]:
        """POST /webhook with exactly these headers (and Host, when given)."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.stack.action_port}/webhook", data=body,
                                         headers={"Content-Type": "application/json", **headers})
        if host:
            request.add_unredirected_header("Host", host)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    folder = tmp_path_factory.mktemp("action-auth")
    db = folder / "actions.db"
    url = f"sqlite:///{db}"
    from bot.storage.db import build_engine, upgrade_database

    upgrade_database(url)
    build_engine(url).dispose()
    with NoticeServer() as notices:
        stack = Stack(database_url=url, model=folder / "no-model", action_port=free_port(), gateway_port=None,
                      log_dir=folder / "logs",
                      extra_env={"KINTSUGI_ONCALL_WEBHOOK_URL": f"http://127.0.0.1:{notices.port}/notice",
                                 "KINTSUGI_REDIS_URL": ""})
        try:
            stack.start_actions()
            yield ActionServer(stack, notices, db)
        finally:
            stack.stop()


def crisis_call(sender: str) -> bytes:
    """What rasa sends to run the crisis handoff for ``sender``."""
    track = tracker(sender, "i want to end it all", "crisis",
                    entities=[{"entity": "crisis_category", "value": "suicide"}],
                    metadata={"channel": "rest", "country": "UK"})
    return json.dumps({"next_action": "action_safety_handoff", "sender_id": sender,
                       "tracker": track.current_state(), "domain": domain(),
                       "version": rasa_sdk.__version__}).encode()


def assert_refused(server: ActionServer, status: int, before_rows: int, before_notices: int) -> None:
    assert status == 401
    time.sleep(0.5)  # a notice, had one been sent, would have arrived by now
    assert server.rows() == before_rows, "a refused call wrote to the database"
    assert len(server.notices.received) == before_notices, "a refused call sent an on-call notice"


def test_a_signed_call_from_rasa_runs_the_action(action_server: ActionServer) -> None:
    """The control: the same call, signed with the shared secret, does write and notify."""
    rows, notices = action_server.rows(), len(action_server.notices.received)
    body = crisis_call("auth-control")
    status, answer = action_server.post(body, action_auth.sign(action_server.stack.action_token, action_server.host,
                                                               "POST", "/webhook", body))
    assert status == 200, answer
    assert any(e.get("name") == "safety_level" and e.get("value") == "crisis" for e in json.loads(answer)["events"])
    assert action_server.rows() > rows
    deadline = time.monotonic() + 5
    while len(action_server.notices.received) == notices and time.monotonic() < deadline:
        time.sleep(0.1)
    assert action_server.notices.received[-1]["conversation_id"] == "auth-control"


@pytest.mark.parametrize("case", ["no token", "wrong token", "bearer only", "tampered body", "stale"])
def test_calls_without_the_secret_are_refused_and_run_nothing(action_server: ActionServer, case: str) -> None:
    rows, notices = action_server.rows(), len(action_server.notices.received)
    body = crisis_call(f"auth-{case.replace(' ', '-')}")
    token = action_server.stack.action_token
    if case == "no token":
        headers: Dict[str, str] = {}
    elif case == "wrong token":  # a well-formed call signed with another secret
        headers = action_auth.sign("not-" + token, action_server.host, "POST", "/webhook", body)
    elif case == "bearer only":  # the token alone, without a fresh signature
        headers = {"Authorization": f"Bearer {token}"}
    elif case == "tampered body":
        headers = action_auth.sign(token, action_server.host, "POST", "/webhook", crisis_call("someone-else"))
    else:
        headers = action_auth.sign(token, action_server.host, "POST", "/webhook", body,
                                   now=time.time() - 10 * action_auth.MAX_SKEW)
    status, _ = action_server.post(body, headers)
    assert_refused(action_server, status, rows, notices)


def test_a_replayed_call_is_refused_and_runs_nothing(action_server: ActionServer) -> None:
    token = action_server.stack.action_token
    body = crisis_call("auth-replay")
    headers = action_auth.sign(token, action_server.host, "POST", "/webhook", body)
    status, _ = action_server.post(body, headers)
    assert status == 200
    time.sleep(0.5)
    rows, notices = action_server.rows(), len(action_server.notices.received)
    status, _ = action_server.post(body, headers)  # the captured request, again
    assert_refused(action_server, status, rows, notices)
    fresh = action_auth.sign(token, action_server.host, "POST", "/webhook", body)
    status, _ = action_server.post(body, fresh, host=f"localhost:{action_server.stack.action_port}")
    assert_refused(action_server, status, rows, notices)  # signed for one host name, sent under another


def test_health_stays_open_for_probes_and_the_rest_is_closed(action_server: ActionServer) -> None:
    port = action_server.stack.action_port
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/actions", timeout=10)
    assert refused.value.code == 401


def test_the_action_server_does_not_start_without_a_secret(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "KINTSUGI_ACTION_TOKEN"}
    result = subprocess.run([sys.executable, "-m", "bot.action_server", "--port", str(free_port())], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "KINTSUGI_ACTION_TOKEN" in result.stderr


def test_the_servers_bind_loopback_by_default() -> None:
    from bot.config import Settings

    assert Settings.from_env({}).bind == "127.0.0.1"
    assert Settings.from_env({"KINTSUGI_BIND": "0.0.0.0"}).bind == "0.0.0.0"
    stack = Stack(database_url="sqlite://", model=Path("m"))
    assert stack.bind == "127.0.0.1" and stack.env()["KINTSUGI_BIND"] == "127.0.0.1"


def _listening(port: int) -> set:
    """Addresses (hex, as in /proc/net/tcp*) that listen on ``port`` on this machine."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_the_action_server_listens_on_loopback_only(action_server: ActionServer) -> None:
    addresses = _listening(action_server.stack.action_port)
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp on this system")
    assert addresses == {"0100007F"}, addresses  # 127.0.0.1, nothing else


def test_a_failing_action_call_never_sends_the_persons_words_back(action_server: ActionServer) -> None:
    """rasa-sdk answered a failed call with the whole request, which rasa then logged."""
    words = "private words nobody may log"
    body = json.dumps({"next_action": "action_safety_handoff", "sender_id": "auth-fail",
                       "tracker": {"sender_id": "auth-fail", "latest_message": {"text": words},
                                   "events": "not a list", "slots": 5},
                       "domain": domain(), "version": rasa_sdk.__version__}).encode()
    status, answer = action_server.post(body, action_auth.sign(action_server.stack.action_token, action_server.host,
                                                               "POST", "/webhook", body))
    assert status >= 400 and words.encode() not in answer
    time.sleep(0.3)
    logs = "".join(p.read_text(encoding="utf-8", errors="replace")
                   for p in (action_server.stack.log_dir or Path(".")).glob("*.log"))
    assert words not in logs
