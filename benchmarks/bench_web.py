"""Server time of the alerts and incidents pages over 100,000 alerts and 10,000
incidents, and how soon a new alert reaches a browser that follows the live feed.

    python benchmarks/bench_web.py --data DIR [--alerts N] [--incidents M] [--runs R]
                                   [--live L]

Builds (or reuses, when DIR holds one built with the same sizes) a data folder with
`N` alerts (default 100,000) written through AlertStore into the embedded tantivy
store, committed, and `M` incidents (default 10,000) created through IncidentStore
in the folder's SQLite database. Both are drawn from one seed: 40 rules in 20
categories, five severities, mixed statuses with their history, 1 to 25 sample
events per alert, spread over the 30 days before END; incidents with VERIS tags,
ATT&CK techniques, notes, indicators and links to alerts. Only the ids the stores
make themselves (incidents, their items) differ from one build to the next.

Then starts a real `mozdef serve` on the folder and, from this process:
- sends each case's requests `R` times (default 30) after three warm-up runs over
  keep-alive connections, and prints the median and p95 of the wall time of the
  requests over loopback. The app sends no timing header, so this is the server's
  time plus a loopback round trip and httpx reading the answer. API cases carry an
  admin's API token; the HTML pages a session cookie, as a browser does;
- opens a WebSocket on /api/v1/live with the token, follows alert.created, and
  posts `L` events (default 20, after one warm-up) that a streaming rule turns
  into alerts, one at a time. It prints the time from the alert's `utctimestamp`
  (set by the alert engine right before it saves the alert) to the message's
  arrival, and from the intake's answer to the arrival: both clocks are this
  machine's. The probes' alerts (category `benchmark`) stay in the folder, so on
  a reused folder they head the unfiltered first page.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from mozdef.alerts.model import SEVERITIES, Alert, EventSample, Severity, Status, StatusChange
from mozdef.alerts.store import AlertStore, format_time
from mozdef.appdb import AppDb
from mozdef.auth import COOKIE, SessionStore, TokenStore, User, UserStore
from mozdef.incidents import IncidentStore
from mozdef.incidents.fields import PHASES
from mozdef.store.tantivy import TantivyStore

SEED = 20261201
END = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
DAYS = 30
BATCH = 2000
COMMIT_SECONDS = 5.0
TARGET_MS = 300.0
LIVE_TARGET_S = 1.0
USER = "bench-web"
LIVE_RULE = "bench-live"
RULE_YAML = f"""\
id: {LIVE_RULE}
name: Benchmark probe seen
query: 'summary:benchprobe'
mode: streaming
severity: WARNING
category: benchmark
summary: 'benchprobe from {{hostname}}'
dedup_window: 1s
"""
# Probes are spaced beyond the rule's dedup window, so that each one opens an alert.
PROBE_GAP_SECONDS = 1.3

CATEGORIES = (
    *("bruteforce", "authentication", "malware", "portscan", "exfiltration", "privilege"),
    *("persistence", "phishing", "webattack", "dos", "policy", "geomodel", "vpn"),
    *("cloudtrail", "proxy", "dns", "ids", "deadman", "account", "configuration"),
)
RULE_KINDS = ("threshold", "match")
PROGRAMS = ("sshd", "sudo", "nginx", "auditd", "openvpn", "named", "suricata", "cloudtrail")
ACTIONS = ("Failed password", "Accepted publickey", "denied", "blocked", "login", "modified")
USERS = tuple(f"user{number:03d}" for number in range(300))
HANDLERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
SEVERITY_WEIGHTS = (30, 30, 25, 10, 5)
STATUS_WEIGHTS: dict[Status, int] = {"new": 35, "acknowledged": 20, "escalated": 5, "closed": 40}
VERIS = (
    "action.hacking.variety.Brute force",
    "action.hacking.variety.Backdoor",
    "action.hacking.variety.Abuse of functionality",
    "action.malware.variety.Adware",
    "action.malware.variety.Backdoor",
    "action.social.variety.Baiting",
    "action.social.variety.Extortion",
)
TECHNIQUES = ("T1110", "T1078", "T1566", "T1059", "T1021", "T1190", "T1486", "T1071.001")
# A word in about one incident summary in twelve, for the text filter.
RARE_WORD = "lateral"


# Building the data folder.


@dataclass(frozen=True)
class RuleSpec:
    id: str
    category: str


RULES = tuple(RuleSpec(f"{cat}-{kind}", cat) for cat in CATEGORIES for kind in RULE_KINDS)
# A few rules raise most alerts, as in a real deployment.
RULE_WEIGHTS = tuple(1 / (rank + 1) ** 0.8 for rank in range(len(RULES)))


def build(folder: Path, alerts: int, incidents: int) -> None:
    marker = folder / "built.json"
    wanted = {"alerts": alerts, "incidents": incidents, "seed": SEED, "end": END.isoformat()}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        print(f"reusing the data folder {folder / 'data'}")
        return
    shutil.rmtree(folder / "data", ignore_errors=True)
    data = folder / "data"
    started = time.perf_counter()
    alert_ids = store_alerts(data, alerts)
    report_built("alerts", alerts, started)
    started = time.perf_counter()
    store_incidents(data, incidents, alert_ids)
    report_built("incidents", incidents, started)
    marker.write_text(json.dumps(wanted))


def report_built(kind: str, count: int, started: float) -> None:
    seconds = time.perf_counter() - started
    print(f"built {count:,} {kind} in {seconds:.0f} s: {count / seconds:,.0f} {kind}/s")


def store_alerts(data: Path, count: int) -> list[str]:
    store = TantivyStore(data / "store", writer_heap_bytes=256_000_000, max_writers=2)
    alerts = AlertStore(store, commit=False)
    ids: list[str] = []
    batch: list[Alert] = []
    last_commit = time.monotonic()
    for alert in generate_alerts(count, random.Random(SEED)):
        ids.append(alert.id)
        batch.append(alert)
        if len(batch) == BATCH:
            alerts.save_many(batch)
            batch = []
            if time.monotonic() - last_commit >= COMMIT_SECONDS:
                store.commit()
                last_commit = time.monotonic()
    alerts.save_many(batch)
    store.commit()
    store.close()
    return ids


def generate_alerts(count: int, rng: random.Random) -> Iterator[Alert]:
    span = DAYS * 86400
    for _ in range(count):
        rule = rng.choices(RULES, RULE_WEIGHTS)[0]
        created = END - dt.timedelta(seconds=rng.uniform(0, span))
        samples = [sample_event(rule, created, rng) for _ in range(rng.randint(1, 25))]
        status: Status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        source = samples[0].source["details"]["sourceipaddress"]
        host = samples[0].source["hostname"]
        severity: Severity = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
        yield Alert(
            id=f"{rng.getrandbits(128):032x}",
            utctimestamp=created,
            rule_id=rule.id,
            summary=f"{rule.id}: {len(samples)} events from {source} on {host}",
            category=rule.category,
            severity=severity,
            tags=[rule.category, rule.id.rpartition("-")[2]],
            count=len(samples) + rng.choice((0, 0, 0, rng.randint(1, 500))),
            events=samples,
            dedup_key=source,
            last_seen=created + dt.timedelta(minutes=rng.randint(0, 240)),
            status=status,
            history=history(status, created, rng),
            details={"sourceipaddress": source, "rule": rule.id},
        )


def sample_event(rule: RuleSpec, around: dt.datetime, rng: random.Random) -> EventSample:
    moment = around - dt.timedelta(seconds=rng.uniform(0, 300))
    stamp = format_time(moment)
    program, action, user = rng.choice(PROGRAMS), rng.choice(ACTIONS), rng.choice(USERS)
    address = f"198.51.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    port = rng.randint(1024, 65535)
    host = f"{rng.choice(('web', 'db', 'bastion', 'vpn', 'mail'))}{rng.randint(1, 40)}.example.com"
    source = {
        "utctimestamp": stamp,
        "receivedtimestamp": stamp,
        "timestamp": stamp,
        "hostname": host,
        "processname": program,
        "processid": rng.randint(100, 65000),
        "severity": "INFO",
        "summary": f"{program}: {action} for {user} from {address} port {port}",
        "category": rule.category,
        "source": "syslog",
        "tags": ["syslog"],
        "mozdefhostname": "mozdef1.example.com",
        "details": {"sourceipaddress": address, "sourceport": port, "username": user},
    }
    index = f"events-{moment:%Y%m%d}"
    return EventSample(f"{rng.getrandbits(64):016x}", index, source)


def history(status: Status, created: dt.datetime, rng: random.Random) -> list[StatusChange]:
    if status == "new":
        return []
    by = rng.choice(HANDLERS)
    changes = [StatusChange("acknowledged", by, created + dt.timedelta(minutes=rng.randint(1, 60)))]
    if status != "acknowledged":
        later = changes[0].at + dt.timedelta(minutes=rng.randint(1, 600))
        changes.append(StatusChange(status, by, later, note="handled in the weekly review"))
    return changes


def store_incidents(data: Path, count: int, alert_ids: list[str]) -> None:
    rng = random.Random(SEED + 1)
    database = AppDb.in_folder(data)
    try:
        for _ in range(count):
            values = incident_values(rng, alert_ids)
            opened = dt.datetime.fromisoformat(values["opened"])
            store = IncidentStore(database, clock=functools.partial(_same, opened))
            store.create(values, by=rng.choice(HANDLERS))
    finally:
        database.close()


def _same(moment: dt.datetime) -> dt.datetime:
    return moment


def incident_values(rng: random.Random, alert_ids: list[str]) -> dict[str, Any]:
    opened = END - dt.timedelta(seconds=rng.uniform(0, DAYS * 86400))
    category = rng.choice(CATEGORIES)
    host = f"{rng.choice(('web', 'db', 'bastion'))}{rng.randint(1, 40)}.example.com"
    word = RARE_WORD if rng.random() < 1 / 12 else rng.choice(("suspicious", "repeated", "odd"))
    closed = rng.random() < 0.7
    values: dict[str, Any] = {
        "summary": f"{word} {category} activity on {host}",
        "description": f"Raised from {category} alerts on {host}; see the timeline. " * 4,
        "status": "closed" if closed else "open",
        "phase": PHASES[-1] if closed else rng.choice(PHASES[:-1]),
        "assignee": rng.choice((*HANDLERS, None)),
        "opened": opened.isoformat(),
        "veris": rng.sample(VERIS, rng.randint(1, 3)),
        "techniques": rng.sample(TECHNIQUES, rng.randint(0, 2)),
        "notes": [{"text": f"note {n}: checked {host} logs"} for n in range(rng.randint(1, 5))],
        "indicators": indicators(rng, host),
        "alerts": rng.sample(alert_ids, min(len(alert_ids), rng.randint(0, 3))),
    }
    if closed:
        values["closed"] = (opened + dt.timedelta(hours=rng.randint(1, 200))).isoformat()
    return values


def indicators(rng: random.Random, host: str) -> list[dict[str, str]]:
    found = [
        {"type": "ipv4", "value": f"203.0.113.{rng.randint(1, 254)}", "note": "source"},
        {"type": "fqdn", "value": host, "note": "target"},
    ]
    for _ in range(rng.randint(0, 4)):
        found.append({"type": "sha256", "value": f"{rng.getrandbits(256):064x}", "note": ""})
    return found


# The running server.


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    token: str
    session: str
    ready_seconds: float = 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


def start_server(folder: Path) -> Server:
    data = folder / "data"
    rules = folder / "rules"
    rules.mkdir(exist_ok=True)
    (rules / f"{LIVE_RULE}.yaml").write_text(RULE_YAML)
    token, session = credentials(data)
    port = free_port()
    environment = {
        **os.environ,
        "MOZDEF_ALERTS_RULE_FOLDERS": str(rules),
        # The data is dated: keep it whatever the day the benchmark runs.
        "MOZDEF_RETENTION_ALERTS_DAYS": "0",
        "MOZDEF_RETENTION_EVENTS_DAYS": "0",
    }
    argv = [sys.executable, "-m", "mozdef.cli", "serve", "--data-dir", str(data)]
    log = folder / "serve.log"
    started = time.perf_counter()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*argv, "--port", str(port)], env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", process, log, token, session)
    wait_ready(server)
    server.ready_seconds = time.perf_counter() - started
    return server


def credentials(data: Path) -> tuple[str, str]:
    """An admin's new API token and login session, in the folder's database."""
    database = AppDb.in_folder(data)
    try:
        users = UserStore(database)
        user: User = users.get(USER) or users.add(USER, "admin", None)
        token = TokenStore(database).create(user, f"bench-{os.getpid()}").token
        session = SessionStore(database, hours=12).create(user).id
        return token, session
    finally:
        database.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(server: Server, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"mozdef serve exited: {server.log.read_text()[-2000:]}")
        try:
            if httpx.get(server.url + "/status", timeout=2).status_code in (200, 503):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"mozdef serve not ready after {timeout:.0f} s; see {server.log}")


# Page timings.


@dataclass(frozen=True)
class Case:
    name: str
    # Requests in steps: the paths of a step are sent at once, as a page does.
    steps: tuple[tuple[str, ...], ...]
    browser: bool = False


@dataclass
class Row:
    case: Case
    median_ms: float = 0.0
    p95_ms: float = 0.0
    statuses: list[int] = field(default_factory=list)
    total: int | None = None
    kib: float = 0.0


def one(path: str) -> tuple[tuple[str, ...], ...]:
    return ((path,),)


def cases(alert_id: str, incident_id: str) -> list[Case]:
    week = f"start={format_time(END - dt.timedelta(days=7))}&end={format_time(END)}"
    open_week = f"/api/v1/alerts?status=new,acknowledged,escalated&{week}".replace("+", "%2B")
    counts = tuple(f"{open_week}&severity={severity}&size=0" for severity in SEVERITIES)
    return [
        Case("alerts: first page (50)", one("/api/v1/alerts?size=50")),
        Case("alerts: status=new", one("/api/v1/alerts?status=new&size=50")),
        Case(
            "alerts: severity=WARNING, category",
            one("/api/v1/alerts?severity=WARNING&category=portscan&size=50"),
        ),
        Case("alerts: page 100 (from 4950)", one("/api/v1/alerts?size=50&from=4950")),
        Case("alerts: one alert", one(f"/api/v1/alerts/{alert_id}")),
        Case("/alerts data: 200 open of 7 days, 5 counts", ((f"{open_week}&size=200",), counts)),
        Case("incidents: first page (50)", one("/api/v1/incidents?limit=50")),
        Case("incidents: status=open", one("/api/v1/incidents?status=open&limit=50")),
        Case("incidents: page 101 (offset 5000)", one("/api/v1/incidents?limit=50&offset=5000")),
        Case("incidents: veris=action.hacking", one("/api/v1/incidents?veris=action.hacking")),
        Case(f"incidents: q={RARE_WORD} (summary text)", one(f"/api/v1/incidents?q={RARE_WORD}")),
        Case("incidents: one incident", one(f"/api/v1/incidents/{incident_id}")),
        Case("HTML /alerts (session cookie)", one("/alerts"), browser=True),
        Case("HTML /incidents (session cookie)", one("/incidents"), browser=True),
    ]


async def first_ids(client: httpx.AsyncClient) -> tuple[str, str]:
    """The newest built alert (not a probe of an earlier run) and the newest incident."""
    built = f"/api/v1/alerts?size=1&end={format_time(END)}".replace("+", "%2B")
    alerts = (await client.get(built)).json()["alerts"]
    incidents = (await client.get("/api/v1/incidents?limit=1")).json()["cases"]
    return alerts[0]["id"], incidents[0]["id"]


async def measure_pages(server: Server, runs: int) -> list[Row]:
    api = httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, timeout=60
    )
    browser = httpx.AsyncClient(base_url=server.url, cookies={COOKIE: server.session}, timeout=60)
    async with api, browser:
        alert_id, incident_id = await first_ids(api)
        return [
            await measure(browser if case.browser else api, case, runs)
            for case in cases(alert_id, incident_id)
        ]


async def measure(client: httpx.AsyncClient, case: Case, runs: int) -> Row:
    row = Row(case)
    for _ in range(3):
        await timed(client, case, row)
    timings = [await timed(client, case, row) for _ in range(runs)]
    row.median_ms = statistics.median(timings)
    row.p95_ms = statistics.quantiles(timings, n=20, method="inclusive")[18]
    return row


async def timed(client: httpx.AsyncClient, case: Case, row: Row) -> float:
    started = time.perf_counter()
    answers: list[httpx.Response] = []
    for step in case.steps:
        answers += await asyncio.gather(*(client.get(path) for path in step))
    elapsed = (time.perf_counter() - started) * 1000
    row.statuses = sorted({answer.status_code for answer in answers})
    row.kib = sum(len(answer.content) for answer in answers) / 1024
    if answers[0].headers.get("content-type", "").startswith("application/json"):
        total = answers[0].json().get("total")
        row.total = total if isinstance(total, int) else None
    return elapsed


# Live latency.


@dataclass
class Probe:
    stored_to_browser_s: float
    acked_to_browser_s: float


async def measure_live(server: Server, probes: int) -> tuple[list[Probe], int]:
    """`probes` timed alerts after one warm-up; the count of probes that never arrived."""
    ws_url = server.url.replace("http://", "ws://") + "/api/v1/live"
    headers = {"Authorization": f"Bearer {server.token}"}
    found: list[Probe] = []
    missed = 0
    async with connect(ws_url, additional_headers=headers) as live:
        await live.send(orjson.dumps({"subscribe": ["alert.created"]}).decode())
        await next_frame(live, lambda frame: "subscribed" in frame, 10)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as intake:
            for number in range(probes + 1):
                probe = await one_probe(live, intake, f"probe{os.getpid()}-{number}")
                if probe is None:
                    missed += 1
                elif number > 0:
                    found.append(probe)
                await asyncio.sleep(PROBE_GAP_SECONDS)
    return found, missed


async def one_probe(live: ClientConnection, intake: httpx.AsyncClient, host: str) -> Probe | None:
    event = {"summary": f"benchprobe raised by {host}", "hostname": host, "category": "bench"}
    answer = await intake.post("/events", content=orjson.dumps(event))
    acked = time.time()
    answer.raise_for_status()

    def ours(frame: dict[str, Any]) -> bool:
        payload = frame.get("payload") or {}
        return frame.get("topic") == "alert.created" and host in str(payload.get("summary"))

    try:
        frame = await next_frame(live, ours, 15)
    except TimeoutError:
        return None
    arrived = time.time()
    stored = dt.datetime.fromisoformat(frame["payload"]["utctimestamp"]).timestamp()
    return Probe(arrived - stored, arrived - acked)


async def next_frame(
    live: ClientConnection, wanted: Callable[[dict[str, Any]], bool], seconds: float
) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while True:
            frame = orjson.loads(await live.recv())
            if isinstance(frame, dict) and wanted(frame):
                return frame


# Output.


def print_pages(rows: list[Row], args: argparse.Namespace) -> None:
    sizes = f"{args.alerts:,} alerts, {args.incidents:,} incidents"
    print(f"\n{sizes}; {args.runs} runs after 3 warm-ups")
    print("wall time of the requests over loopback, ms (no timing header is sent)\n")
    header = f"{'case':46} {'median':>8} {'p95':>8} {'target':>7}  {'KiB':>7} {'total':>8}"
    print(header)
    print("-" * len(header))
    for row in rows:
        if row.statuses != [200]:
            missing = ": the route is not mounted" if row.statuses == [404] else ""
            print(f"{row.case.name:46} answered HTTP {row.statuses}{missing}")
            continue
        verdict = "ok" if row.median_ms <= TARGET_MS else "SLOW"
        total = "" if row.total is None else f"{row.total:,}"
        print(
            f"{row.case.name:46} {row.median_ms:8.1f} {row.p95_ms:8.1f} {TARGET_MS:5.0f} "
            f"{verdict:4} {row.kib:7.1f} {total:>8}"
        )


def print_live(found: list[Probe], missed: int) -> None:
    print(f"\nlive: {len(found)} alerts over a WebSocket on /api/v1/live, {missed} never arrived")
    if not found:
        return
    for name, values in (
        ("alert utctimestamp -> browser", [p.stored_to_browser_s for p in found]),
        ("intake answered -> browser", [p.acked_to_browser_s for p in found]),
    ):
        median, most = statistics.median(values), max(values)
        verdict = "ok" if most <= LIVE_TARGET_S else "SLOW"
        print(f"{name:32} median {median * 1000:6.0f} ms  max {most * 1000:6.0f} ms  {verdict}")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--data", type=Path, required=True)
    options.add_argument("--alerts", type=int, default=100_000)
    options.add_argument("--incidents", type=int, default=10_000)
    options.add_argument("--runs", type=int, default=30)
    options.add_argument("--live", type=int, default=20)
    args = options.parse_args()

    args.data.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {load()}")
    build(args.data, args.alerts, args.incidents)
    server = start_server(args.data)
    try:
        print(f"mozdef serve answered /status {server.ready_seconds:.1f} s after it started")
        rows = asyncio.run(measure_pages(server, args.runs))
        found, missed = asyncio.run(measure_live(server, args.live))
        rss = server.rss_mib()
    finally:
        server.stop()
    print_pages(rows, args)
    print_live(found, missed)
    print(f"\nserver resident memory at the end: {rss:,.0f} MiB")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
