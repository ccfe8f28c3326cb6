"""Issue 13's journey through the real channels, not a seeded database.

A therapist account is made with the CLI and signs in over HTTP; a practice code is
made in the app; a couple joins from a Telegram group (the real ptb Application
against the fake Bot API, real rasa and action server) and each partner consents,
one with /consent and a button, one in their own words; they talk; the therapist
reads the transcript over HTTP; one partner withdraws and their words leave the page
and the exports at once. Then each partner discloses a crisis in the group: help goes
to them privately and never to the group; the therapist is shown both crisis moments
(the couple list, the transcript, the weeks) but only the sharing partner's words and
details, and the filters never find words that were not shared. Another therapist gets
404 for all of it, and /forget takes the partner out of the therapist's view.
"""
from __future__ import annotations

import html
import io
import json
import re
from typing import Any, Dict

import aiohttp
import pytest

from bot import storage
from bot.telegram.texts import ui
from bot.web.review import setup_review
from bot.web.review.cli import therapist_main
from tests.review.conftest import csrf_of, fast_hashing  # noqa: F401 - fixture
from tests.stack import RasaStack
from tests.telegram.conftest import gateway_settings, start_gateway
from tests.telegram.fake_bot_api import private_chat
from tests.telegram.test_telegram_stack import UK_ABUSE_LINE, new_group, people, press, say

pytestmark = pytest.mark.stack

PASSWORD = "a quiet harbour in the rain"
ANA_CRISIS = "he choked me last night and took my phone"
BEN_CRISIS = "she hit me again and I'm scared to go home"
WEEK_ROW = re.compile(r'<tr class="crisis" data-week="[^"]+">(.*?)</tr>', re.S)
PRACTICE = "Willow Couples Therapy"


@pytest.fixture
def stack(rasa_stack: RasaStack, stack_db: str) -> RasaStack:
    return rasa_stack


def cli_add(monkeypatch, email: str, *extra: str) -> None:
    """``kintsugi therapist add EMAIL ...``, answering the password prompts."""
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    out, err = io.StringIO(), io.StringIO()
    assert therapist_main(["add", email, *extra], out=out, err=err) == 0, err.getvalue()


