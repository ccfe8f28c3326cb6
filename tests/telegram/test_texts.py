"""UI strings and message shaping: every key the code uses exists; long texts split cleanly."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.telegram.replies import address, callback_data_for, payload_for, split_text
from bot.telegram.texts import channel_file, command_descriptions, reminder_message, ui

CODE = Path(PROJECT_ROOT / "bot" / "telegram")


def test_every_ui_key_used_in_the_code_exists() -> None:
    used = set()
    for path in CODE.glob("*.py"):
        used |= set(re.findall(r"""ui\(\s*['"]([a-z_.]+)['"]""", path.read_text()))
    assert used, "no ui() calls found"
    for key in sorted(used):
        assert ui(key, name="Ana", code="ABCD2345", text="x", when="w", who="w", what="w", practice="p", url="u")


def test_practice_errors_cover_every_reason_joining_gives() -> None:
    errors = channel_file("telegram")["practice"]["errors"]
    source = (PROJECT_ROOT / "bot" / "storage" / "practice.py").read_text()
    start = source.index("def join_practice")
    reasons = set(re.findall(r'raise ValueError\("([a-z ]+)"\)', source[start:source.index("def ", start + 5)]))
    assert reasons and reasons <= set(errors)


def test_link_errors_cover_every_reason_storage_gives() -> None:
    errors = channel_file("telegram")["link"]["errors"]
    source = (PROJECT_ROOT / "bot" / "storage" / "linking.py").read_text()
    reasons = set(re.findall(r'raise ValueError\("([a-z ]+)"\)', source[source.index("def redeem_link_code"):]))
    assert reasons and reasons - {"this chat has not started yet"} <= set(errors)


def test_commands_menu_follows_telegram_rules() -> None:
    commands = command_descriptions()
    assert list(commands) == ["start", "pause", "rules", "resources", "link", "consent", "forget", "mydata", "help"]
    for name, description in commands.items():
        assert re.fullmatch(r"[a-z0-9_]{1,32}", name) and 1 <= len(description) <= 256


def test_reminders_have_text_for_every_kind() -> None:
    for kind in ("resume", "question", "anything-else"):
        assert reminder_message(kind)["text"].startswith("Hi both")


@pytest.mark.parametrize("text", ["short", "word " * 2000, "😀" * 3000, "x" * 9000, "para\n\n" * 1500])
def test_split_text_respects_telegram_limit(text: str) -> None:
    pieces = split_text(text)
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())


def test_address_starts_a_group_reply_with_the_first_name() -> None:
    assert address("Ana", "Let's pause here.") == "Ana, let's pause here."
    assert address("Ana", "I hear you.") == "Ana, I hear you."
    assert address(None, "Let's pause here.") == "Let's pause here."


def test_long_payloads_fit_in_callback_data() -> None:
    store: dict = {}
    payload = '/inform{"text": "' + "x" * 200 + '"}'
    data = callback_data_for(payload, store)
    assert len(data.encode()) <= 64 and payload_for(data, store) == payload
    assert callback_data_for("/affirm", store) == "/affirm"
    assert payload_for("p:unknown", store) is None
