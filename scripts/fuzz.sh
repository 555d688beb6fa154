#!/usr/bin/env bash
# Builds the libFuzzer target for estate.yaml (clang, AddressSanitizer + UBSan) and runs it for a
# bounded time on a seed corpus of the examples. Usage: scripts/fuzz.sh [seconds=60] [libFuzzer flags...]
# e.g. scripts/fuzz.sh 60 -max_len=4096 (small inputs run several times faster)
# A crash leaves its input in build-fuzz/fuzz-artifacts/; reproduce with
#   build-fuzz/tests/fuzz/fuzz_estate build-fuzz/fuzz-artifacts/crash-...
set -euo pipefail
seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
build=${REHOME_FUZZ_BUILD:-$root/build-fuzz}
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is missing: apt-get install clang libclang-rt-14-dev" >&2; exit 2; }

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DREHOME_FUZZ=ON -DREHOME_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link" \
  >/dev/null
cmake --build "$build" --target fuzz_estate -j2

corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
mkdir -p "$corpus" "$artifacts"
for f in "$root"/examples/*/*.yaml "$root"/tests/fuzz/corpus/*.yaml; do cp "$f" "$corpus/$(basename "$(dirname "$f")")-$(basename "$f")"; done
echo "fuzz.sh: running fuzz_estate for ${seconds}s on $(ls "$corpus" | wc -l) corpus files"
"$build/tests/fuzz/fuzz_estate" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -dict="$root/tests/fuzz/estate.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" "$corpus"
