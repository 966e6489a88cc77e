"""The `canonica` command line.

Commands:

    canonica resolve [NAMES...] [--kb PATH|countries] [--threshold X] [--margin X] [--kind K]
                     [--column COL] [--input FILE] [-o OUT] [--prefix P] [--delimiter D]
    canonica candidates NAMES... [--kb PATH|countries] [--limit N] [--kind K]
    canonica link [FILE...] [--kb PATH|countries] [--kind K] [--fuzzy] [--format jsonl|annotated]
                  [-o OUT]
    canonica cluster [--column COL] [--input FILE] [-o OUT] [--kb-out FILE] [--kb PATH]
                     [--threshold X] [--prefix P] [--delimiter D]
    canonica normalize [TEXTS...]
    canonica serve [--kb PATH|countries] [--host H] [--port N] [--threshold X] [--name NAME]
                   [--reload] ... (an OpenRefine reconciliation service; docs/serve.md)

`resolve` reads names from its arguments, from the column COL of a CSV, TSV or JSON Lines table
(`--input FILE`, or standard input), or one per line from standard input, and writes every input
row, unchanged and in order, with `{prefix}id`, `{prefix}name` and `{prefix}score` appended
(`canonica_id`, `canonica_name` and `canonica_score` by default, so that input columns called
`id`, `name` or `score` are kept).

`candidates` prints every entity each name may refer to, best first, with its score and the
evidence for it, one JSON object per line.

`cluster` groups the names of a column that mean the same entity, without a knowledge base, and
writes every input row with `{prefix}id` and `{prefix}name` (the cluster's canonical name)
appended; `--kb-out` writes the clusters as a JSON Lines knowledge base for `--kb`.

`normalize` prints the normalized form of each argument, or of each line of standard input.

Exit codes:

    0    success
    1    error: an unreadable or malformed knowledge base or input file, an invalid argument
         value (such as a threshold outside [0, 1]), any CanonicaError, an I/O error; the
         message goes to standard error as `canonica: error: <message>`, without a traceback
         (a closed output pipe, as in `canonica resolve ... | head`, exits 1 silently)
    2    usage error (reported by argparse)
    130  interrupted by SIGINT (Ctrl-C); no partial or temporary `-o` output file is left behind,
         and a file it would have replaced is left as it was
    143  terminated by SIGTERM; the same guarantees as for 130
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import canonica
from canonica import _cluster, _streams
from canonica._frames import DEFAULT_PREFIX

__all__ = ["load_resolver", "main"]

PROG = "canonica"
#: Names are resolved `BATCH_SIZE` at a time with `Resolver.resolve_many`.
BATCH_SIZE = 10_000
#: A progress bar is shown on a terminal when there are more rows than this.
PROGRESS_MIN_ROWS = 10_000

_JSONL_EXTENSIONS = (".jsonl", ".ndjson")
#: The `--kb` value (and default) that selects the built-in countries knowledge base.
BUILTIN_COUNTRIES = "countries"
_SAVED_RESOLVER_MAGIC = b"CANONICA"


class CliError(Exception):
    """An error reported as `canonica: error: <message>` with exit code 1."""


class _Terminated(BaseException):
    """Raised by the SIGTERM handler, so that cleanup runs as for Ctrl-C."""


# The signal that interrupted the run, if one did. A handler's exception can be lost when the
# signal arrives while Python runs a finalizer (the garbage collector, during the conversion of a
# large result): the flag is checked again before an output file replaces its predecessor and
# before the command reports success.
_signalled: int | None = None


def _on_sigterm(signum: int, frame: object) -> None:
    global _signalled
    _signalled = signal.SIGTERM
    raise _Terminated


def _on_sigint(signum: int, frame: object) -> None:
    global _signalled
    _signalled = signal.SIGINT
    raise KeyboardInterrupt


def _unraisable(info: Any) -> None:
    """Keeps quiet about a signal's exception lost in a finalizer (the flag carries it on);
    anything else goes to Python's own report."""
    if _signalled is not None and isinstance(info.exc_value, (_Terminated, KeyboardInterrupt)):
        return
    sys.__unraisablehook__(info)


def _raise_if_signalled() -> None:
    """Raises the exception of a signal that arrived, in case its handler's was lost."""
    if _signalled == signal.SIGTERM:
        raise _Terminated
    if _signalled == signal.SIGINT:
        raise KeyboardInterrupt


# --------------------------------------------------------------------------------------------
# Knowledge bases


