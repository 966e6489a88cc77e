"""A catalogue of bad inputs, each with the behaviour it gets.

Every case is a row of a table: what goes in, and what comes out. Bad input gives a
`CanonicaError` (naming the file, line or record and field where there is one) or `None` where
the API says so; never a panic, a crash or a hang. docs/reliability.md summarises the table.
"""

from __future__ import annotations

import array
import json
import math
import os
import pickle
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import canonica

from conftest import ROOT, SEED_KB

KB_LINE = b'{"id": "KZ", "name": "Kazakhstan", "aliases": ["Qazaqstan"]}'


@dataclass(frozen=True)
class KbCase:
    """A knowledge-base file and what loading it gives: a number of entities, or an error
    whose message contains `error` at `line` (or `record`) and `field`."""

    id: str
    suffix: str
    content: bytes
    entities: int | None = None
    error: str | None = None
    line: int | None = None
    record: int | None = None
    field: str | None = None


KB_CASES = [
    # JSON Lines
    KbCase("jsonl-ok", ".jsonl", KB_LINE + b"\n", entities=1),
    KbCase("jsonl-empty-file", ".jsonl", b"", entities=0),
    KbCase("jsonl-blank-lines-only", ".jsonl", b"\n  \n\t\n", entities=0),
    KbCase("jsonl-bom", ".jsonl", b"\xef\xbb\xbf" + KB_LINE + b"\n", entities=1),
    KbCase("jsonl-crlf", ".jsonl", KB_LINE + b"\r\n" + KB_LINE.replace(b"KZ", b"K2") + b"\r\n", 2),
    KbCase("jsonl-no-final-newline", ".jsonl", KB_LINE, entities=1),
    KbCase(
        "jsonl-malformed",
        ".jsonl",
        KB_LINE + b'\n{"id": "x", "name": \n',
        error="malformed",
        line=2,
    ),
    KbCase("jsonl-truncated-object", ".jsonl", b'{"id": "x"', error="malformed JSON", line=1),
    KbCase(
        "jsonl-not-an-object",
        ".jsonl",
        b'["KZ", "Kazakhstan"]\n',
        error="expected an object",
        line=1,
    ),
    KbCase(
        "jsonl-name-missing", ".jsonl", b'{"id": "KZ"}\n', error="missing", line=1, field="name"
    ),
    KbCase("jsonl-id-missing", ".jsonl", b'{"name": "Kazakhstan"}\n', error="missing", field="id"),
    KbCase(
        "jsonl-name-null", ".jsonl", b'{"id": "KZ", "name": null}\n', error="missing", field="name"
    ),
    KbCase(
        "jsonl-name-number",
        ".jsonl",
        b'{"id": "KZ", "name": 5}\n',
        error="expected a string",
        field="name",
    ),
    KbCase(
        "jsonl-id-number",
        ".jsonl",
        b'{"id": 7, "name": "K"}\n',
        error="expected a string",
        field="id",
    ),
    KbCase(
        "jsonl-aliases-number",
        ".jsonl",
        b'{"id": "KZ", "name": "Kazakhstan", "aliases": 5}\n',
        error="expected a list",
        field="aliases",
    ),
    KbCase(
        "jsonl-alias-number",
        ".jsonl",
        b'{"id": "KZ", "name": "Kazakhstan", "aliases": ["Q", 5]}\n',
        error="item 2",
        field="aliases",
    ),
    KbCase(
        "jsonl-alias-empty",
        ".jsonl",
        b'{"id": "KZ", "name": "Kazakhstan", "aliases": ["  "]}\n',
        error="empty",
        field="aliases",
    ),
    KbCase(
        "jsonl-kind-list",
        ".jsonl",
        b'{"id": "KZ", "name": "K", "kind": []}\n',
        error="string",
        field="kind",
    ),
    KbCase(
        "jsonl-kind-list",
        ".jsonl",
        b'{"id": "KZ", "name": "K", "kind": ["country"]}\n',
        error="expected a string",
        field="kind",
    ),
    KbCase(
        "jsonl-weight-string",
        ".jsonl",
        b'{"id": "KZ", "name": "K", "weight": "heavy"}\n',
        error="expected a number",
        field="weight",
    ),
    KbCase(
        "jsonl-weight-negative-zero-point-one",
        ".jsonl",
        b'{"id": "KZ", "name": "K", "weight": -0.1}\n',
        error="positive",
        field="weight",
    ),
    KbCase(
        "jsonl-weight-negative",
        ".jsonl",
        b'{"id": "KZ", "name": "K", "weight": -1}\n',
        error="positive",
        field="weight",
    ),
    KbCase(
        "jsonl-weight-overflow",
        ".jsonl",
        b'{"id": "KZ", "name": "K", "weight": 1e999}\n',
        error="malformed",
    ),
    KbCase(
        "jsonl-data-list",
        ".jsonl",
        b'{"id": "KZ", "name": "K", "data": [1]}\n',
        error="object",
        field="data",
    ),
    KbCase(
        "jsonl-duplicate-id",
        ".jsonl",
        KB_LINE + b"\n" + KB_LINE + b"\n",
        error="already taken",
        line=2,
        field="id",
    ),
    KbCase("jsonl-empty-id", ".jsonl", b'{"id": " ", "name": "K"}\n', error="empty", field="id"),
    KbCase(
        "jsonl-empty-name",
        ".jsonl",
        b'{"id": "KZ", "name": ""}\n',
        error="no letters",
        field="name",
    ),
    KbCase(
        "jsonl-whitespace-name",
        ".jsonl",
        b'{"id": "KZ", "name": " \\t "}\n',
        error="no letters",
        field="name",
    ),
    KbCase(
        "jsonl-punctuation-name",
        ".jsonl",
        b'{"id": "KZ", "name": "..."}\n',
        error="no letters",
        field="name",
    ),
    KbCase(
        "jsonl-non-utf8",
        ".jsonl",
        KB_LINE + b'\n{"id": "x", "name": "\xff\xfe"}\n',
        error="UTF-8",
        line=2,
    ),
    KbCase(
        "jsonl-latin1",
        ".jsonl",
        '{"id": "x", "name": "Zürich"}\n'.encode("latin-1"),
        error="UTF-8",
        line=1,
    ),
    KbCase(
        "jsonl-raw-nul-byte",
        ".jsonl",
        b'{"id": "x", "name": "a\x00b"}\n',
        error="malformed",
        line=1,
    ),
    KbCase(
        "jsonl-escaped-nul-and-controls",
        ".jsonl",
        b'{"id": "x", "name": "Ka\\u0000z\\u0007akh"}\n',
        entities=1,
    ),
    KbCase(
        "jsonl-lone-surrogate-escape",
        ".jsonl",
        b'{"id": "x", "name": "a\\ud800b"}\n',
        error="malformed JSON",
        line=1,
    ),
    KbCase(
        "jsonl-deeply-nested",
        ".jsonl",
        b'{"id": "x", "name": "K", "extra": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",
        error="recursion",
    ),
    KbCase("jsonl-trailing-garbage", ".jsonl", KB_LINE + b" trailing\n", error="malformed", line=1),
    # A JSON array
    KbCase("json-ok", ".json", b"[" + KB_LINE + b"]", entities=1),
    KbCase("json-empty-array", ".json", b"[]", entities=0),
    KbCase("json-bom", ".json", b"\xef\xbb\xbf[" + KB_LINE + b"]", entities=1),
    KbCase("json-empty-file", ".json", b"", error="malformed JSON"),
    KbCase("json-object-not-array", ".json", KB_LINE, error="expected a JSON array"),
    KbCase("json-malformed", ".json", b"[\n" + KB_LINE + b",\n{\n", error="EOF", line=4),
    KbCase(
        "json-record-not-object",
        ".json",
        b"[" + KB_LINE + b", 5]",
        error="expected an object",
        record=2,
    ),
    KbCase(
        "json-duplicate-id",
        ".json",
        b"[" + KB_LINE + b"," + KB_LINE + b"]",
        error="already taken",
        record=2,
    ),
    KbCase("json-deeply-nested", ".json", b"[" * 100_000 + b"]" * 100_000, error="recursion"),
    KbCase("json-non-utf8", ".json", b'[{"id": "x", "name": "\xc3\x28"}]', error="UTF-8"),
    # CSV
    KbCase("csv-ok", ".csv", b"id,name,aliases\nKZ,Kazakhstan,Qazaqstan|Kazakh\n", entities=1),
    KbCase(
        "csv-bom-crlf", ".csv", b"\xef\xbb\xbfid,name\r\nKZ,Kazakhstan\r\nAE,UAE\r\n", entities=2
    ),
    KbCase(
        "csv-quoted-newline", ".csv", b'id,name,note\nKZ,"Kazakhstan","two\nlines"\n', entities=1
    ),
    KbCase("csv-header-only", ".csv", b"id,name\n", entities=0),
    KbCase("csv-empty-file", ".csv", b"", error="no 'id' column", line=1, field="id"),
    KbCase(
        "csv-no-name-column",
        ".csv",
        b"id,title\nKZ,Kazakhstan\n",
        error="no 'name' column",
        field="name",
    ),
    KbCase(
        "csv-ragged-row",
        ".csv",
        b"id,name\nKZ,Kazakhstan\nAE,UAE,extra\n",
        error="malformed CSV",
        line=3,
    ),
    KbCase(
        "csv-short-row", ".csv", b"id,name,kind\nKZ,Kazakhstan\n", error="malformed CSV", line=2
    ),
    KbCase(
        "csv-bad-weight",
        ".csv",
        b"id,name,weight\nKZ,Kazakhstan,heavy\n",
        error="number",
        line=2,
        field="weight",
    ),
    KbCase(
        "csv-nan-weight",
        ".csv",
        b"id,name,weight\nKZ,Kazakhstan,NaN\n",
        error="positive",
        line=2,
        field="weight",
    ),
    KbCase("csv-empty-name", ".csv", b"id,name\nKZ,\n", error="empty", line=2, field="name"),
    KbCase("csv-empty-id", ".csv", b"id,name\n,Kazakhstan\n", error="empty", line=2, field="id"),
    KbCase(
        "csv-duplicate-id",
        ".csv",
        b"id,name\nKZ,Kazakhstan\nKZ,Qazaqstan\n",
        error="already taken",
        line=3,
    ),
    KbCase("csv-non-utf8", ".csv", b"id,name\nKZ,Kaz\xffakhstan\n", error="UTF-8", line=2),
    KbCase("csv-nul-byte", ".csv", b"id,name\nKZ,Kaz\x00akhstan\n", entities=1),
    # As strict as CSV input on the command line: nothing is guessed, merged or dropped.
    KbCase(
        "csv-unclosed-quote",
        ".csv",
        b'id,name,aliases\nKZ,Kazakhstan,"Qazaqstan\nAE,UAE,\n',
        error="never closed",
        line=2,
        field="aliases",
    ),
    KbCase(
        "csv-unclosed-quote-at-end",
        ".csv",
        b'id,name\nKZ,"Kazakhstan',
        error="never closed",
        line=2,
        field="name",
    ),
    KbCase(
        "csv-column-named-twice",
        ".csv",
        b"id,name,capital,capital\nKZ,Kazakhstan,Astana,Almaty\n",
        error="twice",
        line=1,
        field="capital",
    ),
    KbCase(
        "csv-id-column-twice", ".csv", b"id,id,name\nKZ,KZ,K\n", error="twice", line=1, field="id"
    ),
    KbCase(
        "jsonl-data-key-twice",
        ".jsonl",
        b'{"id": "KZ", "name": "K", "capital": "Astana", "data": {"capital": "Almaty"}}\n',
        error="given twice",
        line=1,
        field="capital",
    ),
    KbCase(
        "jsonl-key-twice-in-an-object",
        ".jsonl",
        KB_LINE + b'\n{"id": "AE", "name": "UAE", "name": "Emirates"}\n',
        error="given twice",
        line=2,
        field="name",
    ),
    KbCase(
        "json-data-key-twice",
        ".json",
        b'[{"id": "KZ", "name": "K", "data": {"capital": "A"}, "capital": "B"}]',
        error="given twice",
        record=1,
        field="capital",
    ),
]


