"""The rituals of connection in the person's language (issue 15): which language, and that every English
sentence the check-ins, promises, money dates and the weekly talk's slot say has a German, Spanish and
French one with the same placeholders (content/rituals_i18n/)."""
from __future__ import annotations

import re
from typing import Dict, List

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import ritual_words
from actions.checkins import ActionCheckinSetup
from actions.common import domain_responses
from actions.promises import ActionPromiseAdd
from bot import PROJECT_ROOT, content, private_words, storage
from bot.language.local_times import clock_in, each_own, slot_for
from bot.rituals import checkin_prompt, money_checklist_text, promise_summary_text, ritual_message
from tests.action_kit import run, tracker

LANGUAGES = ("de", "es", "fr")
MODULES = ("actions/checkins.py", "actions/checkin_extras.py", "actions/promises.py", "actions/money_dates.py")
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")


def used_responses() -> List[str]:
    """Every domain response these actions say (an f-string name stands for every response it can name), and
    the weekly talk's own responses said by the same helper."""
    domain = domain_responses()
    names = {"utter_talk_set", "utter_talk_ask_slot", "utter_talk_ask_action", "utter_talk_action_kept"}
    for path in MODULES:
        source = (PROJECT_ROOT / path).read_text()
        names |= set(re.findall(r'"(utter_[a-z_]+)"', source))
        for prefix in re.findall(r'f"(utter_[a-z_]+)\{', source):
            names |= {name for name in domain if name.startswith(prefix)}
    return sorted(names)


def english(name: str) -> Dict:
    return domain_responses()[name][0]


def test_the_responses_found_are_real_and_many() -> None:
    names = used_responses()
    assert len(names) >= 45 and all(name in domain_responses() for name in names)
    assert {"utter_checkin_share_both", "utter_promise_marked_not_sure", "utter_money_checklist_full"} <= set(names)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_response_has_a_translation_with_the_same_placeholders(language: str) -> None:
    translated = private_words.texts("rituals", language)["responses"]
    for name in used_responses():
        assert translated.get(name), f"{language}: {name} is missing"
        assert set(PLACEHOLDER.findall(translated[name])) == set(PLACEHOLDER.findall(english(name)["text"])), name


@pytest.mark.parametrize("language", LANGUAGES)
def test_buttons_with_words_have_translated_titles_in_the_same_number(language: str) -> None:
    titles = private_words.texts("rituals", language)["buttons"]
    for name in used_responses():
        buttons = english(name).get("buttons") or []
        if any(re.search(r"[A-Za-z]", b["title"]) for b in buttons):  # the mood buttons are emoji: the same
            assert len(titles.get(name) or []) == len(buttons), f"{language}: {name}"
    assert set(titles) <= set(used_responses())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_words_in_the_sentences_are_complete(language: str) -> None:
    texts, rituals = private_words.texts("rituals", language), content.load("rituals")
    assert len(texts["words"]["moods"]) == len(rituals["words"]["moods"]) == 5
    assert set(texts["words"]["days"]["sets"]) == set(rituals["words"]["days"]["sets"])
    assert {str(k) for k in texts["words"]["ordinals"]} == {str(n) for n in set(rituals["money_date"]["ordinals"].values())}
    assert len(texts["money_date"]["default_checklist"]) == len(rituals["money_date"]["default_checklist"])
    for key in ("summary_line", "summary_unmarked", "summary_intro", "summary_outro", "summary_none"):
        assert set(PLACEHOLDER.findall(texts["promises"][key])) == set(PLACEHOLDER.findall(rituals["promises"][key]))
    for key in ("opening", "checklist"):
        assert "{items}" in texts["money_date"][key]


def test_the_language_is_the_clients_else_the_kept_one_else_the_words() -> None:
    assert ritual_words.speaks(tracker("s", "can we do daily check-ins", metadata={"language": "es-ES"})) == "es"
    assert ritual_words.speaks(tracker("s", "/checkin_mood", metadata={}), kept="fr") == "fr"
    assert ritual_words.speaks(tracker("s", "ich verspreche dir, dass ich mein Handy beim Essen weglege und "
                                            "dir schreibe, wenn ich später komme", metadata={})) == "de"
    assert ritual_words.speaks(tracker("s", "I promise to text when plans change", metadata={})) == "en"
    assert ritual_words.speaks(tracker("s", "ok", metadata={"language": "de"}), kept="es") == "de"


def test_one_helper_says_a_response_with_translated_button_titles_over_the_domains_payloads() -> None:
    dispatcher = CollectingDispatcher()
    ritual_words.say(dispatcher, "de", "utter_checkin_share_ask")
    ritual_words.say(dispatcher, "es", "utter_promise_mark_ask", promise="avisarte", promise_id=7)
    ritual_words.say(dispatcher, "fr", "utter_checkin_mood_thanks", mood=ritual_words.mood_word(1, "fr"))
    ritual_words.say(dispatcher, "en", "utter_checkin_share_ask")
    share, mark, thanks, plain = dispatcher.messages
    assert share["text"].startswith("Was soll dein Gegenüber") and share["utter_action"] == "utter_checkin_share_ask"
    assert [b["title"] for b in share["buttons"]] == ["Meine Stimmung", "Meine Worte", "Beides", "Nichts"]
    assert share["buttons"][0]["payload"] == '/checkin_share{"checkin_share": "mood"}'
    assert mark["text"].startswith("«avisarte»") and [b["payload"] for b in mark["buttons"]][2] == \
        '/promise_mark{"promise_id": "7", "promise_mark": "not_sure"}'
    assert "c'est lourd" in thanks["text"] and thanks["response"] == "utter_checkin_mood_thanks"
    assert plain == {**plain, "response": "utter_checkin_share_ask", "text": None}


