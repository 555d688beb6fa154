#!/usr/bin/env bash
# Benchmark of `rehome migrate postgres` and `rehome migrate redis`, all sides timed in one run.
#
#   bash bench/migrate-bench.sh [build-dir]      SIZE_MB=1100 JOBS=2 by default (REDIS_KEYS: redis-bench.sh;
#                                                SKIP_REDIS=1: PostgreSQL only)
#
# PostgreSQL: a generated database of SIZE_MB (>= 1 GB) in 24 tables of mixed sizes (one large,
# three medium, twenty small; primary keys plus a secondary index each) is copied to another local
# server by (1) pg_dump -Fc | pg_restore, (2) pg_dump -Fd -j JOBS + pg_restore -j JOBS (each also
# compared with a rehome run right after it),
# (3) pgcopydb clone and (4) rehome migrate postgres --jobs JOBS, verification included, and rehome
# --analyze (statistics gathered, as pgcopydb's VACUUM ANALYZE does), interleaved for PAIRS rounds
# (default 3, medians compared: they are close); then, for the like-with-like figures, (5) the
# proof's cost: rehome --verify none (the copy alone), stream (the default) and readback
# (byte-exact), interleaved for REPEAT rounds (default 5), medians compared. Each target database
# is dropped once timed, so autovacuum of an earlier contender's tables does not load a later one.
# Redis: bench/redis-bench.sh (keys/s of rehome migrate redis against redis-benchmark's SET rate).
# Targets (issue 5): rehome >= 2.0x (1) and >= 1.3x (2), <= pgcopydb's time, verify <= 25 % of copy,
# redis >= 80 % of the SET rate. The servers run on 127.0.0.1 in a temp folder, stopped at exit.
set -euo pipefail

build=${1:-build}
rehome=$(cd "$build" && pwd)/rehome
size_mb=${SIZE_MB:-1100}
jobs=${JOBS:-2}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/rehome-bench-XXXXXX)
logs=/tmp/rehome-bench-logs; mkdir -p "$logs"
chmod 755 "$work"
as_pg=()
if [[ $(id -u) -eq 0 ]]; then as_pg=(runuser -u postgres --); chown postgres "$work"; fi

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f $work/src/postmaster.pid ]] && "${as_pg[@]}" "$bin/pg_ctl" -D "$work/src" -m immediate stop >/dev/null 2>&1 || true
  [[ -f $work/dst/postmaster.pid ]] && "${as_pg[@]}" "$bin/pg_ctl" -D "$work/dst" -m immediate stop >/dev/null 2>&1 || true
  cp "$work"/*.log "$logs"/ 2>/dev/null || true  # server logs survive for a post-mortem
  rm -rf "$work"
}
trap cleanup EXIT

# CPU seconds used so far by both servers (exited backends are in the postmaster's cutime/cstime) and
# by this script's finished children (pg_dump, pg_restore, pgcopydb, rehome): a figure other load on
# the box does not inflate, unlike wall time.
server_cpu() {  # [servers]: src dst by default
  local ticks=0 pm c
  for d in ${1:-src dst}; do
    pm=$(head -1 "$work/$d/postmaster.pid")
    ticks=$((ticks + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")))
    for c in $(cat /proc/"$pm"/task/*/children); do
      ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || echo 0)))
    done
  done
  echo "$ticks / $(getconf CLK_TCK)" | bc -l
}
# `times` (this shell's finished children) must run in the shell that started the tools, not in a
# $(...) subshell: cpu_mark NAME writes the CPU seconds so far to a file, cpu_used NAME reads
# NAME.end - NAME.
cpu_mark() {
  times >"$work/times.txt"
  local tools
  tools=$(tail -1 "$work/times.txt" | sed 's/m/ /g; s/s//g' | awk '{print $1 * 60 + $2 + $3 * 60 + $4}')
  echo "$(server_cpu) + $tools" | bc -l >"$work/cpu.$1"
  server_cpu src >"$work/srccpu.$1"
}
cpu_used() { echo "$(cat "$work/cpu.$1.end") - $(cat "$work/cpu.$1")" | bc -l | xargs printf '%.1f'; }
# The source server's share alone: the source's work (COPY out of the same snapshot) is the same
# whichever proof the target runs, so its CPU seconds gauge how fast the box was during that run.
src_cpu_used() { echo "$(cat "$work/srccpu.$1.end") - $(cat "$work/srccpu.$1")" | bc -l | xargs printf '%.2f'; }

