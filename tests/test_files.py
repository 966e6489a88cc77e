"""Files as Python expects them: a file that cannot be read is both a CanonicaError and the
OSError `open` raises (FileNotFoundError, PermissionError, IsADirectoryError); malformed JSON
gives one line and column in the file's terms; every loader reads a record's fields alike."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest

import canonica

LOADERS: dict[str, Callable[[Path], Any]] = {
    "from_jsonl": canonica.KnowledgeBase.from_jsonl,
    "from_json": canonica.KnowledgeBase.from_json,
    "from_csv": canonica.KnowledgeBase.from_csv,
    "Resolver.load": canonica.Resolver.load,
}


@pytest.mark.parametrize("loader", LOADERS)
def test_a_missing_file_is_a_file_not_found_error(loader: str, tmp_path: Path) -> None:
    path = tmp_path / "missing.jsonl"
    with pytest.raises(FileNotFoundError) as info:
        LOADERS[loader](path)
    err = info.value
    assert isinstance(err, canonica.CanonicaError) and isinstance(err, ValueError)
    assert isinstance(err, canonica.CanonicaFileNotFoundError)
    assert (err.errno, err.filename, err.file) == (errno.ENOENT, str(path), str(path))
    assert str(err) == f"[Errno 2] No such file or directory: {str(path)!r}"
    assert "os error" not in str(err)


@pytest.mark.parametrize("loader", LOADERS)
def test_a_directory_is_an_is_a_directory_error(loader: str, tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as info:
        LOADERS[loader](tmp_path)
    assert isinstance(info.value, canonica.CanonicaError)
    assert info.value.errno == errno.EISDIR and info.value.filename == str(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_file_is_a_permission_error(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    path.write_text('{"id": "a", "name": "A"}\n', encoding="utf-8")
    path.chmod(0)
    with pytest.raises(PermissionError) as info:
        canonica.KnowledgeBase.from_jsonl(path)
    assert isinstance(info.value, canonica.CanonicaPermissionError)


def test_saving_into_a_missing_directory(seed_resolver: canonica.Resolver, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        seed_resolver.save(tmp_path / "nowhere" / "seed.canonica")
    assert isinstance(info.value, canonica.CanonicaError)


def test_the_os_error_classes() -> None:
    for cls, base in [
        (canonica.CanonicaFileNotFoundError, FileNotFoundError),
        (canonica.CanonicaPermissionError, PermissionError),
        (canonica.CanonicaIsADirectoryError, IsADirectoryError),
        (canonica.CanonicaOSError, OSError),
    ]:
        assert issubclass(cls, canonica.CanonicaError) and issubclass(cls, base)
        assert cls.__module__ == "canonica"
    # Other errors stay plain CanonicaErrors.
    with pytest.raises(canonica.CanonicaError) as info:
        canonica.KnowledgeBase.from_records([{"id": "a"}])
    assert not isinstance(info.value, OSError)


def test_malformed_jsonl_gives_one_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    path.write_text('{"id": "a", "name": "A"}\n   {"id": "b" "name": "B"}\n', encoding="utf-8")
    with pytest.raises(canonica.CanonicaError) as info:
        canonica.KnowledgeBase.from_jsonl(path)
    err = info.value
    assert (err.line, err.column) == (2, 15)
    assert str(err) == (f"{path}, line 2, column 15: malformed JSON: expected `,` or `}}`")
    assert str(err).count("line") == 1
    array = tmp_path / "kb.json"
    array.write_text('[\n  {"id": "a",\n   "name": "Ä" "x"}\n]\n', encoding="utf-8")
    with pytest.raises(canonica.CanonicaError) as info:
        canonica.KnowledgeBase.from_json(array)
    assert (info.value.line, info.value.column) == (3, 16)
    assert str(info.value).count("line") == 1


RECORD = {
    "id": "KZ",
    "name": "Kazakhstan",
    "aliases": "Qazaqstan | Казахстан||Kazakh",
    "kind": "country",
    "weight": "2.5",
    "data": '{"iso3": "KAZ"}',
    "capital": "Astana",
}


def loaded_every_way(tmp_path: Path) -> dict[str, canonica.KnowledgeBase]:
    jsonl = tmp_path / "kb.jsonl"
    jsonl.write_text(json.dumps(RECORD) + "\n", encoding="utf-8")
    array = tmp_path / "kb.json"
    array.write_text(json.dumps([RECORD]), encoding="utf-8")
    csv = tmp_path / "kb.csv"
    pd.DataFrame([RECORD]).to_csv(csv, index=False)
    return {
        "from_records": canonica.KnowledgeBase.from_records([RECORD]),
        "pandas": canonica.KnowledgeBase.from_records(pd.DataFrame([RECORD])),
        "polars": canonica.KnowledgeBase.from_records(pl.DataFrame([RECORD])),
        "csv": canonica.KnowledgeBase.from_csv(csv),
        "json": canonica.KnowledgeBase.from_json(array),
        "jsonl": canonica.KnowledgeBase.from_jsonl(jsonl),
    }


def test_every_loader_reads_a_record_alike(tmp_path: Path) -> None:
    kbs = loaded_every_way(tmp_path)
    entity = kbs["from_records"]["KZ"]
    assert entity.aliases == ["Qazaqstan", "Казахстан", "Kazakh"]
    assert (entity.kind, entity.weight) == ("country", 2.5)
    assert entity.data == {"iso3": "KAZ", "capital": "Astana"}
    for how, kb in kbs.items():
        assert kb["KZ"] == entity, how
    kb = canonica.KnowledgeBase()
    kb.add("KZ", "Kazakhstan", aliases="Qazaqstan|Kazakh")
    assert kb["KZ"].aliases == ["Qazaqstan", "Kazakh"]


def test_blank_optional_fields_mean_absent_everywhere(tmp_path: Path) -> None:
    record = {"id": "a", "name": "A", "aliases": "", "kind": " ", "weight": "", "data": ""}
    csv = tmp_path / "kb.csv"
    csv.write_text("id,name,aliases,kind,weight,data\na,A,, ,,\n", encoding="utf-8")
    for kb in (
        canonica.KnowledgeBase.from_records([record]),
        canonica.KnowledgeBase.from_records(pd.DataFrame([record])),
        canonica.KnowledgeBase.from_csv(csv),
    ):
        e = kb["a"]
        assert (e.aliases, e.kind, e.weight, e.data) == ([], None, 1.0, {})


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("weight", "heavy", "expected a number"),
        ("data", "[1, 2]", "JSON object"),
        ("weight", "-1", "zero or a positive number"),
    ],
)
def test_bad_strings_are_refused_alike(field: str, value: str, words: str, tmp_path: Path) -> None:
    record = {"id": "a", "name": "A", field: value}
    csv = tmp_path / "kb.csv"
    pd.DataFrame([record]).to_csv(csv, index=False)
    for load in (
        lambda: canonica.KnowledgeBase.from_records([record]),
        lambda: canonica.KnowledgeBase.from_csv(csv),
    ):
        with pytest.raises(canonica.CanonicaError, match=words) as info:
            load()
        assert info.value.field == field
