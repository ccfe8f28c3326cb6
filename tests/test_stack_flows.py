"""The whole assistant over the REST channel, as the gateway uses it: real rasa, real actions, real DB."""
from __future__ import annotations

import json

import pytest

from bot import storage
from bot.storage import events as ev
from tests.stack import RasaStack, new_sender

pytestmark = pytest.mark.stack

ANA = {"partner_id": "tg:101", "display_name": "Ana", "channel": "telegram", "chat_type": "group",
       "language": "en", "country": "GB", "addressed": True}
BEN = {**ANA, "partner_id": "tg:102", "display_name": "Ben"}


def texts(replies):
    """Everything a chat would show, custom payload texts included."""
    out = []
    for reply in replies:
        if reply.get("text"):
            out.append(reply["text"])
        kintsugi = (reply.get("custom") or {}).get("kintsugi")
        if kintsugi and kintsugi.get("text"):
            out.append(kintsugi["text"])
    return "\n".join(out)


def test_pause_flow_stores_a_reminder_for_both(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("tg")
    first = rasa_stack.send(sender, "my heart is racing and I'm shaking, I need to stop", ANA)
    assert "pause" in texts(first).lower() or "stop here" in texts(first).lower()
    assert "come back" in texts(first).lower()
    rasa_stack.send(sender, "hi", {**BEN, "addressed": False})
    too_soon = rasa_stack.send(sender, "in 5 minutes", ANA)
    assert "20 minutes" in texts(too_soon)
    done = rasa_stack.send(sender, "in 45 minutes", ANA)
    assert "remind you both" in texts(done)
    couple = storage.couple_of(sender)
    assert [r.conversation_id for r in storage.pending_reminders(couple)] == [sender]
    types = [e.type for e in storage.events_for(couple_id=couple)]
    assert types[0] == ev.FLOODING_REPORTED and ev.RESUME_SCHEDULED in types


def test_partner_metadata_reaches_the_tracker_and_the_event_log(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("tg")
    rasa_stack.send(sender, "we want to agree on some ground rules", ANA)
    for answer in ("timeout", "30 minutes", "whoever paused texts first", "skip", "either of us", "sundays"):
        replies = rasa_stack.send(sender, answer, BEN)
    assert "I agree" in json.dumps(replies)
    rasa_stack.send(sender, "/confirm_rules", ANA)
    confirmed = rasa_stack.send(sender, "/confirm_rules", BEN)
    assert "both confirmed" in texts(confirmed)
    tracker = rasa_stack.tracker(sender)
    partners = {e["metadata"].get("partner_id") for e in tracker["events"] if e["event"] == "user"}
    assert partners == {"tg:101", "tg:102"}
    couple = storage.couple_of(sender)
    log = storage.events_for(couple_id=couple, types=[ev.RULE_CONFIRMED])
    assert len({e.partner_id for e in log}) == 2
    shown = rasa_stack.send(sender, "show our rules", ANA)
    assert "timeout" in texts(shown) and "sundays" in texts(shown)


def test_question_flow_offers_a_gentler_wording(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    rasa_stack.send(sender, "I want to ask him something about the affair")
    offer = rasa_stack.send(sender, "was she better in bed than me")
    assert "gentler" in texts(offer).lower()
    assert any(b.get("payload") == "keep my question" for r in offer for b in r.get("buttons", []))
    rasa_stack.send(sender, "keep my question")
    final = rasa_stack.send(sender, "now")
    assert "was she better in bed than me" in texts(final)
    assert "defensive" in texts(final)


def test_a_break_mid_question_goes_to_the_pause(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    rasa_stack.send(sender, "can I ask her why she did it")
    replies = rasa_stack.send(sender, "I need a break, I can't do this right now")
    assert "come back" in texts(replies).lower()
    assert rasa_stack.tracker(sender)["active_loop"].get("name") == "pause_form"


def test_crisis_mid_flow_gets_help_lines_and_holds_until_safe(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    rasa_stack.send(sender, "we need some ground rules", {"country": "GB"})
    crisis = rasa_stack.send(sender, "i don't want to live anymore, i want to kill myself", {"country": "GB"})
    payloads = [r["custom"]["kintsugi"] for r in crisis if (r.get("custom") or {}).get("kintsugi")]
    assert payloads and payloads[0]["kind"] == "crisis" and "116 123" in payloads[0]["text"]  # Samaritans
    held = rasa_stack.send(sender, "ok let's do the ground rules now", {"country": "GB"})
    assert "I'm safe" in texts(held)
    assert rasa_stack.tracker(sender)["active_loop"].get("name") == "safety_form"
    released = rasa_stack.send(sender, "I'm safe now, my sister is with me", {"country": "GB"})
    assert "glad" in texts(released).lower()
    again = rasa_stack.send(sender, "we want to set ground rules", {"country": "GB"})
    assert "pause signal" in texts(again).lower()
    couple = storage.couple_of(sender)
    assert [e.details["category"] for e in storage.events_for(couple_id=couple, types=[ev.CRISIS_ROUTED])] == \
        ["suicide_self_harm"]


def test_abuse_disclosed_in_a_group_is_answered_privately(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("tg")
    rasa_stack.send(sender, "hello", ANA)
    replies = rasa_stack.send(sender, "he choked me last night and took my phone", {**ANA, "addressed": False})
    private = [r["custom"]["kintsugi"] for r in replies if (r.get("custom") or {}).get("kintsugi", {}).get(
        "audience") == "private"]
    assert len(private) == 1 and private[0]["partner_id"] == "tg:101"
    assert "0808 2000 247" in private[0]["text"]  # National Domestic Abuse Helpline (UK)
    public = [r.get("text") or "" for r in replies if not (r.get("custom") or {}).get("kintsugi")]
    assert public and all("abuse" not in t.lower() and "0808" not in t and "fault" not in t for t in public)


def test_screening_question_yes_escalates_and_no_leaves_resources(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    screen = rasa_stack.send(sender, "what's the point of going on", {"country": "US"})
    assert "?" in texts(screen)
    yes = rasa_stack.send(sender, "yes", {"country": "US"})
    assert "988" in texts(yes)
    other = new_sender("rest")
    rasa_stack.send(other, "I can't do this anymore", {"country": "US"})
    no = rasa_stack.send(other, "no, not like that", {"country": "US"})
    assert "988" in texts(no) and "here" in texts(no).lower()


@pytest.mark.parametrize("message", ["", " ", "🙂🙂🙂", "x" * 10_000, "\x00\x01 binary \xff",
                                     "Ich brauche eine Pause", "¿puedo preguntarle algo?", "{\"json\": true}",
                                     "/nonexistent_intent"])
def test_odd_input_never_breaks_the_conversation(rasa_stack: RasaStack, stack_db: str, message: str) -> None:
    sender = new_sender("rest")
    rasa_stack.send(sender, message)
    follow = rasa_stack.send(sender, "I need a break")
    assert "come back" in texts(follow).lower()


def test_gibberish_gets_a_clarifying_question_not_a_flow(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    replies = rasa_stack.send(sender, "qwpoeiruty zmxncb")
    assert "not sure I understood" in texts(replies)
    assert not rasa_stack.tracker(sender)["active_loop"]


def test_a_break_mid_rules_goes_to_the_pause_but_timeout_can_be_the_signal(rasa_stack: RasaStack,
                                                                           stack_db: str) -> None:
    sender = new_sender("rest")
    rasa_stack.send(sender, "can we set some ground rules")
    asked_length = rasa_stack.send(sender, "timeout")
    assert "how long" in texts(asked_length).lower()
    replies = rasa_stack.send(sender, "I need a break, this is too much right now")
    assert "come back" in texts(replies).lower()
    assert rasa_stack.tracker(sender)["active_loop"].get("name") == "pause_form"


def test_starting_a_flow_asks_one_question_once(rasa_stack: RasaStack, stack_db: str) -> None:
    sender = new_sender("rest")
    replies = rasa_stack.send(sender, "we need some rules before we talk about the affair again")
    assert "few words" not in texts(replies)
    assert texts(replies).count("pause signal") == 1
    replies = rasa_stack.send(sender, "I want to ask him something")
    assert "few words" not in texts(replies)


@pytest.mark.parametrize("first, number", [("i want to kill myself", "988"), ("he choked me last night", "1-800-799-7233")])
def test_a_crisis_as_the_first_message_gets_help_before_any_welcome(rasa_stack: RasaStack, stack_db: str,
                                                                    first: str, number: str) -> None:
    """Help first: no welcome or disclaimer comes before the crisis card in a new conversation."""
    replies = rasa_stack.send(new_sender("rest"), first, {"country": "US"})
    assert replies and (replies[0].get("custom") or {}).get("kintsugi", {}).get("kind") == "crisis"
    assert number in replies[0]["custom"]["kintsugi"]["text"]
    assert "help the two of you" not in texts(replies)  # no welcome (the AI disclosure may follow the card)


def test_an_ordinary_first_message_is_still_welcomed(rasa_stack: RasaStack, stack_db: str) -> None:
    replies = rasa_stack.send(new_sender("rest"), "hello", {"country": "US"})
    assert "help the two of you" in texts(replies)


def test_a_worrying_line_inside_the_rules_form_is_never_stored_as_an_answer(rasa_stack: RasaStack,
                                                                           stack_db: str) -> None:
    """The detector reads every message before a form may take it as the answer to its question."""
    sender = new_sender("rest")
    rasa_stack.send(sender, "we need some ground rules", {"country": "US"})
    replies = rasa_stack.send(sender, "i honestly fucking want to be dead", {"country": "US"})
    assert "988" in texts(replies)
    slots = rasa_stack.tracker(sender)["slots"]
    assert slots.get("rule_pause_signal") is None and slots.get("active_loop") is None