@pytest.mark.parametrize("case", KB_CASES, ids=lambda c: c.id)
def test_knowledge_base_files(tmp_path: Path, case: KbCase) -> None:
    path = tmp_path / f"kb{case.suffix}"
    path.write_bytes(case.content)
    load: Callable[[Path], canonica.KnowledgeBase] = {
        ".jsonl": canonica.KnowledgeBase.from_jsonl,
        ".json": canonica.KnowledgeBase.from_json,
        ".csv": canonica.KnowledgeBase.from_csv,
    }[case.suffix]
    if case.error is None:
        kb = load(path)
        assert len(kb) == case.entities
        resolver = canonica.Resolver(kb)  # every knowledge base that loads also builds
        assert len(resolver) == case.entities
        return
    with pytest.raises(canonica.CanonicaError, match=case.error) as info:
        load(path)
    err = info.value
    assert err.file == str(path)
    assert str(path) in str(err)
    if case.line is not None:
        assert err.line == case.line, str(err)
    if case.record is not None:
        assert err.record == case.record, str(err)
    if case.field is not None:
        assert err.field == case.field, str(err)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    for load in (
        canonica.KnowledgeBase.from_jsonl,
        canonica.KnowledgeBase.from_json,
        canonica.KnowledgeBase.from_csv,
        canonica.Resolver.load,
    ):
        with pytest.raises(canonica.CanonicaError) as info:
            load(tmp_path / "missing")  # type: ignore[operator]
        assert info.value.file == str(tmp_path / "missing")
        with pytest.raises(canonica.CanonicaError):
            load(tmp_path)  # type: ignore[operator]  # a directory


@pytest.mark.parametrize(
    ("delimiter", "separator"),
    [("", "|"), ("ab", "|"), ("é", "|"), (",", "")],
)
def test_csv_options_out_of_range(tmp_path: Path, delimiter: str, separator: str) -> None:
    path = tmp_path / "kb.csv"
    path.write_bytes(b"id,name\nKZ,Kazakhstan\n")
    with pytest.raises(canonica.CanonicaError):
        canonica.KnowledgeBase.from_csv(path, delimiter=delimiter, alias_separator=separator)


@pytest.mark.parametrize("delimiter", [5, 3.5, b",", "\ud800"])
def test_csv_options_of_wrong_types(tmp_path: Path, delimiter: Any) -> None:
    path = tmp_path / "kb.csv"
    path.write_bytes(b"id,name\nKZ,Kazakhstan\n")
    with pytest.raises(canonica.CanonicaError, match="delimiter"):
        canonica.KnowledgeBase.from_csv(path, delimiter=delimiter)
    with pytest.raises(canonica.CanonicaError, match="alias separator"):
        canonica.KnowledgeBase.from_csv(path, alias_separator=delimiter)
    assert len(canonica.KnowledgeBase.from_csv(str(path))) == 1


