"""Issue 13's journey through the real channels, not a seeded database.

A therapist account is made with the CLI and signs in over HTTP; a practice code is
made in the app; a couple joins from a Telegram group (the real ptb Application
against the fake Bot API, real rasa and action server) and each partner consents,
one with /consent and a button, one in their own words; they talk; the therapist
reads the transcript over HTTP; one partner withdraws and their words leave the page
and the exports at once; another therapist gets 404 for all of it.
"""
from __future__ import annotations

import io
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
from tests.telegram.test_telegram_stack import new_group, people, press, say

pytestmark = pytest.mark.stack

PASSWORD = "a quiet harbour in the rain"
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
        assert "Ana (Partner A) asked for a pause until" in page

        withdrawn = await say(bot_api, ben, group, "/consent off")
        assert withdrawn == [ui("consent.now_off", practice=PRACTICE)]
        page = await (await therapist.get(f"/review/couples/{couple}")).text()
        assert "receipts hidden" not in page and "I still want to understand the late nights" in page
        assert "has not chosen to share" in page
        for fmt in ("json", "csv", "html"):
            exported = await (await therapist.get(f"/review/couples/{couple}/export.{fmt}")).text()
            assert "receipts hidden" not in exported and "late nights" in exported, fmt

        await other.sign_in("someone.else@example.org")
        for path in ("", "/rules", "/export.json", "/export.csv", "/export.html"):
            assert (await other.get(f"/review/couples/{couple}{path}")).status == 404, path
        assert f"/review/couples/{couple}\"" not in await (await other.get("/review/couples")).text()
    finally:
        await therapist.close()
        await other.close()
        await gateway.stop()
