#!/usr/bin/env python3
"""Build data/countries.jsonl, the built-in countries knowledge base.

Sources, merged in this order (the first spelling of a name wins when two differ only in case
or apostrophe style):

1. pycountry: ISO 3166-1 (all 249 entries: codes, ISO short name, official name, common name)
   and ISO 3166-3 (former names that map to one current code).
2. scripts/countries/supplement.tsv: hand-curated English display names, acronyms and short
   forms, former names, demonyms, deliberate ambiguity and collision fixes.
3. Babel: Unicode CLDR territory names in every locale Babel ships that has any (see
   cldr_locales): PRIORITY_LOCALES first, then the others in identifier order.
4. The ISO 3166-1 alpha-3 code, in capitals ("KAZ"), unless another country has that key.

Names that would mislead are dropped automatically and listed in scripts/countries/dropped.tsv
(see resolve_conflicts and short_reason): lossy short transliterations, and keys that several
countries claim, which stay only with the countries whose claim comes from a primary source.

Names are keyed and compared by the compiled core, as the resolver will key and compare them
(canonica.normalize and the private helpers canonica._core._match_words, _word_similarity and
_is_small_word); this script keeps no copy of the core's rules. Run it with the project's
virtualenv python, where `make dev` installed canonica from this checkout, from anywhere:

    python scripts/countries/build.py            # writes data/countries.jsonl and dropped.tsv
    python scripts/countries/build.py --check    # builds and compares, writes nothing

The output is deterministic for fixed versions of pycountry and babel (see requirements.txt
beside this file) and of the core: one JSON object per line, sorted by id, UTF-8,
ensure_ascii=False. After a change to the core's normalization or matching rules, reinstall
canonica (`make dev`) and run --check.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

try:
    import pycountry
    from babel import Locale, localedata
    from babel.core import get_global, parse_locale
    from babel.languages import get_official_languages
except ImportError as exc:  # pragma: no cover - environment problem
    sys.exit(
        f"missing dependency: {exc.name}; install scripts/countries/requirements.txt "
        "into the virtualenv (pip install -r scripts/countries/requirements.txt)"
    )
try:
    import canonica
    from canonica import _core
except ImportError:  # pragma: no cover - environment problem
    sys.exit("canonica is not installed in this virtualenv; run `make dev` first")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SUPPLEMENT = HERE / "supplement.tsv"
OUTPUT = ROOT / "data" / "countries.jsonl"
DROPPED = HERE / "dropped.tsv"

# CLDR locales whose territory names come first, in this order: English first so that its
# spellings win ties, then the 27 locales of the first releases (so that their names keep their
# places). Every other locale with territory names follows in identifier order (cldr_locales).
PRIORITY_LOCALES = [
    "en",
    "fr",
    "es",
    "de",
    "pt",
    "it",
    "ru",
    "uk",
    "kk",
    "uz",
    "ky",
    "tr",
    "ar",
    "fa",
    "he",
    "hi",
    "bn",
    "ur",
    "zh",
    "zh_Hant",
    "ja",
    "ko",
    "id",
    "vi",
    "th",
    "pl",
    "nl",
]

# Further languages with many speakers or writers, or official in a region the project serves.
# Not every CLDR locale: names in languages few data sets are written in collide with place
# names in others ("Poole", "Male", "Prague" are country names somewhere) for little gain.
EXTRA_LOCALES = [
    "af",
    "am",
    "az",
    "be",
    "bg",
    "bs",
    "ca",
    "cs",
    "cy",
    "da",
    "el",
    "et",
    "eu",
    "fi",
    "fil",
    "ga",
    "gl",
    "gu",
    "ha",
    "hr",
    "hu",
    "hy",
    "ig",
    "is",
    "ka",
    "km",
    "kn",
    "lo",
    "lt",
    "lv",
    "mk",
    "ml",
    "mn",
    "mr",
    "ms",
    "my",
    "nb",
    "ne",
    "pa",
    "ps",
    "ro",
    "si",
    "sk",
    "sl",
    "so",
    "sq",
    "sr",
    "sr_Latn",
    "sv",
    "sw",
    "ta",
    "te",
    "tg",
    "tk",
    "ug",
    "uz_Cyrl",
    "yo",
    "zu",
    "pt_PT",
    "es_419",
    "en_001",
    "zh_Hant_HK",
]

# ISO 3166-3 (pycountry.historic_countries): which former entries become aliases.
# An entry is a candidate when its alpha-4 code names one current alpha-2 code (or, for the
# "AA" suffix, when its own alpha-2 code was kept, as for Byelorussia -> BY). Candidates are
# included when the current entity is the same polity renamed (or its direct continuation);
# they are excluded when the former entity was absorbed into, merged with or is only a part of
# the current one, since such a name is not a name of the current country. Every candidate
# must be listed in one of the two tables, so a new pycountry release cannot slip one in.
HISTORIC_INCLUDED = {
    "AFI": ["French Afars and Issas"],  # -> DJ
    "BUR": None,  # Burma -> MM (names derived from the ISO name)
    "BYS": ["Byelorussian SSR", "Byelorussian Soviet Socialist Republic"],  # -> BY
    "DHY": None,  # Dahomey -> BJ
    "FXX": ["Metropolitan France"],  # "France, Metropolitan" -> FR
    "HVO": None,  # Upper Volta -> BF
    "NHB": None,  # New Hebrides -> VU
    "PUS": ["US Miscellaneous Pacific Islands", "U.S. Miscellaneous Pacific Islands"],  # -> UM
    "RHO": None,  # Southern Rhodesia -> ZW
    "TMP": None,  # East Timor -> TL
    "ZAR": None,  # Zaire -> CD
}
HISTORIC_EXCLUDED = {
    "ATB": "British Antarctic Territory: a claim that still exists, not a name of Antarctica",
    "ATN": "Dronning Maud Land: a claim that still exists, not a name of Antarctica",
    "CTE": "Canton and Enderbury Islands: absorbed into Kiribati, only a part of it",
    "DDR": "German Democratic Republic: merged into Germany, not a former name of it",
    "JTN": "Johnston Island: one part of UM, not a name of it",
    "MID": "Midway Islands: one part of UM, not a name of it",
    "PCZ": "Panama Canal Zone: absorbed into Panama, only a part of it",
    "SKM": "Sikkim: now a state of India, not a name of India",
    "VDR": "North Vietnam: merged with South Vietnam, not a former name of Vietnam",
    "WAK": "Wake Island: one part of UM, not a name of it",
    "YMD": "South Yemen: merged with North Yemen, not a former name of Yemen",
}

# Lossy short names. A name in a non-Latin script whose normalized key has fewer than
# MIN_KEY_NON_LATIN letters is a transliterated syllable or two ("ꕶꕱ" -> "poo", "عراق" -> "rq",
# "ไทย" -> "thy"), whatever its source. A Latin-script name whose key has fewer than
# MIN_KEY_NON_LATIN letters is kept only from a primary source ("UK", "US", "Lao"); from any
# other ("Ý", "Áo", "Úc" in Vietnamese, "Irã", "Čad") it is a bare syllable or another word.
# Nothing shorter than MIN_KEY_PRIMARY is kept.
MIN_KEY_NON_LATIN = 4
MIN_KEY_PRIMARY = 2

FIELDS = ("name", "alias", "former", "demonym", "drop", "ambiguous", "reject")

# Sources that are primary for the country they are attached to (see is_primary): the ISO
# names, the curated supplement and the ISO 3166-3 former names. A CLDR name is primary when
# its locale is Latin-script English or an official language of the territory.
PRIMARY_SOURCES = {"name", "iso", "alias", "former", "demonym", "historic", "ambiguous"}

# Sources whose names are English: these get "Saint"/"St."/"St" and "and"/"&" variants (and
# the CLDR names of every Latin-script English locale, see english_locale).
ENGLISH_SOURCES = {"iso", "alias", "former", "demonym", "historic"}

# Names of no country that the supplement must list as 'reject' (the sanity checks insist):
# capitals a transliteration comes close to ("Luanda" is the reading of 盧安達, Chinese for
# Rwanda; "Amman", Oman's "Аман"; "Manama", Monaco's "Манака"), a bare word, a region.
REQUIRED_REJECTS = ["Luanda", "Amman", "Manama", "Islands", "West Africa"]


# ------------------------------------------------------------------------------------------
# Keys, by the compiled core (canonica must be installed in this virtualenv)
# ------------------------------------------------------------------------------------------


@cache
def match_words(text: str) -> tuple[str, ...]:
    """The words the crate matches `text` by: its normalized tokens, a token read from a lossy
    script (Han, kana, Arabic, Hebrew) marked "^", since such a token only ever meets tokens of
    its own kind."""
    return tuple(_core._match_words(text))


@cache
def nkey(text: str) -> str:
    """Compact normalized key: tokens joined without spaces ("U.A.E." and "UAE" -> "uae")."""
    return canonica.normalize(text).replace(" ", "")


@cache
def ckey(text: str) -> str:
    """The key two names collide on in the crate: the match words joined, so that Arabic
    "سودان" (Sudan) is "^swdn" and Odia "ସ୍ୱିଡେନ" (Sweden) "swdn"."""
    return "".join(match_words(text))


# Apostrophes written in names, for dkey.
_APOSTROPHES = set("'\u2018\u2019\u201b\u02bc\u02b9\u2032`\u00b4\uff07")


def dkey(text: str) -> str:
    """Key for removing exact duplicates: same string up to case and apostrophe style."""
    s = unicodedata.normalize("NFC", text).casefold()
    s = "".join("'" if ch in _APOSTROPHES else ch for ch in s)
    return " ".join(s.split())


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u200e", "").replace("\u200f", "")  # bidi marks
    return " ".join(text.split())


def has_letter(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def is_latin(text: str) -> bool:
    """Every letter is a Latin letter (any accents, full-width forms included)."""
    letters = [ch for ch in text if unicodedata.category(ch).startswith("L")]
    return bool(letters) and all("LATIN" in unicodedata.name(ch, "") for ch in letters)


def has_unassigned(text: str) -> bool:
    """A character this Python's Unicode database does not know (a script newer than it)."""
    return any(unicodedata.category(ch) == "Cn" for ch in text)


