"""The "We're setting ground rules" flow: collect, read back, both confirm, versioned."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import KintsugiFormValidation
from actions.common import clear_flow_slots, display_name, is_group, safe_log_event, who
from bot import content, storage
from bot.storage import events
from bot.storage.pauses import MAX_PAUSE, MIN_PAUSE
from bot.language.timeparse import parse_duration

SKIPPED = "-"
MAX_RULE = 300


def rule_catalogue() -> dict:
    """The agreements and their labels, from content/ground_rules.yml."""
    return content.load("ground_rules")


def rule_for_slot(slot: str) -> dict:
    """The catalogue entry collected by ``slot``."""
    return next(r for r in rule_catalogue()["rules"] if r["slot"] == slot)


def rule_named(text: str) -> Optional[dict]:
    """The agreement a person means by ``text`` ("the safe word", "break length"), or None."""
    text = " " + re.sub(r"[^\w\s-]", " ", (text or "").lower()) + " "
    best, best_len = None, 0
    for rule in rule_catalogue()["rules"]:
        for alias in rule["aliases"]:
            if f" {alias} " in text and len(alias) > best_len:
                best, best_len = rule, len(alias)
    return best


def _is_skip(text: str) -> bool:
    return text.strip().lower().strip(".!") in set(rule_catalogue()["skip_words"])


def check_rule_value(key: str, value: Any, dispatcher: CollectingDispatcher) -> Optional[str]:
    """A clean value for one agreement, ``SKIPPED``, or None (after saying what to change)."""
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    if _is_skip(text):
        return SKIPPED
    if not re.search(r"[^\W\d_]", text) and key != "break_length":
        dispatcher.utter_message(response="utter_rule_need_words")
        return None
    if key == "pause_signal":
        signal = text.strip(" \"'“”.!")
        if len(signal) > 40 or len(signal.split()) > 5:
            dispatcher.utter_message(response="utter_rule_signal_too_long")
            return None
        return signal
    if key == "break_length":
        length = parse_duration(text)
        if length is None:
            dispatcher.utter_message(response="utter_rule_length_unclear")
            return None
        if length < MIN_PAUSE or length >= MAX_PAUSE:
            dispatcher.utter_message(response="utter_rule_length_range")
            return None
        minutes = int(length.total_seconds() // 60)
        return f"{minutes} minutes" if minutes < 120 or minutes % 60 else f"{minutes // 60} hours"
    return text[:MAX_RULE]


DURATION_ELSEWHERE = ("pause_signal", "off_limits", "who_asks")  # asked these, a bare length is the shortest break


def question_it_answers(key: str, text: str) -> Optional[str]:
    """The other agreement an answer clearly belongs to (``content/off_limits.yml``), or None."""
    from bot.language.off_limits import belongs_to

    found = belongs_to(text)
    if found and found != key:
        return found
    plain = text.lower().replace("’", "'")
    for other, patterns in (content.load("off_limits").get("answers_elsewhere") or {}).items():
        if other != key and any(re.search(p, plain) for p in patterns):
            return str(other)
    if key in DURATION_ELSEWHERE and len(text.split()) <= 4 and parse_duration(text) is not None:
        return "break_length"
    return None


def answer_for_another_question(key: str, value: Any, tracker: Tracker,
                                 dispatcher: CollectingDispatcher) -> Optional[Dict[Text, Any]]:
    """An answer that clearly belongs to another question of the form ("no details about sex" asked how
    to come back, "30 minutes" asked for the signal) is put there when that one is still open, said so,
    and the question asked is asked again (in the same message: ``actions.forms.merge_refusal``); None otherwise."""
    text = re.sub(r"\s+", " ", str(value or "")).strip()[:MAX_RULE]
    other = question_it_answers(key, text)
    rule = next((r for r in rule_catalogue()["rules"] if r["key"] == other), None)
    if rule is None or tracker.get_slot(rule["slot"]):
        return None
    cleaned = check_rule_value(other, text, CollectingDispatcher())  # quietly: a length out of range stays here
    if cleaned is None or cleaned == SKIPPED:
        return None
    dispatcher.utter_message(response="utter_rule_noted_elsewhere", rule=rule["label"])
    return {rule["slot"]: cleaned}


def read_back(rules: Dict[str, str]) -> str:
    """The agreements as a short list, in the catalogue's order."""
    lines = []
    for rule in rule_catalogue()["rules"]:
        value = rules.get(rule["key"])
        if value and value != SKIPPED:
            lines.append(f"• {rule['label']}: {value}")
    return "\n".join(lines)


class ActionStartRules(Action):
    """Open the ground-rules flow."""

    def name(self) -> Text:
        return "action_start_rules"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_rules_intro")
        return clear_flow_slots(tracker)


