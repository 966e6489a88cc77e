"""`canonica serve`: the OpenRefine reconciliation service (Reconciliation Service API 0.2).

Most tests talk to the application through Starlette's TestClient; the last ones start real
servers: uvicorn on a free port in a thread, and `python -m canonica serve` as a process that
is reloaded, then stopped with SIGTERM and SIGINT.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2 as httpx
import jsonschema
import pytest
import referencing
import uvicorn
from starlette.testclient import TestClient

import canonica
from canonica import serve
from canonica.serve import _run, _service

from conftest import CASES, ROOT, SEED_KB

SPEC = ROOT / "tests" / "data" / "reconciliation"
SCHEMA_BASE = "https://reconciliation-api.github.io/specs/0.2/schemas/"


# ---------------------------------------------------------------------------------------------
# The spec's schemas


def _registry() -> referencing.Registry[Any]:
    resources = []
    for path in sorted((SPEC / "schemas").glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = referencing.Resource.from_contents(
            contents, default_specification=referencing.jsonschema.DRAFT7
        )
        resources.append((SCHEMA_BASE + path.name, resource))
    return referencing.Registry().with_resources(resources)


REGISTRY = _registry()


def validator(schema: str) -> jsonschema.Draft7Validator:
    contents = REGISTRY[SCHEMA_BASE + schema + ".json"].contents
    return jsonschema.Draft7Validator(
        {**contents, "$id": SCHEMA_BASE + schema + ".json"}, registry=REGISTRY
    )


def check(schema: str, document: Any) -> None:
    """Fails with the schema's complaints when `document` does not follow the spec's schema."""
    errors = [e.message for e in validator(schema).iter_errors(document)]
    assert not errors, f"{schema}: {errors}"


def examples(kind: str, validity: str) -> list[Path]:
    return sorted((SPEC / "examples" / kind / validity).glob("*.json"))


@pytest.mark.parametrize(
    ("schema", "kind"),
    [
        ("manifest", "manifest"),
        ("reconciliation-query-batch", "reconciliation-query-batch"),
        ("reconciliation-result-batch", "reconciliation-result-batch"),
        ("suggest-entities-response", "suggest-entities-response"),
    ],
)
def test_the_schemas_judge_the_spec_examples(schema: str, kind: str) -> None:
    """The harness works: every valid example passes and every invalid one fails, so a
    response that passes `check` follows the spec."""
    valid, invalid = examples(kind, "valid"), examples(kind, "invalid")
    assert valid
    for path in valid:
        check(schema, json.loads(path.read_text(encoding="utf-8")))
    for path in invalid:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert not validator(schema).is_valid(document), path.name


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def app(seed_resolver: canonica.Resolver) -> serve.ReconciliationApp:
    return serve.create_app(seed_resolver, name="Seed", batch_size=20)


@pytest.fixture(scope="module")
def client(app: serve.ReconciliationApp) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def reconcile(client: TestClient, batch: dict[str, Any], method: str = "POST") -> Any:
    payload = json.dumps(batch)
    if method == "POST":
        response = client.post("/reconcile", data={"queries": payload})
    else:
        response = client.get("/reconcile", params={"queries": payload})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    result = response.json()
    check("reconciliation-result-batch", result)
    return result


def assert_json_error(response: httpx.Response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status and isinstance(body["error"], str)
    assert "Traceback" not in body["error"]
    for word in words:
        assert word in body["error"], body["error"]
    return str(body["error"])


# ---------------------------------------------------------------------------------------------
# Manifest


def test_manifest(client: TestClient, seed_resolver: canonica.Resolver) -> None:
    response = client.get("/reconcile")
    assert response.status_code == 200
    manifest = response.json()
    check("manifest", manifest)
    assert manifest["versions"] == ["0.2"]
    assert manifest["name"] == "Seed"
    assert manifest["batchSize"] == 20
    # defaultTypes: the knowledge base's kinds, the most common first.
    kinds = [e.kind for e in seed_resolver.knowledge_base.entities()]
    assert [t["id"] for t in manifest["defaultTypes"]][:2] == ["country", "person"]
    assert {t["id"] for t in manifest["defaultTypes"]} == {k for k in kinds if k}
    assert manifest["identifierSpace"] == "http://testserver/reconcile/entity/"
    assert manifest["schemaSpace"] == "http://testserver/reconcile/type/"
    assert manifest["view"]["url"] == "http://testserver/reconcile/entity/{{id}}"
    assert manifest["preview"]["url"] == "http://testserver/reconcile/preview?id={{id}}"
    assert manifest["suggest"]["entity"] == {
        "service_url": "http://testserver/reconcile",
        "service_path": "/suggest/entity",
    }
    # The URLs follow the host the client used.
    other = client.get("/reconcile", headers={"host": "refine.example:9999"}).json()
    assert other["view"]["url"].startswith("http://refine.example:9999/reconcile/")


def test_manifest_spaces_are_configurable(seed_resolver: canonica.Resolver) -> None:
    app = serve.create_app(
        seed_resolver,
        identifier_space="http://example.org/id/",
        schema_space="http://example.org/schema/",
    )
    manifest = TestClient(app).get("/reconcile").json()
    check("manifest", manifest)
    assert manifest["identifierSpace"] == "http://example.org/id/"
    assert manifest["schemaSpace"] == "http://example.org/schema/"
    assert manifest["batchSize"] == serve.DEFAULT_BATCH_SIZE


def test_batch_size_must_be_positive(seed_resolver: canonica.Resolver) -> None:
    with pytest.raises(canonica.CanonicaError, match="batch_size must be 1 or more, not 0"):
        serve.create_app(seed_resolver, batch_size=0)


def test_manifest_jsonp(client: TestClient) -> None:
    response = client.get("/reconcile", params={"callback": "jsonp1234"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    match = re.fullmatch(r"/\*\*/jsonp1234\((.*)\);", response.text, flags=re.S)
    assert match is not None, response.text
    assert json.loads(match.group(1)) == client.get("/reconcile").json()
    # Only a function name: nothing else can be made to run in the page.
    for callback in ["alert(1)//", "a b", "x;y", "", "1abc", "a" * 101]:
        response = client.get("/reconcile", params={"callback": callback})
        assert_json_error(response, 400, "callback")


def test_root_redirects_to_the_service(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/reconcile"


# ---------------------------------------------------------------------------------------------
# Reconciliation


def test_reconcile_post_and_get(client: TestClient) -> None:
    batch = {
        "q0": {"query": "President Tokayev"},
        "q1": {"query": "U.A.E.", "limit": 3},
        "q2": {"query": "President"},
        "q3": {"query": "Washington Post"},
    }
    result = reconcile(client, batch)
    assert set(result) == set(batch)
    first = result["q0"]["result"][0]
    assert first["id"] == "kassym_jomart_tokayev" and first["match"] is True
    assert first["name"] == "Kassym-Jomart Tokayev"
    assert first["type"] == [{"id": "person", "name": "person"}]
    assert 0.85 <= first["score"] <= 1
    assert result["q1"]["result"][0]["id"] == "AE" and result["q1"]["result"][0]["match"]
    assert len(result["q1"]["result"]) <= 3
    # A lone title and a shared word: candidates perhaps, never a match.
    assert not any(c["match"] for c in result["q2"]["result"] + result["q3"]["result"])
    assert reconcile(client, batch, method="GET") == result


def test_candidates_are_best_first_and_within_the_limit(client: TestClient) -> None:
    result = reconcile(client, {"q": {"query": "Washington", "limit": 2}})["q"]["result"]
    assert 1 <= len(result) <= 2
    scores = [c["score"] for c in result]
    assert scores == sorted(scores, reverse=True)
    one = reconcile(client, {"q": {"query": "Netanyahu", "limit": 1}})["q"]["result"]
    assert [(c["id"], c["match"]) for c in one] == [("benjamin_netanyahu", True)]
    big = reconcile(client, {"q": {"query": "a", "limit": 10**9}})["q"]["result"]
    assert len(big) <= serve.MAX_LIMIT


def _cases() -> list[str]:
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines()]
    return [row["query"] for row in rows if row.get("kb") is None]


def test_match_is_exactly_what_resolve_answers(
    client: TestClient, seed_resolver: canonica.Resolver
) -> None:
    """For every query of the shared corpus, with and without a type: the candidate marked
    match is the entity `Resolver.resolve` answers, and no candidate is marked when it answers
    None. The batch runs through resolve_many; the check calls resolve one name at a time."""
    names = _cases() + ["Tokaev", "Kazakh", "Congo", "", "   ", "Президент", "Bibi"]
    assert len(names) > 100
    for kind in [None, "person", "country", "no such kind"]:
        for start in range(0, len(names), 20):
            chunk = names[start : start + 20]
            batch: dict[str, Any] = {}
            for i, name in enumerate(chunk):
                batch[f"q{i}"] = {"query": name, "limit": 3}
                if kind is not None:
                    batch[f"q{i}"]["type"] = kind
            result = reconcile(client, batch)
            for i, name in enumerate(chunk):
                candidates = result[f"q{i}"]["result"]
                matched = [c["id"] for c in candidates if c["match"]]
                expected = seed_resolver.resolve(name, kind=kind)
                assert matched == ([] if expected is None else [expected.id]), (name, kind)
                if expected is not None:
                    assert candidates[0]["id"] == expected.id
                    assert candidates[0]["score"] == round(expected.score, 4)
                if kind is not None:
                    assert all(c["type"] == [{"id": kind, "name": kind}] for c in candidates)


def test_threshold_decides_the_match(seed_resolver: canonica.Resolver) -> None:
    strict = canonica.Resolver(seed_resolver.knowledge_base, threshold=1.0)
    client = TestClient(serve.create_app(strict))
    for name in ["Tokaev", "Kazakstan", "President Tokayev"]:
        result = reconcile(client, {"q": {"query": name}})["q"]["result"]
        expected = strict.resolve(name)
        assert [c["id"] for c in result if c["match"]] == (
            [] if expected is None else [expected.id]
        )


def test_types_restrict_candidates(client: TestClient) -> None:
    result = reconcile(
        client,
        {
            "person": {"query": "Tokayev", "type": "person"},
            "country": {"query": "Tokayev", "type": "country"},
            "both": {"query": "Kazakh", "type": ["person", "country"], "type_strict": "any"},
            "unknown": {"query": "Tokayev", "type": ["planet"]},
            "none": {"query": "Tokayev", "type": []},
            "should": {"query": "UAE", "type": "country", "type_strict": "should"},
        },
    )
    assert result["person"]["result"][0]["match"] is True
    assert all(c["type"][0]["id"] == "country" for c in result["country"]["result"])
    assert not any(c["id"] == "kassym_jomart_tokayev" for c in result["country"]["result"])
    both = result["both"]["result"]
    assert both[0]["id"] == "KZ" and both[0]["match"] is True
    assert {c["type"][0]["id"] for c in both} <= {"person", "country"}
    assert result["unknown"]["result"] == []
    assert result["none"]["result"][0]["id"] == "kassym_jomart_tokayev"
    assert result["should"]["result"][0]["id"] == "AE"


def test_an_id_as_query_finds_its_entity() -> None:
    kb = canonica.KnowledgeBase.from_records(
        [
            {"id": "Q42", "name": "Douglas Adams", "kind": "person"},
            {"id": "Q5", "name": "Human", "kind": "class"},
        ]
    )
    resolver = canonica.Resolver(kb)
    client = TestClient(serve.create_app(resolver))
    assert resolver.resolve("Q42") is None and resolver.candidates("Q42") == []
    result = reconcile(client, {"q": {"query": " Q42 "}})["q"]["result"]
    assert [(c["id"], c["score"], c["match"]) for c in result] == [("Q42", 1.0, False)]
    # ... within the types asked for.
    assert reconcile(client, {"q": {"query": "Q42", "type": "class"}})["q"]["result"] == []


@pytest.mark.parametrize(
    "path", examples("reconciliation-query-batch", "valid"), ids=lambda p: p.name
)
def test_spec_valid_query_batches_are_answered(client: TestClient, path: Path) -> None:
    batch = json.loads(path.read_text(encoding="utf-8"))
    result = reconcile(client, batch)
    assert set(result) == set(batch)
    result = reconcile(client, batch, method="GET")
    assert set(result) == set(batch)


@pytest.mark.parametrize(
    "path", examples("reconciliation-query-batch", "invalid"), ids=lambda p: p.name
)
def test_spec_invalid_query_batches_are_refused(client: TestClient, path: Path) -> None:
    queries = path.read_text(encoding="utf-8")
    assert_json_error(client.post("/reconcile", data={"queries": queries}), 400, "queries[")
    assert_json_error(client.get("/reconcile", params={"queries": queries}), 400, "queries[")


# ---------------------------------------------------------------------------------------------
# Bad requests: a 4xx with a JSON body that says what is wrong, and the service keeps serving

BAD_BATCHES = [
    ("{oops", 400, "invalid JSON"),
    ("", 400, "invalid JSON"),
    ("[1, 2]", 400, "expected a JSON object"),
    ('"q0"', 400, "expected a JSON object"),
    ("null", 400, "expected a JSON object"),
    ('{"q0": "Tokayev"}', 400, 'queries["q0"]: expected a query object, not a string'),
    ('{"q0": []}', 400, "not an array"),
    ('{"q0": {"query": 5}}', 400, 'queries["q0"].query: expected a string, not a number'),
    ('{"q0": {"query": null}}', 400, "query string or a non-empty properties"),
    ('{"q0": {"query": ["a"]}}', 400, "not an array"),
    ('{"q0": {"query": "a", "limit": 0}}', 400, "limit: expected a positive integer"),
    ('{"q0": {"query": "a", "limit": -3}}', 400, "limit"),
    ('{"q0": {"query": "a", "limit": 1.5}}', 400, "limit"),
    ('{"q0": {"query": "a", "limit": "5"}}', 400, "limit"),
    ('{"q0": {"query": "a", "limit": true}}', 400, "limit"),
    ('{"q0": {"query": "a", "type": 5}}', 400, "type"),
    ('{"q0": {"query": "a", "type": ["ok", 5]}}', 400, "type[1]"),
    ('{"q0": {"query": "a", "type_strict": "maybe"}}', 400, "type_strict"),
    ('{"q0": {"query": "a", "properties": {}}}', 400, "properties"),
    ('{"q0": {"query": "a", "properties": [{"v": "x"}]}}', 400, "pid"),
    ('{"q0": {"query": "a", "properties": [{"pid": "p"}]}}', 400, "v: missing"),
    ('{"q0": {"query": "a", "properties": [{"pid": "p", "v": [null]}]}}', 400, "v:"),
    ('{"q0": {"query": "a", "typo": 1}}', 400, 'unknown field "typo"'),
    ("[" * 100_000 + "]" * 100_000, 400, "invalid JSON"),
    ('{"q0": {"query": "' + "x" * (serve.MAX_QUERY_CHARS + 1) + '"}}', 400, "characters"),
    (json.dumps({f"q{i}": {"query": "a"} for i in range(21)}), 413, "at most 20"),
]


@pytest.mark.parametrize(("queries", "status", "message"), BAD_BATCHES, ids=lambda v: str(v)[:40])
def test_bad_batches(client: TestClient, queries: str, status: int, message: str) -> None:
    assert_json_error(client.post("/reconcile", data={"queries": queries}), status, message)
    if len(queries) < 4000:
        assert_json_error(client.get("/reconcile", params={"queries": queries}), status, message)
    # Still serving.
    assert reconcile(client, {"q": {"query": "Tokayev"}})["q"]["result"][0]["match"]


def test_batch_of_exactly_batch_size_is_answered(client: TestClient) -> None:
    result = reconcile(client, {f"q{i}": {"query": "UAE"} for i in range(20)})
    assert len(result) == 20


def test_bad_posts(client: TestClient) -> None:
    assert_json_error(client.post("/reconcile", data={"other": "x"}), 400, "'queries'")
    assert_json_error(client.post("/reconcile", content=b'{"q0": {}}'), 400, "'queries'")
    files = {"queries": ("batch.json", b'{"q0": {"query": "UAE"}}', "application/json")}
    assert_json_error(client.post("/reconcile", files=files), 400, "not a file")
    # multipart/form-data fields work as well as URL-encoded ones
    response = client.post("/reconcile", files={"queries": (None, '{"q0": {"query": "UAE"}}')})
    assert response.status_code == 200 and response.json()["q0"]["result"][0]["id"] == "AE"
    # A body that is not UTF-8 is no crash.
    response = client.post(
        "/reconcile",
        content=b"queries=%FF%FE",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400 and "error" in response.json()


def test_body_size_limit(client: TestClient) -> None:
    big = "x" * (serve.MAX_BODY_BYTES + 1)
    # Announced by Content-Length: refused before reading.
    assert_json_error(client.post("/reconcile", data={"queries": big}), 413, "limit")

    # Sent in chunks without a length: refused once the limit is passed.
    def chunks() -> Iterator[bytes]:
        yield b"queries="
        for _ in range(serve.MAX_BODY_BYTES // 65536 + 2):
            yield b"y" * 65536

    response = client.post(
        "/reconcile",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_json_error(response, 413, "limit")
    assert reconcile(client, {"q": {"query": "UAE"}})["q"]["result"][0]["id"] == "AE"


def test_unknown_paths_and_methods(client: TestClient) -> None:
    assert_json_error(client.get("/nowhere"), 404, "/nowhere")
    assert_json_error(client.get("/reconcile/suggest/type", params={"prefix": "a"}), 404)
    response = client.delete("/reconcile")
    assert_json_error(response, 405, "DELETE")
    assert "GET" in response.headers["allow"]
    assert_json_error(client.post("/reconcile/preview"), 405)


# ---------------------------------------------------------------------------------------------
# CORS


def test_cors_headers_on_every_response(client: TestClient) -> None:
    responses = [
        client.get("/reconcile"),
        client.get("/reconcile", headers={"origin": "http://localhost:3333"}),
        client.post("/reconcile", data={"queries": '{"q0": {"query": "UAE"}}'}),
        client.post("/reconcile", data={"queries": "{bad"}),
        client.post("/reconcile", data={"queries": "x" * (serve.MAX_BODY_BYTES + 1)}),
        client.get("/nowhere"),
        client.get("/reconcile/suggest/entity", params={"prefix": "tok"}),
        client.get("/reconcile/preview", params={"id": "AE"}),
        client.get("/reconcile/entity/AE"),
    ]
    for response in responses:
        assert response.headers["access-control-allow-origin"] == "*", response.url


def test_preflight(client: TestClient) -> None:
    response = client.options(
        "/reconcile",
        headers={
            "origin": "https://reconciliation-api.github.io",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, x-requested-with",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "content-type, x-requested-with"
    assert client.options("/reconcile/suggest/entity").status_code == 204


# ---------------------------------------------------------------------------------------------
# Suggest


def suggest(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/reconcile/suggest/entity", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    check("suggest-entities-response", body)
    return list(body["result"])


def test_suggest_prefix(client: TestClient) -> None:
    assert suggest(client, prefix="Kassym")[0]["id"] == "kassym_jomart_tokayev"
    # Any word of a name: a surname, the second word of a city.
    assert suggest(client, prefix="Tok")[0]["id"] == "kassym_jomart_tokayev"
    # Folded the way names are: case, accents, other scripts.
    assert suggest(client, prefix="TOKA")[0]["id"] == "kassym_jomart_tokayev"
    assert suggest(client, prefix="Тока")[0]["id"] == "kassym_jomart_tokayev"
    hit = suggest(client, prefix="Bibi")[0]
    assert hit["id"] == "benjamin_netanyahu" and hit["name"] == "Benjamin Netanyahu"
    assert hit["description"] == "person, also Bibi"
    assert hit["notable"] == [{"id": "person", "name": "person"}]
    assert suggest(client, prefix="zzzz") == []
    assert suggest(client, prefix="") == []
    assert suggest(client, prefix="  ...  ") == []


def test_suggest_id_cursor_limit_type(client: TestClient) -> None:
    assert suggest(client, prefix="benjamin_netanyahu")[0]["id"] == "benjamin_netanyahu"
    everything = suggest(client, prefix="k", limit=50)
    assert len({r["id"] for r in everything}) == len(everything) > 3
    assert suggest(client, prefix="k", limit=2) == everything[:2]
    assert suggest(client, prefix="k", limit=2, cursor=2) == everything[2:4]
    countries = suggest(client, prefix="k", limit=50, type="country")
    assert countries and all(r["notable"][0]["id"] == "country" for r in countries)
    assert [r for r in everything if r.get("notable", [{}])[0].get("id") == "country"] == countries


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "'prefix'"),
        ({"prefix": "a", "cursor": "x"}, "cursor"),
        ({"prefix": "a", "cursor": "-1"}, "cursor"),
        ({"prefix": "a", "limit": "0"}, "limit"),
        ({"prefix": "a", "limit": "1000"}, "limit"),
        ({"prefix": "a" * (serve.MAX_QUERY_CHARS + 1)}, "prefix"),
        ({"prefix": "a", "callback": "<script>"}, "callback"),
    ],
)
def test_suggest_bad_requests(client: TestClient, params: dict[str, str], message: str) -> None:
    assert_json_error(client.get("/reconcile/suggest/entity", params=params), 400, message)


def test_suggest_index_is_sorted_and_searched_by_bisection() -> None:
    kb = canonica.KnowledgeBase.from_records(
        [{"id": f"e{i}", "name": f"Name {i:05d}", "aliases": [f"Alias {i}"]} for i in range(3000)]
    )
    service = serve.Service(canonica.Resolver(kb), serve.Settings())
    index = service.suggest_index
    texts = [index.text(entry) for entry in index.entries]
    assert texts == sorted(texts) and len(texts) == 12000  # names and their second words
    run = index.starting_with("name 0001")
    assert [texts[i] for i in run] == [f"name 0001{d}" for d in range(10)]
    assert [texts[i] for i in index.starting_with("0001")] == [f"0001{d}" for d in range(10)]
    # However many names share a prefix, one query looks at a bounded window of them.
    assert len(index.starting_with("name")) == _service.SUGGEST_WINDOW
    result = service.suggest("Name 0001", 0, 3, None)["result"]
    assert [r["id"] for r in result] == ["e10", "e11", "e12"]


# ---------------------------------------------------------------------------------------------
# Preview and view


def test_preview_card(client: TestClient) -> None:
    response = client.get("/reconcile/preview", params={"id": "kassym_jomart_tokayev"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "<h1>Kassym-Jomart Tokayev</h1>" in response.text
    assert "President of Kazakhstan" in response.text
    assert_json_error(client.get("/reconcile/preview", params={"id": "nobody"}), 404, "nobody")
    assert_json_error(client.get("/reconcile/preview"), 400, "'id'")


HOSTILE = "<script>alert('x')</script>&\"'"


def test_pages_escape_everything() -> None:
    kb = canonica.KnowledgeBase.from_records(
        [
            {
                "id": "a/b <c>?&d",
                "name": HOSTILE,
                "aliases": [HOSTILE + "2"],
                "kind": "<b>kind</b>",
                HOSTILE: HOSTILE,
                "nested": {"k": HOSTILE},
            }
        ]
    )
    client = TestClient(serve.create_app(canonica.Resolver(kb)))
    template = client.get("/reconcile").json()["view"]["url"]
    url = template.replace("{{id}}", quote("a/b <c>?&d", safe=""))
    for response in [
        client.get("/reconcile/preview", params={"id": "a/b <c>?&d"}),
        client.get(url),
    ]:
        assert response.status_code == 200, response.text
        assert "<script" not in response.text and "<b>" not in response.text
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;&quot;" in response.text
    data = client.get(url, params={"format": "json"}).json()
    assert data["name"] == HOSTILE and data["data"]["nested"] == {"k": HOSTILE}


def test_view_html_and_json(client: TestClient) -> None:
    manifest = client.get("/reconcile").json()
    url = manifest["view"]["url"].replace("{{id}}", "AE")
    page = client.get(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "United Arab Emirates" in page.text
    as_json = client.get(url, headers={"accept": "application/json"})
    assert as_json.headers["content-type"].startswith("application/json")
    entity = as_json.json()
    assert entity["id"] == "AE" and entity["name"] == "United Arab Emirates"
    assert entity["kind"] == "country" and "Emirati" in entity["aliases"]
    assert client.get(url, params={"format": "json"}).json() == entity
    jsonp = client.get(url, params={"format": "json", "callback": "cb"})
    assert jsonp.text.startswith("/**/cb(")
    assert_json_error(client.get("/reconcile/entity/nobody"), 404, "nobody")


# ---------------------------------------------------------------------------------------------
# Reload


def _write_kb(path: Path, records: list[dict[str, Any]]) -> None:
    """Writes a knowledge base the way an editor should: a new file renamed over the old."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    os.replace(temporary, path)


