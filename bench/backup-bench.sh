#!/usr/bin/env bash
# Benchmark of `rehome backup run` into a restic repository, in one run (issue 23):
#   bash bench/backup-bench.sh [build-dir]       SIZE_MB=1024 by default
#
# A generated PostgreSQL database of SIZE_MB (one table, 1 kB rows of md5 text) on 127.0.0.1:
#  1. pg_dump -Fc to a file (the baseline a person would write), timed;
#  2. rehome backup run --url ... --repo (the dump streamed into restic, written once), timed, with
#     restic's JSON summary: data_added = bytes new to the repository;
#  3. 1 % of the rows changed (a contiguous id range updated, as recent data is), then a second run:
#     its data_added must be far smaller than the first's.
# The server and the repository live in a temp folder, removed at exit.
set -euo pipefail

build=${1:-build}
rehome=$(cd "$build" && pwd)/rehome
size_mb=${SIZE_MB:-1024}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/rehome-backup-bench-XXXXXX)
chmod 755 "$work"
as_pg=()
if [[ $(id -u) -eq 0 ]]; then as_pg=(runuser -u postgres --); chown postgres "$work"; fi
cleanup() {
  [[ -f $work/pg/postmaster.pid ]] && "${as_pg[@]}" "$bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$bin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o \
  "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c max_wal_size=4GB" start >/dev/null
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
psql -d postgres -c "CREATE DATABASE bench"
rows=$((size_mb * 1024))  # ~1 kB a row
echo "loading $rows rows (~$size_mb MB) ..." >&2
psql -d bench -c "CREATE TABLE t(id bigint PRIMARY KEY, pad text)" \
  -c "INSERT INTO t SELECT g, (SELECT string_agg(md5((g * 31 + k)::text), '') FROM generate_series(1, 29) k) FROM generate_series(1, $rows) g" \
  -c "VACUUM ANALYZE t"
db_size=$(psql -d bench -At -c "SELECT pg_database_size('bench')")
url="postgresql://postgres@127.0.0.1:$port/bench"

secs() { python3 -c "import time; print(time.time())"; }
t0=$(secs); "$bin/pg_dump" -Fc -h 127.0.0.1 -p "$port" -U postgres -f "$work/bench.dump" bench; t1=$(secs)
pgdump_s=$(echo "$t1 - $t0" | bc -l); pgdump_bytes=$(stat -c %s "$work/bench.dump"); rm -f "$work/bench.dump"

head -c 32 /dev/urandom | base64 > "$work/pass"; chmod 600 "$work/pass"
run() {  # prints seconds and data_added
  local a b out
  a=$(secs)
  out=$("$rehome" backup run --url "$url" --repo "$work/repo" --password-file "$work/pass" \
        --staging "$work/staging" --json 2>>"$work/run.log")
  b=$(secs)
  echo "$(echo "$b - $a" | bc -l) $(echo "$out" | python3 -c 'import json,sys; print(sum(s["data_added"] for s in json.load(sys.stdin)["stored"]))')"
}
read -r first_s first_added < <(run)
changed=$((rows / 100))
psql -d bench -c "UPDATE t SET pad = md5(random()::text) || substr(pad, 33) WHERE id > $((rows / 2)) AND id <= $((rows / 2 + changed))"
read -r second_s second_added < <(run)
repo_version=$(RESTIC_PASSWORD_FILE="$work/pass" restic -r "$work/repo" cat config --no-lock | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')

printf '\nbackup of a %.0f MB PostgreSQL database (%d rows), restic %s, repository version %s, %s\n' \
  "$(echo "$db_size / 1000000" | bc -l)" "$rows" "$(restic version | awk '{print $2}')" "$repo_version" "$(date -u +%FT%TZ)"
printf '%-44s %10s %14s\n' "what" "seconds" "bytes"
printf '%-44s %10.1f %14d\n' "pg_dump -Fc to a file" "$pgdump_s" "$pgdump_bytes"
printf '%-44s %10.1f %14d\n' "rehome backup run (first, data_added)" "$first_s" "$first_added"
printf '%-44s %10.1f %14d\n' "rehome backup run (1 % changed, data_added)" "$second_s" "$second_added"
printf 'time ratio first run / pg_dump -Fc: %.2fx; second run stores %.2f %% of the first\n' \
  "$(echo "$first_s / $pgdump_s" | bc -l)" "$(echo "100 * $second_added / $first_added" | bc -l)"
