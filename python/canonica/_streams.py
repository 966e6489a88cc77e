"""What the command line reads and writes, checked: standard streams that may be closed, input
lines within the limits the core keeps for knowledge bases, knowledge-base paths that must be
regular files, and JSON Lines records that must come out as valid JSON."""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from collections.abc import Iterator
from typing import IO, Any

from canonica._core import MAX_FILE_BYTES, MAX_LINE_BYTES


class StreamError(Exception):
    """An input or output that cannot be used, reported as a one-line error (exit code 1)."""


def stdin_buffer() -> IO[bytes] | None:
    """The bytes of standard input; None for a text-only replacement of `sys.stdin`. Raises
    StreamError when standard input is closed."""
    if sys.stdin is None:
        raise StreamError(
            "standard input is closed; give the input as a file (--input FILE) or as arguments"
        )
    return getattr(sys.stdin, "buffer", None)


def stdout() -> IO[str]:
    """Standard output; raises StreamError when it is closed."""
    if sys.stdout is None:
        raise StreamError("standard output is closed; write to a file with -o FILE")
    return sys.stdout


def report(message: str) -> None:
    """Writes a line to standard error, unless it is closed."""
    if sys.stderr is not None:
        try:
            sys.stderr.write(message)
            sys.stderr.flush()
        except (OSError, ValueError):
            pass


def _kind_of_file(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular_file(path: str) -> None:
    """Raises StreamError unless `path` is a regular file (or a link to one): a knowledge base
    is read from a file that ends, never from a device, a FIFO or a directory. A missing file
    raises FileNotFoundError."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise StreamError(
            f"{path}: {_kind_of_file(mode)}, not a regular file: knowledge bases are read from "
            "regular files only"
        )


def decoded_lines(stream: IO[bytes], source: str) -> Iterator[str]:
    """The lines of a binary stream, decoded from UTF-8 (a leading BOM is dropped), each with its
    line terminator. A line that is not UTF-8, a line longer than MAX_LINE_BYTES (16 MiB) or more
    than MAX_FILE_BYTES (4 GiB) in all raise StreamError naming `source` and the line, so that
    an endless input (`/dev/zero`) fails within bounded memory."""
    total = 0
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        total += len(raw)
        if len(raw) > MAX_LINE_BYTES:
            raise StreamError(
                f"{source}, line {number}: longer than {MAX_LINE_BYTES:,} bytes, the longest "
                "line canonica reads"
            )
        if total > MAX_FILE_BYTES:
            raise StreamError(
                f"{source}, line {number}: the input is longer than {MAX_FILE_BYTES:,} bytes, "
                "the most canonica reads"
            )
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise StreamError(
                f"{source}, line {number}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at "
                f"column {exc.start + 1})"
            ) from None


class JsonValueError(ValueError):
    """A JSON value that has no lossless JSON form in the output; `field` names its key."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _no_constant(name: str) -> Any:
    raise JsonValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonValueError(f"the number {text} is too large for a 64-bit float")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        if key in record:
            raise JsonValueError(f"the key {key!r} is given twice in one object", key)
        record[key] = value
    return record


def strict_json(line: str) -> Any:
    """A JSON value, refusing what could not be written back as the same valid JSON: NaN and
    Infinity (not JSON), numbers beyond a 64-bit float, and a key given twice in one object
    (which would keep only its last value). Raises JsonValueError for those and
    json.JSONDecodeError for malformed JSON."""
    return json.loads(
        line,
        parse_constant=_no_constant,
        parse_float=_finite,
        object_pairs_hook=_unique_keys,
    )
