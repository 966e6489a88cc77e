"""Shared fixtures: paths into the repository and the seed knowledge base."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import canonica

ROOT = Path(__file__).resolve().parent.parent
SEED_KB = ROOT / "examples" / "seed_kb.jsonl"
CASES = ROOT / "tests" / "data" / "cases.jsonl"


@pytest.fixture(scope="session")
def seed_resolver() -> canonica.Resolver:
    return canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session (2 cores) for every test that needs Spark; its Python workers
    run this interpreter, so they import the canonica under test."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    cwd = os.getcwd()
    os.chdir(ROOT)  # the JVM resolves relative paths against the directory it starts in
    try:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("canonica-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate()
        )
    finally:
        os.chdir(cwd)
    yield session
    session.stop()
