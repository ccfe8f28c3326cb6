"""Keep a person's words out of the rasa server's logs, at every log level Rasa may print.

Rasa 3.6 logs through structlog and puts the user's words in named fields: its REST channel's
"rest.message.received.timeout" error carries ``text`` (a message whose turn took longer than the
channel's timeout is printed in full), the parser's debug lines carry ``parse_data_text``, and so
on. Rasa itself lists these fields for its (commercial) anonymisation hook, which does nothing in
Rasa Open Source. Here the same fields, and a few that carry whole trackers or metadata, are
replaced by ``[redacted]`` before any renderer sees them; and the JSON renderer's structured
tracebacks (which list every frame's local variables by default, the message among them) keep the
frames but drop their locals.

:func:`install` changes structlog's processor list in place, so loggers Rasa already used (they keep
a reference to that list) redact too. It runs in every rasa server process Kintsugi starts, with or
without the speed fixes.
"""
from __future__ import annotations

from typing import Any, Dict, FrozenSet

# Rasa 3.6's own list of fields holding user content (rasa.utils.log_utils._anonymizer), and the
# ones that carry a whole tracker, its slots or a channel's metadata.
USER_FIELDS: FrozenSet[str] = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message",
    "metadata", "parse_data", "latest_message", "tracker", "events", "slots", "value", "slot_value",
})
REDACTED = "[redacted]"

_installed = False


def redact(_logger: Any, _name: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
    """A structlog processor: every field that may hold a person's words becomes ``[redacted]``."""
    for key in USER_FIELDS.intersection(event_dict):
        if event_dict[key] is not None:
            event_dict[key] = REDACTED
    return event_dict


def install() -> bool:
    """Put :func:`redact` first in structlog's processors and keep tracebacks free of locals (once)."""
    global _installed
    if _installed:
        return False
    import structlog
    from structlog.processors import ExceptionRenderer
    from structlog.tracebacks import ExceptionDictTransformer

    processors = structlog.get_config()["processors"]
    if not isinstance(processors, list):  # configured with a tuple: nothing to change in place
        return False
    if redact not in processors:  # once per processor list, whoever installed it before
        processors.insert(0, redact)
    for index, processor in enumerate(processors):
        if isinstance(processor, ExceptionRenderer) and isinstance(
                getattr(processor, "format_exception", None), ExceptionDictTransformer):
            processors[index] = ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
    _installed = True
    return True
