#!/usr/bin/env bash
# Benchmark of `rehome migrate postgres` and `rehome migrate redis`, all sides timed in one run.
#
#   bash bench/migrate-bench.sh [build-dir]      SIZE_MB=1100 JOBS=2 by default (REDIS_KEYS: redis-bench.sh)
#
# PostgreSQL: a generated database of SIZE_MB (>= 1 GB) in 24 tables of mixed sizes (one large,
# three medium, twenty small; primary keys plus a secondary index each) is copied to another local
# server by (1) pg_dump -Fc | pg_restore, (2) pg_dump -Fd -j JOBS + pg_restore -j JOBS,
# (3) pgcopydb clone, (4) rehome migrate postgres --jobs JOBS, verification included.
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

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l | xargs printf '%.2f'; }
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }

start_pg() {  # name port
  "${as_pg[@]}" "$bin/initdb" -D "$work/$1" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  # The same settings for both servers: durable enough to be fair (fsync on), sized for a small box.
  "${as_pg[@]}" "$bin/pg_ctl" -D "$work/$1" -l "$work/$1.log" -w -o \
    "-p $2 -k $work -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_wal_size=4GB \
     -c checkpoint_timeout=30min -c maintenance_work_mem=256MB -c wal_level=replica -c max_connections=50" start >/dev/null
}

src_port=$(free_port); start_pg src "$src_port"
dst_port=$(free_port); start_pg dst "$dst_port"
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

fresh_target() { psql_dst -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }

echo "== 1: pg_dump -Fc | pg_restore"
fresh_target plain; t=$(now)
"$bin/pg_dump" -Fc "$SRC" | "$bin/pg_restore" -d "$(dst plain)"
t_plain=$(elapsed "$t"); echo "   $t_plain s"

echo "== 2: pg_dump -Fd -j$jobs + pg_restore -j$jobs"
fresh_target dir; t=$(now)
"$bin/pg_dump" -Fd -j "$jobs" -f "$work/dump" "$SRC"
"$bin/pg_restore" -j "$jobs" -d "$(dst dir)" "$work/dump"
t_dir=$(elapsed "$t"); echo "   $t_dir s"; rm -rf "$work/dump"

t_pgcopydb=""
if command -v pgcopydb >/dev/null; then
  echo "== 3: pgcopydb clone --table-jobs $jobs --index-jobs $jobs"
  fresh_target copydb; t=$(now)
  if pgcopydb clone --source "$SRC" --target "$(dst copydb)" --table-jobs "$jobs" --index-jobs "$jobs" \
       --dir "$work/pgcopydb" --no-owner --no-acl >"$work/pgcopydb.log" 2>&1; then
    t_pgcopydb=$(elapsed "$t"); echo "   $t_pgcopydb s"
  else
    echo "   pgcopydb failed:"; tail -5 "$work/pgcopydb.log"
  fi
fi

echo "== 4: rehome migrate postgres --jobs $jobs (verification included)"
fresh_target rehome; load_before=$(cut -d' ' -f1-3 /proc/loadavg); t=$(now)
"$rehome" migrate postgres --from "$SRC" --to "$(dst rehome)" --jobs "$jobs" --state "$work/state.json" --json \
  >"$work/rehome.json" 2>"$work/rehome.log" || { cat "$work/rehome.log"; exit 1; }
t_rehome=$(elapsed "$t")
read -r schema copy indexes verify copy_work verify_work index_work verified tables <<<"$(python3 -c '
import json,sys; j=json.load(open(sys.argv[1])); s=j["seconds"]
print(s["schema"], s["copy"], s["indexes"], s["verify"], s["copy_work"], s["verify_work"], s["index_work"],
      j["verified"], len(j["tables"]))' "$work/rehome.json")"
echo "   $t_rehome s (schema $schema s, copy+per-table work $copy s, remaining post-data $indexes s," \
     "final verify $verify s; $tables tables verified: $verified)"
echo "   worker time: copying $copy_work s, proving $verify_work s, indexes+ANALYZE $index_work s"

echo
echo "== PostgreSQL results (${size_mb} MB, 24 tables, jobs $jobs)"
printf '%-36s %8s %8s\n' "method" "seconds" "rehome x"
printf '%-36s %8s %8s   target >= 2.0\n' "pg_dump | pg_restore" "$t_plain" "$(ratio "$t_plain" "$t_rehome")"
printf '%-36s %8s %8s   target >= 1.3\n' "pg_dump -Fd -j + pg_restore -j" "$t_dir" "$(ratio "$t_dir" "$t_rehome")"
[[ -n $t_pgcopydb ]] && printf '%-36s %8s %8s   target >= 1.0\n' "pgcopydb clone (no verification)" "$t_pgcopydb" "$(ratio "$t_pgcopydb" "$t_rehome")"
printf '%-36s %8s\n' "rehome migrate postgres (verified)" "$t_rehome"
# The proof (target read back, source rows counted in the server) overlaps the copy of other tables,
# so its cost is measured in worker time: proving / copying, summed over the workers.
printf 'verification overhead: %s s proving / %s s copying (worker time) = %s %%   target <= 25 %%\n' \
  "$verify_work" "$copy_work" "$(echo "100 * $verify_work / $copy_work" | bc -l | xargs printf '%.1f')"
printf '  (final verify step after the copy: %s s wall)\n' "$verify"
echo "like with like: every contender ran against the same two servers (fsync on, wal_level=replica);"
echo "  pgcopydb ends with VACUUM ANALYZE per table, rehome with ANALYZE per table (its whole-table"
echo "  copies are COPY FREEZE, already frozen), pg_restore analyzes nothing; rehome's commits are"
echo "  asynchronous per unit and flushed by a synchronous commit before it reports verified"
echo "load average before rehome: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
bash "$(dirname "$0")/redis-bench.sh" "$build"
