"""`mozdef rules`: checking rule files, listing, back-testing, running and toggling rules."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from mozdef.alerts.rule_state import RuleStateStore
from mozdef.alerts.store import AlertStore
from mozdef.appdb import AppDb
from mozdef.blocklist import WatchListStore
from mozdef.cli import main
from mozdef.events.schema import Event
from mozdef.store.base import IndexedDoc
from mozdef.store.tantivy import TantivyStore

GOOD_YAML = """\
id: ssh-root
query: 'processname:sshd AND summary:failed'
window: 1h
severity: WARNING
summary: '{count} failed root logins'
"""
BAD_KEY_YAML = "id: bad-key\nquery: 'category:x'\ntreshold: 3\n"
SIGMA_BASE = """\
title: Root SSH failure
id: 11111111-1111-4111-8111-111111111111
level: high
logsource: {product: linux, service: sshd}
detection:
  selection: {User: root}
  condition: selection
"""
SIGMA_BROKEN = """\
title: Broken rule
id: 22222222-2222-4222-8222-222222222222
logsource: {product: linux, service: sshd}
detection:
  selection: {User: root}
  condition: selection and missing
"""
# In a file of its own: it finds its base rule in sigma_base.yml.
SIGMA_CORRELATION = """\
title: Many root failures
id: 33333333-3333-4333-8333-333333333333
level: critical
correlation:
  type: event_count
  rules: [11111111-1111-4111-8111-111111111111]
  group-by: [SourceIp]
  timespan: 10m
  condition: {gte: 3}
"""
FAILING_PYTHON_RULE = """\
from mozdef.alerts import AlertTask


class AlertBroken(AlertTask):
    def main(self):
        raise RuntimeError("no index today")
