"""The yes/no/maybe list and 'where are we going' through the real REST channel (issue 16).

Real rasa and action servers on one database: two partners sort their lists alone by
pressing the buttons the bot sends (opaque payloads) and typing conditions; each then sees
only the overlap. Afterwards no answer, condition or own item is anywhere but in those
overlap replies: not in any table (the sealed notes are ciphertext), not in the tracker
over the HTTP API, not in the therapist's transcript or exports, not in a partner's data
export, not in the servers' logs.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from sqlalchemy import create_engine, inspect, text

from bot import storage
from bot.config import get_settings
from tests.stack import RasaStack, new_sender

pytestmark = pytest.mark.stack

NO = "No, not now"
OWN_WORDS = "Maybe, in my own words…"
ANA_CONDITION = "after a slow walk together zebra41"
BEN_CONDITION = "if we go gently otter58"
OWN = "Reading aloud in bed quokka77"
REFLECTION = "we laughed on sunday heron93"
NEVER_STORED = (ANA_CONDITION, BEN_CONDITION, OWN.lower(), REFLECTION, "Maybe, if we go slowly", "Maybe, if I can stop",
                "your partner maybe")
ANA_PICKS = {"Holding hands": "Yes", "A long hug": OWN_WORDS, "Sleeping in the same bed": "Maybe, if we go slowly",
             "Having sex": NO, "Kissing for longer": "Yes", OWN: "Yes"}
BEN_PICKS = {"Holding hands": "Maybe, if I can stop any time", "A long hug": "Yes", "Sleeping in the same bed": "Yes",
             "Having sex": "Yes", "Kissing for longer": NO, OWN.lower(): OWN_WORDS}


@pytest.fixture
def sealed_key(rasa_stack: RasaStack, stack_db: str, monkeypatch: pytest.MonkeyPatch):
    """This process opens notes with the stack's key (to check what the servers stored)."""
    monkeypatch.setenv("KINTSUGI_ENCRYPTION_KEY", rasa_stack.stack.encryption_key)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def _button(replies: List[Dict[str, Any]], title: str) -> str:
    for reply in reversed(replies):
        for button in reply.get("buttons") or []:
            if button["title"] == title:
                return button["payload"]
    raise AssertionError(f"no button {title!r} in {replies}")


def _item(replies: List[Dict[str, Any]]) -> Optional[str]:
    for reply in reversed(replies):
        if reply.get("buttons") and any(b["title"] == "Yes" for b in reply["buttons"]):
            return reply["text"].split("\n")[-1].replace("Your own: ", "")
    return None


def sort_list(stack: RasaStack, sender: str, meta: Dict[str, Any], picks: Dict[str, str], condition: str,
              own: Optional[str] = None) -> List[Dict[str, Any]]:
    """Sort the whole list as a person would: press, type a condition, add an own item, finish."""
    replies = stack.send(sender, "let's do the yes no maybe list", meta)
    assert "Only what you both put in yes or maybe is ever shown" in texts(replies)
    for _ in range(60):
        item = _item(replies)
        if item is None:
            assert "something of your own" in texts(replies), replies
            if own:
                replies = stack.send(sender, _button(replies, "Add my own"), meta)
                replies = stack.send(sender, own, meta)
                own = None
                continue
            return stack.send(sender, _button(replies, "That's all"), meta)
        title = picks.get(item, NO)
        replies = stack.send(sender, _button(replies, title), meta)
        if title == OWN_WORDS:
            assert f'what would make "{item}" a yes' in texts(replies)
            replies = stack.send(sender, condition, meta)
    raise AssertionError("the list never ended")


def _everything_stored(url: str) -> str:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            dump = []
            for table in inspect(connection).get_table_names():
                dump += [json.dumps([str(v) for v in row]) for row in connection.execute(text(f'SELECT * FROM "{table}"'))]
    finally:
        engine.dispose()
    return "\n".join(dump)


