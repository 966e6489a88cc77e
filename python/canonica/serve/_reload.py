"""Reloading the knowledge base while serving.

The service in use is one reference (`Current.service`). A reload builds a whole new `Service`
on a background thread, off to the side, and then replaces the reference in one assignment:
a request reads the reference once when it starts and finishes on the service it read, so no
request is dropped and none sees half of each. A reload that fails (the file is malformed, or
half written) leaves the previous service in place and says why on standard error.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable

from canonica.serve._service import Service

#: Seconds between two looks at the knowledge-base file with --reload.
DEFAULT_RELOAD_INTERVAL = 2.0


class Current:
    """The service requests are answered with; replaced whole by a reload."""

    def __init__(self, service: Service) -> None:
        self.service = service
        #: How many reloads replaced the service (for tests and the log).
        self.generation = 0


def _signature(path: str) -> tuple[int, int, int] | None:
    """What tells that a file changed: its modification time, size and inode."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class Reloader:
    """Builds the service with `build` (into `current`), then watches the knowledge-base file
    (`path`; None for a built-in one) every `interval` seconds once started, and rebuilds the
    service when the file changed and then stayed the same for one interval (so a file being
    written is not read half way); `request()` (the SIGHUP handler) rebuilds at once whatever
    the file's state."""

    def __init__(
        self,
        build: Callable[[], Service],
        path: str | None,
        interval: float = DEFAULT_RELOAD_INTERVAL,
        log: Callable[[str], None] | None = None,
    ) -> None:
        # The file as it was before the first build: a change during the build is seen.
        self._loaded = _signature(path) if path else None
        self.current = Current(build())
        self.build = build
        self.path = path
        self.interval = interval
        self.log = log or _stderr
        self._wake = threading.Event()
        self._requested = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="canonica-reload", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def request(self) -> None:
        """Reload as soon as possible (safe to call from a signal handler)."""
        self._requested = True
        self._wake.set()

    def _run(self) -> None:
        loaded = seen = self._loaded
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stopping:
                return
            now = _signature(self.path) if self.path else None
            # A change counts once the file stayed as it is for one interval.
            changed = now is not None and now != loaded and now == seen
            seen = now
            if self._requested or changed:
                self._requested = False
                loaded = now
                self._reload()

    def _reload(self) -> None:
        started = time.perf_counter()
        try:
            service = self.build()
        except Exception as exc:  # any failure keeps the service that works
            self.log(f"reload failed, still serving the previous knowledge base: {exc}")
            return
        self.current.service = service
        self.current.generation += 1
        seconds = time.perf_counter() - started
        self.log(f"reloaded {len(service):,} entities in {seconds:.1f} s")


def _stderr(message: str) -> None:
    sys.stderr.write(f"canonica serve: {message}\n")
    sys.stderr.flush()
