"""Question coaching in a shared group goes to the asker alone when their private chat is known (issue 16).

Run as the action server runs the actions. The Telegram journey (tests/telegram/test_coaching_private_telegram.py)
shows the same through the gateway with two partners.
"""
from __future__ import annotations

from typing import Any, Dict, List

from actions.questions import ActionAskQuestionChoice, ActionQuestionWrapup, ValidateQuestionForm
from bot import storage
from tests.action_kit import custom, run, run_validation, tracker

GROUP = "tg--1007001"
ANA = {"partner_id": "tg:7001", "channel": "telegram", "chat_type": "group", "display_name": "Ana"}
QUESTION = "were the photos she sent you better than mine?"


def _offered(meta: Dict[str, Any]) -> Dict[str, Any]:
    result, _ = run_validation(ValidateQuestionForm(), "question_text", QUESTION,
                               tracker(GROUP, QUESTION, metadata=meta))
    return result


def _texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def test_the_wordings_and_the_chosen_one_go_to_the_askers_private_chat(database: str) -> None:
    storage.identify("tg-7001", "tg:7001", channel="telegram", chat_type="private")
    slots = _offered(ANA)
    _, said = run(ActionAskQuestionChoice(), tracker(GROUP, QUESTION, slots=slots, metadata=ANA))
    [private] = custom(said)
    assert private["audience"] == "private" and private["partner_id"] == "tg:7001"
    assert private["text"].count("the photos") == 3
    group = [m for m in said if not m.get("custom")]
    assert "the photos" not in _texts(group) and "private chat" in _texts(group)
    assert [b["title"] for b in group[0]["buttons"]] == ["1", "2", "3", "Keep my question", "My own words"]

    chosen, _ = run_validation(ValidateQuestionForm(), "question_choice", "wording 2",
                               tracker(GROUP, "wording 2", slots=slots, metadata=ANA))
    slots = {**slots, **chosen, "question_timing": "now"}
    _, said = run(ActionQuestionWrapup(), tracker(GROUP, "now", slots=slots, metadata=ANA))
    [private] = custom(said)
    assert private["partner_id"] == "tg:7001" and f'"{chosen["question_text"]}"' in private["text"]
    group = _texts([m for m in said if not m.get("custom")])
    assert chosen["question_text"] not in group and "in your own voice" in group
    assert said[-1]["response"] == "utter_answering_tips"  # the tips for the partner who answers, in the group


def test_without_a_private_chat_the_asker_is_coached_in_the_group_as_before(database: str) -> None:
    meta = {**ANA, "partner_id": "tg:7002"}
    slots = _offered(meta)
    _, said = run(ActionAskQuestionChoice(), tracker(GROUP, QUESTION, slots=slots, metadata=meta))
    assert custom(said) == [] and _texts(said).count("the photos") == 3
    assert said[0]["buttons"][0]["title"].startswith("1. ")


def test_a_widget_partners_own_session_is_where_a_chosen_send_goes(database: str) -> None:
    """A sent apology or reflection reaches the other partner's own widget session; a shared device never."""
    from actions.apology import partner_chats

    ana = storage.identify("sess-ana", "web:sess-ana:A", channel="web", chat_type="web")
    storage.identify("sess-ben", "web:sess-ben:A", channel="web", chat_type="web")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id), "sess-ben")
    ana = storage.identify("sess-ana", "web:sess-ana:A", channel="web", chat_type="web")
    assert partner_chats(ana) == ["sess-ben"]
    shared = storage.identify("sess-home", "web:sess-home:A", channel="web", chat_type="web")
    storage.identify("sess-home", "web:sess-home:B", channel="web", chat_type="web")
    shared = storage.identify("sess-home", "web:sess-home:A", channel="web", chat_type="web")
    assert shared.partner_count == 2 and partner_chats(shared) == []  # one screen for both: not "privately"


def test_an_apology_is_never_drafted_where_the_partner_reads(database: str) -> None:
    """In a group "help me apologise" gets one kind line pointing to a private chat, in the writer's language."""
    from actions.apology import ActionStartApology
    from tests.action_kit import responses

    events, said = run(ActionStartApology(), tracker(GROUP, "help me apologise", "apologise", metadata=ANA))
    assert responses(said) == ["utter_private_in_group"] and [(e["event"], e["name"]) for e in events] == [
        ("followup", "action_listen")]
    _, said = run(ActionStartApology(), tracker(GROUP, "help me apologise", "apologise",
                                                metadata={**ANA, "language": "es"}))
    assert said[0]["text"].startswith("Esto es solo para cada uno de vosotros")
    _, said = run(ActionStartApology(), tracker("tg-7001", "help me apologise", "apologise",
                                                metadata={**ANA, "chat_type": "private"}))
    assert responses(said) == ["utter_apology_intro"]
