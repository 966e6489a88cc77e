"""Running the service: a socket bound before anything is printed, uvicorn serving the
application on it, an optional reloader, and a clean stop on SIGINT and SIGTERM (uvicorn
finishes the requests under way, then the signal takes its usual course)."""

from __future__ import annotations

import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import IO

import uvicorn

from canonica.serve._app import ReconciliationApp
from canonica.serve._reload import DEFAULT_RELOAD_INTERVAL, Current, Reloader
from canonica.serve._service import Service

#: Seconds uvicorn waits for requests under way when told to stop.
GRACEFUL_SHUTDOWN_SECONDS = 10


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, so that asyncio turns Nagle's algorithm off on each connection (it
    # does for TCP sockets only): a response's head and body go out at once, not 40 ms apart.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def service_url(sock: socket.socket) -> str:
    """The URL of the service listening on `sock`: http://HOST:PORT/reconcile."""
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/reconcile"


def run(
    build: Callable[[], Service],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    watch: str | None = None,
    reload: bool = False,
    reload_interval: float = DEFAULT_RELOAD_INTERVAL,
    access_log: bool = False,
    out: IO[str] | None = None,
) -> None:
    """Builds the service, binds HOST:PORT, prints the service URL on `out` (standard output;
    what it serves goes to standard error)
    and serves until SIGINT or SIGTERM. With `reload`, the file `watch` is watched and SIGHUP
    rebuilds the service too (see `Reloader`)."""
    out = out or sys.stdout
    reloader = Reloader(build, watch, reload_interval) if reload else None
    current = reloader.current if reloader is not None else Current(build())
    sock = _bind(host, port)
    previous_sighup = None
    try:
        if reloader is not None:
            reloader.start()
            on_main_thread = threading.current_thread() is threading.main_thread()
            if on_main_thread and hasattr(signal, "SIGHUP"):  # no SIGHUP on Windows
                request = reloader.request
                previous_sighup = signal.signal(signal.SIGHUP, lambda signum, frame: request())
        config = uvicorn.Config(
            ReconciliationApp(current),
            log_level="info" if access_log else "warning",
            access_log=access_log,
            lifespan="off",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            server_header=False,
        )
        service = current.service
        sys.stderr.write(
            f"canonica serve: {service.settings.name}: {len(service):,} entities; "
            "Ctrl-C stops it. Add this URL to OpenRefine as a standard service:\n"
        )
        sys.stderr.flush()
        out.write(f"{service_url(sock)}\n")
        out.flush()
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if previous_sighup is not None:
            signal.signal(signal.SIGHUP, previous_sighup)
        if reloader is not None:
            reloader.stop()
        sock.close()