class ValidateRulesForm(KintsugiFormValidation):
    """Check each agreement as it is given."""

    def name(self) -> Text:
        return "validate_rules_form"

    def __getattr__(self, attr: str):
        # validate_rule_<name> for every agreement in the catalogue, from one function.
        if attr.startswith("validate_rule_"):
            slot = attr[len("validate_"):]
            key = rule_for_slot(slot)["key"]

            async def validate(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
                elsewhere = answer_for_another_question(key, value, tracker, dispatcher)
                if elsewhere is not None:
                    return {slot: None, **elsewhere}
                return {slot: check_rule_value(key, value, dispatcher)}

            return validate
        raise AttributeError(attr)


class ActionProposeRules(Action):
    """Store the agreements as a new version, read them back and ask both to confirm."""

    def name(self) -> Text:
        return "action_propose_rules"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        rules = {r["key"]: tracker.get_slot(r["slot"]) for r in rule_catalogue()["rules"]}
        rules = {k: v for k, v in rules.items() if v and v != SKIPPED}
        if not rules:
            dispatcher.utter_message(response="utter_rules_nothing_recorded")
            return clear_flow_slots(tracker)
        proposal = storage.propose_rules(person.couple_id, person.partner_id, rules)
        safe_log_event(tracker.sender_id, events.RULE_PROPOSED, partner_id=person.partner_id,
                       couple_id=person.couple_id, details={"version": proposal.version, "keys": sorted(rules)})
        dispatcher.utter_message(response="utter_rules_read_back", rules=read_back(rules))
        return clear_flow_slots(tracker)


class ActionConfirmRules(Action):
    """One partner confirms; the rules take effect when both have."""

    def name(self) -> Text:
        return "action_confirm_rules"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        result = storage.confirm_rules(person.couple_id, person.partner_id)
        if result is None:
            dispatcher.utter_message(response="utter_rules_nothing_pending")
            return []
        safe_log_event(tracker.sender_id, events.RULE_CONFIRMED, partner_id=person.partner_id,
                       couple_id=person.couple_id,
                       details={"version": result.version, "complete": result.status == "confirmed"})
        if result.status == "confirmed":
            dispatcher.utter_message(response="utter_rules_confirmed_both", rules=read_back(result.rules))
            return [SlotSet("pause_signal", result.rules.get("pause_signal"))]
        name = None if is_group(tracker) else display_name(tracker)  # a group reply already starts with the name
        dispatcher.utter_message(response="utter_rules_confirmed_one", name=f", {name}" if name else "")
        if person.partner_count < 2:
            dispatcher.utter_message(response="utter_rules_partner_not_here")
        return []


class ActionShowRules(Action):
    """Quote the couple's agreements back, and any proposal still waiting."""

    def name(self) -> Text:
        return "action_show_rules"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        current = storage.current_rules(person.couple_id)
        pending = storage.pending_rules(person.couple_id)
        safe_log_event(tracker.sender_id, events.RULES_SHOWN, partner_id=person.partner_id,
                       couple_id=person.couple_id)
        if current is None and pending is None:
            dispatcher.utter_message(response="utter_rules_none_yet")
            return []
        if current is not None:
            dispatcher.utter_message(response="utter_rules_current", rules=read_back(current.rules),
                                     date=current.confirmed_at.strftime("%d %B %Y") if current.confirmed_at else "")
        if pending is not None:
            dispatcher.utter_message(response="utter_rules_pending", rules=read_back(pending.rules),
                                     waiting=pending.waiting_for)
        return [SlotSet("pause_signal", current.rules.get("pause_signal") if current else None)]


class ActionStartChangeRule(Action):
    """Open the change flow; the rule may already be named ("change our pause signal")."""

    def name(self) -> Text:
        return "action_start_change_rule"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        named = rule_named(tracker.latest_message.get("text") or "")
        return clear_flow_slots(tracker) + ([SlotSet("change_rule_name", named["key"])] if named else [])


class ValidateChangeRuleForm(KintsugiFormValidation):
    """Which agreement, and its new value."""

    def name(self) -> Text:
        return "validate_change_rule_form"

    async def validate_change_rule_name(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Match the answer against the names people use for each agreement."""
        keys = {r["key"] for r in rule_catalogue()["rules"]}
        if value in keys:
            return {"change_rule_name": value}
        named = rule_named(str(value or "")[:200])
        if named is None:
            dispatcher.utter_message(response="utter_rule_which_unclear")
            return {"change_rule_name": None}
        return {"change_rule_name": named["key"]}

    async def validate_change_rule_value(self, value: Any, dispatcher: CollectingDispatcher,
                                         tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """The same checks as when the agreement was first made."""
        return {"change_rule_value": check_rule_value(tracker.get_slot("change_rule_name"), value, dispatcher)}


class ActionAskChangeRuleValue(Action):
    """Ask for the new value with the same words as the ground-rules flow."""

    def name(self) -> Text:
        return "action_ask_change_rule_value"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        key = tracker.get_slot("change_rule_name")
        rule = next((r for r in rule_catalogue()["rules"] if r["key"] == key), None)
        dispatcher.utter_message(response=f"utter_ask_{rule['slot']}" if rule else "utter_ask_change_rule_name")
        return []


class ActionApplyRuleChange(Action):
    """Store the change as a new proposed version and ask both partners to confirm."""

    def name(self) -> Text:
        return "action_apply_rule_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        person = who(tracker)
        key, value = tracker.get_slot("change_rule_name"), tracker.get_slot("change_rule_value")
        if not key or not value or value == SKIPPED:
            dispatcher.utter_message(response="utter_flow_cancelled")
            return clear_flow_slots(tracker)
        proposal = storage.change_rule(person.couple_id, person.partner_id, key, value)
        safe_log_event(tracker.sender_id, events.RULE_PROPOSED, partner_id=person.partner_id,
                       couple_id=person.couple_id, details={"version": proposal.version, "keys": [key],
                                                            "change": True})
        dispatcher.utter_message(response="utter_rules_read_back", rules=read_back(proposal.rules))
        return clear_flow_slots(tracker)
