"""The yes/no/maybe list and 'where are we going', run as the action server runs them (issue 16)."""
from __future__ import annotations

import re

from typing import Any, Dict, List, Optional

import pytest

from actions.closeness import (ActionAskClosenessAnswer, ActionClosenessStart, ActionClosenessWrapup,
                               ValidateClosenessForm)
from actions.private_notes import ActionPrivateDelete, ActionPrivatePick
from actions.reflection import (ActionAskReflectionAnswer, ActionReflectionDelivered, ActionReflectionStart,
                                ActionReflectionWrapup, ValidateReflectionForm)
from bot import clock, closeness, storage
from bot.config import get_settings
from bot.storage import private_notes
from tests.action_kit import responses, run, run_validation, tracker

ANA = {"partner_id": "tg:101", "display_name": "Ana", "channel": "telegram", "chat_type": "private"}
BEN = {**ANA, "partner_id": "tg:102", "display_name": "Ben"}
GROUP = {**ANA, "chat_type": "group"}
NO = "No, not now"


def _linked() -> int:
    ana = storage.identify("tg-101", "tg:101")
    storage.identify("tg-102", "tg:102")
    storage.redeem_link_code(storage.create_link_code(ana.couple_id, ana.partner_id), "tg-102")
    return ana.couple_id


def _ask(sender: str, meta: Dict[str, Any]) -> Dict[str, Any]:
    _, messages = run(ActionAskClosenessAnswer(), tracker(sender, "", metadata=meta, active_loop="closeness_form"))
    assert len(messages) == 1
    return messages[0]


def _answer(sender: str, meta: Dict[str, Any], said: str, intent: str = "inform") -> Dict[str, Any]:
    result, _ = run_validation(ValidateClosenessForm(), "closeness_answer", said,
                               tracker(sender, said, intent, metadata=meta, active_loop="closeness_form"))
    return result


def _press(message: Dict[str, Any], title: str) -> str:
    return next(b["payload"] for b in message["buttons"] if b["title"] == title)


def sort_list(sender: str, meta: Dict[str, Any], picks: Dict[str, str], typed: Optional[Dict[str, str]] = None,
              own: Optional[List[tuple]] = None) -> Dict[str, Any]:
    """Sort the whole list: ``picks`` item text → button title (else 'No, not now'); ``typed`` item → condition."""
    _, said = run(ActionClosenessStart(), tracker(sender, "yes no maybe list", "closeness_list", metadata=meta))
    assert responses(said) == ["utter_closeness_intro"]
    own = list(own or [])
    while True:
        message = _ask(sender, meta)
        if message["response"] in ("utter_closeness_item", "utter_closeness_own_item"):
            title = picks.get(message["item"], NO)
            result = _answer(sender, meta, _press(message, title))
            if title == "Maybe, in my own words…":
                condition = _ask(sender, meta)
                assert condition["response"] == "utter_closeness_ask_condition"
                result = _answer(sender, meta, (typed or {})[message["item"]])
        elif message["response"] == "utter_closeness_own_offer":
            if own:
                item, title = own.pop(0)
                _answer(sender, meta, _press(message, "Add my own"))
                assert _ask(sender, meta)["response"] == "utter_closeness_ask_own"
                _answer(sender, meta, item)
                picks = {**picks, item: title}
                continue
            result = _answer(sender, meta, _press(message, "That's all"))
            assert result == {"closeness_answer": "done"}
            return result
        else:
            raise AssertionError(message)
        assert result == {"closeness_answer": None}


def test_a_group_gets_one_line_and_no_list(key: str) -> None:
    events, messages = run(ActionClosenessStart(), tracker("tg-g", "yes no maybe list", "closeness_list",
                                                            metadata=GROUP))
    assert responses(messages) == ["utter_private_in_group"]
    assert events == [{"event": "followup", "name": "action_listen", "timestamp": None}]
    _, messages = run(ActionReflectionStart(), tracker("tg-g", "where are we going", "where_are_we_going",
                                                        metadata=GROUP))
    assert responses(messages) == ["utter_private_in_group"]


