"""Clustering through the Python API: the shared cluster cases (`tests/data/cluster_cases.jsonl`)
and OpenRefine's key vectors (`tests/data/openrefine_keys.jsonl`), which the Rust suite
(`tests/cluster.rs`) runs too; every input type, data frames, progress, knowledge bases, bad
arguments, and the `canonica cluster` command."""

from __future__ import annotations

import csv
import io
import json
import math
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import canonica
from canonica.cli import main

from conftest import ROOT

DATA = ROOT / "tests" / "data"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


CASES = read_jsonl(DATA / "cluster_cases.jsonl")
KEYS = read_jsonl(DATA / "openrefine_keys.jsonl")


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_shared_cluster_cases(case: dict[str, Any]) -> None:
    kb = canonica.KnowledgeBase.from_jsonl(ROOT / case["kb"]) if "kb" in case else None
    c = canonica.cluster(case["names"], kb=kb)
    labels = c.labels
    assert len(labels) == len(case["names"])
    for group in case.get("together", []):
        assert labels[group[0]] is not None
        assert {labels[p] for p in group} == {labels[group[0]]}, (group, labels)
    for a, b in case.get("apart", []):
        assert labels[a] != labels[b], (a, b, labels)
    for p in case.get("unlabelled", []):
        assert labels[p] is None
    for p, name in case.get("canonical", []):
        assert c.clusters[labels[p]].name == name
    for p, entity in case.get("entity", []):
        assert c.clusters[labels[p]].entity_id == entity


@pytest.mark.parametrize("vector", KEYS, ids=[repr(v["input"])[:40] for v in KEYS])
def test_openrefine_key_vectors(vector: dict[str, Any]) -> None:
    if vector["key"] == "fingerprint":
        assert canonica.fingerprint(vector["input"]) == vector["expected"]
    else:
        assert canonica.ngram_fingerprint(vector["input"], vector["n"]) == vector["expected"]


def test_ngram_size_defaults_to_two_and_is_checked() -> None:
    assert canonica.ngram_fingerprint("Paris") == canonica.ngram_fingerprint("Paris", 2)
    assert canonica.ngram_fingerprint("Paris", n=1) == "aiprs"
    for bad in (0, -1):
        with pytest.raises(canonica.CanonicaError, match="at least 1"):
            canonica.ngram_fingerprint("Paris", bad)
    for wrong in (1.5, "2", True):
        with pytest.raises(canonica.CanonicaError, match="whole number"):
            canonica.ngram_fingerprint("Paris", wrong)  # type: ignore[arg-type]
    with pytest.raises(canonica.CanonicaError, match="must be a string"):
        canonica.fingerprint(None)  # type: ignore[arg-type]


NAMES = ["Siemens AG", None, "SIEMENS Aktiengesellschaft", "", "Bosch GmbH", "Siemens"]
LABELS = [0, None, 0, None, 1, 0]


@pytest.mark.parametrize(
    "make",
    [
        list,
        tuple,
        lambda n: iter(n),
        lambda n: pd.Series(n, dtype=object),
        lambda n: pd.Series(n, dtype="string[pyarrow]"),
        lambda n: pl.Series(n, dtype=pl.Utf8),
        lambda n: pa.array(n, type=pa.string()),
        lambda n: pa.chunked_array([n[:3], n[3:]], type=pa.large_string()),
    ],
    ids=["list", "tuple", "iterator", "pandas", "pandas-arrow", "polars", "arrow", "chunked"],
)
def test_every_input_type_gives_the_same_labels(make: Any) -> None:
    assert canonica.cluster(make(NAMES)).labels == LABELS


def test_nan_and_na_have_no_label() -> None:
    c = canonica.cluster(["Paris", math.nan, pd.NA, "paris"])
    assert c.labels == [0, None, None, 0]


