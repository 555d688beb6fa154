#!/usr/bin/env bash
# Benchmark of the PostgreSQL final sync (issue 20 item 2): the write-freeze window of
# `rehome migrate postgres --follow` + `--cutover` for databases of several sizes, against a delta
# re-copy, all measured in one run.
#
#   bash bench/follow-bench.sh [build-dir]      SIZES="100 1000" (MB) JOBS=2 RATE=200 (writer tx/s)
#
# For each size: a generated database (four tables: large 50 %, medium 30 %, small 20 %, plus the
# writers' ledger) on a source with wal_level = logical; pgbench writes all along at RATE transactions
# a second (each: an INSERT into ledger, an UPDATE of a random row of large). Then:
#   follow:  rehome migrate postgres --follow copies while pgbench writes; pgbench goes on for HOLD
#            seconds (default 5) while the target follows, then stops ("writers stopped"), and
#            rehome ... --cutover catches up, detaches the target and sets the sequences (the write
#            freeze: writers stopped -> target writable), then verifies every table, the frozen source
#            against the target's snapshot of that instant ("verified after"), and drops the slot. The
#            cutover's own figures are printed with the command's wall time beside them.
#   delta:   without replication, the shortest final pass is a re-copy of the tables the writers
#            changed (ledger and large, verified), run after the writers stopped: its wall time is that
#            window.
# The servers run on 127.0.0.1 in a temp folder, stopped at exit.
set -euo pipefail

build=${1:-build}
rehome=$(cd "$build" && pwd)/rehome
sizes=${SIZES:-100 1000}
jobs=${JOBS:-2}
rate=${RATE:-200}
hold=${HOLD:-5}
source "$(dirname "$0")/lib.sh"
pg_pair rehome-follow-bench

declare -A window verified catch_up cutover_wall delta copy_time lag_bytes
for size in $sizes; do
  db="bench_$size"
  echo "== $size MB"
  t=$(now); pg_generate "$db" "$size"
  echo "   generated $(psql_src -d "$db" -At -c "SELECT pg_size_pretty(pg_database_size('$db'))") in $(elapsed "$t") s"
  psql_dst -d postgres -c "CREATE DATABASE $db" >/dev/null
  src_url="postgresql://postgres@127.0.0.1:$src_port/$db"
  dst_url="postgresql://postgres@127.0.0.1:$dst_port/$db"

  pg_start_writers "$db"
  sleep 1
  t=$(now)
  "$rehome" migrate postgres --from "$src_url" --to "$dst_url" --jobs "$jobs" --state "$work/follow-$db.json" \
    --follow >"$work/follow.out" 2>&1 || { cat "$work/follow.out" >&2; exit 1; }
  copy_time[$size]=$(elapsed "$t")
  echo "   follow copy (writers on): ${copy_time[$size]} s; the target follows"
  sleep "$hold"
  pg_stop_writers
  t=$(now)
  "$rehome" migrate postgres --from "$src_url" --to "$dst_url" --jobs "$jobs" --state "$work/follow-$db.json" \
    --cutover --json >"$work/cutover.json" 2>"$work/cutover.log" || { cat "$work/cutover.json" "$work/cutover.log" >&2; exit 1; }
  cutover_wall[$size]=$(elapsed "$t")
  read -r window[$size] verified[$size] catch_up[$size] < <(python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))["seconds"]; print("%.2f %.2f %.2f" % (s["window"], s["verified"], s["catch_up"]))' \
    "$work/cutover.json")
  lag_bytes[$size]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lag_bytes_at_start"])' "$work/cutover.json")
  echo "   cutover: writable after ${window[$size]} s (catch-up ${catch_up[$size]} s), verified after" \
       "${verified[$size]} s (command ${cutover_wall[$size]} s, ${lag_bytes[$size]} bytes behind at the stop)"
  echo "   writes: $(psql_src -d "$db" -At -c 'SELECT count(*) FROM ledger') ledger rows," \
       "target $(psql_dst -d "$db" -At -c 'SELECT count(*) FROM ledger')"

  # The delta re-copy: the writers change ledger and large; without replication the final pass
  # re-copies them (verified) while the writers are stopped.
  pg_start_writers "$db"; sleep "$hold"; pg_stop_writers
  t=$(now)
  "$rehome" migrate postgres --from "$src_url" --to "$dst_url" --jobs "$jobs" --state "$work/delta-$db.json" \
    --tables ledger,large --truncate >"$work/delta.out" 2>&1 || { cat "$work/delta.out" >&2; exit 1; }
  delta[$size]=$(elapsed "$t")
  echo "   delta re-copy (ledger + large): ${delta[$size]} s"
  psql_src -d postgres -c "DROP DATABASE $db" >/dev/null
  psql_dst -d postgres -c "DROP DATABASE $db" >/dev/null
done

echo
echo "| size | copy with --follow (writers on) | catch-up | write freeze (to writable) | verified after | cutover command | delta re-copy | delta / freeze |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for size in $sizes; do
  echo "| $size MB | ${copy_time[$size]} s | ${catch_up[$size]} s | ${window[$size]} s | ${verified[$size]} s |" \
       "${cutover_wall[$size]} s | ${delta[$size]} s | $(ratio "${delta[$size]}" "${window[$size]}" 1)x |"
done
