#!/usr/bin/env python3
"""Build data/countries.jsonl, the built-in countries knowledge base.

Sources, merged in this order (the first spelling of a name wins when two differ only in case
or apostrophe style):

1. pycountry: ISO 3166-1 (all 249 entries: codes, ISO short name, official name, common name)
   and ISO 3166-3 (former names that map to one current code).
2. scripts/countries/supplement.tsv: hand-curated English display names, acronyms and short
   forms, former names, demonyms, deliberate ambiguity and collision fixes.
3. Babel: Unicode CLDR territory names in the locales listed in LOCALES.

Run with the project's virtualenv python from anywhere:

    python scripts/countries/build.py            # writes data/countries.jsonl
    python scripts/countries/build.py --check    # builds and compares, writes nothing

The output is deterministic for fixed versions of pycountry, babel and anyascii (see
requirements.txt beside this file): one JSON object per line, sorted by id, UTF-8,
ensure_ascii=False.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

try:
    import pycountry
    from babel import Locale
    from anyascii import anyascii
except ImportError as exc:  # pragma: no cover - environment problem
    sys.exit(
        f"missing dependency: {exc.name}; install scripts/countries/requirements.txt "
        "into the virtualenv (pip install -r scripts/countries/requirements.txt)"
    )

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SUPPLEMENT = HERE / "supplement.tsv"
OUTPUT = ROOT / "data" / "countries.jsonl"

# CLDR locales whose territory names become aliases. English comes first so that its
# spellings win ties; the rest follow in this fixed order.
LOCALES = [
    "en", "fr", "es", "de", "pt", "it", "ru", "uk", "kk", "uz", "ky", "tr", "ar", "fa", "he",
    "hi", "bn", "ur", "zh", "zh_Hant", "ja", "ko", "id", "vi", "th", "pl", "nl",
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

# A non-English CLDR name whose normalized key is shorter than this is left out: once its
# diacritics are folded away it is a bare syllable ("Ý" -> "y", "Áo" -> "ao", "Úc" -> "uc" in
# Vietnamese) that would match unrelated text.
MIN_CLDR_KEY = 3

FIELDS = ("name", "alias", "former", "demonym", "drop", "ambiguous")

# Sources whose names are English: these get "Saint"/"St."/"St" and "and"/"&" variants.
ENGLISH_SOURCES = {"iso", "alias", "former", "demonym", "historic", "cldr:en"}


# ------------------------------------------------------------------------------------------
# Normalization (a mirror of the Rust crate's `normalize` + `compact`, used for the checks)
# ------------------------------------------------------------------------------------------

_APOSTROPHES = set("'\u2018\u2019\u201b\u02bc\u02b9\u2032`\u00b4\uff07")
_PERIODS = set(".\uff0e\u3002\u2024")
_HYPHENS = set("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2e3a\u2e3b")
_INVISIBLE = set("\u00ad\u200b\u200c\u200d\u2060\ufeff")


def _wants_decomposition(c: str) -> bool:
    o = ord(c)
    return (
        o < 0x370
        or 0x1E00 <= o <= 0x1EFF
        or 0x2000 <= o <= 0x2BFF
        or 0xFB00 <= o <= 0xFB06
        or 0xFF00 <= o <= 0xFFEF
    )


def _fold(text: str) -> str:
    """One character at a time to lowercase ASCII letters/digits, "'" or a separator " "."""
    out = []

    def emit_ascii(s: str) -> None:
        for ch in s:
            if ch.isascii() and ch.isalnum():
                out.append(ch.lower())
            elif ch in "'`":
                out.append("'")
            else:
                out.append(" ")

    for c in text:
        if c.isascii():
            emit_ascii(c)
        elif c in _INVISIBLE or unicodedata.combining(c):
            continue
        elif c in _APOSTROPHES:
            out.append("'")
        elif c in _PERIODS or c in _HYPHENS or c.isspace() or unicodedata.category(c) == "Cc":
            out.append(" ")
        elif not _wants_decomposition(c):
            emit_ascii(anyascii(c))
        else:
            for d in unicodedata.normalize("NFKD", c):
                if d.isascii():
                    emit_ascii(d)
                elif unicodedata.combining(d):
                    continue
                elif d in _APOSTROPHES:
                    out.append("'")
                elif d in _HYPHENS or d.isspace():
                    out.append(" ")
                else:
                    emit_ascii(anyascii(d))
    return "".join(out)


def norm_tokens(text: str) -> list[str]:
    tokens = []
    for raw in _fold(text).split():
        if "'" in raw:
            head, _, tail = raw.rpartition("'")
            if tail == "s" and head.replace("'", ""):
                raw = head  # possessive "'s" is dropped
            raw = raw.replace("'", "")
        if raw:
            tokens.append(raw)
    return tokens


def nkey(text: str) -> str:
    """Compact normalized key: tokens joined without spaces ("U.A.E." and "UAE" -> "uae")."""
    return "".join(norm_tokens(text))


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
            g
            for f in forms
            for g in (f, f.replace(" & ", " and "), f.replace(" and ", " & "))
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
    return per_id, ambiguous


def cldr_names() -> dict[str, list[tuple[str, str]]]:
    """alpha-2 -> [(locale, name)] in LOCALES order."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for loc in LOCALES:
        territories = Locale.parse(loc).territories
        for code, name in territories.items():
            if len(code) == 2 and code.isalpha():
                out[code].append((loc, clean(name)))
    return out