"""


def _folder(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def _good_rules(root: Path) -> Path:
    return _folder(
        root,
        {
            "ssh_root.yaml": GOOD_YAML,
            "sigma_base.yml": SIGMA_BASE,
            "sigma_correlation.yml": SIGMA_CORRELATION,
        },
    )


@pytest.fixture
def options(tmp_path: Path) -> list[str]:
    """`--config` naming the rule folder, and `--data-dir`."""
    rules = _good_rules(tmp_path / "rules")
    config = tmp_path / "mozdef.toml"
    config.write_text(f"[alerts]\nrule_folders = [{str(rules)!r}]\n")
    return ["--config", str(config), "--data-dir", str(tmp_path / "data")]


def _root_failure(event_id: str, at: dt.datetime) -> Event:
    stamp = at.isoformat()
    return {
        "id": event_id,
        "utctimestamp": stamp,
        "receivedtimestamp": stamp,
        "timestamp": stamp,
        "category": "authentication",
        "hostname": "bastion1",
        "processname": "sshd",
        "summary": "Failed password for root from 10.0.0.9",
        "severity": "INFO",
        "tags": [],
        "details": {"username": "root", "sourceipaddress": "10.0.0.9"},
    }


@pytest.fixture
def events(tmp_path: Path) -> Iterator[None]:
    """Four root login failures, 11 to 14 minutes ago, in the data folder's store: inside
    one 5-minute window of a back-test that ends now."""
    now = dt.datetime.now(dt.UTC)
    moments = [now - dt.timedelta(minutes=n) for n in range(11, 15)]
    docs = [IndexedDoc(f"e{n}", _root_failure(f"e{n}", at)) for n, at in enumerate(moments)]
    store = TantivyStore(tmp_path / "data" / "store")
    assert store.index(docs) == []
    store.commit()
    store.close()
    yield


def _alerts(data: Path) -> list[tuple[str, int]]:
    store = TantivyStore(data / "store", writer=False)
    try:
        return [(a.rule_id, a.count) for a in AlertStore(store).search().alerts]
    finally:
        store.close()


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in text.splitlines()]


def test_check_reports_every_problem_with_file_line_and_rule_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _good_rules(tmp_path / "rules")
    _folder(folder, {"bad.yaml": BAD_KEY_YAML, "sigma_broken.yml": SIGMA_BROKEN})

    status = main(["rules", "check", str(folder)])

    assert status == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{folder}/bad.yaml:3: bad-key: unknown key 'treshold'; expected one of aggregate, "
        "category, channel, dedup_window, description, enabled, id, mode, name, notify, query, "
        "samples, schedule, severity, summary, tags, type, url, window",
        f"{folder}/sigma_broken.yml:1: 22222222-2222-4222-8222-222222222222: "
        "Detection 'missing' not defined in detections",
    ]


def test_check_of_good_rules_exits_0_and_prints_no_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["rules", "check", str(_good_rules(tmp_path / "rules"))])

    captured = capsys.readouterr()
    assert (status, captured.out) == (0, "")
    assert captured.err == "2 rules loaded, 0 problems\n"


def test_check_reports_a_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().out == f"{tmp_path}/nowhere: no such file or folder\n"


def test_check_runs_as_a_console_command_without_a_data_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "rules", {"bad.yaml": BAD_KEY_YAML})

    done = subprocess.run(
        [sys.executable, "-m", "mozdef.cli", "rules", "check", "bad.yaml"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1
    assert done.stdout.startswith("bad.yaml:3: bad-key: unknown key 'treshold'")
    assert not (folder / "data").exists()


def test_list_shows_file_rules_and_built_ins(
    options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "list", "--json", *options]) == 0

    rows = {row["id"]: row for row in _json_lines(capsys.readouterr().out)}
    assert rows["ssh-root"]["form"] == "yaml"
    assert rows["ssh-root"]["schedule"] == "every 1h"
    assert rows["33333333-3333-4333-8333-333333333333"]["form"] == "sigma"
    assert rows["bruteforce_ssh"]["form"] == "builtin"
    assert rows["watchlist"]["schedule"] == "in mozdef serve only"


def test_list_table_has_one_line_per_rule_under_a_header(
    options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "list", *options]) == 0

    lines = capsys.readouterr().out.splitlines()
    header = "id form schedule enabled last run next run hits last error"
    assert lines[0].split() == header.split()
    assert lines[1].split() == ["ssh-root", "yaml", "every", "1h", "yes", "-", "-", "0", "-"]


def test_test_prints_what_the_rule_would_raise(
    options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "test", "ssh-root", "--since", "1d", "--json", *options]) == 0

    (draft,) = _json_lines(capsys.readouterr().out)
    assert (draft["rule_id"], draft["severity"], draft["count"]) == ("ssh-root", "WARNING", 4)
    assert draft["summary"] == "4 failed root logins"


def test_test_saves_no_alert(
    tmp_path: Path, options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "test", "ssh-root", *options]) == 0

    assert _alerts(tmp_path / "data") == []
    assert not (tmp_path / "data" / "mozdef.db").exists()


def test_test_runs_a_correlation_across_files(
    options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    correlation = "33333333-3333-4333-8333-333333333333"
    assert main(["rules", "test", correlation, "--json", *options]) == 0

    (draft,) = _json_lines(capsys.readouterr().out)
    assert (draft["rule_id"], draft["severity"], draft["count"]) == (correlation, "CRITICAL", 3)


def test_test_takes_a_rule_file_outside_the_rule_folders(
    tmp_path: Path, options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    other = _folder(tmp_path / "other", {"root.yml": SIGMA_BASE})

    assert main(["rules", "test", str(other / "root.yml"), "--json", *options]) == 0

    (draft,) = _json_lines(capsys.readouterr().out)
    assert (draft["rule_id"], draft["count"]) == ("11111111-1111-4111-8111-111111111111", 4)


def test_a_failing_rule_is_reported_and_exits_1(
    tmp_path: Path, options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    rule_file = tmp_path / "broken_rule.py"
    rule_file.write_text(FAILING_PYTHON_RULE)

    assert main(["rules", "test", str(rule_file), *options]) == 1

    assert capsys.readouterr().err.endswith(
        "broken_rule.AlertBroken: failed: RuntimeError: no index today\n"
    )


def test_test_prints_how_many_drafts_it_shows(
    options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "test", "ssh-root", "--since", "1d", "--size", "0", *options]) == 0

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ssh-root: drafts=1 shown=0 since=")


def test_run_saves_an_alert(
    tmp_path: Path, options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "run", "ssh-root", *options]) == 0

    assert capsys.readouterr().out.startswith("created  ")
    assert _alerts(tmp_path / "data") == [("ssh-root", 4)]


def test_run_records_the_run_in_the_rule_state(
    tmp_path: Path, options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["rules", "run", "ssh-root", *options])

    db = AppDb.in_folder(tmp_path / "data")
    state = RuleStateStore(db).get("ssh-root")
    db.close()
    assert state is not None
    assert (state.last_hits, state.total_runs, state.last_error) == (1, 1, None)


def test_run_refuses_while_another_process_writes_the_store(
    tmp_path: Path, options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    writer = TantivyStore(tmp_path / "data" / "store")
    try:
        status = main(["rules", "run", "ssh-root", *options])
    finally:
        writer.close()

    assert status == 2
    assert "is held by another writer" in capsys.readouterr().err


def test_disable_then_enable_is_persisted_and_listed(
    tmp_path: Path, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "disable", "bruteforce_ssh", *options]) == 0
    capsys.readouterr()
    main(["rules", "list", "--json", *options])
    listed = {row["id"]: row["enabled"] for row in _json_lines(capsys.readouterr().out)}
    assert main(["rules", "enable", "bruteforce_ssh", *options]) == 0

    db = AppDb.in_folder(tmp_path / "data")
    state = RuleStateStore(db).get("bruteforce_ssh")
    db.close()
    assert listed["bruteforce_ssh"] is False
    assert state is not None and state.enabled is True


def test_disable_takes_a_rule_file(
    tmp_path: Path, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    rule_file = tmp_path / "rules" / "ssh_root.yaml"

    assert main(["rules", "disable", str(rule_file), *options]) == 0

    assert capsys.readouterr().out == "ssh-root: disabled\n"


def test_a_built_in_only_the_server_builds_can_be_disabled(
    tmp_path: Path, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "disable", "geomodel", *options]) == 0

    db = AppDb.in_folder(tmp_path / "data")
    state = RuleStateStore(db).get("geomodel")
    db.close()
    assert state is not None and state.enabled is False


def test_enabling_a_rule_its_definition_disables_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOZDEF_ALERTS_BUILTIN_DISABLED", "deadman")
        assert main(["rules", "enable", "deadman", *data]) == 0

    assert capsys.readouterr().err.endswith(
        "deadman: its definition keeps it disabled (`enabled: false` in its file, "
        "or alerts.builtin_disabled in the settings)\n"
    )


def test_an_unknown_rule_id_exits_2_naming_near_matches(
    options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "test", "bruteforce_sh", *options]) == 2

    assert capsys.readouterr().err == (
        "mozdef rules: rule bruteforce_sh: no such rule or rule file; did you mean "
        "bruteforce_ssh, ldap_bruteforce_user, http_auth_bruteforce? "
        "(`mozdef rules list` shows every rule)\n"
    )


def _watch(data: Path, term: str) -> None:
    """A watch-list term in the data folder's application database, as the web app adds."""
    db = AppDb.in_folder(data)
    try:
        WatchListStore(db).watch(term, reason="known attacker", by="alice")
    finally:
        db.close()


def test_test_runs_the_watch_list_built_in_on_the_saved_watch_list(
    tmp_path: Path, options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    _watch(tmp_path / "data", "10.0.0.9")

    assert main(["rules", "test", "watchlist", "--since", "1d", "--json", *options]) == 0

    drafts = _json_lines(capsys.readouterr().out)
    assert [draft["rule_id"] for draft in drafts] == ["watchlist"] * 4  # one per event
    assert all("10.0.0.9" in draft["summary"] for draft in drafts)


def test_test_of_a_built_in_needing_a_database_is_refused_where_there_is_none(
    options: list[str], events: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "test", "watchlist", *options]) == 2

    assert "the data folder has none yet" in capsys.readouterr().err
