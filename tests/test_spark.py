"""canonica on pyspark `local[2]`: a broadcast resolver and one loaded from a path give, in
`mapInPandas` on Spark's Python workers, the answers of the in-process call; the workers use one
thread per batch unless told otherwise."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pyspark import cloudpickle

import canonica

from conftest import CASES, SEED_KB

#: Runs real engine workers: installed by the `engines` extra, left out by `make test-fast`.
pytestmark = pytest.mark.engines

# Spark's workers cannot import this file: its functions travel by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

SCHEMA = "i long, id string, score double, threads long, pid long"


def queries() -> list[str | None]:
    with CASES.open(encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
    return [c["query"] for c in cases if "kb" not in c] + [None, ""]


def resolved(resolver: canonica.Resolver, batch: pd.DataFrame) -> pd.DataFrame:
    matches = resolver.resolve_many(batch["name"])
    return pd.DataFrame(
        {
            "i": batch["i"],
            "id": [m.id if m else None for m in matches],
            "score": [m.score if m else None for m in matches],
            "threads": canonica.num_threads(),
            "pid": os.getpid(),
        }
    )


def run(spark: Any, fn: Any, names: list[str | None]) -> list[Any]:
    frame = spark.createDataFrame(
        pd.DataFrame({"i": range(len(names)), "name": pd.Series(names, dtype=object)}),
        schema="i long, name string",
    ).repartition(4)
    return sorted(frame.mapInPandas(fn, schema=SCHEMA).collect(), key=lambda row: row.i)


@pytest.fixture(scope="module")
def resolver() -> canonica.Resolver:
    return canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))


def check(rows: list[Any], resolver: canonica.Resolver, names: list[str | None]) -> None:
    expected = resolver.resolve_many(names)
    assert len(rows) == len(names)
    assert [r.id for r in rows] == [m.id if m else None for m in expected]
    assert [r.score for r in rows] == [m.score if m else None for m in expected]
    assert sum(m is not None for m in expected) > len(names) / 2
    assert {r.pid for r in rows}.isdisjoint({os.getpid()})  # really ran on Spark's workers
    assert {r.threads for r in rows} == {1}


def test_broadcast_resolver_in_map_in_pandas(spark: Any, resolver: canonica.Resolver) -> None:
    shared = spark.sparkContext.broadcast(resolver)

    def resolve(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        r = shared.value
        for batch in batches:
            yield resolved(r, batch)

    names = queries()
    check(run(spark, resolve, names), resolver, names)


def test_resolver_loaded_from_a_path_on_each_worker(
    spark: Any, resolver: canonica.Resolver, tmp_path: Path
) -> None:
    path = str(tmp_path / "seed.canonica")
    resolver.save(path)

    def resolve(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        r = canonica.Resolver.load(path)
        for batch in batches:
            yield resolved(r, batch)

    names = queries()
    check(run(spark, resolve, names), resolver, names)


def test_an_explicit_setting_wins_in_a_worker(spark: Any) -> None:
    def threads(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for _ in batches:
            canonica.set_num_threads(2)
            try:
                chosen = canonica.num_threads()
            finally:
                canonica.set_num_threads(0)
            yield pd.DataFrame({"chosen": [chosen], "default": [canonica.num_threads()]})

    frame = spark.range(2).repartition(2)
    rows = frame.mapInPandas(threads, schema="chosen long, default long").collect()
    assert {(r.chosen, r.default) for r in rows} == {(2, 1)}
