"""HTTP routes of the widget: its files, strings, help lines and the demo embed page."""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable, Dict, Optional
from urllib.parse import urlsplit

from aiohttp import web

from bot import PROJECT_ROOT
from bot.config import Settings
from bot.readiness import add_ready_check
from bot.web.widget import content, mydata

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
SOCKET_IO_CLIENT = PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
SETTINGS_KEY = web.AppKey("kintsugi.widget.settings", Settings)
DEFAULT_LEAVE_URL = "https://www.google.com/"

# Files a host page loads cross-origin: scripts and styles must not be sniffed,
# and JSON must be readable from any embedding site (it carries nothing private).
PUBLIC_ASSET_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Access-Control-Allow-Origin": "*",
}
STATIC_FILES = {
    "/widget.js": ("widget.js", "application/javascript"),
    "/widget.css": ("widget.css", "text/css"),
    "/demo/demo.js": ("demo.js", "application/javascript"),
    "/demo/demo.css": ("demo.css", "text/css"),
}


def socket_url(settings: Settings) -> str:
    """The rasa socket.io address browsers use (may differ from the gateway's own rasa URL)."""
    return (settings.widget_socket_url or settings.rasa_url).rstrip("/")


def leave_url(settings: Settings) -> str:
    """Where "Leave quickly" sends a person by default."""
    return settings.widget_leave_url or DEFAULT_LEAVE_URL


def _origin(url: str) -> str:
    """``scheme://host:port`` of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def demo_csp(settings: Settings) -> str:
    """A strict Content-Security-Policy for the demo page: no inline script, no eval."""
    rasa = _origin(socket_url(settings))
    ws = rasa.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' {rasa} {ws}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ])


def _static_handler(name: str, content_type: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A handler that serves one file of ``static/``."""
    path = STATIC / name

    async def handler(_request: web.Request) -> web.StreamResponse:
        headers = {**PUBLIC_ASSET_HEADERS, "Content-Type": f"{content_type}; charset=utf-8",
                   "Cache-Control": "no-cache"}
        return web.FileResponse(path, headers=headers)

    return handler


async def socket_io_client(_request: web.Request) -> web.StreamResponse:
    """The pinned socket.io client from ``node_modules`` (installed by ``npm ci``)."""
    if not SOCKET_IO_CLIENT.is_file():
        log.error("socket.io client missing at %s: run `npm ci`", SOCKET_IO_CLIENT)
        return web.Response(status=503, text="socket.io client not installed; run `npm ci`\n")
    headers = {**PUBLIC_ASSET_HEADERS, "Content-Type": "application/javascript; charset=utf-8",
               "Cache-Control": "public, max-age=86400"}
    return web.FileResponse(SOCKET_IO_CLIENT, headers=headers)


def _json(data: object) -> web.Response:
    """A JSON answer any embedding page may read."""
    return web.json_response(data, headers={**PUBLIC_ASSET_HEADERS, "Cache-Control": "no-cache"})


def _settings(request: web.Request) -> Settings:
    """The settings the widget was set up with."""
    return request.app[SETTINGS_KEY]


def _help(request: web.Request, country: Optional[str]) -> Dict[str, object]:
    """Help lines for ``country``; if the directory fails, the one sentence that always holds."""
    settings = _settings(request)
    try:
        return content.help_for(country, settings.default_country, request.query.get("lang"))
    except Exception as exc:  # noqa: BLE001 - a broken directory must not take the widget down
        log.error("help lines unavailable: %s", type(exc).__name__)
        return {"country": country, "known": False, "intro": content.fallback_help(), "text": "",
                "resources": [], "elsewhere": []}


async def help_lines(request: web.Request) -> web.Response:
    """Help lines for ``?country=XX`` (or a time-zone guess); always answers something."""
    country = content.guess_country(request.query.get("country"), request.query.get("tz"))
    return _json(_help(request, country))


async def strings(request: web.Request) -> web.Response:
    """The widget's UI strings for ``?lang=``."""
    return _json(content.strings_for(request.query.get("lang")))


async def bootstrap(request: web.Request) -> web.Response:
    """Everything the widget needs at load: strings, help lines (its offline copy), defaults."""
    settings = _settings(request)
    country = content.guess_country(request.query.get("country"), request.query.get("tz"))
    return _json({
        "language": content.normalise_language(request.query.get("lang")),
        "country": country,
        "strings": content.strings_for(request.query.get("lang")),
        "help": _help(request, country),
        "leave_url": leave_url(settings),
    })


@lru_cache(maxsize=1)
def _templates() -> "jinja2.Environment":
    """The Jinja2 environment for the demo page, built on first use."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=jinja2.select_autoescape(["html"]))


def demo_snippet(settings: Settings, base_url: str) -> str:
    """The one-tag embed snippet as a clinic would paste it."""
    return (f'<script src="{base_url}/widget.js" data-server="{socket_url(settings)}" '
            f'data-practice="HARBOUR-7" defer></script>')


async def demo(request: web.Request) -> web.Response:
    """A fictional clinic's page with the widget embedded by its one-tag snippet."""
    settings = _settings(request)
    base_url = (settings.public_url or f"{request.scheme}://{request.host}").rstrip("/")
    html = _templates().get_template("demo.html").render(
        server=socket_url(settings), snippet=demo_snippet(settings, base_url),
    )
    headers: Dict[str, str] = {
        "Content-Security-Policy": demo_csp(settings),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=headers)


async def _vendor_ready() -> bool:
    """Ready only when the pinned socket.io client is installed."""
    return SOCKET_IO_CLIENT.is_file()


def register(app: web.Application, settings: Optional[Settings] = None) -> None:
    """Add the widget's routes (and its readiness check) to ``app``."""
    app[SETTINGS_KEY] = settings or app["settings"]
    for url, (name, content_type) in STATIC_FILES.items():
        app.router.add_get(url, _static_handler(name, content_type))
    app.router.add_get("/vendor/socket.io.min.js", socket_io_client)
    app.router.add_get("/widget/bootstrap", bootstrap)
    app.router.add_get("/widget/help", help_lines)
    app.router.add_get("/widget/strings", strings)
    app.router.add_post("/widget/mydata", mydata.download)  # a partner's own data (bot/web/widget/mydata.py)
    app.router.add_get("/demo", demo)
    add_ready_check(app, "widget", _vendor_ready)
