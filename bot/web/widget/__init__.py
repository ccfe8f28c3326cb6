"""The embeddable web chat widget: one script tag puts Kintsugi on a clinic's page.

``setup_widget(app, settings)`` mounts the widget's files, its strings and help
lines, the pinned socket.io client and a demo embed page on the gateway app.
The browser talks to the rasa server's socket.io channel directly; use
``bot.rasa_plugins.widget_channel.WidgetSocketIOInput`` there (see its docstring).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from aiohttp import web

    from bot.config import Settings


def setup_widget(app: "web.Application", settings: "Settings") -> None:
    """Register the widget's routes on the gateway app."""
    from bot.web.widget.routes import register

    register(app, settings)
