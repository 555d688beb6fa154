#!/usr/bin/env bash
# Builds a libFuzzer target (clang, AddressSanitizer + UBSan) and runs it for a bounded time on a seed
# corpus. Usage:
#   scripts/fuzz.sh [TARGET] [seconds=60] [libFuzzer flags...]
#   estate      estate.yaml loading (fuzz_estate), seeds: examples/ and tests/fuzz/corpus/
#   compose     the compose importer (fuzz_compose), seeds: every compose fixture in tests/data/
#   plan        plan.yaml for a fixed estate, written back and read again (fuzz_plan)
#   proposal    the same, then checked as a person's proposal and rendered (fuzz_proposal)
#   targets     validate --targets files (fuzz_targets)
#   engine_api  a Docker engine's answer: HTTP framing, then the Engine API's JSON (fuzz_engine_api)
#   seeds of the last four: tests/fuzz/corpus-<plan|targets|engine>/
# e.g. scripts/fuzz.sh compose 3600 -runs=1000000   (stops at a million executions or an hour)
#      scripts/fuzz.sh 60 -max_len=4096              (estate, as before: small inputs run faster)
# A crash leaves its input in build-fuzz/fuzz-artifacts/; reproduce with
#   build-fuzz/tests/fuzz/fuzz_<target> build-fuzz/fuzz-artifacts/crash-...
# libFuzzer's final stats (stat::number_of_executed_units) give the execution count.
set -euo pipefail
target=estate
case "${1:-}" in
  estate | compose | plan | proposal | targets | engine_api)
    target=$1
    shift
    ;;
esac
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
case "$target" in
  estate)
    seeds=("$root"/examples/*/*.yaml "$root"/tests/fuzz/corpus/*.yaml)
    dict="$root/tests/fuzz/estate.dict"
    ;;
  compose)
    seeds=("$root"/tests/data/compose/*/*.y*ml "$root"/tests/data/deploy/*.yml "$root"/tests/fuzz/corpus/*.yaml)
    dict="$root/tests/fuzz/compose.dict"
    ;;
  plan | proposal)
    seeds=("$root"/tests/fuzz/corpus-plan/* "$root"/examples/wizardsofts/proposal.yaml)
    dict="$root/tests/fuzz/plan.dict"
    ;;
  targets)
    seeds=("$root"/tests/fuzz/corpus-targets/*)
    dict="$root/tests/fuzz/targets.dict"
    ;;
  engine_api)
    seeds=("$root"/tests/fuzz/corpus-engine/*)
    dict="$root/tests/fuzz/engine_api.dict"
    ;;
esac
for f in "${seeds[@]}"; do cp "$f" "$corpus/$(basename "$(dirname "$f")")-$(basename "$f")"; done
echo "fuzz.sh: running fuzz_$target for ${seconds}s on $(ls "$corpus" | wc -l) corpus files"
"$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -dict="$dict" -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" "$corpus"
