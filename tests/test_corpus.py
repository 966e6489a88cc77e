"""The shared case corpus (tests/data/cases.jsonl) through the Python bindings; the Rust suite
(tests/corpus.rs) runs the same cases."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

import canonica

from conftest import CASES, ROOT


def _cases() -> list[dict[str, Any]]:
    with CASES.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@cache
def _resolver(kb: str) -> canonica.Resolver:
    """The resolver for a case's knowledge base: a file, or "countries" for the built-in one."""
    if kb == "countries":
        return canonica.Resolver(canonica.countries())
    return canonica.Resolver(canonica.KnowledgeBase.from_jsonl(ROOT / kb))


CASE_LIST = _cases()


def test_corpus_is_substantial() -> None:
    assert len(CASE_LIST) > 100
    assert any(c["expect"] is None for c in CASE_LIST)


@pytest.mark.parametrize(
    "case", CASE_LIST, ids=[f"{c['query']!r}->{c['expect']}" for c in CASE_LIST]
)
def test_case(case: dict[str, Any]) -> None:
    resolver = _resolver(case.get("kb", "examples/seed_kb.jsonl"))
    got = resolver.resolve(case["query"], kind=case.get("kind"))
    if case["expect"] is None:
        assert got is None, f"{case['query']!r} should not match, got {got!r}"
    else:
        assert got is not None, resolver.candidates(case["query"], kind=case.get("kind"))
        assert got.id == case["expect"]


def test_corpus_in_one_batch_matches_single_calls() -> None:
    resolver = _resolver("examples/seed_kb.jsonl")
    plain = [c for c in CASE_LIST if "kb" not in c and "kind" not in c]
    batch = resolver.resolve_many([c["query"] for c in plain])
    assert [m.id if m else None for m in batch] == [c["expect"] for c in plain]
