"""Thread settings and forked children."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import pytest

import canonica

from conftest import SEED_KB


def _resolve_in_child(resolver: canonica.Resolver) -> list[str | None]:
    return [m.id if m else None for m in resolver.resolve_many(["Tokayev", "UAE", "President"])]


def test_num_threads_setting() -> None:
    canonica.set_num_threads(1)
    assert canonica.num_threads() == 1
    canonica.set_num_threads(0)
    assert canonica.num_threads() >= 1
    with pytest.raises(canonica.CanonicaError):
        canonica.set_num_threads(-1)


def test_environment_variable_sets_threads_in_a_fresh_process() -> None:
    code = "import canonica; print(canonica.num_threads())"
    env = {**os.environ, "CANONICA_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "1", out.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_after_parallel_work_does_not_hang() -> None:
    resolver = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))
    canonica.set_num_threads(2)
    try:
        expected = _resolve_in_child(resolver)  # the pool now exists in the parent
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(1) as pool:
            got = pool.apply_async(_resolve_in_child, (resolver,)).get(timeout=60)
        assert got == expected == ["kassym_jomart_tokayev", "AE", None]
    finally:
        canonica.set_num_threads(0)
