"""One thread per batch inside Spark, Dask and Ray workers, unless the user chose otherwise.

The real Spark, Dask and Ray workers are exercised in test_spark.py, test_dask.py and test_ray.py;
here Ray's API is stood in for, to check the precedence of the settings in one process.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator

import pytest

import canonica
from canonica import _workers

CORES = canonica.num_threads()


@pytest.fixture(autouse=True)
def _clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("CANONICA_NUM_THREADS", raising=False)
    canonica.set_num_threads(0)
    yield
    canonica.set_num_threads(0)


def fake_ray(mode: int, initialized: bool = True) -> types.ModuleType:
    ray = types.ModuleType("ray")
    ray.WORKER_MODE = 1  # type: ignore[attr-defined]
    ray.is_initialized = lambda: initialized  # type: ignore[attr-defined]
    context = types.SimpleNamespace(worker=types.SimpleNamespace(mode=mode))
    ray.get_runtime_context = lambda: context  # type: ignore[attr-defined]
    return ray


def test_no_engine_outside_workers() -> None:
    assert _workers.engine() is None
    assert canonica.num_threads() == CORES


@pytest.mark.skipif(CORES < 2, reason="needs 2 cores to tell one thread from the default")
def test_ray_worker_defaults_to_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", fake_ray(mode=1))
    assert _workers.engine() == "ray"
    assert canonica.num_threads() == 1
    # An explicit choice wins: set_num_threads, then the environment variable.
    canonica.set_num_threads(2)
    assert canonica.num_threads() == 2
    canonica.set_num_threads(0)
    monkeypatch.setenv("CANONICA_NUM_THREADS", "2")
    assert canonica.num_threads() == 2


def test_ray_driver_and_uninitialized_ray_are_not_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", fake_ray(mode=0))
    assert _workers.engine() is None
    monkeypatch.setitem(sys.modules, "ray", fake_ray(mode=1, initialized=False))
    assert _workers.engine() is None
    assert canonica.num_threads() == CORES


def test_a_broken_engine_is_not_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = types.ModuleType("ray")  # no is_initialized: raises AttributeError inside
    monkeypatch.setitem(sys.modules, "ray", broken)
    assert _workers.engine() is None


@pytest.mark.skipif(CORES < 2, reason="needs 2 cores to tell one thread from the default")
def test_batches_in_a_worker_run_on_one_thread(
    monkeypatch: pytest.MonkeyPatch, seed_resolver: canonica.Resolver
) -> None:
    monkeypatch.setitem(sys.modules, "ray", fake_ray(mode=1))
    names = ["Tokayev", "UAE", "President"] * 50
    in_worker = seed_resolver.resolve_many(names)
    assert canonica.num_threads() == 1
    monkeypatch.delitem(sys.modules, "ray")
    assert canonica.num_threads() == CORES
    assert seed_resolver.resolve_many(names) == in_worker


def test_the_default_is_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Dask worker runs tasks in threads of a process that may also run other code."""
    in_task = threading.local()
    in_task.yes = False

    def in_a_task() -> bool:
        return bool(getattr(in_task, "yes", False))

    monkeypatch.setattr(_workers, "_ENGINES", (("sys", "dask", in_a_task),))
    seen: dict[str, int] = {}

    def task() -> None:
        in_task.yes = True
        seen["task"] = canonica.num_threads()

    thread = threading.Thread(target=task)
    thread.start()
    thread.join()
    seen["other"] = canonica.num_threads()
    assert seen == {"task": 1, "other": CORES}
