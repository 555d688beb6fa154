# Shared by the bench scripts (source it): timing, free ports, a throwaway PostgreSQL and MariaDB server.
# start_pg reads the caller's $bin (PostgreSQL's bin folder), $work (the temp folder) and as_pg (the
# command prefix that runs as the postgres user, empty when not root).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l | xargs printf '%.2f'; }
ratio() { echo "$1 / $2" | bc -l | xargs printf "%.${3:-2}f"; }  # a b [decimals]

# start_pg NAME PORT WAL_LEVEL: the same settings for every bench server, durable enough to be fair
# (fsync on), sized for a small box; wal_level = logical where a bench follows with replication.
start_pg() {
  "${as_pg[@]}" "$bin/initdb" -D "$work/$1" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  "${as_pg[@]}" "$bin/pg_ctl" -D "$work/$1" -l "$work/$1.log" -w -o \
    "-p $2 -k $work -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_wal_size=4GB \
     -c checkpoint_timeout=30min -c maintenance_work_mem=256MB -c wal_level=$3 -c max_connections=50" \
    start >/dev/null
}

# start_mariadb NAME PORT [BINLOG_FORMAT]: a throwaway mariadbd on 127.0.0.1 (socket $work/NAME/sock),
# the same settings for every MariaDB bench; with BINLOG_FORMAT (ROW, MIXED) its binary log is on. Reads
# the caller's $work and $user (mysql when root), appends its pid to the caller's pids array.
start_mariadb() {
  mkdir -p "$work/$1"; [[ $(id -u) -eq 0 ]] && chown mysql "$work/$1"
  mariadb-install-db --no-defaults --user="$user" --datadir="$work/$1/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$work/$1/install.log" 2>&1
  /usr/sbin/mariadbd --no-defaults --user="$user" --datadir="$work/$1/data" --socket="$work/$1/sock" --port="$2" \
    --bind-address=127.0.0.1 --skip-name-resolve --innodb-buffer-pool-size=512M --innodb-log-file-size=512M \
    --innodb-flush-log-at-trx-commit=2 \
    ${3:+--log-bin="$work/$1/data/binlog" --server-id="$2" --sync-binlog=0 --binlog-format=$3} \
    --max-allowed-packet=64M >"$work/$1/server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do mariadb-admin --no-defaults -uroot --socket="$work/$1/sock" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "mariadbd $1 did not start"; tail "$work/$1/server.log"; exit 1
}
# pg_generate DB SIZE_MB: a generated database on the caller's psql_src server (four tables: large 50 %,
# medium 30 %, small 20 % of SIZE_MB * 5000 rows, each with a secondary index, plus the writers' ledger);
# its row count goes to $work/DB.rows.
pg_generate() {
  psql_src -d postgres -c "CREATE DATABASE $1"
  local total_rows=$(($2 * 5000)) rows
  for spec in large:500 medium:300 small:200; do
    rows=$((total_rows * ${spec#*:} / 1000))
    psql_src -d "$1" <<SQL
CREATE TABLE ${spec%:*} (id bigint PRIMARY KEY, account int NOT NULL, amount numeric(14,2), created timestamptz,
  label text, doc jsonb);
INSERT INTO ${spec%:*} SELECT g, g % 10007, (g % 100000) / 7.0, '2024-01-01'::timestamptz + g * interval '1 second',
  'row ' || g || ' ' || md5(g::text), jsonb_build_object('k', g % 1000, 'v', md5((g*3)::text))
FROM generate_series(1, $rows) g;
CREATE INDEX ${spec%:*}_account_idx ON ${spec%:*} (account);
SQL
  done
  psql_src -d "$1" -c "CREATE TABLE ledger (id bigserial PRIMARY KEY, v int, at timestamptz DEFAULT now())" \
    -c "VACUUM ANALYZE" >/dev/null
  echo "$total_rows" >"$work/$1.rows"
}

# pg_start_writers DB / pg_stop_writers: pgbench writes to the source ($src_port) at $rate transactions
# a second (each: an INSERT into ledger, an UPDATE of a random row of large, 2 clients) until stopped;
# its pid in $pgbench_pid (the caller's exit trap kills it).
pg_start_writers() {
  local max; max=$(($(cat "$work/$1.rows") * 500 / 1000))
  cat >"$work/write.sql" <<SQL
\set id random(1, $max)
BEGIN;
INSERT INTO ledger (v) VALUES (:id);
UPDATE large SET amount = amount + 1 WHERE id = :id;
COMMIT;
SQL
  "$bin/pgbench" -n -h 127.0.0.1 -p "$src_port" -U postgres -c 2 -R "$rate" -T 100000 -f "$work/write.sql" "$1" \
    >"$work/pgbench.log" 2>&1 &
  pgbench_pid=$!
}
pg_stop_writers() {
  kill -TERM "$pgbench_pid" 2>/dev/null || true  # (a background job ignores SIGINT)
  wait "$pgbench_pid" 2>/dev/null || true
  pgbench_pid=""
}

# pg_pair NAME: a temp folder /tmp/NAME-XXXXXX ($work), a source and a target PostgreSQL (wal_level =
# logical) on free loopback ports ($src_port, $dst_port), psql_src / psql_dst to reach them; at exit a
# pgbench still running ($pgbench_pid) is killed, both servers stopped and the folder removed.
pg_pair() {
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  work=$(mktemp -d "/tmp/$1-XXXXXX")
  chmod 755 "$work"
  as_pg=()
  if [[ $(id -u) -eq 0 ]]; then as_pg=(runuser -u postgres --); chown postgres "$work"; fi
  pgbench_pid=""
  trap pg_pair_cleanup EXIT
  src_port=$(free_port); start_pg src "$src_port" logical
  dst_port=$(free_port); start_pg dst "$dst_port" logical
}
pg_pair_cleanup() {
  [[ -n $pgbench_pid ]] && kill "$pgbench_pid" 2>/dev/null || true
  for d in src dst; do
    [[ -f $work/$d/postmaster.pid ]] && "${as_pg[@]}" "$bin/pg_ctl" -D "$work/$d" -m immediate stop >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
psql_src() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$src_port" -U postgres "$@"; }
psql_dst() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$dst_port" -U postgres "$@"; }
