"""Progress bars for `progress=True` (`resolve_many`, `resolve_frame`, `link_many`): tqdm's when
it is installed (`pip install 'canonica[progress]'`), otherwise a one-line bar of canonica's own.
Both write to standard error. The compiled core calls `bar` through the hook the package
registers, then calls the bar with `(done, total)` after each chunk and `close()` at the end."""

from __future__ import annotations

import sys
import time
from typing import Any


class _PlainBar:
    """A one-line bar on standard error: `resolving  42% 4200/10000`, redrawn at most ten times
    a second."""

    def __init__(self, total: int, what: str) -> None:
        self.total = total
        self.what = what
        self.drawn = 0.0
        self.open = True

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.open or (done < total and now - self.drawn < 0.1):
            return
        self.drawn = now
        percent = done * 100 // total if total else 100
        sys.stderr.write(f"\r{self.what} {percent:3d}% {done}/{total}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.open:
            self.open = False
            sys.stderr.write("\n")
            sys.stderr.flush()


class _TqdmBar:
    """A tqdm bar moved to `done` at each call."""

    def __init__(self, tqdm: Any, total: int, what: str) -> None:
        self.bar = tqdm(total=total, desc=what, unit="it", file=sys.stderr, dynamic_ncols=True)

    def __call__(self, done: int, total: int) -> None:
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def bar(total: int, what: str) -> Any:
    """A progress bar for `total` items labelled `what`: tqdm's when it can be imported."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _PlainBar(total, what)
    return _TqdmBar(tqdm, total, what)
