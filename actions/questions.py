"""The "I want to ask a question" flow: honesty with boundaries."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import KintsugiFormValidation
from actions.common import clear_flow_slots, metadata, safe_log_event, timezone_of, who
from actions.question_privacy import asker_key, number_buttons, private_route, to_asker
from bot import clock, content, storage
from bot.language import coaching_after
from bot.language.coaching import QuestionAdvice, advise, off_limits_hits, offer_lines, texts
from bot.language.coaching_choice import read_choice
from bot.storage import events
from bot.language.timeparse import describe, parse_when

MAX_QUESTION = 1000
MAX_SCHEDULE_AHEAD = timedelta(days=7)


def _has_words(text: str) -> bool:
    return len(re.findall(r"[^\W\d_]{2,}", text)) >= 2


def _offer(tracker: Tracker) -> Dict[str, Any]:
    """The wordings on offer (kept as JSON in the question_reworded slot): language, wordings, own-words mode."""
    try:
        offer = json.loads(tracker.get_slot("question_reworded") or "{}")
    except (TypeError, ValueError):
        offer = {}
    return offer if isinstance(offer, dict) else {}


def _say(dispatcher: CollectingDispatcher, language: str, name: str, response: str, private: Optional[str] = None,
         **values: Any) -> None:
    """A coaching sentence in the asker's language (English through the domain's own response); to the
    asker's private chat alone when ``private`` names them (a group, ``actions/question_privacy.py``)."""
    if private:
        to_asker(dispatcher, private, texts(language)[name].format(**values))
    elif language == "en":
        dispatcher.utter_message(response=response, **values)
    else:
        dispatcher.utter_message(text=texts(language)[name].format(**values))


