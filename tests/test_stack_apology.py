"""The apology builder through the real REST channel: real rasa, real actions, real database."""
from __future__ import annotations

import pytest

from bot import storage
from bot.storage import events as ev
from tests.stack import RasaStack, new_sender
from tests.test_stack_flows import texts

pytestmark = pytest.mark.stack


def test_help_me_apologise_to_the_read_back_and_a_chosen_send(rasa_stack: RasaStack, stack_db: str) -> None:
    writer, partner = new_sender("rest"), new_sender("rest")
    ana = {"partner_id": f"web:{writer}:A", "channel": "rest", "chat_type": "private", "country": "GB"}
    ben = {**ana, "partner_id": f"web:{partner}:B"}
    rasa_stack.send(partner, "hi", ben)

    start = rasa_stack.send(writer, "help me apologise", ana)
    assert "nothing goes to your partner unless you choose" in texts(start).lower()
    assert "what did you do" in texts(start).lower()
    noted = rasa_stack.send(writer, "i texted her for months but it was only online", ana)
    assert "smaller" in texts(noted) and "in your own words" in texts(noted)
    rasa_stack.send(writer, "i lied to you about her for months", ana)
    rasa_stack.send(writer, "i chose to keep it from you", ana)
    rasa_stack.send(writer, "it made you doubt what was real", ana)
    read_back = rasa_stack.send(writer, "i stopped talking to her and i'm going to therapy", ana)
    assert ("I lied to you about her for months. I chose to keep it from you. It made you doubt what was real. "
            "I stopped talking to her and i'm going to therapy.") in texts(read_back)
    assert any(b.get("payload") == "yes, send it" for r in read_back for b in r.get("buttons", []))
    couple = storage.couple_of(writer)
    assert storage.pending_reminders(couple) == []  # nothing leaves before the writer says yes

    # once the two private chats are linked, a yes sends it to the partner's chat only
    code = storage.create_link_code(couple)
    storage.redeem_link_code(code, partner)
    sent = rasa_stack.send(writer, "yes, send it", ana)
    assert "sent it to your partner" in texts(sent)
    pending = storage.pending_reminders(couple)
    assert [(r.conversation_id, r.kind) for r in pending] == [(partner, "apology")]
    assert pending[0].details["text"].startswith("I lied to you about her")
    assert rasa_stack.tracker(writer)["active_loop"].get("name") is None
    kinds = [e.type for e in storage.events_for(couple_id=couple)]
    assert ev.APOLOGY_STARTED in kinds and ev.APOLOGY_COACHED in kinds and ev.APOLOGY_SENT in kinds


def test_a_defensive_reply_gets_one_reflect_first_nudge(rasa_stack: RasaStack, stack_db: str) -> None:
    from bot.language.apology import nudges

    sender = new_sender("rest")
    rasa_stack.send(sender, "hi")
    first = rasa_stack.send(sender, "That's not true, you're everything to me")
    assert any(n in texts(first) for n in nudges())
    again = rasa_stack.send(sender, "I already said sorry")
    assert not any(n in texts(again) for n in nudges())
    assert [e.type for e in storage.events_for(conversation_id=sender, types=[ev.EMPATHY_NUDGED])] == \
        [ev.EMPATHY_NUDGED]