source "$(dirname "$0")/lib.sh"

src_port=$(free_port); start_pg src "$src_port" replica
dst_port=$(free_port); start_pg dst "$dst_port" replica
SRC="postgresql://postgres@127.0.0.1:$src_port/bench"
dst() { echo "postgresql://postgres@127.0.0.1:$dst_port/$1"; }
psql_src() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$src_port" -U postgres -d bench "$@"; }
psql_dst() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$dst_port" -U postgres "$@"; }

echo "== generating ${size_mb} MB in 24 tables"
"$bin/psql" -X -q -h 127.0.0.1 -p "$src_port" -U postgres -d postgres -c "CREATE DATABASE bench"
t=$(now)
# A row is ~200 bytes on disk: rows = MB * 5000 * share.
total_rows=$((size_mb * 5000))
make_table() {  # name share_per_mille
  local rows=$((total_rows * $2 / 1000))
  psql_src <<SQL
CREATE TABLE $1 (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(14,2), created timestamptz,
  label text, flags int[], doc jsonb);
INSERT INTO $1 SELECT g, g % 10007, (g % 100000) / 7.0, '2024-01-01'::timestamptz + g * interval '1 second',
  'row ' || g || ' ' || md5(g::text), ARRAY[g % 3, g % 5], jsonb_build_object('k', g % 1000, 'v', md5((g*3)::text))
FROM generate_series(1, $rows) g;
CREATE INDEX ${1}_account_idx ON $1 (account);
SQL
}
make_table large 350 &
make_table medium_1 100 &
wait
make_table medium_2 100 &
make_table medium_3 100 &
wait
for i in $(seq 1 20); do
  make_table "small_$(printf %02d "$i")" $(( (i % 4 + 1) * 7 )) &
  if (( i % 2 == 0 )); then wait; fi
done
wait
psql_src -c "VACUUM ANALYZE" >/dev/null
db_size=$(psql_src -At -c "SELECT pg_database_size('bench')")
echo "generated $(echo "$db_size / 1000000" | bc) MB (with indexes) in $(elapsed "$t") s"

# A checkpoint on both servers before each contender: none of an earlier one's dirty pages and WAL
# lands in its measured window.
fresh_target() {
  psql_dst -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" -c "CHECKPOINT" >/dev/null
  psql_src -c "CHECKPOINT" >/dev/null
}
drop_target() { psql_dst -d postgres -c "DROP DATABASE $1" >/dev/null; }

# A rehome run into a fresh database DB with one extra flag: prints the wall time, the CPU seconds and
# the source's CPU seconds; what it printed in $work/rehome-DB.out (its --json summary with --json).
rehome_variant() {  # DB extra-flag
  fresh_target "$1"; rm -f "$work/state-$1.json"; local t; t=$(now); cpu_mark "$1"
  "$rehome" migrate postgres --from "$SRC" --to "$(dst "$1")" --jobs "$jobs" --state "$work/state-$1.json" "$2" \
    >"$work/rehome-$1.out" 2>"$work/rehome-$1.log" || { cat "$work/rehome-$1.out" "$work/rehome-$1.log" >&2; exit 1; }
  cpu_mark "$1.end"; echo "$(elapsed "$t") $(cpu_used "$1") $(src_cpu_used "$1")"; drop_target "$1"
}
run_rehome() { rehome_variant rehome --json; }  # the verified run, its summary in $work/rehome-rehome.out
# The dump-and-restore contenders run once each (a minute apiece), so each is also compared with a
# rehome run right after it: the box's speed drifts by up to a factor of two within minutes, and a
# ratio of runs minutes apart would measure the drift.
echo "== 1: pg_dump -Fc | pg_restore"
fresh_target plain; t=$(now); cpu_mark plain
"$bin/pg_dump" -Fc "$SRC" | "$bin/pg_restore" -d "$(dst plain)"
t_plain=$(elapsed "$t"); cpu_mark plain.end; cpu_plain=$(cpu_used plain); echo "   $t_plain s, $cpu_plain CPU s"; drop_target plain
read -r w_next_plain _ <<<"$(run_rehome)"; echo "   rehome right after: $w_next_plain s"

