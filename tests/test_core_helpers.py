"""The private helpers scripts/countries/build.py judges names by: each gives what the core does
when it resolves, so the build and the resolver cannot disagree."""

from __future__ import annotations

import re

import pytest

import canonica
from canonica import _core

TEXTS = [
    "U.A.E.",
    "Kassym-Jomart TOKAYEV’s",
    "Côte d’Ivoire",
    "Токаев К.-Ж.",
    "盧安達 Luanda",
    "سودان",
    "ସ୍ୱିଡେନ",
    "  ...  ",
]


@pytest.mark.parametrize("text", TEXTS)
def test_match_words_are_the_normalized_tokens_marked(text: str) -> None:
    words = _core._match_words(text)
    assert " ".join(w.removeprefix("^") for w in words) == canonica.normalize(text)


def test_match_words_mark_what_latin_never_meets() -> None:
    assert _core._match_words("盧安達 Luanda") == ["^luanda", "luanda"]
    assert _core._match_words("سودان") == ["^swdn"]
    assert _core._match_words("ସ୍ୱିଡେନ") == ["swdn"]
    kb = canonica.KnowledgeBase.from_records([{"id": "RW", "name": "盧安達"}])
    resolver = canonica.Resolver(kb)
    assert resolver.resolve("盧安達") is not None
    assert resolver.resolve("Luanda") is None


# (query word, knowledge-base word): typos, romanizations, first letters, lengths.
PAIRS = [
    ("kazakstan", "kazakhstan"),
    ("kazakhstan", "kazakhstan"),
    ("tokajew", "tokayev"),
    ("tokarev", "tokayev"),
    ("ocdru", "codru"),
    ("nodru", "codru"),
    ("luanda", "ruanda"),
    ("amman", "aman"),
    ("aman", "amman"),
    ("africa", "affrica"),
    ("rok", "roc"),
    ("oman", "yemen"),
    ("nazarbajew", "nazarbayev"),
]


@pytest.mark.parametrize(("query", "word"), PAIRS)
def test_word_similarity_is_what_the_resolver_shows(query: str, word: str) -> None:
    similarity = _core._word_similarity(query, word)
    assert 0.0 <= similarity <= 1.0
    kb = canonica.KnowledgeBase.from_records([{"id": "x", "name": word}])
    found = canonica.Resolver(kb).candidates(query)
    shown = [
        float(m.group(1))
        for c in found
        if (m := re.search(rf"\b{query}~{word} ([0-9.]+)", c.evidence)) is not None
    ]
    if query == word:
        assert similarity == 1.0 and found and found[0].method == "exact"
    elif similarity == 0.0:
        assert not shown, found
    else:
        assert shown == [round(similarity, 2)], found


def test_word_similarity_rules() -> None:
    assert _core._word_similarity("tokajew", "tokayev") == pytest.approx(0.95)
    # One typo costs a short word more than a long one, a different first letter more still.
    assert _core._word_similarity("kazakstan", "kazakhstan") > _core._word_similarity(
        "omen", "oman"
    )
    assert _core._word_similarity("nodru", "codru") < _core._word_similarity("ocdru", "codru")
    assert _core._word_similarity("luanda", "^luanda") == 0.0
    with pytest.raises(canonica.CanonicaError, match="the word must be a string"):
        _core._word_similarity("a", 1)  # type: ignore[arg-type]


def test_small_words_are_left_out_of_an_acronym() -> None:
    assert all(_core._is_small_word(w) for w in ["of", "the", "and", "de", "und"])
    assert not any(_core._is_small_word(w) for w in ["kingdom", "saudi", "Of", ""])
    kb = canonica.KnowledgeBase.from_records([{"id": "SA", "name": "Kingdom of Saudi Arabia"}])
    resolver = canonica.Resolver(kb)
    found = resolver.resolve("KSA")
    assert found is not None and (found.method, found.alias) == ("acronym", "KSA")
