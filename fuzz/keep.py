"""Chooses the inputs of a grown corpus worth keeping as regression tests.

    python fuzz/keep.py TARGET [--count 30] [--max-size 1024] [--copy]

Runs the target's fuzz binary (built by `fuzz/run.sh` with FUZZ_SANITIZER=none) in merge mode
over fuzz/regressions/TARGET and then fuzz/corpus/TARGET. libFuzzer's merge control file lists,
for each input in that order, the edges it reaches that no earlier input reached, so the edges of
the regression inputs come first and every corpus input is credited only with edges beyond them
(and beyond the smaller inputs merged before it). Up to --count inputs of at most --max-size bytes
are then chosen greedily for the most such edges, and --copy puts them in fuzz/regressions/TARGET.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
MAX_LEN = {"kb": 65536, "saved": 65536}


def edges_per_input(target: str, kept: Path, corpus: Path) -> tuple[set[int], dict[Path, set[int]]]:
    """The edges the kept inputs reach, and the further edges credited to each corpus input."""
    binary = FUZZ / "target-none" / "x86_64-unknown-linux-gnu" / "release" / target
    with tempfile.TemporaryDirectory() as tmp:
        first = Path(tmp) / "kept"
        shutil.copytree(kept, first)
        control = Path(tmp) / "control"
        subprocess.run(
            [
                "nice",
                "-n",
                "10",
                str(binary),
                "-merge=1",
                f"-merge_control_file={control}",
                f"-max_len={MAX_LEN.get(target, 4096)}",
                "-timeout=10",
                str(first),
                str(corpus),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        lines = control.read_text().splitlines()
        files = [Path(f) for f in lines[2 : 2 + int(lines[0])]]
        reached: dict[int, set[int]] = {}
        for line in lines[2 + len(files) :]:
            if line.startswith("COV "):
                index, *edges = line.split()[1:]
                reached[int(index)] = set(map(int, edges))
        base: set[int] = set()
        new: dict[Path, set[int]] = {}
        for i, f in enumerate(files):
            if f.is_relative_to(first):
                base |= reached.get(i, set())
            else:
                new[f] = reached.get(i, set())
        return base, new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target")
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--max-size", type=int, default=1024)
    parser.add_argument("--copy", action="store_true")
    args = parser.parse_args()
    kept = FUZZ / "regressions" / args.target
    base, new = edges_per_input(args.target, kept, FUZZ / "corpus" / args.target)
    small = {f: e for f, e in new.items() if f.stat().st_size <= args.max_size}
    chosen: list[Path] = []
    got: set[int] = set()
    while small and len(chosen) < args.count:
        best = max(small, key=lambda f: (len(small[f] - got), -f.stat().st_size))
        if not small[best] - got:
            break
        chosen.append(best)
        got |= small.pop(best)
    further = set().union(*new.values()) if new else set()
    largest = max((f.stat().st_size for f in chosen), default=0)
    print(
        f"{args.target}: the kept inputs reach {len(base)} edges, the corpus {len(further)} more; "
        f"{len(chosen)} inputs of at most {largest} bytes reach at least {len(got)} of them"
    )
    if args.copy:
        for f in chosen:
            shutil.copy(f, kept / f.name)


if __name__ == "__main__":
    main()