class Browser:
    """A therapist's browser: cookies kept, forms posted with their token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        response = await self.http.get(self.base + path, **kwargs)
        await response.read()
        return response

    async def post_form(self, page: str, action: str, data: Dict[str, str]) -> aiohttp.ClientResponse:
        token = csrf_of(await (await self.get(page)).text())
        response = await self.http.post(self.base + action, data={**data, "csrf": token}, allow_redirects=False)
        await response.read()
        return response

    async def sign_in(self, email: str) -> None:
        response = await self.post_form("/review/login", "/review/login", {"email": email, "password": PASSWORD})
        assert response.status == 303, await response.text()

    async def close(self) -> None:
        await self.http.close()


async def test_a_couple_joins_from_telegram_shares_and_withdraws(stack, bot_api, fast_hashing,  # noqa: F811
                                                                  monkeypatch) -> None:
    cli_add(monkeypatch, "willow@example.org", "--name", PRACTICE, "--timezone", "Europe/London")
    cli_add(monkeypatch, "someone.else@example.org", "--name", "Another Practice")
    settings = gateway_settings(bot_api, stack.rasa_url, rasa_token=stack.token)
    gateway = await start_gateway(settings, extra_parts=(setup_review,))  # Telegram and the review app, one gateway
    therapist, other = Browser(gateway.url), Browser(gateway.url)
    try:
        await therapist.sign_in("willow@example.org")
        made = await therapist.post_form("/review/practice", "/review/practice", {"label": "Journey couple"})
        assert made.status == 303
        code = re.search(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b", await (await therapist.get("/review/practice")).text())[1]

        ana, ben = people("Ana", "Ben")
        group = new_group()
        await say(bot_api, ana, group, "/start", at_least=2)
        joined = await say(bot_api, ana, group, f"/link {code}")
        assert joined == [ui("practice.joined", practice=PRACTICE)] and "willow@example.org" not in joined[0]

        asked = await say(bot_api, ana, group, "/consent")
        assert PRACTICE in asked[0]
        assert await press(bot_api, ana, group, ui("consent.turn_on", practice=PRACTICE)) == \
            [ui("consent.now_on", practice=PRACTICE)]
        offer = " ".join(await say(bot_api, ben, group, "share our chats with our therapist", reply_to_bot=True))
        assert f"not sharing with {PRACTICE}" in offer
        done = " ".join(await press(bot_api, ben, group, f"Share with {PRACTICE}"))
        assert f"sharing with {PRACTICE} now" in done
        assert storage.partner_by_key(f"tg:{ana.id}").consent_share and storage.partner_by_key(f"tg:{ben.id}").consent_share

        await say(bot_api, ana, group, "I still want to understand the late nights", reply_to_bot=True)
        await say(bot_api, ben, group, "I kept the receipts hidden because I was ashamed", reply_to_bot=True)
        paused = " ".join(await say(bot_api, ana, group, "/pause"))
        assert "come back" in paused.lower()
        await say(bot_api, ana, group, "in 30 minutes", reply_to_bot=True)

        couple = storage.couple_of(f"tg-{group['id']}")
        listed = await (await therapist.get("/review/couples")).text()
        assert f'/review/couples/{couple}"' in listed and "Ana (Partner A)" in listed
        page = await (await therapist.get(f"/review/couples/{couple}")).text()
        assert "I still want to understand the late nights" in page and "receipts hidden" in page
        assert "started the conversation" in page and "/greet" not in page
        assert re.search(r"Ana \(Partner A\) asked for a pause until [^<]+ \(30 minutes\)\.", page)

        withdrawn = await say(bot_api, ben, group, "/consent off")
        assert withdrawn == [ui("consent.now_off", practice=PRACTICE)]
        page = await (await therapist.get(f"/review/couples/{couple}")).text()
        assert "receipts hidden" not in page and "I still want to understand the late nights" in page
        assert "has not chosen to share" in page
        for fmt in ("json", "csv", "html"):
            exported = await (await therapist.get(f"/review/couples/{couple}/export.{fmt}")).text()
            assert "receipts hidden" not in exported and "late nights" in exported, fmt

        await crisis_moments(bot_api, therapist, ana, ben, group, couple)

        await other.sign_in("someone.else@example.org")
        for path in ("", "/rules", "/weeks", "/export.json", "/export.csv", "/export.html",
                     "?type=crisis_routed"):
            assert (await other.get(f"/review/couples/{couple}{path}")).status == 404, path
        assert f"/review/couples/{couple}\"" not in await (await other.get("/review/couples")).text()

        # Ben deletes his data: he leaves the therapist's view, his crisis moment with him
        ben_chat = private_chat(ben)
        assert await say(bot_api, ben, ben_chat, "/forget") == [ui("forget.confirm")]
        assert await press(bot_api, ben, ben_chat, ui("forget.delete")) == [ui("forget.done")]
        page = await (await therapist.get(f"/review/couples/{couple}")).text()
        assert "Ben (Partner B)" not in page and "has not chosen to share" not in page
        assert "I still want to understand the late nights" in page and ANA_CRISIS in page
        weeks = await (await therapist.get(f"/review/couples/{couple}/weeks")).text()
        assert _crisis_week(weeks)["crises"] == 1
    finally:
        await therapist.close()
        await other.close()
        await gateway.stop()


def _crisis_week(html: str) -> Dict[str, int]:
    """The one crisis week of the weeks table, as {measure: count}."""
    from bot.web.review.weeks import MEASURES

    rows = WEEK_ROW.findall(html)
    assert len(rows) == 1, rows
    return dict(zip(MEASURES, (int(n) for n in re.findall(r'<td class="num">(\d+)</td>', rows[0]))))


async def crisis_moments(bot_api, therapist: Browser, ana, ben, group, couple: int) -> None:
    """Ana (sharing) and then Ben (no longer sharing) disclose a crisis in the group."""
    for person, words in ((ana, ANA_CRISIS), (ben, BEN_CRISIS)):
        before_group, before_private = len(bot_api.sent(group["id"])), len(bot_api.sent(person.id))
        bot_api.push(bot_api.message(person, group, words))  # not addressed to the bot: it still answers
        private = await bot_api.replies(person.id, before_private)
        assert any(UK_ABUSE_LINE in text for text in private), private  # help lines, privately
        in_group = await bot_api.replies(group["id"], before_group)
        assert all(UK_ABUSE_LINE not in t and words not in t for t in in_group)  # never to the group
    assert all(UK_ABUSE_LINE not in t for t in bot_api.texts(group["id"]))

    listed = await (await therapist.get("/review/couples")).text()
    row = re.search(rf'<tr class="crisis" data-couple="{couple}">(.*?)</tr>', listed, re.S)
    assert row and "Crisis since your last visit (2)" in row.group(1)

    page = await (await therapist.get(f"/review/couples/{couple}")).text()
    assert "Crisis help sent privately to Ana (Partner A): partner violence, UK help lines." in page
    assert ANA_CRISIS in page  # Ana shares: her words and the help she was sent
    words = html.unescape(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1]))
    assert "Help lines sent: National Domestic Abuse Helpline (Refuge): 0808 2000 247" in words
    assert not re.search(r"\[|\]|\{|\}|\b(None|null|True|False)\b|\d{4}-\d{2}-\d{2}", words), words[-2000:]
    assert "Crisis support sent (Ben (Partner B)): details withheld, because this partner has not chosen to share." \
        in page
    assert "scared to go home" not in page and "Crisis help sent privately to Ben" not in page
    assert 'id="first-flag"' in page

    only_crises = await (await therapist.get(f"/review/couples/{couple}", params={"type": "crisis_routed"})).text()
    assert "2 entries" in only_crises and "late nights" not in only_crises and ANA_CRISIS not in only_crises
    found = await (await therapist.get(f"/review/couples/{couple}", params={"q": "CHOKED"})).text()
    assert ANA_CRISIS in found and "late nights" not in found
    hidden = await (await therapist.get(f"/review/couples/{couple}", params={"q": "scared"})).text()
    assert "Nothing to show here with these filters." in hidden  # words not shared are never searched
    category = await (await therapist.get(f"/review/couples/{couple}", params={"q": "partner_violence"})).text()
    listed = category.split('<ol class="transcript">')[1]
    assert "Ana (Partner A)" in listed and "Ben (Partner B)" not in listed  # nor his withheld details

    french = html.unescape(await (await therapist.get(f"/review/couples/{couple}",
                                                      headers={"Accept-Language": "fr-FR,fr"})).text())
    assert ("Aide de crise envoyée en privé à Ana (Partner A) : violence dans le couple, "
            "lignes d'aide (Royaume-Uni).") in french
    assert '<html lang="fr">' in french and "scared to go home" not in french

    weeks = await (await therapist.get(f"/review/couples/{couple}/weeks")).text()
    week = _crisis_week(weeks)
    assert week["crises"] == 2 and week["pauses"] >= 1 and week["messages"] >= 3
    assert "Weeks with a crisis: week of" in weeks and "scared to go home" not in weeks

    for fmt in ("json", "csv", "html"):
        exported = await (await therapist.get(f"/review/couples/{couple}/export.{fmt}")).text()
        assert "scared to go home" not in exported and ANA_CRISIS in exported, fmt
        assert "Crisis help sent privately to Ben" not in exported, fmt
    data = json.loads(await (await therapist.get(f"/review/couples/{couple}/export.json",
                                                  params={"type": "crisis_routed"})).text())
    assert [i["who"] for i in data["items"]] == ["Ana (Partner A)", "Ben (Partner B)"]
    assert data["items"][0]["details"]["category"] == "partner_violence"
    assert "category" not in data["items"][1]["details"]
