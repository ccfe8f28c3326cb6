"""A TCP proxy between the browser and the rasa server that can cut the widget's connection on cue.

The widget talks socket.io over a WebSocket. The proxy reads the browser's frames
(unmasking them; compression is switched off by dropping the extension header of
the upgrade request) and, when armed, closes every connection right after it has
passed a frame with a ``user_uttered`` event on to rasa: the browser loses its
connection, while rasa's side stays open (half-open, as on a mobile network that
drops) and what rasa sends into it goes nowhere. New connections are closed at once
until ``allow()``, which also closes rasa's side of the cut ones.
"""
from __future__ import annotations

import asyncio
import threading
from typing import List, Optional, Set

from tests.web_widget.servers import free_port


def _frames(buffer: bytearray) -> List[bytes]:
    """Complete client frames at the front of ``buffer`` (removed from it), payloads unmasked."""
    payloads: List[bytes] = []
    while len(buffer) >= 2:
        length, pos = buffer[1] & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                break
            length, pos = int.from_bytes(buffer[2:4], "big"), 4
        elif length == 127:
            if len(buffer) < 10:
                break
            length, pos = int.from_bytes(buffer[2:10], "big"), 10
        masked = bool(buffer[1] & 0x80)
        key = bytes(buffer[pos:pos + 4]) if masked else b"\0\0\0\0"
        pos += 4 if masked else 0
        if len(buffer) < pos + length:
            break
        body = buffer[pos:pos + length]
        payloads.append(bytes(b ^ key[i % 4] for i, b in enumerate(body)))
        del buffer[:pos + length]
    return payloads


def _without_compression(request: bytes) -> bytes:
    """The upgrade request without ``Sec-WebSocket-Extensions`` (so frames stay readable)."""
    lines = request.split(b"\r\n")
    return b"\r\n".join(line for line in lines if not line.lower().startswith(b"sec-websocket-extensions:"))


class Cutter:
    """The proxy, served from its own thread."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.armed = False
        self.blocked = False
        self.cut = threading.Event()
        self.passed_messages = 0
        self._links: Set["_Link"] = set()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        """What the widget's ``data-server`` points at."""
        return f"http://127.0.0.1:{self.port}"

    def arm(self) -> None:
        """Cut every connection right after the next user message has reached rasa."""
        self.cut.clear()
        self.armed = True

    def allow(self) -> None:
        """Let connections through again (and close rasa's side of the cut ones)."""
        self.blocked = False
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._release)

    def _release(self) -> None:
        for link in list(self._links):
            if link.dead:
                link.released.set()

    def start(self) -> "Cutter":
        ready = threading.Event()

        def run() -> None:
            loop = self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            server = loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", self.port))
            ready.set()
            loop.run_forever()
            server.close()
            for link in list(self._links):
                link.browser.close()
                link.rasa.close()
                link.released.set()
            loop.run_until_complete(server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None

    def _cut_all(self) -> None:
        """The browser loses every connection; rasa's side stays open, like a half-open mobile link."""
        for link in list(self._links):
            link.dead = True
            link.browser.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.blocked:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        link = _Link(writer, up_writer)
        self._links.add(link)
        try:
            await asyncio.gather(self._upstream(link, reader), self._downstream(link, up_reader),
                                 return_exceptions=True)
        finally:
            self._links.discard(link)
            writer.close()
            up_writer.close()

    async def _upstream(self, link: "_Link", reader: asyncio.StreamReader) -> None:
        """Browser → rasa: the upgrade request (uncompressed), then frames, watched for user messages."""
        head = bytearray()
        while b"\r\n\r\n" not in head:
            chunk = await reader.read(65536)
            if not chunk:
                return
            head += chunk
        end = head.index(b"\r\n\r\n") + 4
        link.rasa.write(_without_compression(bytes(head[:end])) + bytes(head[end:]))
        frames = bytearray(head[end:])
        _frames(frames)  # anything that came with the request is passed on, not watched
        while not link.dead:
            chunk = await reader.read(65536)
            if not chunk or link.dead:
                break
            link.rasa.write(chunk)
            await link.rasa.drain()
            frames += chunk
            if any(b'"user_uttered"' in payload for payload in _frames(frames)):
                self.passed_messages += 1
                if self.armed:
                    self.armed = False
                    self.blocked = True
                    self._cut_all()
                    self.cut.set()
        if link.dead:
            await link.released.wait()  # rasa's side stays open until the test lets connections through
        link.rasa.close()

    async def _downstream(self, link: "_Link", reader: asyncio.StreamReader) -> None:
        """Rasa → browser, passed on as it comes; after the cut it goes nowhere."""
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                link.browser.close()
                link.released.set()
                return
            if link.dead:
                continue
            link.browser.write(chunk)
            await link.browser.drain()


class _Link:
    """One browser connection and its connection to rasa."""

    def __init__(self, browser: asyncio.StreamWriter, rasa: asyncio.StreamWriter) -> None:
        self.browser = browser
        self.rasa = rasa
        self.dead = False
        self.released = asyncio.Event()
