from __future__ import annotations

import ipaddress

import pytest

from mozdef.alerts.sigma import SigmaDetectionRule
from mozdef.query.tree import Bool, Cidr, Exists, Node, Range, Regex, Term, Wildcard

from .helpers import load, rule_text, tree


def _field(detection_line: str) -> Node:
    return tree(f"selection:\n    {detection_line}\ncondition: selection")


def test_a_plain_value_is_a_term_on_the_mapped_field() -> None:
    assert _field("User: root") == Term("details.username", "root")


def test_an_unmapped_field_goes_under_details_in_lower_case() -> None:
    assert _field("LogonType: interactive") == Term("details.logontype", "interactive")


def test_a_mozdef_field_name_is_used_as_written() -> None:
    assert _field("hostname: web1") == Term("hostname", "web1")


def test_a_list_of_values_is_an_or() -> None:
    expected = Bool(should=(Term("details.username", "root"), Term("details.username", "admin")))

    assert _field("User: [root, admin]") == expected


@pytest.mark.parametrize(
    ("modifier", "pattern"),
    [("contains", "*wget*"), ("startswith", "wget*"), ("endswith", "*wget")],
)
def test_substring_modifiers_are_wildcards(modifier: str, pattern: str) -> None:
    assert _field(f"CommandLine|{modifier}: wget") == Wildcard("details.commandline", pattern)


def test_contains_all_needs_every_value() -> None:
    expected = Bool(
        must=(Wildcard("details.commandline", "*curl*"), Wildcard("details.commandline", "*| sh*"))
    )

    assert _field("CommandLine|contains|all: ['curl', '| sh']") == expected


def test_wildcards_written_in_a_value_are_kept() -> None:
    assert _field("User: 'adm?n*'") == Wildcard("details.username", "adm?n*")


def test_an_escaped_wildcard_is_a_literal_character() -> None:
    assert _field("User: 'a\\*b'") == Term("details.username", "a*b")


def test_a_backslash_is_escaped_in_a_wildcard_pattern() -> None:
    assert _field("Image|endswith: '\\cmd.exe'") == Wildcard("details.image", "*\\\\cmd.exe")


def test_a_lone_star_means_the_field_exists() -> None:
    assert _field("User: '*'") == Exists("details.username")


def test_a_summary_value_compares_the_whole_summary() -> None:
    assert _field("summary: 'Failed password'") == Wildcard("summary", "Failed password")


def test_a_regex_matches_anywhere_in_the_value() -> None:
    assert _field("User|re: 'ad+min'") == Regex("details.username", ".*(ad+min).*")


def test_an_anchored_regex_loses_its_anchors() -> None:
    assert _field("Image|re: '^/usr/bin/.*sh$'") == Regex("details.image", "/usr/bin/.*sh")


def test_a_regex_anchored_at_one_end_is_open_at_the_other() -> None:
    assert _field("Image|re: '^/tmp/(a|b)'") == Regex("details.image", "(/tmp/(a|b)).*")


def test_cidr_is_a_network() -> None:
    expected = Cidr("details.sourceip", ipaddress.ip_network("10.0.0.0/8"))

    assert _field("SourceIp|cidr: 10.0.0.0/8") == expected


@pytest.mark.parametrize(
    ("modifier", "expected"),
    [
        ("gt", Range("details.destinationport", low="1024", high=None, include_low=False)),
        ("gte", Range("details.destinationport", low="1024", high=None)),
        ("lt", Range("details.destinationport", low=None, high="1024", include_high=False)),
        ("lte", Range("details.destinationport", low=None, high="1024")),
    ],
)
def test_comparisons_are_ranges(modifier: str, expected: Range) -> None:
    assert _field(f"Port|{modifier}: 1024") == expected


def test_exists_true_and_false() -> None:
    present = _field("User|exists: true")
    absent = _field("User|exists: false")

    assert (present, absent) == (Exists("details.username"), Bool(must_not=(present,)))


def test_null_means_the_field_is_absent() -> None:
    assert _field("User: null") == Bool(must_not=(Exists("details.username"),))


def test_numbers_and_booleans_are_terms() -> None:
    assert (_field("Port: 22"), _field("Success: true")) == (
        Term("details.destinationport", "22"),
        Term("details.success", "true"),
    )


def test_base64_matches_the_encoded_value() -> None:
    assert _field("Payload|base64|contains: hello") == Wildcard("details.payload", "*aGVsbG8=*")


def test_base64offset_is_an_or_of_its_three_encodings() -> None:
    expected = Bool(
        should=(
            Wildcard("details.payload", "*aGVsbG*"),
            Wildcard("details.payload", "*hlbGxv*"),
            Wildcard("details.payload", "*oZWxsb*"),
        )
    )

    assert _field("Payload|base64offset|contains: hello") == expected


def test_neq_negates_the_value() -> None:
    assert _field("User|neq: root") == Bool(must_not=(Term("details.username", "root"),))


def test_keywords_are_substrings_of_the_summary() -> None:
    keywords = tree("keywords:\n    - 'Failed password'\n    - '*sudo'\ncondition: keywords")

    assert keywords == Bool(
        should=(Wildcard("summary", "*Failed password*"), Wildcard("summary", "*sudo*"))
    )


ROOT = Term("details.username", "root")
SSH = Term("details.port", "22")
LOCAL = Term("details.sourceip", "127.0.0.1")
SELECTIONS = (
    "sel_user:\n    User: root\nsel_port:\n    port: 22\nfilter:\n    SourceIp: 127.0.0.1\n"
)


def _condition(condition: str) -> Node:
    return tree(SELECTIONS + f"condition: {condition}")


def test_and_not() -> None:
    assert _condition("sel_user and not filter") == Bool(must=(ROOT, Bool(must_not=(LOCAL,))))


def test_one_of_a_pattern_is_an_or_of_the_matching_detections() -> None:
    assert _condition("1 of sel_*") == Bool(should=(ROOT, SSH))


def test_all_of_them_is_an_and_of_every_detection() -> None:
    assert _condition("all of them") == Bool(must=(ROOT, SSH, LOCAL))


def test_parentheses_group() -> None:
    expected = Bool(must=(Bool(should=(ROOT, SSH)), Bool(must_not=(LOCAL,))))

    assert _condition("(sel_user or sel_port) and not filter") == expected


def test_several_conditions_are_an_or() -> None:
    assert _condition("[sel_user, sel_port]") == Bool(should=(ROOT, SSH))


def test_the_log_source_query_is_required_with_the_detection() -> None:
    text = "selection:\n    User: root\ncondition: selection"

    (rule,) = load(rule_text(text, logsource="product: linux\nservice: sshd")).rules

    assert isinstance(rule, SigmaDetectionRule)
    assert rule.query == Bool(must=(Term("processname", "sshd"), ROOT))
