from mozdef.pipeline.plugins.su import ParseSu, parse_su


def test_session_opened_by_a_user() -> None:
    line = "pam_unix(su:session): session opened for user root by alice(uid=1000)"
    assert parse_su(line) == {
        "sessionstatus": "opened",
        "targetuser": "root",
        "username": "alice",
        "originaluid": 1000,
    }


def test_session_opened_with_su_l() -> None:
    line = "pam_unix(su-l:session): session opened for user postgres by (uid=0)"
    assert parse_su(line) == {"sessionstatus": "opened", "targetuser": "postgres", "originaluid": 0}


def test_session_closed() -> None:
    line = "pam_unix(su:session): session closed for user root"
    assert parse_su(line) == {"sessionstatus": "closed", "targetuser": "root"}


def test_authentication_failure() -> None:
    line = (
        "pam_unix(su:auth): authentication failure; logname=alice uid=1000 euid=0 "
        "tty=/dev/pts/0 ruser=alice rhost=  user=root"
    )
    assert parse_su(line) == {
        "authstatus": "failed",
        "username": "alice",
        "originaluid": 1000,
        "tty": "/dev/pts/0",
        "targetuser": "root",
    }


def test_failed_su() -> None:
    assert parse_su("FAILED SU (to root) alice on pts/0") == {
        "authstatus": "failed",
        "targetuser": "root",
        "username": "alice",
        "tty": "pts/0",
    }


def test_successful_su_to_line() -> None:
    assert parse_su("(to root) alice on pts/1") == {
        "authstatus": "success",
        "targetuser": "root",
        "username": "alice",
        "tty": "pts/1",
    }


def test_successful_su_for_line() -> None:
    assert parse_su("Successful su for root by alice") == {
        "authstatus": "success",
        "targetuser": "root",
        "username": "alice",
    }


def test_sulog_minus_line_is_a_failure() -> None:
    assert parse_su("- pts/2 alice:root") == {
        "authstatus": "failed",
        "tty": "pts/2",
        "username": "alice",
        "targetuser": "root",
    }


def test_program_prefix_is_skipped() -> None:
    assert parse_su("su[99]: Successful su for root by bob")["username"] == "bob"


def test_unrelated_message_gives_nothing() -> None:
    assert parse_su("pam_unix(cron:session): session opened for user root by (uid=0)") == {}


def test_plugin_fills_details_without_overwriting() -> None:
    message = {"summary": "FAILED SU (to root) alice on pts/0", "details": {"tty": "kept"}}
    result, _ = ParseSu().onMessage(message, {})
    assert result is not None
    assert result["details"] == {
        "tty": "kept",
        "authstatus": "failed",
        "targetuser": "root",
        "username": "alice",
    }
