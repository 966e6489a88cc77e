"""canonica on a Dask cluster of worker processes: `map_partitions` with the resolver scattered
to the workers, shipped in the graph, or loaded from a path, gives the answers of the in-process
call; the workers use one thread per batch unless told otherwise."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import canonica

from conftest import CASES, SEED_KB

#: Runs real engine workers: installed by the `engines` extra, left out by `make test-fast`.
pytestmark = pytest.mark.engines


def queries() -> list[str | None]:
    with CASES.open(encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
    return [c["query"] for c in cases if "kb" not in c] + [None, ""]


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def resolver() -> canonica.Resolver:
    return canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))


def resolved(part: pd.DataFrame, r: canonica.Resolver) -> pd.DataFrame:
    matches = r.resolve_many(part["name"])
    return pd.DataFrame(
        {
            "id": pd.Series([m.id if m else None for m in matches], index=part.index, dtype=object),
            "score": pd.Series(
                [m.score if m else None for m in matches], index=part.index, dtype=float
            ),
            "threads": canonica.num_threads(),
            "pid": os.getpid(),
        },
        index=part.index,
    )


META = pd.DataFrame(
    {
        "id": pd.Series(dtype=object),
        "score": pd.Series(dtype=float),
        "threads": pd.Series(dtype="int64"),
        "pid": pd.Series(dtype="int64"),
    }
)


def frame(names: list[str | None]) -> Any:
    return dd.from_pandas(pd.DataFrame({"name": pd.Series(names, dtype=object)}), npartitions=4)


def check(out: pd.DataFrame, resolver: canonica.Resolver, names: list[str | None]) -> None:
    expected = resolver.resolve_many(names)
    assert len(out) == len(names)
    assert out["id"].tolist() == [m.id if m else None for m in expected]
    scores = [None if pd.isna(s) else s for s in out["score"]]
    assert scores == [m.score if m else None for m in expected]
    assert sum(m is not None for m in expected) > len(names) / 2
    assert os.getpid() not in set(out["pid"])  # really ran in the worker processes
    assert set(out["threads"]) == {1}


def test_map_partitions_with_a_scattered_resolver(
    client: Client, resolver: canonica.Resolver
) -> None:
    shared = client.scatter(resolver, broadcast=True)
    names = queries()
    out = frame(names).map_partitions(resolved, shared, meta=META).compute()
    check(out, resolver, names)


def test_map_partitions_with_the_resolver_in_the_graph(
    client: Client, resolver: canonica.Resolver
) -> None:
    names = queries()
    out = frame(names).map_partitions(resolved, dask.delayed(resolver), meta=META).compute()
    check(out, resolver, names)


def test_map_partitions_loading_from_a_path(
    client: Client, resolver: canonica.Resolver, tmp_path: Path
) -> None:
    path = str(tmp_path / "seed.canonica")
    resolver.save(path)

    def resolve(part: pd.DataFrame) -> pd.DataFrame:
        return resolved(part, canonica.Resolver.load(path))

    names = queries()
    check(frame(names).map_partitions(resolve, meta=META).compute(), resolver, names)


def set_environment(threads: str | None) -> None:
    if threads is None:
        os.environ.pop("CANONICA_NUM_THREADS", None)
    else:
        os.environ["CANONICA_NUM_THREADS"] = threads


def test_explicit_settings_win_in_a_worker(client: Client) -> None:
    def chosen() -> tuple[int, int]:
        canonica.set_num_threads(2)
        try:
            explicit = canonica.num_threads()
        finally:
            canonica.set_num_threads(0)
        return explicit, canonica.num_threads()

    assert client.submit(chosen, pure=False).result() == (2, 1)
    # The environment variable, set in the worker processes.
    client.run(set_environment, "2")
    try:
        assert client.submit(canonica.num_threads, pure=False).result() == 2
    finally:
        client.run(set_environment, None)
    assert client.submit(canonica.num_threads, pure=False).result() == 1
