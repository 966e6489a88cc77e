"""The Python API: knowledge-base loading and validation, resolving, errors, persistence, pickling
in a fresh process, threads sharing one resolver, and data frames."""

from __future__ import annotations

import math
import multiprocessing
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

import canonica

from conftest import SEED_KB

ROWS = [
    {"id": "tokayev", "name": "Kassym-Jomart Tokayev", "kind": "person", "office": "President"},
    {"id": "AE", "name": "United Arab Emirates", "aliases": ["Emirati"], "kind": "country"},
    {"id": "KZ", "name": "Kazakhstan", "aliases": ["Qazaqstan"], "kind": "country", "weight": 2},
]


def test_public_names() -> None:
    for name in canonica.__all__:
        assert hasattr(canonica, name)
    assert issubclass(canonica.CanonicaError, ValueError)
    assert isinstance(canonica.__version__, str)


def test_normalize() -> None:
    assert canonica.normalize("U.A.E.") == "uae"
    assert canonica.normalize("Kassym-Jomart TOKAYEV’s") == "kassym jomart tokayev"
    assert canonica.normalize("Токаев") == "tokaev"
    assert canonica.normalize("Côte d’Ivoire") == "cote divoire"
    once = canonica.normalize("  Straße ﬁnance  İstanbul ")
    assert canonica.normalize(once) == once == "strasse finance istanbul"
    with pytest.raises(canonica.CanonicaError):
        canonica.normalize(5)  # type: ignore[arg-type]


def test_from_records_keeps_data_and_validates() -> None:
    kb = canonica.KnowledgeBase.from_records(ROWS)
    assert len(kb) == 3
    assert "KZ" in kb and "XX" not in kb
    e = kb["tokayev"]
    assert (e.id, e.name, e.kind, e.weight) == ("tokayev", "Kassym-Jomart Tokayev", "person", 1.0)
    assert e.data == {"office": "President"}
    assert kb["KZ"].weight == 2.0
    with pytest.raises(KeyError):
        kb["XX"]