def test_reloader_swaps_in_a_new_service_and_keeps_the_old_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    _write_kb(path, [{"id": "a", "name": "Alpha"}])
    settings = serve.Settings()

    def build() -> serve.Service:
        return serve.Service(canonica.Resolver(canonica.KnowledgeBase.from_jsonl(path)), settings)

    logged: list[str] = []
    reloader = serve.Reloader(build, str(path), interval=0.05, log=logged.append)
    current = reloader.current
    reloader.start()
    try:
        first = current.service
        _write_kb(path, [{"id": "a", "name": "Alpha"}, {"id": "b", "name": "Bravo"}])
        _wait(lambda: current.generation == 1)
        assert len(current.service) == 2 and current.service is not first
        assert len(first) == 1  # a request still holding the old service finishes on it

        path.write_text("{broken\n", encoding="utf-8")
        _wait(lambda: any("reload failed" in line for line in logged))
        assert current.generation == 1 and len(current.service) == 2
        assert "line 1" in logged[-1]

        reloader.request()  # as SIGHUP does: rebuild now (the file is still broken)
        _wait(lambda: sum("reload failed" in line for line in logged) == 2)
        _write_kb(path, [{"id": "c", "name": "Charlie"}])
        _wait(lambda: current.generation == 2)
        assert current.service.ids == ["c"]
    finally:
        reloader.stop()


