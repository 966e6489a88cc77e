"""Data-frame helpers behind `Resolver.resolve_frame` and `Resolver.resolve_many` (pandas and
polars), registered with the compiled core when the package is imported.

The columns `resolve_frame` adds are `canonica_id`, `canonica_name` and `canonica_score` by
default (`DEFAULT_PREFIX` before `id`, `name`, `score`), so that the usual input columns (`id`,
`name`, `score`) are kept as they are; `prefix=` names them otherwise. An input column is never
replaced or dropped: an added column that would take its name is an error."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from canonica._core import CanonicaError, Resolver

#: The prefix of the columns `resolve_frame` and `canonica resolve` add.
DEFAULT_PREFIX = "canonica_"


def output_columns(existing: list[str], prefix: str | None) -> tuple[str, str, str]:
    """The names of the added id, name and score columns for `prefix` (None: the default);
    CanonicaError when one of them is already an input column."""
    if prefix is None:
        prefix = DEFAULT_PREFIX
    names = (f"{prefix}id", f"{prefix}name", f"{prefix}score")
    taken = [n for n in names if n in existing]
    if taken:
        raise _error(
            f"the frame already has column(s) {', '.join(map(repr, taken))}, which the results "
            "would replace; pass prefix= (for example prefix='match_') to add them under other "
            "names"
        )
    return names


def _error(message: str, field: str | None = None) -> CanonicaError:
    err = CanonicaError(message)
    err.file, err.line, err.record, err.field = None, None, None, field
    return err


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


def _is_missing(value: Any) -> bool:
    """None, NaN, pandas.NA and NaT, as the core reads them (numpy's float32 NaN and NaT too)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if type(value).__module__ == "numpy" and type(value).__name__ != "ndarray":
        try:
            return bool(value != value)
        except (TypeError, ValueError):
            return False
    return type(value).__name__ in ("NAType", "NaTType")


def _cell_error(values: list[Any], column: str, cause: CanonicaError) -> CanonicaError:
    """The error for a column `resolve_many` refused: the first cell that is neither a string
    nor missing, by its column and row (counted from 0, as `df.iloc` and `df.row` count), or
    the column with the cause."""
    for row, value in enumerate(values):
        if not (_is_missing(value) or isinstance(value, str)):
            return _error(
                f"column {column!r}, row {row}: expected a string or a missing value, found "
                f"{type(value).__name__} {value!r}",
                field=column,
            )
    return _error(f"column {column!r}: {cause}", field=column)


def _resolve_column(
    resolver: Resolver, values: Any, column: str, kind: str | None, progress: Any
) -> tuple[list[str | None], list[str | None], list[float | None]]:
    try:
        matches = resolver.resolve_many(values, kind=kind, progress=progress)
    except CanonicaError as err:
        if "must be" not in str(err) and "Arrow" not in str(err):
            raise
        raise _cell_error(list(values), column, err) from None
    ids = [m.id if m is not None else None for m in matches]
    names = [m.name if m is not None else None for m in matches]
    scores = [m.score if m is not None else None for m in matches]
    return ids, names, scores


def resolve_frame(
    resolver: Resolver,
    df: Any,
    column: str,
    prefix: str | None,
    kind: str | None,
    progress: Any = None,
) -> Any:
    """Returns a frame of the same kind as `df` with id, name and score columns appended: a
    pandas or polars DataFrame, or a polars LazyFrame that stays lazy (resolved as it is
    collected)."""
    module = type(df).__module__.split(".")[0]
    lazy = module == "polars" and type(df).__name__ == "LazyFrame"
    if module not in ("pandas", "polars") or not (lazy or hasattr(df, "columns")):
        raise _error(
            "resolve_frame takes a pandas or polars DataFrame or a polars LazyFrame, not "
            f"{type(df).__name__}"
        )
    labels = list(df.collect_schema().names()) if lazy else list(df.columns)
    _check_column(df, labels, column)
    columns = [str(label) for label in labels]
    id_col, name_col, score_col = output_columns(columns, prefix)
    if lazy:
        return _resolve_lazy(resolver, df, column, (id_col, name_col, score_col), kind, progress)
    ids, names, scores = _resolve_column(resolver, df[column], column, kind, progress)
    return with_columns(df, [(id_col, ids), (name_col, names)], [(score_col, scores)])


def _check_column(df: Any, labels: list[Any], column: str) -> None:
    """Raises CanonicaError naming `column` unless exactly one column is labelled `column`.
    Labels are compared as they are (the string "0" is not the column labelled 0), and a frame
    with more than one level of column labels (a pandas MultiIndex) is refused."""
    # Only pandas has levels; asking a polars LazyFrame for `columns` would resolve its schema.
    columns = df.columns if type(df).__module__.split(".")[0] == "pandas" else None
    levels = getattr(columns, "nlevels", 1)
    if levels > 1:
        raise _error(
            f"the column {column!r}: resolve_frame needs one level of column labels, not a "
            f"MultiIndex of {levels}; flatten it first (for example "
            "df.columns = ['_'.join(map(str, c)) for c in df.columns])",
            field=column,
        )
    found = sum(1 for label in labels if isinstance(label, str) and label == column)
    if found == 0:
        listed = ", ".join(repr(label) for label in labels)
        raise _error(f"the frame has no column {column!r} (columns: {listed})", field=column)
    if found > 1:
        raise _error(
            f"the frame has {found} columns named {column!r}; rename all but one", field=column
        )


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


def _resolve_lazy(
    resolver: Resolver,
    lf: Any,
    column: str,
    added: tuple[str, str, str],
    kind: str | None,
    progress: Any,
) -> Any:
    """A LazyFrame whose plan resolves `column` into the `added` columns when it is collected."""
    import polars as pl

    id_col, name_col, score_col = added
    struct = pl.Struct({id_col: pl.Utf8, name_col: pl.Utf8, score_col: pl.Float64})

    def resolve(values: pl.Series) -> pl.Series:
        ids, names, scores = _resolve_column(resolver, values, column, kind, progress)
        return pl.DataFrame(
            {id_col: ids, name_col: names, score_col: scores},
            schema={id_col: pl.Utf8, name_col: pl.Utf8, score_col: pl.Float64},
        ).to_struct()

    # One struct column holds the three results while the plan runs; its name is chosen so as
    # not to be any input column, and it is unnested into the added columns at the end.
    temporary = "__canonica_results"
    while temporary in lf.collect_schema().names():
        temporary += "_"
    return lf.with_columns(
        pl.col(column).map_batches(resolve, return_dtype=struct).alias(temporary)
    ).unnest(temporary)
