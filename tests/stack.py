"""The real Kintsugi stack for tests: trained model, rasa server, action server.

``rasa_stack`` (in conftest.py) starts it once per test session. Tests talk to it
over HTTP like the gateway and the widget do.
"""
from __future__ import annotations

import json
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot import PROJECT_ROOT
from bot.stack import Stack, free_port, train_if_changed


@dataclass
class RasaStack:
    """A running rasa server and action server, and how to reach them."""

    stack: Stack
    database_url: str
    log_dir: Path

    @property
    def rasa_url(self) -> str:
        """Base URL of the rasa server."""
        return self.stack.rasa_url

    @property
    def token(self) -> str:
        """The rasa API token."""
        return self.stack.token

    @property
    def action_token(self) -> str:
        """The action server's shared secret (the stack passes it to both servers)."""
        return self.stack.action_token

    @property
    def action_port(self) -> int:
        """Port of the action server."""
        return self.stack.action_port

    def send(self, sender: str, message: str, metadata: Optional[Dict[str, Any]] = None,
             timeout: float = 30) -> List[Dict[str, Any]]:
        """Send one message over the REST channel and return the bot's replies."""
        body = json.dumps({"sender": sender, "message": message, "metadata": metadata or {}}).encode()
        request = urllib.request.Request(f"{self.rasa_url}/webhooks/rest/webhook", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def trigger(self, sender: str, intent: str, kind: str) -> List[Dict[str, Any]]:
        """What the reminder loop does when a reminder of ``kind`` is due in a web or REST chat: the
        intent triggered through rasa's HTTP API (``bot/rasa_client.py``); returns the bot's messages."""
        import asyncio

        from bot.rasa_client import RasaClient

        async def fire() -> Dict[str, Any]:
            client = RasaClient(self.rasa_url, self.token)
            try:
                return await client.trigger_intent(sender, intent, {"reminder_kind": kind})
            finally:
                await client.close()
        return asyncio.run(fire())["messages"]

    def tracker(self, sender: str) -> Dict[str, Any]:
        """The conversation's tracker from the rasa API."""
        url = f"{self.rasa_url}/conversations/{sender}/tracker?token={self.token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        """Stop both servers."""
        self.stack.stop()


def new_sender(prefix: str = "test") -> str:
    """A fresh conversation id."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def start_rasa_stack(folder: Path, *, model_dir: Optional[Path] = None,
                     database_url: Optional[str] = None) -> RasaStack:
    """Train (if the data changed since the last model) and start rasa and the action server."""
    model = train_if_changed(PROJECT_ROOT, out=model_dir)
    url = database_url or f"sqlite:///{folder / 'stack.db'}"
    from bot.storage.db import build_engine, upgrade_database

    upgrade_database(url)
    build_engine(url).dispose()
    for attempt in (1, 2):
        logs = folder / "logs" / f"attempt{attempt}" if attempt > 1 else folder / "logs"
        stack = Stack(database_url=url, model=model, rasa_port=free_port(), action_port=free_port(),
                      gateway_port=None, log_dir=logs)
        try:
            stack.start()
        except Exception:
            stack.stop()
            texts = {log.name: log.read_text(errors="replace") for log in sorted(logs.glob("*.log"))}
            # A parallel test worker may take a port between free_port() and the server's bind: one retry.
            if attempt == 1 and any("address already in use" in text.lower() for text in texts.values()):
                print("A port was taken meanwhile; starting again on other ports.")
                continue
            for name, text in texts.items():
                print(f"--- {name} (last lines)\n" + "\n".join(text.splitlines()[-40:]))
            raise
        return RasaStack(stack=stack, database_url=url, log_dir=logs)
    raise AssertionError("unreachable")
