"""Shared fixtures: paths into the repository and the seed knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest

import canonica

ROOT = Path(__file__).resolve().parent.parent
SEED_KB = ROOT / "examples" / "seed_kb.jsonl"
CASES = ROOT / "tests" / "data" / "cases.jsonl"


@pytest.fixture(scope="session")
def seed_resolver() -> canonica.Resolver:
    return canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))
