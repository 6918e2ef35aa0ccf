"""The bundled ATT&CK tactic table."""

from __future__ import annotations

from mozdef.incidents import attack, veris


def test_the_fourteen_enterprise_tactics_come_in_the_order_of_the_matrix() -> None:
    names = [tactic.name for tactic in attack.tactics()]

    assert names[0] == "Reconnaissance"
    assert names[-1] == "Impact"
    assert len(names) == 14
    assert attack.version() == "18.1"


def test_a_technique_has_its_tactics_and_a_sub_technique_falls_back_to_its_parent() -> None:
    assert [t.id for t in attack.tactics_of("T1110")] == ["TA0006"]
    assert [t.short_name for t in attack.tactics_of(" t1486 ")] == ["impact"]
    # A sub-technique the table does not list takes the tactics of its parent.
    assert attack.tactics_of("T1110.999") == attack.tactics_of("T1110")
    assert attack.tactics_of("T9999") == ()


def test_nearly_every_technique_of_the_veris_mapping_has_tactics() -> None:
    mapped = list(veris._loaded().techniques)
    without = [technique for technique in mapped if not attack.tactics_of(technique)]

    # The VERIS mapping follows ATT&CK 19.1; the table, 18.1: the techniques 19 added.
    assert len(mapped) > 500
    assert len(without) < 25
    assert all(technique >= "T1683" for technique in without)
