"""A deterministic corpus of raw MozDef-style events, as a shipper would send them.

`events(n, day=...)` yields events number `start` to `n - 1` of a day of `n`
events. Everything in event `i` but its timestamp depends only on `(seed, i)`,
so event `i` is the same whatever `n` is; the timestamp of event `i` is
`day 00:00 UTC + i * 86400 / n` seconds, so the day is covered uniformly and in
order. Events are about 630 bytes each as compact JSON, over 15 categories:
syslog, authentication, bro, dns, weblog, proxy, cloudtrail, firewall, suricata,
auditd, ldap, duo, vpn, dhcp, kernel (firewall and bro are the most frequent).

Planted values, for benchmarks and tests to target (all exact):
- `hostname` starts with `web` (`web1.prod.infra.mozilla-internal.example.com` to
  `web40...`) when `i % 20 == 3`, exactly 5% of events; no other hostname starts with `web`.
- `details.username` starts with `adm` (e.g. `admjsmith`) when the event has a
  `details.username` and `i % 100 == 41`; no other username starts with `adm`.
- the needle IP `NEEDLE_IP` = `203.0.113.77` is `details.sourceipaddress` when
  `i % 200_000 == 100_000` (10 events in 2,000,000) and appears nowhere else;
  those events are in category `authentication`.
- the word `RARE_WORD` = `quarantined` ends the summary when `i % 1000 == 500`
  (0.1% of summaries) and appears in no other summary.

Usage from a benchmark in this folder: `from corpus import events, ndjson_batches`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from hashlib import blake2b
from typing import Any

import orjson

NEEDLE_IP = "203.0.113.77"
NEEDLE_EVERY = 200_000
NEEDLE_OFFSET = 100_000
RARE_WORD = "quarantined"
RARE_EVERY = 1000
RARE_OFFSET = 500
WEB_EVERY = 20
WEB_OFFSET = 3
ADM_EVERY = 100
ADM_OFFSET = 41

_FIRST = "abcdefghijklmnoprstvw"
_LAST = [
    "smith",
    "jones",
    "brown",
    "garcia",
    "miller",
    "davis",
    "lopez",
    "wilson",
    "moore",
    "taylor",
    "thomas",
    "white",
    "harris",
    "martin",
    "clark",
    "lewis",
    "walker",
    "hall",
    "young",
    "king",
    "wright",
    "scott",
    "green",
    "baker",
    "nelson",
    "carter",
]
USERS = [f"{f}{last}" for f in _FIRST for last in _LAST]
ADM_USERS = [f"adm{u}" for u in USERS[:40]]
_ROLES = [
    "app",
    "db",
    "mail",
    "ns",
    "fw",
    "vpn",
    "ldap",
    "proxy",
    "build",
    "ci",
    "cache",
    "log",
    "bastion",
    "dhcp",
    "k8s",
]
HOSTS = [
    f"{r}{k}.{dc}.infra.mozilla-internal.example.com"
    for r in _ROLES
    for k in range(1, 9)
    for dc in ("prod", "dev")
]
WEB_HOSTS = [f"web{k}.prod.infra.mozilla-internal.example.com" for k in range(1, 41)]
_SEVERITIES = ["INFO"] * 12 + ["NOTICE", "WARNING", "WARNING", "ERROR"]
_DOMAINS = [
    "example.com",
    "mozilla.org",
    "github.com",
    "ubuntu.com",
    "pypi.example.net",
    "cdn.example.org",
]
_PATHS = [
    "/",
    "/index.html?utm_source=newsletter&utm_medium=email",
    "/login?next=%2Fdashboard%2Foverview",
    "/api/v1/events?limit=100&order=desc",
    "/static/js/app.3f9c2a1b.js",
    "/images/logo-large.png",
    "/search?q=firefox+release+notes&lang=en-US",
]
_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "curl/8.5.0",
    "python-requests/2.32.3",
]
_SIGNATURES = [
    (2013028, "ET POLICY curl User-Agent Outbound"),
    (2019401, "ET POLICY Vulnerable Java Version Detected"),
    (2210045, "SURICATA STREAM Packet with invalid ack"),
    (2402000, "ET DROP Dshield Block Listed Source"),
]
_AWS_EVENTS = [
    "ConsoleLogin",
    "AssumeRole",
    "GetObject",
    "PutObject",
    "DescribeInstances",
    "CreateUser",
]
_COLLECTORS = [
    f"nxlog-collector{k}.{dc}.mozdef.example.com" for k in range(1, 5) for dc in ("scl3", "phx1")
]
_SYSCALLS = ["execve", "open", "connect", "setuid", "chmod", "unlink"]
_PROGRAMS = ["cron", "systemd", "rsyslogd", "postfix/smtpd", "ntpd", "dbus-daemon"]


def _ip_internal(h: int) -> str:
    return f"10.{h & 255}.{h >> 8 & 255}.{(h >> 16 & 253) + 1}"


def _ip_external(h: int) -> str:
    # First octets between 11 and 199 keep clear of 10/8, 127/8 and the needle's 203/8.
    return f"{11 + h % 189}.{h >> 8 & 255}.{h >> 16 & 255}.{(h >> 24 & 253) + 1}"


def _user(h: int, i: int) -> str:
    if i % ADM_EVERY == ADM_OFFSET:
        return ADM_USERS[h % len(ADM_USERS)]
    return USERS[h % len(USERS)]


Details = dict[str, Any]
Parts = tuple[str, str, str, Details]


def _syslog(h: int, i: int) -> Parts:
    program = _PROGRAMS[h % 6]
    user = _user(h >> 3, i)
    summary = (
        f"pam_unix({program}:session): session {h >> 12 & 65535} opened for user {user} "
        f"by (uid=0) on tty{h >> 30 & 7}"
    )
    return summary, "syslog", program, {"program": program, "facility": "daemon", "pri": 30}


def _authentication(h: int, i: int) -> Parts:
    user, ip, port = _user(h, i), _ip_external(h >> 10), 1024 + (h >> 42 & 32767)
    ok = h >> 60 & 3 != 0
    verb = "Accepted publickey" if ok else "Failed password"
    summary = (
        f"{verb} for {user} from {ip} port {port} ssh2: RSA SHA256:{h >> 70 & (1 << 96) - 1:024x}"
    )
    details = {
        "username": user,
        "sourceipaddress": ip,
        "sourceport": port,
        "authmethod": "publickey" if ok else "password",
        "success": ok,
        "program": "sshd",
    }
    return summary, "auth", "sshd", details


def _bro(h: int, i: int) -> Parts:
    src, dst = _ip_internal(h), _ip_external(h >> 24)
    sport, dport = 1024 + (h >> 56 & 32767), (22, 80, 443, 53, 3306, 8080)[h >> 72 & 3]
    details = {
        "sourceipaddress": src,
        "sourceport": sport,
        "destinationipaddress": dst,
        "destinationport": dport,
        "service": ("ssh", "http", "ssl", "dns")[h >> 72 & 3],
        "duration": (h >> 80 & 65535) / 1000,
        "originbytes": h >> 96 & 262143,
        "responderbytes": h >> 114 & 1048575,
    }
    summary = (
        f"bro conn {src}:{sport} -> {dst}:{dport} service={details['service']} "
        f"duration={details['duration']}s "
        f"bytes={details['originbytes']}/{details['responderbytes']}"
    )
    return summary, "conn", "bro", details


def _dns(h: int, i: int) -> Parts:
    src, query = _ip_internal(h), f"host{h >> 24 & 1023}.{_DOMAINS[h >> 34 & 3]}"
    qtype = ("A", "AAAA", "MX", "TXT")[h >> 40 & 3]
    rcode = "NOERROR" if h >> 44 & 7 else "NXDOMAIN"
    details = {
        "sourceipaddress": src,
        "destinationipaddress": "10.0.0.53",
        "query": query,
        "qtype_name": qtype,
        "rcode_name": rcode,
        "uid": f"C{h >> 50 & 0xFFFFFFFFFF:010x}",
        "answers": [_ip_external(h >> 90)],
    }
    summary = f"bro dns query {query} type {qtype} from {src} to 10.0.0.53 answered {rcode}"
    return summary, "dns", "bro", details


def _weblog(h: int, i: int) -> Parts:
    ip, path = _ip_external(h), _PATHS[(h >> 32) % 7]
    method, status = ("GET", "POST")[h >> 35 & 1], (200, 200, 200, 301, 404, 500)[h >> 36 & 3]
    details = {
        "sourceipaddress": ip,
        "method": method,
        "url": path,
        "status": status,
        "bytes": h >> 40 & 131071,
        "useragent": _AGENTS[h >> 60 & 3],
        "referrer": f"https://{_DOMAINS[h >> 62 & 3]}/",
    }
    return (
        f'{ip} "{method} {path} HTTP/1.1" {status} {details["bytes"]}',
        "apache",
        "httpd",
        details,
    )


def _proxy(h: int, i: int) -> Parts:
    ip, host = _ip_internal(h), _DOMAINS[h >> 24 & 3]
    url = f"https://{host}{_PATHS[h >> 26 & 3]}"
    details = {
        "sourceipaddress": ip,
        "destination": url,
        "host": host,
        "method": "CONNECT",
        "status": (200, 200, 403, 407)[h >> 30 & 3],
        "bytes": h >> 32 & 1048575,
        "username": _user(h >> 52, i),
    }
    summary = f"squid {ip} CONNECT {url} {details['status']} {details['bytes']}"
    return summary, "squid", "squid", details


def _cloudtrail(h: int, i: int) -> Parts:
    name, user, ip = _AWS_EVENTS[h % 6], _user(h >> 3, i), _ip_external(h >> 13)
    region = ("us-east-1", "us-west-2", "eu-west-1")[h >> 45 & 1]
    details = {
        "eventname": name,
        "eventsource": "iam.amazonaws.com",
        "awsregion": region,
        "sourceipaddress": ip,
        "username": user,
        "useridentity": {"type": "IAMUser", "accountid": f"{h >> 50 & 0xFFFFFFFF:012d}"},
        "requestid": f"{h >> 82 & 0xFFFFFFFFFFFF:012x}",
    }
    summary = f"cloudtrail: {user} called {name} on iam.amazonaws.com in {region} from {ip}"
    return summary, "cloudtrail", "cloudtrail", details


def _firewall(h: int, i: int) -> Parts:
    src, dst = _ip_external(h), _ip_internal(h >> 32)
    sport, dport = 1024 + (h >> 56 & 32767), (22, 80, 443, 25, 3389, 445)[h >> 72 & 3]
    action = ("ACCEPT", "DROP", "REJECT", "ACCEPT")[h >> 74 & 3]
    details = {
        "sourceipaddress": src,
        "destinationipaddress": dst,
        "sourceport": sport,
        "destinationport": dport,
        "action": action,
        "protocol": "TCP",
        "interface": f"eth{h >> 76 & 1}",
        "ruleid": h >> 78 & 255,
    }
    summary = (
        f"iptables {action} IN=eth0 OUT= SRC={src} DST={dst} LEN=60 TTL=52 PROTO=TCP "
        f"SPT={sport} DPT={dport}"
    )
    return summary, "iptables", "kernel", details


def _suricata(h: int, i: int) -> Parts:
    sid, signature = _SIGNATURES[h & 3]
    src, dst = _ip_external(h >> 2), _ip_internal(h >> 34)
    details = {
        "signature": signature,
        "signature_id": sid,
        "alert_severity": 1 + (h >> 60 & 1),
        "sourceipaddress": src,
        "destinationipaddress": dst,
        "sourceport": 1024 + (h >> 62 & 32767),
        "destinationport": 443,
        "proto": "TCP",
    }
    return f"{signature} {src} -> {dst}", "eve-log", "suricata", details


def _auditd(h: int, i: int) -> Parts:
    user, syscall, uid = _user(h, i), _SYSCALLS[h >> 12 & 3], 1000 + (h >> 16 & 1023)
    exe = ("/usr/bin/sudo", "/usr/bin/ssh", "/bin/bash", "/usr/bin/python3")[h >> 28 & 3]
    details = {
        "username": user,
        "auid": uid,
        "uid": uid,
        "exe": exe,
        "syscall": syscall,
        "success": "yes" if h >> 30 & 7 else "no",
        "cwd": f"/home/{user}",
    }
    return f"auditd {syscall} by {user} ({uid}) exe={exe}", "audisp-json", "audisp-json", details


def _ldap(h: int, i: int) -> Parts:
    user, ip = _user(h, i), _ip_internal(h >> 12)
    result = "0" if h >> 40 & 7 else "49"
    details = {
        "username": user,
        "dn": f"mail={user}@example.com,o=com,dc=example",
        "action": "BIND",
        "result": result,
        "sourceipaddress": ip,
        "conn": h >> 44 & 1048575,
    }
    return f"LDAP BIND dn={user} from {ip} result={result}", "ldap", "slapd", details


def _duo(h: int, i: int) -> Parts:
    user, ip = _user(h, i), _ip_external(h >> 12)
    factor = ("push", "phone", "sms", "u2f")[h >> 44 & 3]
    result = "SUCCESS" if h >> 46 & 7 else "FAILURE"
    details = {
        "username": user,
        "factor": factor,
        "result": result,
        "sourceipaddress": ip,
        "integration": ("vpn", "sso", "ssh")[h >> 50 & 1],
        "location": {"country": "US", "city": "Portland"},
    }
    return f"duo {factor} authentication {result} for {user} from {ip}", "duo", "duo", details


def _vpn(h: int, i: int) -> Parts:
    user, ip, assigned = _user(h, i), _ip_external(h >> 12), _ip_internal(h >> 44)
    details = {
        "username": user,
        "sourceipaddress": ip,
        "assignedip": assigned,
        "bytesin": h >> 68 & 4194303,
        "bytesout": h >> 90 & 4194303,
        "duration": h >> 112 & 65535,
    }
    return f"openvpn {user}/{ip} connected, assigned {assigned}", "openvpn", "openvpn", details


def _dhcp(h: int, i: int) -> Parts:
    mac = f"{h & 255:02x}:{h >> 8 & 255:02x}:{h >> 16 & 255:02x}:00:5e:{h >> 24 & 255:02x}"
    ip = _ip_internal(h >> 48)
    details = {
        "macaddress": mac,
        "assignedip": ip,
        "clienthostname": f"laptop-{h >> 72 & 4095}",
        "leasetime": 86400,
    }
    summary = f"DHCPACK on {ip} to {mac} ({details['clienthostname']}) via eth0 lease 86400s"
    return summary, "dhcpd", "dhcpd", details


def _kernel(h: int, i: int) -> Parts:
    iface = f"eth{h & 1}"
    details = {"iface": iface, "level": ("info", "warn")[h >> 1 & 1], "uptime": h >> 2 & 16777215}
    summary = (
        f"e1000e 0000:00:19.0 {iface}: NIC Link is Up 1000 Mbps Full Duplex, "
        f"Flow Control: Rx/Tx lpa 0x{h >> 30 & 0xFFFF:04X}"
    )
    return summary, "kernel", "kernel", details


_CATEGORIES: list[tuple[str, Callable[[int, int], Parts], int]] = [
    ("syslog", _syslog, 10),
    ("authentication", _authentication, 6),
    ("bro", _bro, 16),
    ("dns", _dns, 8),
    ("weblog", _weblog, 8),
    ("proxy", _proxy, 6),
    ("cloudtrail", _cloudtrail, 4),
    ("firewall", _firewall, 14),
    ("suricata", _suricata, 3),
    ("auditd", _auditd, 6),
    ("ldap", _ldap, 4),
    ("duo", _duo, 3),
    ("vpn", _vpn, 3),
    ("dhcp", _dhcp, 5),
    ("kernel", _kernel, 4),
]
# One slot per percent: a category's weight is its share of events.
_SLOTS = [(name, make) for name, make, weight in _CATEGORIES for _ in range(weight)]
CATEGORIES = [name for name, _, _ in _CATEGORIES]


def _timestamp_prefix(day: dt.date) -> str:
    return day.isoformat() + "T"


def event(i: int, n: int, *, seed: int = 1, day: dt.date) -> dict[str, Any]:
    """Event number `i` of a day of `n` events."""
    return _event(i, n, seed, _timestamp_prefix(day))


def _event(i: int, n: int, seed: int, prefix: str) -> dict[str, Any]:
    h = int.from_bytes(blake2b(b"%d:%d" % (seed, i), digest_size=24).digest(), "little")
    name, make = _SLOTS[h % 100]
    if i % NEEDLE_EVERY == NEEDLE_OFFSET:
        name, make = "authentication", _authentication
    summary, source, processname, details = make(h >> 7, i)
    if name == "authentication" and i % NEEDLE_EVERY == NEEDLE_OFFSET:
        summary = summary.replace(details["sourceipaddress"], NEEDLE_IP)
        details["sourceipaddress"] = NEEDLE_IP
    if i % RARE_EVERY == RARE_OFFSET:
        summary = f"{summary} {RARE_WORD}"
    # Shipper metadata: every event carries it, as in real collections.
    details["sourcefile"] = f"/var/log/remote/{source}/{name}-current.json.log"
    details["collector"] = _COLLECTORS[h >> 184 & 7]
    hosts = WEB_HOSTS if i % WEB_EVERY == WEB_OFFSET else HOSTS
    us = i * 86_400_000_000 // n
    sec, us = divmod(us, 1_000_000)
    mins, sec = divmod(sec, 60)
    hour, mins = divmod(mins, 60)
    return {
        "timestamp": f"{prefix}{hour:02d}:{mins:02d}:{sec:02d}.{us:06d}+00:00",
        "hostname": hosts[(h >> 160) % len(hosts)],
        "summary": summary,
        "category": name,
        "source": source,
        "severity": _SEVERITIES[h >> 176 & 15],
        "processname": processname,
        "processid": str(100 + (h >> 180 & 32767)),
        "tags": ["mozdef", source, f"{name}-events"],
        "details": details,
    }


def events(n: int, *, seed: int = 1, day: dt.date, start: int = 0) -> Iterator[dict[str, Any]]:
    """Events number `start` to `n - 1` of a day of `n` events, in time order."""
    prefix = _timestamp_prefix(day)
    for i in range(start, n):
        yield _event(i, n, seed, prefix)


def ndjson_batches(n: int, batch: int, **kw: Any) -> Iterator[bytes]:
    """The same events as newline-delimited JSON, `batch` events per chunk."""
    lines: list[bytes] = []
    for doc in events(n, **kw):
        lines.append(orjson.dumps(doc))
        if len(lines) == batch:
            yield b"\n".join(lines) + b"\n"
            lines = []
    if lines:
        yield b"\n".join(lines) + b"\n"