def load_resolver(
    kb: str, threshold: float | None, margin: float | None = None
) -> canonica.Resolver:
    """The resolver for `--kb`: a saved resolver (a file starting with `CANONICA`), or a
    knowledge base read according to its extension (.jsonl/.ndjson, .json, .csv, .tsv).

    This is the one place that turns a `--kb` value into a resolver (built-in knowledge bases
    known by name belong here too). Raises canonica.CanonicaError for a malformed or unknown
    knowledge base or a bad threshold, OSError when the file cannot be read.
    """
    if kb == BUILTIN_COUNTRIES and not os.path.exists(kb):
        return canonica.Resolver(canonica.countries(), threshold=threshold, margin=margin)
    # Before opening it: opening a FIFO waits for a writer.
    _streams.check_regular_file(kb)
    with open(kb, "rb") as f:
        magic = f.read(len(_SAVED_RESOLVER_MAGIC))
    if magic == _SAVED_RESOLVER_MAGIC:
        resolver = canonica.Resolver.load(kb)
        if threshold is None and margin is None:
            return resolver
        return canonica.Resolver(
            resolver.knowledge_base,
            threshold=resolver.threshold if threshold is None else threshold,
            margin=resolver.margin if margin is None else margin,
        )

    extension = os.path.splitext(kb)[1].lower()
    knowledge_base: canonica.KnowledgeBase
    if extension in _JSONL_EXTENSIONS:
        knowledge_base = canonica.KnowledgeBase.from_jsonl(kb)
    elif extension == ".json":
        knowledge_base = canonica.KnowledgeBase.from_json(kb)
    elif extension == ".csv":
        knowledge_base = canonica.KnowledgeBase.from_csv(kb)
    elif extension == ".tsv":
        knowledge_base = canonica.KnowledgeBase.from_csv(kb, delimiter="\t")
    else:
        raise canonica.CanonicaError(
            f"{kb}: unknown knowledge-base format: expected a saved resolver or a .jsonl, "
            ".ndjson, .json, .csv or .tsv file"
        )
    return canonica.Resolver(knowledge_base, threshold=threshold, margin=margin)


# --------------------------------------------------------------------------------------------
# Reading input


@dataclass
class Table:
    """Input rows and the name to resolve in each."""

    columns: list[str]
    names: list[str | None]
    #: Field lists, one per row (CSV, TSV, names); empty for JSON Lines input.
    rows: list[list[str]] = field(default_factory=list)
    #: The objects of JSON Lines input, one per row; None for other input.
    records: list[dict[str, Any]] | None = None
    #: The delimiter of CSV input (the default for CSV output).
    delimiter: str = ","


_decoded_lines = _streams.decoded_lines


def _input_lines(path: str | None) -> tuple[Iterator[str], str, Callable[[], None]]:
    """The decoded lines of `path` (standard input for None or "-"), the name to use in
    messages, and a function that closes the file."""
    if path is None or path == "-":
        buffer = _streams.stdin_buffer()
        if buffer is None:  # a text-only replacement of sys.stdin
            return iter(sys.stdin), "<stdin>", lambda: None
        return _decoded_lines(buffer, "<stdin>"), "<stdin>", lambda: None
    stream = open(path, "rb")  # closed by the returned function
    return _decoded_lines(stream, path), path, stream.close


def _strip_line_end(line: str) -> str:
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line


def _read_lines(lines: Iterable[str]) -> Table:
    """One name per line; blank lines are rows too."""
    values = [_strip_line_end(line) for line in lines]
    return Table(
        columns=["input"],
        names=[value or None for value in values],
        rows=[[value] for value in values],
    )


def _read_csv(lines: Iterable[str], source: str, column: str, delimiter: str) -> Table:
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    start = 1
    try:
        header = next(reader, None)
        if not header:
            raise CliError(f"{source}: no header row; expected one naming the column {column!r}")
        if column not in header:
            available = ", ".join(repr(name) for name in header)
            raise CliError(f"{source}: no column {column!r}; the columns are {available}")
        if header.count(column) > 1:
            raise CliError(f"{source}: the column {column!r} appears more than once")
        index = header.index(column)
        rows: list[list[str]] = []
        start = reader.line_num + 1
        for row in reader:
            if len(row) != len(header):
                if row:
                    raise CliError(
                        f"{source}, line {start}: {len(row)} fields, but the header has "
                        f"{len(header)}"
                    )
                if len(header) > 1:  # a blank line holds no row of a table with columns
                    start = reader.line_num + 1
                    continue
                row = [""]  # a blank line of a one-column table: an empty value
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CliError(f"{source}, line {start}: malformed CSV: {exc}") from None
    return Table(
        columns=header,
        names=[row[index] or None for row in rows],
        rows=rows,
        delimiter=delimiter,
    )


