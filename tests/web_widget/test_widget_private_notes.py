"""The yes/no/maybe list and 'where are we going' in the widget (Chromium, real stack; issue 16).

Ana and Ben each have the widget open on their own device (two browser profiles, Ben's in German). Each
starts the list from plain words typed in the widget, sorts it alone by pressing its quick replies and
typing a condition in their own words, and ends at what they see: only the items both put in yes or
maybe, with the conditions, in their own language. Nothing the other said no to, and no condition of an
item outside the overlap, ever reaches the other's screen. Ana then writes a reflection and sends it
with two taps; it arrives on Ben's screen through the gateway's reminder loop. Afterwards none of the
private words is in any table of the database.

The widget has no way yet to link two devices (Telegram's /link makes the code); the two sessions are
linked here through storage, as the REST journey does.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, Iterator, List

import pytest

from bot import storage
from bot.config import Settings
from tests.stack import RasaStack
from tests.test_stack_private_notes import _everything_stored
from tests.web_widget.conftest import CSP_WATCH, LEAVE_URL, WidgetPage
from tests.web_widget.servers import ThreadedApp

pytestmark = [pytest.mark.stack, pytest.mark.browser]

REPLY = 90_000  # ms
ANA_CONDITION = "after a slow walk zebra41"
BEN_HIDDEN = "only when we both feel safe otter58"  # Ben's condition on an item Ana said no to: never hers to see
REFLECTION = "we laughed on sunday heron93"
OWN_WORDS = {"en": "Maybe, in my own words…", "de": "Vielleicht, mit eigenen Worten …"}
ANA_PICKS = {"Holding hands": "Yes", "A long hug": OWN_WORDS["en"], "Sleeping in the same bed": "Maybe, if we go slowly",
             "Having sex": "No, not now", "Kissing for longer": "Yes"}
BEN_PICKS = {"Händchen halten": "Vielleicht, wenn ich jederzeit aufhören kann", "Eine lange Umarmung": "Ja",
             "Im selben Bett schlafen": "Ja", "Miteinander schlafen": OWN_WORDS["de"], "Länger küssen": "Nein, jetzt nicht"}
CONDITIONS = {"A long hug": ANA_CONDITION, "Miteinander schlafen": BEN_HIDDEN}
NO = {"en": "No, not now", "de": "Nein, jetzt nicht"}
FINISH = {"en": "That's all", "de": "Das ist alles"}


@pytest.fixture(scope="module")
def gateway(rasa_stack: RasaStack) -> Iterator[ThreadedApp]:
    """The real gateway with a quick reminder loop (a sent reflection reaches the partner's socket)."""
    from bot.gateway import build_app

    settings = Settings(database_url=rasa_stack.database_url, rasa_url=rasa_stack.rasa_url, rasa_token=rasa_stack.token,
                        reminder_interval=1.0, widget_leave_url=LEAVE_URL)
    app = ThreadedApp(lambda: build_app(settings)).start()
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture
def device(browser: Any) -> Iterator[Callable[..., WidgetPage]]:
    """One person's own device: a browser profile in their language and zone, on the demo page."""
    contexts = []

    def make(base_url: str, locale: str, zone: str) -> WidgetPage:
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale, timezone_id=zone)
        context.add_init_script(CSP_WATCH)
        contexts.append(context)
        widget = WidgetPage(context.new_page(), base_url).goto()
        widget.open()
        widget.online()
        return widget

    yield make
    for context in contexts:
        context.close()


BUBBLES = ("() => Array.from(document.querySelector('#kintsugi-widget').shadowRoot.querySelectorAll('.msg.bot'))"
           ".map(m => Array.from(m.querySelectorAll('p.text')).map(p => p.innerText).join('\\n\\n'))")


def bubbles(widget: WidgetPage) -> List[str]:
    """The text of every bot bubble (rasa's socket.io channel sends each paragraph as its own message)."""
    return widget.page.evaluate(BUBBLES)


