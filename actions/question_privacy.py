"""Question coaching in a shared group: the coaching goes to the asker alone, where the channel allows.

In a Telegram group both partners read every reply. The gentler wordings on offer, the notes about
the question ("that's a question about meaning", "it touches what you put off limits") and the
wording the asker chose are coaching for the asker, so they go to the asker's own private chat
with the bot (a private payload the gateway delivers, ``docs/contracts.md``). The group keeps only
what both need: the choice by number (buttons that name no wording), that a question is ready,
and the tips for the partner who answers. Without a private chat of theirs that we know of, the
asker is coached in the group as before (``private_route`` is None).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import is_group, metadata
from bot import storage

KIND = "question_coaching"


def private_route(tracker: Tracker, person: storage.Who, partner: Optional[str] = None) -> Optional[str]:
    """The asker's partner id (the writer's, unless ``partner`` names the asker) when this is a group and the
    asker's own private chat with the bot is known; otherwise None."""
    if not is_group(tracker):
        return None
    partner = partner or str(metadata(tracker).get("partner_id") or "")
    if not partner.startswith("tg:") or not partner[3:].lstrip("-").isdigit():
        return None
    own_chat = f"tg-{partner[3:]}"
    return partner if own_chat in storage.private_conversations_of(person.couple_id) else None


def to_asker(dispatcher: CollectingDispatcher, partner: str, text: str) -> None:
    """One message for the asker's private chat only."""
    dispatcher.utter_message(json_message={"kintsugi": {"audience": "private", "partner_id": partner,
                                                        "text": text, "kind": KIND}})


def number_buttons(say: Dict[str, Any], count: int) -> List[Dict[str, str]]:
    """The choice in the group: numbers only (no wording), keep my question, my own words."""
    buttons = [{"title": str(n), "payload": f"wording {n}"} for n in range(1, count + 1)]
    return buttons + [{"title": say["buttons"]["keep"], "payload": "keep my question"},
                      {"title": say["buttons"]["own"], "payload": "my own words"}]


def asker_key(conversation_id: str) -> Optional[str]:
    """The external id (``tg:<id>``) of whoever started the latest question in this conversation."""
    from bot.storage import events
    from bot.storage.couples import partner_by_id

    started = storage.events_for(conversation_id=conversation_id, types=[events.QUESTION_STARTED])
    if not started or started[-1].partner_id is None:
        return None
    asker = partner_by_id(started[-1].partner_id)
    return str(asker.external_id) if asker is not None and asker.external_id else None
