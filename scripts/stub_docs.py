"""Keeps the docstrings of `python/canonica/_core.pyi` equal to those of the compiled module.

The docstrings are written once, as the `///` docs of the bindings (`crates/canonica-py/src`),
which PyO3 gives the compiled classes, methods, properties and functions; `help()` and
`inspect.getdoc` read them there. The stub carries the same text for type checkers, editors and
the API reference site. This script copies each public name's runtime docstring into the stub:

    python scripts/stub_docs.py           # rewrite the stub's docstrings from the runtime
    python scripts/stub_docs.py --check   # exit 1, listing the differences, if they disagree

Public names are those of `canonica._core.__all__` that do not start with "_", and their
members that do not start with "_". `tests/test_docs.py` runs the check.
"""

from __future__ import annotations

import ast
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STUB = Path(__file__).resolve().parent.parent / "python" / "canonica" / "_core.pyi"


@dataclass
class Documented:
    """A public class, function, method or property of the stub, with its runtime docstring."""

    qualname: str
    node: ast.ClassDef | ast.FunctionDef
    runtime: str | None
    stub: str | None


def _public(name: str) -> bool:
    return not name.startswith("_")


def documented(module: Any, source: str) -> list[Documented]:
    """Every public class, function, method and property the stub declares."""
    tree = ast.parse(source)
    public = {name for name in getattr(module, "__all__", []) if _public(name)}
    found: list[Documented] = []
    for node in tree.body:
        if not isinstance(node, (ast.ClassDef, ast.FunctionDef)) or node.name not in public:
            continue
        obj = getattr(module, node.name)
        found.append(Documented(node.name, node, inspect.getdoc(obj), ast.get_docstring(node)))
        if not isinstance(node, ast.ClassDef):
            continue
        for member in node.body:
            if isinstance(member, ast.FunctionDef) and _public(member.name):
                runtime = inspect.getdoc(getattr(obj, member.name))
                found.append(
                    Documented(
                        f"{node.name}.{member.name}", member, runtime, ast.get_docstring(member)
                    )
                )
    return found


def _docstring_lines(doc: str, indent: str) -> list[str]:
    text = doc.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = text.split("\n")
    out = [f'{indent}"""{lines[0]}']
    out += [f"{indent}{line}" if line else "" for line in lines[1:]]
    out[-1] += '"""'
    return out


def rewrite(source: str, items: list[Documented]) -> str:
    """The stub with each item's docstring replaced by (or set to) its runtime docstring."""
    lines = source.split("\n")
    edits: list[tuple[int, int, list[str]]] = []  # (first line, last line, new lines), 0-based
    for item in items:
        if item.runtime is None or item.runtime == item.stub:
            continue
        node = item.node
        first = node.body[0]
        indent = " " * (node.col_offset + 4)
        doc = _docstring_lines(item.runtime, indent)
        row = first.lineno - 1
        head = lines[row][: first.col_offset].rstrip()
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            edits.append((row, (first.end_lineno or first.lineno) - 1, doc))
        elif isinstance(value, ast.Constant) and value.value is Ellipsis and head.endswith(":"):
            # `def f(...) -> T: ...` on one line: the docstring takes the place of the `...`.
            edits.append((row, row, [head, *doc]))
        elif isinstance(value, ast.Constant) and value.value is Ellipsis:
            edits.append((row, row, doc))
        else:
            edits.append((row, row - 1, doc))  # inserted before the first statement
    for start, end, new in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[start : end + 1] = new
    return "\n".join(lines)


def differences(module: Any, source: str) -> list[str]:
    """Public names without a runtime docstring, and those whose stub docstring differs."""
    problems: list[str] = []
    for item in documented(module, source):
        if not item.runtime:
            problems.append(f"{item.qualname}: no docstring at runtime")
        elif item.runtime != item.stub:
            problems.append(f"{item.qualname}: the stub's docstring differs from the runtime's")
    return problems


def main(argv: list[str]) -> int:
    from canonica import _core

    source = STUB.read_text(encoding="utf-8")
    if "--check" in argv:
        problems = differences(_core, source)
        for problem in problems:
            print(f"{STUB.name}: {problem}", file=sys.stderr)
        if problems:
            print("run: python scripts/stub_docs.py", file=sys.stderr)
        return 1 if problems else 0
    updated = rewrite(source, documented(_core, source))
    if updated != source:
        STUB.write_text(updated, encoding="utf-8")
        print(f"updated {STUB}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
