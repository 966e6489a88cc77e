"""Live updates through the Python API: add, update and remove on a built resolver answer as a
resolver rebuilt on the resulting records, atomically, safely under threads, and persist."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import canonica

from conftest import ROOT, SEED_KB

NAMES = [
    "United States",
    "United Arab Emirates",
    "South Korea",
    "South Africa",
    "Saudi Arabia",
    "Kingdom of Saudi Arabia",
    "Deutsche Bank AG",
    "The Washington Post",
    "Kassym-Jomart Tokayev",
    "John Smith",
    "Jane Smith",
    "Kazakhstan",
    "UAE",
    "us",
    "sk",
    "Springfield",
]
IDS = ["US", "AE", "SK", "SA", "e1", "e2", "e3", "e4", "e5", "e6"]
KINDS = [None, "country", "org", "person"]
QUERIES = [
    *NAMES,
    "US",
    "U.S.",
    "UAE",
    "SK",
    "SA",
    "KSA",
    "Tokaev",
    "Smith",
    "Deutsche Bank",
    "Untied States",
]
TEXTS = [
    "US–Kazakh ties: the United Arab Emirates, UAE and SK talks.",
    "Kassym-Jomart Tokayev met John Smith; Tokayev and Jane Smith spoke. Smith left.",
    "Deutsche Bank said The Washington Post and Saudi Arabia's Springfield.",
]


def answers(r: canonica.Resolver) -> list[Any]:
    """Everything a user can observe of the resolver's answers, as comparable values."""

    def match(m: canonica.Match | None) -> Any:
        return None if m is None else (m.id, m.name, m.score, m.alias, m.method, m.evidence)

    out: list[Any] = [match(r.resolve(q)) for q in QUERIES]
    out += [[match(m) for m in r.candidates(q, limit=10)] for q in QUERIES]
    out.append([match(m) for m in r.resolve_many(QUERIES)])
    for text in TEXTS:
        for fuzzy in (False, True):
            out.append([(m.start, m.end, m.id, m.score) for m in r.link(text, fuzzy=fuzzy)])
    return out


def rebuilt(r: canonica.Resolver) -> canonica.Resolver:
    return canonica.Resolver(r.knowledge_base)


RECORD = st.builds(
    lambda i, name, aliases, kind, weight: {
        "id": IDS[i],
        "name": NAMES[name],
        "aliases": [NAMES[a] for a in aliases],
        "kind": KINDS[kind],
        "weight": weight,
    },
    st.integers(0, len(IDS) - 1),
    st.integers(0, len(NAMES) - 1),
    st.lists(st.integers(0, len(NAMES) - 1), max_size=2),
    st.integers(0, len(KINDS) - 1),
    st.integers(0, 3),
)
OP = st.one_of(
    st.tuples(st.just("add"), st.lists(RECORD, min_size=1, max_size=3)),
    st.tuples(st.just("update"), st.lists(RECORD, min_size=1, max_size=3)),
    st.tuples(st.just("remove"), st.lists(st.sampled_from(IDS), min_size=1, max_size=2)),
)
EXAMPLES = int(os.environ.get("CANONICA_HYPOTHESIS_EXAMPLES", "40"))


