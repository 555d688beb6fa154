#!/usr/bin/env bash
# Runs the benchmarks (what `make bench` calls). The cheap ones by default, a few minutes in all:
#   bench_plan --quick   planner quality and time at 1k and 10k replicas (plan-bench.sh runs it in full)
#   bench_failover       every N-1 / N-2 failure scenario against a full re-plan per scenario
#   bench_resp           RESP reply parsing against hiredis' reader
#   bench_row_hash       the row hash's cost per row
# With --long also the ones that take from minutes to an hour, and need PostgreSQL, pgcopydb, Redis and CBC:
#   bench_plan           in full (the 100k case, Google Benchmark timings, CBC's optimum)
#   migrate-bench.sh     rehome migrate postgres / redis against pg_dump, pgcopydb, redis-benchmark
#   backup-bench.sh      rehome backup run into restic against pg_dump -Fc; 1 % changed: data_added
#
#   bash bench/run-all.sh [build-dir] [--long]      (or BENCH_LONG=1)
#
# Each benchmark's output goes to RESULTS (default: build-dir/bench-results/<UTC time>/<name>.txt) as
# well as the terminal; the last line says where. The figures worth keeping are copied by hand, latest
# first, to bench/results/ (one file per benchmark) with the commit measured.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=build
long=${BENCH_LONG:-}
for arg in "$@"; do
  case "$arg" in
    --long) long=1 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run-all.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
    *) build=$arg ;;
  esac
done
results=${RESULTS:-$build/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$results"
results=$(cd "$results" && pwd)

targets=(bench_plan bench_failover bench_resp bench_row_hash)
cmake -S "$here/.." -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target rehome "${targets[@]}" >/dev/null

failed=()
run() {  # run NAME COMMAND...: prints and keeps the output, carries on when one fails
  local name=$1
  shift
  echo "== $name: $*"
  if ! "$@" 2>&1 | tee "$results/$name.txt"; then
    failed+=("$name")
  fi
}

{
  echo "commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "date   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host   $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$results/README.txt"

if [[ -n $long ]]; then
  run plan "$build/bench/bench_plan"
else
  run plan-quick "$build/bench/bench_plan" --quick
fi
run failover "$build/bench/bench_failover"
run resp "$build/bench/bench_resp"
run row-hash "$build/bench/bench_row_hash"
if [[ -n $long ]]; then
  run migrate bash "$here/migrate-bench.sh" "$build"
  run backup bash "$here/backup-bench.sh" "$build"
fi

echo
echo "Results in $results/ (one .txt per benchmark; README.txt names the commit and the machine's load)."
if [[ -z $long ]]; then
  echo "The long benchmarks (bench_plan in full, migrate-bench.sh, backup-bench.sh) run with --long."
fi
if ((${#failed[@]})); then
  echo "Failed: ${failed[*]}" >&2
  exit 1
fi
