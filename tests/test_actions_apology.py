"""The apology builder and the empathy nudge, run as the action server runs them."""
from __future__ import annotations

import re

import pytest

from actions.apology import ActionApologyWrapup, ActionAskApologySend, ActionStartApology, ValidateApologyForm
from actions.feelings import ActionListenToFeelings
from actions.pause import ActionReminderMessage
from bot import clock, storage
from bot.language.apology import draft, is_defensive, nudges, owning_note, send_choice
from bot.storage import events as ev
from tests.action_kit import custom, responses, run, run_validation, slot_events, tracker

ANA = {"partner_id": "tg:101", "display_name": "Ana", "channel": "telegram", "chat_type": "private"}
BEN = {**ANA, "partner_id": "tg:102", "display_name": "Ben"}
PARTS = {"apology_what": "i lied to you about where i was for months",
         "apology_chose": "i chose to keep it from you",
         "apology_impact": "it made you doubt what was real",
         "apology_change": "i ended all contact and my phone is open to you"}


@pytest.mark.parametrize("text, kind", [
    ("it wasn't that serious", "minimising"),
    ("it was only online", "minimising"),
    ("It was just texting, it meant nothing", "minimising"),
    ("if you'd been more interested in me this wouldn't have happened", "justifying"),
    ("because you never had time for me", "justifying"),
    ("she kept texting me and I was drunk", "blaming"),
    ("you made me feel so alone that I did it", "blaming"),
    ("when will you get over it", "rushing"),
    ("I want us to move on", "rushing"),
])
def test_wording_that_gives_ownership_away_is_noticed(text: str, kind: str) -> None:
    found = owning_note(text)
    assert found is not None and found.kind == kind
    assert found.instead and found.note


@pytest.mark.parametrize("text", [
    "I lied about where I was",
    "I chose to keep you in the dark",
    "It made you doubt everything we had",
    "I'm in therapy every week and I'll keep going",
    "I hurt you because you trusted me",
])
def test_owning_words_are_left_alone(text: str) -> None:
    assert owning_note(text) is None


@pytest.mark.parametrize("text, defensive", [
    ("That's not true, you're everything to me", True),
    ("I already said sorry", True),
    ("I already apologised, what more do you want", True),
    ("are we really still talking about this", True),
    ("when are you going to get over it", True),
    ("I hear how much this shook you", False),
    ("I'm so sorry, I know I hurt you", False),
    ("it's true, I lied", False),
    ("can we talk tonight after dinner", False),
])
def test_defensive_replies_are_told_apart(text: str, defensive: bool) -> None:
    assert is_defensive(text) is defensive


def test_only_a_clear_yes_sends() -> None:
    assert send_choice("yes, send it") is True
    assert send_choice("keep it for me") is False
    assert send_choice("don't send it") is False
    assert send_choice("hmm") is None


def test_the_draft_is_their_own_words() -> None:
    text = draft(list(PARTS.values()))
    for part in PARTS.values():
        assert part[1:] in text
    assert text.startswith("I lied") and text.count(".") == 4


def _validate(slot: str, value: str, **kwargs):
    return run_validation(ValidateApologyForm(), slot, value, tracker("ap-1", value, metadata=ANA, **kwargs))


def test_start_says_nothing_is_sent_without_a_yes(database: str) -> None:
    events, messages = run(ActionStartApology(), tracker("ap-1", "help me apologise", "build_apology",
                                                          metadata=ANA, slots={"apology_what": "old"}))
    assert responses(messages) == ["utter_apology_intro"]
    assert slot_events(events)["apology_what"] is None
    assert [e.type for e in storage.events_for(conversation_id="ap-1")] == [ev.APOLOGY_STARTED]


def test_minimising_is_pointed_out_once_with_an_owning_alternative(database: str) -> None:
    result, messages = _validate("apology_what", "I sent some messages but it was only online")
    assert result == {"apology_what": None, "apology_noted": ["apology_what"]}
    assert responses(messages) == ["utter_apology_owning"]
    assert "smaller" in messages[0]["note"] and messages[0]["instead"]
    # their words, their choice: the same step asked again keeps what they write
    result, messages = _validate("apology_what", "it was only online, but I lied",
                                 slots={"apology_noted": ["apology_what"]})
    assert result == {"apology_what": "it was only online, but I lied"}
    assert responses(messages) == ["utter_apology_kept_words"]
    coached = storage.events_for(conversation_id="ap-1", types=[ev.APOLOGY_COACHED])
    assert [e.details for e in coached] == [{"kind": "minimising", "step": "apology_what"}]


def test_an_owning_answer_is_taken_as_written(database: str) -> None:
    result, messages = _validate("apology_chose", "  I chose to keep it from you  ")
    assert result == {"apology_chose": "I chose to keep it from you"} and messages == []
    result, messages = _validate("apology_impact", "🙂")
    assert result == {"apology_impact": None} and responses(messages) == ["utter_apology_need_words"]


