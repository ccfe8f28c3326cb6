"""The weekly "state of us" talk: agree a slot, open it, two equal timed turns, one small action both agree on.

The closing step is kept once both partners said yes (the other partner is asked with buttons, either
can suggest a change: ``bot/storage/talk_steps.py``); a talk stopped by a pause is offered again at the
pause's end (pick up where you were, or another time); "stop the weekly talk" (the setup intent, read by
its stop words) asks once, with buttons, and takes a typed yes or no too ("ja", "sí", "oui", "no": the
``talk_stop_asked`` slot sends a bare answer to ``action_talk_stop_answer``, counted only while the question is
the last thing asked).

The words are in ``content/rituals.yml`` (``bot/rituals.py`` puts them together for every channel);
the turn ends are reminders (``bot/storage/weekly_talk.py``), so they come on time on any gateway.
No form: between turns the couple talks freely, so the pause signal and the safety layer work as
everywhere else.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.checkins import DAY_NAMES
from actions.common import is_side_talk, language_of, timezone_of, user_text, who
from actions.ritual_words import day_name, say, speaks
from actions.shown_times import slot_time
from bot import clock, content, storage
from bot.closeness import typed_answer
from bot.language.timeparse import WEEKDAY_WORDS, parse_daily_time
from bot.rituals import ritual_message, step_buttons, step_words, talk_opening, talk_started, turn_text
from bot.storage import talk_steps

CHOICE = "talk_choice"  # the entity of this flow's buttons: agree/change, resume/later, yes/no
STOP_ASKED = "talk_stop_asked"  # the stop question waits for a yes or a no (data/rules/weekly_talk.yml)
STOP_YES = '/talk_setup{"talk_choice": "yes"}'
STOP_NO = '/talk_setup{"talk_choice": "no"}'


def choice_of(tracker: Tracker) -> str | None:
    """The button pressed (entity ``talk_choice``), else None."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == CHOICE and entity.get("value"):
            return str(entity["value"]).lower()
    return None


@lru_cache(maxsize=1)
def _action_lead_ins() -> "re.Pattern[str]":
    patterns = content.load("rituals")["weekly_talk"]["action_lead_ins"]
    return re.compile(r"^\s*(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\s*[:,\-–]?\s*", re.I)


def action_words(text: str) -> str:
    """ "Our action this week is a walk on Saturday" → "a walk on Saturday"."""
    words = " ".join((text or "").split())
    return _action_lead_ins().sub("", words, count=1).strip(" .!\"'“”")


@lru_cache(maxsize=1)
def _stop_words() -> "re.Pattern[str]":
    patterns = content.load("rituals")["weekly_talk_stop_words"]
    return re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?!\w)", re.I)


def wants_stop(text: str) -> bool:
    """ "Stop the weekly talk", "cancel our Sunday talks", "keine Wochengespräche mehr": to stop it for good."""
    return bool(_stop_words().search(" ".join((text or "").split())))


def stop_question_open(tracker: Tracker) -> bool:
    """True while the stop question is the last thing the bot said in this chat (its slot set)."""
    if not tracker.get_slot(STOP_ASKED):
        return False
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return STOP_YES in [b.get("payload") for b in (event.get("data") or {}).get("buttons") or []]
    return False


def typed_stop_answer(tracker: Tracker) -> str | None:
    """ "yes" or "no" typed to the open stop question: the intent read (``affirm``/``deny``, bare answers in
    every language by bot/rasa_plugins/typed_commands.py), the closeness list's typed answers, or a button's
    title typed out ("Ja, beenden"); None when it is not an answer."""
    if not stop_question_open(tracker):
        return None
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in ("affirm", "deny"):
        return "yes" if intent == "affirm" else "no"
    said = " ".join(user_text(tracker).casefold().split()).strip(" .!")
    for words in content.load("rituals")["weekly_talk_steps"].values():
        if said == str(words.get("stop_yes_button", "")).casefold():
            return "yes"
        if said == str(words.get("stop_no_button", "")).casefold():
            return "no"
    answer = typed_answer(said)
    return answer if answer in ("yes", "no") else None


