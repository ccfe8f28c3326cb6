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


def _paragraphs(language: str, response: str, **values: str) -> list:
    """A response's paragraphs in ``language`` (a REST client may get each paragraph as its own message)."""
    from bot import private_words

    text = str(private_words.texts("apology", language)["responses"][response]).format(**values)
    return [p for p in text.split("\n\n") if p.strip()]


def _trigger_reminder(stack: RasaStack, sender: str, kind: str) -> list:
    """What rasa says when the reminder loop triggers ``kind`` for ``sender`` (bot/reminders.py's intent)."""
    import json
    import urllib.request

    from bot.reminders import KIND_INTENTS, REMINDER_INTENT

    body = json.dumps({"name": KIND_INTENTS.get(kind, REMINDER_INTENT), "entities": {"reminder_kind": kind}}).encode()
    request = urllib.request.Request(
        f"{stack.rasa_url}/conversations/{sender}/trigger_intent?output_channel=latest&token={stack.token}",
        data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read()).get("messages") or []


def test_a_spanish_writer_gets_every_step_the_note_and_the_read_back_in_spanish(rasa_stack: RasaStack,
                                                                                stack_db: str) -> None:
    from bot import private_words

    writer, partner = new_sender("rest"), new_sender("rest")
    ana = {"partner_id": f"web:{writer}:A", "channel": "rest", "chat_type": "private", "country": "ES",
           "language": "es"}
    ben = {"partner_id": f"web:{partner}:B", "channel": "rest", "chat_type": "private", "country": "ES"}
    rasa_stack.send(partner, "hola", ben)  # Ben's client names no language

    def step(message: str, response: str, **values: str) -> str:
        said = texts(rasa_stack.send(writer, message, ana))
        for paragraph in _paragraphs("es", response, **values):
            assert paragraph in said, (response, said)
        assert "your partner" not in said.lower() and "your own words" not in said.lower()
        return said

    said = step("ayúdame a pedir perdón", "utter_apology_intro")
    assert all(p in said for p in _paragraphs("es", "utter_ask_apology_what"))
    minimising = private_words.texts("apology", "es")["owning"]["minimising"]
    said = step("solo fueron mensajes por internet", "utter_apology_owning", note=minimising["note"],
                instead=minimising["instead"])
    assert _paragraphs("es", "utter_ask_apology_what")[0] not in said  # the note already asked again
    step("te mentí sobre ella durante meses", "utter_ask_apology_chose")
    step("elegí ocultártelo", "utter_ask_apology_impact")
    step("te hizo dudar de lo que era real", "utter_ask_apology_change")
    draft = ("Te mentí sobre ella durante meses. Elegí ocultártelo. Te hizo dudar de lo que era real. "
             "He bloqueado su número y voy a terapia cada semana.")
    replies = rasa_stack.send(writer, "he bloqueado su número y voy a terapia cada semana", ana)
    for paragraph in _paragraphs("es", "utter_apology_read_back", draft=draft):
        assert paragraph in texts(replies)
    buttons = [b for r in replies for b in r.get("buttons", [])]
    assert [(b["title"], b["payload"]) for b in buttons] == [("Enviársela a mi pareja", "yes, send it"),
                                                           ("Guardarla para mí", "keep it for me")]
    couple = storage.couple_of(writer)
    assert storage.pending_reminders(couple) == []  # nothing leaves before the writer says yes

    storage.redeem_link_code(storage.create_link_code(couple), partner)
    step("sí, envíasela", "utter_apology_sent")
    [sent] = storage.pending_reminders(couple)
    assert (sent.conversation_id, sent.kind, sent.details["text"], sent.details["language"]) == \
        (partner, "apology", draft, "es")
    assert rasa_stack.tracker(writer)["active_loop"].get("name") is None

    # what Ben sees when the reminder loop delivers it: Ana's words, framed in the language she wrote in
    storage.claim_due_reminders("test", now=sent.due_at)
    delivered = texts(_trigger_reminder(rasa_stack, partner, "apology"))
    for paragraph in _paragraphs("es", "utter_apology_delivered", apology=draft):
        assert paragraph in delivered


def test_a_german_writer_whose_client_names_no_language_is_answered_in_german(rasa_stack: RasaStack,
                                                                              stack_db: str) -> None:
    from bot import private_words

    writer = new_sender("rest")
    ana = {"partner_id": f"web:{writer}:A", "channel": "rest", "chat_type": "private", "country": "DE"}

    def step(message: str, response: str, **values: str) -> list:
        replies = rasa_stack.send(writer, message, ana)
        for paragraph in _paragraphs("de", response, **values):
            assert paragraph in texts(replies), (response, texts(replies))
        assert "your partner" not in texts(replies).lower()
        return replies

    step("hilf mir, mich richtig zu entschuldigen", "utter_ask_apology_what")
    note = private_words.texts("apology", "de")["owning"]["minimising"]
    step("es war doch nur online", "utter_apology_owning", note=note["note"], instead=note["instead"])
    step("es war doch nur online, aber ich habe dich belogen", "utter_apology_kept_words")  # their choice
    step("ich habe mich entschieden, es dir zu verschweigen", "utter_ask_apology_impact")
    step("es hat dich zweifeln lassen, was echt war", "utter_ask_apology_change")
    replies = step("ich habe ihre nummer blockiert und gehe jede woche zur therapie", "utter_apology_read_back",
                   draft="Es war doch nur online, aber ich habe dich belogen. Ich habe mich entschieden, es dir zu "
                         "verschweigen. Es hat dich zweifeln lassen, was echt war. Ich habe ihre nummer blockiert "
                         "und gehe jede woche zur therapie.")
    keep = [b for r in replies for b in r.get("buttons", []) if b["title"] == "Für mich behalten"]
    step(keep[0]["payload"], "utter_apology_kept")
    assert storage.pending_reminders(storage.couple_of(writer)) == []
