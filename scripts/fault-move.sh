#!/usr/bin/env bash
# The fault campaign's kill -9 of `rehome move` (issue 22, docs/faults.md): the end-to-end test
# (real_move MoveEndToEnd: an old-host dockerd with a compose estate moved onto a 3+1 Swarm) with its
# move SIGKILLed at KILLS random points, each a step of the move's dry run and a delay of 0-3 s after the
# step starts, drawn from SEED; every kill is followed by the same command again, until the move is done.
# Then the test's independent checks (psql, mariadb, redis-cli, find | sha256sum) say whether anything
# was lost. Usage:
#   scripts/fault-move.sh [build-dir]      KILLS=20 SEED=<printed, random by default> LIMIT=2400 (s)
# The test runs under flock /tmp/rehome-netns.lock (its fixed addresses on 198.18.0.0/24); LIMIT bounds
# the test itself, not the wait for the lock. Prints the kill points, each kill, and one summary line:
#   fault-move: seed S, kills K, survived K, data lost no (0 of 9 checks failed), move M s, test T s, PASSED
# Exit 0 when the test passed. Reproduce a run with its printed SEED (same build, same KILLS).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
kills=${KILLS:-20}
seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
limit=${LIMIT:-2400}
test_bin=$build/tests/real_move
[[ -x $test_bin && -x $build/rehome ]] || {
  echo "fault-move.sh: $test_bin or $build/rehome is missing: cmake --build $build --target rehome real_move" >&2
  exit 2
}
log=$(mktemp /tmp/rehome-fault-move-XXXXXX.log)
echo "fault-move: seed $seed, $kills kills, the test bounded to $limit s; its whole output: $log"
start=$(date +%s)
rc=0
REHOME_MOVE_KILLS=$kills REHOME_FAULT_SEED=$seed flock /tmp/rehome-netns.lock \
  timeout --signal=INT --kill-after=60 "$limit" "$test_bin" --gtest_filter='MoveEndToEnd.*' >"$log" 2>&1 || rc=$?
grep -E '^\[ (faults|kill -9|figures|campaign) ' "$log" || true
test_s=$(($(date +%s) - start))
line=$(grep '^\[ campaign \]' "$log" | tail -1 || true)
verdict=PASSED
((rc == 0)) || verdict="FAILED (exit $rc$( ((rc == 124)) && echo ": over ${limit} s"))"
if [[ -n $line ]]; then
  echo "fault-move: ${line#*move: }, test ${test_s} s, $verdict"
else
  # The move did not finish (or the checks did not run): the kills before the last one were survived.
  done_kills=$(grep -c '^\[ kill -9  \]' "$log" || true)
  echo "fault-move: seed $seed, kills $done_kills, survived $((done_kills > 0 ? done_kills - 1 : 0)), data lost" \
    "unknown (the move or the test stopped before the checks), test ${test_s} s, $verdict"
  grep -E '^(.*Failure|Expected|  Actual|Value of|Which is)' "$log" | head -20 || true
fi
exit "$rc"