def quick(widget: WidgetPage) -> List[str]:
    return [b.strip() for b in widget.loc(".quick-btn").all_inner_texts()]


def turn(widget: WidgetPage, act: Callable[[], None], until: Callable[[str], bool], timeout: float = REPLY) -> str:
    """Do ``act`` (type or press); once the new bot bubbles, joined, satisfy ``until``, return them joined."""
    before = len(bubbles(widget))
    act()
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        new = bubbles(widget)[before:]
        if new and until("\n\n".join(new)):
            widget.wait_idle(REPLY)
            return "\n\n".join(bubbles(widget)[before:])
        widget.page.wait_for_timeout(150)
    raise AssertionError(f"no reply as expected; new: {bubbles(widget)[before:]!r}")


def press(widget: WidgetPage, title: str, until: Callable[[str], bool]) -> str:
    button = widget.loc(".quick-btn").get_by_text(title, exact=True)
    button.wait_for(timeout=REPLY)
    return turn(widget, button.click, until)


def sort_list(widget: WidgetPage, language: str, opening: str, picks: Dict[str, str],
              conditions: Dict[str, str], ending: str) -> str:
    """Sort the whole list as a person would; returns what the bot said after the last press."""
    said = turn(widget, lambda: widget.say(opening), lambda t: "(1 " in t and bool(quick(widget)))
    for _ in range(40):
        if FINISH[language] in quick(widget):
            return press(widget, FINISH[language], lambda t: ending in t)
        item = said.split("\n")[-1].strip()
        title = picks.get(item, NO[language])
        said = press(widget, title, lambda t: t.split("\n")[-1].strip() != item and bool(quick(widget)))
        if title == OWN_WORDS[language]:
            assert item in said  # "what would make ... a yes for you?"
            said = turn(widget, lambda: widget.say(conditions[item]),
                        lambda t: item not in t and bool(quick(widget)))
    raise AssertionError("the list never ended")


def overlap_lines(text: str) -> list:
    return [line for line in text.splitlines() if line.startswith("•")]


