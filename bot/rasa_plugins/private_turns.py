"""Turns whose words must never be stored: the yes/no/maybe list and the private reflection.

The answers of those flows are kept sealed in ``private_notes`` (``bot.storage.private_notes``);
Rasa's tracker would otherwise keep them as plain text for ever (the user's words, the buttons
offered, the bot's read-back, the slots the forms fill). :func:`scrub_events` gives the events
as they may be stored: the same events in the same order (Rasa counts them), with the words
of private turns taken out. The tracker store writes only these (``tracker_store.py``), so
transcripts, exports, the review app, the HTTP API's tracker and window snapshots never see
them; the person saw them in their own chat when they were sent.

A turn is private when
- a user message arrives while a private form is open, is a private button press
  (``/private_pick``, an opaque id), or
- a bot message or slot comes from a private action (the forms, ``action_closeness_*``,
  ``action_reflection_*``, ``action_private_*``), or
- a slot is one of the private forms' slots (whatever set it).
What remains is who wrote, when, and that a private turn happened.
"""
from __future__ import annotations

from typing import Iterable, List, Optional

from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SlotSet, UserUttered

from bot.storage.private_notes import PRIVATE_MARK

PRIVATE_FORMS = frozenset({"closeness_form", "reflection_form"})
PRIVATE_ACTION_PREFIXES = ("action_closeness", "action_reflection", "action_private")
PRIVATE_INTENT = "private_pick"
PRIVATE_SLOTS = frozenset({"closeness_answer", "reflection_answer", "private_token"})
MARK = PRIVATE_MARK


def is_private_action(name: Optional[str]) -> bool:
    """True for the private forms and the private flows' actions."""
    return bool(name) and (name in PRIVATE_FORMS or name.startswith(PRIVATE_ACTION_PREFIXES))


def _private_user(event: UserUttered, loop: Optional[str]) -> bool:
    intent = (event.intent or {}).get("name")
    return loop in PRIVATE_FORMS or intent == PRIVATE_INTENT or (event.text or "").startswith("/" + PRIVATE_INTENT)


def _scrub_user(event: UserUttered) -> UserUttered:
    metadata = {**(event.metadata or {}), MARK: True}
    return UserUttered(None, {"name": PRIVATE_INTENT, "confidence": 1.0}, [], {"intent": {"name": PRIVATE_INTENT,
                       "confidence": 1.0}, "entities": [], "text": None, "metadata": metadata},
                       timestamp=event.timestamp, input_channel=event.input_channel, message_id=event.message_id,
                       metadata=metadata)


def _scrub_bot(event: BotUttered) -> BotUttered:
    return BotUttered(None, {}, {MARK: True}, timestamp=event.timestamp)


def scrub_events(events: Iterable[Event]) -> List[Event]:
    """``events`` as they may be stored: private turns without their words (same length, same order)."""
    out: List[Event] = []
    loop: Optional[str] = None
    action: Optional[str] = None
    for event in events:
        if isinstance(event, ActiveLoop):
            loop = event.name
        if isinstance(event, ActionExecuted):
            action = event.action_name
        elif isinstance(event, UserUttered):
            action = None
            if _private_user(event, loop):
                out.append(_scrub_user(event))
                continue
        elif isinstance(event, BotUttered) and is_private_action(action):
            out.append(_scrub_bot(event))
            continue
        elif isinstance(event, SlotSet) and event.key in PRIVATE_SLOTS and event.value is not None:
            out.append(SlotSet(event.key, None, timestamp=event.timestamp))
            continue
        out.append(event)
    return out


def is_scrubbed(data: dict) -> bool:
    """True for a stored event (``as_dict``) whose words were taken out here."""
    meta = data.get("metadata") or {}
    return isinstance(meta, dict) and bool(meta.get(MARK))
