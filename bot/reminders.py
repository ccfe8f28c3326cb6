"""Due reminders, delivered by the gateway: at their time, after a restart, once each.

A background loop claims due reminders (``claim_due_reminders``: a row lock on
PostgreSQL, a conditional update elsewhere, so two gateways never send the same
one) and delivers them through the senders the channels register
(``register_sender``; Telegram's is ``bot.telegram.reminders``). A conversation
no sender takes (web widget, REST) gets its reminder from rasa: the intent
``EXTERNAL_reminder`` with the entity ``reminder_kind`` is triggered on the
conversation's latest output channel. This module knows no channel.

A failed delivery is released again after a growing pause (15 s, 30 s, 1 min, ...),
and given up after ``MAX_ATTEMPTS``. If this process dies holding a claim, the
claim's lease runs out and another gateway (or this one, restarted) sends it.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from typing import Dict, List, Optional, Protocol

from aiohttp import web

from bot.config import Settings
from bot.rasa_client import RasaClient, rasa_client_for
from bot.storage.retention import RetentionJob
from bot.storage import (
    CHECKIN_KIND,
    HELD_KINDS,
    SUMMARY_KIND,
    DueReminder,
    checkin_on_hold,
    claim_due_reminders,
    hold_ritual_reminder,
    mark_reminder_sent,
    plan_rituals,
    release_reminder,
)

log = logging.getLogger(__name__)

APP_KEY: "web.AppKey[ReminderLoop]" = web.AppKey("kintsugi.reminders", object)
SENDERS: "web.AppKey[List[ReminderSender]]" = web.AppKey("kintsugi.reminder_senders", list)
REMINDER_INTENT = "EXTERNAL_reminder"
# Kinds rasa answers with their own intent (and rule) instead of EXTERNAL_reminder.
KIND_INTENTS = {CHECKIN_KIND: "EXTERNAL_checkin", SUMMARY_KIND: "EXTERNAL_promise_summary",
                "weekly_talk": "EXTERNAL_weekly_talk", "talk_turn": "EXTERNAL_talk_turn",
                # the weekly talk's step for the other partner, and the offer to resume after a pause
                "talk_step": "EXTERNAL_talk_turn", "talk_resume": "EXTERNAL_talk_turn",
                "money_date": "EXTERNAL_money_date",
                "reflection": "EXTERNAL_reflection"}
MAX_ATTEMPTS = 5
FIRST_RETRY = 15.0
LONGEST_RETRY = 600.0


class PermanentFailure(Exception):
    """Trying again will not help (the bot was removed from the chat, the chat is gone)."""


class NotReady(Exception):
    """The channel is still connecting: hand the reminder back without counting a failure."""


class ReminderSender(Protocol):
    """How one channel delivers reminders to its own conversations."""

    name: str

    def takes(self, conversation_id: str) -> bool:
        """True for the conversations this channel delivers to."""

    async def wait_ready(self) -> None:
        """Return once the channel can send (the loop waits up to 30 s at start)."""

    async def send(self, reminder: DueReminder) -> None:
        """Deliver one reminder; raise ``NotReady``, ``PermanentFailure`` or any error to retry."""


def register_sender(app: web.Application, sender: ReminderSender) -> None:
    """Let the reminder loop deliver ``sender``'s conversations through it."""
    app.setdefault(SENDERS, []).append(sender)


class RasaSender:
    """Any other conversation: rasa replies on the conversation's latest output channel."""

    name = "rasa"

    def __init__(self, rasa: RasaClient) -> None:
        self.rasa = rasa

    def takes(self, conversation_id: str) -> bool:
        """Every conversation."""
        return True

    async def wait_ready(self) -> None:
        """Rasa needs no warm-up here."""

    async def send(self, reminder: DueReminder) -> None:
        """Trigger ``EXTERNAL_reminder`` (or the kind's own intent) for the conversation."""
        await self.rasa.trigger_intent(reminder.conversation_id, KIND_INTENTS.get(reminder.kind, REMINDER_INTENT),
                                       {"reminder_kind": reminder.kind})


