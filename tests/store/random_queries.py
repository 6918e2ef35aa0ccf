"""A seeded corpus of MozDef-style events and random Lucene queries that hit it.

Values come from small pools so that random queries find something: most queries pick
a value that some events hold. Event times are whole minutes plus 30 seconds before
`now`, so that a bound such as `now-15m` never falls within a few seconds of an event
even when the store reads its own clock a moment after the reference does.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

USERS = ["admin", "Admin", "alice", "bob", "root", "admin2", "svc-backup", "élodie"]
HOSTS = ["web1.example.com", "web2.example.com", "db1.example.com", "mail.example.org"]
CATEGORIES = ["authentication", "bro", "syslog", "proxy", "Authentication"]
TAGS = ["ssh", "linux", "Linux", "vpn", "alert"]
SEVERITIES = ["INFO", "WARNING", "ERROR"]
PORTS = [22, 80, 443, 3389, 8080]
COUNTRIES = ["US", "DE", "FR", "BR"]
NETWORKS = ["10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16", "172.16.0.0/12", "fe80::/10"]
SUMMARIES = [
    "Failed login for {user} from {ip} port {port}",
    "Accepted publickey for {user} from {ip}",
    "Connection reset by {ip} port {port}",
    "User {user} ran sudo on {host}",
    "FAILED password for invalid user {user}",
    "Disk usage above 90% on {host}",
]
SUMMARY_WORDS = ["failed", "login", "accepted", "connection", "sudo", "password", "disk", "90"]
PHRASES = ["failed login", "login for admin", "connection reset", "invalid user", "ran sudo on"]


def make_corpus(count: int, *, now: datetime, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [_event(rng, index, now) for index in range(count)]


def _ip(rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return f"10.1.{rng.randrange(4)}.{rng.randrange(1, 255)}"
    if kind == 1:
        return f"10.{rng.randrange(2, 9)}.{rng.randrange(4)}.{rng.randrange(1, 255)}"
    if kind == 2:
        return f"192.168.{rng.randrange(3)}.{rng.randrange(1, 255)}"
    if kind == 3:
        return f"fe80::{rng.randrange(1, 99):x}"
    return rng.choice(["8.8.8.8", "1.1.1.1", "not-an-ip"])


def _event(rng: random.Random, index: int, now: datetime) -> dict[str, Any]:
    user, ip, host = rng.choice(USERS), _ip(rng), rng.choice(HOSTS)
    port: int | str = rng.choice(PORTS)
    summary = rng.choice(SUMMARIES).format(user=user, ip=ip, port=port, host=host)
    minutes = rng.choice([rng.randrange(0, 60), rng.randrange(0, 3 * 24 * 60)])
    stamp = now - timedelta(minutes=minutes, seconds=30)
    details: dict[str, Any] = {
        "username": user,
        "sourceipaddress": ip,
        "destinationport": str(port) if rng.random() < 0.2 else port,
        "bytes": rng.choice([0, 100, 1500, 1500.5, 65536, -3]),
        "success": rng.random() < 0.5,
        "geo": {"country": rng.choice(COUNTRIES)},
    }
    if rng.random() < 0.4:
        details["note"] = rng.choice(["", "reviewed", "escalated to admin"])
    if rng.random() < 0.3:
        details["codes"] = rng.sample(["401", "403", "500", 7], 2)
    return {
        "id": f"e{index:05d}",
        "utctimestamp": stamp.isoformat(),
        "receivedtimestamp": (stamp + timedelta(seconds=2)).isoformat(),
        "category": rng.choice(CATEGORIES),
        "hostname": host,
        "severity": rng.choice(SEVERITIES),
        "tags": rng.sample(TAGS, rng.randrange(0, 3)),
        "summary": summary,
        "details": details,
    }


class QueryMaker:
    """Random query strings; `depth` bounds the nesting of boolean operators."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def query(self, depth: int = 2) -> str:
        if depth == 0 or self.rng.random() < 0.35:
            return self.leaf()
        kind = self.rng.randrange(6)
        left, right = self.query(depth - 1), self.query(depth - 1)
        if kind == 0:
            operator = self.rng.choice(["AND", "OR", "&&", "||"])
            return f"({left} {operator} {right})"
        if kind == 1:
            return f"{left} {self.rng.choice(['AND NOT', '&& !', 'NOT'])} {right}"
        if kind == 2:
            return f"{self.rng.choice(['+', '-', ''])}{left} {self.rng.choice(['+', '-'])}{right}"
        if kind == 3:
            return f"{left} {right}"
        if kind == 4:
            return f"{left} AND {right} OR {self.leaf()}"
        return f"({left})"

    def leaf(self) -> str:
        makers = [
            self._keyword,
            self._summary,
            self._number,
            self._wildcard,
            self._regex,
            self._date,
            self._exists,
            self._cidr,
            self._unfielded,
            self._string_range,
        ]
        return self.rng.choice(makers)()

    def _pick(self, values: Sequence[T]) -> T:
        return self.rng.choice(values)

    def _keyword(self) -> str:
        field, values = self._pick(
            [
                ("category", CATEGORIES),
                ("hostname", HOSTS),
                ("tags", TAGS),
                ("severity", SEVERITIES),
                ("details.username", [*USERS, "nobody"]),
                ("details.geo.country", COUNTRIES),
                ("details.success", ["true", "false"]),
                ("details.note", ["reviewed", '""', '"escalated to admin"']),
                ("details.codes", ["401", "7", "500"]),
            ]
        )
        value = self._pick(values)
        return (
            f'{field}:"{value}"'
            if self.rng.random() < 0.2 and '"' not in value
            else f"{field}:{value}"
        )

    def _summary(self) -> str:
        if self.rng.random() < 0.5:
            return f'summary:"{self._pick(PHRASES)}"'
        word = self._pick(SUMMARY_WORDS)
        return f"summary:{word.upper() if self.rng.random() < 0.3 else word}"

    def _number(self) -> str:
        port = self._pick(PORTS)
        forms = [
            f"details.destinationport:{port}",
            f"details.destinationport:[{port} TO 3389]",
            f"details.destinationport:>={port}",
            f"details.destinationport:<{port}",
            f"details.bytes:[0 TO {self._pick(['1500', '1500.5', '100'])}]",
            "details.bytes:{-3 TO 1500}",
            f"details.bytes:>{self._pick(['0', '1500', '-10'])}",
            f"details.bytes:{self._pick(['1500', '1500.0', '1500.5', '-3'])}",
        ]
        return self._pick(forms)

    def _wildcard(self) -> str:
        return self._pick(
            [
                "details.username:adm*",
                "details.username:Adm*",
                "details.username:?lice",
                "hostname:web?.example.com",
                "hostname:*.org",
                "summary:Failed*",
                "summary:*port*",
                "details.sourceipaddress:10.1.*",
                "web*",
            ]
        )

    def _regex(self) -> str:
        return self._pick(
            [
                "details.username:/a.*n/",
                "details.username:/[ab].*/",
                r"hostname:/web[0-9]\.example\.com/",
                "category:/auth.*/",
                "details.geo.country:/(US|DE)/",
            ]
        )

    def _date(self) -> str:
        return self._pick(
            [
                "utctimestamp:[now-1h TO now]",
                "utctimestamp:>now-15m",
                "utctimestamp:<now-2d",
                "utctimestamp:[now-1d/d TO now/d]",
                "utctimestamp:{now-1d/d TO now/d}",
                "receivedtimestamp:>=now-6h",
                "utctimestamp:[now-3d TO now-1d]",
            ]
        )

    def _exists(self) -> str:
        return self._pick(
            [
                "_exists_:details.note",
                "_exists_:details.codes",
                "details.note:*",
                "_exists_:details.geo",
                "_exists_:details.absent",
            ]
        )

    def _cidr(self) -> str:
        network = self._pick(NETWORKS)
        if ":" in network or self.rng.random() < 0.5:
            return f'details.sourceipaddress:"{network}"'
        return f"details.sourceipaddress:{network}"

    def _unfielded(self) -> str:
        return self._pick(
            [
                "admin",
                "Admin",
                "bro",
                "22",
                "443",
                "1500.0",
                "web1.example.com",
                "sudo",
                "US",
                '"invalid user"',
                '"mail.example.org"',
                "/web[12].*/",
                "*",
                r"svc\-backup",
            ]
        )

    def _string_range(self) -> str:
        return self._pick(
            [
                "hostname:[db TO web2]",
                "hostname:{db1.example.com TO web1.example.com}",
                "details.username:[a TO b]",
                "details.username:>=root",
                "summary:[A TO G]",
                "_exists_:tags",
                "tags:*",
            ]
        )
