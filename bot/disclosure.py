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
conversation is three times and a language, in the database (``bot/storage/disclosure_seen.py``),
so a restarted server or another replica agrees; when the database does not answer, the process
remembers meanwhile (and may show the line once more rather than once less). When rasa's own reply
already says it (``said_by``: its answer to "are you a bot?"), the line is not repeated after it.
The Telegram gateway asks the same records when it answers a crisis alone (rasa down).

The line's language is the one the crisis reply uses (``actions/crisis_reply.py``): the client's when it
says one we have, else the message's own (``bot/safety/language_guess.py``), else the language of
the question that asked ("¿eres un bot?"), else the last one this conversation showed, else English.
A command or a button press is a use (it counts for the idle and continuous times) and gets the
line only when it opens the conversation (Telegram's /start).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from bot import clock, content
from bot.safety.language_guess import guess_language
from bot.storage import disclosure_seen
from bot.storage.disclosure_seen import Seen

log = logging.getLogger(__name__)

LANGUAGES = ("en", "de", "es", "fr")


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


class MemoryStore:
    """Records in this process only: the unit tests', and the fallback when the database does not answer."""

    def __init__(self) -> None:
        self._rows: Dict[str, Tuple[Seen, int]] = {}
        self._lock = threading.Lock()

    def read(self, conversation: str) -> Tuple[Optional[Seen], int]:
        with self._lock:
            seen, version = self._rows.get(conversation, (None, 0))
            return (replace(seen) if seen else None), version

    def write(self, conversation: str, seen: Seen, version: int) -> bool:
        with self._lock:
            if self._rows.get(conversation, (None, 0))[1] != version:
                return False
            self._rows[conversation] = (replace(seen), version + 1)
            return True

    def forget(self, conversation: Optional[str] = None) -> None:
        with self._lock:
            if conversation is None:
                self._rows.clear()
            else:
                self._rows.pop(conversation, None)


class DatabaseStore:
    """Records in the ``disclosure_seen`` table (``bot/storage/disclosure_seen.py``), shared by every process."""

    def read(self, conversation: str) -> Tuple[Optional[Seen], int]:
        return disclosure_seen.read(conversation)

    def write(self, conversation: str, seen: Seen, version: int) -> bool:
        return disclosure_seen.write(conversation, seen, version)

    def forget(self, conversation: Optional[str] = None) -> None:
        disclosure_seen.forget(conversation)


def _why(seen: Optional[Seen], text: Any, now: datetime, run_started: datetime, command: bool) -> Optional[str]:
    """The trigger that holds for this message, or None (see the module's notes)."""
    triggers = rules()["triggers"]
    if seen is None or seen.disclosed_at is None:
        return "first_message" if triggers.get("first_message") else None
    if command:
        return None
    if triggers.get("idle_days") and now - seen.last_seen >= timedelta(days=triggers["idle_days"]):
        return "idle_days"
    if triggers.get("asked") and asked(text):
        return "asked"
    if triggers.get("every_hours") and \
            now - max(seen.disclosed_at, run_started) >= timedelta(hours=triggers["every_hours"]):
        return "every_hours"  # continuous conversation since the line (or since it began)
    return None


class Disclosures:
    """Decides, per conversation, whether a message gets the line, and in which language.

    ``store`` keeps the records (in this process by default; ``DISCLOSURES`` uses the database, so a
    restarted rasa or another replica agrees). When the database fails, this process's memory stands in.
    """

    def __init__(self, store: Any = None) -> None:
        self.store = store or MemoryStore()
        self._fallback = MemoryStore()

    def check(self, conversation: str, text: Any, metadata: Any = None, *, now: Optional[datetime] = None,
              command: bool = False) -> Tuple[Optional[str], str]:
        """Why this message gets the line (a trigger name, or None) and the line's language; records the message.

        A ``command`` (a button press, /start) gets the line only as the conversation's first message.
        """
        now = now or clock.now()
        found = language_of(metadata, default="") or \
            (guess_language(text) if isinstance(text, str) and not text.startswith("/") else None) or asked_in(text)
        gap = timedelta(minutes=rules()["triggers"].get("continuous_gap_minutes", 30))
        store = self.store
        for _ in range(8):  # another process changed the record between our read and write: decide again
            try:
                seen, version = store.read(conversation)
                run_started = now if seen is None or now - seen.last_seen > gap else seen.run_started
                why = _why(seen, text, now, run_started, command)
                language = found or (seen.language if seen else None)
                last_seen = max(now, seen.last_seen) if seen else now  # replicas' messages may finish out of order
                record = Seen(last_seen=last_seen, disclosed_at=now if why else (seen.disclosed_at if seen else None),
                              run_started=run_started, language=language)
                if store.write(conversation, record, version):
                    return why, language or "en"
            except Exception as exc:  # noqa: BLE001 - the database is down: this process remembers meanwhile
                if store is self._fallback:
                    raise
                log.error("AI disclosure records unavailable (%s); this process remembers", type(exc).__name__)
                store = self._fallback
        log.warning("AI disclosure record kept changing under us; the line is left out this once")
        return None, found or "en"

    def forget(self, conversation: Optional[str] = None) -> None:
        """Drop what is kept (about one conversation, or all)."""
        self._fallback.forget(conversation)
        self.store.forget(conversation)


DISCLOSURES = Disclosures(DatabaseStore())


def language_of(metadata: Any, default: str = "en") -> str:
    """The two-letter language in a message's metadata, when it is one of ours; else ``default``."""
    raw = metadata.get("language") if isinstance(metadata, dict) else None
    code = str(raw or default)[:2].lower()
    return code if code in LANGUAGES else default


OnNewMessage = Callable[[Any], Awaitable[Any]]


def wrap(on_new_message: OnNewMessage, disclosures: Disclosures = DISCLOSURES) -> OnNewMessage:
    """``on_new_message`` that sends the disclosure line after the replies when it is due."""

    async def handle(message: Any) -> Any:
        said = _note_replies_that_say_it(message)
        try:
            result = await on_new_message(message)
        finally:
            with contextlib.suppress(TypeError):  # the channel's own send_response again
                vars(getattr(message, "output_channel", None)).pop("send_response", None)
        text = getattr(message, "text", None)
        metadata = getattr(message, "metadata", None)
        if isinstance(metadata, dict) and metadata.get("addressed") is False:
            return result  # talk between partners in a group, which the bot only watches
        command = isinstance(text, str) and text.startswith("/") and not text.startswith("/bot_challenge")
        try:
            conversation = str(message.sender_id)
            why, language = await asyncio.to_thread(disclosures.check, conversation, text, metadata,
                                                    now=clock.now(), command=command)
            if why and language in said:
                log.info("AI disclosure (%s, %s) said by the reply itself", why, language)
            elif why:
                log.info("AI disclosure (%s, %s) in conversation", why, language)
                await message.output_channel.send_text_message(message.sender_id, line(language))
        except Exception:  # noqa: BLE001 - the conversation goes on
            log.exception("AI disclosure could not be sent")
        return result

    return handle


def _note_replies_that_say_it(message: Any) -> set:
    """The languages in which rasa's replies to ``message`` already say it is an AI (``said_by``), filled as they go.

    Rasa's answer to "are you a bot?" (``utter_bot_challenge``) says it in English: the line would only repeat it.
    """
    said: set = set()
    output = getattr(message, "output_channel", None)
    send_response = getattr(output, "send_response", None)
    by = rules().get("said_by") or {}
    if send_response is None or not by:
        return said

    async def noting(recipient_id: Any, reply: Any) -> Any:
        if isinstance(reply, dict) and reply.get("utter_action") in by:
            said.add(by[reply["utter_action"]])
        return await send_response(recipient_id, reply)

    try:
        output.send_response = noting
    except AttributeError:  # an output channel that cannot be wrapped: the line may repeat the reply
        pass
    return said


def replies_with_disclosure(replies: List[Dict[str, Any]]) -> bool:
    """Whether a list of REST replies carries the disclosure line (for callers and tests)."""
    known = set(rules()["lines"].values())
    return any(r.get("text") in known for r in replies)
