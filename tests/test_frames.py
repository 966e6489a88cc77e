"""`resolve_frame` with the column names data really has: `name`, `id` and `score` are kept,
the results go to `canonica_id`, `canonica_name` and `canonica_score` (or `prefix=`), no input
column is ever replaced or dropped, a LazyFrame stays lazy, and a bad cell names its column and
row."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

import canonica

ADDED = ["canonica_id", "canonica_name", "canonica_score"]


def users() -> dict[str, list[object]]:
    return {
        "id": [7, 8, 9],
        "name": ["U.A.E.", "President Tokayev", None],
        "score": [0.5, 0.25, 1.0],
    }


@pytest.mark.parametrize("column", ["name", "id", "score"])
def test_common_column_names_work_with_the_defaults(
    seed_resolver: canonica.Resolver, column: str
) -> None:
    data = {**users(), column: ["U.A.E.", "President Tokayev", None]}
    df = pd.DataFrame(data)
    out = seed_resolver.resolve_frame(df, column)
    assert list(out.columns) == [*df.columns, *ADDED]
    pd.testing.assert_frame_equal(out[list(df.columns)], df)
    assert out["canonica_id"].tolist() == ["AE", "kassym_jomart_tokayev", None]
    polars_out = seed_resolver.resolve_frame(pl.DataFrame(data), column)
    assert polars_out.columns == [*df.columns, *ADDED]
    assert polars_out.select(df.columns).equals(pl.DataFrame(data))


def test_prefix_names_the_added_columns(seed_resolver: canonica.Resolver) -> None:
    df = pd.DataFrame(users())
    out = seed_resolver.resolve_frame(df, "name", prefix="match_")
    assert list(out.columns) == ["id", "name", "score", "match_id", "match_name", "match_score"]
    # prefix="" would replace the input's id, name and score: refused, nothing dropped.
    with pytest.raises(canonica.CanonicaError, match="would replace") as info:
        seed_resolver.resolve_frame(df, "name", prefix="")
    assert "'id', 'name', 'score'" in str(info.value)
    # Resolving the output again needs other names for the new results.
    again = seed_resolver.resolve_frame(out.assign(canonica_id=1), "name", prefix="second_")
    assert "second_id" in again.columns and again["canonica_id"].tolist() == [1, 1, 1]
    with pytest.raises(canonica.CanonicaError, match="prefix="):
        seed_resolver.resolve_frame(seed_resolver.resolve_frame(df, "name"), "name")


def test_a_lazy_frame_stays_lazy(seed_resolver: canonica.Resolver) -> None:
    lazy = pl.LazyFrame(users()).filter(pl.col("id") > 7)
    out = seed_resolver.resolve_frame(lazy, "name")
    assert isinstance(out, pl.LazyFrame)
    assert out.collect_schema().names() == ["id", "name", "score", *ADDED]
    assert out.collect_schema()["canonica_score"] == pl.Float64
    collected = out.collect()
    assert collected["id"].to_list() == [8, 9]
    assert collected["canonica_id"].to_list() == ["kassym_jomart_tokayev", None]
    assert out.select("canonica_name").collect().item(0, 0) == "Kassym-Jomart Tokayev"
    with pytest.raises(canonica.CanonicaError, match="no column 'nope'"):
        seed_resolver.resolve_frame(lazy, "nope")
    with pytest.raises(canonica.CanonicaError, match="prefix="):
        seed_resolver.resolve_frame(out, "name")


def test_a_bad_cell_names_its_column_and_row(seed_resolver: canonica.Resolver) -> None:
    df = pd.DataFrame({"id": [1, 2, 3], "company": ["Siemens AG", None, 42]}, index=[5, 6, 7])
    with pytest.raises(canonica.CanonicaError) as info:
        seed_resolver.resolve_frame(df, "company")
    assert str(info.value) == (
        "column 'company', row 2: expected a string or a missing value, found int 42"
    )
    assert info.value.field == "company"
    frames = [
        pl.DataFrame({"company": pl.Series(["Siemens AG", None, 42], dtype=pl.Object)}),
        pl.DataFrame({"company": [["Siemens"], None, None]}),
    ]
    for frame in frames:
        with pytest.raises(canonica.CanonicaError, match="column 'company'"):
            seed_resolver.resolve_frame(frame, "company")
        with pytest.raises(canonica.CanonicaError, match="column 'company'"):
            seed_resolver.resolve_frame(frame.lazy(), "company").collect()
    numbers = pl.DataFrame({"company": [1, 2]})
    with pytest.raises(canonica.CanonicaError, match="column 'company', row 0"):
        seed_resolver.resolve_frame(numbers, "company")


def test_not_a_frame(seed_resolver: canonica.Resolver) -> None:
    with pytest.raises(canonica.CanonicaError, match="LazyFrame, not dict"):
        seed_resolver.resolve_frame({"name": ["UAE"]}, "name")