def clean(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records with `kind` left out where it is None, and each id once."""
    seen: set[str] = set()
    out = []
    for record in records:
        if record["id"] in seen:
            continue
        seen.add(record["id"])
        out.append({k: v for k, v in record.items() if v is not None})
    return out


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RECORD, max_size=6), st.lists(OP, min_size=1, max_size=6))
def test_updates_answer_as_a_rebuild(
    start: list[dict[str, Any]], ops: list[tuple[str, list[Any]]]
) -> None:
    r = canonica.Resolver(canonica.KnowledgeBase.from_records(clean(start)))
    for kind, items in ops:
        try:
            if kind == "add":
                r.add(items if len({i["id"] for i in items}) < len(items) else clean(items))
            elif kind == "update":
                r.update(clean(items))
            else:
                r.remove(items)
        except canonica.CanonicaError:
            pass  # a refused call changes nothing, which the comparison checks too
        assert answers(r) == answers(rebuilt(r)), (kind, items)


def test_add_update_remove_and_their_errors() -> None:
    kb = canonica.KnowledgeBase.from_jsonl(SEED_KB)
    r = canonica.Resolver(kb)
    assert r.resolve("Tojikiston") is None
    r.add([{"id": "TJ", "name": "Tajikistan", "aliases": ["Tojikiston"], "kind": "country"}])
    assert r.resolve("Tojikiston").id == "TJ"
    assert len(r) == len(kb) + 1
    r.update([{"id": "TJ", "name": "Republic of Tajikistan", "kind": "country"}])
    assert r.resolve("Tojikiston") is None, "the update replaced the aliases"
    assert r.resolve("Republic of Tajikistan").id == "TJ"
    r.remove(["TJ"])
    assert r.resolve("Republic of Tajikistan") is None
    before = answers(r)
    with pytest.raises(canonica.CanonicaError) as info:
        r.add([{"id": "XX", "name": "Xland"}, {"id": "KZ", "name": "Kazakhstan again"}])
    assert (info.value.record, info.value.field) == (2, "id")
    with pytest.raises(canonica.CanonicaError) as info:
        r.update([{"id": "YY", "name": "Yland"}, {"id": "ZZ", "name": 5}])
    assert (info.value.record, info.value.field) == (2, "name")
    with pytest.raises(canonica.CanonicaError) as info:
        r.remove(["KZ", "nobody"])
    assert info.value.record == 2
    with pytest.raises(canonica.CanonicaError):
        r.remove("KZ")  # type: ignore[arg-type]
    assert answers(r) == before, "refused calls changed nothing"
    assert "XX" not in r.knowledge_base and "YY" not in r.knowledge_base


def test_the_knowledge_base_is_a_view_that_copies_nothing() -> None:
    r = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))
    view = r.knowledge_base
    n = len(view)
    assert view["KZ"].name == "Kazakhstan" and "KZ" in view and 7 not in view
    r.add([{"id": "TJ", "name": "Tajikistan"}])
    r.remove(["KZ"])
    assert len(view) == n and "TJ" in view and "KZ" not in view, "the view follows updates"
    ids = [e.id for e in view]
    assert ids[-1] == "TJ" and "KZ" not in ids and len(ids) == n
    assert [e.id for e in view.entities()] == ids
    with pytest.raises(canonica.CanonicaError, match="Resolver.add"):
        view.add("QQ", "Qland")
    copy = pickle.loads(pickle.dumps(view))
    assert [e.id for e in copy] == ids
    copy.add("QQ", "Qland")  # a copy is a knowledge base of its own
    assert "QQ" not in r.knowledge_base


def test_saves_and_pickles_keep_every_update(tmp_path: Path) -> None:
    r = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))
    r.add([{"id": "TJ", "name": "Tajikistan", "aliases": ["Tojikiston"]}])
    r.remove(["KZ"])
    path = tmp_path / "r.canonica"
    r.save(path)
    for back in (canonica.Resolver.load(path), pickle.loads(pickle.dumps(r))):
        assert answers(back) == answers(r)
        assert back.resolve("Tojikiston").id == "TJ" and "KZ" not in back.knowledge_base


def test_threads_see_each_call_whole() -> None:
    """Readers resolve a pair of names that every call adds or removes together: a batch finds
    both of the pair's entities or neither, never one of them. (While the pair is absent a name may
    still match a neighbour such as "Alphaland 1", so the check is on the pair's own ids.)"""
    r = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB))
    pairs = [(f"Alphaland {i}", f"Betaland {i}") for i in range(60)]
    stop = threading.Event()
    seen: list[tuple[bool, bool]] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            while not stop.is_set():
                for i in range(0, len(pairs), 7):
                    found = r.resolve_many(list(pairs[i]))
                    seen.append(
                        (
                            found[0] is not None and found[0].id == f"a{i}",
                            found[1] is not None and found[1].id == f"b{i}",
                        )
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    for i, (a, b) in enumerate(pairs):
        r.add([{"id": f"a{i}", "name": a}, {"id": f"b{i}", "name": b}])
        if i % 3 == 0:
            r.remove([f"a{i}", f"b{i}"])
    stop.set()
    for t in readers:
        t.join()
    assert not errors
    assert seen and all(x == y for x, y in seen), "a call was seen in part"
    assert answers(r) == answers(rebuilt(r))


def test_cli_update_applies_a_file_of_changes(tmp_path: Path) -> None:
    saved = tmp_path / "seed.canonica"
    canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB)).save(saved)
    (tmp_path / "add.jsonl").write_text('{"id": "TJ", "name": "Tajikistan"}\n')
    (tmp_path / "remove.txt").write_text("KZ\n\n")
    (tmp_path / "bad.jsonl").write_text('{"id": "UZ", "name": "Uzbekistan again"}\n')
    command = [sys.executable, "-m", "canonica", "update", "--kb", str(saved), "-o", str(saved)]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *extra], capture_output=True, text=True, cwd=ROOT, check=False
        )

    done = run("--add", str(tmp_path / "add.jsonl"), "--remove", str(tmp_path / "remove.txt"))
    assert done.returncode == 0, done.stderr
    r = canonica.Resolver.load(saved)
    assert r.resolve("Tajikistan").id == "TJ" and "KZ" not in r.knowledge_base
    before = saved.read_bytes()
    failed = run("--add", str(tmp_path / "bad.jsonl"))
    assert failed.returncode == 1
    assert "bad.jsonl" in failed.stderr and "record 1, field 'id'" in failed.stderr
    assert saved.read_bytes() == before, "a failed update leaves the file as it was"