def test_two_partners_on_their_own_devices_see_only_where_they_meet(device, gateway: ThreadedApp,
                                                                      rasa_stack: RasaStack, stack_db: str) -> None:
    ana = device(gateway.url, "en-GB", "Europe/London")
    ben = device(gateway.url, "de-DE", "Europe/Berlin")
    turn(ana, lambda: ana.say("hi"), bool)
    turn(ben, lambda: ben.say("hi"), bool)
    couple = storage.couple_of(ana.session_id())
    storage.redeem_link_code(storage.create_link_code(couple), ben.session_id())

    done = sort_list(ana, "en", "let's do the yes no maybe list", ANA_PICKS, CONDITIONS, "sorted theirs too")
    assert "When your partner has sorted theirs too" in done
    assert quick(ana) == ["Our yes/no/maybe list"]

    done = sort_list(ben, "de", "the yes no maybe list please", BEN_PICKS, CONDITIONS, "Geht es langsam an")
    assert done.startswith("Hier habt ihr beide Ja oder Vielleicht gesagt"), done
    assert overlap_lines(done) == [
        "• Händchen halten: du vielleicht (Vielleicht, wenn ich jederzeit aufhören kann); dein Gegenüber ja",
        f"• Eine lange Umarmung: du ja; dein Gegenüber vielleicht ({ANA_CONDITION})",
        "• Im selben Bett schlafen: du ja; dein Gegenüber vielleicht (Vielleicht, wenn wir es langsam angehen)"]

    ana_sees = press(ana, "Our yes/no/maybe list", lambda t: "Start mine again" in quick(ana))
    assert overlap_lines(ana_sees) == [
        "• Holding hands: you yes; your partner maybe (Maybe, if I can stop any time)",
        f"• A long hug: you maybe ({ANA_CONDITION}); your partner yes",
        "• Sleeping in the same bed: you maybe (Maybe, if we go slowly); your partner yes"], ana_sees
    everything_ana_saw = "\n".join(bubbles(ana))
    assert BEN_HIDDEN not in everything_ana_saw and "Nein" not in everything_ana_saw  # Ben's other answers: never
    assert "Having sex" not in "\n".join(overlap_lines(ana_sees))  # she said no: not in the overlap

    # where are we going: written alone, sent with two taps, arriving on Ben's screen
    said = turn(ana, lambda: ana.say("where are we going"), lambda t: "Which feels closest today" in t and
                len(quick(ana)) == 3)
    assert quick(ana) == ["Staying and rebuilding", "Parting with care", "Not sure yet"]
    said = press(ana, "Not sure yet", lambda t: "Not knowing yet is allowed" in t)
    said = turn(ana, lambda: ana.say(REFLECTION), lambda t: "Skip this one" in quick(ana) and REFLECTION not in t)
    said = press(ana, "Skip this one", lambda t: "Skip this one" in quick(ana))
    said = press(ana, "Skip this one", lambda t: REFLECTION in t and quick(ana) == ["Keep it just for me",
                                                                                   "Send it to my partner"])
    said = press(ana, "Send it to my partner", lambda t: "exactly these words" in t)
    assert REFLECTION not in "\n".join(bubbles(ben))  # one tap is not enough
    said = press(ana, "Yes, send my words", lambda t: "because you chose to" in t)
    ben.page.wait_for_function(
        "w => Array.from(document.querySelector('#kintsugi-widget').shadowRoot.querySelectorAll('.msg.bot'))"
        ".some(m => m.textContent.includes(w))", arg=REFLECTION, timeout=REPLY)
    delivered = "\n\n".join(bubbles(ben))
    assert delivered.index("Dein Gegenüber hat eine private Reflexion") < delivered.index(REFLECTION), delivered

    # once both screens have confirmed what they were sent (the widget's replies wait in the database until
    # then), nothing private is stored in plain text anywhere in the database (notes and reminders are sealed)
    ana.wait_idle(REPLY)
    ben.wait_idle(REPLY)
    deadline = time.monotonic() + 30
    while REFLECTION.lower() in _everything_stored(rasa_stack.database_url).lower() and time.monotonic() < deadline:
        ben.page.wait_for_timeout(300)  # Ben's screen confirms the delivered reflection
    stored = _everything_stored(rasa_stack.database_url).lower()
    for secret in (ANA_CONDITION, BEN_HIDDEN, REFLECTION, "Händchen halten", "Holding hands"):
        assert secret.lower() not in stored, secret
    assert ana.csp_violations() == [] and ben.csp_violations() == []


def test_an_apology_and_a_reflect_first_nudge_start_from_plain_words(device, gateway: ThreadedApp,
                                                                        rasa_stack: RasaStack) -> None:
    """The apology builder and the defensiveness notice in the widget: typed words, the read-back, the nudge."""
    from bot.language.apology import nudges

    widget = device(gateway.url, "en-GB", "Europe/London")
    said = turn(widget, lambda: widget.say("how do I say sorry properly"), lambda t: "what did you do" in t.lower())
    assert "Nothing goes to your partner unless you choose to send it" in said
    said = turn(widget, lambda: widget.say("it was only online, we just texted"), lambda t: "own words" in t)
    assert "smaller" in said
    for part in ("I lied to you about her for months", "I chose to keep it from you",
                 "It made you doubt what was real"):
        turn(widget, lambda part=part: widget.say(part), bool)
    said = turn(widget, lambda: widget.say("I ended it and my phone is open to you"),
                lambda t: "Keep it for me" in quick(widget))
    assert "I lied to you about her for months. I chose to keep it from you. It made you doubt what was real." in said
    said = press(widget, "Keep it for me", lambda t: "it stays with you" in t)

    said = turn(widget, lambda: widget.say("That's not true, you're everything to me"), bool)
    assert any(n in said for n in nudges()), said

