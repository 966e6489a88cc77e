"""Data-frame helpers behind `Resolver.resolve_frame` and `Resolver.resolve_many` (pandas and
polars), registered with the compiled core when the package is imported."""

from __future__ import annotations

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
    columns = [str(c) for c in df.columns]
    if column not in columns:
        raise CanonicaError(f"the frame has no column {column!r} (columns: {', '.join(columns)})")
    id_col, name_col, score_col = _output_columns(columns, prefix)
    matches = resolver.resolve_many(df[column], kind=kind)
    ids = [m.id if m is not None else None for m in matches]
    names = [m.name if m is not None else None for m in matches]
    scores = [m.score if m is not None else None for m in matches]
    if module == "pandas":
        import pandas as pd

        out = df.copy()
        out[id_col] = pd.Series(ids, index=df.index, dtype="object")
        out[name_col] = pd.Series(names, index=df.index, dtype="object")
        out[score_col] = pd.Series(scores, index=df.index, dtype="float64")
        return out
    import polars as pl

    return df.with_columns(
        pl.Series(id_col, ids, dtype=pl.Utf8),
        pl.Series(name_col, names, dtype=pl.Utf8),
        pl.Series(score_col, scores, dtype=pl.Float64),
    )