echo "== 2: pg_dump -Fd -j$jobs + pg_restore -j$jobs"
fresh_target dir; t=$(now); cpu_mark dir
"$bin/pg_dump" -Fd -j "$jobs" -f "$work/dump" "$SRC"
"$bin/pg_restore" -j "$jobs" -d "$(dst dir)" "$work/dump"
t_dir=$(elapsed "$t"); cpu_mark dir.end; cpu_dir=$(cpu_used dir); echo "   $t_dir s, $cpu_dir CPU s"; rm -rf "$work/dump"; drop_target dir
read -r w_next_dir _ <<<"$(run_rehome)"; echo "   rehome right after: $w_next_dir s"

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# pgcopydb and rehome are close, and a single run of each moves by 20 % with the box: they run
# interleaved for PAIRS rounds (default 3, the order turning each round), and their medians are
# compared.
run_pgcopydb() {  # prints wall and CPU seconds, or nothing when pgcopydb fails
  fresh_target copydb; rm -rf "$work/pgcopydb"; local t; t=$(now); cpu_mark copydb
  if pgcopydb clone --source "$SRC" --target "$(dst copydb)" --table-jobs "$jobs" --index-jobs "$jobs" \
       --dir "$work/pgcopydb" --no-owner --no-acl >"$work/pgcopydb.log" 2>&1; then
    cpu_mark copydb.end; echo "$(elapsed "$t") $(cpu_used copydb)"
  fi
  drop_target copydb
}
pairs=${PAIRS:-3}
have_pgcopydb=$(command -v pgcopydb >/dev/null && echo yes || true)
echo "== 3+4: pgcopydb clone --table-jobs $jobs --index-jobs $jobs, rehome migrate postgres --jobs $jobs" \
     "(verification included) and the same with --analyze, interleaved, $pairs rounds"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
walls_copydb="" cpus_copydb="" walls_rehome="" cpus_rehome="" copydb_ratios="" walls_analyze="" cpus_analyze=""
for r in $(seq 1 "$pairs"); do
  for turn in 0 1; do
    if (( (turn + r) % 2 == 1 )); then
      [[ -n $have_pgcopydb ]] || continue
      read -r w c <<<"$(run_pgcopydb)"
      if [[ -z $w ]]; then echo "   pgcopydb failed:"; tail -5 "$work/pgcopydb.log"; have_pgcopydb=""; continue; fi
      walls_copydb+="$w "; cpus_copydb+="$c "; w_copydb=$w
      echo "   round $r, pgcopydb: $w s, $c CPU s"
    else
      read -r w c _ <<<"$(run_rehome)"
      walls_rehome+="$w "; cpus_rehome+="$c "; w_rehome=$w
      echo "   round $r, rehome:   $w s, $c CPU s"
    fi
  done
  [[ -n $have_pgcopydb ]] && copydb_ratios+="$(echo "$w_copydb / $w_rehome" | bc -l) "
  # A single --analyze run against pgcopydb's median compared two moments of the box (0.81x to 1.13x).
  read -r w c _ <<<"$(rehome_variant rehome_analyze --analyze)"
  walls_analyze+="$w "; cpus_analyze+="$c "
  echo "   round $r, rehome --analyze: $w s, $c CPU s"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
t_rehome=$(echo "$walls_rehome" | median); cpu_rehome=$(echo "$cpus_rehome" | median)
t_analyze=$(echo "$walls_analyze" | median); cpu_analyze=$(echo "$cpus_analyze" | median)
t_pgcopydb=""
if [[ -n $have_pgcopydb ]]; then
  t_pgcopydb=$(echo "$walls_copydb" | median); cpu_pgcopydb=$(echo "$cpus_copydb" | median)
  copydb_paired=$(echo "$copydb_ratios" | median | xargs printf '%.2f')
