"""AI disclosure: one short line, in the person's language, saying Kintsugi is an AI.

The rules are in ``content/disclosure.yml`` (which laws ask for which trigger). The line is
added after the bot's replies to a message when any trigger holds:

- ``first_message``: the first message of a conversation (each channel has its own ids);
- ``asked``: the message asks whether a person is there ("are you a real person?");
- ``idle_days``: the first message after that many days without use;
- ``every_hours``: that many hours of continuous conversation (no silence longer than
  ``continuous_gap_minutes``) since the line was last shown or the conversation began.

The rasa server's channels (REST, which the Telegram gateway uses, and the widget's socket.io)
wrap their message handler with ``wrap``, so the line comes after rasa's replies: when a first
message is a crisis, the help lines come first and the disclosure right after. What is kept per
conversation is three times, in this process; a restarted server or another replica shows the
line once more rather than once less.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Dict, List, Optional

from bot import clock, content

log = logging.getLogger(__name__)

LANGUAGES = ("en", "de", "es", "fr")


@dataclass
class Seen:
    """What we keep about one conversation: when it was last used and last told."""

    last_seen: datetime
    disclosed_at: Optional[datetime]
    run_started: datetime  # when the current continuous conversation began


def rules() -> Dict[str, Any]:
    """``content/disclosure.yml``."""
    return content.load("disclosure")


def line(language: Optional[str]) -> str:
    """The disclosure line in ``language`` (English when we have no line in it)."""
    lines = rules()["lines"]
    code = (language or "en")[:2].lower()
    return lines.get(code) or lines["en"]


_ASKED: Optional["re.Pattern[str]"] = None


def asked(text: Any) -> bool:
    """Whether ``text`` asks if a person (or an AI) is there, in any of our languages."""
    global _ASKED
    if not isinstance(text, str) or not text.strip():
        return False
    if _ASKED is None:
        patterns = [p for group in rules()["asked"].values() for p in group]
        _ASKED = re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?!\w)", re.IGNORECASE)
    return bool(_ASKED.search(" ".join(text.lower().split())))


class Disclosures:
    """Decides, per conversation, whether a message gets the line (thread-safe, in memory)."""

    def __init__(self) -> None:
        self._seen: Dict[str, Seen] = {}
        self._lock = threading.Lock()

    def reason(self, conversation: str, text: Any, now: Optional[datetime] = None) -> Optional[str]:
        """Why this message gets the line (a trigger name), or None; records the message either way."""
        now = now or clock.now()
        triggers = rules()["triggers"]
        with self._lock:
            seen = self._seen.get(conversation)
            gap = timedelta(minutes=triggers.get("continuous_gap_minutes", 30))
            run_started = now if seen is None or now - seen.last_seen > gap else seen.run_started
            why = None
            if seen is None or seen.disclosed_at is None:
                why = "first_message" if triggers.get("first_message") else None
            elif triggers.get("idle_days") and now - seen.last_seen >= timedelta(days=triggers["idle_days"]):
                why = "idle_days"
            elif triggers.get("asked") and asked(text):
                why = "asked"
            elif triggers.get("every_hours") and \
                    now - max(seen.disclosed_at, run_started) >= timedelta(hours=triggers["every_hours"]):
                why = "every_hours"  # continuous conversation since the line (or since it began)
            self._seen[conversation] = Seen(last_seen=now, disclosed_at=now if why else
                                            (seen.disclosed_at if seen else None), run_started=run_started)
            return why

    def forget(self, conversation: Optional[str] = None) -> None:
        """Drop what is kept (about one conversation, or all)."""
        with self._lock:
            if conversation is None:
                self._seen.clear()
            else:
                self._seen.pop(conversation, None)


DISCLOSURES = Disclosures()


def language_of(metadata: Any, default: str = "en") -> str:
    """The two-letter language in a message's metadata."""
    raw = metadata.get("language") if isinstance(metadata, dict) else None
    code = str(raw or default)[:2].lower()
    return code if code in LANGUAGES else default


OnNewMessage = Callable[[Any], Awaitable[Any]]


def wrap(on_new_message: OnNewMessage, disclosures: Disclosures = DISCLOSURES) -> OnNewMessage:
    """``on_new_message`` that sends the disclosure line after the replies when it is due."""

    async def handle(message: Any) -> Any:
        result = await on_new_message(message)
        text = getattr(message, "text", None)
        if isinstance(text, str) and text.startswith("/") and not text.startswith("/bot_challenge"):
            return result  # button presses and commands are not uses that need telling again
        metadata = getattr(message, "metadata", None)
        if isinstance(metadata, dict) and metadata.get("addressed") is False:
            return result  # talk between partners in a group, which the bot only watches
        try:
            why = disclosures.reason(str(message.sender_id), text)
            if why:
                log.info("AI disclosure (%s) in conversation", why)
                await message.output_channel.send_text_message(
                    message.sender_id, line(language_of(metadata)))
        except Exception:  # noqa: BLE001 - the conversation goes on
            log.exception("AI disclosure could not be sent")
        return result

    return handle


def replies_with_disclosure(replies: List[Dict[str, Any]]) -> bool:
    """Whether a list of REST replies carries the disclosure line (for callers and tests)."""
    known = set(rules()["lines"].values())
    return any(r.get("text") in known for r in replies)