def stop_talk(dispatcher: CollectingDispatcher, tracker: Tracker, person) -> List[EventType]:
    """Stopping the weekly talk: asked once with buttons, stopped only on the yes (pressed or typed)."""
    words, choice = step_words(language_of(tracker)), choice_of(tracker) or typed_stop_answer(tracker)
    if choice == "no":
        dispatcher.utter_message(text=words["kept"])
    elif choice == "yes":
        dispatcher.utter_message(text=words["stopped"] if storage.stop_weekly_talk(person.couple_id) else words["none"])
    elif (slot := storage.weekly_talk(person.couple_id)) is None or slot.status != "active":
        dispatcher.utter_message(text=words["none"])
    else:
        dispatcher.utter_message(text=words["stop_ask"], buttons=[
            {"title": words["stop_yes_button"], "payload": STOP_YES},
            {"title": words["stop_no_button"], "payload": STOP_NO}])
        return [SlotSet(STOP_ASKED, True)]
    return [SlotSet(STOP_ASKED, None)] if tracker.get_slot(STOP_ASKED) else []


def named_weekday(text: str) -> int | None:
    """The first weekday the words name ("sundays at 8pm", "sonntags um 20 Uhr" → 6), else None."""
    text = (text or "").lower()
    words = {**WEEKDAY_WORDS, **content.load("rituals")["weekly_talk"]["weekday_words"]}
    found = [(m.start(), day) for word, day in words.items()
             for m in re.finditer(rf"\b{re.escape(word)}s?\b", text)]
    return min(found)[1] if found else None


class ActionTalkSetup(Action):
    """ "Let's have our state of us on Sundays at 8pm": the agreed weekly slot."""

    def name(self) -> Text:
        return "action_talk_setup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_side_talk(tracker):
            return []
        person = who(tracker)
        text = user_text(tracker)
        if choice_of(tracker) in ("yes", "no") or wants_stop(text) or typed_stop_answer(tracker):
            return stop_talk(dispatcher, tracker, person)
        parsed, weekday = parse_daily_time(text), named_weekday(text)
        if parsed is None or weekday is None:
            say(dispatcher, language_of(tracker), "utter_talk_ask_slot")
            return []
        hour, minute, _days = parsed
        slot = storage.set_weekly_talk(person.couple_id, person.partner_id, weekday, hour, minute,
                                       timezone_of(tracker, person), storage.couple_chat(person.couple_id,
                                                                                         tracker.sender_id))
        storage.plan_rituals(couple_id=person.couple_id)
        language = speaks(tracker)
        say(dispatcher, language, "utter_talk_set", day=day_name(slot.weekday, language, DAY_NAMES[slot.weekday]),
            time=slot_time(tracker, person, slot.hour, slot.minute, slot.timezone, slot.weekday, language))
        return []


class ActionTalkStopAnswer(Action):
    """A typed yes or no (``affirm``/``deny``) while the stop question waits (data/rules/weekly_talk.yml):
    answered when the question is still the last thing asked, else unclear; the question is done either way."""

    def name(self) -> Text:
        return "action_talk_stop_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_side_talk(tracker):
            return []
        if typed_stop_answer(tracker) is not None:
            stop_talk(dispatcher, tracker, who(tracker))
        else:  # something else was said after the question: this yes or no is not its answer
            dispatcher.utter_message(response="utter_clarify")
        return [SlotSet(STOP_ASKED, None)]


class ActionTalkOpen(Action):
    """The opening, when the weekly reminder fires in a web or REST chat."""

    def name(self) -> Text:
        return "action_talk_open"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        planned = storage.latest_reminder(tracker.sender_id, "weekly_talk")  # keeps the language it is said in
        language = planned.details.get("language") if planned is not None else language_of(tracker)
        message = talk_opening(who(tracker).couple_id, clock.now(), language)
        dispatcher.utter_message(text=message["text"], buttons=message["buttons"])
        return []


