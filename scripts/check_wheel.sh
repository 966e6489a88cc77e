#!/usr/bin/env bash
# Builds canonica's wheel as a user would (`pip wheel .`), checks that it is an abi3 wheel, and
# installs and runs it in a fresh virtual environment whose PATH holds only that environment's
# bin and /usr/bin: no cargo, no rustc. Then checks that building from source without cargo
# stops with a clear message instead of downloading a Rust toolchain.
#
#     scripts/check_wheel.sh [PYTHON]      (make wheel-check; the wheel is left in dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building the wheel (pip wheel .)"
"$python" -m pip wheel . --no-deps --quiet --wheel-dir "$work/dist"
wheel=$(ls "$work"/dist/canonica-*.whl)
case "$(basename "$wheel")" in
    *-cp310-abi3-*) ;;
    *) echo "not an abi3 wheel for Python 3.10+: $wheel" >&2; exit 1 ;;
esac
mkdir -p dist && cp "$wheel" dist/
echo "built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

"$python" -m venv "$work/venv"
bare=(env -i "HOME=$HOME" "PATH=$work/venv/bin:/usr/bin" LC_ALL=C.UTF-8)
if "${bare[@]}" bash -c 'command -v cargo || command -v rustc'; then
    echo "cargo or rustc is on the bare PATH; the check would prove nothing" >&2
    exit 1
fi
"${bare[@]}" pip install --quiet --no-index "$wheel"
out=$("${bare[@]}" canonica resolve --kb examples/seed_kb.jsonl --column mention \
    --input examples/mentions.csv)
echo "$out" | grep -q ',kassym_jomart_tokayev,' || { echo "unexpected output: $out" >&2; exit 1; }
"${bare[@]}" canonica resolve U.A.E. | grep -q '^U.A.E.,AE,' || exit 1
"${bare[@]}" python -c 'import canonica; assert canonica.Resolver(canonica.countries()).resolve("UAE").id == "AE"'
echo "the wheel installs and runs without a Rust toolchain"

# Building from source without cargo: a clear message, no download.
"$work/venv/bin/python" -m pip install --quiet "maturin>=1.9.4,<2"
if "${bare[@]}" pip install --no-build-isolation --no-index "$PWD" >"$work/log" 2>&1; then
    echo "building without cargo succeeded?" >&2
    exit 1
fi
grep -q "building from source needs Rust's cargo" "$work/log" || {
    cat "$work/log" >&2
    echo "building without cargo did not say that cargo is missing" >&2
    exit 1
}
if grep -qi "installing into a temporary directory\|puccinialin" "$work/log"; then
    echo "building without cargo tried to download Rust" >&2
    exit 1
fi
echo "building from source without cargo stops with a clear message"
