"""Memory and time on large inputs: normalizing and linking a long text, and fuzzy linking
against thousands of entities that share one name. Each case runs in a fresh child process,
which reports its peak resident set size (RSS) above what it held before the call, so that one
case's memory does not hide another's.

    python benchmarks/large_inputs.py [--mb 50] [--namesakes 40000] [--check]

With --check the exit status is 1 when a call on the long text holds more than 8 bytes per input
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
import json, os, resource, sys, time
import canonica

PAGE = os.sysconf("SC_PAGE_SIZE")

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

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
base_rss, base_peak = rss(), peak()
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
held = max(peak(), rss()) - max(base_peak, base_rss)
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
            failed |= per_byte > 8
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