class ActionStartQuestion(Action):
    """Open the question flow and say it can stop at any moment."""

    def name(self) -> Text:
        return "action_start_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        from actions.pause_time import hold_question_during_pause

        held = hold_question_during_pause(dispatcher, tracker, person)  # no question while a pause runs
        if held is not None:
            return held
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
        """Ask for a choice only when wordings are offered, and for a time only when later."""
        slots = ["question_text"]
        if _offer(tracker).get("wordings"):
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
        told = str(metadata(tracker).get("language") or "")[:2].lower() or None
        advice = advise(text, rules.rules.get("off_limits") if rules else None, language=told)
        private = private_route(tracker, person)
        if advice.off_limits_hits:
            _say(dispatcher, advice.language, "off_limits", "utter_question_off_limits", private,
                 topics=", ".join(advice.off_limits_hits))
        if advice.kind == "motive_meaning":
            _say(dispatcher, advice.language, "meaning", "utter_question_pattern", private)
        safe_log_event(tracker.sender_id, events.QUESTION_COACHED, partner_id=person.partner_id,
                       couple_id=person.couple_id,
                       details={"kind": advice.kind, "off_limits": bool(advice.off_limits_hits),
                                "topic_kept": bool(advice.topic), "language": advice.language})
        offer = {"language": advice.language, "wordings": list(advice.wordings), "own": False}
        # kept even without wordings: what is said after the choice follows the asker's language
        return {"question_text": text, "question_kind": advice.kind,
                "question_reworded": json.dumps(offer, ensure_ascii=False)}

    async def validate_question_choice(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """The asker decides: one of the wordings, their question as it was, or their own words."""
        offer = _offer(tracker)
        wordings = list(offer.get("wordings") or [])
        choice, detail = read_choice(str(value or ""), len(wordings), own_mode=bool(offer.get("own")))
        person = who(tracker)
        kind = tracker.get_slot("question_kind")
        if choice == "pick" and isinstance(detail, int) and 1 <= detail <= len(wordings):
            safe_log_event(tracker.sender_id, events.QUESTION_REWORDED, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"kind": kind, "wording": detail})
            return {"question_choice": "reworded", "question_text": wordings[detail - 1]}
        if choice == "keep":
            safe_log_event(tracker.sender_id, events.QUESTION_KEPT, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"kind": kind})
            _say(dispatcher, offer.get("language") or "en", "kept", "utter_question_kept", private_route(tracker, person))
            return {"question_choice": "kept"}
        if choice == "own":  # the ask action then invites their words instead of repeating the list
            return {"question_choice": None,
                    "question_reworded": json.dumps({**offer, "own": True}, ensure_ascii=False)}
        if choice == "words" and _has_words(str(detail)):
            own = str(detail)[:MAX_QUESTION]
            rules = storage.current_rules(person.couple_id)
            hits = off_limits_hits(own, rules.rules.get("off_limits") if rules else None)
            if hits:
                _say(dispatcher, offer.get("language") or "en", "off_limits", "utter_question_off_limits",
                     private_route(tracker, person), topics=", ".join(hits))
            safe_log_event(tracker.sender_id, events.QUESTION_REWORDED, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"kind": kind, "own_words": True})
            return {"question_choice": "own", "question_text": own}
        return {"question_choice": None}

    async def validate_question_timing(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Now, or later; a time named right away counts as later at that time."""
        text = str(value or "")[:300]
        language = _offer(tracker).get("language") or "en"
        moment = parse_when(text, tz=timezone_of(tracker))
        if moment is not None:
            checked = self._check_when(moment, dispatcher, language)
            if checked:
                return {"question_timing": "later", "question_when": checked}
            return {"question_timing": "later", "question_when": None}
        if content.words("question_choice", "later").search(text):
            return {"question_timing": "later"}
        if content.words("question_choice", "now").search(text):
            return {"question_timing": "now"}
        coaching_after.say(dispatcher, language, "utter_question_timing_unclear")
        return {"question_timing": None}

    async def validate_question_when(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """A time within the next week."""
        language = _offer(tracker).get("language") or "en"
        moment = parse_when(str(value or "")[:300], tz=timezone_of(tracker))
        if moment is None:
            coaching_after.say(dispatcher, language, "utter_question_when_unclear")
            return {"question_when": None}
        return {"question_when": self._check_when(moment, dispatcher, language)}

    @staticmethod
    def _check_when(moment: datetime, dispatcher: CollectingDispatcher, language: str = "en") -> Optional[str]:
        now = clock.now()
        if moment - now > MAX_SCHEDULE_AHEAD:
            coaching_after.say(dispatcher, language, "utter_question_when_too_far")
            return None
        return moment.isoformat()


class ActionAskQuestionChoice(Action):
    """Offer the gentler wordings (numbered, with buttons), keeping the question, or the asker's own words."""

    def name(self) -> Text:
        return "action_ask_question_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        offer = _offer(tracker)
        language = offer.get("language") or "en"
        say = texts(language)
        if offer.get("own"):
            dispatcher.utter_message(text=say["own_prompt"])
            return []
        wordings = list(offer.get("wordings") or [])
        buttons = [{"title": say["buttons"]["pick"].format(n=n, wording=w), "payload": f"wording {n}"}
                   for n, w in enumerate(wordings, 1)]
        buttons += [{"title": say["buttons"]["keep"], "payload": "keep my question"},
                    {"title": say["buttons"]["own"], "payload": "my own words"}]
        latest = (tracker.latest_message.get("text") or "").strip()[:MAX_QUESTION]
        first_ask = latest == (tracker.get_slot("question_text") or "")
        private = private_route(tracker, who(tracker))
        if private:  # a group: the wordings to the asker alone, the choice here by number
            buttons = number_buttons(say, len(wordings))
        if not first_ask:
            dispatcher.utter_message(text=say["reask"], buttons=buttons)
            return []
        kind = tracker.get_slot("question_kind") or "graphic_detail"
        lines = offer_lines(QuestionAdvice(kind, language, wordings=tuple(wordings)))
        intro = say["intro"].get(kind) or say["intro"]["graphic_detail"]
        if private:
            to_asker(dispatcher, private, "\n\n".join([intro, "\n".join(lines), say["prompt"]]))
            dispatcher.utter_message(text=say["group_choice"], buttons=buttons)
            return []
        dispatcher.utter_message(text="\n\n".join([intro, "\n".join(lines), say["prompt"]]), buttons=buttons)
        return []


def _asker_if_not(partner_id: int, conversation_id: str) -> Optional[str]:
    """The name of whoever started the latest question here, when that is someone other than ``partner_id``."""
    started = storage.events_for(conversation_id=conversation_id, types=[events.QUESTION_STARTED])
    if not started or started[-1].partner_id in (None, partner_id):
        return None
    from bot.storage.couples import partner_by_id

    asker = partner_by_id(started[-1].partner_id)
    return (asker.display_name or "your partner")[:60] if asker is not None else None


class ActionQuestionWrapup(Action):
    """Give the answering partner tips now, or store a reminder for the agreed time."""

    def name(self) -> Text:
        return "action_question_wrapup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        question = tracker.get_slot("question_text") or ""
        when = tracker.get_slot("question_when")
        language = _offer(tracker).get("language") or "en"
        if tracker.get_slot("question_timing") == "later" and when:
            moment = datetime.fromisoformat(when)
            from bot.storage.pauses import reminder_conversations

            for conversation in reminder_conversations(person.couple_id, tracker.sender_id):  # one per person
                storage.schedule_reminder(person.couple_id, conversation, moment, "question",
                                          {"asked_by": person.partner_id})
            safe_log_event(tracker.sender_id, events.QUESTION_SCHEDULED, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"at": when})
            zone = timezone_of(tracker, person)
            said = coaching_after.when_words(moment.astimezone(ZoneInfo(zone)), language, describe(moment, tz=zone))
            coaching_after.say(dispatcher, language, "utter_question_scheduled", when=said)
        else:
            safe_log_event(tracker.sender_id, events.QUESTION_READY_NOW, partner_id=person.partner_id,
                           couple_id=person.couple_id)
            asker = _asker_if_not(person.partner_id, tracker.sender_id)
            private = private_route(tracker, person, asker_key(tracker.sender_id) if asker else None)
            if private:  # a group: the chosen wording to the asker alone; here, that a question is ready
                to_asker(dispatcher, private, coaching_after.text(language, "utter_question_go_ahead", question=question))
                ready = texts(language)["group_ready_partner"].format(asker=asker) if asker else texts(language)["group_ready"]
                dispatcher.utter_message(text=ready)
            elif asker:  # the other partner pressed "Now": handled as themselves, the question stays the asker's
                coaching_after.say(dispatcher, language, "utter_question_go_ahead_for_partner", asker=asker,
                                   question=question)
            else:
                coaching_after.say(dispatcher, language, "utter_question_go_ahead", question=question)
            coaching_after.say(dispatcher, language, "utter_answering_tips")
        return clear_flow_slots(tracker)