def reach_score(alias: str, query: str) -> float:
    """An estimate of how well `query` alone would match `alias` in the crate: word for word,
    small words left out, the weakest pair deciding, each pair related as the crate relates two
    words (the same word 1; a typo within the edit budget, another romanization; see
    canonica::rules::word_similarity). 0 for a different number of words. A word read from a
    lossy script only meets the same word, so a Latin query never meets a Chinese name.

    An approximation for one-word-per-word queries, not the scorer: it only decides which
    non-primary names near a 'reject' name are dropped."""
    a = [w for w in match_words(alias) if not _core._is_small_word(w)]
    q = [w for w in match_words(query) if not _core._is_small_word(w)]
    if not a or not q:
        return 0.0
    if "".join(a) == "".join(q):
        return 1.0
    if len(a) != len(q):
        return 0.0
    return min(_core._word_similarity(x, y) for x, y in zip(q, a, strict=True))


def within_reach(alias: str, query: str) -> bool:
    """Whether a query for `query` would likely resolve to a country that has `alias`."""
    return reach_score(alias, query) >= canonica.DEFAULT_THRESHOLD


# ------------------------------------------------------------------------------------------
# English variants
# ------------------------------------------------------------------------------------------

_SAINT = re.compile(r"\b(Saint|St\.|St)(?= )")