def _wait(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# ---------------------------------------------------------------------------------------------
# Real servers


@pytest.fixture
def live_server(app: serve.ReconciliationApp) -> Iterator[str]:
    """uvicorn serving the seed app in a thread, on a free port of 127.0.0.1 bound as
    `canonica serve` binds it, with asyncio's own event loop."""
    sock = _run._bind("127.0.0.1", 0)
    config = uvicorn.Config(app, loop="asyncio", log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    _wait(lambda: server.started)
    yield serve.service_url(sock)
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


def test_real_socket_concurrent_clients(live_server: str, client: TestClient) -> None:
    names = _cases()[:40]
    batches = [
        {f"q{j}": {"query": name} for j, name in enumerate(names[i : i + 10])}
        for i in range(0, len(names), 10)
    ]
    expected = [reconcile(client, batch) for batch in batches]

    def post(batch: dict[str, Any]) -> Any:
        with httpx.Client(timeout=30) as http:
            response = http.post(live_server, data={"queries": json.dumps(batch)})
            assert response.headers["access-control-allow-origin"] == "*"
            return response.json()

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(post, batches * 5))
    assert got == expected * 5
    with httpx.Client(timeout=30) as http:
        assert http.get(live_server).json()["name"] == "Seed"
        assert http.get(live_server + "/nowhere").status_code == 404


def test_real_socket_requests_are_not_held_back(live_server: str) -> None:
    """Requests on one connection are not held up by Nagle's algorithm meeting delayed
    acknowledgements (about 40 ms a request when the server's sockets leave it on)."""
    batch = json.dumps({"q0": {"query": "President Tokayev"}})
    took = []
    with httpx.Client(timeout=30) as http:
        for _ in range(21):
            started = time.perf_counter()
            assert http.post(live_server, data={"queries": batch}).status_code == 200
            took.append(time.perf_counter() - started)
    assert sorted(took)[10] < 0.03, took


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`python -m canonica serve ... --port 0`, and the URL it prints."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "canonica", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/reconcile\n", line)
    if match is None:
        proc.kill()
        pytest.fail(f"no URL printed: {line!r} {proc.communicate()}")
    return proc, line.strip()


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"]
)
def test_cli_serves_and_stops_cleanly(signum: int, code: int) -> None:
    proc, url = _start_cli("--kb", str(SEED_KB), "--name", "Seed service")
    try:
        with httpx.Client(timeout=30) as http:
            manifest = http.get(url).json()
            assert manifest["name"] == "Seed service"
            check("manifest", manifest)
            batch = json.dumps({"q0": {"query": "President Tokayev"}})
            result = http.post(url, data={"queries": batch}).json()
            assert result["q0"]["result"][0]["id"] == "kassym_jomart_tokayev"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert "Seed service: 25 entities" in err


