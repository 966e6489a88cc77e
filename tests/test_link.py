"""Linking through the Python API: code-point offsets, the seed article's mentions."""

from __future__ import annotations

import json
from typing import Any

import pytest

import canonica

from conftest import ROOT, SEED_KB

ARTICLE = (ROOT / "examples" / "seed_article.txt").read_text(encoding="utf-8")
EXPECTED = [
    tuple(line.split("\t"))
    for line in (ROOT / "tests" / "data" / "seed_article_mentions.tsv")
    .read_text(encoding="utf-8")
    .splitlines()
    if line and not line.startswith("#")
]


def test_seed_article(seed_resolver: canonica.Resolver) -> None:
    found = seed_resolver.link(ARTICLE)
    assert [(m.text, m.id) for m in found] == EXPECTED
    for m in found:
        assert ARTICLE[m.start : m.end] == m.text
        assert 0 < m.score <= 1


def test_offsets_are_code_points() -> None:
    kb = canonica.KnowledgeBase.from_records(
        [
            {"id": "TR", "name": "Türkiye", "aliases": ["İstanbul Province"]},
            {"id": "tokayev", "name": "Kassym-Jomart Tokayev", "kind": "person"},
        ]
    )
    r = canonica.Resolver(kb)
    text = "“İSTANBUL PROVINCE” — said 🇰🇿 President Kassym-Jomart Tokayev; Tokayev’s aide"
    found = r.link(text)
    assert [m.text for m in found] == [
        "İSTANBUL PROVINCE",
        "President Kassym-Jomart Tokayev",
        "Tokayev",
    ]
    for m in found:
        assert text[m.start : m.end] == m.text
    assert r.link("") == []


def test_link_kind_filter_and_errors() -> None:
    r = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))
    assert {m.kind for m in r.link(ARTICLE, kind="country")} == {"country"}
    try:
        r.link(None)  # type: ignore[arg-type]
    except canonica.CanonicaError:
        pass
    else:
        raise AssertionError("a non-string text is an error")


def test_overlapping_and_fuzzy_modes() -> None:
    kb = canonica.KnowledgeBase.from_records(
        [
            {"id": "AE", "name": "United Arab Emirates"},
            {"id": "emirates_airline", "name": "Emirates"},
            {"id": "KZ", "name": "Kazakhstan"},
        ]
    )
    r = canonica.Resolver(kb)
    text = "the United Arab Emirates and Kazakstan"
    assert [m.text for m in r.link(text)] == ["United Arab Emirates"]
    overlapping = r.link(text, overlapping=True)
    assert [m.text for m in overlapping] == ["United Arab Emirates", "Emirates"]
    assert all(text[m.start : m.end] == m.text for m in overlapping)
    fuzzy = r.link(text, fuzzy=True)
    assert [(m.text, m.id) for m in fuzzy] == [("United Arab Emirates", "AE"), ("Kazakstan", "KZ")]
    assert fuzzy[1].score < 1.0
    assert all(text[m.start : m.end] == m.text for m in fuzzy)


LINK_CASES = [
    json.loads(line)
    for line in (ROOT / "tests" / "data" / "link_cases.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def users_resolver() -> canonica.Resolver:
    return canonica.Resolver(
        canonica.KnowledgeBase.from_jsonl(ROOT / "tests" / "data" / "users_kb.jsonl")
    )


@pytest.mark.parametrize("case", LINK_CASES, ids=[c["text"][:40] for c in LINK_CASES])
def test_shared_link_cases(users_resolver: canonica.Resolver, case: dict[str, Any]) -> None:
    """The cases `tests/link.rs` also reads: mentions, spans in code points, nothing else."""
    text = case["text"]
    found = users_resolver.link(text, fuzzy=case.get("fuzzy", False))
    assert [[m.text, m.id] for m in found] == case["expect"], case.get("note")
    for m in found:
        assert text[m.start : m.end] == m.text


def test_span_offsets_in_code_points_keep_dropped_letters(
    users_resolver: canonica.Resolver,
) -> None:
    text = "🇩🇪 Ангела Меркель, Олаф Шольц."
    found = users_resolver.link(text)
    assert [(m.start, m.end) for m in found] == [(3, 17), (19, 29)]
    assert [text[m.start : m.end] for m in found] == ["Ангела Меркель", "Олаф Шольц"]
