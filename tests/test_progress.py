"""`progress=` on long batches: off by default (one call, no report), a callable called with
(done, total) as chunks finish, or True for a bar on standard error (tqdm's when installed)."""

from __future__ import annotations

import sys

import pandas as pd
import polars as pl
import pytest

import canonica

NAMES = ["UAE", "President Tokayev", None, "Atlantis", "Kazakh"] * 400  # 2,000 names
TEXTS = ["President Kassym-Jomart Tokayev hailed US–Kazakh ties.", "", "Nothing."] * 300


def record(calls: list[tuple[int, int]]) -> object:
    return lambda done, total: calls.append((done, total))


def test_resolve_many_reports_chunks_and_answers_the_same(seed_resolver: canonica.Resolver) -> None:
    calls: list[tuple[int, int]] = []
    with_progress = seed_resolver.resolve_many(NAMES, progress=record(calls))
    assert with_progress == seed_resolver.resolve_many(NAMES)
    assert calls[0] == (0, len(NAMES)) and calls[-1] == (len(NAMES), len(NAMES))
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(calls) > 3
    assert {t for _, t in calls} == {len(NAMES)}


def test_progress_is_off_by_default_and_with_false(seed_resolver: canonica.Resolver) -> None:
    for progress in (False, None):
        assert seed_resolver.resolve_many(["UAE"], progress=progress)[0] is not None


def test_arrow_input_reports_too(seed_resolver: canonica.Resolver) -> None:
    calls: list[tuple[int, int]] = []
    series = pl.Series(NAMES)
    assert seed_resolver.resolve_many(series, progress=record(calls)) == (
        seed_resolver.resolve_many(NAMES)
    )
    assert calls[-1] == (len(NAMES), len(NAMES))


def test_true_draws_a_bar_on_stderr(
    seed_resolver: canonica.Resolver, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_resolver.resolve_many(NAMES, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "2000/2000" in captured.err and "resolving" in captured.err


def test_without_tqdm_a_plain_bar(
    seed_resolver: canonica.Resolver,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails
    seed_resolver.link_many(TEXTS, progress=True)
    err = capsys.readouterr().err
    assert "linking 100% 900/900" in err and err.endswith("\n")


def test_a_callback_that_raises_stops_the_batch(seed_resolver: canonica.Resolver) -> None:
    def stop(done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        seed_resolver.resolve_many(NAMES, progress=stop)


def test_bad_progress_values(seed_resolver: canonica.Resolver) -> None:
    for bad in (1, "yes", [1]):
        with pytest.raises(canonica.CanonicaError, match="progress must be True, False or"):
            seed_resolver.resolve_many(NAMES, progress=bad)  # type: ignore[arg-type]


def test_link_many_equals_link_text_by_text(seed_resolver: canonica.Resolver) -> None:
    calls: list[tuple[int, int]] = []
    texts = [*TEXTS[:3], None, "Tokayev’s visit; Kazakstan", "Kazakstan"]
    found = seed_resolver.link_many(texts, fuzzy=True, progress=record(calls))
    assert found == [seed_resolver.link(t or "", fuzzy=True) for t in texts]
    assert found[0] and not found[1] and not found[3]
    assert calls[-1] == (len(texts), len(texts))
    people = seed_resolver.link_many(TEXTS[:1], kind="country")
    assert [m.id for m in people[0]] == ["US", "KZ"]
    with pytest.raises(canonica.CanonicaError, match="single string"):
        seed_resolver.link_many("Kazakhstan")  # type: ignore[arg-type]
    with pytest.raises(canonica.CanonicaError, match="text 2"):
        seed_resolver.link_many(["Kazakhstan", 5])  # type: ignore[list-item]


def test_resolve_frame_passes_progress_on(seed_resolver: canonica.Resolver) -> None:
    calls: list[tuple[int, int]] = []
    df = pd.DataFrame({"name": NAMES})
    out = seed_resolver.resolve_frame(df, "name", progress=record(calls))
    assert calls[-1] == (len(NAMES), len(NAMES))
    assert out["canonica_id"].tolist()[:2] == ["AE", "kassym_jomart_tokayev"]
    lazy_calls: list[tuple[int, int]] = []
    lazy = seed_resolver.resolve_frame(
        pl.LazyFrame({"name": NAMES}), "name", progress=record(lazy_calls)
    )
    assert not lazy_calls  # nothing runs before the plan is collected
    assert lazy.collect()["canonica_id"].to_list() == out["canonica_id"].tolist()
    assert lazy_calls[-1] == (len(NAMES), len(NAMES))
