"""A person's words never reach the rasa server's logs, even in Rasa's own error lines."""
from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from typing import Iterator

import pytest
import structlog

WORDS = "he said he would leave me tonight"


@pytest.fixture
def rasa_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """structlog configured exactly as ``rasa run`` does (JSON lines: not a terminal), printing to a buffer."""
    from rasa.utils import log_utils

    from bot.rasa_plugins import log_redaction

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers = []
    monkeypatch.setattr(log_redaction, "_installed", False)
    log_utils.configure_structlog(logging.DEBUG)
    try:
        yield out
    finally:
        root.handlers, root.level = handlers, level
        structlog.configure(**saved)


def test_rasa_rest_timeout_line_keeps_the_event_but_not_the_words(rasa_logging: io.StringIO) -> None:
    from bot.rasa_plugins import log_redaction

    logger = structlog.get_logger("rasa.core.channels.rest")
    logger.error("rest.message.received.timeout", text="first use before install")  # a logger Rasa already used
    assert log_redaction.install() is True
    logger.error("rest.message.received.timeout", text=WORDS)
    structlog.get_logger().debug("processor.message.parse", parse_data_text=WORDS,
                                 parse_data_intent={"name": "share_feelings"}, metadata={"first_name": "Ana"})
    printed = rasa_logging.getvalue()
    assert WORDS not in printed and "Ana" not in printed
    lines = [json.loads(line) for line in printed.splitlines() if line.startswith("{")]
    assert [line["event"] for line in lines[-2:]] == ["rest.message.received.timeout", "processor.message.parse"]
    assert lines[-2]["text"] == "[redacted]" and lines[-1]["parse_data_intent"] == {"name": "share_feelings"}


def test_a_failure_traceback_names_the_frames_but_not_their_local_words(rasa_logging: io.StringIO) -> None:
    from bot.rasa_plugins import log_redaction

    log_redaction.install()

    async def on_new_message(message_text: str) -> None:
        raise RuntimeError("the action server went away")

    try:
        asyncio.run(on_new_message(WORDS))
    except RuntimeError:
        structlog.get_logger().exception("rest.message.received.failure", text=WORDS)
    printed = rasa_logging.getvalue()
    assert "rest.message.received.failure" in printed and "on_new_message" in printed
    assert WORDS not in printed


def test_installing_twice_adds_one_processor() -> None:
    from bot.rasa_plugins import log_redaction

    before = list(structlog.get_config()["processors"])
    try:
        log_redaction._installed = False
        log_redaction.install()
        log_redaction._installed = False  # as in a second process sharing the list, or a test before this one
        log_redaction.install()
        log_redaction.install()
        added = [p for p in structlog.get_config()["processors"] if p is log_redaction.redact]
        assert len(added) == 1
    finally:
        structlog.configure(processors=before)
        log_redaction._installed = False


def test_a_real_rasa_server_at_debug_level_prints_no_words(tmp_path) -> None:
    """The rasa server Kintsugi starts, at its most talkative level, over REST: the turn is logged
    (the parse, the predicted actions), the person's words are not."""
    from bot.stack import Stack
    from bot.storage.db import build_engine, upgrade_database
    from bot import PROJECT_ROOT
    from bot.stack import free_port, train_if_changed
    from tests.stack import new_sender

    url = f"sqlite:///{tmp_path / 'stack.db'}"
    upgrade_database(url)
    build_engine(url).dispose()
    stack = Stack(database_url=url, model=train_if_changed(PROJECT_ROOT), rasa_port=free_port(),
                  action_port=free_port(), gateway_port=None, log_dir=tmp_path / "logs",
                  extra_env={"LOG_LEVEL": "DEBUG"})
    words = "zebracorn orchard whispers"
    try:
        stack.start()
        import requests

        reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                              json={"sender": new_sender("logs"), "message": f"I feel {words} tonight"}, timeout=60)
        assert reply.status_code == 200 and reply.json()
    finally:
        stack.stop()
    rasa_log = (tmp_path / "logs" / "rasa.log").read_text(errors="replace")
    assert "processor.message.parse" in rasa_log  # debug lines were printed
    for logged in (tmp_path / "logs").glob("*.log"):
        assert words not in logged.read_text(errors="replace"), logged.name
