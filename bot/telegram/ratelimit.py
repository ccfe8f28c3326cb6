"""Telegram's flood limits: ptb's ``AIORateLimiter`` plus about one message a second per chat.

``AIORateLimiter`` keeps the bot under 30 messages a second overall and 20 a minute
per group. Telegram also asks for no more than about one message a second in any
one chat; a few of Kintsugi's replies often come together, so a chat may send a
short burst (``burst`` messages) and then one a second.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Coroutine, Dict

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

MAX_LIMITERS = 1024


class ChatRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` with an extra per-chat limit on messages sent."""

    def __init__(self, *, burst: int = 3, max_retries: int = 3, **kwargs: Any) -> None:
        super().__init__(max_retries=max_retries, **kwargs)
        self._burst = burst
        self._chats: Dict[Any, AsyncLimiter] = {}

    def _chat_limiter(self, chat_id: Any) -> AsyncLimiter:
        if len(self._chats) > MAX_LIMITERS:  # forget chats whose bucket has drained
            for key, limiter in list(self._chats.items()):
                if key != chat_id and limiter.has_capacity(limiter.max_rate):
                    del self._chats[key]
        if chat_id not in self._chats:
            # A bucket of `burst` messages that drains at one message a second.
            self._chats[chat_id] = AsyncLimiter(max_rate=self._burst, time_period=self._burst)
        return self._chats[chat_id]

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: Dict[str, Any], endpoint: str, data: Dict[str, Any],
                              rate_limit_args: Any) -> Any:
        """Wait for the chat's turn when sending a message, then apply ptb's own limits."""
        chat_id = data.get("chat_id")
        if chat_id is None or not endpoint.startswith("send"):
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        async with self._chat_limiter(chat_id):
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
