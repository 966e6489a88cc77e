"""What `help()`, `inspect` and Jupyter's `?` show: every public class, function, method and
property has a docstring at runtime, written once in the bindings' Rust docs; the stub carries
the same text (`scripts/stub_docs.py` copies it); `dir(canonica)` is the public API."""

from __future__ import annotations

import importlib.util
import inspect
import pydoc
import sys
import types

import canonica
from canonica import _core

from conftest import ROOT

spec = importlib.util.spec_from_file_location("stub_docs", ROOT / "scripts" / "stub_docs.py")
assert spec is not None and spec.loader is not None
stub_docs = importlib.util.module_from_spec(spec)
sys.modules["stub_docs"] = stub_docs
spec.loader.exec_module(stub_docs)

PUBLIC = [name for name in canonica.__all__ if not name.startswith("_")]


def public_members(cls: type) -> list[str]:
    return [name for name in vars(cls) if not name.startswith("_")]


def test_every_public_name_has_a_runtime_docstring() -> None:
    missing = []
    for name in PUBLIC:
        obj = getattr(canonica, name)
        if isinstance(obj, (int, float, str)):
            continue
        if not inspect.getdoc(obj):
            missing.append(name)
        if isinstance(obj, type) and obj.__module__ in ("canonica", "canonica._core"):
            for member in public_members(obj):
                if not inspect.getdoc(getattr(obj, member)):
                    missing.append(f"{name}.{member}")
    assert not missing, missing


def test_the_stub_says_what_the_runtime_says() -> None:
    source = stub_docs.STUB.read_text(encoding="utf-8")
    assert stub_docs.differences(_core, source) == []
    documented = {item.qualname for item in stub_docs.documented(_core, source)}
    for name in PUBLIC:
        obj = getattr(canonica, name)
        if isinstance(obj, type):
            assert name in documented
            assert {f"{name}.{m}" for m in public_members(obj)} <= documented, name


def test_the_check_notices_a_stub_that_drifted() -> None:
    source = stub_docs.STUB.read_text(encoding="utf-8")
    drifted = source.replace('"""The lowest score `resolve` accepts."""', '"""Old words."""')
    assert drifted != source
    assert stub_docs.differences(_core, drifted) == [
        "Resolver.threshold: the stub's docstring differs from the runtime's"
    ]
    assert stub_docs.rewrite(drifted, stub_docs.documented(_core, drifted)) == source


def test_help_shows_the_docs_and_signatures() -> None:
    text = pydoc.render_doc(canonica.Resolver.resolve, renderer=pydoc.plaintext)
    assert "The entity `name` refers to" in text
    assert str(inspect.signature(canonica.Resolver.resolve_many)) == (
        "(self, /, names, kind=None, *, progress=False)"
    )
    assert str(inspect.signature(canonica.Resolver)) == "(kb, threshold=None, margin=None)"
    assert "resolve_frame" in pydoc.render_doc(canonica.Resolver, renderer=pydoc.plaintext)
    assert inspect.getdoc(canonica.Match.score) == "How well the name matches, in [0, 1]."


def test_dir_shows_the_public_api_only() -> None:
    assert dir(canonica) == sorted(canonica.__all__)
    assert "os" not in dir(canonica)
    assert not [n for n in dir(canonica) if isinstance(getattr(canonica, n), types.ModuleType)]
    namespace: dict[str, object] = {}
    exec("from canonica import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(canonica.__all__)
