"""Properties that must hold for any input, checked on generated text (hypothesis)."""

from __future__ import annotations

import os
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import canonica

from conftest import SEED_KB

# Letters from the scripts and punctuation names are written in, plus anything else Unicode has.
NAMEISH = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("abcdeKZUAE .,'’-–’sJjyYqQ")),
        st.sampled_from(list("ТокаевҚҒҰҮӨӘІҢҺİıßÆøé盧安達الإمارات")),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=40,
)

# CANONICA_HYPOTHESIS_EXAMPLES raises the number of examples for a longer search.
EXAMPLES = int(os.environ.get("CANONICA_HYPOTHESIS_EXAMPLES", "150"))
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def resolver() -> canonica.Resolver:
    return canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))


@PROFILE
@given(NAMEISH)
def test_normalize_is_idempotent_ascii_and_spaced(text: str) -> None:
    once = canonica.normalize(text)
    assert canonica.normalize(once) == once
    assert once.isascii()
    assert "  " not in once and once == once.strip()


@PROFILE
@given(st.lists(NAMEISH, max_size=8))
def test_resolve_many_equals_resolve(resolver: canonica.Resolver, names: list[str]) -> None:
    assert resolver.resolve_many(names) == [resolver.resolve(n) for n in names]


@PROFILE
@given(NAMEISH)
def test_scores_are_in_range_and_candidates_sorted(resolver: canonica.Resolver, name: str) -> None:
    found = resolver.candidates(name, limit=5)
    assert all(0.0 <= m.score <= 1.0 for m in found)
    assert all(a.score >= b.score for a, b in zip(found, found[1:], strict=False))
    m = resolver.resolve(name)
    assert m is None or m.score >= resolver.threshold


@PROFILE
@given(st.lists(st.one_of(NAMEISH, st.sampled_from(["Tokayev", "U.A.E.", "Trump’s"])), max_size=6))
def test_link_offsets_slice_the_text(resolver: canonica.Resolver, parts: list[str]) -> None:
    text = " ".join(parts)
    for overlapping in (False, True):
        for m in resolver.link(text, overlapping=overlapping):
            assert text[m.start : m.end] == m.text
            assert 0 < m.score <= 1


@PROFILE
@given(NAMEISH, NAMEISH)
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    s = canonica.similarity(a, b)
    assert 0.0 <= s <= 1.0
    assert canonica.similarity(b, a) == s


def test_every_alias_of_an_unambiguous_kb_resolves_to_its_entity() -> None:
    kb = canonica.KnowledgeBase.from_jsonl(SEED_KB)
    r = canonica.Resolver(kb)
    for e in kb.entities():
        for name in [e.name, *e.aliases]:
            if canonica.normalize(name):
                m = r.resolve(name)
                assert m is not None and m.id == e.id, (name, e.id, m)


@PROFILE
@given(st.lists(NAMEISH, max_size=5))
def test_pickle_round_trip_gives_identical_answers(
    resolver: canonica.Resolver, names: list[str]
) -> None:
    again = pickle.loads(pickle.dumps(resolver))
    assert again.resolve_many(names) == resolver.resolve_many(names)


TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
RECORDS = st.lists(
    st.fixed_dictionaries(
        {"id": TEXT, "name": NAMEISH},
        optional={
            "aliases": st.lists(NAMEISH, max_size=3),
            "kind": st.sampled_from(["person", "country", "org"]),
            "weight": st.floats(min_value=1e-300, max_value=1e300),
            "data": st.dictionaries(TEXT, JSON_VALUES, max_size=3),
        },
    ),
    max_size=6,
)


@PROFILE
@given(RECORDS)
def test_knowledge_bases_and_entities_pickle_equal(records: list[dict[str, object]]) -> None:
    kb = canonica.KnowledgeBase()
    for record in records:
        try:
            kb.add(**record)  # type: ignore[arg-type]
        except canonica.CanonicaError:
            pass  # an invalid record (no letters, an empty alias, a taken id) is not added
    again = pickle.loads(pickle.dumps(kb))
    assert again.entities() == kb.entities()
    assert [e.data for e in again.entities()] == [e.data for e in kb.entities()]
    assert pickle.loads(pickle.dumps(kb.entities())) == kb.entities()
    assert canonica.Resolver(again).to_bytes() == canonica.Resolver(kb).to_bytes()


@PROFILE
@given(st.lists(NAMEISH, max_size=5))
def test_matches_and_mentions_pickle_equal(resolver: canonica.Resolver, names: list[str]) -> None:
    matches = [resolver.candidates(n, limit=3) for n in names]
    assert pickle.loads(pickle.dumps(matches)) == matches
    mentions = resolver.link(" ".join(names), overlapping=True, fuzzy=True)
    assert pickle.loads(pickle.dumps(mentions)) == mentions


def test_lone_surrogates_are_an_error_not_a_crash(resolver: canonica.Resolver) -> None:
    for call in (
        lambda: canonica.normalize("\ud800"),
        lambda: canonica.similarity("a", "\udfff"),
        lambda: resolver.resolve("Tok\ud800ayev"),
        lambda: resolver.link("x \ud800 y"),
    ):
        with pytest.raises(canonica.CanonicaError, match="surrogate"):
            call()
