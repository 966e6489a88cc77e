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


def test_similarity_scores_stay_as_recorded() -> None:
    """The pairs `tests/corpus.rs` also reads: every score as recorded, so that making
    `similarity` faster never changes what it answers."""
    path = ROOT / "tests" / "data" / "similarity_pairs.tsv"
    changed = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        a, b, expected = line.split("\t")
        got = canonica.similarity(a, b)
        if got != float(expected):
            changed.append((a, b, got, expected))
    assert not changed
