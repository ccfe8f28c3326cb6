"""The action server: rasa-sdk's app behind the shared secret with the rasa server.

``python -m bot.action_server [--port N] [--actions actions]`` (what ``kintsugi run``, the
tests and the container's ``actions`` command start) builds rasa-sdk's own Sanic app and
puts one request middleware in front of it: every request except ``GET /health`` (the
probes) must carry the bearer token and a fresh signature made with
``KINTSUGI_ACTION_TOKEN`` (see ``bot.action_auth``), or it is answered 401 before any
action code runs. Without a token the server does not start. It listens on
``KINTSUGI_BIND`` (127.0.0.1 unless said otherwise).
"""
from __future__ import annotations

import argparse
import logging
import sys
import zlib
from typing import List, Optional

from bot import action_auth
from bot.config import Settings

log = logging.getLogger("bot.action_server")
OPEN_PATHS = {("GET", "/health")}


def create_app(settings: Settings, actions: str = "actions"):  # noqa: ANN201 - a Sanic app
    """rasa-sdk's app for ``actions``, refusing every unauthenticated request with 401."""
    from rasa_sdk.endpoint import create_app as sdk_app
    from sanic import response

    token = settings.action_token
    if not token:
        raise SystemExit("KINTSUGI_ACTION_TOKEN is not set: the action server never runs without its secret")
    nonces = action_auth.NonceMemory(settings.redis_url)
    app = sdk_app(actions, cors_origins="", auto_reload=False)

    @app.middleware("request")
    async def require_rasa(request):  # noqa: ANN001, ANN202 - Sanic's types
        if (request.method, request.path) in OPEN_PATHS:
            return None
        body = request.body or b""
        if request.headers.get("Content-Encoding") == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                return response.json({"error": "unauthorized"}, status=401)
        try:
            refused = action_auth.verify(
                token, authorization=request.headers.get("Authorization", ""),
                signature_header=request.headers.get(action_auth.HEADER, ""),
                host=request.headers.get("Host", ""), method=request.method, path=request.path, body=body,
                nonces=nonces)
        except Exception:  # noqa: BLE001 - e.g. Redis unreachable: refuse rather than run unchecked
            log.exception("could not check an action call")
            return response.json({"error": "unavailable"}, status=503)
        if refused:
            log.warning("refused %s %s from %s: %s", request.method, request.path, request.ip, refused)
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.exception(Exception)
    async def failed(request, exception: Exception):  # noqa: ANN001, ANN202 - Sanic's types
        # rasa-sdk's own handler answers with the whole request (the tracker, the person's words),
        # which the rasa server then logs; ours names the failure only.
        log.error("action call failed (%s)", type(exception).__name__)
        return response.json({"error": "the action failed", "kind": type(exception).__name__}, status=500)

    return app


def main(argv: Optional[List[str]] = None) -> int:
    """Start the action server until it is stopped."""
    from rasa_sdk import utils
    from rasa_sdk.plugin import plugin_manager

    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__)
    settings = Settings.from_env()
    parser.add_argument("--port", type=int, default=settings.action_port)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    app = create_app(settings, args.actions)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    log.info("Action server on http://%s:%s (every call needs the shared secret)", settings.bind, args.port)
    app.run(settings.bind, args.port, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