@pytest.mark.parametrize("form", ["saved resolver", "csv", "countries"])
def test_cli_serves_every_kind_of_kb(
    form: str, tmp_path: Path, seed_resolver: canonica.Resolver
) -> None:
    """--kb takes what `resolve --kb` takes."""
    kb, query, expected = str(tmp_path / "seed.canonica"), "Tokaev", "kassym_jomart_tokayev"
    if form == "saved resolver":
        seed_resolver.save(kb)
    elif form == "csv":
        kb = str(tmp_path / "people.csv")
        Path(kb).write_text("id,name,aliases,kind\nt,Kassym-Jomart Tokayev,Tokaev|Токаев,person\n")
        expected = "t"
    else:
        kb, query, expected = "countries", "U.A.E.", "AE"
    proc, url = _start_cli("--kb", kb, "--threshold", "0.9")
    try:
        batch = json.dumps({"q0": {"query": query}})
        result = httpx.post(url, data={"queries": batch}, timeout=30).json()
        assert result["q0"]["result"][0]["id"] == expected
        assert result["q0"]["result"][0]["match"] is True
        assert httpx.get(url, timeout=30).json()["name"] == f"canonica: {Path(kb).name}"
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_cli_reload_swaps_the_kb_without_dropping_requests(tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    records = [{"id": f"c{i}", "name": f"City {i}", "kind": "city"} for i in range(2000)]
    _write_kb(path, records + [{"id": "old", "name": "Oldtown"}])
    proc, url = _start_cli("--kb", str(path), "--reload", "--reload-interval", "0.2")
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def hammer() -> None:
        nonlocal answered
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                batch = json.dumps({"q0": {"query": "City 7"}, "q1": {"query": "Newtown"}})
                response = http.post(url, data={"queries": batch})
                if response.status_code != 200:
                    failures.append(response.text)
                else:
                    answered += 1

    def newtown_matched() -> bool:
        batch = json.dumps({"q": {"query": "Newtown"}})
        result = httpx.post(url, data={"queries": batch}, timeout=30).json()["q"]["result"]
        return bool(result) and result[0]["id"] == "new" and result[0]["match"]

    threads = [threading.Thread(target=hammer) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        assert not newtown_matched()
        _write_kb(path, records + [{"id": "new", "name": "Newtown"}])
        _wait(newtown_matched)
        # SIGHUP rebuilds too.
        _write_kb(path, [{"id": "hup", "name": "Hupville"}])
        proc.send_signal(signal.SIGHUP)
        _wait(lambda: httpx.get(url + "/entity/hup", params={"format": "json"}).status_code == 200)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert failures == []
    assert answered > 10
    assert proc.returncode == 143 and "Traceback" not in err
    assert "reloaded" in err


def test_cli_reload_picks_up_canonica_update(tmp_path: Path) -> None:
    """The documented workflow: serve a saved resolver with --reload, change it with
    `canonica update ... -o` (which saves atomically), and the service answers the change."""
    saved = tmp_path / "kb.canonica"
    canonica.Resolver(canonica.KnowledgeBase.from_jsonl(SEED_KB)).save(saved)
    new = tmp_path / "new.jsonl"
    new.write_text('{"id": "zz", "name": "Zanzibar Archipelago"}\n', encoding="utf-8")
    proc, url = _start_cli("--kb", str(saved), "--reload", "--reload-interval", "0.2")
    try:

        def suggests_zanzibar() -> bool:
            response = httpx.get(url + "/suggest/entity", params={"prefix": "zanz"}, timeout=30)
            return [r["id"] for r in response.json()["result"]] == ["zz"]

        assert not suggests_zanzibar()
        update = [sys.executable, "-m", "canonica", "update", "--kb", str(saved)]
        done = subprocess.run(
            [*update, "--add", str(new), "-o", str(saved)], capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        _wait(suggests_zanzibar)
        batch = json.dumps({"q": {"query": "Zanzibar Archipelago"}})
        result = httpx.post(url, data={"queries": batch}, timeout=30).json()["q"]["result"]
        assert result[0]["id"] == "zz" and result[0]["match"] is True
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_cli_errors(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "canonica", "serve", *args],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )

    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    done = run("--kb", str(bad), "--port", "0")
    assert done.returncode == 1 and done.stderr.startswith("canonica: error: ")
    assert "line 1" in done.stderr and "Traceback" not in done.stderr
    done = run("--reload", "--port", "0")
    assert done.returncode == 1 and "built-in" in done.stderr
    done = run("--port", "70000")
    assert done.returncode == 2 and "port" in done.stderr
    done = run("--batch-size", "0")
    assert done.returncode == 2
    done = run("--threshold", "2", "--port", "0")
    assert done.returncode == 1 and "threshold" in done.stderr
    # A port already taken.
    proc, url = _start_cli("--kb", str(SEED_KB))
    try:
        port = url.split(":")[2].split("/")[0]
        done = run("--kb", str(SEED_KB), "--port", port)
        assert done.returncode == 1 and done.stderr.startswith("canonica: error: ")
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_cli_without_the_serve_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from canonica import cli

    for name in [m for m in sys.modules if m.startswith(("canonica.serve", "starlette"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delattr(canonica, "serve", raising=False)
    monkeypatch.setitem(sys.modules, "starlette", None)
    assert cli.main(["serve", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "pip install 'canonica[serve]'" in err