class ReminderLoop:
    """Claims and delivers due reminders every ``interval`` seconds."""

    def __init__(self, app: web.Application, settings: Settings, *, interval: float = 5.0,
                 first_retry: float = FIRST_RETRY) -> None:
        self.app = app
        self.settings = settings
        self.interval = interval
        self.first_retry = first_retry
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._failures: Dict[int, int] = {}
        self._task: Optional[asyncio.Task] = None
        self._retries: set = set()
        self._rasa: Optional[RasaClient] = None
        self._senders: List[ReminderSender] = []
        self.retention = RetentionJob(settings.retention_days)  # KINTSUGI_RETENTION_DAYS: once a day

    async def start(self) -> None:
        """Start the loop in the background."""
        self._rasa = rasa_client_for(self.settings)
        self._senders = [*self.app.get(SENDERS, []), RasaSender(self._rasa)]
        self._task = asyncio.create_task(self._run(), name="reminders")

    async def stop(self) -> None:
        """Stop the loop; claims in hand are released so another gateway can send them."""
        for task in [self._task, *self._retries]:
            if task is not None:
                task.cancel()
        for task in [self._task, *self._retries]:
            if task is not None:
                try:
                    await task
                except (asyncio.CancelledError, Exception):  # noqa: BLE001 - stopping anyway
                    pass
        if self._rasa is not None:
            await self._rasa.close()

    async def _run(self) -> None:
        log.info("reminders: worker %s checks every %.0fs", self.worker, self.interval)
        for sender in self._senders:  # a fresh start: give each channel a moment to connect first
            try:
                await asyncio.wait_for(sender.wait_ready(), timeout=30)
            except asyncio.TimeoutError:
                log.warning("reminders start while %s is still connecting", sender.name)
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a bad moment
                log.error("reminder loop error: %s", type(exc).__name__)
            await asyncio.sleep(self.interval)

    async def tick(self) -> int:
        """Plan the next check-in prompts, claim due reminders once and deliver them; returns how many were sent."""
        try:
            await asyncio.to_thread(plan_rituals)  # check-ins, weekly summaries (bot/storage/rituals.py)
        except Exception as exc:  # noqa: BLE001 - planning must not stop due reminders going out
            log.error("ritual planning failed: %s", type(exc).__name__)
        due = await asyncio.to_thread(claim_due_reminders, self.worker)
        sent = 0
        for reminder in due:
            sent += await self.deliver(reminder)
        await self._purge_old_messages()
        return sent

    async def _purge_old_messages(self) -> None:
        """Remove words older than ``KINTSUGI_RETENTION_DAYS`` once a day (``bot.storage.retention``)."""
        try:
            purged = await asyncio.to_thread(self.retention.run_if_due)
        except Exception as exc:  # noqa: BLE001 - reminders must go out even if the purge fails
            log.error("retention purge failed: %s", type(exc).__name__)
            return
        if purged is not None:
            log.info("retention: words older than %d days removed (%d tracker rows deleted, %d emptied)",
                     self.retention.days, purged.tracker_rows_deleted, purged.tracker_rows_emptied)

    async def deliver(self, reminder: DueReminder) -> int:
        """Deliver one claimed reminder and record the result."""
        if reminder.kind in HELD_KINDS and await asyncio.to_thread(checkin_on_hold, reminder.couple_id):
            # a pause or a crisis hold: a check-in is skipped today, a weekly summary waits
            outcome = await asyncio.to_thread(hold_ritual_reminder, reminder.id)
            log.info("%s %s %s: pause or hold", reminder.kind, reminder.id, outcome)
            return 0
        try:
            await self._send(reminder)
        except asyncio.CancelledError:
            await asyncio.to_thread(release_reminder, reminder.id)
            raise
        except NotReady:
            await asyncio.to_thread(release_reminder, reminder.id)
            return 0
        except PermanentFailure as exc:
            log.warning("reminder %s to %s given up: %s", reminder.id, reminder.conversation_id, exc)
            await asyncio.to_thread(release_reminder, reminder.id, give_up=True)
            return 0
        except Exception as exc:  # noqa: BLE001 - any failure is retried later
            self._retry_later(reminder, type(exc).__name__)
            return 0
        await asyncio.to_thread(mark_reminder_sent, reminder.id)
        self._failures.pop(reminder.id, None)
        log.info("reminder %s (%s) sent to %s", reminder.id, reminder.kind, reminder.conversation_id)
        return 1

    def _retry_later(self, reminder: DueReminder, reason: str) -> None:
        failures = self._failures.get(reminder.id, 0) + 1
        self._failures[reminder.id] = failures
        give_up = failures >= MAX_ATTEMPTS
        delay = 0.0 if give_up else min(self.first_retry * 2 ** (failures - 1), LONGEST_RETRY)
        log.warning("reminder %s failed (%s), attempt %d%s", reminder.id, reason, failures,
                    "; given up" if give_up else f"; again in {delay:.0f}s")
        if give_up:
            self._failures.pop(reminder.id, None)

        async def release() -> None:
            # Held claimed until then, so no other gateway retries it at once.
            try:
                await asyncio.sleep(delay)
            finally:  # on shutdown too: hand it back for the next gateway
                await asyncio.to_thread(release_reminder, reminder.id, give_up=give_up)

        task = asyncio.create_task(release())
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def _send(self, reminder: DueReminder) -> None:
        sender = next(s for s in self._senders if s.takes(reminder.conversation_id))
        await sender.send(reminder)


def setup_reminders(app: web.Application, settings: Settings) -> None:
    """Run the reminder loop with the gateway.

    ``KINTSUGI_REMINDER_INTERVAL`` (seconds between checks, default 5) and
    ``KINTSUGI_REMINDER_RETRY`` (first pause after a failed delivery, default 15) tune it.
    """
    loop = ReminderLoop(app, settings, interval=settings.reminder_interval, first_retry=settings.reminder_retry)
    app[APP_KEY] = loop

    async def on_startup(_app: web.Application) -> None:
        await loop.start()

    async def on_cleanup(_app: web.Application) -> None:
        await loop.stop()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
