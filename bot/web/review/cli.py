"""``kintsugi therapist add|list|disable|enable|link``: therapist accounts from the command line."""
from __future__ import annotations

import argparse
import getpass
import sys
from typing import List, Optional, TextIO

from bot.config import Settings, get_settings


def set_password_link(token: str, settings: Optional[Settings] = None) -> str:
    """The one-time set-password address for ``token``."""
    from bot.cli import running_gateway_address

    settings = settings or get_settings()
    base = running_gateway_address(settings).rstrip("/")
    return f"{base}/review/set-password?token={token}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kintsugi therapist", description="Manage therapist accounts.")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create an account (asks for a password, or prints a link with --link)")
    add.add_argument("email")
    add.add_argument("--name", help="the name couples and the app show")
    add.add_argument("--link", action="store_true", help="print a one-time set-password link instead")
    add.add_argument("--timezone", help="where they read times, e.g. Europe/London (default: each couple's)")
    add.add_argument("--locale", help="how dates are written for them, e.g. en_GB or de (default: the browser's)")
    sub.add_parser("list", help="list accounts")
    disable = sub.add_parser("disable", help="disable an account and sign it out everywhere")
    disable.add_argument("email")
    enable = sub.add_parser("enable", help="enable a disabled account again")
    enable.add_argument("email")
    link = sub.add_parser("link", help="print a new one-time set-password link (forgotten password)")
    link.add_argument("email")
    return parser


def _ask_password(err: TextIO) -> Optional[str]:
    first = getpass.getpass("Password (at least 12 characters): ")
    second = getpass.getpass("The same password again: ")
    if first != second:
        print("The two passwords are not the same. Nothing was changed.", file=err)
        return None
    return first


def therapist_main(argv: List[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run ``kintsugi therapist ...``; returns the exit code."""
    args = _parser().parse_args(argv)
    from bot.storage import (
        create_therapist,
        issue_password_token,
        list_therapists,
        set_disabled,
        therapist_by_email,
        upgrade_database,
    )

    upgrade_database()
    if args.command == "add":
        password = None
        if not args.link:
            password = _ask_password(err)
            if password is None:
                return 1
        try:
            therapist = create_therapist(args.email, password, args.name, timezone_name=args.timezone,
                                         locale=args.locale)
        except ValueError as exc:
            print(str(exc), file=err)
            return 1
        print(f"Added {therapist.email}.", file=out)
        if args.link:
            print("Send them this link to choose a password (it works once, for 48 hours):", file=out)
            print(set_password_link(issue_password_token(therapist.email)), file=out)
        return 0
    if args.command == "list":
        rows = list_therapists()
        if not rows:
            print("No therapists yet. Add one with: kintsugi therapist add EMAIL", file=out)
        for t in rows:
            state = "disabled" if t.disabled else ("active" if t.has_password else "waiting for a password")
            seen = t.last_seen_at.strftime("%Y-%m-%d %H:%M UTC") if t.last_seen_at else "never signed in"
            print(f"{t.id}\t{t.email}\t{t.display_name or ''}\t{state}\t{seen}", file=out)
        return 0
    if args.command in ("disable", "enable"):
        if not set_disabled(args.email, args.command == "disable"):
            print("No therapist with that email.", file=err)
            return 1
        print(f"{'Disabled' if args.command == 'disable' else 'Enabled'} {args.email.strip().lower()}.", file=out)
        return 0
    if therapist_by_email(args.email) is None:
        print("No therapist with that email.", file=err)
        return 1
    print(set_password_link(issue_password_token(args.email)), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(therapist_main(sys.argv[1:]))
