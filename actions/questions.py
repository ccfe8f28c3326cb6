"""The "I want to ask a question" flow: honesty with boundaries."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import KintsugiFormValidation
from actions.common import clear_flow_slots, safe_log_event, timezone_of, who
from bot import clock, content, storage
from bot.language.coaching import advise
from bot.storage import events
from bot.language.timeparse import describe, parse_when

MAX_QUESTION = 1000
MAX_SCHEDULE_AHEAD = timedelta(days=7)


def _has_words(text: str) -> bool:
    return len(re.findall(r"[^\W\d_]{2,}", text)) >= 2


class ActionStartQuestion(Action):
    """Open the question flow and say it can stop at any moment."""

    def name(self) -> Text:
        return "action_start_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        safe_log_event(tracker.sender_id, events.QUESTION_STARTED, partner_id=person.partner_id,
                       couple_id=person.couple_id)
        rules = storage.current_rules(person.couple_id)
        if rules and rules.rules.get("who_asks"):
            dispatcher.utter_message(response="utter_question_rule_reminder", rule=rules.rules["who_asks"])
        return clear_flow_slots(tracker)


class ValidateQuestionForm(KintsugiFormValidation):
    """Coach the question, check it against the ground rules, and agree on when."""

    def name(self) -> Text:
        return "validate_question_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        """Ask for a choice only after a graphic question, and for a time only when later."""
        slots = ["question_text"]
        if tracker.get_slot("question_kind") in ("graphic", "comparison"):
            slots.append("question_choice")
        slots.append("question_timing")
        if tracker.get_slot("question_timing") == "later":
            slots.append("question_when")
        return slots

    async def validate_question_text(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Take the question, tell meaning from graphic detail, and check the rules."""
        text = str(value or "").strip()[:MAX_QUESTION]
        if not _has_words(text):
            dispatcher.utter_message(response="utter_question_need_words")
            return {"question_text": None}
        person = who(tracker)
        rules = storage.current_rules(person.couple_id)
        advice = advise(text, rules.rules.get("off_limits") if rules else None)
        if advice.off_limits_hits:
            dispatcher.utter_message(response="utter_question_off_limits", topics=", ".join(advice.off_limits_hits))
        if advice.kind == "pattern":
            dispatcher.utter_message(response="utter_question_pattern")
        safe_log_event(tracker.sender_id, events.QUESTION_COACHED, partner_id=person.partner_id,
                       couple_id=person.couple_id,
                       details={"kind": advice.kind, "off_limits": bool(advice.off_limits_hits)})
        return {"question_text": text, "question_kind": advice.kind, "question_reworded": advice.rewording}

    async def validate_question_choice(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """The asker decides: the gentler wording or their own."""
        text = str(value or "")[:300]
        keep, gentler = content.words("question_choice", "keep").search(text), content.words("question_choice", "gentler").search(text)
        person = who(tracker)
        if gentler and not keep:
            safe_log_event(tracker.sender_id, events.QUESTION_REWORDED, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"kind": tracker.get_slot("question_kind")})
            return {"question_choice": "reworded", "question_text": tracker.get_slot("question_reworded")}
        if keep:
            safe_log_event(tracker.sender_id, events.QUESTION_KEPT, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"kind": tracker.get_slot("question_kind")})
            dispatcher.utter_message(response="utter_question_kept")
            return {"question_choice": "kept"}
        dispatcher.utter_message(response="utter_question_choice_unclear")
        return {"question_choice": None}

    async def validate_question_timing(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Now, or later; a time named right away counts as later at that time."""
        text = str(value or "")[:300]
        moment = parse_when(text, tz=timezone_of(tracker))
        if moment is not None:
            checked = self._check_when(moment, dispatcher)
            if checked:
                return {"question_timing": "later", "question_when": checked}
            return {"question_timing": "later", "question_when": None}
        if content.words("question_choice", "later").search(text):
            return {"question_timing": "later"}
        if content.words("question_choice", "now").search(text):
            return {"question_timing": "now"}
        dispatcher.utter_message(response="utter_question_timing_unclear")
        return {"question_timing": None}

    async def validate_question_when(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """A time within the next week."""
        moment = parse_when(str(value or "")[:300], tz=timezone_of(tracker))
        if moment is None:
            dispatcher.utter_message(response="utter_question_when_unclear")
            return {"question_when": None}
        return {"question_when": self._check_when(moment, dispatcher)}

    @staticmethod
    def _check_when(moment: datetime, dispatcher: CollectingDispatcher) -> Optional[str]:
        now = clock.now()
        if moment - now > MAX_SCHEDULE_AHEAD:
            dispatcher.utter_message(response="utter_question_when_too_far")
            return None
        return moment.isoformat()


class ActionAskQuestionChoice(Action):
    """Show the gentler wording and let the asker choose."""

    def name(self) -> Text:
        return "action_ask_question_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        kind = tracker.get_slot("question_kind")
        dispatcher.utter_message(
            response="utter_question_comparison" if kind == "comparison" else "utter_question_graphic",
            rewording=tracker.get_slot("question_reworded") or "")
        return []


class ActionQuestionWrapup(Action):
    """Give the answering partner tips now, or store a reminder for the agreed time."""

    def name(self) -> Text:
        return "action_question_wrapup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        question = tracker.get_slot("question_text") or ""
        when = tracker.get_slot("question_when")
        if tracker.get_slot("question_timing") == "later" and when:
            moment = datetime.fromisoformat(when)
            for conversation in storage.conversations_of(person.couple_id) or [tracker.sender_id]:
                storage.schedule_reminder(person.couple_id, conversation, moment, "question",
                                          {"asked_by": person.partner_id})
            safe_log_event(tracker.sender_id, events.QUESTION_SCHEDULED, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"at": when})
            dispatcher.utter_message(response="utter_question_scheduled",
                                     when=describe(moment, tz=timezone_of(tracker, person)))
        else:
            safe_log_event(tracker.sender_id, events.QUESTION_READY_NOW, partner_id=person.partner_id,
                           couple_id=person.couple_id)
            dispatcher.utter_message(response="utter_question_go_ahead", question=question)
            dispatcher.utter_message(response="utter_answering_tips")
        return clear_flow_slots(tracker)
