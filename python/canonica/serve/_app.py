"""The HTTP side of the service: a Starlette application, wrapped in one ASGI layer that adds
CORS headers to every response, answers OPTIONS preflight requests and limits body sizes.

Routes (all under /reconcile, the service URL):

    GET  /reconcile                    the manifest (JSONP with callback=), or with queries= a batch
    POST /reconcile                    a batch in the form field `queries`
    GET  /reconcile/suggest/entity     prefix search: prefix, cursor, limit, type
    GET  /reconcile/preview?id=ID      a small HTML card
    GET  /reconcile/entity/ID          the entity's page (HTML; JSON with format=json or
                                       Accept: application/json)

Every error is a JSON object {"error": message, "status": code}.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from canonica.serve import _pages
from canonica.serve._queries import MAX_BODY_BYTES, MAX_QUERY_CHARS, BadRequest, parse_batch
from canonica.serve._reload import Current
from canonica.serve._service import MAX_SUGGEST_LIMIT, SUGGEST_LIMIT, Service

_CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-max-age": "86400",
}
#: A JSONP callback: a JavaScript name or a dotted path of them, nothing that could run code.
_CALLBACK = re.compile(r"[A-Za-z_$][\w$]{0,99}(\.[A-Za-z_$][\w$]{0,99}){0,9}")
#: Pages from the knowledge base load nothing and run nothing.
_HTML_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    "x-content-type-options": "nosniff",
}


class BodyTooLarge(Exception):
    """A request body over the service's limit."""


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps({"error": message, "status": status}, ensure_ascii=False)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json(request: Request, body: bytes, status: int = 200) -> Response:
    """JSON, or JSONP when a GET request names a `callback`."""
    callback = request.query_params.get("callback") if request.method == "GET" else None
    if callback is None:
        return Response(body, status_code=status, media_type="application/json")
    if not _CALLBACK.fullmatch(callback):
        raise BadRequest("callback: expected a JavaScript function name such as jsonp123")
    script = b"/**/" + callback.encode("ascii") + b"(" + body + b");"
    return Response(
        script,
        status_code=status,
        media_type="application/javascript",
        headers={"x-content-type-options": "nosniff"},
    )


def _answer(service: Service, raw: str) -> bytes:
    """A batch serialized as JSON -> the result batch as JSON bytes (runs on a worker thread;
    the matching inside runs with the GIL released)."""
    queries = parse_batch(raw, service.settings.batch_size)
    return _dumps(service.reconcile(queries))


def _int_parameter(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name}: expected an integer, not {raw[:50]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name}: expected an integer from {low} to {high}, not {value}")
    return value


class ReconciliationApp:
    """The reconciliation service as an ASGI application, answering with `current.service`
    (which a reload may replace at any time)."""

    def __init__(self, current: Current, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.current = current
        self.max_body_bytes = max_body_bytes
        self.app = Starlette(
            routes=[
                Route("/", self.root, methods=["GET"]),
                Route("/reconcile", self.reconcile, methods=["GET", "POST"]),
                Route("/reconcile/suggest/entity", self.suggest, methods=["GET"]),
                Route("/reconcile/preview", self.preview, methods=["GET"]),
                Route("/reconcile/entity/{id:path}", self.view, methods=["GET"]),
            ],
            exception_handlers={
                BadRequest: self._bad_request,
                BodyTooLarge: self._too_large,
                HTTPException: self._http_error,
                Exception: self._internal_error,
            },
        )

    # -- the ASGI layer -------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(_CORS_HEADERS)
            await send(message)

        if scope["method"] == "OPTIONS":
            await self._preflight(scope, send_with_cors)
            return
        length = _content_length(scope)
        if length is not None and length > self.max_body_bytes:
            await self._too_large_response()(scope, receive, send_with_cors)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        await self.app(scope, limited_receive, send_with_cors)

    async def _preflight(self, scope: Scope, send: Send) -> None:
        requested = dict(scope["headers"]).get(b"access-control-request-headers", b"")
        headers = [(b"allow", b"GET, POST, OPTIONS")]
        if requested:
            headers.append((b"access-control-allow-headers", requested))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    # -- errors ---------------------------------------------------------------------------

    def _too_large_response(self) -> Response:
        return _error(413, f"request body over {self.max_body_bytes:,} bytes, this service's limit")

    async def _bad_request(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadRequest)
        return _error(exc.status, exc.message)

    async def _too_large(self, request: Request, exc: Exception) -> Response:
        return self._too_large_response()

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = exc.detail
        if exc.status_code == 404:
            message = f"no such page: {request.url.path}; the service is at /reconcile"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        return _error(exc.status_code, message, headers=exc.headers)

    async def _internal_error(self, request: Request, exc: Exception) -> Response:
        return _error(500, "internal error; the service's log says more")

    # -- routes ---------------------------------------------------------------------------

    @staticmethod
    def _base(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    async def root(self, request: Request) -> Response:
        return RedirectResponse(f"{self._base(request)}/reconcile")

    async def reconcile(self, request: Request) -> Response:
        service = self.current.service
        raw: Any
        if request.method == "POST":
            form = await request.form()
            raw = form.get("queries")
            if raw is None:
                raise BadRequest(
                    "missing the form field 'queries': POST the batch as JSON in it "
                    "(application/x-www-form-urlencoded or multipart/form-data)"
                )
            if not isinstance(raw, str):
                raise BadRequest("queries: expected a form field, not a file")
        else:
            raw = request.query_params.get("queries")
            if raw is None:
                return _json(request, _dumps(service.manifest(self._base(request))))
        return _json(request, await run_in_threadpool(_answer, service, raw))

    async def suggest(self, request: Request) -> Response:
        service = self.current.service
        prefix = request.query_params.get("prefix")
        if prefix is None:
            raise BadRequest("missing the parameter 'prefix'")
        if len(prefix) > MAX_QUERY_CHARS:
            raise BadRequest(
                f"prefix: {len(prefix)} characters; at most {MAX_QUERY_CHARS} are accepted"
            )
        cursor = _int_parameter(request, "cursor", 0, 0, 1_000_000)
        limit = _int_parameter(request, "limit", SUGGEST_LIMIT, 1, MAX_SUGGEST_LIMIT)
        kind = request.query_params.get("type") or None
        result = await run_in_threadpool(service.suggest, prefix, cursor, limit, kind)
        return _json(request, _dumps(result))

    def _entity(self, service: Service, id: str | None) -> Any:
        if id is None:
            raise BadRequest("missing the parameter 'id'")
        entity = service.entity(id)
        if entity is None:
            raise BadRequest(f"no entity with id {json.dumps(id, ensure_ascii=False)}", 404)
        return entity

    async def preview(self, request: Request) -> Response:
        entity = self._entity(self.current.service, request.query_params.get("id"))
        return HTMLResponse(_pages.preview(entity), headers=_HTML_HEADERS)

    async def view(self, request: Request) -> Response:
        entity = self._entity(self.current.service, request.path_params["id"])
        accept = request.headers.get("accept", "")
        wants_json = request.query_params.get("format") == "json" or (
            "application/json" in accept and "text/html" not in accept
        )
        if wants_json:
            return _json(request, _dumps(Service.entity_json(entity)))
        return HTMLResponse(_pages.entity_page(entity), headers=_HTML_HEADERS)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
