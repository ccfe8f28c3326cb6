"""``kintsugi run`` heals itself: a crashed rasa server comes back by itself while the gateway answers.

The real stack (action server, rasa server, gateway with Telegram against a fake Bot API) runs
under ``bot.supervisor.Supervisor``, the loop ``kintsugi run`` uses; the test kills the rasa server.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from bot import PROJECT_ROOT
from bot.config import Settings
from bot.stack import Stack, free_port, train_if_changed
from bot.supervisor import Supervisor
from bot.telegram.texts import ui
from tests.telegram.fake_bot_api import FakeBotApi, Person, private_chat

UK_HELPLINE = "116 123"  # Samaritans, in the GB directory


def readyz(url: str) -> Dict[str, Any]:
    """The gateway's /readyz answer, whatever its status."""
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=10) as response:
            return {"code": response.status, **json.loads(response.read())}
    except urllib.error.HTTPError as exc:
        return {"code": exc.code, **json.loads(exc.read())}


# ------------------------------------------------------------------ the supervisor's bookkeeping
class FakeProcess:
    """Stands in for a Popen: alive until ``die``."""

    def __init__(self) -> None:
        self.returncode: Optional[int] = None

    def poll(self) -> Optional[int]:
        return self.returncode

    def die(self, code: int = -9) -> None:
        self.returncode = code


class FakeStack:
    """A Stack whose parts are FakeProcesses."""

    log_dir = Path("/tmp/logs")

    def __init__(self) -> None:
        self.processes: Dict[str, FakeProcess] = {"actions": FakeProcess(), "rasa": FakeProcess()}
        self.launched: List[str] = []
        self.up = True

    def launch(self, name: str) -> FakeProcess:
        self.launched.append(name)
        self.processes[name] = FakeProcess()
        return self.processes[name]

    def health_url(self, name: str) -> str:
        return f"fake://{name}"


def test_supervisor_restarts_a_stopped_part_with_doubling_backoff(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("bot.supervisor.time.monotonic", lambda: now[0])
    monkeypatch.setattr("bot.supervisor.is_up", lambda url, timeout=1.0: True)
    said: List[str] = []
    stack = FakeStack()
    sup = Supervisor(stack, say=said.append, first_delay=1, max_delay=4, stable_after=60)  # type: ignore[arg-type]

    delays = []
    for _ in range(4):
        stack.processes["rasa"].die()
        sup.tick()
        started = now[0]
        while "rasa" not in stack.launched[len(delays):]:
            now[0] += 0.25
            sup.tick()
        delays.append(now[0] - started)
    assert delays == [1, 2, 4, 4]
    assert stack.launched == ["rasa"] * 4 and sup.restarts == {"rasa": 4}
    assert any("The rasa server stopped (exit -9); starting it again in 1 s" in s for s in said)
    assert any("Starting the rasa server again (restart 4)" in s for s in said)
    sup.tick()
    assert said[-1] == "The rasa server is back."

    now[0] += 61  # up for a minute: the next crash starts from the first delay again
    stack.processes["rasa"].die()
    sup.tick()
    assert "starting it again in 1 s" in said[-1]
    assert stack.processes["actions"].poll() is None  # the other part was never touched


def test_log_dir_and_the_printed_link_follow_the_running_gateway(tmp_path, monkeypatch) -> None:
    from bot.cli import GATEWAY_ADDRESS_FILE, gateway_address, running_gateway_address
    from bot.web.review.cli import set_password_link

    settings = Settings.from_env({"KINTSUGI_LOG_DIR": str(tmp_path / "logs"), "KINTSUGI_GATEWAY_PORT": "9191",
                                  "KINTSUGI_GATEWAY_HOST": "0.0.0.0"})
    assert settings.log_dir == tmp_path / "logs"
    assert Settings.from_env({}).log_dir == PROJECT_ROOT / "var" / "logs"
    assert gateway_address(settings) == "http://127.0.0.1:9191"
    assert set_password_link("t0k", settings) == "http://127.0.0.1:9191/review/set-password?token=t0k"
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / GATEWAY_ADDRESS_FILE).write_text("http://127.0.0.1:18080\n")  # what `kintsugi run` wrote
    assert running_gateway_address(settings) == "http://127.0.0.1:18080"
    assert set_password_link("t0k", settings).startswith("http://127.0.0.1:18080/review/")
    public = Settings.from_env({"KINTSUGI_LOG_DIR": str(tmp_path / "logs"),
                                "KINTSUGI_PUBLIC_URL": "https://k.example.org/"})
    assert set_password_link("t0k", public) == "https://k.example.org/review/set-password?token=t0k"