def _read_jsonl(lines: Iterable[str], source: str, column: str) -> Table:
    records: list[dict[str, Any]] = []
    names: list[str | None] = []
    columns: dict[str, None] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = _streams.strict_json(line)
        except json.JSONDecodeError as exc:
            raise CliError(
                f"{source}, line {number}: malformed JSON: {exc.msg} (column {exc.colno})"
            ) from None
        except _streams.JsonValueError as exc:
            field = "" if exc.field is None else f", field {exc.field!r}"
            raise CliError(f"{source}, line {number}{field}: {exc}") from None
        except ValueError as exc:  # an integer of more digits than Python converts
            raise CliError(f"{source}, line {number}: {exc}") from None
        except RecursionError:
            raise CliError(f"{source}, line {number}: JSON nested too deeply") from None
        if not isinstance(record, dict):
            raise CliError(
                f"{source}, line {number}: expected a JSON object, not {_json_type(record)}"
            )
        if column not in record:
            raise CliError(f"{source}, line {number}, field {column!r}: missing")
        value = record[column]
        if value is not None and not isinstance(value, str):
            raise CliError(
                f"{source}, line {number}, field {column!r}: expected a string or null, "
                f"not {_json_type(value)}"
            )
        records.append(record)
        names.append(value or None)
        columns.update(dict.fromkeys(record))
    return Table(columns=list(columns), names=names, records=records)


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return "a string"


def _is_jsonl(path: str | None) -> bool:
    return path is not None and path.lower().endswith(_JSONL_EXTENSIONS)


def _read_input(args: argparse.Namespace) -> Table:
    if args.names:
        names: list[str] = args.names
        return Table(
            columns=["input"],
            names=[name or None for name in names],
            rows=[[name] for name in names],
            delimiter=args.delimiter or ",",
        )
    path: str | None = args.input
    lines, source, close = _input_lines(path)
    try:
        if args.column is None:
            table = _read_lines(lines)
            table.delimiter = args.delimiter or ","
            return table
        if _is_jsonl(path):
            return _read_jsonl(lines, source, args.column)
        delimiter = args.delimiter
        if delimiter is None:
            delimiter = "\t" if path is not None and path.lower().endswith(".tsv") else ","
        return _read_csv(lines, source, args.column, delimiter)
    finally:
        close()


# --------------------------------------------------------------------------------------------
# Resolving


