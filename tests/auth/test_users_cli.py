"""`mozdef users ...`, run as `mozdef.cli.main` runs a command: parse, settings, run."""

from __future__ import annotations

import argparse
import functools
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from mozdef.appdb import AppDb
from mozdef.auth.audit import AuditLog
from mozdef.auth.tokens import TokenStore
from mozdef.auth.users import UserStore
from mozdef.commands import users
from mozdef.config import load_settings
from mozdef.errors import MozDefError
from tests.auth.harness import FAST, PASSWORD


def mozdef(*argv: str, stdin: str = "") -> int:
    parser = argparse.ArgumentParser(prog="mozdef")
    commands = parser.add_subparsers(dest="command", required=True)
    users.add_parser(commands)
    args = parser.parse_args(argv)
    settings = load_settings(getattr(args, "config", None), overrides={"data_dir": args.data_dir})
    sys.stdin = io.StringIO(stdin)
    try:
        status: int = args.run(args, settings)
    except MozDefError as exc:
        print(f"mozdef {args.command}: {exc}", file=sys.stderr)
        return 2
    return status


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # `mozdef` replaces standard input; the fixture puts the real one back.
    monkeypatch.setattr(sys, "stdin", sys.stdin)
    # The cheapest hashing: these tests are about the command, not argon2's cost.
    monkeypatch.setattr(users, "UserStore", functools.partial(UserStore, passwords=FAST))
    yield tmp_path


def store(data: Path) -> UserStore:
    return UserStore(AppDb.in_folder(data), passwords=FAST)


def test_add_with_password_stdin_makes_a_user_that_logs_in(data: Path) -> None:
    status = mozdef(
        "users",
        "add",
        "alice",
        "--role",
        "admin",
        "--password-stdin",
        "--data-dir",
        str(data),
        stdin=PASSWORD + "\n",
    )

    assert status == 0
    login = store(data).authenticate("alice", PASSWORD)
    assert login.result == "ok" and login.user is not None and login.user.role == "admin"


def test_add_without_a_password_prints_a_generated_one_once(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mozdef("users", "add", "bob", "--data-dir", str(data))

    printed = capsys.readouterr()
    password = printed.out.strip()
    assert len(password) == 24
    assert "bob: added as viewer (generated password printed once)" in printed.err
    assert store(data).authenticate("bob", password).result == "ok"


def test_adding_an_existing_user_fails_with_its_name(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mozdef("users", "add", "bob", "--data-dir", str(data))
    capsys.readouterr()

    status = mozdef("users", "add", "bob", "--data-dir", str(data))

    assert status == 2
    assert capsys.readouterr() == ("", "mozdef users: user 'bob': a user of that name exists\n")


def test_a_short_password_from_stdin_is_refused(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = mozdef(
        "users", "add", "bob", "--password-stdin", "--data-dir", str(data), stdin="abc\n"
    )

    assert status == 2
    assert "password: expected 10 to 1024 characters, found 3" in capsys.readouterr().err


def test_list_prints_users_as_a_table_or_json_lines(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store(data).add("carol", "analyst", PASSWORD)
    store(data).add("alice", "admin", PASSWORD)

    mozdef("users", "list", "--data-dir", str(data))
    table = capsys.readouterr().out.splitlines()
    mozdef("users", "list", "--json", "--data-dir", str(data))
    rows = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]

    assert [line.split()[:3] for line in table] == [
        ["alice", "admin", "enabled"],
        ["carol", "analyst", "enabled"],
    ]
    assert [(row["name"], row["role"], row["disabled"]) for row in rows] == [
        ("alice", "admin", False),
        ("carol", "analyst", False),
    ]


def test_passwd_sets_the_password_from_stdin(data: Path) -> None:
    store(data).add("alice", "viewer", PASSWORD)

    mozdef(
        "users",
        "passwd",
        "alice",
        "--password-stdin",
        "--data-dir",
        str(data),
        stdin="a new long password\n",
    )

    assert store(data).authenticate("alice", "a new long password").result == "ok"


def test_role_disable_and_enable_change_the_user(data: Path) -> None:
    store(data).add("alice", "viewer", PASSWORD)

    mozdef("users", "role", "alice", "analyst", "--data-dir", str(data))
    mozdef("users", "disable", "alice", "--data-dir", str(data))
    disabled = store(data).get("alice")
    mozdef("users", "enable", "alice", "--data-dir", str(data))

    assert disabled is not None and (disabled.role, disabled.disabled) == ("analyst", True)
    assert store(data).authenticate("alice", PASSWORD).result == "ok"


def test_token_prints_a_token_that_acts_as_the_user(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store(data).add("shipper", "viewer", None)

    mozdef("users", "token", "shipper", "--name", "beats", "--data-dir", str(data))

    token = capsys.readouterr().out.strip()
    tokens = TokenStore(AppDb.in_folder(data))
    caller = tokens.resolve(token)
    assert caller is not None and caller.name == "shipper"
    assert [t.name for t in tokens.list()] == ["beats"]


def test_a_token_for_an_unknown_user_is_refused(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mozdef("users", "token", "nobody", "--data-dir", str(data)) == 2
    assert capsys.readouterr().err == "mozdef users: user 'nobody': no such user\n"


def test_each_change_is_recorded_in_the_audit_log_as_the_cli(data: Path) -> None:
    mozdef("users", "add", "alice", "--data-dir", str(data))
    mozdef("users", "token", "alice", "--data-dir", str(data))

    entries = AuditLog(AppDb.in_folder(data)).page().entries
    assert [(e.actor, e.action) for e in entries] == [("cli", "token.create"), ("cli", "user.add")]
