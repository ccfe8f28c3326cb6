"""The ``kintsugi`` command: run the stack, train, migrate, classify, manage therapists."""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

from bot import PROJECT_ROOT

if TYPE_CHECKING:  # pragma: no cover
    from bot.config import Settings


def _token_file(name: str = "rasa_token") -> Path:
    return PROJECT_ROOT / "var" / name


def _local_token(name: str = "rasa_token") -> str:
    """A secret from the environment, or one kept in var/ for this machine (mode 0600).

    ``rasa_token`` is the rasa API token (``KINTSUGI_RASA_TOKEN``), ``action_token`` the
    action server's shared secret (``KINTSUGI_ACTION_TOKEN``), ``encryption_key`` the key that
    seals private lists and reflections (``KINTSUGI_ENCRYPTION_KEY``).
    """
    import secrets

    from bot.config import get_settings

    settings = get_settings()
    token = {"action_token": settings.action_token, "encryption_key": settings.encryption_key}.get(
        name, settings.rasa_token)
    if token:
        return token
    path = _token_file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        if name == "encryption_key":  # a Fernet key (bot/sealed.py), not any random text
            from bot.sealed import new_key

            path.write_text(new_key())
        else:
            path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


def cmd_run(args: argparse.Namespace) -> int:
    """Start rasa, the action server and the gateway, and keep them running until Ctrl-C.

    A rasa server or action server (or gateway) that stops is started again with backoff
    (``bot.supervisor.Supervisor``); the other parts keep running, and the gateway answers crisis
    messages with help lines from its own check while rasa is away.
    """
    from bot.config import get_settings
    from bot.stack import Stack, train_if_changed
    from bot.supervisor import Supervisor
    from bot.storage import upgrade_database

    settings = get_settings()
    upgrade_database(settings.database_url)
    model = train_if_changed(force=args.train)
    log_dir = settings.log_dir.resolve()
    stack = Stack(database_url=settings.database_url, model=model, rasa_port=args.rasa_port,
                  action_port=args.action_port, gateway_port=args.gateway_port, token=_local_token(),
                  action_token=_local_token("action_token"), encryption_key=_local_token("encryption_key"),
                  bind=settings.bind, log_dir=log_dir)
    address_file = log_dir / GATEWAY_ADDRESS_FILE
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        print(f"Starting the action server, the rasa server and the gateway (logs in {log_dir})...", flush=True)
        stack.start()
        if stack.gateway_url:
            address_file.write_text(gateway_address(settings, args.gateway_port) + "\n")
        print(f"""
Kintsugi is running.
  Talk to it over REST:  curl -s -XPOST {stack.rasa_url}/webhooks/rest/webhook \\
                           -d '{{"sender": "me", "message": "I need a break"}}'
  Or in a terminal:      make shell
  Web widget demo:       {stack.gateway_url}/demo
  Therapist review app:  {stack.gateway_url}/review/
  Health:                {stack.gateway_url}/readyz
  Telegram:              {"on (polling or webhook)" if settings.telegram_token else
                          "off. Set TELEGRAM_BOT_TOKEN (from @BotFather) and run again to turn it on."}
A part that stops is started again by itself. Press Ctrl-C to stop everything.""", flush=True)
        Supervisor(stack, say=lambda text: print(text, flush=True)).run(lambda: stopping)
    finally:
        print("Stopping...", flush=True)
        stack.stop()
        address_file.unlink(missing_ok=True)
        print("Stopped.", flush=True)
    return 0


GATEWAY_ADDRESS_FILE = "gateway.url"  # in the log folder while ``kintsugi run`` runs


def gateway_address(settings: "Settings", port: Optional[int] = None) -> str:
    """Where people reach the gateway: ``KINTSUGI_PUBLIC_URL``, else the host and port it listens on."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = settings.gateway_host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{host}:{port or settings.gateway_port}"


def running_gateway_address(settings: "Settings") -> str:
    """The address of the gateway ``kintsugi run`` started with these settings, else ``gateway_address``."""
    if settings.public_url:
        return gateway_address(settings)
    path = settings.log_dir / GATEWAY_ADDRESS_FILE
    try:
        written = path.read_text().strip()
    except OSError:
        written = ""
    return written or gateway_address(settings)


def cmd_train(args: argparse.Namespace) -> int:
    """Train the model when the data changed (or always, with --force)."""
    from bot.stack import train_if_changed

    train_if_changed(force=args.force)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """Bring the database schema up to date."""
    from bot.storage import upgrade_database

    upgrade_database()
    print("Database is up to date.")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``kintsugi`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["safety"]:
        from bot.safety.cli import classify_main

        return classify_main(argv[1:])
    if argv[:1] == ["report"]:
        from bot.reports import report_main

        return report_main(argv[1:])
    if argv[:1] == ["therapist"]:
        from bot.web.review.cli import therapist_main

        return therapist_main(argv[1:])
    if argv[:1] == ["docs"]:
        from bot.safety.protocol import docs_main

        return docs_main(argv[1:])
    from bot.config import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(prog="kintsugi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="train if needed and start rasa, actions and the gateway")
    run.add_argument("--train", action="store_true", help="train even when nothing changed")
    run.add_argument("--rasa-port", type=int, default=settings.rasa_port)
    run.add_argument("--action-port", type=int, default=settings.action_port)
    run.add_argument("--gateway-port", type=int, default=settings.gateway_port)
    run.set_defaults(func=cmd_run)
    train = sub.add_parser("train", help="train the model when the data changed")
    train.add_argument("--force", action="store_true")
    train.set_defaults(func=cmd_train)
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db)
    sub.add_parser("safety", help="safety tools: kintsugi safety classify [FILE]")
    sub.add_parser("report", help="figures with no personal data: kintsugi report referrals --from D --to D")
    sub.add_parser("therapist", help="therapist accounts: kintsugi therapist add|list|disable")
    sub.add_parser("docs", help="generated documents: kintsugi docs safety-protocol [--check]")
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
