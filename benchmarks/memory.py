"""Memory over millions of queries: resolve_many in batches, resolve one name at a time, link,
and queries that raise CanonicaError, on one resolver, printing the resident set size (RSS) at
intervals. A leak shows as RSS that keeps growing once the first rounds have warmed up.

    python benchmarks/memory.py [--queries N] [--links N] [--kb countries|PATH] [--check]

With --check the exit status is 1 when RSS grew by more than 16 MB (and 10%) between the end of
the first round and the end of the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

import canonica

ROOT = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """The resident set size of this process now, in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def queries(count: int, seed: int = 7) -> list[str]:
    """Names from the shared case corpus and the built-in countries, with typos, case changes
    and titles mixed in, so that every kind of lookup runs."""
    base = [
        json.loads(line)["query"]
        for line in (ROOT / "tests" / "data" / "cases.jsonl").read_text().splitlines()
        if line.strip()
    ]
    base += [e.name for e in canonica.countries().entities()]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        name = rng.choice(base)
        roll = rng.random()
        if roll < 0.2 and len(name) > 4:
            i = rng.randrange(len(name))
            name = name[:i] + name[i + 1 :]  # a letter dropped
        elif roll < 0.3:
            name = "President " + name
        elif roll < 0.4:
            name = name.upper()
        out.append(name)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=2_000_000, help="names per round kind")
    parser.add_argument("--links", type=int, default=50_000, help="texts linked")
    parser.add_argument("--kb", default="countries", help="countries or a JSONL knowledge base")
    parser.add_argument("--rounds", type=int, default=10, help="RSS is printed after each round")
    parser.add_argument("--check", action="store_true", help="exit 1 if memory grew")
    args = parser.parse_args()

    kb = (
        canonica.countries()
        if args.kb == "countries"
        else canonica.KnowledgeBase.from_jsonl(args.kb)
    )
    resolver = canonica.Resolver(kb)
    names = queries(20_000)
    text = (ROOT / "examples" / "seed_article.txt").read_text(encoding="utf-8")
    print(
        f"canonica {canonica.__version__}, {len(kb)} entities, {canonica.num_threads()} threads, "
        f"{args.queries:,} names in batches + {args.queries // 4:,} one at a time + "
        f"{args.links:,} texts linked, in {args.rounds} rounds"
    )
    print(f"{'round':>5} {'queries':>11} {'seconds':>8} {'RSS MB':>8} {'peak MB':>8}")
    print(f"{'start':>5} {0:>11,} {0:>8.1f} {rss_mb():>8.1f} {peak_mb():>8.1f}")
    start = time.perf_counter()
    done = 0
    after_first = 0.0
    per_round = max(1, args.queries // args.rounds)
    for r in range(1, args.rounds + 1):
        # Batches, as the CLI and data frames call it.
        for at in range(0, per_round, 10_000):
            batch = [names[(at + i) % len(names)] for i in range(min(10_000, per_round - at))]
            resolver.resolve_many(batch)
            done += len(batch)
        # One at a time, with candidates now and then.
        for i in range(per_round // 4):
            name = names[(r * 7919 + i) % len(names)]
            resolver.resolve(name)
            if i % 16 == 0:
                resolver.candidates(name, limit=3)
            done += 1
        # Errors must not leak either.
        for i in range(per_round // 100):
            try:
                resolver.resolve(i)  # type: ignore[arg-type]
            except canonica.CanonicaError:
                pass
        for i in range(args.links // args.rounds):
            resolver.link(text, fuzzy=i % 8 == 0)
        rss = rss_mb()
        if r == 1:
            after_first = rss
        elapsed = time.perf_counter() - start
        print(f"{r:>5} {done:>11,} {elapsed:>8.1f} {rss:>8.1f} {peak_mb():>8.1f}", flush=True)
    growth = rss_mb() - after_first
    print(f"RSS growth after round 1: {growth:+.1f} MB ({growth / after_first:+.1%})")
    if args.check and growth > 16 and growth / after_first > 0.10:
        print("memory grew", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
