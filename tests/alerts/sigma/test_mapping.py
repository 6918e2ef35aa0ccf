from __future__ import annotations

from pathlib import Path

import pytest

from mozdef.alerts.sigma import (
    FieldMapping,
    SigmaDetectionRule,
    SigmaOptions,
    default_mapping,
    load_mapping,
    load_sigma_text,
)
from mozdef.alerts.sigma.mapping import mapping_from_dict
from mozdef.errors import ConfigError
from mozdef.query.lucene import parse
from mozdef.query.tree import Bool, Term

from .helpers import load, rule_text

SSHD = {"category": None, "product": "linux", "service": "sshd"}


def test_the_default_maps_linux_sshd_to_sshd_events() -> None:
    source = default_mapping().source(**SSHD)

    assert source is not None
    assert source.query == parse("processname:sshd AND category:(syslog OR authentication)")
    assert source.resolve("User") == ("details.username",)


def test_the_default_maps_cloudtrail_to_its_source_and_fields() -> None:
    source = default_mapping().source(category=None, product="aws", service="cloudtrail")

    assert source is not None
    assert (source.query, source.resolve("eventName")) == (
        Term("source", "cloudtrail"),
        ("details.eventname",),
    )


def test_a_log_source_must_equal_an_entry_exactly() -> None:
    wider = default_mapping().source(category="process_creation", product="linux", service="sshd")

    assert wider is None


def test_an_entry_s_fields_win_over_the_top_level_ones() -> None:
    auditd = default_mapping().source(category=None, product="linux", service="auditd")
    sshd = default_mapping().source(**SSHD)

    assert auditd is not None and sshd is not None
    assert (auditd.resolve("Image"), sshd.resolve("Image")) == (
        ("details.exe",),
        ("details.processpath",),
    )


def test_strict_refuses_unmapped_names_but_not_mozdef_fields() -> None:
    mapping = mapping_from_dict(
        {"strict": True, "logsources": [{"logsource": {"product": "x"}, "query": "*"}]},
        origin="strict",
    )
    source = mapping.source(category=None, product="x", service=None)

    assert source is not None
    assert [source.resolve(name) for name in ("Foo", "hostname", "details.foo")] == [
        None,
        ("hostname",),
        ("details.foo",),
    ]


def test_a_field_mapped_to_several_fields_matches_any_of_them() -> None:
    mapping = mapping_from_dict(
        {
            "fields": {"User": ["details.username", "details.user"]},
            "logsources": [{"logsource": {"product": "test"}, "query": "*"}],
        },
        origin="several",
    )
    text = rule_text("selection:\n    User: root\ncondition: selection")

    (rule,) = load_sigma_text(text, options=SigmaOptions(mapping=mapping)).rules

    assert isinstance(rule, SigmaDetectionRule)
    assert rule.query == Bool(
        should=(Term("details.username", "root"), Term("details.user", "root"))
    )


YAML_MAPPING = """
strict: true
keywords: details.message
fields:
  User: details.user
logsources:
  - logsource: {product: custom}
    query: 'source:custom'
"""
TOML_MAPPING = """
strict = true
keywords = "details.message"
[fields]
User = "details.user"
[[logsources]]
logsource = { product = "custom" }
query = "source:custom"
"""


def test_yaml_and_toml_files_read_the_same(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(YAML_MAPPING)
    (tmp_path / "m.toml").write_text(TOML_MAPPING)

    from_yaml, from_toml = load_mapping(tmp_path / "m.yaml"), load_mapping(tmp_path / "m.toml")

    assert from_yaml == from_toml
    assert (from_yaml.strict, from_yaml.keywords, from_yaml.fields) == (
        True,
        "details.message",
        {"User": ("details.user",)},
    )


def test_include_default_adds_to_the_default_and_wins(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("include_default: true\nfields:\n  User: details.user\n")

    mapping = load_mapping(tmp_path / "m.yaml")

    assert mapping.fields["User"] == ("details.user",)
    assert mapping.fields["DestinationPort"] == ("details.destinationport",)
    assert mapping.source(**SSHD) is not None


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"field": {}}, "m: field"),
        (
            {"logsources": [{"logsource": {"product": "x"}, "query": "a:("}]},
            "m: logsources[0].query",
        ),
        (
            {"logsources": [{"logsource": {"vendor": "x"}, "query": "*"}]},
            "m: logsources[0].logsource",
        ),
        ({"fields": {"User": 3}}, "m: fields.User"),
        ({"strict": "yes"}, "m: strict"),
    ],
)
def test_a_wrong_entry_is_refused_with_its_key(data: object, key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        mapping_from_dict(data, origin="m")

    assert raised.value.key == key


def test_the_test_mapping_has_no_default_entries() -> None:
    assert load(rule_text("s:\n    User: x\ncondition: s", logsource="product: aws")).rules == ()
    assert FieldMapping().source(category=None, product="test", service=None) is None
