"""The daily check-in: set up in plain words, a private prompt each, skip, stop, move, and sharing."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import is_group, user_text, who
from actions.forms import KintsugiFormValidation
from actions.partner_action import PartnerAction, remember_side
from actions.ritual_words import checkin_speaks, describe_days, mood_word, say, speaks, words
from actions.shown_times import checkin_time
from bot import content, private_words, storage
from bot.language.timeparse import parse_daily_time

DAY_NAMES = tuple(content.load("rituals")["words"]["days"]["names"])  # "Mondays" ... "Sundays" (English)
EMOJI_MOODS = {"😞": 1, "😔": 2, "😐": 3, "🙂": 4, "😊": 5}
NO_NOTE = re.compile(content.load("rituals")["checkin"]["no_note"], re.I)  # "no", "nichts", "nada", "rien"


class ActionCheckinSetup(PartnerAction):
    """ "Remind us to do our check-in every evening at 9", or "move our check-in to 8pm"."""

    remembers_side = True

    def name(self) -> Text:
        return "action_checkin_setup"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        language = speaks(tracker)
        parsed = parse_daily_time(user_text(tracker))
        if parsed is None:
            say(dispatcher, language, "utter_checkin_ask_time")
            return []
        hour, minute, weekdays = parsed
        before = storage.daily_checkin(person.couple_id)
        view = storage.set_daily_checkin(person.couple_id, person.partner_id, hour, minute, weekdays,
                                         user_text(tracker)[:200])
        storage.plan_checkin_prompts(couple_id=person.couple_id)
        moved = before is not None and before.status == "active"
        say(dispatcher, language, "utter_checkin_moved" if moved else "utter_checkin_set",
            time=checkin_time(tracker, person, view.hour, view.minute, language),
            days=describe_days(view.weekdays, language))
        if is_group(tracker) or person.partner_count < 2:
            say(dispatcher, language, "utter_checkin_privately")
        return []


class ActionCheckinSkip(PartnerAction):
    """ "Skip today": no prompt for either partner today."""

    def name(self) -> Text:
        return "action_checkin_skip"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        language = checkin_speaks(tracker)
        current = storage.daily_checkin(person.couple_id)
        if current is None or current.status != "active":
            say(dispatcher, language, "utter_checkin_none")
            return []
        storage.skip_checkin_today(person.couple_id)
        say(dispatcher, language, "utter_checkin_skipped")
        return []


class ActionCheckinStop(PartnerAction):
    """ "Stop the check-ins"."""

    def name(self) -> Text:
        return "action_checkin_stop"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        stopped = storage.stop_daily_checkin(person.couple_id)
        say(dispatcher, checkin_speaks(tracker), "utter_checkin_stopped" if stopped else "utter_checkin_none")
        return []


def share_choice(tracker: Tracker) -> Optional[str]:
    """nothing, mood, note or both: from a button's entity, else from the words."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "checkin_share" and entity.get("value") in storage.CHECKIN_SHARE_CHOICES:
            return str(entity["value"])
    text = user_text(tracker).lower()
    if re.search(r"\b(nothing|don'?t|do not|stop sharing|private|keep (it|them|my)|none|not share)\b", text):
        return "nothing"
    mood = re.search(r"\b(mood|moods|emoji|how i feel|feeling)\b", text)
    note = re.search(r"\b(note|notes|word|words|sentence|what i write|wrote)\b", text)
    if re.search(r"\b(both|everything|all of it)\b", text) or (mood and note):
        return "both"
    if mood:
        return "mood"
    if note:
        return "note"
    return None


class ActionCheckinShare(PartnerAction):
    """Each partner chooses what the other sees of their check-ins; nothing until they say."""

    def name(self) -> Text:
        return "action_checkin_share"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     person: storage.Who) -> List[EventType]:
        language, choice = checkin_speaks(tracker), share_choice(tracker)
        if choice is None:
            say(dispatcher, language, "utter_checkin_share_ask")
            return []
        storage.choose_checkin_sharing(person.couple_id, person.partner_id, choice)
        say(dispatcher, language, f"utter_checkin_share_{choice}")
        return []


class ActionCheckinPrompt(Action):
    """The prompt itself, when a check-in reminder fires in a web or REST chat: in the language kept with it."""

    def name(self) -> Text:
        return "action_checkin_prompt"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        kind = storage.open_checkin_kind(who(tracker).partner_id)
        planned = storage.latest_reminder(tracker.sender_id, storage.CHECKIN_KIND)
        language = (planned.details or {}).get("language") if planned is not None else None
        say(dispatcher, private_words.choose(language) if language else speaks(tracker),
            "utter_checkin_prompt_appreciation" if kind == "appreciation" else "utter_checkin_prompt")
        return []


def mood_of(tracker: Tracker) -> Optional[int]:
    """The mood from a button (entity ``checkin_mood``), an emoji or a number 1-5."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "checkin_mood":
            try:
                value = int(str(entity.get("value")))
            except ValueError:
                continue
            if value in storage.CHECKIN_MOODS:
                return value
    text = user_text(tracker)
    for emoji, value in EMOJI_MOODS.items():
        if emoji in text:
            return value
    number = re.search(r"\b([1-5])\b", text)
    return int(number.group(1)) if number else None


class ActionCheckinMood(Action):
    """Keep the one-tap mood, then offer room for a word (the note form)."""

    def name(self) -> Text:
        return "action_checkin_mood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        remember_side(tracker, person)
        mood = mood_of(tracker)
        answer = storage.record_checkin_mood(person.couple_id, person.partner_id, mood) if mood else None
        language = checkin_speaks(tracker)
        if answer is None:
            say(dispatcher, language, "utter_checkin_not_open")
            return [SlotSet("checkin_note", "-")]  # nothing to add a word to: the note form ends at once
        say(dispatcher, language, "utter_checkin_mood_thanks", mood=mood_word(mood, language))
        return [SlotSet("checkin_note", None)]


class ValidateCheckinNoteForm(KintsugiFormValidation):
    """Any words are the note; "no", "that's all" or a button mean no note today."""

    def name(self) -> Text:
        return "validate_checkin_note_form"

    async def validate_checkin_note(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()[:500]
        return {"checkin_note": "-" if not text or NO_NOTE.match(text) else text}


class ActionCheckinDone(Action):
    """Store the note (if any), thank them, and show what the partner chose to share."""

    def name(self) -> Text:
        return "action_checkin_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person, language = who(tracker), checkin_speaks(tracker)
        note = tracker.get_slot("checkin_note")
        if note and note != "-":
            answer = storage.record_checkin_note(person.couple_id, person.partner_id, note)
            appreciation = answer is not None and storage.open_checkin_kind(person.partner_id) == "appreciation"
            kept_private = storage.checkin_sharing(person.partner_id) in ("nothing", "mood")
            say(dispatcher, language, "utter_checkin_appreciation_kept" if appreciation and kept_private
                else "utter_checkin_noted")
        else:
            say(dispatcher, language, "utter_checkin_thanks")
        for shared in storage.partner_checkins_shared_with(person.partner_id):
            parts = []
            if shared.mood:
                parts.append(str(words(language, "shared_mood")).format(mood=mood_word(shared.mood, language)))
            if shared.note:
                parts.append(str(words(language, "shared_note")).format(note=shared.note))
            say(dispatcher, language, "utter_checkin_partner_shared", shared=", ".join(parts))
        return [SlotSet("checkin_note", None), SlotSet("requested_slot", None)]