def test_the_draft_is_read_back_before_the_choice() -> None:
    _, messages = run(ActionAskApologySend(), tracker("ap-1", "", slots=PARTS))
    assert responses(messages) == ["utter_apology_read_back"]
    assert messages[0]["draft"] == draft(list(PARTS.values()))


def test_send_needs_a_clear_yes(database: str) -> None:
    result, messages = _validate("apology_send", "what do you mean")
    assert result == {"apology_send": None} and responses(messages) == ["utter_apology_send_unclear"]
    assert _validate("apology_send", "yes, send it")[0] == {"apology_send": "send"}
    assert _validate("apology_send", "keep it for me")[0] == {"apology_send": "keep"}


def _linked_couple():
    ana = storage.identify("tg-101", "tg:101")
    storage.identify("tg-102", "tg:102")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), "tg-102")
    return ana.couple_id


def test_kept_apology_goes_nowhere(database: str) -> None:
    couple = _linked_couple()
    events, messages = run(ActionApologyWrapup(), tracker("tg-101", "keep it for me", metadata=ANA,
                                                          slots={**PARTS, "apology_send": "keep"}))
    assert responses(messages) == ["utter_apology_kept"]
    assert storage.pending_reminders(couple) == []
    assert slot_events(events)["apology_what"] is None


def test_sent_apology_reaches_the_partners_private_chat_only(database: str) -> None:
    couple = _linked_couple()
    storage.identify("tg-group", "tg:101", chat_type="group")
    _, messages = run(ActionApologyWrapup(), tracker("tg-101", "yes, send it", metadata=ANA,
                                                     slots={**PARTS, "apology_send": "send"}))
    assert responses(messages) == ["utter_apology_sent"]
    pending = storage.pending_reminders(couple)
    assert [(r.conversation_id, r.kind) for r in pending] == [("tg-102", "apology")]
    assert pending[0].details["text"] == draft(list(PARTS.values()))
    # the partner's chat says it when the reminder loop delivers it (rasa path: web and REST)
    claimed = storage.claim_due_reminders("test", now=clock.now())
    assert [r.conversation_id for r in claimed] == ["tg-102"]
    _, said = run(ActionReminderMessage(), tracker("tg-102", "", "EXTERNAL_reminder", metadata=BEN,
                                                   slots={"reminder_kind": "apology"}))
    assert responses(said) == ["utter_apology_delivered"] and said[0]["apology"].startswith("I lied")


def test_without_a_linked_partner_nothing_is_sent(database: str) -> None:
    storage.identify("tg-101", "tg:101")
    _, messages = run(ActionApologyWrapup(), tracker("tg-101", "yes", metadata=ANA,
                                                     slots={**PARTS, "apology_send": "send"}))
    assert responses(messages) == ["utter_apology_no_partner_chat"]
    assert storage.events_for(conversation_id="tg-101", types=[ev.APOLOGY_SENT]) == []


def _bot(text=None, kind=None):
    data = {"custom": {"kintsugi": {"kind": kind}}} if kind else {}
    return {"event": "bot", "text": text, "data": data, "timestamp": clock.timestamp()}


def test_a_defensive_reply_gets_one_kind_nudge(database: str) -> None:
    _, messages = run(ActionListenToFeelings(), tracker("nudge-1", "That's not true, you're everything to me",
                                                        metadata=ANA))
    assert len(messages) == 1 and re.search(r"I hear|I can see", messages[0]["text"])
    assert [e.type for e in storage.events_for(conversation_id="nudge-1")] == [ev.EMPATHY_NUDGED]


def test_the_nudge_is_rate_limited(database: str) -> None:
    from tests.action_kit import user_event

    history = [user_event("I already said sorry"), _bot(text=nudges()[0]), user_event("ok")]
    _, messages = run(ActionListenToFeelings(), tracker("nudge-2", "I already said sorry", history=history,
                                                        metadata=ANA))
    assert not any("I hear" in (m.get("text") or "") for m in messages)
    long_ago = [user_event("x"), _bot(kind="empathy_nudge")] + [user_event(f"m{i}") for i in range(7)]
    _, messages = run(ActionListenToFeelings(), tracker("nudge-2", "I already said sorry", history=long_ago,
                                                        metadata=ANA))
    assert len(messages) == 1 and messages[0]["text"] in nudges()


def test_in_a_group_the_nudge_goes_privately(database: str) -> None:
    group = {**ANA, "chat_type": "group", "addressed": False}
    events, messages = run(ActionListenToFeelings(), tracker("tg-g", "I already said sorry",
                                                             "couple_talk", metadata=group))
    private = custom(messages)
    assert len(messages) == 1 and private[0]["audience"] == "private" and private[0]["partner_id"] == "tg:101"
    assert private[0]["kind"] == "empathy_nudge"


def test_pain_without_defence_gets_no_nudge(database: str) -> None:
    _, messages = run(ActionListenToFeelings(), tracker("nudge-3", "I feel so hurt and alone", metadata=ANA))
    assert responses(messages) == ["utter_reflect_feelings"]
