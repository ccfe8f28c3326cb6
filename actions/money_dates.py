"""Money dates: "a money date on the first Sunday of each month at 7pm", and the couple's own checklist
("add 'check the savings' to our money checklist", "remove 2 from our money checklist", "show it")."""
from __future__ import annotations

import re
from typing import List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.checkins import DAY_NAMES
from actions.common import timezone_of, user_text, who
from actions.partner_action import PartnerAction
from actions.ritual_words import day_name, ordinal, say, speaks
from actions.shown_times import slot_time
from actions.weekly_talk import named_weekday
from bot import clock, content, storage
from bot.language.timeparse import parse_daily_time
from bot.rituals import money_checklist_text

STOP = re.compile(r"\b(stop|cancel|end|no more|turn off|switch off)\b.{0,20}\bmoney dates?\b", re.I)


def _words() -> dict:
    return content.load("rituals")["money_date"]


def nth_of(text: str) -> int:
    """ "the last Sunday" → -1, "the second Friday" → 2; the first when none is named."""
    lowered = (text or "").lower()
    found = [(m.start(), n) for word, n in _words()["ordinals"].items()
             for m in re.finditer(rf"\b{re.escape(str(word))}\b", lowered)]
    return min(found)[1] if found else 1


def checklist_edit(text: str) -> Tuple[Optional[str], Optional[str]]:
    """(item to add, item to remove) read from the words; (None, None) means show the checklist."""
    words = _words()
    quoted = re.search(r"[\"'“‘](.+?)[\"'”’]", text or "")
    trimmed = re.sub(words["item_trim"], " ", text or "", flags=re.I)
    item = (quoted.group(1) if quoted else " ".join(trimmed.split())).strip(" .!:,-")
    if not quoted:  # "item 3", "the budget item" → "3", "budget"
        item = re.sub(r"^(?:(?:the|item|number|no\.|no(?=\s+\d))\s+)+|\s+(?:item|one|thing)$", "", item, flags=re.I).strip()
    if re.search(words["remove_words"], text or "", re.I):
        return None, item or None
    if re.search(words["add_words"], text or "", re.I):
        return item or None, None
    return None, None


class ActionMoneyDateSetup(PartnerAction):
    """Set up, move or stop the monthly money date."""

    def name(self) -> Text:
        return "action_money_date_setup"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        text, language = user_text(tracker), speaks(tracker)
        if STOP.search(text):
            stopped = storage.stop_money_date(person.couple_id)
            say(dispatcher, language, "utter_money_date_stopped" if stopped else "utter_money_date_none")
            return []
        parsed, weekday = parse_daily_time(text), named_weekday(text)
        if parsed is None or weekday is None:
            say(dispatcher, language, "utter_money_date_ask")
            return []
        hour, minute, _days = parsed
        view = storage.set_money_date(person.couple_id, nth_of(text), weekday, hour, minute,
                                      timezone_of(tracker, person),
                                      storage.couple_chat(person.couple_id, tracker.sender_id))
        storage.plan_rituals(couple_id=person.couple_id, now=clock.now())
        which = next(str(w) for w, n in _words()["ordinals"].items() if n == view.nth)
        say(dispatcher, language, "utter_money_date_set", which=ordinal(view.nth, language, which),
            day=day_name(view.weekday, language, DAY_NAMES[view.weekday][:-1]),
            time=slot_time(tracker, person, view.hour, view.minute, view.timezone, view.weekday, language))
        dispatcher.utter_message(text=money_checklist_text(person.couple_id, language=language))
        return []


class ActionMoneyChecklist(PartnerAction):
    """Show, add to or take from the couple's money checklist."""

    def name(self) -> Text:
        return "action_money_checklist"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        add, remove = checklist_edit(user_text(tracker))
        language = speaks(tracker)
        if add or remove:
            outcome, _items = storage.edit_money_checklist(person.couple_id, tracker.sender_id, add=add, remove=remove)
            say(dispatcher, language, f"utter_money_checklist_{outcome}")
        dispatcher.utter_message(text=money_checklist_text(person.couple_id, language=language))
        return []


class ActionMoneyDateOpen(Action):
    """The money date's opening, when its reminder fires in a web or REST chat."""

    def name(self) -> Text:
        return "action_money_date_open"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        planned = storage.latest_reminder(tracker.sender_id, storage.MONEY_KIND)
        language = speaks(tracker, (planned.details or {}).get("language") if planned is not None else None)
        dispatcher.utter_message(text=money_checklist_text(who(tracker).couple_id, "opening", language))
        return []
