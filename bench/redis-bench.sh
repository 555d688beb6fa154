#!/usr/bin/env bash
# Benchmark of `rehome migrate redis`: keys/s against redis-benchmark's pipelined SET rate, one run.
#
#   bash bench/redis-bench.sh [build-dir]      REDIS_KEYS=1000000 by default
#
# Two redis-server on 127.0.0.1 (own ports, temp folder, stopped at exit). redis-benchmark fills the
# source with pipelined SETs (its rate is the yardstick), then rehome copies and verifies every key
# (each batch read back from the target during the copy, then key counts per database), once with
# --method dump (DUMP/RESTORE for every key) and once with the default --method auto (strings by value).
# Target (issue 5): rehome >= 80 % of the SET rate.
set -euo pipefail

build=${1:-build}
rehome=$(cd "$build" && pwd)/rehome
redis_keys=${REDIS_KEYS:-1000000}
work=$(mktemp -d /tmp/rehome-redis-bench-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

echo "== Redis: $redis_keys keys"
rs_port=$(free_port); rd_port=$(free_port)
redis-server --port "$rs_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null & pids+=($!)
redis-server --port "$rd_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null & pids+=($!)
sleep 0.5
set_rate=$(redis-benchmark -h 127.0.0.1 -p "$rs_port" -t set -n "$redis_keys" -r 100000000 -P 16 -d 64 -q --csv \
  | tail -1 | cut -d, -f2 | tr -d '"')
keys=$(redis-cli -p "$rs_port" DBSIZE)
# CPU seconds (user + system) of a process, from /proc: where the time goes during the copy.
cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }
pct() { echo "100 * $1 / $set_rate" | bc -l | xargs printf '%.0f'; }
# One copy with --method $1 into the emptied target; prints its rate, share and CPU seconds.
migrate() {
  local method=$1 what=$2
  redis-cli -p "$rd_port" FLUSHALL >/dev/null
  rm -f "$work/redis.json"
  local src0 dst0 src1 dst1 rate total rverified byvalue
  src0=$(cpu "${pids[0]}"); dst0=$(cpu "${pids[1]}")
  /usr/bin/time -f '%U %S' -o "$work/rehome-cpu" \
    "$rehome" migrate redis --from "redis://127.0.0.1:$rs_port" --to "redis://127.0.0.1:$rd_port" \
    --method "$method" --state "$work/redis.json" --json >"$work/redis-out.json" 2>/dev/null
  src1=$(cpu "${pids[0]}"); dst1=$(cpu "${pids[1]}")
  read -r rate total rverified byvalue <<<"$(python3 -c '
import json,sys; j=json.load(open(sys.argv[1])); print(round(j["keys_per_second"]), round(j["keys_copied"] / j["seconds"]), j["verified"], j["keys_by_value"])' "$work/redis-out.json")"
  printf 'rehome migrate redis --method %s (%s, every batch read back): %s keys/s over %s keys (%s by value, verified: %s) = %s %%   target >= 80 %%\n' \
    "$method" "$what" "$rate" "$keys" "$byvalue" "$rverified" "$(pct "$rate")"
  printf '  whole command (connect, copy, key counts): %s keys/s = %s %%\n' "$total" "$(pct "$total")"
  printf '  CPU seconds during the migration: source redis-server %s, target redis-server %s, rehome %s (user+sys)\n' \
    "$(echo "$src1 - $src0" | bc)" "$(echo "$dst1 - $dst0" | bc)" "$(awk '{print $1 + $2}' "$work/rehome-cpu")"
}
echo "redis-benchmark SET -P 16: $set_rate keys/s"
migrate dump "DUMP/RESTORE for every key"
migrate auto "strings by value with MGET/MSET, the rest DUMP/RESTORE; the default"
# The box is shared: the same SET run again (into the emptied target) shows how much the load moved.
redis-cli -p "$rd_port" FLUSHALL >/dev/null
set_again=$(redis-benchmark -h 127.0.0.1 -p "$rd_port" -t set -n "$redis_keys" -r 100000000 -P 16 -d 64 -q --csv \
  | tail -1 | cut -d, -f2 | tr -d '"')
printf 'redis-benchmark SET -P 16 again after the copies: %s keys/s (the shares above use the first run)\n' "$set_again"