@pytest.mark.parametrize(
    ("record", "field", "words"),
    [
        ({"name": "A"}, "id", "missing"),
        ({"id": "a", "name": ""}, "name", "no letters"),
        ({"id": "a", "name": 5}, "name", "expected a string"),
        ({"id": 7, "name": "A"}, "id", "expected a string"),
        ({"id": "a", "name": "A", "aliases": 5}, "aliases", "list of strings"),
        ({"id": "a", "name": "A", "aliases": ["B", 3]}, "aliases", "item 2"),
        ({"id": "a", "name": "A", "weight": "heavy"}, "weight", "expected a number"),
        ({"id": "a", "name": "A", "weight": -0.5}, "weight", "zero or a positive number"),
        ({"id": "a", "name": "A", "kind": 3}, "kind", "expected a string"),
    ],
)
def test_invalid_records_name_record_and_field(
    record: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(canonica.CanonicaError) as info:
        canonica.KnowledgeBase.from_records([{"id": "ok", "name": "Fine"}, record])
    err = info.value
    assert err.record == 2
    assert err.field == field
    assert words in str(err)
    assert str(err).startswith(f"record 2, field '{field}'")


def test_weight_zero_is_a_weight(tmp_path: Path) -> None:
    """Sources such as GeoNames give population 0: such an entity loads from every format,
    resolves, survives a save, and loses a tie to any positive weight."""
    rows = [
        {"id": "zero", "name": "Springfield", "weight": 0},
        {"id": "small", "name": "Springfield", "weight": 0.001},
        {"id": "alone", "name": "Zeroville", "weight": 0},
    ]
    kb = canonica.KnowledgeBase.from_records(rows)
    assert kb["zero"].weight == 0.0
    r = canonica.Resolver(kb)
    assert r.resolve("Zeroville").id == "alone"
    assert r.resolve("Springfield").id == "small"
    assert [m.id for m in r.candidates("Springfield")] == ["small", "zero"]
    both_zero = canonica.Resolver(
        canonica.KnowledgeBase.from_records(
            [
                {"id": "a", "name": "Springfield", "weight": 0},
                {"id": "b", "name": "Springfield", "weight": 0},
            ]
        )
    )
    assert both_zero.resolve("Springfield") is None
    path = tmp_path / "zero.canonica"
    r.save(path)
    assert canonica.Resolver.load(path).resolve("Zeroville").id == "alone"
    csv = tmp_path / "zero.csv"
    csv.write_text("id,name,weight\nalone,Zeroville,0\n")
    assert canonica.KnowledgeBase.from_csv(csv)["alone"].weight == 0.0


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(canonica.CanonicaError, match="already taken"):
        canonica.KnowledgeBase.from_records([{"id": "a", "name": "A"}, {"id": "a", "name": "B"}])
    kb = canonica.KnowledgeBase()
    kb.add("a", "A")
    with pytest.raises(canonica.CanonicaError, match="already taken"):
        kb.add("a", "Another")
    assert len(kb) == 1


def test_add() -> None:
    kb = canonica.KnowledgeBase()
    kb.add("KZ", "Kazakhstan", aliases=["Qazaqstan"], kind="country", weight=3, data={"n": [1]})
    e = kb["KZ"]
    assert (e.aliases, e.kind, e.weight, e.data) == (["Qazaqstan"], "country", 3.0, {"n": [1]})
    kb.add("X", "X", aliases="Y | Z|")  # one string splits on "|", as a CSV cell does
    assert kb["X"].aliases == ["Y", "Z"]


def test_jsonl_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    path.write_text('{"id": "a", "name": "A"}\n\n{"id": "b", "name": ["B"]}\n', encoding="utf-8")
    with pytest.raises(canonica.CanonicaError) as info:
        canonica.KnowledgeBase.from_jsonl(path)
    assert (info.value.file, info.value.line, info.value.field) == (str(path), 3, "name")
    assert str(info.value).startswith(f"{path}, line 3, field 'name'")

    path.write_text('{"id": "a", "name": "A"}\n{"id": "b", \n', encoding="utf-8")
    with pytest.raises(canonica.CanonicaError, match="line 2.*malformed JSON"):
        canonica.KnowledgeBase.from_jsonl(path)

    with pytest.raises(canonica.CanonicaError, match="missing.jsonl"):
        canonica.KnowledgeBase.from_jsonl(tmp_path / "missing.jsonl")


def test_json_and_csv(tmp_path: Path) -> None:
    path = tmp_path / "kb.json"
    path.write_text('[{"id": "KZ", "name": "Kazakhstan"}, {"id": "IL", "name": "Israel"}]')
    assert len(canonica.KnowledgeBase.from_json(path)) == 2
    path.write_text('{"id": "KZ"}')
    with pytest.raises(canonica.CanonicaError, match="JSON array"):
        canonica.KnowledgeBase.from_json(path)

    csv_path = tmp_path / "kb.csv"
    csv_path.write_text(
        "id,name,aliases,kind,iso3\nKZ,Kazakhstan,Qazaqstan;Казахстан,country,KAZ\n",
        encoding="utf-8",
    )
    kb = canonica.KnowledgeBase.from_csv(csv_path, alias_separator=";")
    assert kb["KZ"].aliases == ["Qazaqstan", "Казахстан"]
    assert kb["KZ"].data == {"iso3": "KAZ"}
    tsv_path = tmp_path / "kb.tsv"
    tsv_path.write_text("id\tname\nKZ\tKazakhstan\nIL\t\n", encoding="utf-8")
    with pytest.raises(canonica.CanonicaError) as info:
        canonica.KnowledgeBase.from_csv(tsv_path, delimiter="\t")
    assert (info.value.line, info.value.field) == (3, "name")


def test_from_pandas_and_polars_frames() -> None:
    frame = pd.DataFrame(
        [
            {"id": "KZ", "name": "Kazakhstan", "kind": "country", "population": 20_000_000},
            {"id": "IL", "name": "Israel", "kind": math.nan, "population": 9_000_000},
        ]
    )
    kb = canonica.KnowledgeBase.from_records(frame)
    assert kb["IL"].kind is None
    assert kb["KZ"].data == {"population": 20_000_000}
    kb = canonica.KnowledgeBase.from_records(
        pl.DataFrame({"id": ["KZ", "IL"], "name": ["Kazakhstan", "Israel"], "kind": ["x", None]})
    )
    assert (len(kb), kb["IL"].kind) == (2, None)


def test_resolve_contract(seed_resolver: canonica.Resolver) -> None:
    m = seed_resolver.resolve("President Tokayev")
    assert m is not None
    assert (m.id, m.name, m.kind) == ("kassym_jomart_tokayev", "Kassym-Jomart Tokayev", "person")
    assert 0.85 <= m.score <= 1.0
    assert m.alias == "Kassym-Jomart Tokayev"
    assert m.method == "tokens" and "tokayev" in m.evidence
    assert seed_resolver.resolve("President") is None
    assert seed_resolver.resolve(None) is None
    assert seed_resolver.resolve("") is None
    assert seed_resolver.resolve("Washington", kind="city").id == "washington_dc"  # type: ignore[union-attr]
    with pytest.raises(canonica.CanonicaError):
        seed_resolver.resolve(42)  # type: ignore[arg-type]


def test_resolve_many(seed_resolver: canonica.Resolver) -> None:
    names = ["UAE", None, math.nan, "", "Tokayev", pd.NA, "President"]
    got = seed_resolver.resolve_many(names)
    assert [m.id if m else None for m in got] == [
        "AE",
        None,
        None,
        None,
        "kassym_jomart_tokayev",
        None,
        None,
    ]
    assert seed_resolver.resolve_many(iter(["Kazakh"]))[0].id == "KZ"  # type: ignore[union-attr]
    assert seed_resolver.resolve_many([]) == []
    with pytest.raises(canonica.CanonicaError, match="name 2"):
        seed_resolver.resolve_many(["UAE", 3])
    with pytest.raises(canonica.CanonicaError, match="single string"):
        seed_resolver.resolve_many("UAE")


def test_candidates(seed_resolver: canonica.Resolver) -> None:
    found = seed_resolver.candidates("Washington", limit=3)
    assert [m.id for m in found][:2] == ["washington_dc", "washington_institute"]
    assert all(m.evidence for m in found)
    assert seed_resolver.candidates("Washington", limit=1)[0].id == "washington_dc"
    assert seed_resolver.candidates("President") == []
    with pytest.raises(canonica.CanonicaError, match="limit"):
        seed_resolver.candidates("x", limit=-1)


def test_threshold(seed_resolver: canonica.Resolver) -> None:
    kb = canonica.KnowledgeBase.from_jsonl(SEED_KB)
    assert seed_resolver.threshold == canonica.DEFAULT_THRESHOLD
    strict = canonica.Resolver(kb, threshold=0.95)
    assert strict.resolve("Tokayev") is None
    assert strict.resolve("Kassym-Jomart Tokayev") is not None
    with pytest.raises(canonica.CanonicaError, match="threshold"):
        canonica.Resolver(kb, threshold=1.5)


def test_resolver_takes_a_snapshot() -> None:
    kb = canonica.KnowledgeBase.from_records(ROWS)
    resolver = canonica.Resolver(kb)
    kb.add("IL", "Israel")
    assert resolver.resolve("Israel") is None
    assert canonica.Resolver(kb).resolve("Israel") is not None


def test_save_load(tmp_path: Path, seed_resolver: canonica.Resolver) -> None:
    path = tmp_path / "seed.canonica"
    seed_resolver.save(path)
    assert path.read_bytes().startswith(b"CANONICA")
    assert [p.name for p in tmp_path.iterdir()] == ["seed.canonica"]
    loaded = canonica.Resolver.load(path)
    names = ["Tokayev", "U.A.E.", "Kazakh", "Washington Post", "Netanjahu"]
    assert loaded.resolve_many(names) == seed_resolver.resolve_many(names)
    assert loaded.knowledge_base["KZ"].data == {"iso3": "KAZ"}


@pytest.mark.parametrize(
    ("mangle", "words"),
    [
        (lambda b: b[: len(b) // 2], "truncated"),
        (lambda b: b[:-1] + bytes([b[-1] ^ 0xFF]), "corrupted"),
        (lambda b: b[:8] + (99).to_bytes(4, "little") + b[12:], "format version 99"),
        (lambda b: b'{"id": "not a resolver"}', "not a saved canonica resolver"),
        (lambda b: b"", "not a saved canonica resolver"),
    ],
)
def test_bad_saved_files(
    tmp_path: Path, seed_resolver: canonica.Resolver, mangle: object, words: str
) -> None:
    path = tmp_path / "bad.canonica"
    path.write_bytes(mangle(seed_resolver.to_bytes()))  # type: ignore[operator]
    with pytest.raises(canonica.CanonicaError, match=words) as info:
        canonica.Resolver.load(path)
    assert info.value.file == str(path)


def _resolve_in_child(data: bytes) -> list[str | None]:
    resolver = pickle.loads(data)
    return [m.id if m else None for m in resolver.resolve_many(["Tokayev", "UAE", "President"])]


def test_pickle_in_a_spawned_process(seed_resolver: canonica.Resolver) -> None:
    data = pickle.dumps(seed_resolver)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        got = pool.apply(_resolve_in_child, (data,))
    assert got == ["kassym_jomart_tokayev", "AE", None]
    again = pickle.loads(data)
    assert again.threshold == seed_resolver.threshold


def test_results_come_back_from_a_spawned_process(seed_resolver: canonica.Resolver) -> None:
    # What a process pool (or Dask's multiprocessing scheduler) does with `resolver.resolve`:
    # the resolver goes out pickled, and so do the matches, mentions and entities coming back.
    names = ["Tokayev", "U.A.E.", "President", "Netanyahu"]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        matches = pool.map(seed_resolver.resolve, names)
        mentions = pool.apply(seed_resolver.link, ("President Tokayev met the UAE delegation",))
        kb = pool.apply(getattr, (seed_resolver, "knowledge_base"))
    assert matches == [seed_resolver.resolve(n) for n in names]
    assert [m.id if m else None for m in matches] == [
        "kassym_jomart_tokayev",
        "AE",
        None,
        "benjamin_netanyahu",
    ]
    assert mentions == seed_resolver.link("President Tokayev met the UAE delegation")
    assert kb.entities() == seed_resolver.knowledge_base.entities()


def test_threads_share_one_resolver(seed_resolver: canonica.Resolver) -> None:
    names = ["Tokayev", "U.A.E.", "Netanyahu", "President", "Kazakh", "Washington Post"] * 50
    expected = [seed_resolver.resolve(n) for n in names]
    with ThreadPoolExecutor(max_workers=8) as pool:
        singles = list(pool.map(seed_resolver.resolve, names))
        batches = list(pool.map(seed_resolver.resolve_many, [names] * 8))
    assert singles == expected
    assert all(b == expected for b in batches)


def test_resolve_frame_pandas(seed_resolver: canonica.Resolver) -> None:
    df = pd.DataFrame(
        {"mention": ["President Tokayev", None, "President", "U.A.E."], "n": [1, 2, 3, 4]},
        index=[10, 20, 30, 40],
    )
    out = seed_resolver.resolve_frame(df, "mention")
    assert list(out.columns) == ["mention", "n", "canonica_id", "canonica_name", "canonica_score"]
    assert list(out.index) == [10, 20, 30, 40]
    assert out["canonica_id"].tolist() == ["kassym_jomart_tokayev", None, None, "AE"]
    assert out["canonica_score"].isna().tolist() == [False, True, True, False]
    assert "canonica_id" not in df.columns
    prefixed = seed_resolver.resolve_frame(df, "mention", prefix="m_")
    assert list(prefixed.columns)[-3:] == ["m_id", "m_name", "m_score"]
    with pytest.raises(canonica.CanonicaError, match="no column 'nope'"):
        seed_resolver.resolve_frame(df, "nope")
    with pytest.raises(canonica.CanonicaError, match="prefix"):
        seed_resolver.resolve_frame(out, "mention")
    assert list(seed_resolver.resolve_frame(df, "mention", prefix="").columns)[-3:] == [
        "id",
        "name",
        "score",
    ]


def test_resolve_frame_polars(seed_resolver: canonica.Resolver) -> None:
    df = pl.DataFrame({"mention": ["Netanyahu", None, "Kazakhstan’s"]})
    out = seed_resolver.resolve_frame(df, "mention", prefix="x_")
    assert isinstance(out, pl.DataFrame)
    assert out["x_id"].to_list() == ["benjamin_netanyahu", None, "KZ"]
    assert out["x_score"].null_count() == 1
