"""Writes seed inputs that hold, from every 256-code-point block the transliteration table
(any_ascii) knows, the first character of each general category present (letter, mark, number,
punctuation, symbol, separator, other), so that fuzzing starts with every block's branch and
every kind of character covered instead of finding them one at a time: a JSON Lines knowledge
base for the `kb` target, text for `normalize` and `link`, and for `resolve` a query and a
knowledge base of one name per line. Run from the repository root:
python fuzz/seed_scripts.py
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The blocks any_ascii 0.3 has data for, as listed in its src/data.rs (block = code point >> 8).
ANY_ASCII_DATA = "any_ascii-0.3.3/src/data.rs"
BLOCKS_PER_ENTITY = 10
HEX_DIGITS = "0123456789abcdefABCDEF"


def blocks() -> list[int]:
    registry = Path.home() / ".cargo" / "registry" / "src"
    (data,) = registry.glob(f"*/{ANY_ASCII_DATA}")
    return [int(b, 16) for b in re.findall(r"^\s+0x([0-9a-f]+) =>", data.read_text(), re.M)]


def characters_of(block: int) -> str:
    """The first character of each general category in the block."""
    first: dict[str, str] = {}
    for cp in range(block << 8, (block << 8) + 256):
        if not 0xD800 <= cp <= 0xDFFF:  # surrogates are not characters
            first.setdefault(unicodedata.category(chr(cp))[0], chr(cp))
    return "".join(first.values())


def escapes() -> str:
    """JSON escapes with every hex digit, in both cases, at each of the four places, and a
    surrogate pair."""
    out = [
        "\\u" + "".join(d if i == place else "4" for i in range(4))
        for place in range(4)
        for d in HEX_DIGITS
    ]
    return "".join(out) + "\\uD83D\\uDE00"


def main() -> None:
    per_block = [characters_of(b) for b in blocks()]
    chunks = [
        "".join(per_block[i : i + BLOCKS_PER_ENTITY])
        for i in range(0, len(per_block), BLOCKS_PER_ENTITY)
    ]
    # A Latin letter first keeps every name valid, so that every line is read. Control
    # characters are written as JSON escapes by json.dumps.
    records = [{"id": f"s{i}", "name": f"x {chunk}"} for i, chunk in enumerate(chunks)]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.append('{"id": "esc", "name": "x ' + escapes() + '"}')
    (HERE / "regressions" / "kb" / "seed-every-script.jsonl").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    for target in ("normalize", "link"):
        (HERE / "regressions" / target / "seed-every-script.txt").write_text(
            " ".join(chunks), encoding="utf-8"
        )
    (HERE / "regressions" / "resolve" / "seed-every-script.txt").write_text(
        "\n".join(f"x {chunk}" for chunk in chunks), encoding="utf-8"
    )
    print(f"{len(per_block)} blocks, {len(records)} entities")


if __name__ == "__main__":
    main()
