"""Shared fixtures: paths into the repository and the seed knowledge base."""

from __future__ import annotations

import importlib.util
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

#: The suites that run Spark, Dask and Ray workers (marked `engines`), and the module each needs
#: (the `engines` extra installs them). Without it they are not collected, unless
#: CANONICA_TEST_ENGINES=1 (as `make test` sets) asks for them, when their absence is an error.
ENGINE_SUITES = {"test_spark.py": "pyspark", "test_dask.py": "distributed", "test_ray.py": "ray"}
MISSING_ENGINES = {
    suite: module
    for suite, module in ENGINE_SUITES.items()
    if importlib.util.find_spec(module) is None
}
if MISSING_ENGINES and os.environ.get("CANONICA_TEST_ENGINES") == "1":
    raise RuntimeError(
        f"CANONICA_TEST_ENGINES=1 but {', '.join(sorted(set(MISSING_ENGINES.values())))} "
        "cannot be imported: pip install -e '.[test,engines]'"
    )
collect_ignore = list(MISSING_ENGINES)
ENGINES_INSTALLED = not MISSING_ENGINES


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