class _Progress:
    """A one-line progress bar on standard error, shown only on a terminal."""

    def __init__(self, total: int, label: str = "resolving") -> None:
        self.total = total
        self.label = label
        self.shown = total > PROGRESS_MIN_ROWS and sys.stderr is not None and sys.stderr.isatty()

    def update(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        if self.shown and self.total:
            percent = done * 100 // self.total
            sys.stderr.write(f"\r{self.label} {percent:3d}% {done}/{self.total}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.shown = False


def _resolve_all(
    resolver: canonica.Resolver, names: Sequence[str | None], kind: str | None
) -> list[canonica.Match | None]:
    results: list[canonica.Match | None] = []
    progress = _Progress(len(names))
    try:
        progress.update(0)
        for start in range(0, len(names), BATCH_SIZE):
            results.extend(resolver.resolve_many(names[start : start + BATCH_SIZE], kind=kind))
            progress.update(len(results))
    finally:
        progress.close()
    return results


# --------------------------------------------------------------------------------------------
# Writing output


def _format_score(score: float) -> str:
    text = f"{score:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _csv_cell(value: Any) -> str:
    """A JSON value as a CSV cell: strings as they are, null as empty, others as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _match_cells(match: canonica.Match | None) -> list[str]:
    """The cells `resolve` appends to a CSV row: id, name, score (empty without a match)."""
    if match is None:
        return ["", "", ""]
    return [match.id, match.name, _format_score(match.score)]


def _match_values(match: canonica.Match | None) -> list[Any]:
    """The values `resolve` adds to a JSON Lines record: id, name, score (null without one)."""
    if match is None:
        return [None, None, None]
    return [match.id, match.name, round(match.score, 4)]


def _write_csv(
    out: IO[str],
    table: Table,
    cells: Sequence[Sequence[str]],
    added: Sequence[str],
    delimiter: str,
) -> None:
    """Writes every input row with `cells[i]` appended to row i, under the header `added`."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    # The csv module quotes a cell with a line break only when the break is part of the line
    # terminator: a lone carriage return would go out unquoted and split its row in two when
    # read back. Rows with one are written with every cell quoted.
    quoted = csv.writer(out, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def write_row(row: list[str]) -> None:
        (quoted if any("\r" in cell for cell in row) else writer).writerow(row)

    write_row([*table.columns, *added])
    for index, extra in enumerate(cells):
        if table.records is not None:
            record = table.records[index]
            row = [_csv_cell(record.get(column)) for column in table.columns]
        else:
            row = list(table.rows[index])
        write_row([*row, *extra])


def _write_jsonl(
    out: IO[str], table: Table, values: Sequence[Sequence[Any]], added: Sequence[str]
) -> None:
    """Writes every input row as a JSON object with the keys `added` set to `values[i]`."""
    if table.records is None and len(set(table.columns)) != len(table.columns):
        duplicated = sorted({c for c in table.columns if table.columns.count(c) > 1})
        raise CliError(
            f"cannot write JSON Lines: the input has duplicate columns {', '.join(duplicated)}"
        )
    for index, extra in enumerate(values):
        record: dict[str, Any]
        if table.records is not None:
            record = dict(table.records[index])
        else:
            record = dict(zip(table.columns, table.rows[index], strict=True))
        record.update(zip(added, extra, strict=True))
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")


def _write_atomically(path: str, write: Callable[[IO[str]], None]) -> None:
    """Writes `path` through a temporary file in the same directory, renamed over `path` only
    when everything was written; on any error or interruption the temporary file is removed."""
    directory = os.path.dirname(os.path.abspath(path))
    # The name is chosen before the file is created, so that a signal arriving at any moment
    # after the creation finds a name to remove (tempfile.mkstemp would create the file before
    # returning its name).
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, _new_file_mode(path))
        _raise_if_signalled()
        os.replace(temporary, path)
    except BaseException as exc:
        if not isinstance(exc, FileExistsError):  # never another writer's file
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
        if isinstance(exc, OSError) and exc.filename in (None, temporary):
            # Name the file the user asked for, not the temporary one.
            exc.filename, exc.filename2 = path, None
        raise


def _new_file_mode(path: str) -> int:
    """The permissions of the file `path` replaces, or those a new file gets."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def _output_format(args: argparse.Namespace, table: Table) -> tuple[str, str]:
    """("jsonl" or "csv", the CSV delimiter)."""
    out: str | None = None if args.output in (None, "-") else args.output
    if out is None:
        if table.records is not None:
            return "jsonl", ","
        return "csv", table.delimiter
    lowered = out.lower()
    if lowered.endswith(_JSONL_EXTENSIONS):
        return "jsonl", ","
    if lowered.endswith(".tsv"):
        return "csv", "\t"
    if lowered.endswith(".csv") or table.records is not None:
        return "csv", args.delimiter or ","
    return "csv", table.delimiter


# --------------------------------------------------------------------------------------------
# Commands


def _emit(output: str | None, write: Callable[[IO[str]], None]) -> None:
    """Writes to standard output, or to `output` atomically."""
    if output is None or output == "-":
        out = _streams.stdout()
        write(out)
        out.flush()
    else:
        _write_atomically(output, write)


def _cmd_resolve(args: argparse.Namespace) -> int:
    prefix: str = args.prefix
    added = [f"{prefix}id", f"{prefix}name", f"{prefix}score"]
    resolver = load_resolver(args.kb, args.threshold, args.margin)
    table = _read_input(args)
    collisions = [column for column in added if column in table.columns]
    if collisions:
        raise CliError(
            f"the input already has a column named {collisions[0]!r}, which the results would "
            "replace; choose another prefix for the added columns, e.g. --prefix match_"
        )
    results = _resolve_all(resolver, table.names, args.kind)
    output_format, delimiter = _output_format(args, table)

    def write(out: IO[str]) -> None:
        if output_format == "jsonl":
            _write_jsonl(out, table, [_match_values(m) for m in results], added)
        else:
            _write_csv(out, table, [_match_cells(m) for m in results], added, delimiter)

    _emit(args.output, write)
    return 0


def _cmd_cluster(args: argparse.Namespace) -> int:
    prefix: str = args.prefix
    added = [f"{prefix}id", f"{prefix}name"]
    kb = None if args.kb is None else load_resolver(args.kb, None)
    args.names = []
    table = _read_input(args)
    collisions = [column for column in added if column in table.columns]
    if collisions:
        raise CliError(
            f"the input already has a column named {collisions[0]!r}; choose a prefix for the "
            "added columns, e.g. --prefix group_"
        )
    progress = _Progress(len(table.names), "clustering")
    try:
        progress.update(0)
        clustering = canonica.cluster(
            table.names, threshold=args.threshold, kb=kb, progress=progress.update
        )
    finally:
        progress.close()
    ids, names = _cluster.cluster_columns(clustering)
    output_format, delimiter = _output_format(args, table)

    def write(out: IO[str]) -> None:
        if output_format == "jsonl":
            _write_jsonl(out, table, list(zip(ids, names, strict=True)), added)
        else:
            cells = [[i or "", n or ""] for i, n in zip(ids, names, strict=True)]
            _write_csv(out, table, cells, added, delimiter)

    if args.kb_out is not None:
        knowledge_base = clustering.to_knowledge_base()
        _write_atomically(
            args.kb_out, lambda out: _cluster.write_knowledge_base(out, knowledge_base)
        )
    _emit(args.output, write)
    return 0


def _annotate(text: str, mentions: list[canonica.Mention]) -> str:
    """The text with each mention written as [mention](id)."""
    parts: list[str] = []
    at = 0
    for m in mentions:
        parts.append(text[at : m.start])
        parts.append(f"[{m.text}]({m.id})")
        at = m.end
    parts.append(text[at:])
    return "".join(parts)


def _cmd_link(args: argparse.Namespace) -> int:
    resolver = load_resolver(args.kb, None)
    sources: list[str | None] = list(args.files) or [None]

    def write(out: IO[str]) -> None:
        for source in sources:
            lines, name, close = _input_lines(source)
            try:
                text = "".join(lines)
            finally:
                close()
            mentions = resolver.link(text, kind=args.kind, fuzzy=args.fuzzy)
            if args.format == "annotated":
                out.write(_annotate(text, mentions))
                continue
            for m in mentions:
                record = {
                    "file": name,
                    "start": m.start,
                    "end": m.end,
                    "text": m.text,
                    "id": m.id,
                    "name": m.name,
                    "score": m.score,
                    "kind": m.kind,
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")

    _emit(args.output, write)
    return 0


def _cmd_candidates(args: argparse.Namespace) -> int:
    resolver = load_resolver(args.kb, None)
    out = _streams.stdout()
    for query in args.names:
        for rank, m in enumerate(resolver.candidates(query, limit=args.limit, kind=args.kind), 1):
            record = {
                "query": query,
                "rank": rank,
                "id": m.id,
                "name": m.name,
                "score": round(m.score, 4),
                "alias": m.alias,
                "method": m.method,
                "kind": m.kind,
                "evidence": m.evidence,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def _cmd_normalize(args: argparse.Namespace) -> int:
    texts: Iterable[str]
    if args.texts:
        texts = args.texts
    else:
        lines, _, close = _input_lines(None)
        try:
            texts = [_strip_line_end(line) for line in lines]
        finally:
            close()
    out = _streams.stdout()
    for text in texts:
        out.write(canonica.normalize(text))
        out.write("\n")
    out.flush()
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        from canonica import serve
    except ImportError as exc:
        raise CliError(
            f"serve needs Starlette and uvicorn ({exc}); install them with "
            "pip install 'canonica[serve]'"
        ) from None
    builtin = args.kb == BUILTIN_COUNTRIES and not os.path.exists(args.kb)
    if args.reload and builtin:
        raise CliError("--reload watches a knowledge-base file; the built-in countries has none")
    settings = serve.Settings(
        name=args.name or f"canonica: {os.path.basename(args.kb)}",
        identifier_space=args.identifier_space,
        schema_space=args.schema_space,
        batch_size=args.batch_size,
    )

    def build() -> serve.Service:
        return serve.Service(load_resolver(args.kb, args.threshold), settings)

    serve.run(
        build,
        host=args.host,
        port=args.port,
        watch=None if builtin else args.kb,
        reload=args.reload,
        reload_interval=args.reload_interval,
        access_log=args.access_log,
    )
    return 0


# --------------------------------------------------------------------------------------------
# Arguments


def _delimiter(value: str) -> str:
    if value in ("\\t", "tab", "TAB"):
        return "\t"
    if len(value) != 1 or value in ('"', "\r", "\n"):
        raise argparse.ArgumentTypeError(f"must be a single character (or \\t), not {value!r}")
    return value


def _read_records(path: str) -> canonica.KnowledgeBase:
    """The records of a changes file, read by its extension as a knowledge base is."""
    extension = os.path.splitext(path)[1].lower()
    if extension == ".json":
        return canonica.KnowledgeBase.from_json(path)
    if extension == ".csv":
        return canonica.KnowledgeBase.from_csv(path)
    if extension == ".tsv":
        return canonica.KnowledgeBase.from_csv(path, delimiter="\t")
    return canonica.KnowledgeBase.from_jsonl(path)


def _read_ids(path: str) -> list[str]:
    """The ids of a removals file: JSON Lines records with an `id` (.jsonl, .ndjson), or one id
    per line; blank lines are skipped."""
    ids: list[str] = []
    with open(path, "rb") as f:
        for number, line in enumerate(_decoded_lines(f, path), start=1):
            line = line.strip()
            if not line:
                continue
            if not path.lower().endswith(_JSONL_EXTENSIONS):
                ids.append(line)
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise CliError(f"{path}, line {number}: malformed JSON ({exc.args[0]})") from None
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise CliError(f"{path}, line {number}, field 'id': expected a record with an id")
            ids.append(record["id"])
    return ids


def _cmd_update(args: argparse.Namespace) -> int:
    resolver = load_resolver(args.kb, args.threshold)
    # Each file is one atomic call; nothing is written unless every call succeeds.
    for path in args.remove or []:
        try:
            resolver.remove(_read_ids(path))
        except canonica.CanonicaError as exc:
            raise CliError(f"{path}: {exc}") from None
    for path in args.update or []:
        resolver.update(_read_records(path))
    for path in args.add or []:
        try:
            resolver.add(_read_records(path))
        except canonica.CanonicaError as exc:
            raise CliError(f"{path}: {exc}") from None
    resolver.save(args.output)
    _streams.report(f"{PROG}: {len(resolver)} entities saved to {args.output}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `canonica` command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Resolve the many ways people write a name to one canonical ID.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            "canonica resolve 'U.A.E.' Kazakhstani",
            "canonica COMMAND --help",
        )
        + (
            "\n\nexit codes: 0 success, 1 error, 2 usage error, 130 interrupted (SIGINT), "
            "143 terminated (SIGTERM);\nan interrupted run leaves no partial output file."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {canonica.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    resolve = commands.add_parser(
        "resolve",
        help="resolve names to the entities of a knowledge base",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            "canonica resolve 'U.A.E.' Kazakhstani",
            "canonica resolve --kb examples/seed_kb.jsonl --column mention "
            "--input examples/mentions.csv -o resolved.csv",
            "canonica resolve --kb people.jsonl --kind person --column name --input users.csv",
        ),
        description=(
            "Resolve names given as arguments, in the column COL of a CSV, TSV or JSON Lines "
            "table (--input FILE or standard input), or one per line on standard input. Every "
            "input row is written, unchanged and in order, with PREFIXid, PREFIXname and "
            "PREFIXscore appended (empty where nothing matched): canonica_id, canonica_name and "
            "canonica_score by default."
        ),
    )
    resolve.add_argument("names", nargs="*", metavar="NAMES", help="names to resolve")
    resolve.add_argument(
        "--kb",
        default=BUILTIN_COUNTRIES,
        metavar="PATH",
        help=(
            "knowledge base: .jsonl/.ndjson, .json, .csv or .tsv, a saved resolver, or "
            f"'{BUILTIN_COUNTRIES}' for the built-in ISO 3166-1 countries (the default)"
        ),
    )
    resolve.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="X",
        help=f"lowest accepted score, in [0, 1] (default {canonica.DEFAULT_THRESHOLD})",
    )
    resolve.add_argument(
        "--margin",
        type=float,
        default=None,
        metavar="X",
        help=(
            "how far the best entity must score above the next, in [0, 1]; closer than that, "
            f"no answer (default {canonica.DEFAULT_MARGIN}; 0 takes the best above the threshold)"
        ),
    )
    resolve.add_argument("--kind", metavar="K", help="only resolve to entities of this kind")
    resolve.add_argument(
        "--column",
        metavar="COL",
        help="read a table and resolve the names in this column",
    )
    resolve.add_argument(
        "--input",
        metavar="FILE",
        help=(
            "the table to read (default: standard input); its format follows the extension: "
            ".tsv tab-separated, .jsonl/.ndjson JSON Lines, otherwise CSV. Without --column, "
            "a file of one name per line"
        ),
    )
    resolve.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help=(
            "write here (atomically) instead of standard output; .jsonl/.ndjson writes JSON "
            "Lines, otherwise CSV"
        ),
    )
    resolve.add_argument(
        "--prefix",
        default=DEFAULT_PREFIX,
        metavar="P",
        help=(
            f"prefix of the added column names (default {DEFAULT_PREFIX}: {DEFAULT_PREFIX}id, "
            f"{DEFAULT_PREFIX}name, {DEFAULT_PREFIX}score)"
        ),
    )
    _add_delimiter(resolve)
    resolve.set_defaults(func=_cmd_resolve)

    candidates = commands.add_parser(
        "candidates",
        help="list every entity a name may refer to, with scores and evidence",
        description=(
            "For each NAME, print every entity it may refer to, best first and whatever the "
            "score, as one JSON object per line: query, rank, id, name, score, alias (the name "
            "or alias that matched), method, kind and evidence (which words met which)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            "canonica candidates Congo",
            "canonica candidates --kb examples/seed_kb.jsonl --limit 3 Washington Trump",
        ),
    )
    candidates.add_argument("names", nargs="+", metavar="NAME", help="names to look up")
    _add_kb_as_for_resolve(candidates)
    candidates.add_argument(
        "--limit",
        type=_positive(int, 0),
        default=5,
        metavar="N",
        help="most candidates per name (default 5)",
    )
    candidates.add_argument("--kind", metavar="K", help="only entities of this kind")
    candidates.set_defaults(func=_cmd_candidates)

    link = commands.add_parser(
        "link",
        help="find mentions of knowledge-base entities in texts",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            "canonica link --kb examples/seed_kb.jsonl examples/seed_article.txt",
            "echo 'Kazakstan and the U.A.E. signed' | canonica link --fuzzy --format annotated",
        ),
        description=(
            "Find every mention of a knowledge-base entity in each FILE (or standard input) and "
            "print one JSON object per mention: file, start and end (code-point offsets), text, "
            "id, name, score, kind; or, with --format annotated, the text with each mention "
            "written as [mention](id)."
        ),
    )
    link.add_argument("files", nargs="*", metavar="FILE", help="texts to link (default: stdin)")
    _add_kb_as_for_resolve(link)
    link.add_argument("--kind", metavar="K", help="only link entities of this kind")
    link.add_argument(
        "--fuzzy",
        action="store_true",
        help="also link misspelled, capitalized names (Kazakstan); slower",
    )
    link.add_argument(
        "--format",
        choices=["jsonl", "annotated"],
        default="jsonl",
        help="jsonl (default) or annotated text",
    )
    link.add_argument("-o", "--output", metavar="OUT", help="write here (atomically)")
    link.set_defaults(func=_cmd_link)

    update = commands.add_parser(
        "update",
        help="add, update and remove entities of a knowledge base, and save the resolver",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            "canonica update --kb examples/seed_kb.jsonl --add new.jsonl -o seed.canonica",
            "canonica update --kb seed.canonica --remove gone.txt -o seed.canonica",
        ),
        description=(
            "Apply changes to a knowledge base and save the resolver (the binary format "
            "Resolver.save writes, which --kb reads back): --remove FILE removes the ids it "
            "lists (one per line, or JSON Lines records with an id), --update FILE replaces or "
            "adds its records, --add FILE adds its records, whose ids must be new. Records files "
            "are read by extension as --kb is (JSON Lines by default). Files apply in that "
            "order; the output is written only when every change succeeded, atomically, so -o "
            "may name the --kb file itself."
        ),
    )
    update.add_argument(
        "--kb",
        required=True,
        metavar="PATH",
        help=f"the knowledge base or saved resolver to change, or '{BUILTIN_COUNTRIES}'",
    )
    update.add_argument("--add", action="append", metavar="FILE", help="records to add")
    update.add_argument(
        "--update", action="append", metavar="FILE", help="records to replace or add"
    )
    update.add_argument("--remove", action="append", metavar="FILE", help="ids to remove")
    update.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="X",
        help="the saved resolver's threshold (default: the --kb resolver's, or the default)",
    )
    update.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="the saved resolver to write"
    )
    update.set_defaults(func=_cmd_update)

    cluster = commands.add_parser(
        "cluster",
        help="group the names of a column that mean the same entity, without a knowledge base",
        description=(
            "Cluster the names in the column COL of a CSV, TSV or JSON Lines table (--input "
            "FILE or standard input), or one name per line. Every input row is written, "
            "unchanged and in order, with PREFIXid (the cluster's id) and PREFIXname (its "
            "canonical name: the most frequent spelling) appended, empty for an empty name."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            "canonica cluster --column supplier --input examples/suppliers.csv -o clustered.csv",
            "canonica cluster --column name --input names.csv --kb-out clusters.jsonl",
            "canonica cluster --column name --input names.csv --kb kb.jsonl --threshold 0.9",
        ),
    )
    cluster.add_argument(
        "--column", metavar="COL", help="read a table and cluster the names in this column"
    )
    cluster.add_argument(
        "--input",
        metavar="FILE",
        help=(
            "the table to read (default: standard input); its format follows the extension, "
            "as for resolve. Without --column, a file of one name per line"
        ),
    )
    cluster.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write here (atomically) instead of standard output; .jsonl/.ndjson: JSON Lines",
    )
    cluster.add_argument(
        "--kb-out",
        metavar="FILE",
        help="also write the clusters as a JSON Lines knowledge base (atomically)",
    )
    cluster.add_argument(
        "--kb",
        metavar="PATH",
        help="names that resolve against this knowledge base take its ids (as for resolve)",
    )
    cluster.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="X",
        help=(
            "least score of two spellings that may join their clusters, in [0, 1] (default "
            f"{canonica.DEFAULT_CLUSTER_THRESHOLD})"
        ),
    )
    cluster.add_argument(
        "--prefix",
        default="cluster_",
        metavar="P",
        help="prefix of the added column names (default cluster_)",
    )
    _add_delimiter(cluster)
    cluster.set_defaults(func=_cmd_cluster)

    normalize = commands.add_parser(
        "normalize",
        help="print the normalized form of texts",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples("canonica normalize 'Kassym-Jomart Tokayev' 'U.A.E.'"),
        description="Print the normalized form of each text, or of each line of standard input.",
    )
    normalize.add_argument("texts", nargs="*", metavar="TEXTS", help="texts to normalize")
    normalize.set_defaults(func=_cmd_normalize)
    _add_serve_parser(commands)
    return parser


def _add_kb_as_for_resolve(parser: argparse.ArgumentParser) -> None:
    """The --kb option of the commands that read a knowledge base as resolve does."""
    parser.add_argument(
        "--kb",
        default=BUILTIN_COUNTRIES,
        metavar="PATH",
        help=f"knowledge base, as for resolve (default: {BUILTIN_COUNTRIES})",
    )


def _add_delimiter(parser: argparse.ArgumentParser) -> None:
    """The --delimiter option of the commands that read and write tables."""
    parser.add_argument(
        "--delimiter",
        type=_delimiter,
        metavar="D",
        help="field delimiter of CSV input and output (default: , or tab for .tsv)",
    )


def _examples(*commands: str) -> str:
    """The epilog of a command's --help: its examples, one per line."""
    return "examples:\n" + "\n".join(f"  {command}" for command in commands)


def _positive(kind: type[int] | type[float], low: float) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, not {value!r}") from None
        if not number >= low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        return number

    return parse


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, not {value!r}")
    return int(value)


def _add_serve_parser(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve a knowledge base to OpenRefine (Reconciliation API 0.2)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            "canonica serve --kb examples/seed_kb.jsonl --port 8000",
            "canonica serve --kb seed.canonica --reload",
        ),
        description=(
            "Serve the knowledge base as an OpenRefine reconciliation service (Reconciliation "
            "Service API 0.2) at http://HOST:PORT/reconcile, printed on standard output, until "
            "Ctrl-C or SIGTERM. Needs the serve extra: pip install 'canonica[serve]'. "
            "docs/serve.md describes the endpoints and limits."
        ),
    )
    _add_kb_as_for_resolve(serve)
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every one)",
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port to listen on (default 8000; 0: any free one)",
    )
    serve.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="X",
        help=(
            "lowest score of a match (match: true in results, auto-matched by OpenRefine), in "
            f"[0, 1] (default {canonica.DEFAULT_THRESHOLD})"
        ),
    )
    serve.add_argument(
        "--name", help="the service's name in OpenRefine (default: canonica: <kb file name>)"
    )
    serve.add_argument(
        "--identifier-space",
        metavar="URI",
        help="the manifest's identifierSpace (default: the service's /reconcile/entity/ URL)",
    )
    serve.add_argument(
        "--schema-space",
        metavar="URI",
        help="the manifest's schemaSpace (default: the service's /reconcile/type/ URL)",
    )
    serve.add_argument(
        "--batch-size",
        type=_positive(int, 1),
        default=50,
        metavar="N",
        help="most queries per batch, announced in the manifest; larger batches get 413 "
        "(default 50)",
    )
    serve.add_argument(
        "--reload",
        action="store_true",
        help=(
            "rebuild the service when the knowledge-base file changes, or on SIGHUP, without "
            "dropping requests"
        ),
    )
    serve.add_argument(
        "--reload-interval",
        type=_positive(float, 0.1),
        default=2.0,
        metavar="SECONDS",
        help="how often --reload looks at the file (default 2)",
    )
    serve.add_argument(
        "--access-log", action="store_true", help="log every request on standard error"
    )
    serve.set_defaults(func=_cmd_serve)


