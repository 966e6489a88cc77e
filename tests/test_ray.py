"""canonica in Ray tasks and actors: one thread per batch unless told otherwise, and a resolver
put in Ray's object store answers as in process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
import ray
from ray import cloudpickle

import canonica
from canonica import _workers

from conftest import SEED_KB

#: Runs real engine workers: installed by the `engines` extra, left out by `make test-fast`.
pytestmark = pytest.mark.engines

# Ray's workers cannot import this file: its functions travel by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

NAMES = ["President Tokayev", None, "UAE", "", "Bibi", "President", "Washington Post"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=100 * 2**20,
        log_to_driver=False,
    )
    yield
    ray.shutdown()


@ray.remote
def resolve_in_task(resolver: canonica.Resolver, names: list[str | None]) -> dict[str, Any]:
    found = resolver.resolve_many(names)
    return {
        "engine": _workers.engine(),
        "threads": canonica.num_threads(),
        "ids": [m.id if m else None for m in found],
        "scores": [m.score if m else None for m in found],
    }


@ray.remote
def explicit_threads() -> tuple[int, int]:
    canonica.set_num_threads(2)
    try:
        chosen = canonica.num_threads()
    finally:
        canonica.set_num_threads(0)
    return chosen, canonica.num_threads()


@ray.remote
class Holder:
    def threads(self) -> tuple[str | None, int]:
        return _workers.engine(), canonica.num_threads()


def test_ray_task_with_a_resolver_from_the_object_store(cluster: None) -> None:
    resolver = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))
    shared = ray.put(resolver)
    got = ray.get(resolve_in_task.remote(shared, NAMES), timeout=120)
    expected = resolver.resolve_many(NAMES)
    assert got["ids"] == [m.id if m else None for m in expected]
    assert got["scores"] == [m.score if m else None for m in expected]
    assert got["ids"][0] == "kassym_jomart_tokayev"
    assert (got["engine"], got["threads"]) == ("ray", 1)
    assert _workers.engine() is None  # the driver is no worker


def test_explicit_setting_wins_in_a_ray_task(cluster: None) -> None:
    assert ray.get(explicit_threads.remote(), timeout=120) == (2, 1)


def test_ray_actor_uses_one_thread(cluster: None) -> None:
    holder = Holder.remote()  # type: ignore[attr-defined]
    assert ray.get(holder.threads.remote(), timeout=120) == ("ray", 1)