# ------------------------------------------------------------------ the real thing
@pytest.mark.stack
async def test_rasa_killed_under_the_supervisor_comes_back_while_the_gateway_gives_help(tmp_path) -> None:
    model = await asyncio.to_thread(train_if_changed, PROJECT_ROOT)
    url = f"sqlite:///{tmp_path / 'heal.db'}"
    from bot.storage.db import build_engine, upgrade_database

    upgrade_database(url)
    build_engine(url).dispose()
    api = await FakeBotApi().start()
    stack = Stack(database_url=url, model=model, rasa_port=free_port(), action_port=free_port(),
                  gateway_port=free_port(), log_dir=tmp_path / "logs",
                  extra_env={"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
                             "KINTSUGI_DEFAULT_COUNTRY": "GB", "KINTSUGI_RASA_TIMEOUT": "30",
                             "KINTSUGI_REMINDER_INTERVAL": "1"})
    said: List[str] = []
    stopping = threading.Event()
    supervisor_thread: Optional[threading.Thread] = None
    try:
        await asyncio.to_thread(stack.start)
        supervisor = Supervisor(stack, say=said.append, first_delay=1.0)
        supervisor_thread = threading.Thread(target=supervisor.run, args=(stopping.is_set, 0.2), daemon=True)
        supervisor_thread.start()
        ana = Person(random.randint(10**8, 10**9), "Ana", "en-GB")
        chat = private_chat(ana)

        async def say(text: str, **kwargs: Any) -> List[str]:
            before = len(api.sent(chat["id"]))
            api.push(api.message(ana, chat, text))
            return await api.replies(chat["id"], before, **kwargs)

        assert await say("hello")  # rasa answers
        deadline = time.monotonic() + 60
        while readyz(stack.gateway_url)["code"] != 200 and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        ready = await asyncio.to_thread(readyz, stack.gateway_url)
        assert ready["code"] == 200 and ready["parts"]["rasa"] == "ok" and ready["parts"]["actions"] == "ok"

        first_rasa = stack.processes["rasa"].pid
        os.killpg(first_rasa, signal.SIGKILL)  # rasa crashes
        await asyncio.to_thread(stack.processes["rasa"].wait, 10)

        before = len(api.sent(chat["id"]))
        sent_at = time.monotonic()
        api.push(api.message(ana, chat, "i don't want to live anymore, i want to kill myself"))
        await api.wait_for(lambda a: any(UK_HELPLINE in t for t in a.texts(chat["id"])[before:]), timeout=2.0)
        assert time.monotonic() - sent_at < 2.0
        help_text = next(t for t in api.texts(chat["id"])[before:] if UK_HELPLINE in t)
        assert help_text.startswith(ui("crisis_intro"))

        down = await asyncio.to_thread(readyz, stack.gateway_url)
        assert down["code"] == 503 and down["parts"]["rasa"] == "down" and "rasa" in down["problems"]
        assert down["parts"]["actions"] == "ok"

        deadline = time.monotonic() + 300  # rasa loads its model again
        while not any(s == "The rasa server is back." for s in said) and time.monotonic() < deadline:
            await asyncio.sleep(1)
        assert any(s.startswith("The rasa server stopped (exit -9)") for s in said), said
        assert any(s.startswith("Starting the rasa server again (restart 1)") for s in said), said
        assert "The rasa server is back." in said, said
        assert stack.processes["rasa"].pid != first_rasa
        back = await asyncio.to_thread(readyz, stack.gateway_url)
        assert back["code"] == 200 and back["parts"]["rasa"] == "ok", back
        answer = " ".join(await say("I need a break"))
        assert "come back" in answer.lower()
    finally:
        stopping.set()
        if supervisor_thread is not None:
            supervisor_thread.join(5)
        await asyncio.to_thread(stack.stop)
        await api.stop()
