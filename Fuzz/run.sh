#!/usr/bin/env bash
# Fuzzes GANNumerics's file parsers with libFuzzer and AddressSanitizer.
#
#   Fuzz/run.sh [SECONDS] [TARGET ...]
#
# Builds every target of Fuzz/Package.swift with `-sanitize=fuzzer,address`, then runs each
# TARGET (default: all) for SECONDS (default 60), starting from the seed corpus in
# Fuzz/corpus/<TARGET> and keeping what it finds in Fuzz/.build/corpus/<TARGET>. Crashing
# inputs are written to Fuzz/.build/crashes/<TARGET>/ and the script exits non-zero. The last
# line of each target's report gives the number of inputs it ran.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(Safetensors NumPy IDX PNG Inflate Gzip Configuration TensorBoard)
fi
swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
export SWIFT_BACKTRACE=enable=no  # the Swift backtracer and ASan's reports do not mix
status=0
for target in "${targets[@]}"; do
    mkdir -p ".build/corpus/$target" ".build/crashes/$target"
    echo "== Fuzz$target for ${seconds}s"
    if ! ".build/release/Fuzz$target" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix=".build/crashes/$target/" ".build/corpus/$target" "corpus/$target" \
        > ".build/$target.log" 2>&1; then
        status=1
        echo "Fuzz$target FOUND A CRASH: see Fuzz/.build/$target.log and Fuzz/.build/crashes/$target/"
    fi
    grep -E "^stat::number_of_executed_units|^#[0-9]+ *DONE" ".build/$target.log" | tail -2 || true
done
exit $status
