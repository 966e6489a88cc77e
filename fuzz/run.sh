#!/usr/bin/env bash
# Runs each fuzz target in turn, niced, for SECONDS seconds (default 240), growing its corpus in
# fuzz/corpus/TARGET, seeded from the committed inputs in fuzz/regressions/TARGET. Needs
# cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain RUSTC_BOOTSTRAP=1 lets it use
# the unstable flags it passes to rustc. FUZZ_SANITIZER=none builds without AddressSanitizer
# (several times faster; canonica has no unsafe code).
#   fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-240}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(normalize resolve link kb saved)
fi
export RUSTC_BOOTSTRAP=1
sanitizer=${FUZZ_SANITIZER:-address}
build=(-O -s "$sanitizer")
if [ "$sanitizer" != address ]; then
    build+=(--target-dir "target-$sanitizer")
fi
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    max_len=4096
    case $t in kb | saved) max_len=65536 ;; esac
    echo "== $t: ${seconds}s" >&2
    nice -n 15 cargo fuzz run "${build[@]}" "$t" "corpus/$t" "regressions/$t" -- \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 2>&1 | tee "logs/$t-$sanitizer.log" | grep -E "^#[0-9]+.*(pulse|DONE)|ERROR|panicked|SUMMARY" >&2 || true
done
