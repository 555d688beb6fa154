#!/usr/bin/env bash
# Builds a libFuzzer target (clang, AddressSanitizer + UBSan) and runs it for a bounded time on a seed
# corpus. Usage:
#   scripts/fuzz.sh [estate|compose] [seconds=60] [libFuzzer flags...]
#   estate   estate.yaml loading (fuzz_estate), seeds: examples/ and tests/fuzz/corpus/
#   compose  the compose importer (fuzz_compose), seeds: every compose fixture in tests/data/
# e.g. scripts/fuzz.sh compose 3600 -runs=1000000   (stops at a million executions or an hour)
#      scripts/fuzz.sh 60 -max_len=4096              (estate, as before: small inputs run faster)
# A crash leaves its input in build-fuzz/fuzz-artifacts/; reproduce with
#   build-fuzz/tests/fuzz/fuzz_<target> build-fuzz/fuzz-artifacts/crash-...
# libFuzzer's final stats (stat::number_of_executed_units) give the execution count.
set -euo pipefail
target=estate
if [[ "${1:-}" == "estate" || "${1:-}" == "compose" ]]; then
  target=$1
  shift
fi
seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
build=${REHOME_FUZZ_BUILD:-$root/build-fuzz}
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is missing: apt-get install clang libclang-rt-14-dev" >&2; exit 2; }

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DREHOME_FUZZ=ON -DREHOME_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link" \
  >/dev/null
cmake --build "$build" --target "fuzz_$target" -j2

corpus=$build/fuzz-corpus-$target
artifacts=$build/fuzz-artifacts
mkdir -p "$corpus" "$artifacts"
if [[ "$target" == "estate" ]]; then
  seeds=("$root"/examples/*/*.yaml "$root"/tests/fuzz/corpus/*.yaml)
  dict="$root/tests/fuzz/estate.dict"
else
  seeds=("$root"/tests/data/compose/*/*.y*ml "$root"/tests/data/deploy/*.yml "$root"/tests/fuzz/corpus/*.yaml)
  dict="$root/tests/fuzz/compose.dict"
fi
for f in "${seeds[@]}"; do cp "$f" "$corpus/$(basename "$(dirname "$f")")-$(basename "$f")"; done
echo "fuzz.sh: running fuzz_$target for ${seconds}s on $(ls "$corpus" | wc -l) corpus files"
"$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -dict="$dict" -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" "$corpus"
