"""Every example in the README and in docs/*.md runs: Python blocks from the repository root,
command lines of shell blocks in a copy of the examples."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENGINES_INSTALLED, ROOT

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


def uses_engines(code: str) -> bool:
    """True for an example that runs Spark, Dask or Ray (the `engines` extra)."""
    return any(engine in code for engine in ("pyspark", "dask", "import ray"))


ENGINES_MISSING = pytest.mark.skipif(
    not ENGINES_INSTALLED, reason="needs the engines extra: pip install -e '.[test,engines]'"
)


@pytest.mark.parametrize(
    ("document", "code"),
    [
        pytest.param(
            doc,
            code,
            marks=[pytest.mark.engines, ENGINES_MISSING] if uses_engines(code) else [],
        )
        for doc, _, code in EXAMPLES
    ],
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


def shell_blocks(path: Path) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


#: Shell blocks that install canonica or a tool, or run this very suite: CI runs the install and
#: test commands on a fresh clone; the fuzzing block installs cargo-fuzz and runs for minutes.
SETUP_COMMANDS = ("pip install", "make test", "cargo install")

COMMANDS = [
    (path.relative_to(ROOT).as_posix(), line.split("#")[0].strip())
    for path in DOCUMENTS
    for block in shell_blocks(path)
    if not any(setup in block for setup in SETUP_COMMANDS)
    for line in block.splitlines()
    if line.split("#")[0].strip()
]


def test_documents_have_command_examples() -> None:
    assert sum(doc == "README.md" for doc, _ in COMMANDS) >= 6


@pytest.mark.parametrize(("document", "command"), COMMANDS, ids=[c for _, c in COMMANDS])
def test_command_example(document: str, command: str, tmp_path: Path) -> None:
    """Each command line of the docs' shell examples runs in a copy of the examples folder, with
    this environment's `canonica` first on the PATH, and prints or writes something."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{document}: {command}\n{done.stderr}"
    written = [p for p in tmp_path.iterdir() if p.name != "examples"]
    assert done.stdout.strip() or any(p.stat().st_size for p in written), command
