"""The shape of an action that answers one partner's own words (the daily check-in, promises), and those words.

Side talk between the partners in their group gets no answer (``is_side_talk``); otherwise the
partner is found (``who``) and, for the rituals that send a private prompt, where that prompt
goes and their zone are kept first (``remembers_side``). Each action then writes ``name`` and
``answer``; Rasa's ``run`` is here once.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import is_group, is_side_talk, metadata, who
from bot import content, storage


@lru_cache(maxsize=None)
def _lead_ins(section: str, key: str) -> "re.Pattern[str]":
    patterns = content.load("rituals")[section][key]
    return re.compile(r"^\s*(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\s*[:,\-–]?\s*", re.I)


def own_words(text: str, section: str, key: str) -> str:
    """The words without their lead-in (``content/rituals.yml``: ``section.key``), spaces folded, end marks off.

    "I promise to text when plans change" → "text when plans change" (``promises.lead_ins``).
    """
    words = " ".join((text or "").split())
    return _lead_ins(section, key).sub("", words, count=1).strip(" .!\"'“”")


def remember_side(tracker: Tracker, person: storage.Who) -> None:
    """Where this partner's private prompt goes, and their zone (the message's, else the default)."""
    meta = metadata(tracker)
    storage.note_checkin_partner(person.couple_id, person.partner_id, conversation_id=tracker.sender_id,
                                 private=not is_group(tracker), timezone=str(meta.get("timezone") or "")[:64] or None)


class PartnerAction(Action, ABC):
    """An action for one partner's words: nothing for side talk; abstract, so the action server skips it."""

    remembers_side = False  # True: keep where this partner's private check-in prompt goes first

    @abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_side_talk(tracker):
            return []
        person = who(tracker)
        if self.remembers_side:
            remember_side(tracker, person)
        return await self.answer(dispatcher, tracker, person)

    @abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        """What the action does for ``person`` once it is not side talk."""