def english_variants(name: str) -> list[str]:
    """The name, then its "Saint"/"St."/"St" and "and"/"&" spellings."""
    forms = [name]
    if _SAINT.search(name):
        forms = [_SAINT.sub(s, f) for f in forms for s in ("Saint", "St.", "St")]
    if " and " in name or " & " in name:
        forms = [
            g for f in forms for g in (f, f.replace(" & ", " and "), f.replace(" and ", " & "))
        ]
    seen, out = set(), []
    for f in [name] + forms:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


# ------------------------------------------------------------------------------------------
# Sources
# ------------------------------------------------------------------------------------------


def uninvert(name: str) -> str | None:
    """ "Korea, Republic of" -> "Republic of Korea"; None when the name is not inverted."""
    if ", " not in name:
        return None
    head, tail = name.split(", ", 1)
    if re.search(r"\bof( the)?$", tail) or tail in ("British", "U.S."):
        return f"{tail} {head}"
    return None


def iso_names(country) -> list[str]:
    """ISO name, official and common names, with inverted forms rewritten."""
    names = []
    for attr in ("common_name", "name", "official_name"):
        value = getattr(country, attr, None)
        if not value:
            continue
        if value.startswith("the "):  # "the State of Eritrea"
            value = value[4:]
        natural = uninvert(value)
        if natural:
            names.append(natural)
        names.append(value)  # the raw ISO form too: data feeds use it verbatim
    return names


def historic_names(entry) -> list[str]:
    override = HISTORIC_INCLUDED[entry.alpha_3]
    if override:
        return list(override)
    natural = uninvert(entry.name)
    if natural:
        head = entry.name.split(", ", 1)[0]
        return [head, natural]
    return [entry.name]


