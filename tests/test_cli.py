"""Tests of the `canonica` command line (python/canonica/cli.py)."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import canonica
from canonica import cli
from canonica.cli import main

from conftest import ROOT

ENTITIES: list[dict[str, Any]] = [
    {"id": "tokayev", "name": "Kassym-Jomart Tokayev", "kind": "person"},
    {"id": "AE", "name": "United Arab Emirates", "aliases": ["Emirates"], "kind": "country"},
    {"id": "KZ", "name": "Kazakhstan", "kind": "country"},
]


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    path = tmp_path / "kb.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in ENTITIES), encoding="utf-8")
    return path


def set_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def parse_csv(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---------------------------------------------------------------------------------------------
# resolve: names


def test_names_as_arguments(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "President Tokayev", "U.A.E.", "Kazakhstan", "President"
    )
    assert code == 0, err
    assert err == ""
    rows = parse_csv(out)
    assert rows[0] == ["input", "canonica_id", "canonica_name", "canonica_score"]
    assert [row[:3] for row in rows[1:]] == [
        ["President Tokayev", "tokayev", "Kassym-Jomart Tokayev"],
        ["U.A.E.", "AE", "United Arab Emirates"],
        ["Kazakhstan", "KZ", "Kazakhstan"],
        ["President", "", ""],
    ]
    assert rows[3][3] == "1"
    assert 0 < float(rows[1][3]) <= 1 and 0 < float(rows[2][3]) <= 1
    assert all(len(row[3].partition(".")[2]) <= 4 for row in rows[1:])
    assert rows[4][3] == ""


def test_names_on_stdin_one_per_line(
    kb: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_stdin(monkeypatch, b"\xef\xbb\xbfPresident Tokayev\r\n\nPresident\nU.A.E.\n")
    code, out, err = run(capsys, "resolve", "--kb", str(kb))
    assert code == 0, err
    rows = parse_csv(out)
    assert rows[0] == ["input", "canonica_id", "canonica_name", "canonica_score"]
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("President Tokayev", "tokayev"),
        ("", ""),  # the blank line still gives a row
        ("President", ""),
        ("U.A.E.", "AE"),
    ]
    assert rows[2] == ["", "", "", ""]


def test_kind_restricts_matches(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "resolve", "--kb", str(kb), "--kind", "person", "Kazakhstan")
    assert code == 0
    assert parse_csv(out)[1] == ["Kazakhstan", "", "", ""]
    code, out, _ = run(capsys, "resolve", "--kb", str(kb), "--kind", "country", "Kazakhstan")
    assert code == 0
    assert parse_csv(out)[1][:2] == ["Kazakhstan", "KZ"]


def test_threshold_one_rejects_inexact_matches(
    kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "resolve", "--kb", str(kb), "--threshold", "1", "U.A.E.", "Kazakhstan"
    )
    assert code == 0
    assert [row[1] for row in parse_csv(out)[1:]] == ["", "KZ"]


# ---------------------------------------------------------------------------------------------
# resolve: tables


CSV_ROWS = [
    ["ref", "who", "note", "city"],
    ["1", "President Tokayev", "said: hello, world", "Астана"],
    ["2", "U.A.E.", "", "Dubaï"],
    ["3", "President", 'a "quoted" word', "Zürich"],
    ["4", "Kazakhstan", "multi\nline", ""],
    ["5", "", "no name", "x"],
]


def test_csv_round_trip_keeps_every_column_and_row(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "people.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(CSV_ROWS)
    assert '"said: hello, world"' in path.read_text(encoding="utf-8")

    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "--column", "who", "--input", str(path)
    )
    assert code == 0, err
    rows = parse_csv(out)
    assert rows[0] == [*CSV_ROWS[0], "canonica_id", "canonica_name", "canonica_score"]
    assert len(rows) == len(CSV_ROWS)
    assert [row[:4] for row in rows] == CSV_ROWS  # every input value unchanged, in order
    assert [row[4:6] for row in rows[1:]] == [
        ["tokayev", "Kassym-Jomart Tokayev"],
        ["AE", "United Arab Emirates"],
        ["", ""],
        ["KZ", "Kazakhstan"],
        ["", ""],
    ]
    assert [row[6] == "" for row in rows[1:]] == [False, False, True, False, True]


def test_csv_from_stdin_with_prefix_and_delimiter(
    kb: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_stdin(monkeypatch, b"id;name\n7;U.A.E.\n8;President\n")
    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "--column", "name", "--prefix", "m_", "--delimiter", ";"
    )
    assert code == 0, err
    rows = parse_csv(out, delimiter=";")
    assert rows[0] == ["id", "name", "m_id", "m_name", "m_score"]
    assert rows[1][:4] == ["7", "U.A.E.", "AE", "United Arab Emirates"]
    assert rows[2] == ["8", "President", "", "", ""]


def test_tsv_in_tsv_out(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "names.tsv"
    path.write_text("who\tcomment\nKazakhstan\tx, y\nPresident Tokayev\t\n", encoding="utf-8")
    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "--column", "who", "--input", str(path)
    )
    assert code == 0, err
    assert out.splitlines() == [
        "who\tcomment\tcanonica_id\tcanonica_name\tcanonica_score",
        "Kazakhstan\tx, y\tKZ\tKazakhstan\t1",
        "President Tokayev\t\ttokayev\tKassym-Jomart Tokayev\t"
        + parse_csv(out, delimiter="\t")[2][4],
    ]
    assert 0 < float(parse_csv(out, delimiter="\t")[2][4]) < 1

    out_path = tmp_path / "out.tsv"
    code, out, err = run(
        capsys,
        "resolve",
        "--kb",
        str(kb),
        "--column",
        "who",
        "--input",
        str(path),
        "-o",
        str(out_path),
    )
    assert code == 0, err
    assert out == ""
    rows = parse_csv(out_path.read_text(encoding="utf-8"), delimiter="\t")
    assert [row[:3] for row in rows] == [
        ["who", "comment", "canonica_id"],
        ["Kazakhstan", "x, y", "KZ"],
        ["President Tokayev", "", "tokayev"],
    ]


def test_jsonl_in_jsonl_out(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records: list[dict[str, Any]] = [
        {"n": 1, "who": "U.A.E.", "tags": ["a", "b"], "city": "Dubaï"},
        {"n": 2, "who": None},
        {"n": 3, "who": "President"},
        {"n": 4, "who": "President Tokayev", "extra": {"k": 1.5}},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n\n", encoding="utf-8"
    )
    code, out, err = run(
        capsys,
        "resolve",
        "--kb",
        str(kb),
        "--column",
        "who",
        "--input",
        str(path),
        "--prefix",
        "m_",
    )
    assert code == 0, err
    got = [json.loads(line) for line in out.splitlines()]
    assert len(got) == len(records)
    for original, result in zip(records, got, strict=True):
        assert list(result)[: len(original)] == list(original)
        assert {k: result[k] for k in original} == original
    assert [(r["m_id"], r["m_name"]) for r in got] == [
        ("AE", "United Arab Emirates"),
        (None, None),
        (None, None),
        ("tokayev", "Kassym-Jomart Tokayev"),
    ]
    assert got[1]["m_score"] is None
    assert isinstance(got[0]["m_score"], float) and 0 < got[0]["m_score"] <= 1
    assert "Dubaï" in out  # non-ASCII written as is


def test_jsonl_input_to_csv_output(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.ndjson"
    path.write_text('{"who": "Kazakhstan", "n": 1}\n{"who": null, "x": true}\n', encoding="utf-8")
    out_path = tmp_path / "out.csv"
    code, _, err = run(
        capsys,
        "resolve",
        "--kb",
        str(kb),
        "--column",
        "who",
        "--input",
        str(path),
        "-o",
        str(out_path),
    )
    assert code == 0, err
    rows = parse_csv(out_path.read_text(encoding="utf-8"))
    assert rows == [
        ["who", "n", "x", "canonica_id", "canonica_name", "canonica_score"],
        ["Kazakhstan", "1", "", "KZ", "Kazakhstan", "1"],
        ["", "", "true", "", "", ""],
    ]


def test_output_file_is_written_atomically(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out_path = out_dir / "result.csv"
    out_path.write_text("old content\n", encoding="utf-8")
    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "-o", str(out_path), "U.A.E.", "President"
    )
    assert code == 0, err
    assert out == ""
    assert os.listdir(out_dir) == ["result.csv"]  # no temporary file left
    rows = parse_csv(out_path.read_text(encoding="utf-8"))
    assert [row[:3] for row in rows] == [
        ["input", "canonica_id", "canonica_name"],
        ["U.A.E.", "AE", "United Arab Emirates"],
        ["President", "", ""],
    ]
    assert 0 < float(rows[1][3]) < 1 and rows[2][3] == ""

    jsonl_path = out_dir / "result.jsonl"
    code, _, err = run(capsys, "resolve", "--kb", str(kb), "-o", str(jsonl_path), "Kazakhstan")
    assert code == 0, err
    assert [json.loads(line) for line in jsonl_path.read_text().splitlines()] == [
        {
            "input": "Kazakhstan",
            "canonica_id": "KZ",
            "canonica_name": "Kazakhstan",
            "canonica_score": 1.0,
        }
    ]
    assert sorted(os.listdir(out_dir)) == ["result.csv", "result.jsonl"]


def test_unwritable_output_exits_1_naming_it(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing_dir = tmp_path / "missing" / "result.csv"
    code, out, err = run(capsys, "resolve", "--kb", str(kb), "-o", str(missing_dir), "UAE")
    assert code == 1 and out == ""
    assert err == f"canonica: error: {missing_dir}: No such file or directory\n"
    a_directory = tmp_path / "taken"
    a_directory.mkdir()
    code, _, err = run(capsys, "resolve", "--kb", str(kb), "-o", str(a_directory), "UAE")
    assert code == 1
    assert err.startswith(f"canonica: error: {a_directory}: ") and ".tmp" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.jsonl", "taken"]
    assert list(a_directory.iterdir()) == []


def test_interrupted_write_leaves_no_output(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(out: Any, *args: Any) -> None:
        out.write("partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_write_csv", interrupted)
    out_path = tmp_path / "result.csv"
    code, _, _ = run(capsys, "resolve", "--kb", str(kb), "-o", str(out_path), "U.A.E.")
    assert code == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.jsonl"]


def test_progress_bar_on_a_terminal(
    kb: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = ["Kazakhstan", "President"] * 5001  # more than one batch
    set_stdin(monkeypatch, ("\n".join(names) + "\n").encode())
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run(capsys, "resolve", "--kb", str(kb))
    assert code == 0
    rows = parse_csv(out)
    assert len(rows) == len(names) + 1
    assert [row[1] for row in rows[1:5]] == ["KZ", "", "KZ", ""]
    assert rows[-1] == ["President", "", "", ""]
    assert "\rresolving 100% 10002/10002" in err
    assert "\rresolving  99% 10000/10002" in err
    assert err.endswith("\n")


def test_no_progress_bar_when_not_a_terminal(
    kb: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_stdin(monkeypatch, b"Kazakhstan\n" * 10_001)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    code, out, err = run(capsys, "resolve", "--kb", str(kb))
    assert code == 0
    assert len(out.splitlines()) == 10_002
    assert err == ""


def test_saved_resolver_as_kb(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "kb.bin"
    canonica.Resolver(canonica.KnowledgeBase.from_jsonl(kb)).save(saved)
    assert saved.read_bytes().startswith(b"CANONICA")
    code, out, err = run(capsys, "resolve", "--kb", str(saved), "U.A.E.")
    assert code == 0, err
    assert parse_csv(out)[1][1] == "AE"
    code, out, err = run(capsys, "resolve", "--kb", str(saved), "--threshold", "1", "U.A.E.")
    assert code == 0, err
    assert parse_csv(out)[1][1] == ""


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".json"])
def test_kb_formats_by_extension(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"kb{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(ENTITIES), encoding="utf-8")
    else:
        d = "\t" if suffix == ".tsv" else ","
        lines = [d.join(["id", "name", "aliases", "kind"])]
        lines += [
            d.join([e["id"], e["name"], "|".join(e.get("aliases", [])), e["kind"]])
            for e in ENTITIES
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "resolve", "--kb", str(path), "U.A.E.", "President Tokayev")
    assert code == 0, err
    assert [row[1] for row in parse_csv(out)[1:]] == ["AE", "tokayev"]


# ---------------------------------------------------------------------------------------------
# resolve: errors


def test_column_collision_exits_1(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.csv"
    path.write_text("id,name,canonica_id\n1,Kazakhstan,x\n", encoding="utf-8")
    out_path = tmp_path / "out.csv"
    code, out, err = run(
        capsys,
        "resolve",
        "--kb",
        str(kb),
        "--column",
        "name",
        "--input",
        str(path),
        "-o",
        str(out_path),
    )
    assert code == 1
    assert out == ""
    assert err.startswith("canonica: error: ")
    assert "--prefix match_" in err
    assert "Traceback" not in err
    assert not out_path.exists()
    code, out, err = run(
        capsys,
        "resolve",
        "--kb",
        str(kb),
        "--column",
        "name",
        "--input",
        str(path),
        "--prefix",
        "match_",
    )
    assert code == 0, err
    assert parse_csv(out)[1] == ["1", "Kazakhstan", "x", "KZ", "Kazakhstan", "1"]


def test_missing_column_exits_1(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.csv"
    path.write_text("ref,who\n1,Kazakhstan\n", encoding="utf-8")
    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "--column", "nom", "--input", str(path)
    )
    assert code == 1
    assert out == ""
    assert err.startswith("canonica: error: ")
    assert "'nom'" in err and str(path) in err
    assert "'ref'" in err and "'who'" in err  # the available columns


def test_missing_jsonl_field_exits_1(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"who": "Kazakhstan"}\n{"other": "x"}\n', encoding="utf-8")
    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "--column", "who", "--input", str(path)
    )
    assert code == 1
    assert out == ""
    assert f"{path}, line 2, field 'who'" in err


def test_non_string_jsonl_field_exits_1(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"who": "Kazakhstan"}\n{"who": 12}\n', encoding="utf-8")
    code, _, err = run(capsys, "resolve", "--kb", str(kb), "--column", "who", "--input", str(path))
    assert code == 1
    assert f"{path}, line 2, field 'who'" in err and "number" in err


def test_malformed_jsonl_input_exits_1(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"who": "Kazakhstan"}\n\n{"who": \n', encoding="utf-8")
    code, _, err = run(capsys, "resolve", "--kb", str(kb), "--column", "who", "--input", str(path))
    assert code == 1
    assert f"{path}, line 3: malformed JSON" in err


def test_deeply_nested_jsonl_input_exits_1(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"who": "Kazakhstan"}\n' + "[" * 100_000 + "\n", encoding="utf-8")
    code, _, err = run(capsys, "resolve", "--kb", str(kb), "--column", "who", "--input", str(path))
    assert code == 1
    assert f"{path}, line 2: JSON nested too deeply" in err
    assert "Traceback" not in err


def test_ragged_csv_row_exits_1(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.csv"
    path.write_text('a,who\n1,"multi\nline"\n2,Kazakhstan,extra\n', encoding="utf-8")
    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "--column", "who", "--input", str(path)
    )
    assert code == 1
    assert out == ""
    assert f"{path}, line 4:" in err and "3 fields" in err


def test_non_utf8_input_exits_1(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,who\n1,Kazakhstan\n2,Z\xfcrich\n")
    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "--column", "who", "--input", str(path)
    )
    assert code == 1
    assert out == ""
    assert f"{path}, line 3: not valid UTF-8" in err


def test_malformed_kb_line_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "KZ", "name": "Kazakhstan"}\n{"id": "AE", "name": \n', encoding="utf-8")
    code, out, err = run(capsys, "resolve", "--kb", str(path), "Kazakhstan")
    assert code == 1
    assert out == ""
    assert err.startswith("canonica: error: ")
    assert str(path) in err and "line 2" in err
    assert "Traceback" not in err


def test_kb_record_without_name_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "KZ", "name": "Kazakhstan"}\n{"id": "AE"}\n', encoding="utf-8")
    code, _, err = run(capsys, "resolve", "--kb", str(path), "Kazakhstan")
    assert code == 1
    assert str(path) in err and "line 2" in err and "name" in err


def test_nonexistent_kb_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "missing.jsonl"
    code, out, err = run(capsys, "resolve", "--kb", str(path), "Kazakhstan")
    assert code == 1
    assert out == ""
    assert err.startswith("canonica: error: ") and str(path) in err


def test_unknown_kb_format_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "kb.txt"
    path.write_text("Kazakhstan\n", encoding="utf-8")
    code, _, err = run(capsys, "resolve", "--kb", str(path), "Kazakhstan")
    assert code == 1
    assert str(path) in err and "format" in err


@pytest.mark.parametrize("threshold", ["2", "-0.5", "nan"])
def test_bad_threshold_exits_1(
    threshold: str, kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "resolve", "--kb", str(kb), "--threshold", threshold, "Kazakhstan")
    assert code == 1
    assert out == ""
    assert err.startswith("canonica: error: ") and "threshold" in err


def test_usage_errors_exit_2(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resolve", "--kb"]) == 2  # --kb without a value
    assert "--kb" in capsys.readouterr().err
    assert main(["resolve", "--kb", str(kb), "--threshold", "high", "x"]) == 2
    assert main(["resolve", "--kb", str(kb), "--column", "c", "x"]) == 2
    assert main(["resolve", "--kb", str(kb), "--delimiter", ";;", "--column", "c"]) == 2
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    capsys.readouterr()
    assert main(["--help"]) == 0
    assert "resolve" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# normalize


def test_normalize_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    texts = ["  U.A.E. Président ", "Kassym-Jomart TOKAYEV", ""]
    code, out, err = run(capsys, "normalize", *texts)
    assert code == 0, err
    assert out == "".join(canonica.normalize(t) + "\n" for t in texts)
    assert out.splitlines()[0] == "uae president"


def test_normalize_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_stdin(monkeypatch, "Zürich\r\n\nU.A.E.\n".encode())
    code, out, _ = run(capsys, "normalize")
    assert code == 0
    assert out.split("\n") == [canonica.normalize("Zürich"), "", canonica.normalize("U.A.E."), ""]


# ---------------------------------------------------------------------------------------------
# python -m canonica


def cli_subprocess(*argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "canonica", *argv],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_python_m_canonica_resolve(kb: Path) -> None:
    proc = cli_subprocess("resolve", "--kb", str(kb), stdin=b"U.A.E.\nPresident\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    rows = parse_csv(proc.stdout.decode())
    assert [row[:2] for row in rows] == [
        ["input", "canonica_id"],
        ["U.A.E.", "AE"],
        ["President", ""],
    ]


def test_python_m_canonica_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    proc = cli_subprocess("resolve", "--kb", str(bad), "Kazakhstan")
    assert proc.returncode == 1
    stderr = proc.stderr.decode()
    assert stderr.startswith("canonica: error: ") and str(bad) in stderr and "line 1" in stderr
    assert "Traceback" not in stderr
    proc = cli_subprocess("resolve", "--threshold")
    assert proc.returncode == 2


def test_builtin_countries_are_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "resolve", "U.A.E.", "Kazakh", "Republic of Kazakhstan", "Congo")
    assert code == 0, err
    assert parse_csv(out) == [
        ["input", "canonica_id", "canonica_name", "canonica_score"],
        ["U.A.E.", "AE", "United Arab Emirates", out.splitlines()[1].split(",")[-1]],
        ["Kazakh", "KZ", "Kazakhstan", "1"],
        ["Republic of Kazakhstan", "KZ", "Kazakhstan", "1"],
        ["Congo", "", "", ""],
    ]
    code, named, _ = run(capsys, "resolve", "--kb", "countries", "U.A.E.", "Kazakh")
    assert code == 0 and named.splitlines() == out.splitlines()[:3]


def test_python_m_canonica_normalize() -> None:
    proc = cli_subprocess("normalize", "U.A.E.")
    assert proc.returncode == 0
    assert proc.stdout.decode().splitlines() == [canonica.normalize("U.A.E.")]


# ---------------------------------------------------------------------------------------------
# link


def test_link_prints_jsonl_mentions(capsys: pytest.CaptureFixture[str]) -> None:
    article = ROOT / "examples" / "seed_article.txt"
    kb = ROOT / "examples" / "seed_kb.jsonl"
    code, out, err = run(capsys, "link", "--kb", str(kb), str(article))
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    text = article.read_text(encoding="utf-8")
    assert len(records) > 40
    assert all(text[r["start"] : r["end"]] == r["text"] for r in records)
    assert all(r["file"] == str(article) for r in records)
    assert records[0]["id"] == "astana"
    assert {"kassym_jomart_tokayev", "donald_trump", "AE"} <= {r["id"] for r in records}


def test_link_annotated_from_stdin_and_to_a_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"UAE and Kazakh ties\n")))
    code, out, err = run(capsys, "link", "--format", "annotated")
    assert code == 0, err
    assert out == "[UAE](AE) and [Kazakh](KZ) ties\n"
    out_path = tmp_path / "mentions.jsonl"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Israelis\n")))
    code, out, err = run(capsys, "link", "-o", str(out_path))
    assert code == 0 and out == "", err
    assert json.loads(out_path.read_text(encoding="utf-8"))["id"] == "IL"
    assert [p.name for p in tmp_path.iterdir()] == ["mentions.jsonl"]


# ---------------------------------------------------------------------------------------------
# Never losing data: interrupted runs, and rows that come through byte for byte


def _big_table(path: Path, rows: int) -> None:
    names = ["Tokayev", "U.A.E.", "Qazaqstan", "nobody at all", "", "Kazakhstan’s"]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["n", "who", "note"])
        for i in range(rows):
            writer.writerow([i, names[i % len(names)], f"row {i}, with a comma"])


def _resolve_big_table(kb: Path, tmp_path: Path, rows: int) -> tuple[Path, Path, list[str]]:
    """A table of `rows` names in its own folder, an empty output folder, and the command that
    resolves the one into `result.csv` in the other."""
    table = tmp_path / "in" / "names.csv"
    table.parent.mkdir()
    _big_table(table, rows)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out_path = out_dir / "result.csv"
    command = [sys.executable, "-m", "canonica", "resolve", "--kb", str(kb)]
    command += ["--column", "who", "--input", str(table), "-o", str(out_path)]
    return out_dir, out_path, command


@pytest.mark.parametrize("when", ["while resolving", "while writing"])
@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_interrupted_run_leaves_no_partial_output(
    kb: Path, tmp_path: Path, signum: int, code: int, when: str
) -> None:
    out_dir, out_path, command = _resolve_big_table(kb, tmp_path, 300_000)
    out_path.write_bytes(b"the previous result\n")
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        if when == "while writing":
            # Wait for the temporary file: the signal then arrives with a partial file on disk.
            while len(os.listdir(out_dir)) < 2 and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.001)
        else:
            time.sleep(1.0)  # reading and resolving 300,000 rows takes several seconds
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert b"Traceback" not in err
    assert os.listdir(out_dir) == ["result.csv"], "no temporary file is left"
    assert out_path.read_bytes() == b"the previous result\n", "the old output is untouched"


def _is_running(pid: int) -> bool:
    """True unless the process has exited (a zombie not yet waited for counts as exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_for_sigterm_handler(pid: int, timeout: float = 60.0) -> None:
    """Waits until the process catches SIGTERM (its handler is installed) or has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _is_running(pid):
        try:
            with open(f"/proc/{pid}/status") as f:
                caught = next(line for line in f if line.startswith("SigCgt:"))
        except (OSError, StopIteration):
            return
        if int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.001)


def test_sigterm_at_random_moments_never_exits_0_or_replaces_the_output(
    kb: Path, tmp_path: Path
) -> None:
    # SIGTERM at moments spread over a whole run (starting, reading, resolving, writing,
    # renaming, exiting): a run that got it before it ended exits 143 (or dies of it before
    # Python could install its handler), and the output is the old file or, had the rename
    # been done before the signal came, the complete new one; never a part, never a stray file.
    out_dir, out_path, command = _resolve_big_table(kb, tmp_path, 10_000)
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT, timeout=300)
    whole_run = time.monotonic() - started
    complete = out_path.read_bytes()
    rng = random.Random(20)
    codes: dict[int, int] = {}
    for run in range(20):
        out_path.write_bytes(b"the previous result\n")
        proc = subprocess.Popen(command, stderr=subprocess.PIPE, cwd=ROOT)
        try:
            # Every other run is signalled once its handler is in place, early in its work.
            if run % 2:
                _wait_for_sigterm_handler(proc.pid)
                time.sleep(rng.uniform(0, 0.01))
            else:
                time.sleep(rng.uniform(0, whole_run * 1.1))
            signalled = _is_running(proc.pid)
            if signalled:
                proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=300)
        finally:
            proc.kill()
        assert os.listdir(out_dir) == ["result.csv"], f"run {run}: a temporary file is left"
        result = out_path.read_bytes()
        assert result in (b"the previous result\n", complete), f"run {run}: a partial output"
        if signalled:
            assert proc.returncode in (143, -signal.SIGTERM), (run, proc.returncode, err)
            assert b"Traceback" not in err, err
            codes[proc.returncode] = codes.get(proc.returncode, 0) + 1
        else:
            assert proc.returncode == 0 and result == complete, err
    assert codes.get(143, 0) >= 5, codes  # most signals reach a run that handles them


def test_rows_and_columns_come_through_byte_for_byte(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        ["who", "note", "empty", "spaces"],
        ["Tokayev", 'two\r\nlines, "quoted"', "", "  padded  "],
        ["U.A.E.", "one\nnewline", "", "\t"],
        ["", "no name; row kept", "", ""],
        ["nobody", "Ünïcödé ✓ 😀 Қазақстан", "", " "],
        ['Kazakhstan"', "a cell with a lone \r", "", "x"],
        ["Kazakhstan", "=1+1", "", "'"],
    ]
    raw = io.StringIO(newline="")
    csv.writer(raw, lineterminator="\r\n").writerows(rows)
    data = "\ufeff" + raw.getvalue()  # a BOM and CRLF line ends, as Excel writes
    path = tmp_path / "in.csv"
    path.write_bytes(data.encode("utf-8"))
    out_path = tmp_path / "out.csv"
    code, _, err = run(
        capsys,
        "resolve",
        "--kb",
        str(kb),
        "--column",
        "who",
        "--input",
        str(path),
        "-o",
        str(out_path),
    )
    assert code == 0, err
    got = parse_csv(out_path.read_bytes().decode("utf-8"))
    assert len(got) == len(rows)  # every row, the header included, and no more
    assert [row[: len(rows[0])] for row in got] == rows  # original cells exactly
    assert [row[len(rows[0])] for row in got[1:]] == ["tokayev", "AE", "", "", "KZ", "KZ"]

    # Cells that need no quoting are written exactly as they were read.
    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"who,code\r\nTokayev,1\r\nnobody,\r\nUAE,  x  \r\n")
    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "--column", "who", "--input", str(plain)
    )
    assert code == 0, err
    lines = out.split("\n")
    assert len(lines) == 5 and lines[4] == ""
    assert lines[0] == "who,code,canonica_id,canonica_name,canonica_score"
    assert lines[1].startswith("Tokayev,1,tokayev,Kassym-Jomart Tokayev,")
    assert lines[2] == "nobody,,,,"
    assert lines[3].startswith("UAE,  x  ,AE,")


def test_jsonl_rows_keep_every_field(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [
        {"who": "Tokayev", "n": 1, "nested": {"a": [1, 2, None]}, "f": 1.5, "t": True},
        {"who": None, "n": 2},
        {"who": "", "extra": "line\r\nbreak"},
        {"who": "U.A.E.", "u": "😀 Қ \u0000"},
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\r\n".join(json.dumps(r).encode() for r in records) + b"\r\n")
    out_path = tmp_path / "out.jsonl"
    code, _, err = run(
        capsys,
        "resolve",
        "--kb",
        str(kb),
        "--column",
        "who",
        "--input",
        str(path),
        "-o",
        str(out_path),
    )
    assert code == 0, err
    got = [json.loads(line) for line in out_path.read_text(encoding="utf-8").splitlines()]
    assert len(got) == len(records)
    for record, row in zip(records, got, strict=True):
        assert {k: row[k] for k in record} == record
    assert [row["canonica_id"] for row in got] == ["tokayev", None, None, "AE"]


def test_common_column_names_are_kept(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "users.csv"
    path.write_text("id,name,score\n7,U.A.E.,0.5\n8,nobody,1\n", encoding="utf-8")
    code, out, err = run(
        capsys, "resolve", "--kb", str(kb), "--column", "name", "--input", str(path)
    )
    assert code == 0, err
    assert parse_csv(out) == [
        ["id", "name", "score", "canonica_id", "canonica_name", "canonica_score"],
        ["7", "U.A.E.", "0.5", "AE", "United Arab Emirates", out.split("\n")[1].split(",")[-1]],
        ["8", "nobody", "1", "", "", ""],
    ]


def test_candidates_lists_every_candidate_with_evidence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "candidates", "Congo", "Kazakh", "--limit", "3")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    congo = [r for r in rows if r["query"] == "Congo"]
    assert {r["id"] for r in congo} >= {"CD", "CG"}
    assert [r["rank"] for r in congo] == list(range(1, len(congo) + 1))
    assert all(set(r) >= {"score", "evidence", "method", "alias", "name"} for r in rows)
    assert [r["id"] for r in rows if r["query"] == "Kazakh"][0] == "KZ"
    code, out, _ = run(capsys, "candidates", "Congo", "--limit", "0")
    assert code == 0 and out == ""
    code, _, _ = run(capsys, "candidates")
    assert code == 2


def test_link_fuzzy_and_resolve_margin(
    kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "text.txt"
    text.write_text("Kazakstan signed.", encoding="utf-8")
    code, out, err = run(capsys, "link", "--kb", str(kb), str(text))
    assert code == 0 and out == "", err
    code, out, err = run(capsys, "link", "--kb", str(kb), "--fuzzy", str(text))
    assert code == 0, err
    assert json.loads(out)["id"] == "KZ"
    # Two entities share "Georgia": no answer with the default margin, the heavier with 0.
    georgia = tmp_path / "georgia.jsonl"
    georgia.write_text(
        '{"id": "GE", "name": "Georgia", "weight": 1.5}\n{"id": "US-GA", "name": "Georgia"}\n',
        encoding="utf-8",
    )
    answers = {}
    for margin in ("0.05", "0"):
        code, out, err = run(capsys, "resolve", "--kb", str(georgia), "--margin", margin, "Georgia")
        assert code == 0, err
        answers[margin] = parse_csv(out)[1][1]
    assert answers == {"0.05": "", "0": "GE"}
    code, _, err = run(capsys, "resolve", "--margin", "2", "UAE")
    assert code == 1 and "margin" in err


@pytest.mark.parametrize(
    "command", ["resolve", "candidates", "link", "cluster", "normalize", "update", "serve"]
)
def test_help_gives_an_example_per_command(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    examples = out.split("examples:\n", 1)[1]
    assert examples.strip().startswith(f"canonica {command} ")
