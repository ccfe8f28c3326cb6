"""Keeping a started stack running: a part that stops is started again, with backoff (``kintsugi run``)."""
from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Callable, Dict

from bot.stack import Stack


def is_up(url: str, timeout: float = 1.0) -> bool:
    """Whether ``url`` answers 200 right now."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


PART_NAMES = {"rasa": "rasa server", "actions": "action server", "gateway": "gateway"}


class Supervisor:
    """Keeps a started ``Stack`` running: a part that stops is started again, with backoff.

    The first restart waits ``first_delay`` seconds, each further one twice as long as the one
    before (up to ``max_delay``); a part that stayed up for ``stable_after`` seconds before it
    stopped starts from ``first_delay`` again. Every stop, restart and recovery is said through
    ``say``. The other parts keep running meanwhile: the gateway answers crisis messages with
    help lines from its own check while rasa is away.
    """

    def __init__(self, stack: Stack, say: Callable[[str], None] = print, *, first_delay: float = 1.0,
                 max_delay: float = 60.0, stable_after: float = 60.0) -> None:
        self.stack = stack
        self.say = say
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self.restarts: Dict[str, int] = {}
        self._delay: Dict[str, float] = {}
        self._due: Dict[str, float] = {}  # part -> monotonic time of its next start
        self._started: Dict[str, float] = {name: time.monotonic() for name in stack.processes}
        self._recovering: set = set()

    def _log(self, name: str) -> str:
        return str(self.stack.log_dir / f"{name}.log") if self.stack.log_dir else "the terminal"

    def tick(self) -> None:
        """Look at every part once: notice stops, start what is due, announce recoveries."""
        now = time.monotonic()
        for name in list(self._started):
            label = PART_NAMES.get(name, name)
            if name in self._due:
                if now >= self._due[name]:
                    del self._due[name]
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    self.say(f"Starting the {label} again (restart {self.restarts[name]})...")
                    self.stack.launch(name)
                    self._started[name] = time.monotonic()
                    self._recovering.add(name)
                continue
            process = self.stack.processes.get(name)
            if process is None or process.poll() is not None:
                code = None if process is None else process.returncode
                if now - self._started[name] >= self.stable_after:
                    self._delay[name] = self.first_delay
                delay = self._delay.get(name, self.first_delay)
                self._delay[name] = min(delay * 2, self.max_delay)
                self._due[name] = now + delay
                self._recovering.discard(name)
                self.say(f"The {label} stopped (exit {code}); starting it again in {delay:.0f} s "
                         f"(log: {self._log(name)}). The gateway keeps answering meanwhile.")
                continue
            if name in self._recovering and is_up(self.stack.health_url(name)):
                self._recovering.discard(name)
                self.say(f"The {label} is back.")

    def run(self, stopping: Callable[[], bool], interval: float = 0.5) -> None:
        """Supervise until ``stopping()`` is true."""
        while not stopping():
            self.tick()
            time.sleep(interval)
