#!/usr/bin/env bash
# Builds and runs the planner benchmark: rehome against Swarm's spread, first-fit decreasing and CBC's
# optimum, one run printing times, quality and ratios. Usage: bench/plan-bench.sh [build-dir] [--quick]
set -euo pipefail
build="${1:-build}"
shift || true
cmake -S "$(dirname "$0")/.." -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_plan -j 2 >/dev/null
exec "$build/bench/bench_plan" "$@"