@pytest.mark.parametrize("path", [5, 2.5, None, ["kb.jsonl"], {"path": "kb.jsonl"}])
def test_paths_of_wrong_types(seed_resolver: canonica.Resolver, path: Any) -> None:
    for load in (
        canonica.KnowledgeBase.from_jsonl,
        canonica.KnowledgeBase.from_json,
        canonica.KnowledgeBase.from_csv,
        canonica.Resolver.load,
        seed_resolver.save,
    ):
        with pytest.raises(canonica.CanonicaError, match="path must be a str or os.PathLike"):
            load(path)


# --------------------------------------------------------------------------------------------
# Records from Python


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


RECORD_CASES: list[tuple[str, Any, str]] = [
    ("one-dict", {"id": "KZ", "name": "Kazakhstan"}, "not a single dict"),
    ("a-string", "KZ", "not str"),
    ("none-row", [None], "record 1: expected a dict"),
    ("string-row", ["KZ"], "record 1: expected a dict"),
    ("name-none", [{"id": "KZ", "name": None}], "missing"),
    ("name-nan", [{"id": "KZ", "name": math.nan}], "missing"),
    ("name-int", [{"id": "KZ", "name": 5}], "expected a string"),
    ("name-bytes", [{"id": "KZ", "name": b"Kazakhstan"}], "cannot be stored"),
    ("id-bool", [{"id": True, "name": "K"}], "expected a string"),
    ("name-lone-surrogate", [{"id": "KZ", "name": "Ka\ud800z"}], "surrogate"),
    ("key-not-string", [{"id": "KZ", "name": "K", 5: "x"}], "key must be a string"),
    ("weight-inf", [{"id": "KZ", "name": "K", "weight": math.inf}], "cannot be stored"),
    ("weight-bool", [{"id": "KZ", "name": "K", "weight": True}], "expected a number"),
    ("weight-huge-int", [{"id": "KZ", "name": "K", "weight": 2**70}], "cannot be stored"),
    ("data-set", [{"id": "KZ", "name": "K", "tags": {1, 2}}], "cannot be stored"),
    ("data-deeply-nested", [{"id": "KZ", "name": "K", "tree": _nested(10_000)}], "nested"),
    ("duplicate-id", [{"id": "KZ", "name": "K"}, {"id": "KZ", "name": "Q"}], "already taken"),
    ("whitespace-name", [{"id": "KZ", "name": "\u00a0\u2003"}], "no letters"),
    ("control-name", [{"id": "KZ", "name": "\x00\x07\x1b"}], "no letters"),
]


@pytest.mark.parametrize(
    ("rows", "words"), [c[1:] for c in RECORD_CASES], ids=[c[0] for c in RECORD_CASES]
)
def test_bad_records(rows: Any, words: str) -> None:
    with pytest.raises(canonica.CanonicaError, match=words):
        canonica.KnowledgeBase.from_records(rows)


def test_records_edge_cases_that_load() -> None:
    kb = canonica.KnowledgeBase.from_records(
        [
            # NaN is "missing" as in data frames: the default weight, no kind.
            {"id": "KZ", "name": "Kazakhstan", "weight": math.nan, "kind": math.nan},
            {"id": "nul", "name": "Ka\x00zakh\x07stan\u200b", "aliases": ()},
            {"id": "crlf", "name": "United\r\nStates"},
        ]
    )
    assert kb["KZ"].weight == 1.0 and kb["KZ"].kind is None
    assert canonica.normalize(kb["nul"].name) == "ka zakh stan"
    r = canonica.Resolver(kb)
    assert r.resolve("United States") is not None
    with pytest.raises(canonica.CanonicaError, match="iterable"):
        canonica.KnowledgeBase.from_records(5)


@pytest.mark.parametrize(
    "args",
    [
        {"aliases": 5},
        {"aliases": [None]},
        {"kind": 5},
        {"weight": "heavy"},
        {"weight": -1},
        {"data": [1, 2]},
    ],
    ids=repr,
)
def test_bad_add_arguments(args: dict[str, Any]) -> None:
    kb = canonica.KnowledgeBase()
    with pytest.raises(canonica.CanonicaError):
        kb.add("KZ", "Kazakhstan", **args)
    assert len(kb) == 0, "a refused entity is not half added"


def test_lookups_with_wrong_key_types() -> None:
    kb = canonica.KnowledgeBase.from_jsonl(SEED_KB)
    assert 5 not in kb
    with pytest.raises(KeyError):
        kb[5]  # type: ignore[index]


# --------------------------------------------------------------------------------------------
# Queries


def test_odd_strings_resolve_to_none_or_a_match(seed_resolver: canonica.Resolver) -> None:
    odd = [
        "",
        " ",
        "\t\r\n",
        "\x00",
        "Tokayev\x00",
        "\x00Tokayev",
        "\x07\x1b[31mTokayev\x1b[0m",
        "\ufeffTokayev",
        "Tokayev\r\n",
        "\u200b\u200d",
        "\U0001f600" * 50,
        "\ufffd",
        "Z\u0351\u0352\u0353algo" * 100,
        "...",
        "0" * 1000,
    ]
    for name in odd:
        m = seed_resolver.resolve(name)
        assert m is None or 0.0 <= m.score <= 1.0
        assert isinstance(seed_resolver.link(name), list)
        assert isinstance(canonica.normalize(name), str)
    assert seed_resolver.resolve("\ufeffTokayev\r\n").id == "kassym_jomart_tokayev"  # type: ignore[union-attr]
    assert seed_resolver.resolve("Tokayev\x00").id == "kassym_jomart_tokayev"  # type: ignore[union-attr]


def test_long_names_after_a_title(seed_resolver: canonica.Resolver) -> None:
    # Names past the word-by-word limit (64 words, 4 KB) are matched whole; a title in front of
    # one once made the core index past its (empty) list of words.
    names = ["President " + "Tokayev " * 100, "Mr " + "x" * 5000, "Prime Minister " + "ab " * 70]
    for name in names:
        assert seed_resolver.resolve(name) is None
        assert seed_resolver.candidates(name) == []
        assert seed_resolver.resolve_many([name]) == [None]
    whole = "President " + " ".join(["Kassym-Jomart Tokayev"] * 30)
    assert seed_resolver.resolve(whole) is None


@pytest.mark.parametrize(
    "value",
    [5, 5.5, b"Tokayev", ["Tokayev"], object(), "Tok\ud800ayev"],
    ids=["int", "float", "bytes", "list", "object", "lone-surrogate"],
)
def test_non_string_queries_are_errors(seed_resolver: canonica.Resolver, value: Any) -> None:
    with pytest.raises(canonica.CanonicaError):
        seed_resolver.resolve(value)
    with pytest.raises(canonica.CanonicaError):
        seed_resolver.candidates(value)
    with pytest.raises(canonica.CanonicaError):
        seed_resolver.link(value)
    with pytest.raises(canonica.CanonicaError):
        canonica.normalize(value)
    with pytest.raises(canonica.CanonicaError):
        canonica.similarity(value, "Tokayev")


def test_missing_values_are_none(seed_resolver: canonica.Resolver) -> None:
    import pandas as pd

    for missing in (None, math.nan, float("nan"), pd.NA, pd.NaT, ""):
        assert seed_resolver.resolve(missing) is None
        assert seed_resolver.candidates(missing) == []


