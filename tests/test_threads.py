"""Thread settings and forked children."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import canonica

from conftest import ROOT, SEED_KB


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


def _answers(resolver: canonica.Resolver, names: list[str], text: str) -> list[object]:
    """Everything a caller may ask, as plain values."""
    out: list[object] = []
    for name in names:
        m = resolver.resolve(name)
        out.append(None if m is None else (m.id, m.score, m.alias, m.method, m.evidence))
        out.append([(c.id, c.score) for c in resolver.candidates(name, limit=3)])
    out.append([(m.id if m else None) for m in resolver.resolve_many(names)])
    out.append([(m.start, m.end, m.id, m.score) for m in resolver.link(text, overlapping=True)])
    return out


def test_many_threads_give_the_answers_of_one() -> None:
    cases = (ROOT / "tests" / "data" / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    names = [json.loads(line)["query"] for line in cases if line.strip()]
    text = (ROOT / "examples" / "seed_article.txt").read_text(encoding="utf-8")
    resolver = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))
    canonica.set_num_threads(1)
    try:
        expected = _answers(resolver, names, text)
        canonica.set_num_threads(4)
        assert _answers(resolver, names, text) == expected  # a parallel pool, same answers
        # 16 Python threads on one resolver, each with its own order of the names, while the
        # batches inside them run on the pool too.
        chunks = [names[i::16] + names[: i * 3] for i in range(16)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            got = list(pool.map(lambda chunk: _answers(resolver, chunk, text), chunks))
        alone = {name: expected[2 * i : 2 * i + 2] for i, name in enumerate(names)}
        for chunk, answers in zip(chunks, got, strict=True):
            for j, name in enumerate(chunk):
                assert answers[2 * j : 2 * j + 2] == alone[name], name
            assert answers[-2] == [a[0] if a else None for a in (alone[n][0] for n in chunk)]
            assert answers[-1] == expected[-1]
    finally:
        canonica.set_num_threads(0)
    assert sum(1 for a in expected[:-2:2] if a is not None) > 100, "most cases resolve"