def test_two_partners_sort_alone_and_each_sees_only_the_overlap(rasa_stack: RasaStack, sealed_key) -> None:
    ana_id, ben_id = new_sender("rest"), new_sender("rest")
    ana = {"partner_id": f"web:{ana_id}:A", "channel": "rest", "chat_type": "private", "country": "GB"}
    ben = {**ana, "partner_id": f"web:{ben_id}:B"}
    rasa_stack.send(ana_id, "hi", ana)
    rasa_stack.send(ben_id, "hi", ben)
    couple = storage.couple_of(ana_id)
    storage.redeem_link_code(storage.create_link_code(couple), ben_id)

    done = sort_list(rasa_stack, ana_id, ana, ANA_PICKS, ANA_CONDITION, own=OWN)
    assert "When your partner has sorted theirs too" in texts(done)
    done = sort_list(rasa_stack, ben_id, ben, BEN_PICKS, BEN_CONDITION, own=OWN.lower())
    ben_sees = texts(done)
    assert "Here is where you both said yes or maybe" in ben_sees
    assert f"• Holding hands: you maybe (Maybe, if I can stop any time); your partner yes" in ben_sees
    assert f"• A long hug: you yes; your partner maybe ({ANA_CONDITION})" in ben_sees
    assert f"• {OWN.lower()}: you maybe ({BEN_CONDITION}); your partner yes" in ben_sees
    assert "Having sex" not in ben_sees and "Kissing for longer" not in ben_sees  # one of them said no
    ana_sees = texts(rasa_stack.send(ana_id, "show our yes no maybe list", ana))
    assert f"• A long hug: you maybe ({ANA_CONDITION}); your partner yes" in ana_sees
    assert "Sleeping in the same bed: you maybe (Maybe, if we go slowly); your partner yes" in ana_sees
    assert "Having sex" not in ana_sees and "Kissing for longer" not in ana_sees
    assert "Start mine again" in json.dumps(rasa_stack.send(ana_id, "our list", ana))

    # where are we going: written, kept, then written again and sent by choice
    replies = rasa_stack.send(ana_id, "where are we going", ana)
    assert "unless you choose to send it" in texts(replies)
    replies = rasa_stack.send(ana_id, _button(replies, "Staying and rebuilding"), ana)
    replies = rasa_stack.send(ana_id, REFLECTION, ana)
    replies = rasa_stack.send(ana_id, _button(replies, "Skip this one"), ana)
    replies = rasa_stack.send(ana_id, "skip", ana)
    assert REFLECTION in texts(replies) and "keep it to yourself" in texts(replies)
    replies = rasa_stack.send(ana_id, _button(replies, "Send it to my partner"), ana)
    assert "exactly these words" in texts(replies)
    assert storage.pending_reminders(couple) == []  # one tap is not enough
    replies = rasa_stack.send(ana_id, _button(replies, "Yes, send my words"), ana)
    assert "because you chose to" in texts(replies)
    [sent] = storage.pending_reminders(couple)
    assert sent.conversation_id == ben_id and sent.kind == "reflection" and REFLECTION not in json.dumps(sent.details)
    storage.claim_due_reminders("test", now=sent.due_at)
    delivered = _trigger(rasa_stack, ben_id)
    assert REFLECTION in texts(delivered)

    # nothing private is stored anywhere in plain text, whoever reads it
    stored = _everything_stored(rasa_stack.database_url)
    for secret in NEVER_STORED:
        assert secret.lower() not in stored.lower(), secret
    assert "Holding hands" not in stored  # even the list's items asked were kept out of the tracker
    for sender in (ana_id, ben_id):
        tracker = json.dumps(rasa_stack.tracker(sender))
        assert all(s.lower() not in tracker.lower() for s in NEVER_STORED)
    logs = "\n".join(p.read_text(errors="replace") for p in Path(rasa_stack.log_dir).glob("*.log"))
    assert all(s.lower() not in logs.lower() for s in NEVER_STORED)

    for partner in (storage.partner_by_key(ana["partner_id"]), storage.partner_by_key(ben["partner_id"])):
        storage.set_share_consent(partner.id, True)
    from bot.storage.transcripts import transcript

    shown = json.dumps([(i.text, i.details) for i in transcript(couple).items], default=str)
    assert "hi" in shown and all(s.lower() not in shown.lower() for s in NEVER_STORED)
    try:
        from bot.storage.data_export import export_partner
    except ImportError:  # /mydata not in this checkout
        return
    # A partner's own data export (/mydata) is given to that partner alone and carries their own
    # notes (bot/storage/data_export.py); it never carries the other partner's answers or reflection.
    for key, others in ((ana["partner_id"], (BEN_CONDITION,)), (ben["partner_id"], (ANA_CONDITION, REFLECTION))):
        exported = json.dumps(export_partner(key), default=str)
        assert all(s.lower() not in exported.lower() for s in others), key


def _trigger(stack: RasaStack, sender: str) -> List[Dict[str, Any]]:
    """Trigger the reflection intent as the reminder loop does, and return what the bot said."""
    import urllib.request

    body = json.dumps({"name": "EXTERNAL_reflection", "entities": {"reminder_kind": "reflection"}}).encode()
    request = urllib.request.Request(
        f"{stack.rasa_url}/conversations/{sender}/trigger_intent?output_channel=latest&token={stack.token}",
        data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read()).get("messages") or []


def test_a_group_is_invited_to_a_private_chat_and_nothing_starts(rasa_stack: RasaStack, sealed_key) -> None:
    group = new_sender("rest")
    meta = {"partner_id": f"web:{group}:A", "channel": "rest", "chat_type": "group", "addressed": True}
    for said in ("yes no maybe list", "where are we going"):
        replies = rasa_stack.send(group, said, meta)
        assert "Open a private chat with me" in texts(replies)
        assert not any(r.get("buttons") for r in replies)
        assert rasa_stack.tracker(group)["active_loop"].get("name") is None