# ------------------------------------------------------------------------------------------
# Build
# ------------------------------------------------------------------------------------------

def build(verbose: bool = True) -> list[dict]:
    log = print if verbose else (lambda *a, **k: None)
    countries = sorted(pycountry.countries, key=lambda c: c.alpha_2)
    current = {c.alpha_2 for c in countries}
    supplement, ambiguous = read_supplement(SUPPLEMENT, current)
    historic = historic_aliases(current)
    cldr = cldr_names()

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
        for loc, n in cldr.get(c.alpha_2, []):
            if loc != "en" and len(nkey(n)) < MIN_CLDR_KEY:
                log(f"short: left out {loc} {n!r} ({nkey(n)!r}) for {c.alpha_2}")
                continue
            cands.append((f"cldr:{loc}", n))
        expanded = []
        for source, alias in cands:
            forms = english_variants(alias) if source in ENGLISH_SOURCES else [alias]
            expanded += [(source, f) for f in forms]
        candidates[c.alpha_2] = expanded
        records[c.alpha_2] = {
            "id": c.alpha_2,
            "name": name,
            "kind": "country",
            "aliases": [],
            "alpha3": c.alpha_3,
            "numeric": c.numeric,
        }

    # Deliberate ambiguity: each listed name on every listed entity and on no other.
    ambiguous_keys: dict[str, set[str]] = {}
    for ids, names in ambiguous:
        for n in names:
            ambiguous_keys[nkey(n)] = set(ids)
    for cid, cands in candidates.items():
        kept = []
        for source, alias in cands:
            owners = ambiguous_keys.get(nkey(alias))
            if owners is not None and cid not in owners:
                log(f"ambiguity: removed {alias!r} ({source}) from {cid}; it belongs to "
                    f"{sorted(owners)} only")
                continue
            kept.append((source, alias))
        candidates[cid] = kept
    for ids, names in ambiguous:
        for cid in ids:
            candidates[cid] += [("ambiguous", n) for n in names]

    # Collision fixes from the supplement.
    for cid, sup in supplement.items():
        drops = {nkey(d): d for d in sup.get("drop", [])}
        if not drops:
            continue
        before = candidates[cid]
        candidates[cid] = [(s, a) for s, a in before if nkey(a) not in drops]
        hit = {nkey(a) for s, a in before if nkey(a) in drops}
        for k, d in drops.items():
            if k not in hit:
                raise SystemExit(f"supplement: 'drop {d}' on {cid} removes nothing; delete it")

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

    # Collisions: a normalized key carried by two ids that is not deliberately ambiguous.
    owners: dict[str, set[str]] = defaultdict(set)
    spelled: dict[tuple[str, str], list[str]] = defaultdict(list)
    for cid, rec in records.items():
        for n in [rec["name"], *rec["aliases"]]:
            k = nkey(n)
            owners[k].add(cid)
            spelled[(k, cid)].append(n)
    collisions = {
        k: ids for k, ids in owners.items() if len(ids) > 1 and k not in ambiguous_keys
    }
    for k in sorted(collisions):
        detail = "; ".join(f"{cid}: {spelled[(k, cid)]}" for cid in sorted(collisions[k]))
        print(f"collision: {k!r} -> {detail}", file=sys.stderr)  # even with --quiet
    if collisions:
        raise SystemExit(
            f"{len(collisions)} unresolved collision(s): add 'drop' lines to {SUPPLEMENT.name}"
        )

    out = [records[cid] for cid in sorted(records)]
    sanity(out, ambiguous)
    return out


def sanity(records: list[dict], ambiguous) -> None:
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
            k = nkey(n)
            holders = {
                r["id"] for r in records if any(nkey(a) == k for a in r["aliases"])
            }
            if holders != set(group_ids):
                fail(f"ambiguous {n!r} is on {sorted(holders)}, expected {sorted(group_ids)}")
            for r in records:
                if nkey(r["name"]) == k:
                    fail(f"{r['id']} is named by the ambiguous {n!r}")

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
    parser.add_argument("--check", action="store_true", help="compare with the file, write nothing")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args()

    records = build(verbose=not args.quiet)
    text = render(records)
    n_aliases = sum(len(r["aliases"]) for r in records)
    summary = f"{len(records)} entries, {n_aliases} aliases"
    if args.check:
        existing = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if existing != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date ({summary})", file=sys.stderr)
            return 1
        print(f"{OUTPUT.relative_to(ROOT)} is up to date ({summary})")
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUTPUT.with_suffix(".jsonl.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(OUTPUT)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
