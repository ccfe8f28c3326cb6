"""Listening: reflect pain kindly, and suggest a pause when talk escalates."""
from __future__ import annotations

import random
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import MAX_TEXT, is_group, is_side_talk, metadata, safe_log_event, user_text, who
from bot.language.apology import is_defensive, nudge_every, nudges, nudges_in
from bot.language.escalation import assess_escalation, load_lexicon
from bot.storage import events

RECENT_TURNS = 6
NUDGE_KIND = "empathy_nudge"


def recent_user_messages(tracker: Tracker, limit: int = RECENT_TURNS) -> List[str]:
    """Both partners' user messages before the current one in this session, oldest first.

    The current message is the latest user event, wherever it sits: when an action runs, the
    tracker may already hold events after it (slots extracted from it, an earlier action of the
    same turn, the policy's featurization event), so it is skipped by position, not by
    dropping the last event.
    """
    texts: List[str] = []
    skipped_current = False
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started":
            break
        if event.get("event") != "user":
            continue
        if not skipped_current:
            skipped_current = True  # the message being answered now
            continue
        if event.get("text") and not str(event["text"]).startswith("/"):
            texts.append(str(event["text"])[:MAX_TEXT])
            if len(texts) >= limit:
                break
    return list(reversed(texts))


def suggest_pause_if_heated(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
    """Offer a pause when the talk escalates (once in a row); None when it does not."""
    if tracker.get_slot("pause_offered"):
        return None
    text = user_text(tracker)
    assessment = assess_escalation(text, recent_user_messages(tracker))
    if not assessment.suggest_pause:
        return None
    if assessment.score < float(load_lexicon().second_opinion.get("clear_at", 10**9)) and is_defensive(text) \
            and not _nudged_recently(tracker, nudge_every()):
        return None  # a defensive reply that is not clearly heated gets the reflect-first nudge instead
    person = who(tracker)
    safe_log_event(tracker.sender_id, events.PAUSE_SUGGESTED, partner_id=person.partner_id,
                   couple_id=person.couple_id,
                   details={"score": round(assessment.score, 2), "signals": list(assessment.signals)})
    dispatcher.utter_message(response="utter_suggest_pause")
    return [SlotSet("pause_offered", True)]


def _nudged_recently(tracker: Tracker, within: int) -> bool:
    """True when an empathy nudge was said since the last ``within`` user messages."""
    texts, seen_users = set(nudges()), 0
    for event in reversed(tracker.events or []):
        if event.get("event") == "session_started":
            break
        if event.get("event") == "user":
            seen_users += 1
            if seen_users > within:
                break
        elif event.get("event") == "bot":
            kintsugi = ((event.get("data") or {}).get("custom") or {}).get("kintsugi") or {}
            if event.get("text") in texts or kintsugi.get("kind") == NUDGE_KIND:
                return True
    return False


def nudge_empathy_if_defensive(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """One short, kind reflect-first suggestion after a defensive reply to pain (rate-limited).

    In a group it goes privately to the person who wrote it, where the channel allows.
    """
    if not is_defensive(user_text(tracker)) or _nudged_recently(tracker, nudge_every()):
        return False
    text = random.choice(nudges_in(user_text(tracker), metadata(tracker).get("language")))
    partner = metadata(tracker).get("partner_id")
    if is_group(tracker) and partner:
        dispatcher.utter_message(json_message={"kintsugi": {"audience": "private", "partner_id": str(partner),
                                                            "text": text, "kind": NUDGE_KIND}})
    else:
        dispatcher.utter_message(text=text)
    person = who(tracker)
    safe_log_event(tracker.sender_id, events.EMPATHY_NUDGED, partner_id=person.partner_id,
                   couple_id=person.couple_id)
    return True


def keep_waiting(tracker: Tracker) -> List[EventType]:
    """After side talk inside a form: the form stays where it was and waits, without asking again.

    The form rejected the message (actions/forms.py); ``ActiveLoop`` lifts the rejection and the
    follow-up listen keeps Rasa from running the form (which would repeat its question).
    """
    loop = (tracker.active_loop or {}).get("name")
    return [ActiveLoop(loop), FollowupAction("action_listen")] if loop else []


class ActionListenToFeelings(Action):
    """Answer painful talk warmly; in a group, stay quiet unless it escalates."""

    def name(self) -> Text:
        return "action_listen_to_feelings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        side_talk = is_side_talk(tracker)
        if side_talk:
            from actions.flow import start_pause_for_signal

            started = await start_pause_for_signal(dispatcher, tracker, domain)
            if started is not None:
                return started  # the couple's own pause signal works unaddressed
        suggested = suggest_pause_if_heated(dispatcher, tracker)
        if suggested is not None:
            return suggested + (keep_waiting(tracker) if side_talk else [])
        if nudge_empathy_if_defensive(dispatcher, tracker):
            return keep_waiting(tracker) if side_talk else []
        if side_talk:
            return keep_waiting(tracker)  # partners talking to each other: listen, don't interrupt
        dispatcher.utter_message(response="utter_reflect_feelings")
        return []
