"""What the reconciliation service answers, independent of HTTP: one `Service` per knowledge
base, immutable once built, shared by every request thread (a reload builds a new one).

Matching runs in the compiled core with the GIL released: one `Resolver.resolve_many` call per
batch (per requested type) decides which candidate is a match, and `Resolver.candidates` lists
the candidates of each query.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import canonica
from canonica.serve._queries import DEFAULT_BATCH_SIZE, Query

#: Entities per suggest page when the request gives no `limit`, and the most it may ask for.
SUGGEST_LIMIT = 10
MAX_SUGGEST_LIMIT = 50
#: How many names starting with the prefix a suggest query ranks (alphabetically first ones).
SUGGEST_WINDOW = 1_000

JSON = dict[str, Any]


@dataclass(frozen=True)
class Settings:
    """How the service presents itself (the manifest's fields and the batch size it takes)."""

    name: str = "canonica"
    #: The manifest's identifierSpace; None: the service's own /reconcile/entity/ URL.
    identifier_space: str | None = None
    #: The manifest's schemaSpace; None: the service's own /reconcile/type/ URL.
    schema_space: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    preview_width: int = 400
    preview_height: int = 140

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise canonica.CanonicaError(f"batch_size must be 1 or more, not {self.batch_size}")


class _SuggestIndex:
    """Every name and alias of a knowledge base, normalized, for prefix search by bisection.

    An entry is a normalized name read from the start of one of its words ("new york" gives
    "new york" and "york"), stored as (name number << 8 | offset) and sorted by the text it
    reads; the entries of a prefix are one contiguous run of that order. Only the names are kept
    as strings: a word's reading is sliced from its name when a bisection step compares it.
    """

    def __init__(self, entities: Sequence[canonica.Entity]) -> None:
        keys: list[str] = []
        owners: list[int] = []
        spellings: list[str] = []
        for number, entity in enumerate(entities):
            seen: set[str] = set()
            for spelling in (entity.name, *entity.aliases):
                key = canonica.normalize(spelling)
                if key and key not in seen:
                    seen.add(key)
                    keys.append(key)
                    owners.append(number)
                    spellings.append(spelling)
        self.keys = keys
        self.owners = array("l", owners)
        self.spellings = spellings
        entries = [
            (name << 8) | offset for name, key in enumerate(keys) for offset in _word_starts(key)
        ]
        entries.sort(key=self.text)
        self.entries = array("q", entries)

    def text(self, entry: int) -> str:
        """What an entry reads: its name from the start of its word."""
        return self.keys[entry >> 8][entry & 0xFF :]

    def starting_with(self, prefix: str) -> range:
        """The positions of the entries that start with `prefix` (a normalized text), at most
        SUGGEST_WINDOW of them."""
        start = bisect.bisect_left(self.entries, prefix, key=self.text)
        stop = min(start + SUGGEST_WINDOW, len(self.entries))
        end = bisect.bisect_left(self.entries, prefix + "\uffff", start, stop, key=self.text)
        return range(start, end)


def _word_starts(key: str) -> list[int]:
    """Where the words of a normalized name start (within the first 256 characters)."""
    return [0] + [i + 1 for i, c in enumerate(key[:255]) if c == " " and i + 1 < len(key)]


class Service:
    """A knowledge base served: its resolver, its entities by id and by position, its kinds,
    and the sorted names that suggest searches."""

    def __init__(self, resolver: canonica.Resolver, settings: Settings) -> None:
        self.resolver = resolver
        self.settings = settings
        self.kb = resolver.knowledge_base
        entities = self.kb.entities()
        self.ids = [e.id for e in entities]
        self.positions = {id: number for number, id in enumerate(self.ids)}
        self.names = [e.name for e in entities]
        self.kinds = [e.kind for e in entities]
        self.weights = array("d", (e.weight for e in entities))
        #: The kinds of the knowledge base, most common first.
        counts: dict[str, int] = {}
        for kind in self.kinds:
            if kind is not None:
                counts[kind] = counts.get(kind, 0) + 1
        self.types = sorted(counts, key=lambda k: (-counts[k], k))
        self.suggest_index = _SuggestIndex(entities)

    def __len__(self) -> int:
        return len(self.ids)

    # -- the manifest ---------------------------------------------------------------------

    def manifest(self, base: str) -> JSON:
        """The service manifest; `base` is the service's root URL (without a trailing /)."""
        endpoint = f"{base}/reconcile"
        return {
            "versions": ["0.2"],
            "name": self.settings.name,
            "identifierSpace": self.settings.identifier_space or f"{endpoint}/entity/",
            "schemaSpace": self.settings.schema_space or f"{endpoint}/type/",
            "serviceVersion": canonica.__version__,
            "defaultTypes": [{"id": kind, "name": kind} for kind in self.types],
            "batchSize": self.settings.batch_size,
            "view": {"url": f"{endpoint}/entity/{{{{id}}}}"},
            "preview": {
                "url": f"{endpoint}/preview?id={{{{id}}}}",
                "width": self.settings.preview_width,
                "height": self.settings.preview_height,
            },
            "suggest": {
                "entity": {"service_url": endpoint, "service_path": "/suggest/entity"},
            },
        }

    # -- reconciliation -------------------------------------------------------------------

    def reconcile(self, queries: Sequence[Query]) -> dict[str, JSON]:
        """The result batch of a query batch. The candidate `match` is true exactly for the
        entity `Resolver.resolve(text, kind)` answers (see `_decisions`); it comes first, the
        other candidates follow by decreasing score."""
        decisions = self._decisions(queries)
        return {
            query.key: {"result": self._candidates(query, decision)}
            for query, decision in zip(queries, decisions, strict=True)
        }

    def _decisions(self, queries: Sequence[Query]) -> list[canonica.Match | None]:
        """What `resolve` answers for each query, through one `resolve_many` call per kind
        filter. A query with one type resolves with that kind; with several types it resolves
        without one, and the answer counts only when its kind is among them."""
        groups: dict[str | None, list[int]] = {}
        for position, query in enumerate(queries):
            if query.text:
                kind = query.kinds[0] if len(query.kinds) == 1 else None
                groups.setdefault(kind, []).append(position)
        decisions: list[canonica.Match | None] = [None] * len(queries)
        for kind, positions in groups.items():
            names = [queries[p].text for p in positions]
            for position, found in zip(
                positions, self.resolver.resolve_many(names, kind=kind), strict=True
            ):
                if found is not None and self._kind_allowed(found.kind, queries[position].kinds):
                    decisions[position] = found
        return decisions

    @staticmethod
    def _kind_allowed(kind: str | None, kinds: tuple[str, ...]) -> bool:
        return not kinds or kind in kinds

    def _candidates(self, query: Query, decision: canonica.Match | None) -> list[JSON]:
        if not query.text:
            return []
        found: list[canonica.Match]
        if len(query.kinds) <= 1:
            kind = query.kinds[0] if query.kinds else None
            found = self.resolver.candidates(query.text, limit=query.limit, kind=kind)
        else:
            found = []
            for kind in query.kinds:
                found.extend(self.resolver.candidates(query.text, limit=query.limit, kind=kind))
        others = [self._candidate(m.id, m.name, m.score, m.kind, False) for m in found]
        # An entity's id given as the query finds that entity (the API expects it).
        owner = self.positions.get(query.text.strip())
        if owner is not None and all(m.id != self.ids[owner] for m in found):
            if self._kind_allowed(self.kinds[owner], query.kinds):
                others.append(
                    self._candidate(
                        self.ids[owner], self.names[owner], 1.0, self.kinds[owner], False
                    )
                )
        if decision is not None:
            others = [c for c in others if c["id"] != decision.id]
        others.sort(key=lambda c: -float(c["score"]))
        if decision is None:
            return others[: query.limit]
        first = self._candidate(decision.id, decision.name, decision.score, decision.kind, True)
        return [first, *others[: query.limit - 1]]

    @staticmethod
    def _candidate(id: str, name: str, score: float, kind: str | None, match: bool) -> JSON:
        return {
            "id": id,
            "name": name,
            "score": round(score, 4),
            "match": match,
            "type": [] if kind is None else [{"id": kind, "name": kind}],
        }

    # -- suggest --------------------------------------------------------------------------

    def suggest(self, prefix: str, cursor: int, limit: int, kind: str | None) -> JSON:
        """Entities with a name or alias, or a word of one, starting with `prefix` (after
        normalization), ranked: the entity whose id is the prefix, then names equal to the
        prefix, names that start with it, names with a word that does; within each, by
        decreasing weight and increasing length. Only the first SUGGEST_WINDOW names and words
        in alphabetical order are ranked, so a query costs the same on any knowledge base."""
        key = canonica.normalize(prefix)
        index = self.suggest_index
        ranked: dict[int, tuple[tuple[float, ...], int]] = {}
        for position in index.starting_with(key) if key else ():
            entry = index.entries[position]
            name, offset = entry >> 8, entry & 0xFF
            owner = index.owners[name]
            if kind is not None and self.kinds[owner] != kind:
                continue
            whole = index.keys[name]
            rank = (
                float(whole != key),
                float(offset != 0),
                -self.weights[owner],
                float(len(whole)),
            )
            if owner not in ranked or rank < ranked[owner][0]:
                ranked[owner] = (rank, name)
        order = sorted(ranked, key=lambda owner: (ranked[owner][0], self.ids[owner]))
        results = [self._suggestion(owner, ranked[owner][1]) for owner in order]
        named = self.positions.get(prefix.strip())
        if named is not None and (kind is None or self.kinds[named] == kind):
            results = [r for r in results if r["id"] != self.ids[named]]
            results.insert(0, self._suggestion(named, None))
        return {"result": results[cursor : cursor + limit]}

    def _suggestion(self, owner: int, at: int | None) -> JSON:
        item: JSON = {"id": self.ids[owner], "name": self.names[owner]}
        kind = self.kinds[owner]
        parts = [] if kind is None else [kind]
        if at is not None and self.suggest_index.spellings[at] != self.names[owner]:
            parts.append(f"also {self.suggest_index.spellings[at]}")
        if parts:
            item["description"] = ", ".join(parts)
        if kind is not None:
            item["notable"] = [{"id": kind, "name": kind}]
        return item

    # -- entities -------------------------------------------------------------------------

    def entity(self, id: str) -> canonica.Entity | None:
        return self.kb[id] if id in self.kb else None

    @staticmethod
    def entity_json(entity: canonica.Entity) -> JSON:
        return {
            "id": entity.id,
            "name": entity.name,
            "aliases": entity.aliases,
            "kind": entity.kind,
            "weight": entity.weight,
            "data": entity.data,
        }