fi
read -r schema copy indexes verify copy_work verify_work index_work verified tables <<<"$(python3 -c '
import json,sys; j=json.load(open(sys.argv[1])); s=j["seconds"]
print(s["schema"], s["copy"], s["indexes"], s["verify"], s["copy_work"], s["verify_work"], s["index_work"],
      j["verified"], len(j["tables"]))' "$work/rehome-rehome.out")"
echo "   rehome's last run: schema $schema s, copy+per-table work $copy s, remaining post-data $indexes s," \
     "final verify $verify s; $tables tables verified: $verified"
echo "   worker time: copying $copy_work s, proving $verify_work s, indexes+ANALYZE $index_work s"
echo "   proof by table: $(python3 -c '
import collections,json,sys; j=json.load(open(sys.argv[1]))
c=collections.Counter(t["proof"] + (" (read back after differing)" if t["reread"] else "") for t in j["tables"])
print(", ".join(f"{k} {v}" for k, v in sorted(c.items())))' "$work/rehome-rehome.out")"

# The proof's cost is a difference of two noisy times: the three proofs run interleaved, REPEAT
# rounds (default 5), and their medians are compared. Autovacuum is off on both servers meanwhile:
# its ANALYZE and VACUUM of the new tables (work the copy causes, whatever the proof) start at
# random moments, land inside one run's window and not another's, and would be counted as the
# proof's whenever a longer run catches more of them.
autovacuum() {  # on|off, on both servers
  psql_src -c "ALTER SYSTEM SET autovacuum = $1" -c "SELECT pg_reload_conf()" >/dev/null
  psql_dst -d postgres -c "ALTER SYSTEM SET autovacuum = $1" -c "SELECT pg_reload_conf()" >/dev/null
}
rounds=${REPEAT:-5}
echo "== 5: rehome --verify none / stream (the default) / readback, interleaved, $rounds rounds, autovacuum off"
autovacuum off
declare -A walls cpus ratios
modes=(none stream readback)
for r in $(seq 1 "$rounds"); do
  declare -A w c s
  # The order turns each round, so no proof always runs right after the same other one.
  for i in 0 1 2; do
    m=${modes[$(( (i + r - 1) % 3 ))]}
    read -r "w[$m]" "c[$m]" "s[$m]" <<<"$(rehome_variant "rehome_$m" "--verify=$m")"
    walls[$m]+="${w[$m]} "; cpus[$m]+="${c[$m]} "
    echo "   round $r, --verify $m: ${w[$m]} s, ${c[$m]} CPU s (source server ${s[$m]})"
  done
  # Paired: each proof against --verify none of the same round (drifts of the box between rounds
  # cancel out).
  for m in stream readback; do
    ratios[$m.wall]+="$(echo "${w[$m]} / ${w[none]}" | bc -l) "; ratios[$m.cpu]+="$(echo "${c[$m]} / ${c[none]}" | bc -l) "
    # CPU per source-server CPU second: the box's speed, which moves the same work's CPU time by
    # up to 30 % between consecutive runs, divides out.
    ratios[$m.norm]+="$(echo "(${c[$m]} / ${s[$m]}) / (${c[none]} / ${s[none]})" | bc -l) "
  done
done
autovacuum on
for m in none stream readback; do
  declare "t_$m=$(echo "${walls[$m]}" | median)" "cpu_$m=$(echo "${cpus[$m]}" | median)"
done
paired() { echo "${ratios[$1]}" | median | xargs -I{} echo "100 * ({} - 1)" | bc -l | xargs printf '%.1f'; }

