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
conversation is three times and a language, in this process; a restarted server or another
replica shows the line once more rather than once less.

The line's language is the one the crisis reply uses (``actions/safety.py``): the client's when it
says one we have, else the message's own (``bot/safety/language_guess.py``), else the language of
the question that asked ("¿eres un bot?"), else the last one this conversation showed, else English.
A command or a button press is a use (it counts for the idle and continuous times) and gets the
line only when it opens the conversation (Telegram's /start).
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Dict, List, Optional

from bot import clock, content
from bot.safety.language_guess import guess_language

log = logging.getLogger(__name__)

LANGUAGES = ("en", "de", "es", "fr")


@dataclass
class Seen:
    """What we keep about one conversation: when it was last used and last told."""

    last_seen: datetime
    disclosed_at: Optional[datetime]
    run_started: datetime  # when the current continuous conversation began
    language: Optional[str] = None  # the last language this conversation clearly showed


def rules() -> Dict[str, Any]:
    """``content/disclosure.yml``."""
    return content.load("disclosure")


def line(language: Optional[str]) -> str:
    """The disclosure line in ``language`` (English when we have no line in it)."""
    lines = rules()["lines"]
    code = (language or "en")[:2].lower()
    return lines.get(code) or lines["en"]


_ASKED: Dict[str, "re.Pattern[str]"] = {}


def asked_in(text: Any) -> Optional[str]:
    """The language of the question in ``text`` that asks if a person (or an AI) is there, or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    if not _ASKED:
        for code, patterns in rules()["asked"].items():
            _ASKED[code] = re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?!\w)",
                                      re.IGNORECASE)
    folded = " ".join(text.lower().split())
    return next((code for code, pattern in _ASKED.items() if pattern.search(folded)), None)


def asked(text: Any) -> bool:
    """Whether ``text`` asks if a person (or an AI) is there, in any of our languages."""
    return asked_in(text) is not None


class Disclosures:
    """Decides, per conversation, whether a message gets the line (thread-safe, in memory)."""

    def __init__(self) -> None:
        self._seen: Dict[str, Seen] = {}
        self._lock = threading.Lock()

    def reason(self, conversation: str, text: Any, now: Optional[datetime] = None, *,
               command: bool = False) -> Optional[str]:
        """Why this message gets the line (a trigger name), or None; records the message either way.

        A ``command`` (a button press, /start) gets the line only as the conversation's first message.
        """
        now = now or clock.now()
        triggers = rules()["triggers"]
        with self._lock:
            seen = self._seen.get(conversation)
            gap = timedelta(minutes=triggers.get("continuous_gap_minutes", 30))
            run_started = now if seen is None or now - seen.last_seen > gap else seen.run_started
            why = None
            if seen is None or seen.disclosed_at is None:
                why = "first_message" if triggers.get("first_message") else None
            elif command:
                why = None
            elif triggers.get("idle_days") and now - seen.last_seen >= timedelta(days=triggers["idle_days"]):
                why = "idle_days"
            elif triggers.get("asked") and asked(text):
                why = "asked"
            elif triggers.get("every_hours") and \
                    now - max(seen.disclosed_at, run_started) >= timedelta(hours=triggers["every_hours"]):
                why = "every_hours"  # continuous conversation since the line (or since it began)
            self._seen[conversation] = Seen(last_seen=now, disclosed_at=now if why else
                                            (seen.disclosed_at if seen else None), run_started=run_started,
                                            language=seen.language if seen else None)
            return why

    def language(self, conversation: str, text: Any, metadata: Any) -> str:
        """The line's language for this message (see the module's notes); remembered for the next one."""
        told = language_of(metadata, default="")
        found = told or (guess_language(text) if isinstance(text, str) and not text.startswith("/") else None) \
            or asked_in(text)
        with self._lock:
            seen = self._seen.get(conversation)
            if found and seen is not None:
                seen.language = found
            return found or (seen.language if seen is not None else None) or "en"

    def forget(self, conversation: Optional[str] = None) -> None:
        """Drop what is kept (about one conversation, or all)."""
        with self._lock:
            if conversation is None:
                self._seen.clear()
            else:
                self._seen.pop(conversation, None)


DISCLOSURES = Disclosures()


def language_of(metadata: Any, default: str = "en") -> str:
    """The two-letter language in a message's metadata, when it is one of ours; else ``default``."""
    raw = metadata.get("language") if isinstance(metadata, dict) else None
    code = str(raw or default)[:2].lower()
    return code if code in LANGUAGES else default


OnNewMessage = Callable[[Any], Awaitable[Any]]


def wrap(on_new_message: OnNewMessage, disclosures: Disclosures = DISCLOSURES) -> OnNewMessage:
    """``on_new_message`` that sends the disclosure line after the replies when it is due."""

    async def handle(message: Any) -> Any:
        result = await on_new_message(message)
        text = getattr(message, "text", None)
        metadata = getattr(message, "metadata", None)
        if isinstance(metadata, dict) and metadata.get("addressed") is False:
            return result  # talk between partners in a group, which the bot only watches
        command = isinstance(text, str) and text.startswith("/") and not text.startswith("/bot_challenge")
        try:
            conversation = str(message.sender_id)
            why = disclosures.reason(conversation, text, command=command)
            language = disclosures.language(conversation, text, metadata)
            if why:
                log.info("AI disclosure (%s, %s) in conversation", why, language)
                await message.output_channel.send_text_message(message.sender_id, line(language))
        except Exception:  # noqa: BLE001 - the conversation goes on
            log.exception("AI disclosure could not be sent")
        return result

    return handle


def replies_with_disclosure(replies: List[Dict[str, Any]]) -> bool:
    """Whether a list of REST replies carries the disclosure line (for callers and tests)."""
    known = set(rules()["lines"].values())
    return any(r.get("text") in known for r in replies)
