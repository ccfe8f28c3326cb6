"""Joining a therapist's practice and sharing with it, the same on every channel.

Telegram answers ``/link CODE`` and ``/consent`` in the gateway (bot/telegram/account.py);
these actions answer the same wishes typed anywhere: a practice code, "/consent",
"share our chats with our therapist", "stop sharing". Sharing is per partner: the
person whose message it is says yes or no for themselves only.
"""
from __future__ import annotations

import logging
from typing import List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import response_text, user_text, who
from bot.config import get_settings
from bot.language.local_times import seen_at
from bot.rasa_plugins.typed_commands import CODE_ENTITY, read_command
from bot.storage.couples import partner_by_id
from bot.storage import set_share_consent, views_for_partner
from bot.storage.models import Partner
from bot.storage.practice import join_practice, looks_like_practice_code, practice_of_couple

log = logging.getLogger(__name__)

RECENT_VIEWS = 5


def _code(tracker: Tracker) -> Optional[str]:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == CODE_ENTITY and entity.get("value"):
            return str(entity["value"])
    command = read_command(user_text(tracker))
    return command[1] if command else None


def _practice(domain: DomainDict, name: Optional[str]) -> str:
    return name or response_text(domain, "utter_practice_unnamed")


class ActionJoinPractice(Action):
    """A typed practice code: the couple joins the practice; nothing is shared yet."""

    def name(self) -> Text:
        return "action_join_practice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        code = _code(tracker)
        if not code or not looks_like_practice_code(code):
            dispatcher.utter_message(response="utter_practice_ask_code")
            return []
        person = who(tracker)
        try:
            joined = join_practice(person.couple_id, code)
        except ValueError as exc:
            reason = "utter_practice_retired_code" if str(exc) == "code no longer in use" \
                else "utter_practice_unknown_code"
            dispatcher.utter_message(response=reason)
            return []
        practice = _practice(domain, joined.practice_name)
        text = response_text(domain, "utter_practice_joined", practice=practice)
        dispatcher.utter_message(json_message={"kintsugi": {"kind": "practice_linked", "text": text,
                                                            "practice": practice}})
        return []


class ActionConsent(Action):
    """/consent or "share our chats with our therapist": where this partner stands, and a choice."""

    def name(self) -> Text:
        return "action_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        practice = practice_of_couple(person.couple_id)
        partner = partner_by_id(person.partner_id)
        sharing = bool(partner and partner.consent_share)
        if practice is None and not sharing:
            dispatcher.utter_message(response="utter_consent_no_practice")
            return []
        name = _practice(domain, practice.name if practice else None)
        lines = [response_text(domain, "utter_consent_is_on" if sharing else "utter_consent_is_off", practice=name),
                 _views(domain, partner)]
        button = {"title": response_text(domain, "utter_consent_turn_off" if sharing else "utter_consent_turn_on",
                                         practice=name),
                  "payload": "/consent_off" if sharing else "/consent_on"}
        dispatcher.utter_message(text="\n\n".join(lines), buttons=[button])
        return []


def _views(domain: DomainDict, partner: Optional[Partner]) -> str:
    views = views_for_partner(partner.external_id, limit=RECENT_VIEWS) if partner else []
    if not views:
        return response_text(domain, "utter_consent_no_views")
    zone = partner.timezone if partner is not None and partner.timezone else get_settings().default_timezone
    lines = [response_text(domain, "utter_consent_view_line", when=seen_at(v.at, zone),  # the reader's own zone
                           who=v.therapist, what=v.what) for v in views]
    return "\n".join([response_text(domain, "utter_consent_views_title"), *lines])


class ActionSetConsent(Action):
    """Yes or no to sharing, for the partner who said it; it takes effect at once."""

    def name(self) -> Text:
        return "action_set_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        share = (tracker.latest_message.get("intent") or {}).get("name") == "consent_on"
        person = who(tracker)
        practice = practice_of_couple(person.couple_id)
        if share and practice is None:
            dispatcher.utter_message(response="utter_consent_no_practice")
            return []
        set_share_consent(person.partner_id, share)
        log.info("partner %s consent_share=%s", person.partner_id, share)
        name = _practice(domain, practice.name if practice else None)
        dispatcher.utter_message(text=response_text(domain, "utter_consent_now_on" if share else "utter_consent_now_off",
                                                    practice=name))
        return []