def test_days_and_times_in_the_persons_language() -> None:
    assert ritual_words.describe_days("0123456", "de") == "jeden Tag"
    assert ritual_words.describe_days("03", "de") == "jeden Montag und Donnerstag"
    assert ritual_words.describe_days("035", "es") == "cada lunes, jueves y sábado"
    assert ritual_words.describe_days("03", "en") == "on Mondays and Thursdays"
    assert ritual_words.day_name(6, "fr", "Sundays") == "dimanche" and ritual_words.day_name(6, "en", "Sundays") == "Sundays"
    assert ritual_words.ordinal(-1, "es", "last") == "último" and ritual_words.ordinal(2, "en", "second") == "second"
    assert clock_in(21, 0, "Europe/Berlin", "de") == "21:00 Uhr Ortszeit Berlin"
    assert clock_in(21, 0, "Europe/Berlin") == "9:00 pm Berlin time"
    assert each_own(7, 30, ["Europe/Madrid", "America/New_York"], "es") == \
        "7:30, hora de Madrid y 7:30, hora de Nueva York"
    assert slot_for(20, 0, "Europe/Paris", ["Asia/Tokyo"], 6, language="fr").startswith("20 h 00, heure de Paris (lundi ")


def test_the_prompt_a_channel_sends_itself_speaks_the_kept_language() -> None:
    german = checkin_prompt("daily", "de")
    assert german["text"].startswith("Zeit für deinen Check-in") and len(german["buttons"]) == 5
    assert german["buttons"][0]["payload"] == '/checkin_mood{"checkin_mood": "1"}'
    assert "petite chose" in checkin_prompt("appreciation", "fr")["text"]
    assert checkin_prompt("daily", "en") == content.load("channels/reminders")["checkin"]
    reminder = storage.DueReminder(1, 1, "tg-1", storage.CHECKIN_KIND, None,
                                   {"variant": "appreciation", "language": "es"})
    assert "una cosa pequeña" in ritual_message(reminder)["text"]


def test_set_up_in_german_and_the_prompts_keep_it(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Berlin")
    meta = {"partner_id": "rest:lena-chat", "timezone": "Europe/Berlin", "chat_type": "private", "language": "de"}
    lena = storage.identify("lena-chat", meta["partner_id"], timezone="Europe/Berlin", language="de")
    code = storage.create_link_code(lena.couple_id, lena.partner_id)
    storage.identify("tom-chat", "rest:tom-chat")  # his client names no language
    storage.redeem_link_code(code, "tom-chat")
    storage.note_checkin_partner(lena.couple_id, storage.identify("tom-chat", "rest:tom-chat").partner_id,
                                 timezone="Europe/Berlin")
    _, messages = run(ActionCheckinSetup(), tracker("lena-chat", "jeden Abend um 21 Uhr", "checkin_setup",
                                                    metadata=meta))
    assert messages[0]["text"].startswith("Erledigt.") and "jeden Tag um 21:00 Uhr Ortszeit Berlin" in messages[0]["text"]
    planned = {r.conversation_id: r.details["language"] for r in storage.pending_reminders(lena.couple_id)}
    assert planned == {"lena-chat": "de", "tom-chat": "de"}  # his own is unknown: the language it was set up in


def test_words_alone_choose_the_language_and_the_summary_and_checklist_speak_it(database: str, test_clock) -> None:
    test_clock.at("12:00", "Europe/Madrid")
    meta = {"partner_id": "rest:sol-chat", "timezone": "Europe/Madrid", "chat_type": "private"}
    sol = storage.identify("sol-chat", meta["partner_id"], timezone="Europe/Madrid")
    _, messages = run(ActionPromiseAdd(), tracker("sol-chat", "prometo avisarte cuando cambien los planes y "
                                                  "llamarte si llego tarde", "promise_add", metadata=meta))
    assert messages[0]["text"].startswith("He guardado tu promesa: «avisarte cuando cambien los planes")
    assert promise_summary_text(sol.couple_id, test_clock.now(), "es").startswith("Aquí tenéis vuestra semana")
    checklist = money_checklist_text(sol.couple_id, "checklist", "es")
    assert checklist.startswith("La lista de vuestra cita del dinero") and "1. Mirar juntos el presupuesto común" in checklist


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_word_today_is_read_in_every_language_and_a_real_note_is_kept(language: str) -> None:
    from actions.checkins import NO_NOTE

    titles = private_words.texts("rituals", language)["buttons"]
    for title in titles["utter_ask_checkin_note"] + titles["utter_checkin_ask_appreciation"]:
        assert NO_NOTE.match(title), title  # the button's words typed out mean no note too
    assert NO_NOTE.match({"de": "nichts", "es": "nada", "fr": "rien"}[language])
    assert not NO_NOTE.match({"de": "nichts Besonderes, aber ein ruhiger Abend", "es": "nada especial, pero tranquila",
                              "fr": "rien de spécial, mais une soirée calme"}[language])