echo
echo "== PostgreSQL results (${size_mb} MB, 24 tables, jobs $jobs)"
# CPU s: both servers and the tools, summed; unlike wall time, not inflated by other load on the box.
printf '%-36s %8s %8s %8s %8s\n' "method" "seconds" "rehome x" "CPU s" "CPU x"
row() {  # label seconds cpu target [rehome seconds] [rehome cpu]
  printf '%-36s %8s %8s %8s %8s   %s\n' "$1" "$2" "$(ratio "$2" "${5:-$t_rehome}")" "$3" \
    "$(ratio "$3" "${6:-$cpu_rehome}")" "$4"
}
row "pg_dump | pg_restore" "$t_plain" "$cpu_plain" "target >= 2.0 ($(ratio "$t_plain" "$w_next_plain")x the rehome run right after)"
row "pg_dump -Fd -j + pg_restore -j" "$t_dir" "$cpu_dir" "target >= 1.3 ($(ratio "$t_dir" "$w_next_dir")x the rehome run right after)"
[[ -n $t_pgcopydb ]] && row "pgcopydb clone (no verification)" "$t_pgcopydb" "$cpu_pgcopydb" \
  "target >= 1.0 (medians of $pairs; paired ratios' median $copydb_paired)"
printf '%-36s %8s %8s %8s   (median of %s)\n' "rehome migrate postgres (verified)" "$t_rehome" "" "$cpu_rehome" "$pairs"
[[ -n $t_pgcopydb ]] && row "pgcopydb vs rehome --analyze" "$t_pgcopydb" "$cpu_pgcopydb" \
  "like with like: both gather statistics" "$t_analyze" "$cpu_analyze"
printf '%-36s %8s %8s %8s   (median of %s)\n' "rehome --analyze (verified)" "$t_analyze" "" "$cpu_analyze" "$pairs"
printf '%-36s %8s %8s %8s   (medians of %s rounds)\n' "rehome --verify stream (default)" "$t_stream" "" "$cpu_stream" "$rounds"
printf '%-36s %8s %8s %8s\n' "rehome --verify readback (byte-exact)" "$t_readback" "" "$cpu_readback"
printf '%-36s %8s %8s %8s\n' "rehome --verify none (no proof)" "$t_none" "" "$cpu_none"
pct() { echo "100 * ($1 - $2) / $2" | bc -l | xargs printf '%.1f'; }
printf 'verification overhead against --verify none (autovacuum off), median of the %s rounds'"'"' paired ratios:\n' "$rounds"
printf '  --verify stream (default): +%s %% wall, +%s %% CPU   target <= 25 %%\n' \
  "$(paired stream.wall)" "$(paired stream.cpu)"
printf '  --verify readback:         +%s %% wall, +%s %% CPU\n' "$(paired readback.wall)" "$(paired readback.cpu)"
printf '  CPU per source-server CPU second (the box'"'"'s speed divided out: the source does the same work in\n'
printf '  every mode): stream +%s %%, readback +%s %%\n' "$(paired stream.norm)" "$(paired readback.norm)"
printf '  (ratio of the medians: stream +%s %% wall, +%s %% CPU; readback +%s %% wall, +%s %% CPU)\n' \
  "$(pct "$t_stream" "$t_none")" "$(pct "$cpu_stream" "$cpu_none")" \
  "$(pct "$t_readback" "$t_none")" "$(pct "$cpu_readback" "$cpu_none")"
# The proof overlaps the copy of other tables; worker time sums each task's wall time over the
# workers, so on a busy box tasks that wait for a core count as long as they wait.
printf 'worker time: %s s proving / %s s copying = %s %%\n' \
  "$verify_work" "$copy_work" "$(echo "100 * $verify_work / $copy_work" | bc -l | xargs printf '%.1f')"
printf '  (final verify step after the copy: %s s wall)\n' "$verify"
echo "like with like: every contender ran against the same two servers (fsync on, wal_level=replica);"
echo "  pgcopydb ends with VACUUM ANALYZE per table; rehome, like pg_restore, leaves statistics to"
echo "  autovacuum unless --analyze (ANALYZE per table; its whole-table copies are COPY FREEZE, already"
echo "  frozen); rehome's commits are asynchronous per unit and flushed by a synchronous commit before"
echo "  it reports verified"
echo "load average before rehome: $load_before, after: $load_after; after all: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ -z ${SKIP_REDIS:-} ]]; then
  echo
  bash "$(dirname "$0")/redis-bench.sh" "$build"
fi
