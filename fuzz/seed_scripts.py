"""Writes seed inputs that hold a letter of every 256-code-point block the transliteration table
(any_ascii) knows, so that fuzzing starts with every block's branch covered instead of finding
them one at a time: a JSON Lines knowledge base for the `kb` target and plain text for
`normalize`. Run from the repository root: python fuzz/seed_scripts.py
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The blocks any_ascii 0.3 has data for, as listed in its src/data.rs (block = code point >> 8).
ANY_ASCII_DATA = "any_ascii-0.3.3/src/data.rs"
NAMES_PER_ENTITY = 10


def blocks() -> list[int]:
    registry = Path.home() / ".cargo" / "registry" / "src"
    (data,) = registry.glob(f"*/{ANY_ASCII_DATA}")
    return [int(b, 16) for b in re.findall(r"^\s+0x([0-9a-f]+) =>", data.read_text(), re.M)]


def letter_of(block: int) -> str:
    """The first letter, digit or symbol of the block, else its middle code point."""
    for cp in range(block << 8, (block << 8) + 256):
        if unicodedata.category(chr(cp))[0] in "LNS":
            return chr(cp)
    return chr((block << 8) | 0x80)


def main() -> None:
    letters = [letter_of(b) for b in blocks()]
    chunks = [
        "".join(letters[i : i + NAMES_PER_ENTITY]) for i in range(0, len(letters), NAMES_PER_ENTITY)
    ]
    # A Latin letter first keeps every name valid, so that every line is read.
    records = [{"id": f"s{i}", "name": f"x {chunk}"} for i, chunk in enumerate(chunks)]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    # JSON escapes with every hex digit in both cases, and a surrogate pair.
    lines.append(
        '{"id": "esc", "name": "x \\u0123\\u4567\\u89ab\\ucdef\\u89AB\\uCDEF\\uD83D\\uDE00"}'
    )
    (HERE / "regressions" / "kb" / "seed-every-script.jsonl").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    (HERE / "regressions" / "normalize" / "seed-every-script.txt").write_text(
        " ".join(chunks), encoding="utf-8"
    )
    print(f"{len(letters)} blocks, {len(records)} entities")


if __name__ == "__main__":
    main()
