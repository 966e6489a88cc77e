"""Reconciliation query batches: parsing, validation and the service's limits.

A batch is a JSON object mapping query keys ("q0", "q1", ...) to queries, as the Reconciliation
Service API 0.2 defines it. Anything that does not follow its schema is a `BadRequest` that
names the key and the field at fault, so that a client (or the person reading its log) can fix
the request.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from canonica.cli import _json_type as json_type

#: Largest request body, in bytes (a POSTed batch, URL-encoded): 1 MiB. Larger bodies get 413.
MAX_BODY_BYTES = 1 << 20
#: Largest query string (or suggest prefix), in characters. Longer ones get 400.
MAX_QUERY_CHARS = 1_000
#: The `batchSize` the manifest announces by default; larger batches get 413.
DEFAULT_BATCH_SIZE = 50
#: Candidates per query when the query gives no `limit`.
DEFAULT_LIMIT = 5
#: The most candidates one query gets; a larger `limit` is lowered to this.
MAX_LIMIT = 100
#: The most types one query may name.
MAX_TYPES = 100

_QUERY_FIELDS = frozenset({"query", "type", "limit", "properties", "type_strict"})
_TYPE_STRICT = ("any", "should", "all")


class BadRequest(Exception):
    """A request the service refuses, with the HTTP status and a message that says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Query:
    """One reconciliation query of a batch, validated."""

    #: The key of the query in its batch ("q0").
    key: str
    #: The text to match; None for a query made of `properties` only (no candidates then).
    text: str | None
    #: The entity kinds to restrict candidates to; empty for any kind.
    kinds: tuple[str, ...]
    #: How many candidates to return, in [1, MAX_LIMIT].
    limit: int


def parse_batch(raw: str, batch_size: int) -> list[Query]:
    """The queries of a batch serialized as JSON; raises BadRequest when it is not valid JSON,
    not a batch by the API's schema, or larger than `batch_size` (413)."""
    try:
        batch = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"queries: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise BadRequest("queries: invalid JSON: nested too deeply") from None
    if not isinstance(batch, dict):
        raise BadRequest(
            f"queries: expected a JSON object mapping query keys to queries, not {json_type(batch)}"
        )
    if len(batch) > batch_size:
        raise BadRequest(
            f"queries: {len(batch)} queries in one batch; this service takes at most "
            f"{batch_size} (its manifest's batchSize)",
            status=413,
        )
    return [parse_query(key, query) for key, query in batch.items()]


def parse_query(key: str, query: Any) -> Query:
    """One query of a batch, validated against the API's schema."""
    where = f"queries[{json.dumps(key, ensure_ascii=False)}]"
    if not isinstance(query, dict):
        raise BadRequest(f"{where}: expected a query object, not {json_type(query)}")
    unknown = sorted(set(query) - _QUERY_FIELDS)
    if unknown:
        raise BadRequest(
            f"{where}: unknown field {json.dumps(unknown[0], ensure_ascii=False)}; a query "
            "has query, type, limit, properties and type_strict"
        )

    text = query.get("query")
    if text is not None and not isinstance(text, str):
        raise BadRequest(f"{where}.query: expected a string, not {json_type(text)}")
    if text is not None and len(text) > MAX_QUERY_CHARS:
        raise BadRequest(
            f"{where}.query: {len(text)} characters; at most {MAX_QUERY_CHARS} are accepted"
        )

    properties = query.get("properties")
    if "properties" in query:
        _check_properties(where, properties)
    if text is None and not properties:
        raise BadRequest(f"{where}: a query needs a query string or a non-empty properties list")

    _check_type_strict(where, query.get("type_strict", "any"))
    return Query(
        key=key,
        text=text,
        kinds=_parse_types(where, query.get("type")),
        limit=_parse_limit(where, query.get("limit", DEFAULT_LIMIT)),
    )


def _check_type_strict(where: str, value: Any) -> None:
    """`type_strict` is checked and otherwise not used: types always restrict candidates."""
    if not isinstance(value, str) or value not in _TYPE_STRICT:
        raise BadRequest(
            f'{where}.type_strict: expected "any", "should" or "all", '
            f"not {json.dumps(value, ensure_ascii=False)[:100]}"
        )


def _parse_types(where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        if len(value) > MAX_TYPES:
            raise BadRequest(f"{where}.type: {len(value)} types; at most {MAX_TYPES} are accepted")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise BadRequest(
                    f"{where}.type[{index}]: expected a type id (a string), not {json_type(item)}"
                )
        return tuple(dict.fromkeys(value))
    raise BadRequest(f"{where}.type: expected a type id or a list of them, not {json_type(value)}")


def _parse_limit(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"{where}.limit: expected a positive integer, not {json_type(value)}")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise BadRequest(f"{where}.limit: expected a positive integer, not {value!r}")
    if value < 1:
        raise BadRequest(f"{where}.limit: expected a positive integer, not {int(value)}")
    return int(min(value, MAX_LIMIT))


def _check_properties(where: str, properties: Any) -> None:
    """The shape the schema gives `properties`; their values are accepted and not used."""
    if not isinstance(properties, list):
        raise BadRequest(f"{where}.properties: expected a list, not {json_type(properties)}")
    for index, item in enumerate(properties):
        at = f"{where}.properties[{index}]"
        if not isinstance(item, dict):
            raise BadRequest(f"{at}: expected an object with pid and v, not {json_type(item)}")
        if not isinstance(item.get("pid"), str):
            raise BadRequest(f"{at}.pid: expected a property id (a string)")
        if "v" not in item:
            raise BadRequest(f"{at}.v: missing")
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        for value in values:
            if not _is_property_value(value):
                raise BadRequest(
                    f"{at}.v: expected strings, numbers, booleans or objects with an id, "
                    f"not {json_type(value)}"
                )


def _is_property_value(value: Any) -> bool:
    if isinstance(value, (str, bool, int, float)):
        return True
    return (
        isinstance(value, dict)
        and isinstance(value.get("id"), str)
        and ("name" not in value or isinstance(value["name"], str))
    )
