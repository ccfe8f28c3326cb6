"""Help before hello: mark a message the detector flags before Rasa starts a new session with it.

Rasa runs ``action_session_start`` (our welcome and disclaimer) before it reads the
message that opened the session, so a crisis as a first message would get the welcome
first. Both channels of the rasa server add ``kintsugi_safety`` (``crisis`` or
``check``) to the message's metadata when the detector flags it; the session start
then leaves the welcome out and help comes first. Only the level travels, never words.

The same channels add ``kintsugi_words_language`` (``de``, ``es`` or ``fr``) when the message is clearly in
one of those languages (``bot.safety.language_guess``), so the welcome, sent before Rasa reads the message,
can speak it when the client names no language of ours. Only the two letters travel.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

log = logging.getLogger(__name__)

FLAG = "kintsugi_safety"
WORDS_LANGUAGE = "kintsugi_words_language"  # read by actions/session.py


def flag(text: Any, metadata: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """``metadata`` with the detector's level for ``text`` when it is not ``none``, and its language when clear."""
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    metadata.pop(FLAG, None)  # only the server decides this
    metadata.pop(WORDS_LANGUAGE, None)
    if isinstance(text, str) and text and not text.startswith("/"):
        try:
            from bot.safety.language_guess import guess_language

            language = guess_language(text)
        except Exception as exc:  # noqa: BLE001 - the message still goes through, the welcome in English
            log.error("first-words language guess failed (%s)", type(exc).__name__)
            language = None
        if language:
            metadata[WORDS_LANGUAGE] = language
        try:
            from bot.safety import get_detector

            level = get_detector().assess(text).level
        except Exception as exc:  # noqa: BLE001 - the message still goes through
            log.error("first-words safety check failed (%s)", type(exc).__name__)
            level = "none"
        if level != "none":
            metadata[FLAG] = level
    return metadata


class KintsugiRestInput(RestInput):
    """Rasa's REST channel (same URL, ``/webhooks/rest/webhook``) that marks flagged messages."""

    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        """The request's metadata plus the safety flag."""
        body = request.json or {}
        return flag(body.get("message"), super().get_metadata(request))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST blueprint; the AI disclosure line follows the replies when due (``bot.disclosure``)."""
        from bot.disclosure import wrap

        return super().blueprint(wrap(on_new_message))
