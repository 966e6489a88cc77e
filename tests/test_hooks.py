"""The work that stays in Python (data frames, worker detection) is registered with the compiled
core when the package is imported; the bindings call it without naming the package's modules."""

from __future__ import annotations

import multiprocessing
import pickle
import re

import pandas as pd
import pyarrow as pa
import pytest

import canonica
from canonica import _core, _frames, _progress, _workers

from conftest import ROOT

BINDINGS = ROOT / "crates" / "canonica-py" / "src"


def test_the_bindings_name_no_module_of_the_package_but_their_own() -> None:
    for path in sorted(BINDINGS.rglob("*.rs")):
        text = path.read_text(encoding="utf-8")
        named = set(re.findall(r"canonica\._[a-z_]+", text)) - {"canonica._core"}
        assert not named, f"{path.relative_to(ROOT)} names {sorted(named)}"


def test_hooks_are_set_once() -> None:
    with pytest.raises(canonica.CanonicaError, match="already set"):
        _core._set_hooks(
            resolve_frame=_frames.resolve_frame,
            names=_frames.names_to_resolve,
            worker_engine=_workers.engine,
            progress_bar=_progress.bar,
        )
    with pytest.raises(canonica.CanonicaError, match="the names hook must be callable"):
        _core._set_hooks(
            resolve_frame=_frames.resolve_frame,
            names=None,  # type: ignore[arg-type]
            worker_engine=_workers.engine,
            progress_bar=_progress.bar,
        )


def test_names_to_resolve_converts_pandas_only() -> None:
    names = ["Tokayev", None]
    assert _frames.names_to_resolve(names) is names
    arrow = pa.array(names)
    assert _frames.names_to_resolve(arrow) is arrow
    assert _frames.names_to_resolve(pd.Series(names, dtype=object)) == names
    converted = _frames.names_to_resolve(pd.Series(names, dtype="string[pyarrow]"))
    assert isinstance(converted, (pa.Array, pa.ChunkedArray))
    assert converted.to_pylist() == names


def test_the_classes_are_the_core_classes(seed_resolver: canonica.Resolver) -> None:
    assert canonica.Resolver is _core.Resolver
    assert type(canonica.Resolver.from_bytes(seed_resolver.to_bytes())) is canonica.Resolver
    assert type(pickle.loads(pickle.dumps(seed_resolver))) is canonica.Resolver


def _frame_and_threads_in_child(data: bytes) -> tuple[list[str | None], int]:
    resolver = pickle.loads(data)
    out = resolver.resolve_frame(pd.DataFrame({"mention": ["Tokayev", "President"]}), "mention")
    return [None if pd.isna(i) else i for i in out["canonica_id"]], canonica.num_threads()


def test_a_fresh_process_has_the_hooks(seed_resolver: canonica.Resolver) -> None:
    # Unpickling imports canonica._core, which imports the package and registers its hooks.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        ids, threads = pool.apply(_frame_and_threads_in_child, (pickle.dumps(seed_resolver),))
    assert ids == ["kassym_jomart_tokayev", None]
    assert threads >= 1