def test_batches_with_missing_and_bad_values(seed_resolver: canonica.Resolver) -> None:
    import numpy as np
    import pandas as pd

    names = ["Tokayev", None, math.nan, np.nan, pd.NA, "", "   ", "\x00", "UAE"]
    got = seed_resolver.resolve_many(names)
    assert [m.id if m else None for m in got] == [
        "kassym_jomart_tokayev",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "AE",
    ]
    assert seed_resolver.resolve_many([]) == []
    assert len(seed_resolver.resolve_many(iter(["UAE"] * 3))) == 3  # any iterable
    assert len(seed_resolver.resolve_many(pd.Series(["UAE", None]))) == 2
    for bad, where in (
        (["UAE", 5], "name 2"),
        (["UAE", b"UAE"], "name 2"),
        (["UAE", ["UAE"]], "name 2"),
        ([math.inf], "name 1"),
        (["ok", "Tok\ud800"], "name 2"),
    ):
        with pytest.raises(canonica.CanonicaError, match=where):
            seed_resolver.resolve_many(bad)
    for not_a_list in ("UAE", 5, None):
        with pytest.raises(canonica.CanonicaError):
            seed_resolver.resolve_many(not_a_list)


# --------------------------------------------------------------------------------------------
# Arguments


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": -0.1},
        {"threshold": 1.5},
        {"threshold": math.nan},
        {"threshold": math.inf},
        {"threshold": "high"},
        {"margin": -0.01},
        {"margin": 2.0},
        {"margin": math.nan},
        {"margin": [0.1]},
        {"threshold": True},
        {"margin": False},
    ],
    ids=repr,
)
def test_resolver_arguments_out_of_range(kwargs: dict[str, Any]) -> None:
    kb = canonica.KnowledgeBase.from_jsonl(SEED_KB)
    with pytest.raises(canonica.CanonicaError):
        canonica.Resolver(kb, **kwargs)


def test_resolver_arguments_at_the_edges() -> None:
    kb = canonica.KnowledgeBase.from_jsonl(SEED_KB)
    assert canonica.Resolver(kb, threshold=0, margin=0).resolve("Tokayev") is not None
    strict = canonica.Resolver(kb, threshold=1, margin=1)
    assert strict.resolve("Kassym-Jomart Tokayev") is not None
    assert strict.resolve("Tokaev") is None
    with pytest.raises(canonica.CanonicaError, match="KnowledgeBase"):
        canonica.Resolver([{"id": "KZ", "name": "Kazakhstan"}])  # type: ignore[arg-type]


def test_call_arguments_out_of_range(seed_resolver: canonica.Resolver) -> None:
    assert seed_resolver.candidates("Tokayev", limit=0) == []
    for limit in (-1, 2**70, "5", 1.5, None):
        with pytest.raises(canonica.CanonicaError, match="limit"):
            seed_resolver.candidates("Tokayev", limit=limit)  # type: ignore[arg-type]
    for kind in (5, ["person"]):
        with pytest.raises(canonica.CanonicaError, match="kind"):
            seed_resolver.resolve("Tokayev", kind=kind)  # type: ignore[arg-type]
        with pytest.raises(canonica.CanonicaError, match="kind"):
            seed_resolver.resolve_many(["Tokayev"], kind=kind)  # type: ignore[arg-type]
        with pytest.raises(canonica.CanonicaError, match="kind"):
            seed_resolver.link("Tokayev", kind=kind)  # type: ignore[arg-type]
    assert seed_resolver.resolve("Tokayev", kind="no such kind") is None
    assert seed_resolver.resolve("Tokayev", kind="") is None
    for flag in ("yes", 1, None):
        with pytest.raises(canonica.CanonicaError, match="overlapping"):
            seed_resolver.link("Tokayev", overlapping=flag)  # type: ignore[arg-type]
        with pytest.raises(canonica.CanonicaError, match="fuzzy"):
            seed_resolver.link("Tokayev", fuzzy=flag)  # type: ignore[arg-type]


def test_thread_count_out_of_range() -> None:
    try:
        for bad in (-1, 1025, 2**70, "2", 1.5, None):
            with pytest.raises(canonica.CanonicaError, match="threads"):
                canonica.set_num_threads(bad)  # type: ignore[arg-type]
        canonica.set_num_threads(0)  # 0: one per core
        assert canonica.num_threads() >= 1
        canonica.set_num_threads(1024)
        assert canonica.num_threads() == 1024
    finally:
        canonica.set_num_threads(0)


