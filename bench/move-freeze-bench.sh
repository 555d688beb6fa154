#!/usr/bin/env bash
# The write freeze of one PostgreSQL database in `rehome move` (issue 20's figure for 1 GB), on
# loopback: the move's own passes for a postgres item, as its dry run prints them
# (src/move/data_commands.cpp) and as its executor runs them in process (src/move/final_sync.cpp: the
# same library calls):
#   07 copy        rehome migrate postgres --from --to --jobs J --follow --state S   (writers on; the
#                  source has wal_level = logical, so the target follows it)
#   (hold)         HOLD seconds more of writes: the move's other copies run meanwhile
#   08 freeze      the old writers stop: the freeze starts
#   09 final sync  rehome migrate postgres --from --to --jobs J --cutover   (catch up, detach, set the
#                  sequences: writable; then every table of the frozen source proven against the target)
#   10 verify      nothing runs after a cutover: the final sync's proof stands (it ran the copy's state
#                  again until 2026-12-07, 39.8 s of a 52.5 s freeze at 1 GB)
# The database's part of the freeze is 08 -> end of 09. In the move, the new writers start after the
# unreach, edge and writers steps of the Swarm (measured by real_move MoveEndToEnd, not here).
#
#   bash bench/move-freeze-bench.sh [build-dir]      SIZE=1000 (MB) JOBS=2 RATE=200 (writer tx/s) HOLD=10
set -euo pipefail

build=${1:-build}
rehome=$(cd "$build" && pwd)/rehome
size=${SIZE:-1000}
jobs=${JOBS:-2}
rate=${RATE:-200}
hold=${HOLD:-10}
source "$(dirname "$0")/lib.sh"
pg_pair rehome-move-freeze
fail() { cat "$@" >&2; exit 1; }

db=app
t=$(now); pg_generate "$db" "$size"
on_disk=$(psql_src -d "$db" -At -c "SELECT pg_size_pretty(pg_database_size('$db'))")
echo "generated $on_disk in $(elapsed "$t") s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
psql_dst -d postgres -c "CREATE DATABASE $db" >/dev/null
from="postgresql://postgres@127.0.0.1:$src_port/$db"
to="postgresql://postgres@127.0.0.1:$dst_port/$db"
state=$work/state.app.copy.json

pg_start_writers "$db"
sleep 1
t=$(now)
"$rehome" migrate postgres --from "$from" --to "$to" --jobs "$jobs" --follow --state "$state" \
  >"$work/copy.out" 2>&1 || fail "$work/copy.out"
copy_s=$(elapsed "$t")
echo "07 copy (writers on, --follow): $copy_s s; the target follows; $hold s more of writes"
sleep "$hold"

t0=$(now)
pg_stop_writers
stopped_s=$(elapsed "$t0")
"$rehome" migrate postgres --from "$from" --to "$to" --jobs "$jobs" --cutover --json >"$work/cutover.json" \
  2>"$work/cutover.log" || fail "$work/cutover.json" "$work/cutover.log"
final_s=$(elapsed "$t0")
freeze_s=$final_s
read -r window catch_up proven lag < <(python3 -c 'import json,sys
j = json.load(open(sys.argv[1])); s = j["seconds"]
print("%.2f %.2f %.2f %d" % (s["window"], s["catch_up"], s["verified"], j["lag_bytes_at_start"]))' "$work/cutover.json")
src_rows=$(psql_src -d "$db" -At -c 'SELECT count(*) FROM ledger')
dst_rows=$(psql_dst -d "$db" -At -c 'SELECT count(*) FROM ledger')
echo "08 freeze: writers stopped in $stopped_s s"
echo "09 final sync (--cutover): target writable after $window s (catch-up $catch_up s from $lag bytes behind)," \
  "tables proven after $proven s; the step $final_s s from the stop"
echo "10 verify: nothing runs after a cutover (its proof stands)"
echo "ledger rows: source $src_rows, target $dst_rows"
[[ $src_rows == "$dst_rows" ]] || { echo "move-freeze-bench: the target lacks acknowledged writes" >&2; exit 1; }
echo
echo "| database | copy (writers on) | stop -> writable | final sync step (its proof included) | freeze of the database (stop -> proven) |"
echo "|---|---:|---:|---:|---:|"
echo "| $on_disk PostgreSQL, $rate tx/s | $copy_s s | $window s | $final_s s | $freeze_s s |"
