"""Memory and time on large inputs: normalizing and linking a long text, and fuzzy linking
against thousands of entities that share one name. Each case runs in a fresh child process,
which reports its peak resident set size (RSS) during the call above what it held before (the
peak is reset just before the call, Linux only), so that neither another case's memory nor the
making of the input hides the call's.

    python benchmarks/large_inputs.py [--mb 50] [--namesakes 40000] [--check]

With --check the exit status is 1 when a call on the long text holds more than 12 bytes per input
byte above its start, or when fuzzy linking against the namesakes takes more than 2 seconds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import gc, json, os, sys, time
import canonica

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)

def rss():
    return status("VmRSS")

def reset_peak():
    # Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS, so that the
    # peak of the call is not hidden by the peak of making its input.
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")

def peak():
    return status("VmHWM")

case, size, namesakes, root = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
article = open(os.path.join(root, "examples", "seed_article.txt"), encoding="utf-8").read()
if case.startswith("namesakes"):
    rows = [{"id": f"p{i}", "name": "John Smith", "kind": "person"} for i in range(namesakes)]
    rows.append({"id": "KZ", "name": "Kazakhstan", "kind": "country"})
    r = canonica.Resolver(canonica.KnowledgeBase.from_records(rows))
    text = ("John Smyth met Jon Smith and Mr. Smith of Kazakstan. " * 64)[:2048]
else:
    r = canonica.Resolver(canonica.KnowledgeBase.from_jsonl(
        os.path.join(root, "examples", "seed_kb.jsonl")))
    text = (article * (size // len(article.encode()) + 1))
    text = text.encode()[:size].decode(errors="ignore")
reset_peak()
base_rss = rss()
start = time.perf_counter()
if case == "normalize":
    out = canonica.normalize(text)
elif case == "link":
    out = r.link(text)
elif case == "link-fuzzy":
    out = r.link(text, fuzzy=True)
elif case == "namesakes-link":
    out = r.link(text)
elif case == "namesakes-link-fuzzy":
    out = r.link(text, fuzzy=True)
elif case == "namesakes-resolve":
    out = [r.resolve(n) for n in ("John Smith", "Jon Smith", "J. Smith", "Smith")]
seconds = time.perf_counter() - start
held = max(peak(), rss()) - base_rss
print(json.dumps({"case": case, "input_bytes": len(text.encode()), "seconds": seconds,
                  "peak_above_start": max(held, 0), "results": len(out)}))
"""

CASES = [
    "normalize",
    "link",
    "link-fuzzy",
    "namesakes-resolve",
    "namesakes-link",
    "namesakes-link-fuzzy",
]


def run(case: str, size: int, namesakes: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, case, str(size), str(namesakes), str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50, help="size of the long text in MB")
    parser.add_argument("--namesakes", type=int, default=40_000, help="entities named John Smith")
    parser.add_argument("--check", action="store_true", help="exit 1 past the limits above")
    args = parser.parse_args()
    size = int(args.mb * 1_000_000)
    failed = False
    print(f"{'case':<22} {'input':>12} {'seconds':>8} {'peak MB':>9} {'bytes/byte':>10}")
    for case in CASES:
        r = run(case, size, args.namesakes)
        per_byte = r["peak_above_start"] / r["input_bytes"]
        print(
            f"{case:<22} {int(r['input_bytes']):>12,} {r['seconds']:>8.2f} "
            f"{r['peak_above_start'] / 2**20:>9.1f} {per_byte:>10.1f}"
        )
        if case.startswith("namesakes"):
            failed |= r["seconds"] > 2
        else:
            failed |= per_byte > 12
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