def _check_resolve_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.names and (args.column is not None or args.input is not None):
        parser.error("resolve: give NAMES or --column/--input, not both")
    if args.column is None and args.input is not None:
        lowered = args.input.lower()
        if lowered.endswith((".csv", ".tsv", *_JSONL_EXTENSIONS)):
            parser.error(f"resolve: --column is required to read the table {args.input}")


def _check_cluster_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.column is None and args.input is not None:
        lowered = args.input.lower()
        if lowered.endswith((".csv", ".tsv", *_JSONL_EXTENSIONS)):
            parser.error(f"cluster: --column is required to read the table {args.input}")


# --------------------------------------------------------------------------------------------
# Entry point


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        if exc.filename is not None:
            return f"{exc.filename}: {exc.strerror}"
        return exc.strerror
    return str(exc) or type(exc).__name__


def _silence_stdout() -> None:
    """Points standard output at /dev/null so that flushing it at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Runs the `canonica` command with `argv` (default: sys.argv[1:]); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "resolve":
            _check_resolve_usage(parser, args)
        if args.command == "cluster":
            _check_cluster_usage(parser, args)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    command: Callable[[argparse.Namespace], int] = args.func
    global _signalled
    _signalled = None
    previous = _handle_signals()
    previous_unraisable = sys.unraisablehook
    sys.unraisablehook = _unraisable
    try:
        code = command(args)
        _raise_if_signalled()
        return code
    except KeyboardInterrupt:
        return 130
    except _Terminated:
        return 143
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except (
        CliError,
        _streams.StreamError,
        canonica.CanonicaError,
        OSError,
        UnicodeError,
    ) as exc:
        _streams.report(f"{PROG}: error: {_error_message(exc)}\n")
        return 1
    finally:
        sys.unraisablehook = previous_unraisable
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _handle_signals() -> dict[int, Any]:
    """Makes SIGTERM unwind like Ctrl-C (so a temporary output file is removed), and both note
    that they came; returns the handlers replaced, none when signals cannot be handled here (not
    the main thread)."""
    previous: dict[int, Any] = {}
    try:
        previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, _on_sigterm)
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _on_sigint)
    except (ValueError, OSError):
        pass
    return previous
