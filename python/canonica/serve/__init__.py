"""`canonica serve`: an OpenRefine reconciliation service (Reconciliation Service API 0.2) over
any knowledge base. Needs the `serve` extra: `pip install 'canonica[serve]'`.

The service is an ASGI application; `create_app` makes one for a resolver, to run under any
ASGI server or to mount in another application:

    import canonica
    from canonica.serve import create_app

    app = create_app(canonica.Resolver(canonica.countries()), name="Countries")
    # uvicorn.run(app, port=8000)  ->  http://127.0.0.1:8000/reconcile

`docs/serve.md` describes every endpoint, option and limit.
"""

from __future__ import annotations

import canonica
from canonica.serve._app import ReconciliationApp
from canonica.serve._queries import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_LIMIT,
    MAX_BODY_BYTES,
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    BadRequest,
    Query,
    parse_batch,
)
from canonica.serve._reload import DEFAULT_RELOAD_INTERVAL, Current, Reloader
from canonica.serve._run import run, service_url
from canonica.serve._service import Service, Settings

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_LIMIT",
    "DEFAULT_RELOAD_INTERVAL",
    "MAX_BODY_BYTES",
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "BadRequest",
    "Current",
    "Query",
    "ReconciliationApp",
    "Reloader",
    "Service",
    "Settings",
    "create_app",
    "parse_batch",
    "run",
    "service_url",
]


def create_app(
    resolver: canonica.Resolver,
    *,
    name: str = "canonica",
    identifier_space: str | None = None,
    schema_space: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ReconciliationApp:
    """The reconciliation service for `resolver` as an ASGI application, at /reconcile.

    `identifier_space` and `schema_space` are the URIs the manifest announces (default: the
    service's own /reconcile/entity/ and /reconcile/type/ URLs); `batch_size` is the most
    queries one batch may hold (the manifest's batchSize)."""
    settings = Settings(
        name=name,
        identifier_space=identifier_space,
        schema_space=schema_space,
        batch_size=batch_size,
    )
    return ReconciliationApp(Current(Service(resolver, settings)))
