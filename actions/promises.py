"""Promises kept: record a small commitment, the other partner marks it privately, a weekly summary.

Marks are private: in a group nothing is marked or shown, the partner is asked to write privately.
Marking goes one promise at a time with three buttons (kept, not kept, not sure); a typed mark
("he kept the dinner one") is matched to a promise by its words when that is unambiguous.
"""
from __future__ import annotations

import re
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import is_group, is_side_talk, user_text, who
from actions.partner_action import PartnerAction, own_words, remember_side
from actions.ritual_words import say, speaks
from bot import content, storage
from bot.rituals import promise_summary_text

STOP_WORDS = {"the", "a", "an", "to", "i", "my", "me", "he", "she", "they", "his", "her", "their", "one", "about",
              "promise", "kept", "keep", "not", "sure", "when", "at", "on", "in", "of", "it", "that", "this", "and"}


def promise_words(text: str) -> str:
    """The commitment itself: "I promise to text when plans change" → "text when plans change"."""
    return own_words(text, "promises", "lead_ins")


def mark_of(tracker: Tracker) -> Optional[str]:
    """kept, not_kept or not_sure: from a button's entity, else from the words."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "promise_mark" and entity.get("value") in storage.PROMISE_MARKS:
            return str(entity["value"])
    text = user_text(tracker).lower()
    if re.search(r"\b(not sure|unsure|don'?t know|no idea|can'?t tell|maybe)\b", text):
        return "not_sure"
    if re.search(r"\b(not kept|didn'?t|did not|broke|broken|wasn'?t|missed|forgot|failed|not really)\b", text):
        return "not_kept"
    if re.search(r"\b(kept|did it|followed through|held|yes|done)\b", text):
        return "kept"
    return None


def promise_of(tracker: Tracker, candidates: List[storage.PromiseView]) -> Optional[storage.PromiseView]:
    """The promise a button names, or the one whose words the message shares (only one candidate)."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "promise_id":
            for promise in candidates:
                if str(promise.id) == str(entity.get("value")):
                    return promise
    if len(candidates) == 1:
        return candidates[0]
    said = set(re.findall(r"\w+", user_text(tracker).lower())) - STOP_WORDS
    scored = [(len(said & (set(re.findall(r"\w+", p.text.lower())) - STOP_WORDS)), p) for p in candidates]
    best = max((score for score, _ in scored), default=0)
    winners = [p for score, p in scored if score == best]
    return winners[0] if best and len(winners) == 1 else None


class ActionPromiseAdd(PartnerAction):
    """ "I promise to text when plans change": kept in the maker's words."""

    remembers_side = True

    def name(self) -> Text:
        return "action_promise_add"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        language, words = speaks(tracker), promise_words(user_text(tracker))
        try:
            promise = storage.add_promise(person.couple_id, person.partner_id, words)
        except ValueError:
            say(dispatcher, language, "utter_promise_ask_words")
            return []
        grand = re.search(content.load("rituals")["promises"]["grand_words"], promise.text, re.I)
        say(dispatcher, language, "utter_promise_added_grand" if grand else "utter_promise_added", promise=promise.text)
        return []


class ActionPromiseList(PartnerAction):
    """ "Show our promises": the active ones, who made them, how to mark them."""

    def name(self) -> Text:
        return "action_promise_list"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        language = speaks(tracker)
        promises = storage.promises_of(person.couple_id)[-int(content.load("rituals")["promises"]["shown"]):]
        if not promises:
            say(dispatcher, language, "utter_promise_none")
            return []
        lines = "\n".join(f"• {p.text}" for p in promises)
        say(dispatcher, language, "utter_promise_list", promises=lines)
        if not is_group(tracker) and storage.promises_to_mark(person.couple_id, person.partner_id):
            say(dispatcher, language, "utter_promise_mark_offer")
        return []


class ActionPromiseMark(Action):
    """Mark one promise privately; then offer the next one not marked today, one tap each."""

    def name(self) -> Text:
        return "action_promise_mark"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_side_talk(tracker):
            return []
        language = speaks(tracker)
        if is_group(tracker):
            say(dispatcher, language, "utter_promise_mark_privately")
            return []
        person = who(tracker)
        remember_side(tracker, person)
        candidates = storage.promises_to_mark(person.couple_id, person.partner_id)
        if not candidates:
            mine = any(p.made_by == person.partner_id for p in storage.promises_of(person.couple_id))
            say(dispatcher, language, "utter_promise_mark_own" if mine else "utter_promise_none")
            return []
        mark, promise = mark_of(tracker), promise_of(tracker, candidates)
        if mark is not None and promise is not None:
            storage.mark_promise(person.couple_id, person.partner_id, promise.id, mark)
            say(dispatcher, language, f"utter_promise_marked_{mark}")
            following = candidates[candidates.index(promise) + 1:]
            if following:
                self._ask(dispatcher, language, following[0])
            return []
        self._ask(dispatcher, language, promise or candidates[0])
        return []

    @staticmethod
    def _ask(dispatcher: CollectingDispatcher, language: str, promise: storage.PromiseView) -> None:
        say(dispatcher, language, "utter_promise_mark_ask", promise=promise.text, promise_id=promise.id)


class ActionPromiseSummary(Action):
    """The weekly summary, when its reminder fires in a web or REST chat: in the language kept with it."""

    def name(self) -> Text:
        return "action_promise_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        until = storage.latest_summary_until(tracker.sender_id)
        person = who(tracker)
        if until is None:
            return []
        planned = storage.latest_reminder(tracker.sender_id, storage.SUMMARY_KIND)
        language = speaks(tracker, (planned.details or {}).get("language") if planned is not None else None)
        dispatcher.utter_message(text=promise_summary_text(person.couple_id, until, language))
        return []