def going_on(words: Dict[Text, Any], couple_id: int, conversation_id: str) -> Optional[str]:
    """A resume offer answered after the other partner picked the talk up: it already goes on (whose turn,
    minutes left); None when no talk is going on."""
    point = talk_steps.running_talk(couple_id, conversation_id)
    return words["already_going"].format(turn=words["turns"][point.turn - 1], left=point.minutes_left) \
        if point else None


class ActionTalkStart(Action):
    """ "We're ready": the first turn begins, both turn ends are planned (in each partner's own chat too)."""

    def name(self) -> Text:
        return "action_talk_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_side_talk(tracker):
            return []
        person, language = who(tracker), language_of(tracker)
        choice, words = choice_of(tracker), step_words(language)
        if choice == "resume":
            point = talk_steps.resume_talk(person.couple_id, language=language, conversation_id=tracker.sender_id)
            if point is not None:
                dispatcher.utter_message(text=words["resumed"].format(turn=words["turns"][point.turn - 1],
                                                                      left=point.minutes_left))
            else:  # the other partner picked it up first (it goes on), or it was left for another time
                dispatcher.utter_message(text=going_on(words, person.couple_id, tracker.sender_id)
                                         or words["nothing_to_resume"])
            return []
        if choice == "later":
            dropped = talk_steps.drop_resume(person.couple_id)
            dispatcher.utter_message(text=(None if dropped else going_on(words, person.couple_id, tracker.sender_id))
                                     or words["later"])
            return []
        if choice is None and (wants_stop(user_text(tracker)) or typed_stop_answer(tracker)):
            return stop_talk(dispatcher, tracker, person)  # "stop the weekly talk" (or its answer) read as a start
        storage.start_talk(person.couple_id, tracker.sender_id, language=language)  # the talk keeps its language
        dispatcher.utter_message(text=talk_started(language))
        return []


class ActionTalkTurn(Action):
    """A turn ends (the turn reminder fired in a web or REST chat)."""

    def name(self) -> Text:
        return "action_talk_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        kind = tracker.get_slot("reminder_kind") or "talk_turn"
        if kind not in ("talk_turn", talk_steps.STEP_KIND, talk_steps.RESUME_KIND):
            return []
        latest = storage.latest_reminder(tracker.sender_id, kind)
        if latest is None:
            return []
        if kind == "talk_turn":
            dispatcher.utter_message(text=turn_text(latest.details))  # a turn's end, or the talk begun elsewhere
            return []
        message = ritual_message(latest)  # the step for the other partner, or the offer to resume
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons") or [])
        return []


class ActionTalkAction(Action):
    """ "Our action is a walk on Saturday morning": kept, and recalled at next week's talk."""

    def name(self) -> Text:
        return "action_talk_action"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if is_side_talk(tracker):
            return []
        person, language = who(tracker), language_of(tracker)
        words, choice = step_words(language), choice_of(tracker)
        if choice in ("agree", "change"):
            answer = talk_steps.answer_step(person.couple_id, person.partner_id, choice == "agree", tracker.sender_id,
                                            language=language)
            said = {"agreed": "agreed", "change": "change", "own": "own"}.get(answer.outcome, "nothing_open")
            dispatcher.utter_message(text=words[said].format(action=answer.action or ""))
            return []
        try:
            answer = talk_steps.propose_step(person.couple_id, person.partner_id, action_words(user_text(tracker)),
                                             tracker.sender_id, language=language)
        except ValueError:
            say(dispatcher, language, "utter_talk_ask_action")
            return []
        if answer.outcome == "agreed":  # one partner linked so far: nobody else to ask
            say(dispatcher, language, "utter_talk_action_kept", action=answer.action)
        elif answer.outcome == "ask_here":  # the couple's group: the other one answers right here
            dispatcher.utter_message(text=words["ask_here"].format(action=answer.action),  # for either partner
                                     buttons=[{**button, "for": "anyone"} for button in step_buttons(words)])
        else:
            dispatcher.utter_message(text=words["asked_partner"].format(action=answer.action))
        return []
