"""Clustering a column of names, side by side: canonica.cluster against OpenRefine's methods
(key collision on the fingerprint and the n-gram fingerprints n=1 and n=2; nearest neighbours
by Levenshtein distance within radius 1 and 2 over blocks of 6-grams) and RapidFuzz (`cdist`
with `token_sort_ratio >= 90`, joined transitively), on data sets with truth
(`cluster_data.py`). Reports pairwise precision, recall and F1 and the time each takes; with
`--scale`, the time and peak memory of canonica on GeoNames names (10k, 100k, 560k, 1M) and
the keys per second per core of `fingerprint` and `ngram_fingerprint`.

    python benchmarks/cluster.py                 # every set, every tool
    python benchmarks/cluster.py --sets febrl1   # tuning: FEBRL 1 only
    python benchmarks/cluster.py --scale         # speed and memory

OpenRefine's methods are implemented here from their published definitions: a key collision
groups the values whose keys are equal; its nearest-neighbour method puts values that share a
6-gram in one block, compares the values of each block pairwise, and proposes every value with
those within the radius; the proposals are merged as a user accepting them all would, so a value
proposed with two others joins both (connected components), as RapidFuzz's pairs are joined too.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster_data  # noqa: E402

import canonica  # noqa: E402

Labels = list[int | None]


# --- metrics --------------------------------------------------------------------------------


def pairwise(labels: Sequence[int | None], truth: Sequence[str]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1: over the pairs of inputs, a pair is predicted when
    both have one label (no label: a cluster of its own), true when both have one entity."""

    def pairs(counts: dict[object, int]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    predicted: dict[object, int] = defaultdict(int)
    true: dict[object, int] = defaultdict(int)
    both: dict[object, int] = defaultdict(int)
    for i, (label, entity) in enumerate(zip(labels, truth, strict=True)):
        key = ("l", label) if label is not None else ("i", i)
        predicted[key] += 1
        true[entity] += 1
        both[(key, entity)] += 1
    tp, p, t = pairs(both), pairs(predicted), pairs(true)
    precision = tp / p if p else 1.0
    recall = tp / t if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def precision_ceiling(names: Sequence[str], truth: Sequence[str]) -> tuple[int, float]:
    """The pairs of rows written exactly alike that belong to different entities, and the best
    precision any clustering that keeps equal spellings together can reach, found every true
    pair: such pairs are always predicted, and no column of names tells them apart."""
    entities_of: dict[str, list[str]] = defaultdict(list)
    for name, entity in zip(names, truth, strict=True):
        if name:
            entities_of[name].append(entity)
    apart = 0
    for entities in entities_of.values():
        n = len(entities)
        same = sum(k * (k - 1) // 2 for k in Counter(entities).values())
        apart += n * (n - 1) // 2 - same
    true = sum(k * (k - 1) // 2 for k in Counter(truth).values())
    return apart, true / (true + apart) if true + apart else 1.0


# --- peers ----------------------------------------------------------------------------------


def by_key(names: Sequence[str], key: Callable[[str], str]) -> Labels:
    ids: dict[str, int] = {}
    return [ids.setdefault(key(n), len(ids)) for n in names]


def components(names: Sequence[str], edges: list[tuple[str, str]]) -> Labels:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    ids: dict[str, int] = {}
    return [ids.setdefault(find(n), len(ids)) for n in names]


def levenshtein_knn(names: Sequence[str], radius: int, block: int = 6) -> Labels:
    from rapidfuzz.distance import Levenshtein

    values = sorted(set(names))
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(values):
        grams = {v[j : j + block] for j in range(max(1, len(v) - block + 1))}
        for g in grams:
            blocks[g].append(i)
    edges: set[tuple[int, int]] = set()
    for members in blocks.values():
        for x in range(len(members)):
            a = values[members[x]]
            for y in range(x + 1, len(members)):
                pair = (members[x], members[y])
                if pair in edges:
                    continue
                if Levenshtein.distance(a, values[members[y]], score_cutoff=radius) <= radius:
                    edges.add(pair)
    return components(names, [(values[a], values[b]) for a, b in edges])


def rapidfuzz_cdist(names: Sequence[str], cutoff: int = 90) -> Labels:
    import numpy as np
    from rapidfuzz import fuzz, process, utils

    values = sorted(set(names))
    edges: list[tuple[str, str]] = []
    chunk = 2000
    for start in range(0, len(values), chunk):
        rows = values[start : start + chunk]
        scores = process.cdist(
            rows,
            values,
            scorer=fuzz.token_sort_ratio,
            processor=utils.default_process,
            score_cutoff=cutoff,
            dtype=np.uint8,
            workers=-1,
        )
        for i, j in zip(*np.nonzero(scores), strict=True):
            if start + i < j:
                edges.append((rows[i], values[j]))
    return components(names, edges)


TOOLS: dict[str, Callable[[Sequence[str]], Labels]] = {
    "canonica": lambda names: canonica.cluster(list(names)).labels,
    "OpenRefine fingerprint": lambda names: by_key(names, canonica.fingerprint),
    "OpenRefine n-gram n=1": lambda names: by_key(
        names, lambda s: canonica.ngram_fingerprint(s, 1)
    ),
    "OpenRefine n-gram n=2": lambda names: by_key(
        names, lambda s: canonica.ngram_fingerprint(s, 2)
    ),
    "OpenRefine kNN Levenshtein r=1": lambda names: levenshtein_knn(names, 1),
    "OpenRefine kNN Levenshtein r=2": lambda names: levenshtein_knn(names, 2),
    "RapidFuzz cdist token_sort_ratio>=90": rapidfuzz_cdist,
}


def accuracy(sets: list[str], tools: list[str]) -> list[str]:
    lines: list[str] = []
    for name in sets:
        ds = getattr(cluster_data, name)() if name in ("orgs", "countries") else None
        if ds is None:
            ds = cluster_data.febrl(name)
        lines.append(f"\n### {ds.name}: {len(ds.names)} names, {len(set(ds.truth))} entities")
        lines.append(f"\n{ds.source}\n")
        apart, ceiling = precision_ceiling(ds.names, ds.truth)
        if apart:
            lines.append(
                f"{apart:,} {'pair' if apart == 1 else 'pairs'} of rows written exactly alike "
                f"{'belongs' if apart == 1 else 'belong'} to different entities: no "
                f"clustering that keeps equal spellings together reaches a precision above "
                f"{ceiling:.3f} here, even finding every true pair.\n"
            )
        lines.append("| tool | precision | recall | F1 | time (s) |")
        lines.append("|---|---|---|---|---|")
        for tool in tools:
            start = time.perf_counter()
            labels = TOOLS[tool](ds.names)
            took = time.perf_counter() - start
            p, r, f = pairwise(labels, ds.truth)
            lines.append(f"| {tool} | {p:.3f} | {r:.3f} | {f:.3f} | {took:.2f} |")
            print(lines[-1], flush=True)
    return lines


# --- speed and memory -----------------------------------------------------------------------

SCALE_SIZES = (10_000, 100_000, 559_591, 1_000_000)


def geonames_names(count: int) -> list[str]:
    """The first `count` names and alternate names of GeoNames cities, from the first of
    cities5000 (559,591 names), cities1000 and cities500 that has enough."""
    import scale_data

    for source in ("cities5000", "cities1000", "cities500"):
        names, _ = scale_data.all_names(scale_data.load_records(source))
        if len(names) >= count:
            return names[:count]
    raise SystemExit(f"no GeoNames file has {count} names")


def scale_run(count: int) -> None:
    """One clustering of `count` names in this process; prints time, CPU time and peak RSS."""
    import json
    import resource

    names = geonames_names(count)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    c = canonica.cluster(names)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({"names": count, "clusters": len(c), "seconds": wall, "cpu": cpu,
                      "rss_mb": after.ru_maxrss / 1024}))  # fmt: skip


def scale() -> list[str]:
    import json
    import os
    import subprocess

    lines = [
        "\n### Scaling: GeoNames names and alternate names, one fresh process each",
        f"\n{canonica.num_threads()} threads; load average before: "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n",
        "| names | distinct clusters | time (s) | CPU time (s) | peak RSS (MB) |",
        "|---|---|---|---|---|",
    ]
    for count in SCALE_SIZES:
        out = subprocess.run(
            [sys.executable, __file__, "--scale-run", str(count)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        lines.append(
            f"| {r['names']:,} | {r['clusters']:,} | {r['seconds']:.1f} | {r['cpu']:.1f} | "
            f"{r['rss_mb']:.0f} |"
        )
        print(lines[-1], flush=True)
    return lines


def keys_per_second() -> list[str]:
    """OpenRefine's keys, one call at a time from Python on one core (the call included)."""
    names = geonames_names(200_000)
    lines = [
        "\n### Keys per second, one core, called from Python one name at a time "
        f"({len(names):,} GeoNames names)\n",
        "| key | keys/s |",
        "|---|---|",
    ]
    for label, key in (
        ("fingerprint", canonica.fingerprint),
        ("ngram_fingerprint n=2", lambda s: canonica.ngram_fingerprint(s, 2)),
        ("ngram_fingerprint n=1", lambda s: canonica.ngram_fingerprint(s, 1)),
        ("normalize", canonica.normalize),
    ):
        start = time.perf_counter()
        for n in names:
            key(n)
        rate = len(names) / (time.perf_counter() - start)
        lines.append(f"| {label} | {rate:,.0f} |")
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sets", nargs="*", default=["febrl1", "febrl2", "febrl4", "orgs", "countries"]
    )
    parser.add_argument("--tools", nargs="*", default=list(TOOLS))
    parser.add_argument("--scale", action="store_true", help="speed and memory instead")
    parser.add_argument("--scale-run", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_run:
        scale_run(args.scale_run)
        return
    lines = keys_per_second() + scale() if args.scale else accuracy(args.sets, args.tools)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