def test_without_a_key_nothing_is_asked(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KINTSUGI_ENCRYPTION_KEY", raising=False)
    get_settings.cache_clear()
    _, messages = run(ActionClosenessStart(), tracker("tg-101", "yes no maybe list", "closeness_list", metadata=ANA))
    assert responses(messages) == ["utter_private_unavailable"]
    get_settings.cache_clear()


def test_buttons_are_opaque_and_the_items_are_the_projects(key: str) -> None:
    _linked()
    run(ActionClosenessStart(), tracker("tg-101", "yes no maybe list", "closeness_list", metadata=ANA))
    first = _ask("tg-101", ANA)
    assert first["item"] == "Holding hands" and first["position"] == 1 and first["total"] == len(closeness.items())
    titles = [b["title"] for b in first["buttons"]]
    assert titles == ["Yes", "Maybe, if we go slowly", "Maybe, if we talk first", "Maybe, if I can stop any time",
                      "Maybe, in my own words…", NO, "Stop for now"]
    for button in first["buttons"]:
        # only an opaque id (random base32: a word like "no" may turn up in it by chance, a title or id never)
        assert re.fullmatch(r'/private_pick\{"private_token":"[a-z2-7]{6,32}"\}', button["payload"]), button
        assert len(button["payload"].encode()) <= 64  # fits Telegram's callback data
        for word in ("hold_hands", "Holding", "maybe:", "Yes"):
            assert word not in button["payload"]
    texts = " ".join(i.text for i in closeness.items()).casefold()
    for closeness_word in ("holding hands", "lying close", "a long hug", "sleeping in the same bed", "having sex"):
        assert closeness_word in texts


def test_only_the_overlap_is_shown_to_both_with_conditions(key: str) -> None:
    _linked()
    sort_list("tg-101", ANA, {"Holding hands": "Yes", "A long hug": "Maybe, if we go slowly", "Having sex": NO,
                              "Sleeping in the same bed": "Yes", "Reading aloud in bed": "Yes"},
              own=[("Reading aloud in bed", "Yes")])
    _, waiting = run(ActionClosenessWrapup(), tracker("tg-101", "", slots={"closeness_answer": "done"}, metadata=ANA))
    assert responses(waiting) == ["utter_closeness_waiting"]
    sort_list("tg-102", BEN, {"Holding hands": "Maybe, in my own words…", "A long hug": "Yes", "Having sex": "Yes",
                              "Sleeping in the same bed": NO, "reading aloud in bed!": "Maybe, if we talk first"},
              typed={"Holding hands": "if we talk about it first 🙂"}, own=[("reading aloud in bed!", "Maybe, if we talk first")])
    for sender, meta, mine, theirs in (("tg-102", BEN, "maybe (if we talk about it first 🙂)", "yes"),
                                       ("tg-101", ANA, "yes", "maybe (if we talk about it first 🙂)")):
        _, said = run(ActionClosenessWrapup(), tracker(sender, "", slots={"closeness_answer": "done"}, metadata=meta))
        assert responses(said) == ["utter_closeness_overlap"]
        lines = said[0]["lines"].splitlines()
        assert lines[0] == f"• Holding hands: you {mine}; your partner {theirs}"
        assert any(line.startswith("• A long hug:") for line in lines)
        joined = "\n".join(lines)
        assert "Having sex" not in joined and "Sleeping in the same bed" not in joined  # a no on either side
        assert len(lines) == 3 and "aloud in bed" in lines[2]  # the own item both added, both yes/maybe


def test_typed_answers_stop_and_go_on(key: str) -> None:
    _linked()
    run(ActionClosenessStart(), tracker("tg-101", "yes no maybe list", "closeness_list", metadata=ANA))
    assert _answer("tg-101", ANA, "yes") == {"closeness_answer": None}
    assert _ask("tg-101", ANA)["item"] == "Sitting close on the sofa"
    assert _answer("tg-101", ANA, "maybe") == {"closeness_answer": None}
    assert _ask("tg-101", ANA)["response"] == "utter_closeness_ask_condition"
    assert _answer("tg-101", ANA, "x" * 5000) == {"closeness_answer": None}  # huge: cut, kept
    note = private_notes.read_note(storage.identify("tg-101", "tg:101").partner_id, "closeness")
    assert len(note["answers"]["sit_close"]["w"]) <= 200
    result, said = run_validation(ValidateClosenessForm(), "closeness_answer", "🤷",
                                  tracker("tg-101", "🤷", metadata=ANA, active_loop="closeness_form"))
    assert result == {"closeness_answer": None} and responses(said) == ["utter_closeness_use_buttons"]
    message = _ask("tg-101", ANA)
    assert _answer("tg-101", ANA, _press(message, "Stop for now")) == {"closeness_answer": "stop"}
    _, said = run(ActionClosenessWrapup(), tracker("tg-101", "", slots={"closeness_answer": "stop"}, metadata=ANA))
    assert responses(said) == ["utter_closeness_paused"]
    _, said = run(ActionClosenessStart(), tracker("tg-101", "my list", "closeness_list", metadata=ANA))
    assert responses(said) == ["utter_closeness_welcome_back"]
    assert _ask("tg-101", ANA)["item"] == message["item"]
    # an old button pressed outside the form is recorded and the list goes on
    events, said = run(ActionPrivatePick(), tracker("tg-101", _press(message, "Yes"), "private_pick", metadata=ANA))
    assert {"event": "followup", "name": "closeness_form", "timestamp": None} in events
    assert _ask("tg-101", ANA)["item"] != message["item"]


def test_an_id_from_an_earlier_list_is_left_alone_and_redo_and_delete(key: str) -> None:
    _linked()
    run(ActionClosenessStart(), tracker("tg-101", "yes no maybe list", "closeness_list", metadata=ANA))
    old = _ask("tg-101", ANA)
    sort_list_result = _answer("tg-101", ANA, _press(old, "Yes"))
    assert sort_list_result == {"closeness_answer": None}
    ana = storage.identify("tg-101", "tg:101")
    note = private_notes.read_note(ana.partner_id, "closeness")
    note["done"] = True
    private_notes.write_note(ana.partner_id, "closeness", note)
    _, said = run(ActionClosenessStart(), tracker("tg-101", "yes no maybe list", "closeness_list", metadata=ANA))
    assert responses(said) == ["utter_closeness_waiting", "utter_closeness_done_menu"]
    redo = said[1]["buttons"][0]["payload"]
    _, said = run(ActionClosenessStart(), tracker("tg-101", redo, "closeness_list", metadata=ANA,
                                                  entities=[{"entity": "private_mode", "value": "redo"}]))
    assert responses(said) == ["utter_closeness_again", "utter_closeness_intro"]
    result, said = run_validation(ValidateClosenessForm(), "closeness_answer", _press(old, "Yes"),
                                  tracker("tg-101", _press(old, "Yes"), "private_pick", metadata=ANA,
                                          active_loop="closeness_form"))
    assert result == {"closeness_answer": None} and responses(said) == ["utter_private_old_button"]
    assert private_notes.read_note(ana.partner_id, "closeness")["answers"] == {}
    _, said = run(ActionPrivateDelete(), tracker("tg-101", "delete my list", "delete_private_note", metadata=ANA))
    assert responses(said) == ["utter_private_deleted"]
    assert private_notes.read_note(ana.partner_id, "closeness") is None
    _, said = run(ActionPrivateDelete(), tracker("tg-101", "delete my list", "delete_private_note", metadata=ANA))
    assert responses(said) == ["utter_private_nothing_to_delete"]


def _reflect(sender: str, meta: Dict[str, Any], direction: str, answers: List[str], choice: List[str]) -> str:
    run(ActionReflectionStart(), tracker(sender, "where are we going", "where_are_we_going", metadata=meta))
    outcome = None
    for step in [direction, *answers, *choice]:
        _, messages = run(ActionAskReflectionAnswer(), tracker(sender, "", metadata=meta,
                                                               active_loop="reflection_form"))
        buttons = {b["title"]: b["payload"] for b in messages[0].get("buttons") or []}
        said = buttons.get(step, step)
        result, _ = run_validation(ValidateReflectionForm(), "reflection_answer", said,
                                   tracker(sender, said, metadata=meta, active_loop="reflection_form"))
        outcome = result["reflection_answer"]
    return outcome


def test_a_reflection_is_kept_unless_the_writer_sends_it(key: str) -> None:
    couple = _linked()
    outcome = _reflect("tg-101", ANA, "Not sure yet", ["Some days I want to stay", "skip", "Maybe a little"],
                       ["Keep it just for me"])
    assert outcome == "kept"
    _, said = run(ActionReflectionWrapup(), tracker("tg-101", "", slots={"reflection_answer": "kept"}, metadata=ANA))
    assert responses(said) == ["utter_reflection_kept"] and storage.pending_reminders(couple) == []
    outcome = _reflect("tg-101", ANA, "Staying and rebuilding", ["Laughing at dinner again", "Skip this one", "Therapy"],
                       ["Send it to my partner", "Yes, send my words"])
    assert outcome == "shared"
    _, said = run(ActionReflectionWrapup(), tracker("tg-101", "", slots={"reflection_answer": "shared"},
                                                    metadata=ANA))
    assert responses(said) == ["utter_reflection_sent"]
    pending = storage.pending_reminders(couple)
    assert [(r.conversation_id, r.kind) for r in pending] == [("tg-102", "reflection")]
    assert "Laughing" not in str(pending[0].details)  # sealed in the reminder too
    storage.claim_due_reminders("test", now=clock.now())
    _, said = run(ActionReflectionDelivered(), tracker("tg-102", "", "EXTERNAL_reflection", metadata=BEN))
    assert responses(said) == ["utter_reflection_delivered"]
    assert said[0]["words"].startswith("Staying and rebuilding") and "Laughing at dinner again" in said[0]["words"]


def test_saying_no_to_sending_keeps_it(key: str) -> None:
    couple = _linked()
    assert _reflect("tg-101", ANA, "Parting with care", ["Gently", "Our friends", "My sister"],
                    ["Send it to my partner", "No, keep them private"]) == "kept"
    assert storage.pending_reminders(couple) == []


def test_stop_while_asked_for_a_condition_keeps_what_is_sorted(key: str) -> None:
    _linked()
    run(ActionClosenessStart(), tracker("tg-101", "yes no maybe list", "closeness_list", metadata=ANA))
    _answer("tg-101", ANA, _press(_ask("tg-101", ANA), "Maybe, in my own words…"))
    assert _ask("tg-101", ANA)["response"] == "utter_closeness_ask_condition"
    assert _answer("tg-101", ANA, "stop", "cancel") == {"closeness_answer": "stop"}
    note = private_notes.read_note(storage.identify("tg-101", "tg:101").partner_id, "closeness")
    assert note["answers"]["hold_hands"] == {"a": "maybe"} and "w" not in note["answers"]["hold_hands"]


def test_a_form_that_started_in_a_group_anyway_never_asks_there(key: str) -> None:
    """If the start action's call is lost (rasa then goes on with the form), the form still stops."""
    _, said = run(ActionAskClosenessAnswer(), tracker("tg-g", "yes no maybe list", metadata=GROUP,
                                                      active_loop="closeness_form"))
    assert responses(said) == ["utter_private_in_group"] and not said[0].get("buttons")
    _, said = run(ActionAskReflectionAnswer(), tracker("tg-g", "where are we going", metadata=GROUP,
                                                       active_loop="reflection_form"))
    assert responses(said) == ["utter_private_in_group"]
    result, said = run_validation(ValidateClosenessForm(), "closeness_answer", "yes",
                                  tracker("tg-g", "yes", metadata=GROUP, active_loop="closeness_form"))
    assert result == {"closeness_answer": "stop"} and said == []
    _, said = run(ActionClosenessWrapup(), tracker("tg-g", "", slots={"closeness_answer": "stop"}, metadata=GROUP))
    assert said == []
