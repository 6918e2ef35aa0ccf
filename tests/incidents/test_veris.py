from __future__ import annotations

from importlib import resources

from mozdef.incidents import veris


def test_the_tree_holds_the_veris_enumerations_under_their_groups() -> None:
    root = veris.taxonomy()
    action = next(child for child in root.children if child.path == "action")
    hacking = next(child for child in action.children if child.path == "action.hacking")

    assert {"action", "actor", "asset", "attribute"} <= {child.path for child in root.children}
    assert hacking.label == "Hacking"
    assert not hacking.is_value
    assert "action.hacking.variety" in {child.path for child in hacking.children}


def test_a_value_path_is_valid_whatever_its_case() -> None:
    assert veris.is_valid("action.hacking.variety.Brute force")
    assert veris.is_valid("ACTION.hacking.variety.brute FORCE")
    assert veris.canonical("action.hacking.variety.brute force") == (
        "action.hacking.variety.Brute force"
    )


def test_a_group_or_an_unknown_path_is_not_a_valid_tag() -> None:
    assert not veris.is_valid("action.hacking")
    assert not veris.is_valid("action.hacking.variety.Teleportation")
    assert veris.canonical("action.hacking") == "action.hacking"
    assert veris.canonical("nothing.here") is None


def test_search_finds_values_with_every_word_label_matches_first() -> None:
    found = [node.path for node in veris.search("brute")]

    assert found == ["action.hacking.variety.Brute force", "action.malware.variety.Brute force"]
    assert [node.path for node in veris.search("malware brute")] == [
        "action.malware.variety.Brute force"
    ]
    assert veris.search("   ") == []


def test_search_returns_at_most_the_limit() -> None:
    assert len(veris.search("unknown", limit=5)) == 5


def test_attack_for_a_value_gives_the_techniques_the_mapping_relates() -> None:
    techniques = veris.attack_for("action.hacking.variety.brute force")

    assert veris.Technique("T1110", "Brute Force") in techniques


def test_attack_for_a_value_includes_what_is_mapped_to_its_group() -> None:
    group = {t.id for t in veris.attack_for("attribute.confidentiality.data_disclosure")}
    value = {t.id for t in veris.attack_for("attribute.confidentiality.data_disclosure.Yes")}

    assert group
    assert group <= value


def test_attack_for_an_unknown_path_is_empty() -> None:
    assert veris.attack_for("action.hacking.variety.Teleportation") == ()


def test_a_technique_is_found_by_id_with_its_name() -> None:
    assert veris.technique("t1110") == veris.Technique("T1110", "Brute Force")
    assert veris.technique("T9999") is None


def test_the_data_names_its_versions_and_the_notice_its_licence() -> None:
    notice = resources.files("mozdef").joinpath("data/veris/NOTICE.md").read_text("utf-8")

    assert veris.versions() == ("1.4.1", "19.1")
    assert "Verizon RISK team" in notice
    assert "vz-risk/veris at commit 45d9d7a" in notice
    assert "CC BY-SA 4.0" in notice
    assert "Creative Commons Attribution-ShareAlike 4.0 International Public License" in notice
