"""Data-frame helpers behind `Resolver.resolve_frame` and `Resolver.resolve_many` (pandas and
polars), registered with the compiled core when the package is imported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from canonica._core import CanonicaError, Resolver


def _output_columns(existing: list[str], prefix: str) -> tuple[str, str, str]:
    names = (f"{prefix}id", f"{prefix}name", f"{prefix}score")
    taken = [n for n in names if n in existing]
    if taken:
        raise CanonicaError(
            f"the frame already has column(s) {', '.join(map(repr, taken))}; "
            "pass prefix= (for example prefix='match_') to keep both"
        )
    return names


def names_to_resolve(values: Any) -> Any:
    """What `resolve_many` reads for `values`: a pandas object's names (see pandas_names), and
    anything else as it is."""
    module = getattr(type(values), "__module__", None)
    if isinstance(module, str) and (module == "pandas" or module.startswith("pandas.")):
        return pandas_names(values)
    return values


def pandas_names(values: Any) -> Any:
    """The names in a pandas Series, Index or array, as `resolve_many` reads them: the Arrow
    data of an Arrow-backed column (pyarrow strings, `ArrowDtype`), read in place; otherwise one
    list of objects, made by pandas and numpy in C rather than row by row in Python."""
    array = getattr(values, "array", values)
    dtype = getattr(array, "dtype", None)
    # "pyarrow_numpy" is pandas 2's name for the storage of pandas 3's default strings.
    arrow_backed = getattr(dtype, "storage", None) in ("pyarrow", "pyarrow_numpy") or (
        type(dtype).__name__ == "ArrowDtype"
    )
    if arrow_backed and hasattr(array, "__arrow_array__"):
        return array.__arrow_array__()
    return values.to_numpy(dtype=object).tolist()


def resolve_frame(resolver: Resolver, df: Any, column: str, prefix: str, kind: str | None) -> Any:
    """Returns a frame of the same kind as `df` with id, name and score columns appended."""
    module = type(df).__module__.split(".")[0]
    if module not in ("pandas", "polars"):
        raise CanonicaError(
            f"resolve_frame takes a pandas or polars DataFrame, not {type(df).__name__}"
        )
    labels = list(df.columns)
    if getattr(df.columns, "nlevels", 1) > 1:
        raise CanonicaError(
            f"the column {column!r}: resolve_frame needs one level of column labels, not a "
            f"MultiIndex of {df.columns.nlevels}; flatten it first (for example "
            "df.columns = ['_'.join(map(str, c)) for c in df.columns])"
        )
    # Labels are compared as they are: the string "0" is not the column labelled 0.
    found = sum(1 for label in labels if isinstance(label, str) and label == column)
    if found == 0:
        listed = ", ".join(repr(label) for label in labels)
        raise CanonicaError(f"the frame has no column {column!r} (columns: {listed})")
    if found > 1:
        raise CanonicaError(f"the frame has {found} columns named {column!r}; rename all but one")
    id_col, name_col, score_col = _output_columns([str(c) for c in labels], prefix)
    matches = resolver.resolve_many(df[column], kind=kind)
    ids = [m.id if m is not None else None for m in matches]
    names = [m.name if m is not None else None for m in matches]
    scores = [m.score if m is not None else None for m in matches]
    return with_columns(df, [(id_col, ids), (name_col, names)], [(score_col, scores)])


def with_columns(
    df: Any,
    texts: Sequence[tuple[str, list[str | None]]],
    numbers: Sequence[tuple[str, list[float | None]]] = (),
) -> Any:
    """A copy of a pandas or polars frame with text and float columns appended (None: null)."""
    if type(df).__module__.split(".")[0] == "pandas":
        import pandas as pd

        out = df.copy()
        for name, values in texts:
            out[name] = pd.Series(values, index=df.index, dtype="object")
        for name, numbers_ in numbers:
            out[name] = pd.Series(numbers_, index=df.index, dtype="float64")
        return out
    import polars as pl

    return df.with_columns(
        *(pl.Series(name, values, dtype=pl.Utf8) for name, values in texts),
        *(pl.Series(name, values_, dtype=pl.Float64) for name, values_ in numbers),
    )
