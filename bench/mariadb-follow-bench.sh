#!/usr/bin/env bash
# Benchmark of the MariaDB final sync under a writer: the write-freeze window of the binlog cutover
# (`rehome migrate mariadb --follow`, then `--cutover` once the writers stopped; `rehome move` runs the
# same follower in process) against the fallback a source without a usable binlog gets, the whole
# verified pass under the freeze (`--truncate`), at each size in one run. The cutover's window must
# not grow with the database: it applies only what the follower had not applied yet.
#
#   bash bench/mariadb-follow-bench.sh [build-dir]     SIZES="100 400" (MB) JOBS=2 WRITE_SECONDS=10
#
# For each size: a fresh source (binlog_format = ROW) with a database `bench` of about SIZE MB (8 InnoDB
# tables, ~200-byte rows) and an empty target. A writer (one mariadb client, autocommit inserts and
# updates as fast as it goes) writes from before the copy to the freeze. `--follow` copies, proves and
# follows; once `--lag` shows it within 64 KB, the writer goes on WRITE_SECONDS more (the follow under
# load), then stops (its client exits: every write acknowledged) and `--cutover` runs. Then, the writers
# still stopped, the whole verified pass the fallback would run under the freeze. Printed per size: the
# writes, the binlog bytes behind at the freeze, the cutover's window (writers stopped -> target
# writable), its wall time with the proof, the whole pass, and the ratio. Figures, latest first:
# bench/results/migrate.md. Servers on 127.0.0.1 in a temp folder, stopped at exit.
set -euo pipefail

build=${1:-build}
rehome=$(cd "$build" && pwd)/rehome
sizes=${SIZES:-100 400}
jobs=${JOBS:-2}
write_seconds=${WRITE_SECONDS:-10}
work=$(mktemp -d /tmp/rehome-mariadb-follow-bench-XXXXXX)
chmod 755 "$work"
user=$(id -un)
if [[ $(id -u) -eq 0 ]]; then user=mysql; chown mysql "$work"; fi
pids=()
stop_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  pids=()
}
cleanup() { stop_servers; rm -rf "$work"; }
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

sql() { mariadb --no-defaults -uroot --socket="$work/$1/sock" -N -e "$2"; }

writer() {  # port: autocommit writes until $work/stop exists; the client exits once all are acknowledged
  local i=0
  while [[ ! -e $work/stop ]]; do
    i=$((i + 1))
    echo "INSERT INTO bench.w (v, note) VALUES ($i, 'w$i'); UPDATE bench.t1 SET amount = amount + 1 WHERE id = $((i % 100000 + 1));"
  done | mariadb --no-defaults -uroot -h127.0.0.1 -P"$1" >/dev/null
}

printf '%-7s %11s %8s %14s %12s %13s %12s %7s %s\n' "size" "rows" "writes" "behind (bytes)" "window" \
  "cutover+proof" "whole pass" "ratio" "verified"
for size in $sizes; do
  rm -f "$work/stop" "$work/follow.out"; rm -rf "$work/src" "$work/dst" "$work/state"
  src=$(free_port); dst=$(free_port)
  start_mariadb src "$src" ROW; start_mariadb dst "$dst"
  rows=$((size * 1024 * 1024 / 200 / 8))
  sql src "CREATE DATABASE bench; CREATE TABLE bench.w (id BIGINT AUTO_INCREMENT PRIMARY KEY, v BIGINT, note VARCHAR(40))"
  for t in $(seq 1 8); do
    sql src "USE bench; CREATE TABLE bench.t$t (id BIGINT PRIMARY KEY, grp INT, amount DECIMAL(18,4), at DATETIME,
      body VARCHAR(150), KEY (grp)); INSERT INTO bench.t$t SELECT seq, seq % 1000, seq / 7,
      '2024-01-01' + INTERVAL seq SECOND, CONCAT(MD5(seq), MD5(seq + 1), MD5(seq + 2)) FROM seq_1_to_$rows"
  done
  from="mariadb://root@127.0.0.1:$src/bench"; to="mariadb://root@127.0.0.1:$dst/bench"
  writer "$src" & wpid=$!
  "$rehome" migrate mariadb --from "$from" --to "$to" --jobs "$jobs" --work-dir "$work/state" --no-accounts \
    --follow >"$work/follow.out" 2>&1 & fpid=$!
  until grep -qs "applying the source's binlog" "$work/follow.out"; do
    kill -0 $fpid 2>/dev/null || { echo "follow failed:"; tail "$work/follow.out"; exit 1; }; sleep 0.5
  done
  for _ in $(seq 1 600); do
    behind=$("$rehome" migrate mariadb --from "$from" --to "$to" --lag --json 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_behind"])' 2>/dev/null || echo 99999999)
    ((behind < 65536)) && break; sleep 0.5
  done
  sleep "$write_seconds"
  touch "$work/stop"; wait $wpid; t0=$(now)
  "$rehome" migrate mariadb --from "$from" --to "$to" --jobs "$jobs" --cutover --json >"$work/cutover.json" \
    2>"$work/cutover.err" || { echo "cutover failed:"; cat "$work/cutover.err"; exit 1; }
  wall=$(elapsed "$t0")
  wait $fpid
  writes=$(sql src "SELECT COUNT(*) FROM bench.w")
  # The fallback under the same freeze: the whole database again, verified.
  t0=$(now)
  "$rehome" migrate mariadb --from "$from" --to "$to" --jobs "$jobs" --state "$work/state/whole.json" \
    --no-accounts --truncate >"$work/whole.out" 2>&1 || { echo "whole pass failed:"; tail "$work/whole.out"; exit 1; }
  whole=$(elapsed "$t0")
  python3 - "$work/cutover.json" "$size MB" "$((rows * 8))" "$writes" "$wall" "$whole" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
window, whole = c["seconds"]["window"], float(sys.argv[6])
print(f"{sys.argv[2]:<7} {int(sys.argv[3]):>11,} {int(sys.argv[4]):>8,} {c['lag_bytes_at_start']:>14,} "
      f"{window:>10.3f} s {float(sys.argv[5]):>11.2f} s {whole:>10.2f} s {whole / max(window, 1e-3):>6.0f}x "
      f"{c['verified']}")
PY
  stop_servers
done
