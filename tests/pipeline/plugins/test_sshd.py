from typing import Any

from mozdef.pipeline.plugins.sshd import ParseSshd, parse_sshd


def details_after(summary: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    message = {"summary": summary, "details": details or {}}
    result, _ = ParseSshd().onMessage(message, {})
    assert result is not None
    return result["details"]  # type: ignore[no-any-return]


def test_accepted_publickey_with_key_fingerprint() -> None:
    line = "Accepted publickey for alice from 10.0.0.9 port 50022 ssh2: RSA SHA256:AbCd"
    assert parse_sshd(line) == {
        "authstatus": "success",
        "authmethod": "publickey",
        "username": "alice",
        "sourceipaddress": "10.0.0.9",
        "sourceport": 50022,
        "keytype": "RSA",
        "keyfingerprint": "SHA256:AbCd",
    }


def test_failed_password() -> None:
    assert parse_sshd("Failed password for root from 203.0.113.5 port 4242 ssh2") == {
        "authstatus": "failed",
        "authmethod": "password",
        "username": "root",
        "sourceipaddress": "203.0.113.5",
        "sourceport": 4242,
    }


def test_failed_password_for_invalid_user() -> None:
    assert parse_sshd("Failed password for invalid user admin from 2001:db8::1 port 22 ssh2") == {
        "authstatus": "failed",
        "authmethod": "password",
        "invaliduser": True,
        "username": "admin",
        "sourceipaddress": "2001:db8::1",
        "sourceport": 22,
    }


def test_invalid_user() -> None:
    assert parse_sshd("Invalid user oracle from 198.51.100.7 port 51000") == {
        "authstatus": "failed",
        "invaliduser": True,
        "username": "oracle",
        "sourceipaddress": "198.51.100.7",
        "sourceport": 51000,
    }


def test_disconnected_from_user_after_login() -> None:
    assert parse_sshd("Disconnected from user alice 10.0.0.9 port 50022") == {
        "sessionstatus": "disconnected",
        "preauth": False,
        "username": "alice",
        "sourceipaddress": "10.0.0.9",
        "sourceport": 50022,
    }


def test_connection_closed_by_invalid_user_before_login() -> None:
    assert parse_sshd("Connection closed by invalid user bob 192.0.2.1 port 3333 [preauth]") == {
        "sessionstatus": "closed",
        "invaliduser": True,
        "preauth": True,
        "username": "bob",
        "sourceipaddress": "192.0.2.1",
        "sourceport": 3333,
    }


def test_connection_closed_by_address_only() -> None:
    assert parse_sshd("Connection closed by 192.0.2.1 port 3333 [preauth]") == {
        "sessionstatus": "closed",
        "preauth": True,
        "sourceipaddress": "192.0.2.1",
        "sourceport": 3333,
    }


def test_syslog_program_prefix_is_skipped() -> None:
    assert parse_sshd("sshd[812]: Invalid user x from 192.0.2.9")["username"] == "x"


def test_other_sshd_messages_give_nothing() -> None:
    assert parse_sshd("Server listening on 0.0.0.0 port 22.") == {}


def test_plugin_fills_details() -> None:
    details = details_after("Failed password for root from 203.0.113.5 port 4242 ssh2")
    assert (details["username"], details["sourceport"]) == ("root", 4242)


def test_plugin_keeps_values_already_in_details() -> None:
    details = details_after(
        "Failed password for root from 203.0.113.5 port 4242 ssh2", {"username": "kept"}
    )
    assert details["username"] == "kept"


def test_plugin_is_registered_on_sshd() -> None:
    assert list(ParseSshd().registration) == ["sshd"]
