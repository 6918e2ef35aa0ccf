"""End to end: `POST /_bulk` from a separate process into `mozdef serve` until searchable.

    python benchmarks/bench_intake.py [--seconds 60] [--batch 1000] [--senders 1]

1. writes the bulk bodies of the deterministic corpus to a file (outside the timing);
2. starts `mozdef serve` on a fresh data folder;
3. sender processes post the bodies back to back over keep-alive connections;
4. a probe polls the store's count every 100 ms; a batch is searchable once the count
   reaches the number of events acknowledged up to and including it (the pipeline
   indexes in acknowledgement order), which gives intake-to-searchable latency per batch;
5. prints sustained events/s (acknowledged, and searchable at the end), latency
   percentiles, the server's peak RSS, and the CPU time per event of the serving
   process (HTTP intake, spool, searches) and of the worker process (pipeline, store).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).parent))
from corpus import events
from mozdef.appdb import AppDb
from mozdef.auth import TokenStore, UserStore

TODAY = dt.datetime.now(dt.UTC).date()


def write_bodies(path: Path, count: int, batch: int) -> None:
    """Bulk bodies, one per line of a length-prefixed file."""
    with path.open("wb") as out:
        lines: list[bytes] = []
        for event in events(count, day=TODAY):
            lines.append(b'{"index":{}}\n' + orjson.dumps(event))
            if len(lines) == batch:
                body = b"\n".join(lines) + b"\n"
                out.write(len(body).to_bytes(8, "big") + body)
                lines = []


def read_bodies(path: Path, part: int, parts: int) -> list[bytes]:
    bodies: list[bytes] = []
    with path.open("rb") as handle:
        while header := handle.read(8):
            bodies.append(handle.read(int.from_bytes(header, "big")))
    return bodies[part::parts]


def sender(port: int, path: str, part: int, parts: int, seconds: float, out: Any) -> None:
    bodies = read_bodies(Path(path), part, parts)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    acks: list[tuple[float, int]] = []
    deadline = time.monotonic() + seconds
    for body in bodies:
        if time.monotonic() >= deadline:
            break
        sent = time.time()
        connection.request("POST", "/_bulk", body, {"Content-Type": "application/x-ndjson"})
        answer = connection.getresponse()
        answer.read()
        if answer.status == 200:
            acks.append((sent, body.count(b"\n") // 2))
        else:
            time.sleep(float(answer.getheader("Retry-After") or 1))
    out.send(acks)


def api_token(data: Path) -> str:
    """A new API token of a benchmark user, for the searches of the probe."""
    database = AppDb.in_folder(data)
    try:
        user = UserStore(database).add("bench-intake", "viewer", None)
        return TokenStore(database).create(user, "bench-intake").token
    finally:
        database.close()


def probe(url: str, token: str, stop: threading.Event, samples: list[tuple[float, int]]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=10, headers=headers) as client:
        while not stop.is_set():
            params = {"q": "", "size": "0", "start": "now-2d", "end": "now+2d"}
            total = client.get(url + "/api/v1/events/search", params=params).json()["total"]
            samples.append((time.time(), total))
            time.sleep(0.1)


def latencies(acks: list[tuple[float, int]], samples: list[tuple[float, int]]) -> list[float]:
    """Seconds from sending each acknowledged batch to the first count that includes it."""
    out: list[float] = []
    cumulative = 0
    cursor = 0
    for sent, size in sorted(acks):
        cumulative += size
        while cursor < len(samples) and samples[cursor][1] < cumulative:
            cursor += 1
        if cursor == len(samples):
            break
        out.append(max(0.0, samples[cursor][0] - sent))
    return out


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory of the server and its worker process, summed (an upper
    bound of the peak of both together)."""
    pids = [pid, *_children(pid)]
    return sum(_peak_kib(p) for p in pids) / 1024


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def start_server(data: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "mozdef.cli", "serve", "--data-dir", str(data)]
    server = subprocess.Popen(
        [*command, "--port", str(port)], stderr=(data.parent / "serve.log").open("wb")
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/status", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def run(args: argparse.Namespace) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="mozdef-bench-"))
    bodies = work / "bodies.bin"
    count = int(args.rate_cap * args.seconds)
    write_bodies(bodies, count, args.batch)
    token = api_token(work / "data")
    server = start_server(work / "data", args.port)
    url = f"http://127.0.0.1:{args.port}"
    stop, samples = threading.Event(), list[tuple[float, int]]()
    prober = threading.Thread(target=probe, args=(url, token, stop, samples))
    prober.start()
    try:
        acks = _send(args, str(bodies))
        accepted = sum(size for _, size in acks)
        deadline = time.monotonic() + 60
        while (not samples or samples[-1][1] < accepted) and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
        prober.join()
        rss = peak_rss_mib(server.pid)
        serve_cpu = cpu_seconds(server.pid)
        worker_cpu = sum(cpu_seconds(child) for child in _children(server.pid))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)
    lat = sorted(latencies(acks, samples))
    elapsed = max(s for s, _ in acks) - min(s for s, _ in acks)
    return {
        "acked_events_per_s": accepted / elapsed,
        "searchable": samples[-1][1],
        "accepted": accepted,
        "p50_s": lat[len(lat) // 2],
        "p99_s": lat[int(len(lat) * 0.99) - 1],
        "peak_rss_mib": rss,
        "serve_cpu_us_per_event": serve_cpu / accepted * 1e6,
        "worker_cpu_us_per_event": worker_cpu / accepted * 1e6,
    }


def _send(args: argparse.Namespace, path: str) -> list[tuple[float, int]]:
    pipes, procs = [], []
    for part in range(args.senders):
        receive, send = multiprocessing.Pipe(duplex=False)
        proc = multiprocessing.Process(
            target=sender, args=(args.port, path, part, args.senders, args.seconds, send)
        )
        proc.start()
        pipes.append(receive)
        procs.append(proc)
    acks: list[tuple[float, int]] = []
    for receive, proc in zip(pipes, procs, strict=True):
        acks.extend(receive.recv())
        proc.join()
    return acks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=1)
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--rate-cap", type=float, default=40000, help="events generated per second of run"
    )
    args = parser.parse_args()
    results = [run(args) for _ in range(args.runs)]
    for key in results[0]:
        values = [r[key] for r in results]
        print(f"{key:>20}: median {statistics.median(values):10.2f}  runs {values}")


if __name__ == "__main__":
    main()
