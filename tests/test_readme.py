"""Every Python example in the README and in docs/*.md runs, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


EXAMPLES = [
    (path.relative_to(ROOT).as_posix(), i, code)
    for path in DOCUMENTS
    for i, code in enumerate(python_blocks(path))
]


def test_documents_have_python_examples() -> None:
    assert len(python_blocks(ROOT / "README.md")) >= 3
    assert len(python_blocks(ROOT / "docs" / "pipelines.md")) >= 4


@pytest.mark.parametrize(
    ("document", "code"),
    [(doc, code) for doc, _, code in EXAMPLES],
    ids=[f"{doc}:block{i}" for doc, i, _ in EXAMPLES],
)
def test_python_example(
    document: str, code: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    if "pyspark" in code:
        # The example's SparkSession.builder...getOrCreate() picks up the tests' session.
        request.getfixturevalue("spark")
    monkeypatch.chdir(ROOT)
    exec(compile(code, document, "exec"), {"__name__": "__main__"})
