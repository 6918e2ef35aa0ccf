"""`mozdef users add | list | passwd | role | disable | enable | token`: the web app's
users and their API tokens from the command line.

This is how the first admin is made on a server set up by hand, and how one gets
back in after losing the last admin password. A secret the command makes (a
generated password, a token) is the only thing printed on standard output, so that
a script can capture it; what the command did goes to standard error. Each change
is written to the audit log with the actor `cli`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import orjson

from mozdef.appdb.db import AppDb
from mozdef.auth.audit import AuditLog
from mozdef.auth.passwords import generate_password
from mozdef.auth.roles import ROLES
from mozdef.auth.tokens import TokenStore
from mozdef.auth.users import User, UserStore
from mozdef.config import Settings
from mozdef.errors import AccountError

ACTOR = "cli"


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser("users", help="users and API tokens")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="viewer", help="default: viewer")
    _password_option(add)
    listing = actions.add_parser("list", help="every user with role and state")
    listing.add_argument("--json", action="store_true", help="print users as JSON lines")
    passwd = actions.add_parser("passwd", help="set a user's password")
    passwd.add_argument("name")
    _password_option(passwd)
    role = actions.add_parser("role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    for name, text in (("disable", "stop a user logging in"), ("enable", "let a user in again")):
        actions.add_parser(name, help=text).add_argument("name")
    token = actions.add_parser("token", help="make an API token and print it, once")
    token.add_argument("name", help="the user the token acts as")
    token.add_argument("--name", dest="label", default="cli", help="the token's label")
    token.add_argument("--expires-days", type=float, help="default: never")
    for action in actions.choices.values():
        action.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="settings")
        action.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="data folder")
    parser.set_defaults(run=run)
    return parser


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (default: generate one)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    db = AppDb.from_settings(settings)
    try:
        return _ACTIONS[args.action](args, UserStore(db), db)
    finally:
        db.close()


def _add(args: argparse.Namespace, users: UserStore, db: AppDb) -> int:
    password, generated = _password(args)
    user = users.add(args.name, args.role, password)
    AuditLog(db).record(ACTOR, "user.add", user.name, {"role": user.role})
    _show(password if generated else None, f"{user.name}: added as {user.role}")
    return 0


def _list(args: argparse.Namespace, users: UserStore, db: AppDb) -> int:
    for user in users.list():
        row = _row(user)
        if args.json:
            print(orjson.dumps(row).decode())
        else:
            state = "disabled" if user.disabled else "enabled"
            print(f"{user.name:<32} {user.role:<8} {state:<8} {row['created']}")
    return 0


def _passwd(args: argparse.Namespace, users: UserStore, db: AppDb) -> int:
    password, generated = _password(args)
    user = users.set_password(args.name, password)
    AuditLog(db).record(ACTOR, "user.change", user.name, {"password": "changed"})
    _show(password if generated else None, f"{user.name}: password changed")
    return 0


def _role(args: argparse.Namespace, users: UserStore, db: AppDb) -> int:
    user = users.set_role(args.name, args.role)
    AuditLog(db).record(ACTOR, "user.change", user.name, {"role": user.role})
    print(f"{user.name}: now {user.role}", file=sys.stderr)
    return 0


def _toggle(args: argparse.Namespace, users: UserStore, db: AppDb) -> int:
    disabled = args.action == "disable"
    user = users.disable(args.name, disabled=disabled)
    AuditLog(db).record(ACTOR, "user.change", user.name, {"disabled": disabled})
    print(f"{user.name}: {args.action}d", file=sys.stderr)
    return 0


def _token(args: argparse.Namespace, users: UserStore, db: AppDb) -> int:
    owner = users.get(args.name)
    if owner is None:
        raise AccountError(f"user {args.name!r}", "not_found", "no such user")
    days = args.expires_days
    lifetime = None if days is None else dt.timedelta(days=days)
    made = TokenStore(db).create(owner, args.label, lifetime=lifetime)
    details = {"name": made.info.name, "owner": owner.name, "expires": made.info.expires}
    AuditLog(db).record(ACTOR, "token.create", made.info.id, details)
    print(made.token)
    print(f"token {made.info.id} for {owner.name}: shown once, keep it now", file=sys.stderr)
    return 0


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """The password from standard input, or a generated one (True)."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n"), False
    return generate_password(), True


def _show(secret: str | None, done: str) -> None:
    if secret is not None:
        print(secret)
        done += " (generated password printed once)"
    print(done, file=sys.stderr)


def _row(user: User) -> dict[str, Any]:
    created = user.created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"name": user.name, "role": user.role, "disabled": user.disabled, "created": created}


_ACTIONS = {
    "add": _add,
    "list": _list,
    "passwd": _passwd,
    "role": _role,
    "disable": _toggle,
    "enable": _toggle,
    "token": _token,
}
