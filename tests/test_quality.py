"""Resolution quality through the Python API: the built-in countries knowledge base, ambiguity
kept visible, and pairwise similarity. (Name variants themselves are in the shared corpus.)"""

from __future__ import annotations

import pytest

import canonica

from conftest import ROOT


@pytest.fixture(scope="module")
def countries() -> canonica.Resolver:
    return canonica.Resolver(canonica.countries())


def test_countries_cover_iso_3166(countries: canonica.Resolver) -> None:
    kb = canonica.countries()
    assert len(kb) == 249
    kz = kb["KZ"]
    assert (kz.name, kz.kind, kz.data["alpha3"], kz.data["numeric"]) == (
        "Kazakhstan",
        "country",
        "KAZ",
        "398",
    )
    assert {"Kazakh", "Kazakhstani", "Қазақстан"} <= set(kz.aliases)
    assert all(len(e.id) == 2 and e.id.isupper() for e in kb.entities())


@pytest.mark.parametrize(
    ("name", "expected"),
    [("U.A.E.", "AE"), ("Kazakh", "KZ"), ("Republic of Kazakhstan", "KZ"), ("Emiratis", "AE")],
)
def test_countries_resolve(countries: canonica.Resolver, name: str, expected: str) -> None:
    m = countries.resolve(name)
    assert m is not None and m.id == expected


@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("Congo", {"CD", "CG"}),
        ("Korea", {"KP", "KR"}),
        ("Guinea", {"GN", "GQ", "GW", "PG"}),
    ],
)
def test_ambiguous_names_answer_nothing_but_show_candidates(
    countries: canonica.Resolver, name: str, ids: set[str]
) -> None:
    assert countries.resolve(name) is None
    found = countries.candidates(name, limit=10)
    assert ids <= {m.id for m in found}
    top = [m for m in found if m.id in ids]
    assert all(m.score == top[0].score for m in top), "tied entities are listed with equal scores"
    assert all(m.evidence for m in found)


def test_generated_acronyms_shared_by_two_entities_stay_ambiguous() -> None:
    kb = canonica.KnowledgeBase.from_records(
        [
            {"id": "adb", "name": "Asian Development Bank", "kind": "org"},
            {"id": "afdb", "name": "African Development Bank", "kind": "org"},
        ]
    )
    r = canonica.Resolver(kb)
    assert r.resolve("ADB") is None
    assert {m.id for m in r.candidates("ADB")} == {"adb", "afdb"}
    assert all(m.method == "acronym" for m in r.candidates("ADB"))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Siemens AG", "Siemens Aktiengesellschaft"),
        ("Kazakhmys LLP", "ТОО Казахмыс"),
        ("Bibi Netanyahu", "Benjamin Netanyahu"),
        ("Bob Mueller", "Robert Mueller"),
        ("J.-C. Juncker", "Jean-Claude Juncker"),
        ("Tokayev, Kassym-Jomart", "Kassym-Jomart Tokayev"),
        ("President Tokayev", "Kassym-Jomart Tokayev"),
        ("Токаев", "Tokayev"),
        ("Tokajew", "Toqaev"),
        ("Nazarbaev", "Nasarbajew"),
    ],
)
def test_similarity_of_variants(a: str, b: str) -> None:
    s = canonica.similarity(a, b)
    assert s >= 0.85, (a, b, s)
    assert canonica.similarity(b, a) == s


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("John Smith", "Jane Smith"),
        ("Washington Post", "Washington Institute"),
        ("Siemens", "Siemens Energy"),
        ("Niger", "Nigeria"),
        ("Tokayev", "Nazarbayev"),
        ("President", "Tokayev"),
        ("", "Tokayev"),
    ],
)
def test_similarity_of_different_names(a: str, b: str) -> None:
    s = canonica.similarity(a, b)
    assert 0.0 <= s < 0.85, (a, b, s)


def test_similarity_rejects_non_strings() -> None:
    with pytest.raises(canonica.CanonicaError):
        canonica.similarity("a", None)  # type: ignore[arg-type]


def recorded_pairs() -> list[tuple[str, str, float]]:
    """The pairs of `tests/data/similarity_pairs.tsv`, which `tests/corpus.rs` also reads, with
    their scores as recorded."""
    path = ROOT / "tests" / "data" / "similarity_pairs.tsv"
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            a, b, expected = line.split("\t")
            pairs.append((a, b, float(expected)))
    return pairs


def test_similarity_scores_stay_as_recorded() -> None:
    """Every score as recorded, so that making `similarity` faster never changes what it
    answers."""
    changed = [(a, b, s) for a, b, s in recorded_pairs() if canonica.similarity(a, b) != s]
    assert not changed


def test_similarity_pairs_score_as_recorded() -> None:
    pairs = recorded_pairs()
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    assert canonica.similarity_pairs(a, b) == [p[2] for p in pairs]
    cut = canonica.similarity_pairs(a, b, score_cutoff=0.9)
    assert cut == [s if s >= 0.9 else 0.0 for _, _, s in pairs]
    assert 0 < sum(s > 0 for s in cut) < sum(s > 0 for _, _, s in pairs)


def test_similarity_matrix_lists_what_pairs_score() -> None:
    names = sorted({p[0] for p in recorded_pairs()} | {p[1] for p in recorded_pairs()})
    queries, choices = names[::7], names[1::5]
    for cutoff in (None, 0.5, 0.95):
        expected = [
            (q, c, s)
            for q, a in enumerate(queries)
            for c, b in enumerate(choices)
            if (s := canonica.similarity(a, b)) > 0 and s >= (cutoff or 0)
        ]
        assert expected
        assert canonica.similarity_matrix(queries, choices, score_cutoff=cutoff) == expected


def test_similarity_batches_take_series_and_missing_names() -> None:
    import pandas as pd

    a = pd.Series(["Siemens AG", None, "Tokaev", float("nan")])
    b = ["Siemens", "Siemens", "Kassym-Jomart Tokayev", "Tokayev"]
    scores = canonica.similarity_pairs(a, b)
    assert scores[0] == canonica.similarity("Siemens AG", "Siemens") > 0.9
    assert scores[1] == scores[3] == 0.0
    assert scores[2] > 0.85
    found = canonica.similarity_matrix(a, b)
    assert {(q, c) for q, c, _ in found} >= {(0, 0), (0, 1), (2, 2), (2, 3)}
    assert all(q not in (1, 3) for q, _, _ in found)
    assert canonica.similarity_matrix([], b) == []
    assert canonica.similarity_pairs([], []) == []


@pytest.mark.parametrize("cutoff", [-0.1, 1.5, float("nan"), "0.5", True])
def test_similarity_batches_check_their_arguments(cutoff: object) -> None:
    with pytest.raises(canonica.CanonicaError):
        canonica.similarity_pairs(["a"], ["b"], score_cutoff=cutoff)  # type: ignore[arg-type]
    with pytest.raises(canonica.CanonicaError):
        canonica.similarity_matrix(["a"], ["b"], score_cutoff=cutoff)  # type: ignore[arg-type]


def test_similarity_batches_refuse_bad_names() -> None:
    with pytest.raises(canonica.CanonicaError, match="as many names"):
        canonica.similarity_pairs(["a", "b"], ["a"])
    with pytest.raises(canonica.CanonicaError):
        canonica.similarity_pairs("ab", "ab")
    with pytest.raises(canonica.CanonicaError):
        canonica.similarity_matrix(["a", 3], ["b"])
