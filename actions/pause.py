"""The "I'm flooded" flow: stop calmly, soothe, agree when to come back, remind both."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import KintsugiFormValidation
from actions.shown_times import moment_time
from actions.common import clear_flow_slots, is_group, metadata, safe_log_event, timezone_of, user_text, who
from actions.pause_time import (
    CITY_SLOT,
    agreed_minimum,
    ask_again,
    needs_city,
    read_city,
    read_time_request,
    show_rules_and_ask,
)
from bot import clock, storage
from bot.storage import events
from bot.storage.pauses import MAX_PAUSE, PAUSE_STARTED
from bot.language.timeparse import describe, parse_duration, parse_when


class ActionStartPause(Action):
    """Stop whatever was going on, say so calmly and offer a short exercise."""

    def name(self) -> Text:
        return "action_start_pause"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        interrupted = tracker.active_loop.get("name") if tracker.active_loop else None
        offered = bool(tracker.get_slot("pause_offered"))
        safe_log_event(tracker.sender_id, events.FLOODING_REPORTED, partner_id=person.partner_id,
                       couple_id=person.couple_id,
                       details={"interrupted": interrupted, "after_suggestion": offered,
                                "trigger": tracker.latest_message.get("intent", {}).get("name")})
        if offered:
            safe_log_event(tracker.sender_id, events.PAUSE_ACCEPTED, partner_id=person.partner_id,
                           couple_id=person.couple_id)
        if interrupted:
            safe_log_event(tracker.sender_id, events.FLOW_INTERRUPTED, partner_id=person.partner_id,
                           couple_id=person.couple_id, details={"flow": interrupted, "by": "pause"})
        # At most three messages: this calm word, a soothing exercise, and the time prompt (which
        # names the couple's agreed shortest break, actions/pause_time.py).
        dispatcher.utter_message(response="utter_calm_pause")
        dispatcher.utter_message(response="utter_soothing_exercise")
        return [ActiveLoop(None), *clear_flow_slots(tracker), SlotSet("pause_offered", None)]


class ValidatePauseForm(KintsugiFormValidation):
    """Read the resume time in the person's words and keep it between the shortest break and a day."""

    def name(self) -> Text:
        return "validate_pause_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        """Ask which city's time to use first, once, when the channel gives no zone (Telegram)."""
        others = [slot for slot in domain_slots if slot != CITY_SLOT]
        answering = tracker.get_slot("requested_slot") == CITY_SLOT  # so its answer is validated
        if answering or (tracker.get_slot(CITY_SLOT) is None and needs_city(tracker, who(tracker))):
            return [CITY_SLOT, *others]
        return others

    async def validate_pause_city(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> Dict[str, Any]:
        """A place → this partner's zone (asked once; anything else means the default zone); a time is
        taken as the answer to the next question."""
        result = read_city(value, tracker, dispatcher)
        if "pause_resume_time" in result:
            result.update(await self.validate_pause_resume_time(result["pause_resume_time"], dispatcher, tracker,
                                                                domain))
        return result

    async def validate_pause_resume_time(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Accept a time at least 20 minutes and less than 24 hours away."""
        text = str(value or "")[:300]
        person = who(tracker)
        tz = timezone_of(tracker, person)
        now = clock.now()
        moment = parse_when(text, now, tz)
        if moment is None and parse_duration(text):
            moment = now + parse_duration(text)
        request = read_time_request(text, tracker) if moment is None or moment - now >= MAX_PAUSE else None
        if moment is None and is_group(tracker) and not metadata(tracker).get("addressed", True):
            return {"pause_resume_time": None}  # side talk between partners, not an answer
        if request == "show_rules":  # answered, and asked again in the same message
            show_rules_and_ask(dispatcher, tracker)
            return {"pause_resume_time": None}
        if request is not None:
            ask_again(dispatcher, tracker, request)
            return {"pause_resume_time": None}
        if moment is None:
            ask_again(dispatcher, tracker, "utter_pause_time_unclear")
            return {"pause_resume_time": None}
        minimum, agreed = agreed_minimum(person.couple_id)
        if moment - now < minimum - timedelta(seconds=30):
            if agreed:  # "in 25 minutes" when they agreed on 30: their own rule, said kindly
                ask_again(dispatcher, tracker, "utter_pause_too_short_agreed", length=agreed,
                          earliest=describe(now + minimum, now, tz))
            else:
                ask_again(dispatcher, tracker, "utter_pause_too_short")
            return {"pause_resume_time": None}
        if moment - now >= MAX_PAUSE:
            ask_again(dispatcher, tracker, "utter_pause_too_long")
            return {"pause_resume_time": None}
        return {"pause_resume_time": text, "resume_at": moment.isoformat()}


class ActionScheduleResume(Action):
    """Store the pause and the reminder for both partners, then confirm the time."""

    def name(self) -> Text:
        return "action_schedule_resume"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        tz = timezone_of(tracker, person)
        raw = tracker.get_slot("resume_at")
        try:
            resume_at = datetime.fromisoformat(raw) if raw else None
        except ValueError:
            resume_at = None
        if resume_at is None:
            dispatcher.utter_message(response="utter_pause_time_lost")
            return clear_flow_slots(tracker)
        pause = storage.schedule_resume(person.couple_id, tracker.sender_id, person.partner_id, resume_at,
                                        tracker.get_slot("pause_resume_time"))
        safe_log_event(tracker.sender_id, events.RESUME_SCHEDULED, partner_id=person.partner_id,
                       couple_id=person.couple_id,
                       details={"pause_id": pause.id, "resume_at": resume_at.isoformat(),
                                "minutes": int((pause.resume_at - pause.started_at).total_seconds() // 60)})
        both = "you both" if person.partner_count > 1 or is_group(tracker) else "you"
        dispatcher.utter_message(response="utter_pause_scheduled_told" if pause.told else "utter_pause_scheduled",
                                 who=both, when=moment_time(tracker, person, resume_at))  # each reader's zone
        return clear_flow_slots(tracker)  # pause_city stays: the city is asked once


class ActionResume(Action):
    """The couple is back: end the pause and check in before going on."""

    def name(self) -> Text:
        return "action_resume"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        pause_id = storage.end_pause(person.couple_id)
        safe_log_event(tracker.sender_id, events.RESUMED, partner_id=person.partner_id, couple_id=person.couple_id,
                       details={"pause_id": pause_id})
        from actions.session import greet  # the greeting's words and buttons, in the person's language
        from bot import private_words

        language = private_words.choose(metadata(tracker).get("language"), None, user_text(tracker))
        private_words.say(dispatcher, "welcome", language, "utter_welcome_back")
        greet(dispatcher, language)
        return []


class ActionReminderMessage(Action):
    """Said when a stored reminder fires through the rasa API (web and REST chats)."""

    def name(self) -> Text:
        return "action_reminder_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        kind = tracker.get_slot("reminder_kind")
        if kind in (PAUSE_STARTED, "resume", "question"):  # worded for this chat, times in its own zone
            sent = storage.latest_reminder(tracker.sender_id, kind)
            resume_at = (sent.details or {}).get("resume_at") if sent is not None else None
            if kind == PAUSE_STARTED and resume_at:
                when = describe(datetime.fromisoformat(resume_at), tz=timezone_of(tracker, who(tracker)))
                dispatcher.utter_message(response="utter_pause_started_partner", when=when)
                return []
            if kind == "question":
                dispatcher.utter_message(response="utter_question_reminder")
                return []
        if tracker.get_slot("reminder_kind") == "apology":
            sent = storage.latest_reminder(tracker.sender_id, "apology")
            if sent is not None and sent.details.get("text"):
                from actions.apology import FLOW, reader_language
                from bot import private_words

                private_words.say(dispatcher, FLOW, reader_language(tracker, sent.details.get("language")),
                                  "utter_apology_delivered", apology=sent.details["text"])
                return []
        dispatcher.utter_message(response="utter_reminder")
        return []


class ActionPauseDeclined(Action):
    """The couple chose to go on after a suggested pause; respect it."""

    def name(self) -> Text:
        return "action_pause_declined"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        safe_log_event(tracker.sender_id, events.PAUSE_DECLINED, partner_id=person.partner_id,
                       couple_id=person.couple_id)
        dispatcher.utter_message(response="utter_pause_declined")
        return [SlotSet("pause_offered", None)]