@pytest.mark.parametrize("value", ["-3", "lots", "", "99999999999999999999"])
def test_bad_thread_environment_variable_means_one_per_core(value: str) -> None:
    code = (
        "import canonica; print(canonica.num_threads()); "
        "print(len(canonica.Resolver(canonica.countries()).resolve_many(['KZ'] * 100)))"
    )
    env = {"CANONICA_NUM_THREADS": value, "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    threads, results = out.stdout.split()
    assert int(threads) >= 1 and int(results) == 100


# --------------------------------------------------------------------------------------------
# Saved files


def _flip(offset: int) -> Callable[[bytes], bytes]:
    def mangle(b: bytes) -> bytes:
        i = offset % len(b)
        return b[:i] + bytes([b[i] ^ 0x5A]) + b[i + 1 :]

    return mangle


SAVED_CASES: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("empty", lambda b: b"", "magic"),
    ("magic-only", lambda b: b[:8], "truncated"),
    ("header-only", lambda b: b[:24], "truncated"),
    ("truncated-half", lambda b: b[: len(b) // 2], "truncated"),
    ("truncated-last-byte", lambda b: b[:-1], "truncated"),
    ("trailing-bytes", lambda b: b + b"\x00", "trailing"),
    ("other-version", lambda b: b[:8] + (2).to_bytes(4, "little") + b[12:], "version 2"),
    ("future-version", lambda b: b[:8] + (2**32 - 1).to_bytes(4, "little") + b[12:], "version"),
    ("huge-length", lambda b: b[:12] + (2**64 - 1).to_bytes(8, "little") + b[20:], "truncated"),
    ("bad-checksum", lambda b: b[:20] + b"\x00\x00\x00\x00" + b[24:], "corrupted"),
    ("flipped-payload-byte", _flip(-100), "corrupted"),
    ("flipped-first-payload-byte", _flip(24), "corrupted"),
    ("json", lambda b: b'{"id": "KZ"}', "magic"),
    ("pickle", lambda b: pickle.dumps({"a": 1}), "magic"),
    ("gzip", lambda b: b"\x1f\x8b\x08\x00" + b[4:], "magic"),
]


@pytest.mark.parametrize(
    ("mangle", "words"), [c[1:] for c in SAVED_CASES], ids=[c[0] for c in SAVED_CASES]
)
def test_bad_saved_files(
    tmp_path: Path,
    seed_resolver: canonica.Resolver,
    mangle: Callable[[bytes], bytes],
    words: str,
) -> None:
    data = mangle(seed_resolver.to_bytes())
    with pytest.raises(canonica.CanonicaError, match=words):
        canonica.Resolver.from_bytes(data)
    path = tmp_path / "bad.canonica"
    path.write_bytes(data)
    with pytest.raises(canonica.CanonicaError, match=words) as info:
        canonica.Resolver.load(path)
    assert info.value.file == str(path)


def test_every_truncation_and_many_flips_are_errors(seed_resolver: canonica.Resolver) -> None:
    data = seed_resolver.to_bytes()
    for n in range(0, len(data), 97):
        with pytest.raises(canonica.CanonicaError):
            canonica.Resolver.from_bytes(data[:n])
    for i in range(0, len(data), 89):
        with pytest.raises(canonica.CanonicaError):
            canonica.Resolver.from_bytes(_flip(i)(data))


def test_from_bytes_of_other_types(seed_resolver: canonica.Resolver) -> None:
    data = seed_resolver.to_bytes()
    assert canonica.Resolver.from_bytes(bytearray(data)).resolve("UAE") is not None
    for bad in ("CANONICA", None, 5):
        with pytest.raises(canonica.CanonicaError):
            canonica.Resolver.from_bytes(bad)  # type: ignore[arg-type]


def test_tampered_pickle_is_an_error(seed_resolver: canonica.Resolver) -> None:
    data = pickle.dumps(seed_resolver)
    saved = seed_resolver.to_bytes()
    tampered = data.replace(saved[-50:], bytes(50))
    assert tampered != data
    with pytest.raises(canonica.CanonicaError, match="corrupted"):
        pickle.loads(tampered)


def test_resolve_frame_arguments_of_wrong_types(seed_resolver: canonica.Resolver) -> None:
    df = pd.DataFrame({"mention": ["UAE"]})
    for column in (5, None, ["mention"]):
        with pytest.raises(canonica.CanonicaError, match="the column must be a string"):
            seed_resolver.resolve_frame(df, column)  # type: ignore[arg-type]
    for prefix in (5, b"m_"):
        with pytest.raises(canonica.CanonicaError, match="the prefix must be a string"):
            seed_resolver.resolve_frame(df, "mention", prefix=prefix)  # type: ignore[arg-type]
    assert seed_resolver.resolve_frame(df, "mention", prefix="m_")["m_id"].tolist() == ["AE"]


# What pickle calls to rebuild each type, with states a tampered pickle could hold.
TAMPERED_STATES: list[tuple[str, Any]] = [
    ("_entity_from_json", "not json"),
    ("_entity_from_json", '{"id": "a"}'),
    ("_entity_from_json", '{"id": "a", "name": "!!"}'),
    ("_entity_from_json", 5),
    ("_knowledge_base_from_jsonl", b'{"id": "a", "name": "A"}\n{"id": "a", "name": "B"}\n'),
    ("_knowledge_base_from_jsonl", b"\xff\xfe"),
    ("_knowledge_base_from_jsonl", "not bytes"),
    ("_match_from_state", ("KZ", "Kazakhstan", 1.0, "KZ", None, "no such method", "")),
    ("_match_from_state", ("KZ",)),
    ("_match_from_state", None),
    ("_mention_from_state", (0, 2, "KZ", 1.0, "KZ", "Kazakhstan")),
    ("_mention_from_state", (-1, 2, "KZ", 1.0, "KZ", "Kazakhstan", None)),
]


@pytest.mark.parametrize(("rebuild", "state"), TAMPERED_STATES, ids=repr)
def test_tampered_pickles_of_other_types_are_errors(rebuild: str, state: Any) -> None:
    with pytest.raises(canonica.CanonicaError):
        getattr(canonica._core, rebuild)(state)


def test_save_to_a_bad_path(tmp_path: Path, seed_resolver: canonica.Resolver) -> None:
    with pytest.raises(canonica.CanonicaError):
        seed_resolver.save(tmp_path / "no" / "such" / "dir" / "r.canonica")
    with pytest.raises(canonica.CanonicaError):
        seed_resolver.save(tmp_path)  # a directory
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no temporary file is left"


# --------------------------------------------------------------------------------------------
# An empty knowledge base


def test_empty_knowledge_base(tmp_path: Path) -> None:
    r = canonica.Resolver(canonica.KnowledgeBase())
    assert len(r) == 0
    assert r.resolve("Tokayev") is None
    assert r.resolve_many(["Tokayev", None]) == [None, None]
    assert r.candidates("Tokayev") == []
    assert r.link("President Tokayev visited the UAE.", fuzzy=True, overlapping=True) == []
    r.save(tmp_path / "empty.canonica")
    back = canonica.Resolver.load(tmp_path / "empty.canonica")
    assert len(back) == 0 and back.resolve("x") is None
    assert len(pickle.loads(pickle.dumps(r))) == 0


# --------------------------------------------------------------------------------------------
# Very long strings and very many tokens: linear time, checked in a child process so that a
# regression fails the test instead of hanging it.

LONG_INPUTS = textwrap.dedent(
    """
    import json, sys, time
    import canonica

    r = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(sys.argv[1]))
    n = 5_000_000
    inputs = {
        "one 5 MB token": "a" * n,
        "1M tokens": "ab " * 1_000_000,
        "1M capitalised names": "Tokayev " * 1_000_000,
        "1.7M legal forms then a word": "AG " * 1_700_000 + "x",
        "2.5M dotted initials": "A." * (n // 2),
        "2.5M Kazakh letters": "\u049a" * (n // 2),
        "1M titles": "President " * 500_000,
    }
    timings = {}
    for label, text in inputs.items():
        start = time.perf_counter()
        canonica.normalize(text)
        r.resolve(text)
        r.candidates(text)
        r.resolve_many([text, "UAE"])
        r.link(text)
        timings[label] = time.perf_counter() - start
    # A knowledge base with a 5 MB name and a name of 1M words builds, saves and answers.
    kb = canonica.KnowledgeBase()
    kb.add("long", "a" * n)
    kb.add("many", "ab " * 1_000_000, aliases=["AG " * 500_000 + "x"])
    kb.add("KZ", "Kazakhstan")
    start = time.perf_counter()
    big = canonica.Resolver(kb)
    big = canonica.Resolver.from_bytes(big.to_bytes())
    assert big.resolve("ab " * 1_000_000).id == "many"
    assert big.resolve("Kazakhstan").id == "KZ"
    big.resolve("ab ab ab")
    big.link("ab " * 100_000, fuzzy=True)
    timings["KB of long names"] = time.perf_counter() - start
    print(json.dumps(timings))
    """
)


def test_long_strings_and_many_tokens_take_linear_time() -> None:
    # Each input takes a second or two; a quadratic step on any of them would take hours.
    out = subprocess.run(
        [sys.executable, "-c", LONG_INPUTS, str(SEED_KB)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    timings = json.loads(out.stdout)
    slow = {label: t for label, t in timings.items() if t > 60}
    assert not slow, timings


def _canonica(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """Runs the command line in a child process, its output and errors captured."""
    return subprocess.run(
        [sys.executable, "-m", "canonica", *arguments],
        capture_output=True,
        timeout=timeout,
        cwd=ROOT,
    )


def test_long_inputs_on_the_command_line(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("Tokayev\n" + "x" * 2_000_000 + "\n" + "ab " * 300_000 + "\nUAE\n")
    out = _canonica("resolve", "--kb", str(SEED_KB), "--input", str(names), timeout=300)
    assert out.returncode == 0, out.stderr
    rows = out.stdout.decode().splitlines()
    assert len(rows) == 5
    assert rows[1].startswith("Tokayev,kassym_jomart_tokayev,")
    assert rows[4].startswith("UAE,AE,")


# --------------------------------------------------------------------------------------------
# Special and endless files: refused at once, never read until memory runs out

SPECIAL_FILES = ["/dev/zero", "/dev/urandom", "fifo", "directory"]


def _special_file(tmp_path: Path, which: str) -> str:
    if which == "fifo":
        path = tmp_path / "kb.jsonl"
        os.mkfifo(path)  # nobody ever writes to it: opening it to read would wait forever
        return str(path)
    if which == "directory":
        return str(tmp_path)
    return which


@pytest.mark.parametrize("which", SPECIAL_FILES)
def test_special_files_are_refused_as_knowledge_bases(tmp_path: Path, which: str) -> None:
    path = _special_file(tmp_path, which)
    for load in (
        canonica.KnowledgeBase.from_jsonl,
        canonica.KnowledgeBase.from_json,
        canonica.KnowledgeBase.from_csv,
        canonica.Resolver.load,
    ):
        started = time.monotonic()
        with pytest.raises(canonica.CanonicaError, match="not a regular file") as info:
            load(path)
        assert time.monotonic() - started < 5
        assert info.value.file == path
        # Also the OSError Python raises for such a file: IsADirectoryError for a directory.
        assert isinstance(info.value, IsADirectoryError if which == "directory" else OSError)


def test_saving_over_a_special_file_is_refused(
    tmp_path: Path, seed_resolver: canonica.Resolver
) -> None:
    fifo = tmp_path / "r.canonica"
    os.mkfifo(fifo)
    with pytest.raises(canonica.CanonicaError, match="not a regular file"):
        seed_resolver.save(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.canonica"]


def test_lines_longer_than_the_limit_are_errors(tmp_path: Path) -> None:
    assert canonica.MAX_LINE_BYTES == 16 * 2**20
    assert canonica.MAX_FILE_BYTES == 4 * 2**30
    long_line = b'{"id": "x", "name": "' + b"a" * canonica.MAX_LINE_BYTES + b'"}\n'
    for suffix, content in [
        (".jsonl", KB_LINE + b"\n" + long_line),
        (".csv", b"id,name\nKZ,Kazakhstan\nx," + b"a" * canonica.MAX_LINE_BYTES + b"\n"),
    ]:
        path = tmp_path / f"long{suffix}"
        path.write_bytes(content)
        load = (
            canonica.KnowledgeBase.from_jsonl
            if suffix == ".jsonl"
            else canonica.KnowledgeBase.from_csv
        )
        with pytest.raises(canonica.CanonicaError, match="longer than") as info:
            load(path)
        assert (info.value.file, info.value.line) == (str(path), 2 if suffix == ".jsonl" else 3)


@pytest.mark.parametrize("which", ["/dev/zero", "/dev/urandom", "fifo"])
def test_special_files_on_the_command_line(tmp_path: Path, which: str) -> None:
    path = _special_file(tmp_path, which)
    runs = [["--kb", path, "Kazakhstan"]]
    if which != "fifo":  # a FIFO may be an input; see the test below
        runs.append(["--kb", str(SEED_KB), "--column", "name", "--input", path])
        runs.append(["--kb", str(SEED_KB), "--input", path])
    for arguments in runs:
        out = _canonica("resolve", *arguments)
        err = out.stderr.decode()
        assert out.returncode == 1, (arguments, err)
        assert err.startswith("canonica: error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err


def test_reading_a_fifo_honours_ctrl_c(tmp_path: Path) -> None:
    fifo = tmp_path / "names.txt"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "canonica", "resolve", "--kb", str(SEED_KB), "--input", str(fifo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    time.sleep(3)  # started, and waiting for a writer that never comes
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err


@pytest.mark.parametrize("value", [10**12, 2**80, -1, 10**6, 3.5, object()], ids=repr)
def test_from_bytes_of_a_number_allocates_nothing(value: Any) -> None:
    # bytes(10**12) would be a terabyte of zeros.
    started = time.monotonic()
    with pytest.raises(canonica.CanonicaError, match="a saved resolver is bytes"):
        canonica.Resolver.from_bytes(value)
    assert time.monotonic() - started < 1


def test_from_bytes_of_buffers(seed_resolver: canonica.Resolver) -> None:
    data = seed_resolver.to_bytes()
    for buffer in (memoryview(data), array.array("B", data), bytearray(data)):
        assert canonica.Resolver.from_bytes(buffer).resolve("UAE") is not None  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Signals are never lost: a handler's exception reaches the caller

SIGNAL_DURING_CONVERSION = textwrap.dedent(
    """
    import os, signal, sys, canonica
    kb = canonica.KnowledgeBase.from_jsonl(sys.argv[1])
    r = canonica.Resolver(kb)
    which = sys.argv[2]

    def names():
        for i in range(200_000):
            if i == 100_000:
                os.kill(os.getpid(), signal.SIGINT)
            yield "Tokayev"

    def rows():
        for i in range(200_000):
            if i == 100_000:
                os.kill(os.getpid(), signal.SIGINT)
            yield {"id": f"e{i}", "name": f"Name {i}"}

    class Index:
        # A number type written in Python: the handler runs inside its conversion.
        def __index__(self):
            os.kill(os.getpid(), signal.SIGINT)
            return 3

    try:
        if which == "resolve_many":
            r.resolve_many(names())
        elif which == "from_records":
            canonica.KnowledgeBase.from_records(rows())
        elif which == "candidates":
            r.candidates("Tokayev", limit=Index())
        elif which == "add":
            r.add(rows())
    except KeyboardInterrupt:
        print("KeyboardInterrupt")
    else:
        print("finished")
    """
)


@pytest.mark.parametrize("which", ["resolve_many", "from_records", "candidates", "add"])
def test_a_signal_while_converting_python_objects_is_raised_in_the_caller(which: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SIGNAL_DURING_CONVERSION, str(SEED_KB), which],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "KeyboardInterrupt", out.stdout
    assert "Exception ignored" not in out.stderr, out.stderr


SIGNAL_DURING_CORE_WORK = textwrap.dedent(
    """
    import json, os, signal, sys, threading, time, canonica
    which = sys.argv[2]
    r = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(sys.argv[1]))
    if which == "resolve_many":
        work = lambda: r.resolve_many(["Tokayev Kassym", "President Tokaev", "Emirati"] * 2_000_000)
    elif which == "link":
        article = open(sys.argv[3], encoding="utf-8").read()
        text = article * (50_000_000 // len(article) + 1)
        work = lambda: r.link(text, fuzzy=True)
    elif which == "build":
        rows = [{"id": f"e{i}", "name": f"Person {i} Surname{i % 977}"} for i in range(400_000)]
        kb = canonica.KnowledgeBase.from_records(rows)
        work = lambda: canonica.Resolver(kb)
    sent = []

    def interrupt():
        time.sleep(1.0)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    started = time.monotonic()
    try:
        work()
        result = "finished"
        ended = time.monotonic()
        # A signal that comes once the work is over is not for it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        result = "KeyboardInterrupt"
        ended = time.monotonic()
    delay = ended - sent[0] if sent else None
    # The signal came as the work was ending (or not at all): nothing to measure.
    late = not sent or sent[0] > ended - 0.05
    print(json.dumps({"result": result, "delay": delay, "seconds": ended - started, "late": late}))
    """
)


@pytest.mark.parametrize("which", ["resolve_many", "link", "build"])
def test_long_core_work_stops_soon_after_a_signal(which: str) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            SIGNAL_DURING_CORE_WORK,
            str(SEED_KB),
            which,
            str(ROOT / "examples" / "seed_article.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    if report["result"] == "finished" and report["late"]:
        pytest.skip(f"the work took about a second or less on this build: {report}")
    assert report["result"] == "KeyboardInterrupt", report
    # The work looks for signals every 20 ms; the rest is the machine's load.
    assert report["delay"] < 1.0, report


# --------------------------------------------------------------------------------------------
# Errors carry their location as attributes; frames name the column


def test_every_canonica_error_has_the_location_attributes(tmp_path: Path) -> None:
    raised: list[canonica.CanonicaError] = []
    bad_kb = tmp_path / "kb.jsonl"
    bad_kb.write_bytes(KB_LINE + b"\n{oops\n")
    attempts: list[Callable[[], Any]] = [
        lambda: canonica.KnowledgeBase.from_jsonl(bad_kb),
        lambda: canonica.KnowledgeBase.from_records([{"id": "a", "name": "A"}, {"id": 5}]),
        lambda: canonica.KnowledgeBase.from_records([{"id": "a", "name": "A", "w": {1, 2}}]),
        lambda: canonica.KnowledgeBase.from_records([5]),
        lambda: canonica.Resolver(canonica.countries(), threshold=2),
        lambda: canonica.Resolver.from_bytes(b"CANONICA"),
        lambda: canonica.normalize(5),  # type: ignore[arg-type]
        lambda: canonica.set_num_threads(-1),
        lambda: canonica.Resolver(canonica.countries()).resolve_many("UAE"),
        lambda: canonica.KnowledgeBase().add("", "x"),
        lambda: canonica.cluster(5),  # type: ignore[arg-type]
        lambda: canonica._core._match_from_state(None),
    ]
    for attempt in attempts:
        with pytest.raises(canonica.CanonicaError) as info:
            attempt()
        raised.append(info.value)
    # One raised by user code, too.
    raised.append(canonica.CanonicaError("raised elsewhere"))
    for err in raised:
        for name in ("file", "line", "record", "field"):
            assert hasattr(err, name), (name, err)
    by_file = raised[0]
    assert (by_file.file, by_file.line, by_file.record) == (str(bad_kb), 2, None)
    by_record = raised[1]
    assert (by_record.file, by_record.record, by_record.field) == (None, 2, "id")
    assert (raised[2].record, raised[2].field) == (1, "w")
    assert raised[3].record == 1
    assert all(getattr(raised[-1], name) is None for name in ("file", "line", "record", "field"))


def test_resolve_frame_column_labels(seed_resolver: canonica.Resolver) -> None:
    numbered = pd.DataFrame({0: ["UAE"], "mention": ["Tokayev"]})
    with pytest.raises(canonica.CanonicaError, match="no column '0'") as info:
        seed_resolver.resolve_frame(numbered, "0")  # the label is the int 0, not "0"
    assert "columns: 0, 'mention'" in str(info.value)
    assert info.value.field == "0"
    assert seed_resolver.resolve_frame(numbered, "mention")["canonica_id"].tolist() == [
        "kassym_jomart_tokayev"
    ]
    with pytest.raises(canonica.CanonicaError, match="no column 'missing'"):
        seed_resolver.resolve_frame(numbered, "missing")
    multi = pd.DataFrame([["UAE", 1]], columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")]))
    for column in ("a", "b"):
        with pytest.raises(canonica.CanonicaError, match=f"the column '{column}'.*MultiIndex"):
            seed_resolver.resolve_frame(multi, column)
    twice = pd.DataFrame([["UAE", "Tokayev"]], columns=["mention", "mention"])
    with pytest.raises(canonica.CanonicaError, match="2 columns named 'mention'"):
        seed_resolver.resolve_frame(twice, "mention")


def test_numpy_missing_values_are_none(seed_resolver: canonica.Resolver) -> None:
    np = pytest.importorskip("numpy")
    missing = [
        np.float32("nan"),
        np.float16("nan"),
        np.float64("nan"),
        np.longdouble("nan"),
        np.datetime64("NaT"),
        np.timedelta64("NaT"),
        pd.NaT,
        pd.NA,
    ]
    assert seed_resolver.resolve_many([*missing, "UAE"])[:-1] == [None] * len(missing)
    for value in missing:
        assert seed_resolver.resolve(value) is None
    kb = canonica.KnowledgeBase.from_records(
        [{"id": "a", "name": "A", "x": value} for value in missing[:1]]
    )
    assert kb["a"].data == {"x": None}
    # Values that are not missing stay errors: a number is not a name.
    for value in (np.float32(1.5), np.datetime64("2020-01-01"), np.array([np.nan])):
        with pytest.raises(canonica.CanonicaError, match="must be a string"):
            seed_resolver.resolve(value)


# --------------------------------------------------------------------------------------------
# Streams: closed standard streams, and JSON Lines that stays valid JSON

CLOSED_STREAM_RUNS = [
    ("stdout", ["normalize", "Kazakhstan"]),
    ("stdout", ["resolve", "--kb", "countries", "Kazakhstan"]),
    ("stdout", ["link", "{file}"]),
    ("stdin", ["normalize"]),
    ("stdin", ["resolve", "--kb", "countries"]),
    ("stdin", ["resolve", "--kb", "countries", "--column", "name"]),
    ("stdin", ["link"]),
    ("stdin", ["cluster"]),
]


@pytest.mark.parametrize(("closed", "arguments"), CLOSED_STREAM_RUNS, ids=repr)
def test_closed_standard_streams_give_a_one_line_error(
    tmp_path: Path, closed: str, arguments: list[str]
) -> None:
    text = tmp_path / "text.txt"
    text.write_text("Kazakhstan and the UAE\n")
    arguments = [a.replace("{file}", str(text)) for a in arguments]
    fd = 1 if closed == "stdout" else 0
    out = subprocess.run(
        [sys.executable, "-m", "canonica", *arguments],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # The child starts with the stream closed, as `canonica ... >&-` runs it.
        preexec_fn=lambda: os.close(fd),
        timeout=120,
        cwd=ROOT,
    )
    err = out.stderr.decode()
    assert out.returncode == 1, err
    assert err == f"canonica: error: {err.split(': ', 2)[2]}" and err.count("\n") == 1, err
    assert f"standard {'output' if closed == 'stdout' else 'input'} is closed" in err


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('{"who": "UAE", "x": NaN}', "NaN is not a JSON number"),
        ('{"who": "UAE", "x": -Infinity}', "-Infinity is not a JSON number"),
        ('{"who": "UAE", "x": 1e400}', "too large"),
        ('{"who": "UAE", "x": [1, {"y": 2, "y": 3}]}', "field 'y': the key 'y' is given twice"),
        ('{"who": "UAE", "who": "Tokayev"}', "field 'who': the key 'who' is given twice"),
    ],
    ids=["nan", "infinity", "overflow", "nested-duplicate", "duplicate-name"],
)
def test_jsonl_input_that_would_not_come_out_as_valid_json_is_an_error(
    tmp_path: Path, line: str, words: str
) -> None:
    table = tmp_path / "in.jsonl"
    table.write_text('{"who": "Kazakhstan", "x": 1.5}\n' + line + "\n")
    out = _canonica("resolve", "--kb", "countries", "--column", "who", "--input", str(table))
    err = out.stderr.decode()
    assert out.returncode == 1, err
    assert f"{table}, line 2" in err and words in err, err
    assert out.stdout == b""


def test_jsonl_output_keeps_large_numbers_exactly(tmp_path: Path) -> None:
    table = tmp_path / "in.jsonl"
    table.write_text('{"who": "UAE", "big": 123456789012345678901234567890, "f": 1e308}\n')
    out = _canonica("resolve", "--kb", "countries", "--column", "who", "--input", str(table))
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"{c} in the output"))
    assert record["big"] == 123456789012345678901234567890 and record["f"] == 1e308
    assert record["canonica_id"] == "AE"


# --------------------------------------------------------------------------------------------
# Saving: one complete file whoever saves at once, with the mode of the file it replaces

CONCURRENT_SAVES = textwrap.dedent(
    """
    import sys, canonica
    path, n = sys.argv[1], int(sys.argv[2])
    rows = [{"id": f"e{i}", "name": f"Name {i} Surname{n}"} for i in range(2000 + n)]
    r = canonica.Resolver(canonica.KnowledgeBase.from_records(rows))
    for _ in range(15):
        r.save(path)
    """
)


def test_concurrent_saves_leave_one_complete_file(tmp_path: Path) -> None:
    path = tmp_path / "r.canonica"
    sizes = {0, 1, 2}  # each writer saves a knowledge base of its own size
    writers = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_SAVES, str(path), str(n)]) for n in sizes
    ]
    rows = [{"id": f"t{i}", "name": f"Thread {i}"} for i in range(500)]
    mine = canonica.Resolver(canonica.KnowledgeBase.from_records(rows))
    failures: list[BaseException] = []
    loaded: list[int] = []

    def save() -> None:
        for _ in range(15):
            try:
                mine.save(path)
            except BaseException as exc:  # noqa: BLE001 - any failure fails the test
                failures.append(exc)

    def load() -> None:
        for _ in range(40):
            try:
                loaded.append(len(canonica.Resolver.load(path)))
            except canonica.CanonicaError as exc:
                if "No such file" not in str(exc):  # before the first save
                    failures.append(exc)

    threads = [threading.Thread(target=save) for _ in range(3)] + [threading.Thread(target=load)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in writers:
        assert w.wait(timeout=300) == 0
    assert failures == []
    assert set(loaded) <= {500} | {2000 + n for n in sizes}
    assert len(canonica.Resolver.load(path)) in {500} | {2000 + n for n in sizes}
    assert [p.name for p in tmp_path.iterdir()] == ["r.canonica"], "no temporary file is left"


def test_a_save_keeps_the_mode_of_the_file_it_replaces(
    tmp_path: Path, seed_resolver: canonica.Resolver
) -> None:
    path = tmp_path / "r.canonica"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    seed_resolver.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    previous = os.umask(0o027)
    try:
        seed_resolver.save(tmp_path / "new.canonica")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "new.canonica").st_mode) == 0o640  # 0o666 & ~0o027
    # Through a symbolic link: the file it points to is replaced, the link stays.
    link = tmp_path / "link.canonica"
    link.symlink_to(path)
    seed_resolver.save(link)
    assert link.is_symlink() and len(canonica.Resolver.load(path)) == len(seed_resolver)


def test_a_save_never_writes_through_a_planted_link(
    tmp_path: Path, seed_resolver: canonica.Resolver
) -> None:
    # Names another user could guess for the temporary file, each a link to a victim file.
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    for name in (".r.canonica.tmp", "r.canonica.tmp", ".r.canonica.0.tmp", "r.canonica~"):
        (tmp_path / name).symlink_to(victim)
    for _ in range(20):
        seed_resolver.save(tmp_path / "r.canonica")
    assert victim.read_bytes() == b"precious"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        [
            ".r.canonica.0.tmp",
            ".r.canonica.tmp",
            "r.canonica",
            "r.canonica.tmp",
            "r.canonica~",
            "victim",
        ]
    )


# --------------------------------------------------------------------------------------------
# Pickles are checked: no flipped byte loads with changed content


def _pickled_objects() -> list[Any]:
    kb = canonica.KnowledgeBase.from_records(
        [{"id": "KZ", "name": "Kazakhstan", "aliases": ["Qazaqstan"], "kind": "country", "pop": 20}]
    )
    r = canonica.Resolver(kb)
    return [kb, kb["KZ"], r.resolve("Qazaqstan"), r.link("She flew to Kazakhstan.")[0]]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, canonica.KnowledgeBase):
        return isinstance(b, canonica.KnowledgeBase) and list(a) == list(b)
    return bool(type(a) is type(b) and a == b)


@pytest.mark.parametrize("index", range(4), ids=["KnowledgeBase", "Entity", "Match", "Mention"])
def test_every_flipped_byte_of_a_pickle_is_an_error_or_changes_nothing(index: int) -> None:
    obj = _pickled_objects()[index]
    data = pickle.dumps(obj)
    assert _same(pickle.loads(data), obj)
    changed = []
    for i in range(len(data)):
        for bit in (0x01, 0x20, 0x80):
            flipped = bytearray(data)
            flipped[i] ^= bit
            try:
                loaded = pickle.loads(bytes(flipped))
            except Exception:  # noqa: BLE001 - pickle's own errors too: anything but a load
                continue
            if not _same(loaded, obj):
                changed.append((i, bit, loaded))
    assert changed == []


# States with a valid checksum (none) but inconsistent content, as a hand-made pickle holds.
INCONSISTENT_STATES: list[tuple[str, Any]] = [
    ("_match_from_state", ("KZ", "Kazakhstan", 1.5, "KZ", None, "exact", "")),
    ("_match_from_state", ("KZ", "Kazakhstan", -0.1, "KZ", None, "exact", "")),
    ("_match_from_state", ("KZ", "Kazakhstan", float("nan"), "KZ", None, "exact", "")),
    ("_match_from_state", ("", "Kazakhstan", 1.0, "KZ", None, "exact", "")),
    ("_match_from_state", ("KZ", "Kazakhstan", 1.0, "KZ", " ", "exact", "")),
    ("_mention_from_state", (5, 2, "Kaz", 1.0, "KZ", "Kazakhstan", None)),
    ("_mention_from_state", (0, 10, "Kazakhstan!", 1.0, "KZ", "Kazakhstan", None)),
    ("_mention_from_state", (0, 10, "Kazakhstan", 2.0, "KZ", "Kazakhstan", None)),
    ("_mention_from_state", (0, 10, "Kazakhstan", 1.0, "", "Kazakhstan", None)),
]


@pytest.mark.parametrize(("rebuild", "state"), INCONSISTENT_STATES, ids=repr)
def test_inconsistent_pickled_states_are_errors(rebuild: str, state: Any) -> None:
    with pytest.raises(canonica.CanonicaError, match="not a pickled"):
        getattr(canonica._core, rebuild)(state)


def test_a_pickle_whose_checksum_does_not_match_is_an_error() -> None:
    for obj in _pickled_objects():
        rebuild, args = obj.__reduce__()
        with pytest.raises(canonica.CanonicaError, match="checksum"):
            rebuild(args[0], args[1] ^ 1)


# --------------------------------------------------------------------------------------------
# Forking while other threads work never leaves the child deadlocked

FORK_WHILE_BUSY = textwrap.dedent(
    """
    import itertools, os, pickle, sys, threading, canonica
    rows = [{"id": f"e{i}", "name": f"Name {i}"} for i in range(2000)]
    kb = canonica.KnowledgeBase.from_records(rows)
    small = canonica.KnowledgeBase.from_records(rows[:50])
    r = canonica.Resolver(kb)
    stop = threading.Event()
    added = itertools.count()

    def busy(work):
        while not stop.is_set():
            work()

    def add():
        # Writes to a knowledge base of its own, started again when it reaches 300 entities.
        global small
        if len(small) >= 300:
            small = canonica.KnowledgeBase.from_records(rows[:50])
        small.add(f"x{next(added)}", "Added Name")

    works = [
        lambda: pickle.dumps(kb),
        lambda: (len(kb), kb["e5"], "e7" in kb, kb.entities()),
        lambda: canonica.Resolver(small),
        lambda: r.resolve_many(["Name 5", "Name 77"] * 200),
        add,
    ]
    threads = [threading.Thread(target=busy, args=(w,)) for w in works]
    for t in threads:
        t.start()
    for i in range(int(sys.argv[1])):
        pid = os.fork()
        if pid == 0:
            # The child: every lock the parent's threads held is free here.
            ok = len(pickle.loads(pickle.dumps(kb))) == 2000 and r.resolve("Name 5") is not None
            small.add("child", "Child Name")
            ok = ok and len(canonica.Resolver(small).resolve_many(["Child Name"] * 100)) == 100
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
    stop.set()
    for t in threads:
        t.join()
    print("ok")
    """
)


def test_forking_while_threads_pickle_and_read_knowledge_bases() -> None:
    out = subprocess.run(
        [sys.executable, "-c", FORK_WHILE_BUSY, "30"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]