def test_clusters_and_explanations() -> None:
    c = canonica.cluster(["Kazakhstan", "Kazakstan", "Qazaqstan", "KAZAKHSTAN", "Bosch"])
    assert len(c) == 2
    kz = c.clusters[0]
    assert (kz.id, kz.entity_id, kz.name, kz.members) == (0, "0", "Kazakhstan", [0, 1, 2, 3])
    assert set(kz.spellings) == {"Kazakhstan", "Kazakstan", "Qazaqstan", "KAZAKHSTAN"}
    assert len(kz) == 4 and "Kazakhstan" in repr(kz) and "2 clusters" in repr(c)
    steps = c.explain(0, 2)
    assert steps is not None and steps[0].a == "Kazakhstan" and steps[-1].b == "Qazaqstan"
    assert all(s.score >= canonica.DEFAULT_CLUSTER_THRESHOLD and s.evidence for s in steps)
    same = c.explain(0, 3)
    assert same is not None and same[0].score == 1.0 and "normalized" in same[0].evidence
    assert c.explain(0, 4) is None
    with pytest.raises(canonica.CanonicaError, match="out of range"):
        c.explain(0, 5)
    with pytest.raises(canonica.CanonicaError):
        c.explain(-1, 0)


def test_a_titled_surname_joins_the_one_full_name_and_says_why() -> None:
    names = ["Ilham Aliyev", "President Aliyev", "Aliyev", "Marco Rubio", "Rubio"]
    c = canonica.cluster(names)
    assert c.labels[0] == c.labels[1] == c.labels[2]
    # Without a title, a surname alone stays apart: another person may carry it.
    assert c.labels[3] != c.labels[4]
    steps = c.explain(0, 2)
    assert steps is not None
    assert any("the only full name with it" in step.evidence for step in steps)
    # Two full names with the surname: the titled surname is joined to neither.
    two = canonica.cluster(["Ilham Aliyev", "Heydar Aliyev", "President Aliyev"]).labels
    assert len(set(two)) == 3
    # A leading article is not a title.
    papers = canonica.cluster(["The Times", "Times", "New York Times"]).labels
    assert papers[0] == papers[1] != papers[2]


def test_a_clustering_becomes_a_knowledge_base_for_a_resolver() -> None:
    names = ["Siemens AG", "SIEMENS Aktiengesellschaft", "Siemens", "Bosch GmbH", "Bosch GmbH"]
    c = canonica.cluster(names)
    kb = c.to_knowledge_base()
    assert len(kb) == 2
    assert kb["0"].name == "SIEMENS Aktiengesellschaft"
    assert set(kb["0"].aliases) == {"Siemens AG", "Siemens"}
    r = canonica.Resolver(kb)
    assert r.resolve("Siemens A.G.").id == "0"
    assert r.resolve("BOSCH GMBH").id == "1"


def test_with_a_knowledge_base_or_a_resolver() -> None:
    kb = canonica.countries()
    names = ["U.A.E.", "Emirati", "Acme Corp", "ACME Corporation", "Kazakhstan"]
    for given in (kb, canonica.Resolver(kb)):
        c = canonica.cluster(names, kb=given)
        ids = [c.clusters[label].entity_id for label in c.labels if label is not None]
        assert ids[:2] == ["AE", "AE"] and ids[4] == "KZ"
        assert ids[2] == ids[3] and ids[2] not in kb
    with pytest.raises(canonica.CanonicaError, match="KnowledgeBase or a Resolver"):
        canonica.cluster(names, kb="countries")  # type: ignore[arg-type]


def test_bad_arguments() -> None:
    with pytest.raises(canonica.CanonicaError, match="single string"):
        canonica.cluster("Siemens")
    with pytest.raises(canonica.CanonicaError, match="name 2 must be a string"):
        canonica.cluster(["a", 5])
    with pytest.raises(canonica.CanonicaError, match="iterable"):
        canonica.cluster(5)  # type: ignore[arg-type]
    for threshold in (1.5, -0.1, math.nan):
        with pytest.raises(canonica.CanonicaError, match="threshold"):
            canonica.cluster(["a"], threshold=threshold)
    with pytest.raises(canonica.CanonicaError, match="callable"):
        canonica.cluster(["a"], progress=5)  # type: ignore[arg-type]
    assert canonica.cluster([]).labels == []


def test_threads_do_not_change_the_labels() -> None:
    names = [f"{n}{' ' * (i % 3)}" for i in range(30) for n in NAMES if n] + ["Kazakstan"] * 3
    try:
        canonica.set_num_threads(1)
        one = canonica.cluster(names).labels
        canonica.set_num_threads(2)
        two = canonica.cluster(names).labels
    finally:
        canonica.set_num_threads(0)
    assert one == two