def historic_aliases(current: set[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    seen = set()
    for entry in sorted(pycountry.historic_countries, key=lambda e: e.alpha_3):
        suffix = entry.alpha_4[2:]
        if suffix in current:
            target = suffix
        elif suffix == "AA" and entry.alpha_2 in current:
            target = entry.alpha_2
        else:
            continue
        seen.add(entry.alpha_3)
        if entry.alpha_3 in HISTORIC_EXCLUDED:
            continue
        if entry.alpha_3 not in HISTORIC_INCLUDED:
            raise SystemExit(
                f"ISO 3166-3 entry {entry.alpha_3} ({entry.name}) -> {target} is not reviewed: "
                "add it to HISTORIC_INCLUDED or HISTORIC_EXCLUDED in build.py"
            )
        out[target].extend(historic_names(entry))
    stale = (set(HISTORIC_INCLUDED) | set(HISTORIC_EXCLUDED)) - seen
    if stale:
        raise SystemExit(f"historic tables name entries pycountry no longer maps: {sorted(stale)}")
    return out


def read_supplement(path: Path, current: set[str]):
    per_id: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    ambiguous: list[tuple[list[str], list[str]]] = []
    rejected: list[str] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = stripped.split(None, 2)
        if len(parts) != 3:
            raise SystemExit(f"{path.name}:{lineno}: expected 'ID FIELD VALUES': {line!r}")
        ids_text, field, rest = parts
        if field not in FIELDS:
            raise SystemExit(f"{path.name}:{lineno}: unknown field {field!r}")
        values = [clean(v) for v in rest.split(" | ")]
        if any(not v for v in values):
            raise SystemExit(f"{path.name}:{lineno}: empty value")
        if field == "reject":
            if ids_text != "*":
                raise SystemExit(f"{path.name}:{lineno}: 'reject' takes '*' as its id")
            rejected.extend(values)
            continue
        ids = ids_text.split(",")
        for i in ids:
            if i not in current:
                raise SystemExit(f"{path.name}:{lineno}: unknown id {i!r}")
        if field == "ambiguous":
            ambiguous.append((ids, values))
            continue
        if len(ids) != 1:
            raise SystemExit(f"{path.name}:{lineno}: only 'ambiguous' takes several ids")
        if field == "name" and (per_id[ids[0]]["name"] or len(values) != 1):
            raise SystemExit(f"{path.name}:{lineno}: one name per id")
        per_id[ids[0]][field].extend(values)
    return per_id, ambiguous, rejected


# ------------------------------------------------------------------------------------------
# CLDR locales
# ------------------------------------------------------------------------------------------


def _likely_script(language: str) -> str | None:
    likely = get_global("likely_subtags").get(language)
    return parse_locale(likely)[2] if likely else None


def locale_script(loc: str) -> str | None:
    """The script a locale writes in: its own script subtag, else its language's likely one."""
    language, _, script, *_ = parse_locale(loc)
    return script or _likely_script(language)


def locale_parent(loc: str) -> str:
    """The CLDR parent of a locale, as Babel resolves inheritance (babel.localedata.load)."""
    parent = get_global("parent_exceptions").get(loc)
    if parent:
        return parent
    language, territory, script, variant, *rest = parse_locale(loc)
    if script and not territory and not variant and not any(rest):
        if script != _likely_script(language):
            return "root"  # a non-likely script ("sr_Latn", "zh_Hant") starts afresh
    parts = loc.split("_")
    return "root" if len(parts) == 1 else "_".join(parts[:-1])


@cache
def territory_names(loc: str) -> dict[str, str]:
    """Alpha-2 -> name in one locale, with the names the locale inherits (none for root)."""
    if loc == "root":
        return {}
    return {
        code: clean(name)
        for code, name in Locale.parse(loc).territories.items()
        if len(code) == 2 and code.isalpha()
    }


def own_names(loc: str) -> dict[str, str]:
    """The names a locale adds to what it inherits: all of a base language's or of a script
    variant that starts afresh ("sr_Latn"), only the differing ones of a regional variant
    ("pt_PT" over "pt", "en_GB" over "en_001")."""
    inherited = territory_names(locale_parent(loc))
    return {c: n for c, n in territory_names(loc).items() if inherited.get(c) != n}


def cldr_locales() -> list[str]:
    """Every locale Babel ships that adds territory names of its own, in a fixed order.

    Base languages and script variants give their full lists; a regional variant is used only
    for the names it spells differently from its parent, and left out when it has none (pure
    regional duplicates: "en_GB" = "en_001", "es_MX" mostly = "es_419", "de_AT" = "de")."""
    available = set(localedata.locale_identifiers())
    missing = [loc for loc in PRIORITY_LOCALES if loc not in available]
    if missing:
        raise SystemExit(f"Babel lacks the priority locales {missing}")
    missing = [loc for loc in EXTRA_LOCALES if loc not in available]
    if missing:
        raise SystemExit(f"Babel lacks the extra locales {missing}")
    rest = sorted(loc for loc in EXTRA_LOCALES if loc not in PRIORITY_LOCALES and own_names(loc))
    return PRIORITY_LOCALES + rest


def cldr_names(locales: list[str]) -> dict[str, list[tuple[str, str]]]:
    """alpha-2 -> [(locale, name)] in locale order."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for loc in locales:
        for code, name in own_names(loc).items():
            out[code].append((loc, name))
    return out


def english_locale(loc: str) -> bool:
    """English written in the Latin script ("en", "en_001", "en_AU"; not "en_Dsrt")."""
    return parse_locale(loc)[0] == "en" and locale_script(loc) == "Latn"


@cache
def official_languages(territory: str) -> frozenset[tuple[str, str | None]]:
    """(language, script) of the official and de-facto official languages of a territory, by
    Babel's CLDR territory language data; the script is the language's likely script when the
    data names none ("sr" -> Cyrl; "sr_Latn" -> Latn)."""
    out = set()
    for code in get_official_languages(territory, de_facto=True):
        language, _, script, *_ = parse_locale(code)
        out.add((language, script or _likely_script(language)))
    return frozenset(out)


def is_primary(source: str, cid: str) -> bool:
    """Whether a name from this source is a primary claim for entity `cid`: pycountry (ISO and
    ISO 3166-3), the supplement, the display name, and the CLDR name in Latin-script English or
    in an official language of the territory, written in that language's script."""
    if source in PRIMARY_SOURCES:
        return True
    if source.startswith("cldr:"):
        loc = source[5:]
        if english_locale(loc):
            return True
        return (parse_locale(loc)[0], locale_script(loc)) in official_languages(cid)
    return False


def short_reason(name: str, primary: bool) -> str | None:
    """Why a name is too short (or unreadable) to keep, or None when it may stay."""
    n = len(nkey(name))
    if has_unassigned(name):
        return "unassigned-characters"
    if not is_latin(name):
        return "short-non-latin" if n < MIN_KEY_NON_LATIN else None
    if n < MIN_KEY_PRIMARY:
        return "short-latin"
    if n < MIN_KEY_NON_LATIN and not primary:
        return "short-latin-not-primary"
    return None


# ------------------------------------------------------------------------------------------
# Build
# ------------------------------------------------------------------------------------------


class Dropped:
    """Every name the build leaves out, grouped for dropped.tsv and the summary."""

    # Automatic decisions first, then the curated ones (supplement), in report order.
    REASONS = {
        "short-non-latin": "non-Latin name, normalized key shorter than "
        f"{MIN_KEY_NON_LATIN} letters",
        "short-latin-not-primary": "Latin name from a non-primary source, key shorter than "
        f"{MIN_KEY_NON_LATIN} letters",
        "short-latin": f"Latin name, key shorter than {MIN_KEY_PRIMARY} letters",
        "unassigned-characters": "characters Python's Unicode database does not know yet "
        "(a script newer than it): neither checked nor reproducible",
        "near-rejected": "name that a query for a supplement 'reject' name (a city, a region) "
        "would likely match, when none of the country's names that it would match is primary",
        "conflict-not-primary": "key claimed by several countries: kept by the one with a "
        "primary claim, dropped from the others",
        "conflict-display-name": "key is another country's display name: dropped from the "
        "others, though their claim is primary too",
        "conflict-several-primary": "key claimed by several countries with primary claims "
        "and no deliberate ambiguity: dropped from all",
        "conflict-no-primary": "key claimed by several countries, none primary: dropped from all",
        "prefix-initial": "non-primary name made of a one-letter prefix and a name the country "
        "already has ('i-Iran'): the crate would read the letter as an initial",
        "alpha3-taken": "alpha-3 code equal to another country's name or alias: not added",
        "supplement-drop": "supplement 'drop' on this country",
        "ambiguity-owner": "deliberately ambiguous name, belongs to its group only",
    }
    AUTOMATIC = [r for r in REASONS if not r.startswith(("supplement-", "ambiguity-"))]

    def __init__(self) -> None:
        # (reason, key) -> {"ids": set, "kept": set, "claims": [(cid, source, alias)]}
        self.entries: dict[tuple[str, str], dict] = {}

    def add(self, reason: str, key: str, cid: str, claims, kept=()) -> None:
        assert reason in self.REASONS, reason
        e = self.entries.setdefault((reason, key), {"ids": set(), "kept": set(), "claims": []})
        e["ids"].add(cid)
        e["kept"].update(kept)
        for claim in claims:
            if claim not in e["claims"]:
                e["claims"].append(claim)

    def settle(self, records: list[dict]) -> None:
        """Forgets the countries that still have a key through another name ("USA" from Danish
        CLDR is too short, but the supplement's "USA" stays): only real losses are listed."""
        keys = {r["id"]: {ckey(n) for n in [r["name"], *r["aliases"]]} for r in records}
        for (reason, key), e in list(self.entries.items()):
            e["ids"] = {cid for cid in e["ids"] if key not in keys[cid]}
            e["claims"] = [c for c in e["claims"] if c[0] in e["ids"] | e["kept"]]
            if not e["ids"]:
                del self.entries[(reason, key)]

    def dropped_from(self, reason: str, cid: str) -> bool:
        return any(r == reason and cid in e["ids"] for (r, _), e in self.entries.items())

    def counts(self) -> Counter:
        return Counter(reason for reason, _ in self.entries)

    def render(self) -> str:
        lines = [
            "# Names left out of data/countries.jsonl, written by scripts/countries/build.py "
            "(do not edit).",
            "# One line per (reason, normalized key). dropped_from: the ids that lost the key; "
            "kept_by: the ids that keep it;",
            "# claims: id source name, for every name with that key the countries had "
            "(* marks a primary source).",
            "# Keys are the crate's compact keys; ^ marks a token read from Han, kana, Arabic or "
            "Hebrew script.",
            "#",
        ]
        lines += [f"# {r}: {text}" for r, text in self.REASONS.items()]
        lines.append("key\treason\tdropped_from\tkept_by\tclaims")
        order = {r: i for i, r in enumerate(self.REASONS)}
        entries = sorted(self.entries.items(), key=lambda kv: (order[kv[0][0]], kv[0][1]))
        for (reason, key), e in entries:
            claims = "; ".join(
                f"{cid} {'*' if is_primary(src, cid) else ''}{src} {alias}"
                for cid, src, alias in sorted(e["claims"], key=lambda c: c[0])
            )
            lines.append(
                "\t".join(
                    [key, reason, ",".join(sorted(e["ids"])), ",".join(sorted(e["kept"])), claims]
                )
            )
        return "".join(line + "\n" for line in lines)


def resolve_conflicts(
    candidates: dict[str, list[tuple[str, str]]],
    names: dict[str, str],
    ambiguous_keys: dict[str, set[str]],
    dropped: Dropped,
) -> None:
    """Keys claimed by several countries, outside the deliberate ambiguity groups.

    A country's claim is primary when one of its names with that key comes from a primary
    source (is_primary). The key stays with the only country that has a primary claim and is
    dropped from the others; when none or several have one, it is dropped from all. A display
    name is never dropped: its key stays with that country and leaves every other one."""
    claims: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for cid, name in names.items():
        claims[ckey(name)][cid].append(("name", name))
    for cid, cands in candidates.items():
        for source, alias in cands:
            claims[ckey(alias)][cid].append((source, alias))
    remove: dict[str, set[str]] = defaultdict(set)
    for key in sorted(claims):
        by_id = claims[key]
        if len(by_id) < 2 or key in ambiguous_keys:
            continue
        every = [(cid, s, a) for cid in sorted(by_id) for s, a in by_id[cid]]
        named = sorted(cid for cid in by_id if any(s == "name" for s, _ in by_id[cid]))
        primary = sorted(cid for cid in by_id if any(is_primary(s, cid) for s, _ in by_id[cid]))
        if len(named) > 1:
            raise SystemExit(f"display names {named} share the key {key!r}")
        if named:
            keep = set(named)
            reason = "conflict-display-name" if len(primary) > 1 else "conflict-not-primary"
        elif len(primary) == 1:
            keep, reason = set(primary), "conflict-not-primary"
        elif primary:
            keep, reason = set(), "conflict-several-primary"
        else:
            keep, reason = set(), "conflict-no-primary"
        for cid in sorted(set(by_id) - keep):
            remove[cid].add(key)
            dropped.add(reason, key, cid, every, keep)
    for cid, keys in remove.items():
        candidates[cid] = [(s, a) for s, a in candidates[cid] if ckey(a) not in keys]


def build(verbose: bool = True) -> tuple[list[dict], Dropped]:
    log = print if verbose else (lambda *a, **k: None)
    countries = sorted(pycountry.countries, key=lambda c: c.alpha_2)
    current = {c.alpha_2 for c in countries}
    supplement, ambiguous, rejected = read_supplement(SUPPLEMENT, current)
    historic = historic_aliases(current)
    locales = cldr_locales()
    cldr = cldr_names(locales)
    english = {f"cldr:{loc}" for loc in locales if english_locale(loc)}
    dropped = Dropped()

    records = {}
    # (id) -> list of (source, alias) in order
    candidates: dict[str, list[tuple[str, str]]] = {}
    for c in countries:
        sup = supplement.get(c.alpha_2, {})
        name = (sup.get("name") or [getattr(c, "common_name", None) or c.name])[0]
        cands = [("iso", clean(n)) for n in iso_names(c)]
        cands += [("alias", v) for v in sup.get("alias", [])]
        cands += [("former", v) for v in sup.get("former", [])]
        cands += [("historic", clean(v)) for v in historic.get(c.alpha_2, [])]
        cands += [("demonym", v) for v in sup.get("demonym", [])]
        cands += [(f"cldr:{loc}", n) for loc, n in cldr.get(c.alpha_2, [])]
        expanded = []
        for source, alias in cands:
            english_source = source in ENGLISH_SOURCES or source in english
            forms = english_variants(alias) if english_source else [alias]
            for form in forms:
                reason = short_reason(form, is_primary(source, c.alpha_2))
                if reason:
                    dropped.add(reason, ckey(form), c.alpha_2, [(c.alpha_2, source, form)])
                    continue
                expanded.append((source, form))
        candidates[c.alpha_2] = expanded
        records[c.alpha_2] = {
            "id": c.alpha_2,
            "name": name,
            "kind": "country",
            "aliases": [],
            "alpha3": c.alpha_3,
            "numeric": c.numeric,
        }

    # Names of no country (supplement 'reject'): a country loses its names that a query for one
    # of them would likely match (within_reach) when they all come from non-primary sources.
    # When one of them is primary the country keeps them all (dropping the others would not
    # stop the match) and the build says so.
    for cid, cands in candidates.items():
        for r in rejected:
            near = [(s, a) for s, a in cands if within_reach(a, r)]
            if not near:
                continue
            if any(is_primary(s, cid) for s, _ in near):
                log(
                    f"reject: {cid} keeps {sorted({a for _, a in near})}, within reach of {r!r}: "
                    "a primary name is among them"
                )
                continue
            for s, a in near:
                dropped.add("near-rejected", ckey(a), cid, [(cid, s, a)])
            cands = [(s, a) for s, a in cands if (s, a) not in near]
        candidates[cid] = cands

    # Deliberate ambiguity: each listed name on every listed entity and on no other.
    ambiguous_keys: dict[str, set[str]] = {}
    for ids, names in ambiguous:
        for n in names:
            ambiguous_keys[ckey(n)] = set(ids)
    for cid, cands in candidates.items():
        kept = []
        for source, alias in cands:
            owners = ambiguous_keys.get(ckey(alias))
            if owners is not None and cid not in owners:
                log(
                    f"ambiguity: removed {alias!r} ({source}) from {cid}; it belongs to "
                    f"{sorted(owners)} only"
                )
                dropped.add("ambiguity-owner", ckey(alias), cid, [(cid, source, alias)], owners)
                continue
            kept.append((source, alias))
        candidates[cid] = kept
    for ids, names in ambiguous:
        for cid in ids:
            candidates[cid] += [("ambiguous", n) for n in names]

    # Collision fixes from the supplement.
    for cid, sup in supplement.items():
        drops = {ckey(d): d for d in sup.get("drop", [])}
        if not drops:
            continue
        before = candidates[cid]
        candidates[cid] = [(s, a) for s, a in before if ckey(a) not in drops]
        hit = set()
        for s, a in before:
            if ckey(a) in drops:
                hit.add(ckey(a))
                dropped.add("supplement-drop", ckey(a), cid, [(cid, s, a)])
        for k, d in drops.items():
            if k not in hit:
                raise SystemExit(f"supplement: 'drop {d}' on {cid} removes nothing; delete it")

    # Keys several countries claim: kept only where the claim is primary.
    names = {cid: rec["name"] for cid, rec in records.items()}
    resolve_conflicts(candidates, names, ambiguous_keys, dropped)

    # A one-letter prefix joined by a hyphen (a noun-class prefix or an article: Zulu "i-Iran",
    # Swati "E-Andorra", Maltese "l-Albanija") in front of a name the country already has: the
    # crate reads the letter as an initial, so "i-Iran" would answer "Irak Iran". The bare name
    # is kept; the prefixed one goes.
    for cid, cands in candidates.items():
        keys = {ckey(a) for _, a in cands} | {ckey(names[cid])}
        kept = []
        for source, alias in cands:
            m = re.match(r"(\w)[-\u2010\u2011]\s*(\S.*)$", alias)
            if m and not is_primary(source, cid) and ckey(m.group(2)) in keys:
                dropped.add("prefix-initial", ckey(alias), cid, [(cid, source, alias)])
                continue
            kept.append((source, alias))
        candidates[cid] = kept

    # Deduplicate, keep order, never repeat the name.
    for cid, rec in records.items():
        seen = {dkey(rec["name"])}
        aliases = []
        for _, alias in candidates[cid]:
            k = dkey(alias)
            if k in seen:
                continue
            seen.add(k)
            aliases.append(alias)
        rec["aliases"] = aliases

    # ISO 3166-1 alpha-3 codes, in capitals, unless another country has that key. An alias
    # that differs only in case ("BiH", "Lao") is written as the code, in its place.
    holders: dict[str, set[str]] = defaultdict(set)
    for cid, rec in records.items():
        for n in [rec["name"], *rec["aliases"]]:
            holders[ckey(n)].add(cid)
    for cid, rec in records.items():
        code = rec["alpha3"]
        others = sorted(holders.get(ckey(code), set()) - {cid})
        if others:
            claims = [(cid, "alpha3", code)] + [
                (o, "alias", n)
                for o in others
                for n in [records[o]["name"], *records[o]["aliases"]]
                if ckey(n) == ckey(code)
            ]
            dropped.add("alpha3-taken", ckey(code), cid, claims, others)
            continue
        if dkey(code) == dkey(rec["name"]):
            raise SystemExit(f"{cid}: display name equals the alpha-3 code {code}")
        same = [i for i, a in enumerate(rec["aliases"]) if dkey(a) == dkey(code)]
        if same:
            if rec["aliases"][same[0]] != code:
                log(f"alpha-3: {cid} alias {rec['aliases'][same[0]]!r} written as {code!r}")
            rec["aliases"][same[0]] = code
        else:
            rec["aliases"].append(code)

    # Collisions: a normalized key carried by two ids that is not deliberately ambiguous
    # (resolve_conflicts leaves none: a failure here is a bug of this script).
    owners: dict[str, set[str]] = defaultdict(set)
    spelled: dict[tuple[str, str], list[str]] = defaultdict(list)
    for cid, rec in records.items():
        for n in [rec["name"], *rec["aliases"]]:
            k = ckey(n)
            owners[k].add(cid)
            spelled[(k, cid)].append(n)
    collisions = {k: ids for k, ids in owners.items() if len(ids) > 1 and k not in ambiguous_keys}
    for k in sorted(collisions):
        detail = "; ".join(f"{cid}: {spelled[(k, cid)]}" for cid in sorted(collisions[k]))
        print(f"collision: {k!r} -> {detail}", file=sys.stderr)  # even with --quiet
    if collisions:
        raise SystemExit(f"{len(collisions)} unresolved collision(s)")

    out = [records[cid] for cid in sorted(records)]
    dropped.settle(out)
    sanity(out, ambiguous, dropped, rejected)
    log(f"CLDR: {len(locales)} locales with territory names of their own")
    return out, dropped


def sanity(records: list[dict], ambiguous, dropped: Dropped, rejected: list[str]) -> None:
    def fail(msg: str) -> None:
        raise SystemExit(f"sanity check failed: {msg}")

    if len(records) != 249:
        fail(f"{len(records)} entries, expected 249")
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        fail("duplicate ids")
    by_id = {r["id"]: r for r in records}
    for r in records:
        if not re.fullmatch(r"[A-Z]{2}", r["id"]):
            fail(f"bad id {r['id']!r}")
        if not re.fullmatch(r"[A-Z]{3}", r.get("alpha3") or ""):
            fail(f"{r['id']}: bad alpha3")
        if not re.fullmatch(r"[0-9]{3}", r.get("numeric") or ""):
            fail(f"{r['id']}: bad numeric")
        if not r["name"] or not has_letter(r["name"]) or not nkey(r["name"]):
            fail(f"{r['id']}: bad name {r['name']!r}")
        keys = set()
        for a in r["aliases"]:
            if not a.strip() or not has_letter(a) or not nkey(a):
                fail(f"{r['id']}: alias {a!r} is empty or has no letter")
            if a == r["name"]:
                fail(f"{r['id']}: alias equals the name")
            if dkey(a) in keys:
                fail(f"{r['id']}: duplicate alias {a!r}")
            keys.add(dkey(a))

    required = {
        "KZ": ["Republic of Kazakhstan", "Kazakh", "Kazakhstani", "Қазақстан", "Казахстан"],
        "AE": ["UAE", "Emirati"],
        "US": ["USA", "U.S.", "America", "American"],
        "SA": ["KSA", "Saudi"],
        "CN": ["PRC"],
        "KP": ["DPRK", "Korea"],
        "KR": ["ROK", "Korea"],
        "CD": ["DRC", "Congo"],
        "CG": ["Congo"],
        "GB": ["UK", "Britain", "British"],
        "GN": ["Guinea", "Guinea-Conakry"],
        "GQ": ["Guinea"],
        "GW": ["Guinea"],
        "PG": ["Guinea"],
        "VG": ["Virgin Islands"],
        "VI": ["Virgin Islands"],
    }
    for cid, names in required.items():
        for n in names:
            if n not in by_id[cid]["aliases"]:
                fail(f"{cid} lacks alias {n!r}")

    # Ambiguous names: on every listed entity, on no other, and never anyone's display name.
    for group_ids, names in ambiguous:
        for n in names:
            k = ckey(n)
            holders = {r["id"] for r in records if any(ckey(a) == k for a in r["aliases"])}
            if holders != set(group_ids):
                fail(f"ambiguous {n!r} is on {sorted(holders)}, expected {sorted(group_ids)}")
            for r in records:
                if ckey(r["name"]) == k:
                    fail(f"{r['id']} is named by the ambiguous {n!r}")

    # The file: one line per entity.
    lines = render(records).count("\n")
    if lines != 249:
        fail(f"the file would have {lines} lines, expected 249")

    # Alpha-3 codes: every entity has its own, in capitals, unless dropped for a listed reason.
    for r in records:
        if r["alpha3"] not in r["aliases"] and not dropped.dropped_from("alpha3-taken", r["id"]):
            fail(f"{r['id']} lacks its alpha-3 alias {r['alpha3']!r}")
        for a in r["aliases"]:
            if (
                re.fullmatch(r"[A-Z]{3}", a)
                and a != r["alpha3"]
                and any(a == o["alpha3"] for o in records)
            ):
                fail(f"{r['id']} carries another entity's alpha-3 code {a!r}")

    # Cities, regions and words that are no country's name: listed as 'reject', and no name a
    # query for one of them could match (a Chinese, Japanese, Arabic or Hebrew name is never
    # compared with Latin text by the crate: 盧安達, Rwanda, stays although it reads "Luanda").
    listed = {nkey(n) for n in rejected}
    for n in REQUIRED_REJECTS:
        if nkey(n) not in listed:
            fail(f"{n!r} must be listed as 'reject' in {SUPPLEMENT.name}")
    for r in records:
        for a in [r["name"], *r["aliases"]]:
            for n in rejected:
                if reach_score(a, n) == 1.0:
                    fail(f"{r['id']} has {a!r}, which is {n!r}")

    # Lossy short names.
    for r in records:
        for a in r["aliases"]:
            n = len(nkey(a))
            if n < MIN_KEY_PRIMARY or (n < MIN_KEY_NON_LATIN and not is_latin(a)):
                fail(f"{r['id']}: alias {a!r} is too short ({nkey(a)!r})")

    # Names that must stay apart.
    for a, b in [("DM", "DO"), ("NE", "NG"), ("SD", "SS"), ("CG", "CD"), ("KP", "KR")]:
        if by_id[a]["name"] == by_id[b]["name"]:
            fail(f"{a} and {b} share a name")
    if by_id["GN"]["name"] == "Guinea":
        fail("GN must not be named 'Guinea'")


def render(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the files, write nothing"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args()

    records, dropped = build(verbose=not args.quiet)
    outputs = {OUTPUT: render(records), DROPPED: dropped.render()}
    n_aliases = sum(len(r["aliases"]) for r in records)
    n_codes = sum(r["alpha3"] in r["aliases"] for r in records)
    counts = dropped.counts()
    summary = f"{len(records)} entries, {n_aliases} aliases ({n_codes} alpha-3 codes)"
    print(
        "dropped (normalized key, reason): "
        + ", ".join(f"{r} {counts[r]}" for r in Dropped.REASONS if counts[r])
        + f"; {sum(counts[r] for r in Dropped.AUTOMATIC)} automatic, listed in "
        f"{DROPPED.relative_to(ROOT)}"
    )
    if args.check:
        stale = [
            path
            for path, text in outputs.items()
            if (path.read_text(encoding="utf-8") if path.exists() else "") != text
        ]
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date ({summary})", file=sys.stderr)
        if stale:
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is up to date ({summary})")
        return 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {summary}; {DROPPED.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