def test_progress_is_reported_and_can_stop_the_work() -> None:
    names = [f"Company {i} Ltd" for i in range(3000)]
    seen: list[tuple[int, int]] = []
    canonica.cluster(names, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] > 0

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        canonica.cluster(names * 20, progress=stop)


def test_progress_true_draws_a_bar_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    names = [f"Company {i} Ltd" for i in range(3000)]
    assert canonica.cluster(names, progress=True).labels == canonica.cluster(names).labels
    captured = capsys.readouterr()
    assert captured.out == "" and "clustering" in captured.err
    assert canonica.cluster(["a"], progress=False).labels == [0]


def test_the_gil_is_released() -> None:
    names = [f"Company {i} {j} Ltd" for i in range(400) for j in range(20)]
    ticks = 0
    done = threading.Event()

    def work() -> None:
        canonica.cluster(names)
        done.set()

    thread = threading.Thread(target=work)
    thread.start()
    while not done.is_set():
        ticks += 1
        done.wait(0.001)
    thread.join()
    assert ticks > 5


# --- data frames ---------------------------------------------------------------------------


def test_cluster_frame_pandas_and_polars() -> None:
    data = {"name": NAMES, "city": list("abcdef")}
    out = canonica.cluster_frame(pd.DataFrame(data), "name")
    assert list(out.columns) == ["name", "city", "cluster_id", "cluster_name"]
    assert out["cluster_id"].tolist() == ["0", None, "0", None, "1", "0"]
    assert out["cluster_name"].iloc[0] == "SIEMENS Aktiengesellschaft"
    polars = canonica.cluster_frame(pl.DataFrame(data), "name", prefix="g_")
    assert polars.columns == ["name", "city", "g_id", "g_name"]
    assert polars["g_id"].to_list() == ["0", None, "0", None, "1", "0"]


def test_cluster_frame_errors() -> None:
    df = pd.DataFrame({"name": ["a"], "cluster_id": ["x"]})
    with pytest.raises(canonica.CanonicaError, match="already has"):
        canonica.cluster_frame(df, "name")
    with pytest.raises(canonica.CanonicaError, match="no column 'nope'"):
        canonica.cluster_frame(df, "nope")
    with pytest.raises(canonica.CanonicaError, match="pandas or polars"):
        canonica.cluster_frame({"name": ["a"]}, "name")


# --- the command line ------------------------------------------------------------------------


def test_cli_cluster_keeps_every_row_and_writes_a_knowledge_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "name,city\nSiemens AG,Munich\nSIEMENS Aktiengesellschaft,Berlin\n,Paris\n"
        "Bosch GmbH,Stuttgart\nSiemens,Erlangen\n",
        encoding="utf-8",
    )
    out, kb = tmp_path / "out.csv", tmp_path / "kb.jsonl"
    code = main(["cluster", "--column", "name", "--input", str(src), "-o", str(out),
                 "--kb-out", str(kb)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["name", "city", "cluster_id", "cluster_name"]
    assert [r[2] for r in rows[1:]] == ["0", "0", "", "1", "0"]
    assert rows[3] == ["", "Paris", "", ""]
    resolver = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(kb))
    assert resolver.resolve("Siemens A.G.").id == "0"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_cli_cluster_jsonl_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"n": "Kazakhstan", "x": 1}\n{"n": "Kazakstan", "x": 2}\n', encoding="utf-8")
    assert main(["cluster", "--column", "n", "--input", str(src), "--prefix", "c_"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["x"], r["c_id"], r["c_name"]) for r in records] == [
        (1, "0", "Kazakhstan"),
        (2, "0", "Kazakhstan"),
    ]
    assert main(["cluster", "--column", "missing", "--input", str(src)]) == 1
    assert "'missing'" in capsys.readouterr().err
    assert main(["cluster", "--input", str(tmp_path / "in.csv")]) == 2
    assert main(["cluster", "--column", "n", "--input", str(src), "--threshold", "2"]) == 1
    assert "threshold" in capsys.readouterr().err
    existing = tmp_path / "keep.csv"
    existing.write_text("unchanged", encoding="utf-8")
    assert main(["cluster", "--column", "n", "--input", str(tmp_path / "none.jsonl"),
                 "-o", str(existing)]) == 1  # fmt: skip
    assert existing.read_text(encoding="utf-8") == "unchanged"
